from staff_directory.cli import cli

cli()
