from executor_gateway.cli import cli

cli()
