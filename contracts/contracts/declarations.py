"""Service declarations: each service says once who it is, where it listens and what it
reads and writes on Kafka. Everything that used to repeat it reads it from here: the local
start scripts, the test harness, the Kubernetes manifests, the AsyncAPI document, lint and
type-check targets, and the runtime itself (a subscription or publication a service did
not declare is refused when it is made; consumers refuse an event whose producer does not
declare publishing its type).

A service declares itself with an entry point in its `pyproject.toml`:

    [project.entry-points."appeals.services"]
    intake = "intake.declaration:SERVICE"
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from types import MappingProxyType

from contracts.envelope import Event, RefusedEnvelope
from contracts.events import StaffRolesSet
from contracts.topics import STAFF_ROLES, address_regex

ENTRY_POINT_GROUP = "appeals.services"


class UndeclaredTraffic(RuntimeError):
    """A service subscribed to or published what its declaration does not say."""


class UnexpectedProducer(RefusedEnvelope):
    """An envelope names a producer that no declaration lets publish its type."""


@dataclass(frozen=True)
class Subscription:
    """Events a service consumes from a topic (or every topic matching a channel address)."""

    address: str
    """The topic, or an AsyncAPI channel address with `{parameters}` (a pattern)."""
    events: tuple[type[Event], ...]
    """The event types it applies; others on the topic are skipped."""
    group: str | None = None
    """Names the consumer group `<service>.<group>` (default: the address)."""
    broadcast: bool = False
    """Every process reads the whole topic (no group, no inbox, idempotent handlers)."""

    @property
    def is_pattern(self) -> bool:
        return "{" in self.address

    @property
    def pattern(self) -> str | None:
        """The regex of topics a pattern subscription reads (None for one topic)."""
        return address_regex(self.address) if self.is_pattern else None

    @property
    def event_names(self) -> frozenset[str]:
        return frozenset(e.__name__ for e in self.events)


@dataclass(frozen=True)
class Publication:
    """Events a service publishes (through its outbox, or its operators' commands, always
    in the service's name) on a topic or channel address; consumers refuse these events
    from any other producer (`allowed_producers`)."""

    address: str
    events: tuple[type[Event], ...]

    def covers(self, topic: str, event_type: str) -> bool:
        return re.match(address_regex(self.address), topic) is not None and event_type in {
            e.__name__ for e in self.events
        }


CHASSIS_SUBSCRIPTIONS = (Subscription(STAFF_ROLES, (StaffRolesSet,), group="staff-roles"),)
"""What the chassis reads in every service: the staff directory's role grants, which
complete the roles of its callers' tokens (`services.staff_roles`)."""


@dataclass(frozen=True)
class ServiceDeclaration:
    name: str
    """Name in logs, metrics, consumer groups and dead-letter topics (`executor-gateway`)."""
    package: str
    """The Python package: `python -m <package> serve | migrate | load-city`."""
    folder: str
    """The workspace folder holding the package."""
    env_prefix: str
    """Prefix of the service's settings: `<PREFIX>_DATABASE_URL`, `<PREFIX>_HTTP_PORT`."""
    port: int
    """The default HTTP port (API, /metrics, /health)."""
    database: str
    """The name of its own PostgreSQL database."""
    summary: str
    """One line for people: what it is for and its main endpoints."""
    consumes: tuple[Subscription, ...] = ()
    """What it reads; the chassis's own subscriptions (`CHASSIS_SUBSCRIPTIONS`) are added."""
    publishes: tuple[Publication, ...] = ()
    extra_topics: tuple[str, ...] = field(default=())
    """Topics it publishes outside the outbox (operators' commands), for documentation."""

    def __post_init__(self) -> None:
        missing = tuple(s for s in CHASSIS_SUBSCRIPTIONS if s not in self.consumes)
        object.__setattr__(self, "consumes", self.consumes + missing)

    @property
    def port_variable(self) -> str:
        return f"{self.env_prefix}_HTTP_PORT"

    @property
    def database_variable(self) -> str:
        return f"{self.env_prefix}_DATABASE_URL"

    def group_of(self, subscription: Subscription) -> str | None:
        if subscription.broadcast:
            return None
        return f"{self.name}.{subscription.group or subscription.address}"

    def check_publication(self, topic: str, event_type: str) -> None:
        if not any(p.covers(topic, event_type) for p in self.publishes):
            raise UndeclaredTraffic(
                f"{self.name} publishes {event_type} on {topic!r}, which its declaration"
                f" ({self.package}.declaration) does not list"
            )

    def check_subscription(self, subscription: Subscription) -> None:
        if subscription not in self.consumes:
            raise UndeclaredTraffic(
                f"{self.name} subscribes to {subscription.address!r} for"
                f" {sorted(subscription.event_names)} (group {subscription.group!r},"
                f" broadcast {subscription.broadcast}), which its declaration"
                f" ({self.package}.declaration) does not list"
            )


@cache
def declared_services() -> tuple[ServiceDeclaration, ...]:
    """Every installed service's declaration, in port order."""
    found = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for declaration in found:
        if not isinstance(declaration, ServiceDeclaration):
            raise TypeError(f"entry point {ENTRY_POINT_GROUP} gave {declaration!r}")
    _check_unique(found)
    return tuple(sorted(found, key=lambda d: (d.port, d.name)))


def _check_unique(found: Sequence[ServiceDeclaration]) -> None:
    for attribute in ("name", "package", "env_prefix", "port", "database"):
        values = [getattr(d, attribute) for d in found]
        twice = {v for v in values if values.count(v) > 1}
        if twice:
            raise ValueError(f"two services declare the same {attribute}: {sorted(twice)}")


def declaration_of(name_or_package: str) -> ServiceDeclaration:
    for declaration in declared_services():
        if name_or_package in (declaration.name, declaration.package):
            return declaration
    raise LookupError(f"no service declares {name_or_package!r}")


def producers_by_type(services: Iterable[ServiceDeclaration]) -> Mapping[str, frozenset[str]]:
    """Event type name → the names of the services whose declarations publish it."""
    found: dict[str, set[str]] = {}
    for service in services:
        for publication in service.publishes:
            for event in publication.events:
                found.setdefault(event.__name__, set()).add(service.name)
    return MappingProxyType({name: frozenset(names) for name, names in found.items()})


@cache
def allowed_producers() -> Mapping[str, frozenset[str]]:
    """Who may produce each event type: the installed services that declare publishing it.
    An envelope's `producer` is always a service's name — its operators' commands (a
    service's CLI) publish in that name too — so this one rule covers every event."""
    return producers_by_type(declared_services())


def check_producer(event: Event, allowed: Mapping[str, frozenset[str]] | None = None) -> None:
    """Raise `UnexpectedProducer` unless `event.producer` may produce its type (by default
    per `allowed_producers()`). It stops mistakes and outsiders who do not know the
    rule, not a forger who names the right producer: Kafka ACLs stop those."""
    expected = (allowed_producers() if allowed is None else allowed).get(event.type, frozenset())
    if event.producer not in expected:
        raise UnexpectedProducer(
            f"unexpected producer {event.producer!r} for {event.type}"
            f" (expected: {', '.join(sorted(expected)) or 'no declared producer'})"
        )
