"""moderation: the public text of an appeal, whether the checks held it and why, the
city's moderation lists

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Appeals filed before stay without a public text (never checked: nothing is shown).
    op.add_column("appeals", sa.Column("public_text", sa.Text(), nullable=True))
    op.add_column(
        "appeals",
        sa.Column("moderation", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column("appeals", sa.Column("moderation_reasons", sa.Text(), nullable=True))
    op.create_index("ix_appeals_moderation", "appeals", ["moderation"])
    op.create_index("ix_appeals_citizen_submitted", "appeals", ["citizen_id", "submitted_at"])
    op.create_table(
        "moderation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("moderation_rules")
    op.drop_index("ix_appeals_citizen_submitted", table_name="appeals")
    op.drop_index("ix_appeals_moderation", table_name="appeals")
    op.drop_column("appeals", "moderation_reasons")
    op.drop_column("appeals", "moderation")
    op.drop_column("appeals", "public_text")
