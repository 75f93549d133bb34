"""The LISTEN loop: notifications forwarded, every loss reported and repaired."""

import asyncio
from collections.abc import Callable
from typing import Any

from services.notifications import ListeningConnection, NotificationListener

WAIT_S = 30.0


class FakeConnection:
    def __init__(self) -> None:
        self.channels: dict[str, Callable[..., Any]] = {}
        self.on_lost: list[Callable[..., Any]] = []
        self.closed = False

    async def add_listener(self, channel: str, callback: Callable[..., Any]) -> None:
        self.channels[channel] = callback

    def add_termination_listener(self, callback: Callable[..., Any]) -> None:
        self.on_lost.append(callback)

    async def close(self) -> None:
        self.closed = True

    def notify(self, channel: str) -> None:
        self.channels[channel](self, 1234, channel, "")

    def drop(self) -> None:
        for callback in self.on_lost:
            callback(self)


class FakeServer:
    """Hands out connections; refuses the next `refusals` attempts."""

    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.connections: list[FakeConnection] = []

    async def connect(self) -> ListeningConnection:
        if self.refusals:
            self.refusals -= 1
            raise ConnectionRefusedError("the database system is starting up")
        self.connections.append(FakeConnection())
        return self.connections[-1]


async def eventually(probe: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not probe():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.001)


class Observed:
    def __init__(self) -> None:
        self.notifications = 0
        self.states: list[bool] = []

    def listener(self, server: FakeServer) -> NotificationListener:
        return NotificationListener(
            server.connect,
            "outbox",
            on_notify=self.notified,
            on_state=self.states.append,
            retry_max_s=0.01,
        )

    def notified(self) -> None:
        self.notifications += 1


async def test_notifications_are_forwarded_and_a_lost_connection_is_replaced() -> None:
    server, seen = FakeServer(), Observed()
    listener = seen.listener(server)
    task = asyncio.create_task(listener.run())
    try:
        await eventually(lambda: listener.listening, "listening")
        first = server.connections[0]
        first.notify("outbox")
        assert seen.notifications == 1

        first.drop()
        await eventually(lambda: len(server.connections) == 2 and listener.listening, "again")
        assert seen.states == [True, False, True], "a loss and a recovery are both reported"
        assert first.closed
        server.connections[1].notify("outbox")
        assert seen.notifications == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert server.connections[1].closed, "cancelling closes the connection"
    assert seen.states[-1] is False


async def test_a_database_that_refuses_connections_is_retried_until_it_answers() -> None:
    server, seen = FakeServer(refusals=3), Observed()
    listener = seen.listener(server)
    task = asyncio.create_task(listener.run())
    try:
        await eventually(lambda: listener.listening, "listening after refusals")
        assert server.refusals == 0
        assert seen.states == [True], "never reported listening before it was"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
