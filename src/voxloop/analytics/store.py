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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Branch
from voxloop.commitments import service as commitments
from voxloop.commitments.models import Calendar, CaseClock
from voxloop.common.time import as_utc, utcnow
from voxloop.config import get_settings
from voxloop.customers.models import Customer
from voxloop.feedback.models import Feedback
from voxloop.surveys import definition as d
from voxloop.surveys import follow_up, quality
from voxloop.surveys.models import Response, Survey, SurveyVersion
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
ALTER TABLE response_facts ADD COLUMN IF NOT EXISTS resurvey BOOLEAN;
CREATE TABLE IF NOT EXISTS customer_facts (
    id BIGINT PRIMARY KEY, org_id BIGINT, segment VARCHAR, value_tier VARCHAR, region VARCHAR);
CREATE TABLE IF NOT EXISTS follow_up_facts (
    id BIGINT PRIMARY KEY, org_id BIGINT, survey_id BIGINT, submitted_at TIMESTAMP, channel VARCHAR,
    branch VARCHAR, language VARCHAR, product VARCHAR, touchpoint VARCHAR, department_id BIGINT,
    customer_id BIGINT, flagged BOOLEAN, followed BOOLEAN, contact_hours DOUBLE, in_time BOOLEAN,
    recovered BOOLEAN);
CREATE TABLE IF NOT EXISTS branch_facts (
    org_id BIGINT, name VARCHAR, city VARCHAR, PRIMARY KEY (org_id, name));
