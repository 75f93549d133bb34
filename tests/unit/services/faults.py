"""Faults as the database and its driver really report them, for classification tests."""

import asyncio
import socket
from typing import cast

import asyncpg
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    PGDialect_asyncpg,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import QueuePool

SSL_REQUEST = (80877103).to_bytes(4, "big")
GSSENC_REQUEST = (80877104).to_bytes(4, "big")


async def _connect(port: int) -> Exception:
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/appeals")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return error
    finally:
        await engine.dispose()
    raise AssertionError("the connection was expected to fail")


def refused_by_server(sqlstate: str, message: str) -> Exception:
    """What a service gets from SQLAlchemy + asyncpg when PostgreSQL answers its startup
    packet with this error (as it does while starting up, shutting down, or full)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            length = int.from_bytes(await reader.readexactly(4), "big")
            body = await reader.readexactly(length - 4)
            if body[:4] in (SSL_REQUEST, GSSENC_REQUEST):
                writer.write(b"N")  # no encryption: go on in plain text
                await writer.drain()
                continue
            fields = f"SFATAL\0VFATAL\0C{sqlstate}\0M{message}\0\0".encode()
            writer.write(b"E" + (len(fields) + 4).to_bytes(4, "big") + fields)
            await writer.drain()
            writer.close()
            return

    async def scenario() -> Exception:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        async with server:
            return await _connect(server.sockets[0].getsockname()[1])

    return asyncio.run(asyncio.wait_for(scenario(), timeout=30))


def refused_connection() -> Exception:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return asyncio.run(_connect(port))  # nothing listens there any more


def pool_exhausted() -> Exception:
    """SQLAlchemy's pool `TimeoutError`: every connection is checked out (an HTTP flood)."""

    class Connection:
        def rollback(self) -> None: ...

        def close(self) -> None: ...

    def connect() -> DBAPIConnection:
        return cast(DBAPIConnection, Connection())

    pool = QueuePool(connect, pool_size=1, max_overflow=0, timeout=0.01)
    held = pool.connect()
    try:
        pool.connect()
    except PoolTimeoutError as error:
        return error
    finally:
        held.close()
    raise AssertionError("the pool was expected to be exhausted")


def deadlock_detected() -> Exception:
    """What a statement gets from SQLAlchemy + asyncpg when PostgreSQL breaks a deadlock
    by aborting its transaction (SQLSTATE 40P01): asyncpg's error, translated by the
    dialect as it translates every server error, wrapped in a `DBAPIError`."""
    dbapi = PGDialect_asyncpg.import_dbapi()  # type: ignore[no-untyped-call]
    cause = asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
    try:
        try:
            AsyncAdapt_asyncpg_connection._handle_exception_no_connection(dbapi, cause)
        except dbapi.Error as translated:
            statement = "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST($1 AS bigint[])) AS k"
            raise DBAPIError.instance(statement, None, translated, dbapi.Error) from translated
    except DBAPIError as error:
        return error
    raise AssertionError("the error was expected to be raised")
