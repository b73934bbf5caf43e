"""the re-survey after a follow-up case: survey_responses.resurvey_of_id

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 05:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a foreign key only inline in ADD COLUMN (Alembic would copy the table)
        op.execute(
            "ALTER TABLE survey_responses ADD COLUMN resurvey_of_id INTEGER "
            "REFERENCES survey_responses (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("survey_responses", sa.Column("resurvey_of_id", BigId, nullable=True))
        op.create_foreign_key(
            "fk_survey_responses_resurvey_of_id_survey_responses",
            "survey_responses",
            "survey_responses",
            ["resurvey_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_survey_responses_resurvey_of_id", "survey_responses", ["resurvey_of_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_responses_resurvey_of_id", table_name="survey_responses")
    with op.batch_alter_table("survey_responses") as batch_op:
        batch_op.drop_column("resurvey_of_id")
