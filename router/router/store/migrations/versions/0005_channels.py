"""The city's channels (`channels.json`, loaded by `load-city`), which rules may name; an
appeal's channel widens to a channel id's 32 characters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No rows until the city is loaded again: an empty table means the default channels.
    op.create_table(
        "channels",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.alter_column(
        "appeals",
        "channel",
        type_=sqlmodel.sql.sqltypes.AutoString(length=32),
        existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
        existing_nullable=False,
    )


def downgrade() -> None:
    # Fails if an appeal came through a channel id longer than the old 20 characters.
    op.alter_column(
        "appeals",
        "channel",
        type_=sqlmodel.sql.sqltypes.AutoString(length=20),
        existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
        existing_nullable=False,
    )
    op.drop_table("channels")
