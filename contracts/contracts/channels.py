"""The channels a city accepts appeals from: its optional `channels.json`, a list of
`{"id": ChannelId, "name": ...}`, or without it the defaults (`DEFAULT_CHANNELS`).

Intake (which refuses an undeclared channel) and router (which refuses rules naming one)
each read the file when they load the city; both read it through `read_channels`.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from contracts.events import DEFAULT_CHANNELS
from contracts.identifiers import ChannelId
from contracts.text import STORABLE

CHANNELS_FILE = "channels.json"

DEFAULT_CHANNEL_NAMES: Mapping[str, str] = {
    "web": "Web site",
    "mobile": "Mobile app",
    "open311": "Open311 client",
    "bot": "Chat bot",
    "operator": "Operator (a phone call typed in)",
    "api": "API",
}
"""The names of the default channels, for a city without `channels.json`."""

ChannelName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), STORABLE
]


class DeclaredChannel(BaseModel):
    """One channel of the city: its id (on appeals and in rules) and the name people read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ChannelId
    name: ChannelName


DEFAULT_DECLARED_CHANNELS: tuple[DeclaredChannel, ...] = tuple(
    DeclaredChannel(id=c, name=DEFAULT_CHANNEL_NAMES[c]) for c in DEFAULT_CHANNELS
)

_DOCUMENT = TypeAdapter(list[DeclaredChannel])


class ChannelsError(ValueError):
    """A `channels.json` that cannot be used; the message lists every problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = problems


def parse_channels(text: str, source: str = CHANNELS_FILE) -> tuple[DeclaredChannel, ...]:
    """The channels a `channels.json` text declares; raises ChannelsError naming each
    problem (not JSON, not a list, a bad or duplicate id, a missing name, no channels)."""
    try:
        channels = _DOCUMENT.validate_json(text)
    except ValidationError as error:
        raise ChannelsError(source, [_problem(e) for e in error.errors()]) from error
    if not channels:
        raise ChannelsError(source, ["declares no channels (leave the file out for the defaults)"])
    first_at: dict[str, int] = {}
    problems = []
    for number, channel in enumerate(channels, start=1):
        if channel.id in first_at:
            problems.append(
                f"duplicate channel id {channel.id!r} (entries {first_at[channel.id]} and {number})"
            )
        first_at.setdefault(channel.id, number)
    if problems:
        raise ChannelsError(source, problems)
    return tuple(channels)


def read_channels(directory: Path) -> tuple[DeclaredChannel, ...]:
    """The channels of the city in `directory`: its `channels.json`, or the defaults."""
    path = directory / CHANNELS_FILE
    if not path.exists():
        return DEFAULT_DECLARED_CHANNELS
    return parse_channels(path.read_text(encoding="utf-8"), str(path))


def _problem(error: ErrorDetails) -> str:
    location, message = error["loc"], error["msg"]
    if error["type"] == "json_invalid":
        return f"not valid JSON ({error.get('ctx', {}).get('error', message)})"
    if not location:
        return f"must be a list of {{id, name}} objects ({message})"
    where = f"entry {int(location[0]) + 1}"
    if len(location) > 1:
        where += f", {location[1]}"
        if error["type"] != "missing":
            where += f" {error['input']!r}"
    if error["type"] == "string_pattern_mismatch":
        message = "a channel id is a lower-case letter, then up to 31 of a-z 0-9 _ -"
    return f"{where}: {message}"
