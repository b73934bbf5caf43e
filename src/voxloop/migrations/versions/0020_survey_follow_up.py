"""survey follow-up cases: surveys.follow_up rules, survey_responses.follow_up_id, feedback.survey_response_id, the survey channel

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.add_column('surveys', sa.Column('follow_up', sa.JSON(), server_default='{}', nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a foreign key only inline in ADD COLUMN (Alembic would copy the table)
        op.execute(
            "ALTER TABLE survey_responses ADD COLUMN follow_up_id INTEGER "
            "REFERENCES feedback (id) ON DELETE SET NULL"
        )
    else:
        op.add_column('survey_responses', sa.Column('follow_up_id', BigId, nullable=True))
        op.create_foreign_key(
            'fk_survey_responses_follow_up_id_feedback', 'survey_responses', 'feedback',
            ['follow_up_id'], ['id'], ondelete='SET NULL',
        )
    op.create_index('ix_survey_responses_follow_up_id', 'survey_responses', ['follow_up_id'])
    op.add_column('feedback', sa.Column('survey_response_id', BigId, nullable=True))
    op.create_index('uq_feedback_survey_response', 'feedback', ['survey_response_id'], unique=True)
    # every organization gets the channel its follow-up cases arrive on
    op.execute(
        "INSERT INTO channels (org_id, code, name, name_en, staff_entry, is_active, created_at) "
        "SELECT o.id, 'survey', '问卷回访', 'Survey follow-up', false, true, CURRENT_TIMESTAMP "
        "FROM organizations o WHERE NOT EXISTS "
        "(SELECT 1 FROM channels c WHERE c.org_id = o.id AND c.code = 'survey')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM channels WHERE code = 'survey'")
    op.drop_index('uq_feedback_survey_response', table_name='feedback')
    op.drop_column('feedback', 'survey_response_id')
    op.drop_index('ix_survey_responses_follow_up_id', table_name='survey_responses')
    with op.batch_alter_table('survey_responses') as batch_op:
        batch_op.drop_column('follow_up_id')
    op.drop_column('surveys', 'follow_up')
