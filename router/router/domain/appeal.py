"""An appeal as the routing rules and custom matchers see it (pure)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from contracts.events import Channel


@dataclass(frozen=True)
class AppealToRoute:
    category: str
    lon: float
    lat: float
    channel: str = Channel.WEB.value
    submitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    building_id: str | None = None
    address: str | None = None
    excluded_executors: frozenset[str] = frozenset()
    """Executors that already said "not ours" (redirects)."""
