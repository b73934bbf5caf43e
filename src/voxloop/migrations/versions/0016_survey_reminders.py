"""survey reminders

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 20:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('surveys', sa.Column('remind_after_days', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('surveys', 'remind_after_days')
