"""imports run in the background, with their progress

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 00:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('import_runs', sa.Column('status', sa.String(16), server_default='done', nullable=False))
    op.add_column('import_runs', sa.Column('position', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE import_runs SET position = rows")


def downgrade() -> None:
    op.drop_column('import_runs', 'position')
    op.drop_column('import_runs', 'status')
