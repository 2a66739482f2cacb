from gongjian_cli.cli import main

main()
