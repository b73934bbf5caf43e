"""Intake throughput on SQLite: single POST /api/v1/feedback and the batch endpoint.

Each figure is printed next to a baseline measured in the same run on the same server:
GET /api/v1/health/live, a no-op endpoint of the same app. Load comes from wrk (Debian's `wrk`).
The records are counted in the database afterwards: only committed items are reported.

    make bench                      # both set-ups below
    VOXLOOP_EXECUTOR=none .venv/bin/python bench/intake.py   # intake alone, side effects left queued
    .venv/bin/python bench/intake.py                         # side effects run in the web processes
"""

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "早餐等位太久了，八点左右要排十五分钟，热菜补得很慢。",
    "1203房间的空调从昨晚就坏了，一直吹热风，打了两次电话都没人来修。",
    "The Wi-Fi keeps dropping every few minutes; I could not join my video calls.",
    "Our room was not ready at 3 pm and we waited over an hour in the lobby.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def voxloop(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "voxloop.cli", *args], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def bench_account(env: dict[str, str], role: str) -> str:
    """Migrate, create the bench organization and a user with `role`; return its API token."""
    voxloop(env, "migrate")
    voxloop(
        env, "users", "create", "--org", "bench", "--email", "bench@example.com",
        "--password", "bench-password", "--role", role,
    )  # fmt: skip
    out = voxloop(env, "tokens", "create", "--org", "bench", "--email", "bench@example.com")
    return out.strip().splitlines()[-1]


def serve(env: dict[str, str], workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    """`voxloop serve` on a free port; its base URL and process."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "voxloop.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return f"http://127.0.0.1:{port}", server


def api(base: str, token: str, method: str, path: str, body: object | None = None) -> Any:
    """One call to the API (path under /api/v1) with a bearer token; the JSON answer."""
    req = urllib.request.Request(
        f"{base}/api/v1{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start at {url}")


def wrk(
    url: str, seconds: int, connections: int, script: Path | None = None, threads: int = 2
) -> dict[str, float]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rps,
        "requests": total,
        "non2xx": int(bad.group(1)) if bad else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else float("nan"),
    }


def lua(path: Path, token: str, body: str) -> Path:
    """A wrk script that POSTs `body` (read from a file beside it: Lua strings are not JSON)."""
    body_file = path.with_suffix(".json")
    body_file.write_text(body, encoding="utf-8")
    path.write_text(
        f'local f = io.open("{body_file}", "rb")\n'
        'wrk.body = f:read("*a")\n'
        "f:close()\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    return path


def count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM feedback").fetchone()[0])


def triaged(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM feedback WHERE triaged_at IS NOT NULL").fetchone()[0])


def executor_mode(env: dict[str, str], with_worker: bool) -> str:
    if with_worker:
        return "run by one `voxloop worker` beside the web processes"
    if env.get("VOXLOOP_EXECUTOR", "inprocess") == "none":
        return "left to workers (VOXLOOP_EXECUTOR=none)"
    return "run in the web processes"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="also run one `voxloop worker` (triage, routing, clocks) beside the web processes",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")

    tmp = Path(tempfile.mkdtemp(prefix="voxloop-bench-"))
    db = tmp / "voxloop.db"
    env = {
        **os.environ,
        "VOXLOOP_DATABASE_URL": f"sqlite:///{db}",
        "VOXLOOP_DATA_DIR": str(tmp),
        "VOXLOOP_ENV": "development",
        "VOXLOOP_VENDOR_DIR": str(ROOT / "node_modules"),
    }
    token = bench_account(env, "agent")
    base, server = serve(env, args.workers)
    worker = (
        subprocess.Popen(
            [sys.executable, "-m", "voxloop.cli", "worker", "--poll", "0.5"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if args.with_worker
        else None
    )
    try:
        wait_ready(f"{base}/api/v1/health")
        single = {"description": TEXTS[0], "channel": "api", "branch": "杭州西湖店", "touchpoint": "早餐"}
        items = [
            {"description": TEXTS[i % len(TEXTS)], "channel": "api", "branch": "杭州西湖店"}
            for i in range(1000)
        ]
        single_lua = lua(tmp / "single.lua", token, json.dumps(single, ensure_ascii=False))
        batch_lua = lua(tmp / "batch.lua", token, json.dumps({"items": items}, ensure_ascii=False))

        wrk(f"{base}/api/v1/health/live", 2, args.connections)  # warm-up
        noop = wrk(f"{base}/api/v1/health/live", args.seconds, args.connections)
        before = count(db)
        one = wrk(f"{base}/api/v1/feedback", args.seconds, args.connections, single_lua)
        stored_single = count(db) - before
        before = count(db)
        many = wrk(f"{base}/api/v1/feedback/batch", args.seconds, 4, batch_lua)
        stored_batch = count(db) - before
        if worker is not None:  # let the worker finish what the run left, and count it
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and triaged(db) < count(db):
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)

    if one["non2xx"] or many["non2xx"]:
        raise SystemExit(
            f"errors during the run: single {one['non2xx']}, batch {many['non2xx']} non-2xx responses"
        )
    ok_single = one["requests"]
    single_rate = stored_single / args.seconds
    batch_rate = stored_batch / args.seconds
    print(
        f"SQLite (synchronous=FULL), voxloop serve --workers {args.workers}, "
        f"side effects (triage, routing, clocks, email): {executor_mode(env, args.with_worker)}, "
        f"wrk {args.connections} connections, {args.seconds} s each, {os.cpu_count()} CPUs"
    )
    print(f"{'measure':44} {'figure':>14} {'baseline':>14} {'ratio':>7}")
    print(f"{'no-op GET /api/v1/health/live (req/s)':44} {noop['rps']:14.0f} {noop['rps']:14.0f} {1.0:7.2f}")
    print(
        f"{'POST /api/v1/feedback durable items/s':44} {single_rate:14.0f} {noop['rps']:14.0f} "
        f"{single_rate / noop['rps']:7.2f}"
    )
    print(f"{'  answered 2xx / rows committed':44} {ok_single:14d} {stored_single:14d}")
    print(f"{'  p99 latency (ms)':44} {one['p99_ms']:14.1f}")
    print(
        f"{'POST /api/v1/feedback/batch items/s (1,000/req)':44} {batch_rate:14.0f} {noop['rps']:14.0f} "
        f"{batch_rate / noop['rps']:7.2f}"
    )
    print(
        f"{'  batch vs single items/s':44} {batch_rate:14.0f} {single_rate:14.0f} "
        f"{batch_rate / single_rate:7.2f}"
    )
    if worker is not None:
        print(f"{'  records triaged by the worker / stored':44} {triaged(db):14d} {count(db):14d}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
