"""What a service talks to outside its own code, chosen at the composition root: the real
adapters by default, fakes in tests (cosmicpython's `bootstrap`). A new kind of adapter
(the identity verifier next) is added here once, not to every service's `create_app`."""

from dataclasses import dataclass

from faststream.kafka import KafkaBroker

from services.clock import Clock
from services.kafka import TopicAdmin


@dataclass(frozen=True)
class Adapters:
    broker: KafkaBroker | None = None
    """None: a Kafka broker on the settings' bootstrap servers."""
    clock: Clock | None = None
    """None: the system clock."""
    topics: TopicAdmin | None = None
    """None: topics are created on that Kafka."""


REAL = Adapters()
"""Every adapter the real one."""
