"""privacy

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 14:22:54.853670
"""

from alembic import op
import sqlalchemy as sa

import voxloop.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no table rebuild on SQLite (everything points at organizations).
    op.add_column('organizations', sa.Column('redact_pii', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('organizations', sa.Column('retention', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('organizations', 'retention')
    op.drop_column('organizations', 'redact_pii')
