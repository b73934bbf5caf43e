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
    # SQLite adds a foreign key to an existing table only inline in ADD COLUMN, and reflection
    # then reads neither its name nor its ON DELETE: the same key shows as removed and added.
    removed = {_fk(d[1]) for d in diff if d[0] == "remove_fk"}
    added = {_fk(d[1]) for d in diff if d[0] == "add_fk"}
    same = removed & added if conn.dialect.name == "sqlite" else set()
    diff = [d for d in diff if not (d[0] in ("remove_fk", "add_fk") and _fk(d[1]) in same)]
    assert diff == []


def _fk(constraint):  # type: ignore[no-untyped-def]
    return (constraint.table.name, tuple(c.name for c in constraint.columns), constraint.referred_table.name)
