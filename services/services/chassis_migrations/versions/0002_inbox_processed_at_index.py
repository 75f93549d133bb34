"""Index the inbox by when an event was applied, for pruning past the retention.

Revision ID: chassis_0002
Revises: chassis_0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "chassis_0002"
down_revision: str | None = "chassis_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbox_events_processed_at", "inbox_events", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_events_processed_at", table_name="inbox_events")
