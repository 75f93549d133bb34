"""Alembic, once for every service: the env.py body, and creating + upgrading a database."""

import asyncio

import asyncpg
import structlog
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

log = structlog.get_logger(__name__)


def run_env(target_metadata: MetaData) -> None:
    """The whole of a service's `migrations/env.py`: `run_env(SQLModel.metadata)`."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(target_metadata))


async def _run_online(target_metadata: MetaData) -> None:
    engine = async_engine_from_config(
        context.config.get_section(context.config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async with engine.connect() as connection:
        await connection.run_sync(migrate)
    await engine.dispose()


def alembic_config(script_location: str, database_url: str) -> Config:
    """`script_location` as `package:path`, e.g. `intake:store/migrations`."""
    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def create_database_if_missing(database_url: str) -> bool:
    """Create the URL's database on its server (connecting to `postgres`); True if created."""
    url = make_url(database_url)
    name = url.database
    if not name:
        raise ValueError(f"no database name in {url.render_as_string(hide_password=True)}")
    connect = {"host": url.host, "port": url.port, "user": url.username, "password": url.password}
    try:  # a managed database (an operator made it) may be all this user can reach
        await (await asyncpg.connect(**connect, database=name)).close()
        return False
    except asyncpg.InvalidCatalogNameError:
        pass
    conn = await asyncpg.connect(**connect, database="postgres")
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"CREATE DATABASE {quoted}")
        log.info("created database", database=name)
        return True
    finally:
        await conn.close()


def upgrade(script_location: str, database_url: str) -> None:
    """Create the database if needed and migrate it to the newest revision."""
    asyncio.run(create_database_if_missing(database_url))
    command.upgrade(alembic_config(script_location, database_url), "head")
