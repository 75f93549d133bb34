from intake.cli import cli

cli()
