"""PostgreSQL LISTEN on a dedicated connection that is reopened whenever it drops.

A notification is delivered to listeners only while they are connected, so whoever relies
on one must treat a (re)connection as "something may have been missed": `on_state(True)`
is called after every successful LISTEN, `on_state(False)` when the connection is lost.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog

log = structlog.get_logger(__name__)

CLOSE_TIMEOUT_S = 5.0


class ListeningConnection(Protocol):
    """The part of `asyncpg.Connection` a listener uses."""

    async def add_listener(self, channel: str, callback: Callable[..., Any]) -> None: ...

    def add_termination_listener(self, callback: Callable[..., Any]) -> None: ...

    async def close(self) -> None: ...


Connect = Callable[[], Awaitable[ListeningConnection]]


class NotificationListener:
    """Calls `on_notify()` for every NOTIFY on `channel` while connected."""

    def __init__(
        self,
        connect: Connect,
        channel: str,
        *,
        on_notify: Callable[[], None],
        on_state: Callable[[bool], None],
        retry_max_s: float = 10.0,
    ) -> None:
        self._connect = connect
        self._channel = channel
        self._on_notify = on_notify
        self._on_state = on_state
        self._retry_max_s = retry_max_s
        self.listening = False

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff (0.1 s doubling to the max)."""
        backoff = 0.1
        while True:
            try:
                await self._listen_until_lost()
                backoff = 0.1
                log.warning("notification connection lost; reconnecting", channel=self._channel)
            except Exception as error:  # any failure to connect is retried, never fatal
                log.warning(
                    "cannot listen for notifications; will retry",
                    channel=self._channel,
                    error=repr(error),
                    retry_in_s=backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry_max_s)

    async def _listen_until_lost(self) -> None:
        lost = asyncio.get_running_loop().create_future()

        def connection_lost(*_: object) -> None:
            if not lost.done():
                lost.set_result(None)

        connection = await self._connect()
        try:
            connection.add_termination_listener(connection_lost)
            await connection.add_listener(self._channel, lambda *_: self._on_notify())
            self._set_listening(True)
            await lost
        finally:
            self._set_listening(False)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await connection.close()

    def _set_listening(self, listening: bool) -> None:
        if listening != self.listening:
            self.listening = listening
            self._on_state(listening)
