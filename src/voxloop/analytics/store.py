"""The analytics store: a DuckDB copy of feedback and survey responses, kept up to date by a
resumable sync, read by the indicators (never the OLTP store).

Each source is copied in id order, a batch at a time; a batch and the watermark that records
it are written in one DuckDB transaction, so a sync stopped anywhere resumes where it left
off, without loss or double counting (rows are upserted by id). Feedback received in the last
REFRESH_DAYS is copied again on every sync, so later changes to it (triage, status) arrive too.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxloop.commitments.models import CaseClock
from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.customers.models import Customer
from voxloop.feedback.models import Feedback
from voxloop.surveys import definition as d
from voxloop.surveys import quality
from voxloop.surveys.models import Response, Survey
from voxloop.themes.models import Theme, ThemeRun

BATCH = 50_000
REFRESH_DAYS = 30
_lock = threading.Lock()  # one sync per process
# How long a connection waits for another process that holds the file (a sync writing, or
# readers while this process wants to write) before giving up.
WAIT_SECONDS = 5.0


class _Sharing:
    """Readers together or one writer, within a process: DuckDB refuses a read-only connection
    while the same process has a read-write one open on the file (and the other way round). A
    waiting writer goes before readers that come after it; a reader waits for at most
    WAIT_SECONDS."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writers = 0  # waiting or writing
        self._writing = False

    @contextmanager
    def hold(self, read_only: bool) -> Iterator[None]:
        with self._cond:
            if read_only:
                if not self._cond.wait_for(lambda: self._writers == 0, timeout=WAIT_SECONDS):
                    raise duckdb.IOException("the analytics store is being written")
                self._readers += 1
            else:
                self._writers += 1
                self._cond.wait_for(lambda: not self._writing and self._readers == 0)
                self._writing = True
        try:
            yield
        finally:
            with self._cond:
                if read_only:
                    self._readers -= 1
                else:
                    self._writers -= 1
                    self._writing = False
                self._cond.notify_all()


_sharing = _Sharing()

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback_facts (
    id BIGINT PRIMARY KEY, org_id BIGINT, received_at TIMESTAMP, channel VARCHAR, type VARCHAR,
    category VARCHAR, branch VARCHAR, product VARCHAR, touchpoint VARCHAR, language VARCHAR,
    department_id BIGINT, status VARCHAR, flagged BOOLEAN);
CREATE TABLE IF NOT EXISTS response_facts (
    id BIGINT PRIMARY KEY, org_id BIGINT, survey_id BIGINT, submitted_at TIMESTAMP, mode VARCHAR,
    language VARCHAR, channel VARCHAR, branch VARCHAR, flagged BOOLEAN, nps INTEGER, csat INTEGER,
    ces INTEGER);
CREATE TABLE IF NOT EXISTS clock_facts (
    feedback_id BIGINT PRIMARY KEY, org_id BIGINT, received_at TIMESTAMP, channel VARCHAR,
    kept INTEGER, measured INTEGER);
CREATE TABLE IF NOT EXISTS sync_state (source VARCHAR PRIMARY KEY, watermark BIGINT);
ALTER TABLE feedback_facts ADD COLUMN IF NOT EXISTS sentiment VARCHAR;
ALTER TABLE feedback_facts ADD COLUMN IF NOT EXISTS customer_id BIGINT;
CREATE TABLE IF NOT EXISTS theme_facts (
    id BIGINT PRIMARY KEY, org_id BIGINT, run_id BIGINT, period_start TIMESTAMP, period_end TIMESTAMP,
    label VARCHAR, size INTEGER, customers INTEGER, branches INTEGER, scope VARCHAR);
ALTER TABLE response_facts ADD COLUMN IF NOT EXISTS customer_id BIGINT;
ALTER TABLE response_facts ADD COLUMN IF NOT EXISTS department_id BIGINT;
ALTER TABLE response_facts ADD COLUMN IF NOT EXISTS product VARCHAR;
ALTER TABLE response_facts ADD COLUMN IF NOT EXISTS touchpoint VARCHAR;
CREATE TABLE IF NOT EXISTS customer_facts (
    id BIGINT PRIMARY KEY, org_id BIGINT, segment VARCHAR, value_tier VARCHAR, region VARCHAR);
