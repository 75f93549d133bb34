"""Appeals' clocks and the city's calendar and policies.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clocks",
        sa.Column("appeal_id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("executor_id", sa.String(length=64), nullable=True),
        sa.Column("territory_ids", sa.Text(), nullable=False),
        sa.Column("stages", sa.Text(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("appeal_id"),
    )
    op.create_index("ix_clocks_category", "clocks", ["category"])
    op.create_index("ix_clocks_executor_id", "clocks", ["executor_id"])
    op.create_index("ix_clocks_next_at", "clocks", ["next_at"])
    op.create_index("ix_clocks_due_at", "clocks", ["due_at"])
    op.create_table(
        "sla_city",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar", sa.Text(), nullable=False),
        sa.Column("policies", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sla_city")
    op.drop_table("clocks")
