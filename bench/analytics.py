"""The analytics store at scale: 10,000,000 survey responses and 2,000,000 feedback records.

1. The indicators endpoint's work (NPS per segment x week, with n, intervals and the test of
   each change; and the complaint rate per channel x week) next to the equivalent raw DuckDB
   aggregate in the same run (target: within 2x).
2. Incremental sync of 100,000 new feedback records from SQLite (target: <= 5 s), next to
   reading the same rows from SQLite.
3. The peak memory of the process doing all this (target: the serving process under 1 GB).

The facts are generated inside DuckDB (the OLTP store would take hours to fill); the sync is
measured on real rows written to SQLite.

    .venv/bin/python bench/analytics.py                 # 10 M responses, 2 M feedback
    .venv/bin/python bench/analytics.py --scale 0.1     # a tenth
"""

import argparse
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from imports import fresh_org  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    responses, feedback = int(10_000_000 * args.scale), int(2_000_000 * args.scale)
    _, org_id = fresh_org("analytics")
    from sqlalchemy import insert, select

    from voxloop.analytics import indicators, store
    from voxloop.db import session_scope
    from voxloop.feedback.models import Feedback

    with session_scope(readonly=True) as db:
        store.sync(db)  # creates the store and its tables
    start = datetime(2025, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    with store.connect() as conn:
        conn.execute(
            f"""INSERT INTO response_facts (id, org_id, survey_id, submitted_at, mode, language, channel,
                   branch, flagged, nps, csat, ces)
            SELECT i, {org_id}, 1,
                   TIMESTAMP '2025-01-01' + INTERVAL (CAST(i * {31536000 / responses} AS BIGINT)) SECOND,
                   'link', 'zh',
                   ['web', 'email', 'hotline', 'app'][1 + i % 4],
                   ['西湖店', '外滩店', '国贸店', '南京路店', '滨江店'][1 + i % 5],
                   false, CAST(floor(random() * 11) AS INTEGER), 1 + CAST(floor(random() * 5) AS INTEGER),
                   1 + CAST(floor(random() * 7) AS INTEGER)
            FROM range(1, {responses + 1}) t(i)"""
        )
        conn.execute(
            f"""INSERT INTO feedback_facts (id, org_id, received_at, channel, type, category, branch, product,
                   touchpoint, language, department_id, status, flagged, sentiment, customer_id)
            SELECT i + 10000000000, {org_id},
                   TIMESTAMP '2025-01-01' + INTERVAL (CAST(i * {31536000 / feedback} AS BIGINT)) SECOND,
                   ['web_form', 'email', 'hotline', 'api'][1 + i % 4],
                   ['complaint', 'praise', 'suggestion', 'inquiry', 'complaint'][1 + i % 5], 'facilities',
                   ['西湖店', '外滩店', '国贸店'][1 + i % 3], NULL, NULL, 'zh', NULL, 'closed', false,
                   'negative', NULL
            FROM range(1, {feedback + 1}) t(i)"""
        )
    generated = time.perf_counter() - began

    end = start + timedelta(days=366)
    timings = {}
    for name, metric, group in (
        ("NPS by branch x week", "nps", "branch"),
        ("complaint rate by channel x week", "complaint_rate", "channel"),
    ):
        indicators.indicators(
            org_id=org_id, metric=metric, period="week", group_by=group, start=start, end=end
        )
        began = time.perf_counter()
        rows = indicators.indicators(
            org_id=org_id, metric=metric, period="week", group_by=group, start=start, end=end
        )
        endpoint = time.perf_counter() - began
        table, at, measure = (
            (
                "response_facts",
                "submitted_at",
                "count(nps), count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6)",
            )
            if metric == "nps"
            else ("feedback_facts", "received_at", "count(*), count(*) FILTER (WHERE type = 'complaint')")
        )
        with store.connect(read_only=True) as conn:
            began = time.perf_counter()
            conn.execute(
                f"SELECT date_trunc('week', {at}), {group}, {measure} FROM {table} "
                f"WHERE org_id = ? AND {at} >= ? AND {at} < ? AND NOT flagged GROUP BY 1, 2",
                [org_id, start.replace(tzinfo=None), end.replace(tzinfo=None)],
            ).fetchall()
            raw = time.perf_counter() - began
        timings[name] = (endpoint, raw, len(rows))

    new = 100_000
    now = datetime.now(UTC)
    rows = [
        {"org_id": org_id, "tracking_code": f"B{i:011d}", "channel": "web_form", "status": "new",
         "received_at": now, "created_at": now, "description": "房间很吵", "language": "zh",
         "recorded_by": "bench", "search_text": "房 间"}
        for i in range(new)
    ]  # fmt: skip
    with session_scope() as db:
        db.execute(insert(Feedback.__table__), rows)
        db.commit()
    with session_scope(readonly=True) as db:
        began = time.perf_counter()
        db.execute(select(Feedback.__table__)).all()
        read = time.perf_counter() - began
        began = time.perf_counter()
        copied = store.sync(db)
        synced = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"analytics store: {responses:,} survey responses and {feedback:,} feedback records", end="")
    print(f" (generated in {generated:.1f} s)")
    for name, (endpoint, raw, n) in timings.items():
        print(
            f"  {name:<34} indicators {endpoint * 1000:>8.0f} ms   raw DuckDB {raw * 1000:>8.0f} ms", end=""
        )
        print(f"   ratio {endpoint / raw:.2f} (target 2), {n} rows")
    print(f"  incremental sync of {copied['feedback']:,} new records  {synced:>6.2f} s (target 5 s)", end="")
    print(f"   reading them from SQLite {read:.2f} s   ratio {synced / read:.2f}")
    print(f"  peak memory of this process  {peak_mb:,.0f} MB (target: under 1,024 MB)")


if __name__ == "__main__":
    main()