"""
# What each sync writes into a fact table, by name and in the order of the rows it builds
# (a store made before a column was added keeps it last: names, not places, say where it goes).
COLUMNS = {
    "feedback_facts": (
        "id", "org_id", "received_at", "channel", "type", "category", "branch", "product", "touchpoint",
        "language", "department_id", "status", "flagged", "sentiment", "customer_id",
    ),
    "response_facts": (
        "id", "org_id", "survey_id", "submitted_at", "mode", "language", "channel", "branch", "flagged",
        "nps", "csat", "ces", "customer_id", "department_id", "product", "touchpoint", "resurvey",
    ),
    "clock_facts": ("feedback_id", "org_id", "received_at", "channel", "kept", "measured"),
    "theme_facts": (
        "id", "org_id", "run_id", "period_start", "period_end", "label", "size", "customers", "branches",
        "scope",
    ),
    "customer_facts": ("id", "org_id", "segment", "value_tier", "region"),
    "follow_up_facts": (
        "id", "org_id", "survey_id", "submitted_at", "channel", "branch", "language", "product", "touchpoint",
        "department_id", "customer_id", "flagged", "followed", "contact_hours", "in_time", "recovered",
    ),
    "branch_facts": ("org_id", "name", "city"),
}  # fmt: skip
# An unhappy answer's loop (the reply, the deadline, the re-survey) is copied again on every
# sync for this long after the answer.
FOLLOW_UP_REFRESH_DAYS = 90


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
    """Per response: its scores, its hidden fields, the department of the case it was sent
    about (the `case_id` hidden field), and whether it answers a re-survey after a follow-up."""
    surveys = {s.id: s for s in db.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in rows})))}
    cases = {c for r in rows if (c := d.case_id(r.hidden)) is not None}
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
                departments.get(case) if (case := d.case_id(r.hidden)) is not None else None,
                r.hidden.get("product"),
                r.hidden.get("touchpoint"),
                r.resurvey_of_id is not None,
            )  # fmt: skip
        )
    return out


def _follow_up_rows(db: Session, rows: list[Response]) -> list[tuple[Any, ...]]:
    """Per answer that met a follow-up rule (the survey's rules as they stand, counted even
    while switched off, or opened a case), how its loop went: whether it has a case, the
    working hours from the answer to the case's first reply (on the case's calendar), whether
    that reply kept its commitment (None until the deadline is met or missed) and whether the
    latest answer after the case says the respondent was won back (None before one). Answers
    that are themselves a re-survey are no rows: they open no case."""
    surveys = {s.id: s for s in db.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in rows})))}
    versions = {
        (v.survey_id, v.number): v.definition
        for v in db.scalars(select(SurveyVersion).where(SurveyVersion.survey_id.in_(surveys)))
    }
    met = []
    for r in rows:
        survey = surveys.get(r.survey_id)
        if survey is None or r.resurvey_of_id is not None:
            continue
        rules = replace(follow_up.Rules.of(survey.follow_up), enabled=True)
        definition = versions.get((r.survey_id, r.version), survey.definition)
        if r.follow_up_id is not None or follow_up.triggers(definition, r.answers, rules):
            met.append(r)
    if not met:
        return []
    case_ids = {r.follow_up_id for r in met if r.follow_up_id is not None}
    about = {c for r in met if (c := d.case_id(r.hidden)) is not None}
    records = {
        f.id: f
        for f in db.execute(
            select(Feedback.id, Feedback.department_id, Feedback.first_response_at).where(
                Feedback.id.in_(case_ids | about)
            )
        )
    }
    clocks = {
        c.feedback_id: c
        for c in db.execute(
            select(CaseClock.feedback_id, CaseClock.calendar_id, CaseClock.response_state).where(
                CaseClock.feedback_id.in_(case_ids)
            )
        )
    }
    fallback = {
        org_id: calendar_id
        for org_id, calendar_id in db.execute(
            select(Calendar.org_id, func.min(Calendar.id))
            .where(Calendar.org_id.in_({r.org_id for r in met}))
            .group_by(Calendar.org_id)
        )
    }
    won = _recovered(db, case_ids)
    out = []
    for r in met:
        case = records.get(r.follow_up_id) if r.follow_up_id is not None else None
        clock = clocks.get(r.follow_up_id) if r.follow_up_id is not None else None
        hours = None
        if case is not None and case.first_response_at is not None:
            calendar_id = clock.calendar_id if clock is not None else fallback.get(r.org_id)
            if calendar_id is not None:
                axis = commitments.working_time(db, calendar_id)
                hours = max(axis.between(as_utc(r.submitted_at), as_utc(case.first_response_at)), 0) / 3600
        state = clock.response_state if clock is not None else None
        about_case = records.get(c) if (c := d.case_id(r.hidden)) is not None else None
        department = case.department_id if case is not None else None
        if department is None and about_case is not None:
            department = about_case.department_id
        out.append(
            (
                r.id, r.org_id, r.survey_id, r.submitted_at, r.hidden.get("channel"), r.hidden.get("branch"),
                r.language, r.hidden.get("product"), r.hidden.get("touchpoint"), department, r.customer_id,
                quality.excluded(r.quality_flags), r.follow_up_id is not None, hours,
                state == "met" if state in ("met", "late", "breached") else None,
                won.get(r.follow_up_id) if r.follow_up_id is not None else None,
            )
        )  # fmt: skip
    return out


def _recovered(db: Session, case_ids: set[int]) -> dict[int, bool]:
    """Per follow-up case re-surveyed (the re-survey, or the post-case survey): whether its
    latest answer says the respondent was won back."""
    latest: dict[int, Response] = {}
    for r in db.scalars(
        select(Response)
        .where(Response.feedback_id.in_(case_ids), Response.completed.is_(True))
        .order_by(Response.submitted_at, Response.id)
    ):
        latest[r.feedback_id] = r  # type: ignore[index]
    asked = {
        (v.survey_id, v.number): v.definition
        for v in db.scalars(
            select(SurveyVersion).where(SurveyVersion.survey_id.in_({r.survey_id for r in latest.values()}))
        )
    }
    out = {}
    for case_id, r in latest.items():
        won = follow_up.recovered(asked.get((r.survey_id, r.version), {"sections": []}), r.answers)
        if won is not None:
            out[case_id] = won
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


def _branch_rows(db: Session) -> list[tuple[Any, ...]]:
    """Every organization's branches with their city, copied whole on each sync (a short list,
    and a city can be corrected): records carry the branch's name, the city filter its city."""
    return [tuple(r) for r in db.execute(select(Branch.org_id, Branch.name, Branch.city))]


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
    sources = (
        "feedback",
        "responses",
        "clocks",
        "refreshed",
        "themes",
        "customers",
        "follow_ups",
        "branches",
    )
    copied = dict.fromkeys(sources, 0)
    t = Feedback.__table__
    with _lock, connect() as conn:
        while True:
            mark = _watermark(conn, "feedback")
            rows = _feedback_rows(db, select(t).where(t.c.id > mark).order_by(t.c.id).limit(batch))
            if not rows:
                break
            _write(conn, "feedback_facts", rows, "feedback", max(r[0] for r in rows))
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
            _write(conn, "response_facts", rows, "responses", responses[-1].id)
            copied["responses"] += len(responses)
        clocks = _clock_rows(db, mark=_watermark(conn, "clocks"))
        if clocks:
            _write(conn, "clock_facts", clocks, "clocks", max(r[0] for r in clocks))
            copied["clocks"] = len(clocks)
        recent_clocks = _clock_rows(db, since=utcnow() - timedelta(days=REFRESH_DAYS))
        if recent_clocks:
            _write(conn, "clock_facts", recent_clocks, None, None)
        recent = _feedback_rows(
            db, select(t).where(t.c.received_at >= utcnow() - timedelta(days=REFRESH_DAYS))
        )
        if recent:
            _write(conn, "feedback_facts", recent, None, None)
            copied["refreshed"] = len(recent)
        copied["follow_ups"] = _sync_follow_ups(db, conn, batch)
        customers, mark = _customer_rows(db, _watermark(conn, "customers"))
        if customers:
            _write(conn, "customer_facts", customers, "customers", mark)
            copied["customers"] = len(customers)
        branches = _branch_rows(db)
        if branches:
            _write(conn, "branch_facts", branches, None, None)
            copied["branches"] = len(branches)
        themes = _theme_rows(db, _watermark(conn, "themes"))
        if themes:
            _write(conn, "theme_facts", themes, "themes", max(r[0] for r in themes))
            copied["themes"] = len(themes)
    return copied


