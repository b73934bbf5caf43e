"""Engine, sessions and the declarative base shared by every domain."""

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from voxloop.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Now, in UTC. Every part of Voxloop asks this function, so tests can travel in time."""
    return _clock() if _clock is not None else datetime.now(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (a function returning an aware datetime); None restores the real one."""
    global _clock
    _clock = clock


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite, which stores no offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Voxloop stores timezone-aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model names its __tablename__, so each maps a Table (DeclarativeBase types it as any
    # FromClause); the services insert into these tables with Core.
    __table__: ClassVar[Table]
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[dict[str, str]]: JSON,
        list[str]: JSON,
        list[int]: JSON,
        list[dict[str, Any]]: JSON,
    }


class TenantMixin:
    """Every tenant-owned row carries its organization; services always filter on it."""

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front with IMMEDIATE, so they queue on busy_timeout instead
        # of failing when a transaction that has read tries to write. Readers never block.
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    settings = get_settings()
    url = url or settings.database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # More connections than the server's 40 worker threads, all kept open: a thread never
        # waits for one, and none is reopened (a new SQLite connection re-reads the schema).
        engine = create_engine(
            url, pool_size=64, max_overflow=0, pool_timeout=60, connect_args={"check_same_thread": False}
        )
        _configure_sqlite(engine, settings.sqlite_synchronous)
        return engine
    # As many kept connections as the server has threads: a connection opened for a burst and
    # closed after it costs more than the query it was opened for.
    return create_engine(
        url, pool_size=settings.db_pool_size, max_overflow=10, pool_pre_ping=True, pool_recycle=3600
    )


@lru_cache
def get_engine() -> Engine:
    return make_engine()


@lru_cache
def get_sessionmaker(readonly: bool = False) -> sessionmaker[Session]:
    engine = get_engine()
    return sessionmaker(
        bind=engine.execution_options(readonly=True) if readonly else engine, expire_on_commit=False
    )


@contextmanager
def session_scope(readonly: bool = False) -> Iterator[Session]:
    """A session for work outside a request (CLI, jobs); the caller commits."""
    db = get_sessionmaker(readonly)()
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


@contextmanager
def writing(db: Session) -> Iterator[Session]:
    """Write with `db` in turn with every other writer: the read transaction is ended first
    (never hold SQLite's lock while waiting for the file lock), the block runs under the write
    lock, and what it wrote is committed before the lock is let go. An exception leaves the
    block's writes uncommitted, for the caller to roll back. On PostgreSQL only the commits."""
    db.commit()
    with _write_lock():
        yield db
        db.commit()


@contextmanager
def _write_lock() -> Iterator[None]:
    """On SQLite, serialize write transactions of all processes with a blocking file lock.

    SQLite's own busy handler polls with sleeps of up to 100 ms; a waiter on flock wakes the
    moment the holder lets go. Elsewhere this does nothing: PostgreSQL writers run in parallel.
    """
    url = get_settings().database_url
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.writelock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def on_commit(db: Session, fn: Callable[[], None]) -> None:
    """Run `fn` once the session's current transaction commits; forget it on rollback."""
    db.info.setdefault("on_commit", []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for fn in session.info.pop("on_commit", []):
        fn()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("on_commit", None)


def reset_caches() -> None:
    """Forget the engine and settings (tests switch databases between runs)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    get_settings.cache_clear()
