"""The in-memory broker that use-case tests run on keeps the real Kafka's promises for what
the chassis relies on: one contract, subclassed per backend (pyeventsourcing's pattern).

Each test wires a small service through the chassis (`ServiceRuntime`: outbox relay,
consumer with inbox, dead letters) over the backend, with a real PostgreSQL."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest
from faststream.kafka import KafkaMessage
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.declarations import Publication, ServiceDeclaration, Subscription
from contracts.envelope import new_event_id
from contracts.events import AppealAccepted, AppealAcceptedPayload
from contracts.topics import dead_letter
from services.adapters import Adapters
from services.kafka import TopicSpec, ensure_topics, make_broker
from services.kafka_connection import KafkaConnection
from services.migrations import create_database_if_missing
from services.outbox import stage
from services.runtime import ServiceRuntime
from services.schema import chassis_metadata
from services.settings import ServiceSettings
from services.testing import IN_MEMORY, InMemoryTopics, in_memory
from tests.infrastructure import SessionKafka


@dataclass
class Wiring:
    runtime: ServiceRuntime
    topic: str
    applied: list[AppealAccepted] = field(default_factory=list)
    dead: list[tuple[bytes, str]] = field(default_factory=list)

    async def stage(self, event: AppealAccepted) -> None:
        async with self.runtime.db.transaction() as session:
            stage(session, event, self.topic)

    async def publish_raw(self, body: bytes, key: bytes) -> None:
        await self.runtime.broker.publish(body, self.topic, key=key)


def accepted(appeal_id: UUID, comment: str) -> AppealAccepted:
    return AppealAccepted(
        appeal_id=appeal_id,
        producer="executor-gateway",  # the one its declaration lets publish it
        correlation_id=appeal_id,
        payload=AppealAcceptedPayload(executor_id="x", comment=comment),
    )


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


class BrokerContract:
    """Subclasses say how to build the broker and how to see dead letters."""

    @pytest.fixture
    def backend(self) -> KafkaConnection:
        """Where the broker is and who the test's service signs in as."""
        raise NotImplementedError

    async def start(self, stack: AsyncExitStack, wiring: Wiring) -> None:
        raise NotImplementedError

    @pytest.fixture
    async def wiring(self, postgres_url: str, backend: KafkaConnection) -> AsyncIterator[Wiring]:
        name = f"contract-{uuid4().hex[:8]}"
        topic = f"contract.{name}"
        declaration = ServiceDeclaration(
            name=name,
            package="contract",
            folder="contract",
            env_prefix="CONTRACT",
            port=1,
            database=name,
            summary="",
            consumes=(Subscription(topic, (AppealAccepted,)),),
            publishes=(Publication(topic, (AppealAccepted,)),),
        )
        url = f"{postgres_url}/{name.replace('-', '_')}"
        await create_database_if_missing(url)
        settings = ServiceSettings(
            service_name=name,
            database_url=url,
            http_port=1,
            kafka_bootstrap_servers=backend.bootstrap_servers,
            kafka_security_protocol=backend.security_protocol,
            kafka_sasl_mechanism=backend.sasl_mechanism,
            kafka_username=backend.username,
            kafka_password=backend.password,
            log_format="console",
        )
        runtime = ServiceRuntime(
            declaration,
            settings,
            Adapters(
                broker=make_broker(backend, name),
                topics=InMemoryTopics() if backend.bootstrap_servers == IN_MEMORY else None,
            ),
        )
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(chassis_metadata().create_all)
        wiring = Wiring(runtime, topic)

        async def apply(event: AppealAccepted, session: AsyncSession) -> None:
            wiring.applied.append(event)

        runtime.consume({AppealAccepted: apply}, topic)
        app = runtime.http_app(title=name, description="contract test")
        async with AsyncExitStack() as stack:
            await self.start(stack, wiring)
            await stack.enter_async_context(app.router.lifespan_context(app))
            yield wiring

    async def test_a_staged_event_reaches_the_consumer(self, wiring: Wiring) -> None:
        event = accepted(new_event_id(), "first")
        await wiring.stage(event)
        await until(lambda: len(wiring.applied) == 1, "the event to be applied")
        assert wiring.applied[0].event_id == event.event_id
        assert wiring.applied[0].payload.comment == "first"

    async def test_a_redelivered_event_is_applied_once(self, wiring: Wiring) -> None:
        event = accepted(new_event_id(), "once")
        await wiring.stage(event)
        await wiring.stage(event)  # the same envelope again, as a re-sent outbox row is
        # The marker shares the appeal (so its partition): it comes after the re-sent copy.
        marker = accepted(event.appeal_id, "after")
        await wiring.stage(marker)
        await until(lambda: any(e.event_id == marker.event_id for e in wiring.applied), "marker")
        assert [e.event_id for e in wiring.applied] == [event.event_id, marker.event_id]

    async def test_one_appeals_events_arrive_in_the_order_staged(self, wiring: Wiring) -> None:
        appeal_id = new_event_id()
        events = [accepted(appeal_id, str(n)) for n in range(20)]
        for event in events:
            await wiring.stage(event)
        await until(lambda: len(wiring.applied) == 20, "twenty events")
        assert [e.payload.comment for e in wiring.applied] == [str(n) for n in range(20)]

    async def test_an_undecodable_message_is_dead_lettered_and_the_next_applied(
        self, wiring: Wiring
    ) -> None:
        appeal_id = new_event_id()
        await wiring.publish_raw(b"{not json", key=str(appeal_id).encode())
        after = accepted(appeal_id, "after the poison")
        await wiring.stage(after)
        await until(lambda: len(wiring.applied) == 1, "the next event")
        await until(lambda: bool(wiring.dead), "the dead letter")
        body, reason = wiring.dead[0]
        assert body == b"{not json"
        assert reason.startswith("undecodable")

    async def test_an_envelope_from_an_unexpected_producer_is_dead_lettered(
        self, wiring: Wiring
    ) -> None:
        appeal_id = new_event_id()
        forged = accepted(appeal_id, "forged").model_copy(update={"producer": "attacker"})
        await wiring.publish_raw(forged.to_json(), key=str(appeal_id).encode())
        after = accepted(appeal_id, "genuine")
        await wiring.stage(after)
        await until(lambda: len(wiring.applied) == 1, "the genuine event")
        await until(lambda: bool(wiring.dead), "the dead letter")
        assert [e.payload.comment for e in wiring.applied] == ["genuine"]
        assert wiring.dead == [
            (
                forged.to_json(),
                "unexpected producer 'attacker' for AppealAccepted (expected: executor-gateway)",
            )
        ]


