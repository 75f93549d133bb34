from comments.cli import cli

cli()
