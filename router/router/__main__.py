from router.cli import cli

cli()
