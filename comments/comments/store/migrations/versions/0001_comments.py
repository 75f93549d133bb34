"""Appeals' speakers, comments and their photos.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
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
        "appeal_speakers",
        sa.Column("appeal_id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=True),
        sa.Column("executor_id", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("appeal_id"),
    )
    op.create_table(
        "comments",
        sa.Column("comment_id", sa.Uuid(), nullable=False),
        sa.Column("appeal_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("executor_id", sa.String(length=64), nullable=True),
        sa.Column("by", sa.String(length=200), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column(
            "posted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_index(
        "ix_comments_appeal_posted", "comments", ["appeal_id", "posted_at", "comment_id"]
    )
    op.create_table(
        "comment_photos",
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("comment_id", sa.Uuid(), nullable=False),
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
        sa.ForeignKeyConstraint(["comment_id"], ["comments.comment_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("photo_id"),
    )
    op.create_index("ix_comment_photos_comment_id", "comment_photos", ["comment_id"])


def downgrade() -> None:
    op.drop_index("ix_comment_photos_comment_id", table_name="comment_photos")
    op.drop_table("comment_photos")
    op.drop_index("ix_comments_appeal_posted", table_name="comments")
    op.drop_table("comments")
    op.drop_table("appeal_speakers")
