"""citizen steps: the paused status, the answer's kind and time, planned date, question,
rating; who took each step of the history

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('appeals', sa.Column('paused_from', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.add_column('appeals', sa.Column('answer_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column('appeals', sa.Column('rejection_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('appeals', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('appeals', sa.Column('planned_date', sa.Date(), nullable=True))
    op.add_column('appeals', sa.Column('question', sa.Text(), nullable=True))
    op.add_column('appeals', sa.Column('answer_by', sa.DateTime(timezone=True), nullable=True))
    op.add_column('appeals', sa.Column('rating', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_appeals_answered_at'), 'appeals', ['answered_at'], unique=False)
    op.add_column('appeal_history', sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column('appeal_history', sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
    op.add_column('appeal_history', sa.Column('note', sa.Text(), nullable=True))
    # Appeals resolved before this migration were answered when last updated.
    op.execute(
        "UPDATE appeals SET answer_kind = 'resolved', answered_at = updated_at"
        " WHERE status = 'resolved'"
    )


def downgrade() -> None:
    op.drop_column('appeal_history', 'note')
    op.drop_column('appeal_history', 'by')
    op.drop_column('appeal_history', 'actor')
    op.drop_index(op.f('ix_appeals_answered_at'), table_name='appeals')
    op.drop_column('appeals', 'rating')
    op.drop_column('appeals', 'answer_by')
    op.drop_column('appeals', 'question')
    op.drop_column('appeals', 'planned_date')
    op.drop_column('appeals', 'answered_at')
    op.drop_column('appeals', 'rejection_code')
    op.drop_column('appeals', 'answer_kind')
    op.drop_column('appeals', 'paused_from')
