"""several remedies per commitment (commitments.remedies replaces commitments.remedy); a remedy's message to the customer

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 04:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('commitments', sa.Column('remedies', sa.JSON(), server_default='[]', nullable=False))
    bind = op.get_bind()
    commitments = sa.table('commitments', sa.column('id'), sa.column('remedy'), sa.column('remedies', sa.JSON()))
    for id_, remedy in bind.execute(sa.select(commitments.c.id, commitments.c.remedy).where(commitments.c.remedy.isnot(None))).all():
        bind.execute(commitments.update().where(commitments.c.id == id_).values(remedies=[remedy]))
    # SQLite drops a plain column in place (3.35+): no copy of the table, its rows or triggers.
    op.execute('ALTER TABLE commitments DROP COLUMN remedy')
    op.add_column('remedies', sa.Column('message', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    op.execute('ALTER TABLE remedies DROP COLUMN message')
    op.add_column('commitments', sa.Column('remedy', sa.String(length=24), nullable=True))
    bind = op.get_bind()
    commitments = sa.table('commitments', sa.column('id'), sa.column('remedy'), sa.column('remedies', sa.JSON()))
    for id_, kinds in bind.execute(sa.select(commitments.c.id, commitments.c.remedies)).all():
        if kinds:
            bind.execute(commitments.update().where(commitments.c.id == id_).values(remedy=kinds[0]))
    op.execute('ALTER TABLE commitments DROP COLUMN remedies')