def _sync_follow_ups(db: Session, conn: duckdb.DuckDBPyConnection, batch: int) -> int:
    """The unhappy answers new since the last sync, and those of the last
    FOLLOW_UP_REFRESH_DAYS again (their loops move on). How many answers were read."""
    read = 0
    recent = utcnow() - timedelta(days=FOLLOW_UP_REFRESH_DAYS)
    for fresh in (False, True):
        after = 0
        while True:
            stmt = select(Response).where(Response.completed.is_(True)).order_by(Response.id).limit(batch)
            if fresh:
                stmt = stmt.where(Response.id > after, Response.submitted_at >= recent)
            else:
                stmt = stmt.where(Response.id > max(after, _watermark(conn, "follow_ups")))
            responses = list(db.scalars(stmt))
            if not responses:
                break
            first, after = responses[0].id, responses[-1].id
            rows = _follow_up_rows(db, responses)
            if fresh:  # an answer that no longer meets a rule (the rules changed) leaves
                conn.execute(
                    "DELETE FROM follow_up_facts WHERE id BETWEEN ? AND ? AND submitted_at >= ?",
                    [first, after, _naive(recent)],
                )
            if rows:
                _write(conn, "follow_up_facts", rows, None if fresh else "follow_ups", after)
            elif not fresh:
                conn.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", ["follow_ups", after])
            read += len(responses)
    return read


def _write(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[tuple[Any, ...]],
    source: str | None,
    mark: int | None,
) -> None:
    """Upsert rows (their values in the order of the table's COLUMNS) and move the watermark,
    atomically."""
    # One vectorised insert from a data frame (DuckDB's executemany goes a row at a time);
    # times as naive UTC, as the store keeps them. A row of the wrong width is a ValueError.
    columns = COLUMNS[table]
    frame = pd.DataFrame([[_naive(v) for v in row] for row in rows], columns=list(columns), dtype=object)
    named = ", ".join(columns)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.register("incoming", frame)
        conn.execute(f"INSERT OR REPLACE INTO {table} ({named}) SELECT {named} FROM incoming")  # noqa: S608  fixed table/columns
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
