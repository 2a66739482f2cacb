"""``python -m gongjian_cli``: the same as the ``gongjian`` command."""

from gongjian_cli.cli import main

if __name__ == "__main__":  # not when a spawned worker process imports this module
    main()
