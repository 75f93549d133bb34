from sla_tracker.cli import cli

cli()