"""
FEEDBACK_WIDTH = 15
RESPONSE_WIDTH = 16


def path() -> Path:
    settings = get_settings()
    return Path(settings.analytics_path or Path(settings.data_dir) / "analytics.duckdb")


@contextmanager
def connect(read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store. DuckDB lets one process write a file, or several read it: a
    connection the other side holds the file against is tried again for up to WAIT_SECONDS,
    then duckdb.IOException is raised (the views answer 503 with Retry-After)."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not target.exists():
        read_only = False  # first use: create it
    with _sharing.hold(read_only):
        conn = _open(str(target), read_only)
        try:
            if not read_only:
                conn.execute(SCHEMA)
            yield conn
        finally:
            conn.close()


def _open(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    deadline, pause = time.monotonic() + WAIT_SECONDS, 0.01
    while True:
        try:
            return duckdb.connect(target, read_only=read_only)
        except duckdb.IOException:  # another process holds the file's lock
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def _watermark(conn: duckdb.DuckDBPyConnection, source: str) -> int:
    row = conn.execute("SELECT watermark FROM sync_state WHERE source = ?", [source]).fetchone()
    return int(row[0]) if row else 0


def _feedback_rows(db: Session, stmt: Any) -> list[tuple[Any, ...]]:
    t = Feedback.__table__.c
    rows = db.execute(
        stmt.with_only_columns(
            t.id,
            t.org_id,
            t.received_at,
            t.channel,
            t.type,
            t.category,
            t.branch,
            t.product,
            t.touchpoint,
            t.language,
            t.department_id,
            t.status,
            t.flag,
            t.sentiment,
            t.customer_id,
        )  # fmt: skip
    ).all()
    return [(*r[:12], r[12] is not None, r[13], r[14]) for r in rows]


def _theme_rows(db: Session, mark: int) -> list[tuple[Any, ...]]:
    stmt = (
        select(
            Theme.id,
            Theme.org_id,
            Theme.run_id,
            ThemeRun.period_start,
            ThemeRun.period_end,
            Theme.label,
            Theme.size,
            Theme.customers,
            Theme.branches,
            Theme.scope,
        )  # fmt: skip
        .join(ThemeRun, ThemeRun.id == Theme.run_id)
        .where(Theme.id > mark)
        .order_by(Theme.id)
    )
    return [tuple(r) for r in db.execute(stmt)]


def _first(definition: dict[str, Any], kind: str) -> str | None:
    return next((q["id"] for q in d.questions(definition) if q["type"] == kind), None)


def _response_rows(db: Session, rows: list[Response]) -> list[tuple[Any, ...]]:
    """Per response: its scores, its hidden fields, and the department of the case it was
    sent about (the `case_id` hidden field)."""
    surveys = {s.id: s for s in db.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in rows})))}
    cases = {int(c) for r in rows if str(c := r.hidden.get("case_id") or "").isdigit()}
    found = db.execute(select(Feedback.id, Feedback.department_id).where(Feedback.id.in_(cases)))
    departments = {feedback_id: department_id for feedback_id, department_id in found}
    out = []
    for r in rows:
        definition = surveys[r.survey_id].definition if r.survey_id in surveys else {"sections": []}
        picks = {k: _first(definition, k) for k in ("nps", "csat", "ces")}
        out.append(
            (
                r.id,
                r.org_id,
                r.survey_id,
                r.submitted_at,
                r.mode,
                r.language,
                r.hidden.get("channel"),
                r.hidden.get("branch"),
                quality.excluded(r.quality_flags),
                *(r.answers.get(q) if q else None for q in (picks["nps"], picks["csat"], picks["ces"])),
                r.customer_id,
                departments.get(int(case)) if str(case := r.hidden.get("case_id") or "").isdigit() else None,
                r.hidden.get("product"),
                r.hidden.get("touchpoint"),
            )  # fmt: skip
        )
    return out


def _customer_rows(db: Session, mark: int) -> tuple[list[tuple[Any, ...]], int]:
    """Customers created or changed since the watermark (microseconds since the epoch, the
    last change copied): their segment, value tier and region, which the indicators filter
    and group by."""
    changed = func.coalesce(Customer.updated_at, Customer.created_at)
    since = datetime.fromtimestamp(mark / 1e6, UTC) if mark else datetime(1970, 1, 1, tzinfo=UTC)
    stmt = select(
        Customer.id, Customer.org_id, Customer.segment, Customer.value_tier, Customer.region, changed
    ).where(changed >= since)  # fmt: skip
    rows = db.execute(stmt).all()
    latest = max((_naive(r[5]).replace(tzinfo=UTC) for r in rows), default=since)
    return [tuple(r[:5]) for r in rows], int(latest.timestamp() * 1e6)


def _clock_rows(db: Session, mark: int | None = None, since: Any = None) -> list[tuple[Any, ...]]:
    """Per case: commitment deadlines kept and deadlines measured (met, late or breached)."""
    done = ("met", "late", "breached")
    stmt = select(
        CaseClock.feedback_id, CaseClock.org_id, Feedback.received_at, Feedback.channel,
        CaseClock.response_state, CaseClock.resolution_state,
    ).join(Feedback, Feedback.id == CaseClock.feedback_id)  # fmt: skip
    if mark is not None:
        stmt = stmt.where(CaseClock.feedback_id > mark).order_by(CaseClock.feedback_id)
    if since is not None:
        stmt = stmt.where(Feedback.received_at >= since)
    out = []
    for fid, org_id, received, channel, *states in db.execute(stmt):
        measured = [s for s in states if s in done]
        out.append((fid, org_id, received, channel, sum(1 for s in measured if s == "met"), len(measured)))
    return out


def sync(db: Session, batch: int = BATCH) -> dict[str, int]:
    """Copy what is new since the last sync (and refresh recent feedback). Resumable."""
    copied = {"feedback": 0, "responses": 0, "clocks": 0, "refreshed": 0, "themes": 0, "customers": 0}
    t = Feedback.__table__
    with _lock, connect() as conn:
        while True:
            mark = _watermark(conn, "feedback")
            rows = _feedback_rows(db, select(t).where(t.c.id > mark).order_by(t.c.id).limit(batch))
            if not rows:
                break
            _write(conn, "feedback_facts", FEEDBACK_WIDTH, rows, "feedback", max(r[0] for r in rows))
            copied["feedback"] += len(rows)
        while True:
            mark = _watermark(conn, "responses")
            responses = list(
                db.scalars(
                    select(Response)
                    .where(Response.id > mark, Response.completed.is_(True))
                    .order_by(Response.id)
                    .limit(batch)
                )
            )
            if not responses:
                break
            rows = _response_rows(db, responses)
            _write(conn, "response_facts", RESPONSE_WIDTH, rows, "responses", responses[-1].id)
            copied["responses"] += len(responses)
        clocks = _clock_rows(db, mark=_watermark(conn, "clocks"))
        if clocks:
            _write(conn, "clock_facts", 6, clocks, "clocks", max(r[0] for r in clocks))
            copied["clocks"] = len(clocks)
        recent_clocks = _clock_rows(db, since=utcnow() - timedelta(days=REFRESH_DAYS))
        if recent_clocks:
            _write(conn, "clock_facts", 6, recent_clocks, None, None)
        recent = _feedback_rows(
            db, select(t).where(t.c.received_at >= utcnow() - timedelta(days=REFRESH_DAYS))
        )
        if recent:
            _write(conn, "feedback_facts", FEEDBACK_WIDTH, recent, None, None)
            copied["refreshed"] = len(recent)
        customers, mark = _customer_rows(db, _watermark(conn, "customers"))
        if customers:
            _write(conn, "customer_facts", 5, customers, "customers", mark)
            copied["customers"] = len(customers)
        themes = _theme_rows(db, _watermark(conn, "themes"))
        if themes:
            _write(conn, "theme_facts", 10, themes, "themes", max(r[0] for r in themes))
            copied["themes"] = len(themes)
    return copied


def _write(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    width: int,
    rows: list[tuple[Any, ...]],
    source: str | None,
    mark: int | None,
) -> None:
    """Upsert rows and move the watermark, atomically."""
    # One vectorised insert from a data frame (DuckDB's executemany goes a row at a time);
    # times as naive UTC, as the store keeps them.
    frame = pd.DataFrame(
        [[_naive(v) for v in row] for row in rows], columns=[f"c{i}" for i in range(width)], dtype=object
    )
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.register("incoming", frame)
        conn.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM incoming")
        conn.unregister("incoming")
        if source is not None:
            conn.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", [source, mark])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def rebuild(db: Session) -> dict[str, int]:
    """Start the store again from nothing and copy everything."""
    with _lock:
        target = path()
        for suffix in ("", ".wal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return sync(db)
