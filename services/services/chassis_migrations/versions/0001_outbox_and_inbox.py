"""The outbox and inbox tables.

They used to be created by each service's first migration; a database that has them
already (migrated before the chassis had its own history) is left as it is.

Revision ID: chassis_0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "chassis_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "inbox_events" not in existing:
        op.create_table(
            "inbox_events",
            sa.Column("consumer", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
            sa.Column("event_id", sa.Uuid(), nullable=False),
            sa.Column(
                "processed_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("consumer", "event_id"),
        )
    if "outbox_messages" not in existing:
        op.create_table(
            "outbox_messages",
            sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
            sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=249), nullable=False),
            sa.Column("key", sa.LargeBinary(), nullable=True),
            sa.Column("value", sa.LargeBinary(), nullable=False),
            sa.Column("headers", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("id"),
        )


def downgrade() -> None:
    op.drop_table("outbox_messages")
    op.drop_table("inbox_events")
