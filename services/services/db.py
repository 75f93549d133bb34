"""Async database access: engine, sessions, transactions with commit hooks."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.declarations import ServiceDeclaration


async def core(session: AsyncSession) -> AsyncConnection:
    """The session's connection, for a Core statement in its transaction. Changes to
    loaded rows are flushed first, so the statement never works under a stale ORM update
    flushed after it; new rows stay pending and are inserted together later."""
    if session.dirty or session.deleted:
        await session.flush()
    return await session.connection()


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        pre_ping: bool = True,
        declaration: ServiceDeclaration | None = None,
    ) -> None:
        """With a `declaration`, events staged in this database's outbox are checked
        against what the service declared it publishes. `pre_ping` tests each pooled
        connection before use (a round trip per transaction; without it a connection the
        server dropped fails its first use, which callers retry as a transient fault)."""
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping
        )
        self._sessions = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            info={"declaration": declaration} if declaration else {},
        )
        self._after_commit: list[Callable[[dict[Any, Any]], None]] = []

    def on_commit(self, callback: Callable[[dict[Any, Any]], None]) -> None:
        """Run `callback(session.info)` after every transaction this object commits; what
        the transaction noted in `session.info` tells it whether to act (wake the relay)."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self._sessions() as session:
            async with session.begin():
                yield session
            for callback in self._after_commit:
                callback(session.info)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (no explicit transaction)."""
        async with self._sessions() as session:
            yield session

    async def listening_connection(self) -> asyncpg.Connection:
        """A connection of its own, outside the pool, for LISTEN (the caller closes it)."""
        url = self.engine.url.set(drivername="postgresql")
        return await asyncpg.connect(url.render_as_string(hide_password=False))

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
