"""due date: when the executor must answer by, from the sla-tracker's DeadlineSet

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("assignments", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_assignments_due_at", "assignments", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_assignments_due_at", table_name="assignments")
    op.drop_column("assignments", "due_at")
