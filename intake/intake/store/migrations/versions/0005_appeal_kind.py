"""The appeal's kind: a problem to fix, or a suggestion or thanks to pass on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "appeals",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="problem"),
    )


def downgrade() -> None:
    op.drop_column("appeals", "kind")
