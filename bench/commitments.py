"""Commitment clocks at scale: 1,000,000 open cases on SQLite and on PostgreSQL.

1. A calendar change (a new day off plus longer hours): the time until every open case's
   next deadline is known again in UTC, next to the baseline of just reading those deadlines.
2. The sweep that finds warnings and breaches, when 1,000 cases have come due, next to the
   baseline of counting the open cases.

    .venv/bin/python bench/commitments.py            # both databases
    .venv/bin/python bench/commitments.py --n 100000 # smaller
"""

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

STEPS = 1000  # cases whose deadline falls inside the swept minute


def load(n: int, org_id: int, commitment_id: int, calendar_id: int, now_work: int) -> list[tuple]:
    """Open cases received over the last weeks; deadlines spread over the next working days,
    with STEPS of them falling due in the minute before `now_work`."""
    rng = np.random.default_rng(7)
    started = now_work - rng.integers(0, 40 * 3600, n)
    response = now_work + rng.integers(3600, 30 * 3600, n)  # warnings still ahead
    response[:STEPS] = now_work - 30  # come due just now
    resolution = response + 20 * 3600
    nxt = np.minimum(response, resolution)
    warn = nxt - 48 * 60
    warn[:STEPS] = nxt[:STEPS] - 10**6  # warned already
    ids = np.arange(1, n + 1)
    return [
        (
            int(i),
            org_id,
            commitment_id,
            calendar_id,
            int(s),
            int(r),
            "pending",
            int(z),
            "pending",
            int(x),
            int(w),
        )
        for i, s, r, z, x, w in zip(ids, started, response, resolution, nxt, warn, strict=True)
    ]


COLUMNS = (
    "feedback_id, org_id, commitment_id, calendar_id, started_work, response_due, response_state, "
    "resolution_due, resolution_state, next_due, warn_at"
)


def run(url: str, n: int) -> dict[str, float]:
    os.environ["VOXLOOP_DATABASE_URL"] = url
    from voxloop import db as vdb
    from voxloop import migrate
    from voxloop.accounts import service as accounts
    from voxloop.audit.service import SYSTEM
    from voxloop.commitments import clocks
    from voxloop.commitments import service as commitments
    from voxloop.commitments.models import CaseClock

    vdb.reset_caches()
    commitments.reset_cache()
    migrate.upgrade()
    now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # Thursday 15:00 in Shanghai
    vdb.set_clock(lambda: now)
    with vdb.session_scope() as db:
        org = accounts.create_org(db=db, slug="bench", name="Bench")
        db.commit()
        org_id = org.id
        cal = commitments.list_calendars(db=db, org_id=org_id)[0]
        commitment = commitments.list_commitments(db=db, org_id=org_id)[0]
        now_work = commitments.working_time(db, cal.id).work(now)
        rows = load(n, org_id, commitment.id, cal.id, now_work)
    # The cases that come due get real feedback rows: the sweep writes events and remedies.
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    cases = [
        (i, org_id, f"B{i:09d}", "web_form", "assigned", stamp, stamp, "bench", "zh", "", "")
        for i in range(1, STEPS + 1)
    ]
    feedback_sql = (
        "INSERT INTO feedback (id, org_id, tracking_code, channel, status, received_at, created_at, "
        "description, language, recorded_by, search_text) VALUES ({})"
    )
    if url.startswith("sqlite"):  # a plain connection: foreign keys off, the bench has no feedback rows
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            conn.executemany(feedback_sql.format(", ".join("?" * 11)), cases)
            conn.executemany(f"INSERT INTO case_clocks ({COLUMNS}, escalation) VALUES ({'?, ' * 11}0)", rows)
    else:
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            conn.execute("SET session_replication_role = replica")  # no foreign-key triggers
            conn.cursor().executemany(feedback_sql.format(", ".join(["%s"] * 11)), cases)
            buf = "".join("\t".join(map(str, r)) + "\t0\n" for r in rows)
            with conn.cursor().copy(f"COPY case_clocks ({COLUMNS}, escalation) FROM STDIN") as copy:
                copy.write(buf)
    if not url.startswith("sqlite"):
        with vdb.get_engine().connect() as c:
            c.execute(text("ANALYZE case_clocks"))
            c.commit()

    figures: dict[str, float] = {}
    # -- 1. calendar change -------------------------------------------------------------------
    with vdb.session_scope(readonly=True) as db:
        t = time.perf_counter()
        due = np.array(
            db.execute(select(CaseClock.next_due).where(CaseClock.calendar_id == cal.id)).scalars().all()
        )
        figures["read the deadlines (baseline)"] = time.perf_counter() - t
    rules = dict(cal.rules)
    rules["hours"] = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    rules["extra_holidays"] = [(date(2026, 11, 30)).isoformat()]
    t = time.perf_counter()
    with vdb.session_scope() as db, vdb.writing(db):
        commitments.update_calendar(db=db, org_id=org_id, actor=SYSTEM, calendar_id=cal.id, rules=rules)
    with vdb.session_scope(readonly=True) as db:
        axis = commitments.working_time(db, cal.id)
        due = np.array(
            db.execute(select(CaseClock.next_due).where(CaseClock.calendar_id == cal.id)).scalars().all()
        )
        walls = axis.wall_at(due)
    figures["calendar change: all deadlines recomputed"] = time.perf_counter() - t
    assert len(walls) == n and int(walls.min()) > 0
    # -- 2. sweep -----------------------------------------------------------------------------
    with vdb.session_scope(readonly=True) as db:
        t = time.perf_counter()
        open_cases = db.scalar(select(func.count()).select_from(CaseClock))
        figures["count open cases (baseline)"] = time.perf_counter() - t
    assert open_cases == n
    later = now + timedelta(seconds=1)
    vdb.set_clock(lambda: later)
    with vdb.session_scope() as db:
        t = time.perf_counter()
        counts = clocks.sweep(db=db)
        db.commit()
        figures[f"sweep: {STEPS:,} come due"] = time.perf_counter() - t
    assert counts["breached"] >= STEPS, counts
    with vdb.session_scope() as db:
        t = time.perf_counter()
        counts = clocks.sweep(db=db)
        db.commit()
        figures["sweep: nothing due"] = time.perf_counter() - t
    assert counts == {"warned": 0, "breached": 0, "escalated": 0}, counts
    vdb.set_clock(None)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="voxloop-bench-")
    pg_name = f"voxloop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {pg_name}")
    targets = {
        "SQLite": f"sqlite:///{tmp}/bench.db",
        "PostgreSQL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}",
    }
    limits = {"calendar change": 5.0, "sweep": 2.0}
    try:
        for name, url in targets.items():
            figures = run(url, args.n)
            print(f"\n{name}, {args.n:,} open cases")
            base_read = figures["read the deadlines (baseline)"]
            base_count = figures["count open cases (baseline)"]
            for label, seconds in figures.items():
                limit = next((v for k, v in limits.items() if label.startswith(k)), None)
                base = base_read if label.startswith("calendar") else base_count
                ratio = "" if "baseline" in label else f"  {seconds / base:5.1f}x baseline"
                target = f"  (target <= {limit:.0f} s)" if limit else ""
                print(f"  {label:45s} {seconds:7.3f} s{ratio}{target}")
    finally:
        from voxloop import db as vdb

        vdb.reset_caches()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")


if __name__ == "__main__":
    main()
