"""Announce committed outbox rows from the database: a statement trigger NOTIFYs every
relay, so a staging transaction needs no NOTIFY round trip of its own.

Revision ID: chassis_0004
Revises: chassis_0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

from services.outbox import NOTIFY_TRIGGER

revision: str = "chassis_0004"
down_revision: str | None = "chassis_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in NOTIFY_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_messages_notify ON outbox_messages")
    op.execute("DROP FUNCTION appeals_outbox_notify()")
