"""The photos of executors' answers (the files are in the blob store).

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
    op.create_table(
        "answer_photos",
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=512), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("appeal_id", sa.Uuid(), nullable=False),
        sa.Column("executor_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id", "executor_id"], ["assignments.appeal_id", "assignments.executor_id"]
        ),
        sa.PrimaryKeyConstraint("photo_id"),
    )
    op.create_index("ix_answer_photos_assignment", "answer_photos", ["appeal_id", "executor_id"])


def downgrade() -> None:
    op.drop_index("ix_answer_photos_assignment", table_name="answer_photos")
    op.drop_table("answer_photos")
