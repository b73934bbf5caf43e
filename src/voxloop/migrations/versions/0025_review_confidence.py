"""review_confidence: the models' confidence in the least sure field left for review, so the
review queue lists the least confident first

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 04:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("review_confidence", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("review_confidence")