def watch_dead_letters(wiring: Wiring) -> None:
    """Subscribe to the consumer's dead-letter topic, collecting (body, reason)."""
    target = dead_letter(wiring.topic, wiring.runtime.settings.service_name)

    async def park(message: KafkaMessage) -> None:
        wiring.dead.append((message.body, message.headers.get("dlq-reason", "")))

    wiring.runtime.broker.subscriber(target, auto_offset_reset="earliest")(park)


class TestInMemoryBroker(BrokerContract):
    @pytest.fixture
    def backend(self) -> KafkaConnection:
        return KafkaConnection(IN_MEMORY)

    async def start(self, stack: AsyncExitStack, wiring: Wiring) -> None:
        watch_dead_letters(wiring)
        await stack.enter_async_context(in_memory(wiring.runtime.broker))


class TestRealKafka(BrokerContract):
    @pytest.fixture
    def backend(self, kafka: SessionKafka) -> KafkaConnection:
        """The session's Kafka, as its admin: the contract's service has no principal."""
        return kafka.admin

    async def start(self, stack: AsyncExitStack, wiring: Wiring) -> None:
        target = dead_letter(wiring.topic, wiring.runtime.settings.service_name)
        await ensure_topics(
            wiring.runtime.settings.kafka,
            [TopicSpec(wiring.topic, partitions=3), TopicSpec(target, partitions=1)],
        )
        watch_dead_letters(wiring)
