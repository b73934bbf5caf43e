"""Copy an installation's database into an empty one: how a group that started on the SQLite
default moves to PostgreSQL when it scales out (README, "Scaling out", step 0).

Not pg_dump or pgloader: the target's schema must be the one Voxloop's own migrations build
(64-bit ids, PostgreSQL's full-text index, the Alembic revision recorded), and the rows must
go through the models' column types (JSON, timezone-aware UTC) rather than SQLite's text. So
the target is migrated first, then every table of the models is copied in foreign-key order,
with its ids, in one transaction (a failed copy leaves the target empty, to be tried again);
PostgreSQL's id sequences are moved past the copied ids, and the row counts are compared.

Attachments are files in VOXLOOP_DATA_DIR, not rows: the data directory is shared or copied
separately. The analytics store (a DuckDB file there too) is derived from these tables and is
rebuilt by `voxloop analytics rebuild`, or by the workers' periodic sync.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, func, inspect, select, text, update
from sqlalchemy.engine import Engine

from voxloop.db import make_engine
from voxloop.migrate import alembic_config, upgrade
from voxloop.models import Base

BATCH = 1000
# Tells a caller how far a table's copy has come: (table, rows copied so far, rows in all).
Progress = Callable[[str, int, int], None]


class CopyRefused(Exception):
    """The copy would not be safe (a target with data, a source not migrated); nothing written."""


@dataclass(frozen=True)
class Counted:
    """One table's rows in the source and in the target once the copy is done."""

    table: str
    source: int
    target: int


def copy(*, source_url: str, target_url: str, progress: Progress, batch: int = BATCH) -> list[Counted]:
    """Migrate the empty database at `target_url` and copy every table of `source_url` into it.

    Raises CopyRefused before writing anything if the target holds data or the source is
    behind the migrations; raises RuntimeError if the counts differ afterwards.
    """
    # Read-only: on SQLite a reader takes no write lock, so the source is never blocked.
    source, target = make_engine(source_url).execution_options(readonly=True), make_engine(target_url)
    try:
        with source.connect() as src:
            _require_current(src)
            _require_empty(target)
            with target.begin() as dst:
                upgrade(connection=dst)
                links: list[tuple[Table, list[dict[str, object]]]] = []
                for table in Base.metadata.sorted_tables:
                    links.append((table, _copy_table(src, dst, table, progress, batch)))
                    if dst.dialect.name == "postgresql":
                        _reset_sequence(dst, table)
                for table, values in links:
                    _link(dst, table, values)
        counted = _count(source, target)
    finally:
        source.dispose()
        target.dispose()
    wrong = [c.table for c in counted if c.source != c.target]
    if wrong:
        raise RuntimeError(f"row counts differ after the copy: {', '.join(wrong)}")
    return counted


def _require_current(src: Connection) -> None:
    """A source behind the migrations has columns the models do not know: migrate it first."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    current = MigrationContext.configure(src).get_current_revision()
    if current != head:
        raise CopyRefused(
            f"the source database is at revision {current or 'none'}, not {head}: "
            "run `voxloop migrate` on it first"
        )


def _require_empty(target: Engine) -> None:
    """Never mix two installations' rows: refuse a target where any of the tables has a row."""
    with target.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name in present and _rows(conn, table):
                raise CopyRefused(
                    f"the target database already holds data (table {table.name} has rows); "
                    "copy into a new, empty database"
                )


def _copy_table(
    src: Connection, dst: Connection, table: Table, progress: Progress, batch: int
) -> list[dict[str, object]]:
    """Copy a table in primary-key order, so a row that refers to an earlier row of its own
    table (a re-survey to its first response) finds it already there. Returns the values of
    the columns that close a cycle, written as NULL here and by `_link` once all rows are in."""
    cyclic = [
        fk.parent.name for fk in table.foreign_keys if fk.constraint is not None and fk.constraint.use_alter
    ]
    later: list[dict[str, object]] = []
    total = _rows(src, table)
    progress(table.name, 0, total)
    done = 0
    for rows in _batches(src, table, batch):
        for row in rows:
            values = {name: row[name] for name in cyclic if row[name] is not None}
            if values:
                later.append({"_id": row["id"], **values})
                row.update(dict.fromkeys(values))
        dst.execute(table.insert(), rows)
        done += len(rows)
        progress(table.name, done, total)
    return later


def _link(dst: Connection, table: Table, values: list[dict[str, object]]) -> None:
    """Fill in the columns of a foreign-key cycle (a department's head, a user of a department
    copied after it) that `_copy_table` left NULL, now that the rows they point at exist."""
    for row in values:
        dst.execute(
            update(table).where(table.c.id == row["_id"]).values({k: v for k, v in row.items() if k != "_id"})
        )


def _batches(src: Connection, table: Table, batch: int) -> Iterator[list[dict[str, object]]]:
    result = src.execution_options(stream_results=True).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    for chunk in result.mappings().partitions(batch):
        yield [dict(row) for row in chunk]


def _reset_sequence(dst: Connection, table: Table) -> None:
    """Copied rows keep their ids; the next id PostgreSQL hands out must come after them."""
    if [c.name for c in table.primary_key.columns] != ["id"]:
        return  # keyed by name, day or a pair of ids: no sequence
    sequence = dst.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
    if sequence:
        dst.execute(
            # the table name comes from the application's own metadata
            text(f"SELECT setval(:s, coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"),  # noqa: S608
            {"s": sequence},
        )


def _count(source: Engine, target: Engine) -> list[Counted]:
    with source.connect() as src, target.connect() as dst:
        return [Counted(t.name, _rows(src, t), _rows(dst, t)) for t in Base.metadata.sorted_tables]


def _rows(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.count()).select_from(table)) or 0)
