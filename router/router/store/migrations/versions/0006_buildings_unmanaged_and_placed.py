"""The building registry may say a building has no management company, and where it stands.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("buildings", "territory_id", existing_type=sa.String(100), nullable=True)
    op.add_column("buildings", sa.Column("lon", sa.Float(), nullable=True))
    op.add_column("buildings", sa.Column("lat", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("buildings", "lat")
    op.drop_column("buildings", "lon")
    op.execute("DELETE FROM buildings WHERE territory_id IS NULL")
    op.alter_column("buildings", "territory_id", existing_type=sa.String(100), nullable=False)
