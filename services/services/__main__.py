"""Platform-wide chores: `python -m services topics` creates the shared topics."""

import asyncio

import typer
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings

from contracts.topics import CORE_TOPICS, ROUTING_CHANGES
from services.kafka import TopicSpec, ensure_topics

cli = typer.Typer(help="Platform chores shared by every service.", add_completion=False)


@cli.callback()
def main() -> None:
    """Platform chores shared by every service."""


class KafkaSettings(BaseSettings):
    bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    partitions: int = Field(
        default=3, ge=1, validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS")
    )


@cli.command()
def topics() -> None:
    """Create the platform's shared topics (names from contracts) if they do not exist."""
    settings = KafkaSettings()
    specs = [TopicSpec(name, settings.partitions) for name in CORE_TOPICS]
    specs.append(TopicSpec.compacted(ROUTING_CHANGES))
    created = asyncio.run(ensure_topics(settings.bootstrap_servers, specs))
    typer.echo(f"topics: created {', '.join(created) or 'none (all exist)'}")


if __name__ == "__main__":
    cli()
