"""Restart this machine's PostgreSQL under intake load. While it is down, requests must be
answered 503 (never 500) and the health check must say so; afterwards everything recovers:
each acknowledged record stored once.

    .venv/bin/python faults/postgres_restart.py [--down 10]

PostgreSQL is stopped and started with the commands this machine uses. Prints the counts;
exits 1 unless 0 are lost, 0 duplicated and 0 answered 500."""

import argparse
import os
import subprocess
import sys
import time

import httpx
from harness import Intake, Setup, free_port, kill9, stored, wait_up

VERSION = sorted(os.listdir("/etc/postgresql"))[-1]


def pg(action: str) -> None:
    fast = ["-m", "fast"] if action == "stop" else []
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, "main", action, *fast],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--down", type=float, default=10.0)
    args = parser.parse_args()
    setup = Setup("postgres", VOXLOOP_THEMES_SECONDS="0", VOXLOOP_TEXT_RETRAIN_SECONDS="0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = setup.start("serve", "--port", str(port))
    health_down: set[int] = set()
    try:
        wait_up(f"{base}/api/v1/health")
        with Intake(base, setup.token) as intake:
            time.sleep(3)
            pg("stop")
            began = time.monotonic()
            while time.monotonic() - began < args.down:
                health_down.add(httpx.get(f"{base}/api/v1/health", timeout=5).status_code)
                time.sleep(0.5)
            pg("start")
            wait_up(f"{base}/api/v1/health", timeout=60)
            recovered = time.monotonic() - began - args.down
            time.sleep(3)
        records = stored(setup)
    finally:
        kill9(server)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, "main", "start"], capture_output=True
        )
        setup.drop()
    lost = [k for k in intake.acknowledged if k not in records]
    duplicated = [k for k, n in records.items() if n > 1]
    print(f"PostgreSQL stopped for {args.down:.0f} s under intake; health said {sorted(health_down)}")
    print(f"  back to health {recovered:.1f} s after the restart")
    print(f"  acknowledged {len(intake.acknowledged):,}   stored {sum(records.values()):,}")
    print(f"  answers by status {intake.statuses}")
    print(f"  lost {len(lost)}   duplicated {len(duplicated)}   500s {intake.statuses.get(500, 0)}")
    ok = not lost and not duplicated and not intake.statuses.get(500) and health_down == {503}
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
