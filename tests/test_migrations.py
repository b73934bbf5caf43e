"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from voxloop.db import get_engine
from voxloop.models import Base


def test_migrated_schema_matches_the_models():
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The full-text index is created by hand in the migration and is not in the models.
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name == "ix_feedback_search")]
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("feedback_fts"))]
    assert diff == []
