"""The chassis's own tables (outbox, inbox) and where each service's tables live.

Every table family has its own SQLAlchemy metadata: the chassis's here, each service's in
its `store/tables.py` (`class Table(SQLModel, registry=registry())`). So several services
can run in one process (see `services.testing`) without their tables colliding, and the
chassis tables are migrated once, by the chassis migrations, in every service's database.
"""

import importlib

from sqlalchemy import MetaData
from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class ChassisTable(SQLModel, registry=registry()):
    """Base of the tables every service's database has (outbox, inbox, staff roles)."""


CHASSIS_MIGRATIONS = "services:chassis_migrations"
"""The chassis's alembic scripts, applied to every service database before its own."""

CHASSIS_VERSION_TABLE = "alembic_version_chassis"
"""Where alembic records the chassis revision, beside the service's `alembic_version`."""


def chassis_metadata() -> MetaData:
    """The chassis tables' metadata, with every chassis table registered."""
    for module in ("services.inbox", "services.outbox", "services.staff_roles"):
        importlib.import_module(module)
    return ChassisTable.metadata
