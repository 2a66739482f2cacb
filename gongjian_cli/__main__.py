"""``python -m gongjian_cli``: the same as the ``gongjian`` command."""

if __name__ == "__main__":  # not when a spawned worker process imports this module
    from gongjian_cli.cli import main  # (so a worker does not import the CLI layer)

    main()
