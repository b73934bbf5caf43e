"""A mixed load on loopback, in the embedded default and in scaled mode.

Three wrk processes run at the same time against the same `voxloop serve --workers 2`:
feedback intake (POST /api/v1/feedback, 32 connections), survey submissions (POST to the
public response endpoint, 16) and dashboard reads (8 connections rotating over the
complaint-rate and NPS indicators from the analytics store, the inbox's first page and the
service KPIs, each connection pausing 1-3 s between reads like a person reading a dashboard).
Intake and submissions send again as soon as they are answered. Each reports its throughput
and p50/p99; the baseline is the no-op GET /api/v1/health/live on the same server in the same
run, with the same 56 connections.
Afterwards the records are counted in the database (only committed rows are reported) and the
side effects (triage, routing, clocks, acknowledgement email) are waited for.

- embedded: SQLite, the outbox run by the web processes themselves.
- scaled: PostgreSQL + Redis; the web processes run no jobs (VOXLOOP_EXECUTOR=none),
  `voxloop scheduler` relays the outbox to one `voxloop worker` (Celery) — all on the same
  two cores, so this measures the layout's overhead, not its reach.

    .venv/bin/python bench/load.py [--seconds 20] [--modes embedded scaled]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import TEXTS, api, bench_account, serve, wait_ready, wrk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/7"
STREAMS = {"intake": 32, "survey": 16, "dashboard": 8}


def post_lua(path: Path, body: object, token: str | None) -> Path:
    """A wrk script that POSTs `body` (read from a file beside it: Lua strings are not JSON)."""
    body_file = path.with_suffix(".json")
    body_file.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    path.write_text(
        f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*a")\nf:close()\n'
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n' + auth
    )
    return path


def rotate_lua(path: Path, paths: list[str], token: str) -> Path:
    """A wrk script that GETs each of `paths` in turn, each connection an analyst who looks at
    what came back for 1-3 s before the next read."""
    listed = ", ".join(f'"{p}"' for p in paths)
    path.write_text(
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        'function request()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n'
        "function delay() return math.random(1000, 3000) end\n"
        # Answers other than 2xx are written down beside the script, to be shown after the run.
        f'local log = io.open("{path.with_suffix(".errors")}", "a")\n'
        "function response(status, headers, body)\n"
        '  if status >= 300 then log:write(status, " ", body:sub(1, 300), "\\n") log:flush() end\n'
        "end\n"
    )
    return path


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        out = {
            "feedback": c.scalar(sa.text("SELECT count(*) FROM feedback")),
            "triaged": c.scalar(sa.text("SELECT count(*) FROM feedback WHERE triaged_at IS NOT NULL")),
            "responses": c.scalar(sa.text("SELECT count(*) FROM survey_responses")),
            "outbox": c.scalar(
                sa.text(
                    "SELECT count(*) FROM outbox WHERE status IN ('pending', 'running') AND run_after <= :now"
                ),
                {"now": datetime.now(UTC)},
            ),
        }
    engine.dispose()
    return {k: int(v or 0) for k, v in out.items()}


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "voxloop.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(mode: str, env: dict[str, str], seconds: int, tmp: Path) -> dict[str, Any]:
    url = env["VOXLOOP_DATABASE_URL"]
    token = bench_account(env, "admin")
    base, server = serve(env, 2)
    helpers = []
    if mode == "scaled":
        helpers = [start(env, "scheduler"), start(env, "worker", "--concurrency", "1")]
    try:
        wait_ready(f"{base}/api/v1/health", timeout=120)
        survey = api(base, token, "POST", "/surveys", {"template": "nps"})
        key = api(base, token, "POST", f"/surveys/{survey['id']}/publish")["key"]
        # Something for the dashboards to read: 2,000 records and 500 responses, synced.
        items = [{"description": TEXTS[i % len(TEXTS)], "channel": "api"} for i in range(1000)]
        for _ in range(2):
            api(base, token, "POST", "/feedback/batch", {"items": items})
        for score in range(500):
            req = urllib.request.Request(
                f"{base}/api/v1/public/surveys/{key}/responses",
                data=json.dumps({"language": "zh", "answers": {"nps": score % 11}}).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(req, timeout=30).close()
        settle(url, 180)
        scripts = {
            "intake": (
                f"{base}/api/v1/feedback",
                post_lua(tmp / f"{mode}-intake.lua", {"description": TEXTS[1], "channel": "api"}, token),
            ),
            "survey": (
                f"{base}/api/v1/public/surveys/{key}/responses",
                post_lua(tmp / f"{mode}-survey.lua", {"language": "zh", "answers": {"nps": 9}}, None),
            ),
            "dashboard": (
                base,
                rotate_lua(
                    tmp / f"{mode}-dashboard.lua",
                    [
                        "/api/v1/analytics/indicators?metric=complaint_rate&period=week&group_by=channel",
                        f"/api/v1/analytics/indicators?metric=nps&period=week&survey_id={survey['id']}",
                        "/api/v1/feedback?limit=50",
                        "/api/v1/kpis",
                    ],
                    token,
                ),
            ),
        }
        wrk(f"{base}/api/v1/health/live", 2, sum(STREAMS.values()))  # warm-up
        noop = wrk(f"{base}/api/v1/health/live", seconds, sum(STREAMS.values()))
        before = counts(url)
        results: dict[str, dict[str, float]] = {}

        def one(name: str) -> None:
            target, script = scripts[name]
            results[name] = wrk(target, seconds, STREAMS[name], script, threads=1)

        threads = [threading.Thread(target=one, args=(name,)) for name in STREAMS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = counts(url)
        drained_in = settle(url, 600)
        final = counts(url)
        errors = tmp / f"{mode}-dashboard.errors"
        refused = errors.read_text(encoding="utf-8").splitlines() if errors.exists() else []
    finally:
        for p in [server, *helpers]:
            p.terminate()
        for p in [server, *helpers]:
            p.wait(timeout=60)
    return {
        "noop": noop,
        "results": results,
        "stored": {
            "intake": after["feedback"] - before["feedback"],
            "survey": after["responses"] - before["responses"],
        },
        "drained_in": drained_in,
        "final": final,
        "refused": refused,
    }


def settle(url: str, timeout: float) -> float:
    """Wait until every record is triaged and the outbox is empty; the seconds it took."""
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        c = counts(url)
        if c["triaged"] == c["feedback"] and c["outbox"] == 0:
            return time.monotonic() - t
        time.sleep(0.5)
    engine = sa.create_engine(url)
    with engine.connect() as c:
        left = c.execute(
            sa.text("SELECT task, status, run_after FROM outbox WHERE status IN ('pending', 'running')")
        ).all()
    raise SystemExit(f"side effects not finished after {timeout:.0f} s: {counts(url)}; {left[:10]}")


def report(mode: str, seconds: int, out: dict[str, Any]) -> None:
    noop, results = out["noop"], out["results"]
    print(f"\n{mode}: {DESCRIBE[mode]}; wrk {seconds} s, {os.cpu_count()} CPUs")
    print(
        f"  {'stream (connections)':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'ratio':>7}"
    )
    print(
        f"  {'no-op GET /api/v1/health/live (56)':34} {noop['rps']:8.0f} {noop['p50_ms']:8.1f} "
        f"{noop['p99_ms']:8.1f} {noop['non2xx']:8d} {1.0:7.2f}"
    )
    total = 0.0
    for name, r in results.items():
        total += r["rps"]
        label = f"{name} ({STREAMS[name]})"
        print(
            f"  {label:34} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['non2xx']:8d} "
            f"{r['rps'] / noop['rps']:7.2f}"
        )
    print(f"  {'mix, all three at once':34} {total:8.0f} {'':8} {'':8} {'':8} {total / noop['rps']:7.2f}")
    for name in ("intake", "survey"):
        print(
            f"  {name + ': answered 2xx / rows committed':44} {results[name]['requests']:10d} "
            f"{out['stored'][name]:10d}"
        )
    final = out["final"]
    print(
        f"  {'side effects done after the run (s)':44} {out['drained_in']:10.1f}  "
        f"(triaged {final['triaged']:,} of {final['feedback']:,}; outbox left {final['outbox']})"
    )
    for line in sorted(set(out["refused"]))[:5]:
        print(f"  dashboard answer other than 2xx: {line}")


DESCRIBE = {
    "embedded": "SQLite (synchronous=FULL), voxloop serve --workers 2 running the outbox itself",
    "scaled": "PostgreSQL + Redis, voxloop serve --workers 2 (no jobs) + voxloop scheduler + "
    "voxloop worker (Celery, concurrency 1)",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--modes", nargs="+", choices=list(DESCRIBE), default=list(DESCRIBE))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="voxloop-load-"))
    pg_name = f"voxloop_load_{uuid.uuid4().hex[:8]}"
    common = {
        **os.environ,
        "VOXLOOP_ENV": "development",
        "VOXLOOP_DATA_DIR": str(tmp),
        "VOXLOOP_VENDOR_DIR": str(ROOT / "node_modules"),
        "VOXLOOP_ANALYTICS_SYNC_SECONDS": "5",
        # All the load comes from one loopback address: lift the per-address limits.
        "VOXLOOP_PUBLIC_RATE_PER_IP": "1000000/minute",
        "VOXLOOP_PUBLIC_RATE_PER_ORG": "1000000/minute",
    }
    envs = {
        "embedded": {**common, "VOXLOOP_DATABASE_URL": f"sqlite:///{tmp}/load.db"},
        "scaled": {
            **common,
            "VOXLOOP_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}",
            "VOXLOOP_EXECUTOR": "none",
            "VOXLOOP_BROKER_URL": REDIS,
        },
    }
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {pg_name}")
    try:
        for mode in args.modes:
            report(mode, args.seconds, run(mode, envs[mode], args.seconds, tmp))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
