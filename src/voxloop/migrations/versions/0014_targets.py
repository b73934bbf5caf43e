"""indicator targets, customer updates

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 16:20:00.000000
"""

from alembic import op
import sqlalchemy as sa

import voxloop.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no table rebuild on SQLite (other tables point at both).
    op.add_column('organizations', sa.Column('targets', sa.JSON(), nullable=True))
    op.add_column('customers', sa.Column('updated_at', voxloop.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('customers', 'updated_at')
    op.drop_column('organizations', 'targets')
