"""Alembic, once for every service: the env.py body, and creating + upgrading a database."""

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

from services.schema import CHASSIS_MIGRATIONS, CHASSIS_VERSION_TABLE, chassis_metadata

log = structlog.get_logger(__name__)


def run_env(target_metadata: MetaData) -> None:
    """The whole of a service's `migrations/env.py`: `run_env(Table.metadata)`.

    The service's history covers its own tables; the chassis tables in the same database
    belong to the chassis history (`services.chassis_migrations`) and are left alone."""
    _run(target_metadata, version_table="alembic_version", ignore=_chassis_tables)


def run_chassis_env() -> None:
    """The chassis migrations' env.py: only the chassis tables, in their own version table."""
    _run(chassis_metadata(), version_table=CHASSIS_VERSION_TABLE, ignore=_not_chassis)


def _chassis_tables(name: str | None) -> bool:
    return name in chassis_metadata().tables or name == CHASSIS_VERSION_TABLE


def _not_chassis(name: str | None) -> bool:
    return name not in chassis_metadata().tables


def _run(metadata: MetaData, *, version_table: str, ignore: Callable[[str | None], bool]) -> None:
    def include_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        table = getattr(obj, "table", None)
        owner = name if type_ == "table" else getattr(table, "name", None)
        return not (reflected and compare_to is None and ignore(owner))

    options: dict[str, Any] = {
        "target_metadata": metadata,
        "version_table": version_table,
        "include_object": include_object,
    }
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True, **options
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(options))


async def _run_online(options: dict[str, Any]) -> None:
    engine = async_engine_from_config(
        context.config.get_section(context.config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, **options)
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
    """Create the database if needed, bring the chassis tables to their newest revision,
    then the service's own."""
    asyncio.run(create_database_if_missing(database_url))
    command.upgrade(alembic_config(CHASSIS_MIGRATIONS, database_url), "head")
    command.upgrade(alembic_config(script_location, database_url), "head")
