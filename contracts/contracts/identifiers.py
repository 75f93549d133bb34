"""Identifier formats that end up in topic names and URLs."""

from typing import Annotated

from pydantic import StringConstraints

EXECUTOR_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"

ExecutorId = Annotated[str, StringConstraints(pattern=EXECUTOR_ID_PATTERN)]
"""An executor organisation's id: lower-case slug, safe inside a Kafka topic name."""

CategoryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]

CHANNEL_ID_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"

ChannelId = Annotated[str, StringConstraints(pattern=CHANNEL_ID_PATTERN)]
"""Where an appeal came from: one of the channels the city declares in its catalogue
(`channels.json`; without it, `contracts.events.DEFAULT_CHANNELS`)."""
