"""Surveys under load, on SQLite and on PostgreSQL.

1. 500 concurrent simulated respondents (wrk, 500 connections) POSTing complete responses to
   the public endpoint, each pausing between submissions like a person reading a page: 5-15 s
   (about 50 submissions/s in all), then a stress run at 1-3 s (about 250/s); p50 and p99
   latency next to the same load on the no-op GET /api/v1/health/live.
2. 100,000 email invitations created and queued through the outbox (items/s, target >= 1,000),
   then the first 2,000 sent by the outbox executor to a real SMTP sink (aiosmtpd), with
   progress printed.

    .venv/bin/python bench/surveys.py
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import api, bench_account, free_port, serve, wait_ready, wrk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 20
CONNECTIONS = 500
INVITATIONS = 100_000
SENT = 2_000


PAUSES = {"reading (5-15 s)": (5000, 15000), "stress (1-3 s)": (1000, 3000)}


def lua(path: Path, body: str, pause: tuple[int, int], token: str | None = None) -> Path:
    body_file = path.with_suffix(".json")
    body_file.write_text(body, encoding="utf-8")
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    path.write_text(
        f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*a")\nf:close()\n'
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        + auth
        + f"function delay() return math.random({pause[0]}, {pause[1]}) end\n"  # a person reads, then answers
    )
    return path


def pause_lua(path: Path, pause: tuple[int, int]) -> Path:
    path.write_text(f"function delay() return math.random({pause[0]}, {pause[1]}) end\n")
    return path


def respondents(name: str, env: dict[str, str], tmp: Path) -> None:
    token = bench_account(env, "analyst")
    base, server = serve(env, 2)
    try:
        wait_ready(f"{base}/api/v1/health")
        survey = api(base, token, "POST", "/surveys", {"template": "service_satisfaction"})
        key = api(base, token, "POST", f"/surveys/{survey['id']}/publish")["key"]
        rows = {
            "attitude": 4,
            "efficiency": 3,
            "ability": 5,
            "outcome": 4,
            "environment": 2,
            "convenience": 4,
        }
        body = {
            "language": "zh",
            "answers": {"dims": rows, "attention": 2, "csat": 4, "nps": 8, "improve": "早餐再丰富些"},
        }
        wrk(f"{base}/api/v1/health/live", 2, 50)  # warm-up
        results = {}
        for label, pause in PAUSES.items():
            script = lua(tmp / f"respond-{name}.lua", json.dumps(body, ensure_ascii=False), pause)
            noop = wrk(
                f"{base}/api/v1/health/live", SECONDS, CONNECTIONS, pause_lua(tmp / "pause.lua", pause)
            )
            before = api(base, token, "GET", f"/surveys/{survey['id']}/summary")["completed"]
            load = wrk(f"{base}/api/v1/public/surveys/{key}/responses", SECONDS, CONNECTIONS, script)
            stored = api(base, token, "GET", f"/surveys/{survey['id']}/summary")["completed"] - before
            results[label] = (noop, load, stored)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for label, (noop, load, stored) in results.items():
        if load["non2xx"]:
            raise SystemExit(f"{load['non2xx']} submissions were refused")
        print(f"\n{name}: {CONNECTIONS} respondents, {label} between submissions, {SECONDS} s, 2 web workers")
        print(f"  {'measure':38} {'figure':>10} {'baseline':>10} {'ratio':>7}")
        row("submissions/s (stored)", stored / SECONDS, noop["rps"])
        row("p50 latency (ms)", load["p50_ms"], noop["p50_ms"])
        row("p99 latency (ms), target <= 50", load["p99_ms"], noop["p99_ms"])


def row(label: str, figure: float, baseline: float) -> None:
    print(f"  {label:38} {figure:10.1f} {baseline:10.1f} {figure / baseline:7.2f}")


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        with self.lock:
            self.count += 1
        return "250 OK"


def invitations(name: str, url: str) -> None:
    os.environ["VOXLOOP_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT / "src"))
    from voxloop import db as vdb
    from voxloop import migrate
    from voxloop.accounts import service as accounts
    from voxloop.audit.service import SYSTEM
    from voxloop.jobs.executor import run_pending
    from voxloop.surveys import invitations as invites
    from voxloop.surveys import service

    vdb.reset_caches()
    migrate.upgrade()
    with vdb.session_scope() as db:
        org = accounts.create_org(db=db, slug=f"inv-{uuid.uuid4().hex[:6]}", name="Bench")
        survey = service.create(
            db=db, org_id=org.id, actor=SYSTEM, data={"template": "nps", "contact_cap_days": 0}
        )
        service.publish(db=db, org_id=org.id, actor=SYSTEM, survey_id=survey.id)
        db.commit()
        emails = [invites.Recipient(email=f"guest{i}@example.com") for i in range(INVITATIONS)]
        t = time.perf_counter()
        result = invites.invite(db=db, survey=survey, recipients=emails)
        db.commit()
        took = time.perf_counter() - t
    assert result["invited"] == INVITATIONS, result
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["VOXLOOP_SMTP_PORT"] = str(port)
    os.environ["VOXLOOP_SMTP_HOST"] = "127.0.0.1"
    from voxloop.config import get_settings

    get_settings.cache_clear()
    t = time.perf_counter()
    try:
        while sink.count < SENT:
            run_pending(limit=200)
            print(f"\r  sent {sink.count:,} of the first {SENT:,}", end="", flush=True)
        sent_took = time.perf_counter() - t
    finally:
        controller.stop()
    print(f"\n{name}: {INVITATIONS:,} invitations")
    print(
        f"  {'created and queued (items/s), target >= 1,000':50} {INVITATIONS / took:10.0f}  ({took:.1f} s)"
    )
    rate = sink.count / sent_took
    print(f"  {'sent to the SMTP sink (emails/s)':50} {rate:10.0f}  ({sink.count:,} in {sent_took:.1f} s)")
    vdb.reset_caches()


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="voxloop-bench-surveys-"))
    pg_name = f"voxloop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {pg_name}")
    common = {
        **os.environ,
        "VOXLOOP_ENV": "development",
        "VOXLOOP_DATA_DIR": str(tmp),
        "VOXLOOP_VENDOR_DIR": str(ROOT / "node_modules"),
        "VOXLOOP_EXECUTOR": "none",
        "VOXLOOP_PUBLIC_RATE_PER_IP": "1000000/minute",
        "VOXLOOP_PUBLIC_RATE_PER_ORG": "1000000/minute",
    }
    targets = {
        "SQLite": f"sqlite:///{tmp}/bench.db",
        "PostgreSQL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}",
    }
    try:
        for name, url in targets.items():
            respondents(name, {**common, "VOXLOOP_DATABASE_URL": url}, tmp)
        for name, url in targets.items():
            invitations(name, url)
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
