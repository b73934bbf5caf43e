"""Scaled mode: stop this machine's Redis (the broker) for 30 s under intake load. Intake
must go on answering 2xx (the outbox is in PostgreSQL), and once Redis is back every job must
run: each acknowledged record stored once and triaged.

    .venv/bin/python faults/broker_outage.py [--down 30]

Redis is started again with the command this machine started it with. Prints the counts;
exits 1 unless 0 are lost, 0 duplicated, 0 answered 5xx and every record triaged."""

import argparse
import subprocess
import sys
import time

from harness import Intake, Setup, free_port, kill9, stored, wait_up

REDIS = "redis://127.0.0.1:6379/9"
START_REDIS = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
    "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def redis_up() -> bool:
    return subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() == "PONG"


def start_redis() -> None:
    # no pipes: the daemon would hold them open and the wait for their end would never end
    subprocess.run(START_REDIS, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    while not redis_up():
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--down", type=float, default=30.0)
    args = parser.parse_args()
    # This Redis keeps nothing on disk: tasks queued when it stops are lost with it, and their
    # claims come due again after the lease (20 s here, 5 minutes by default).
    setup = Setup(
        "broker", VOXLOOP_BROKER_URL=REDIS, VOXLOOP_OUTBOX_LEASE_SECONDS="20", VOXLOOP_THEMES_SECONDS="0",
        VOXLOOP_TEXT_RETRAIN_SECONDS="0",
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = [
        setup.start("serve", "--port", str(port)),
        setup.start("scheduler", "--poll", "0.2"),
        setup.start("worker", "--concurrency", "2"),
    ]
    try:
        wait_up(f"{base}/api/v1/health")
        with Intake(base, setup.token) as intake:
            time.sleep(3)
            before = len(intake.acknowledged)
            subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True)
            assert not redis_up(), "Redis did not stop"
            time.sleep(args.down)
            during = len(intake.acknowledged) - before
            start_redis()
            time.sleep(3)
        began = time.monotonic()
        while time.monotonic() - began < 300:
            left = setup.query("SELECT count(*) FROM feedback WHERE triaged_at IS NULL")[0][0]
            if not left:
                break
            time.sleep(1)
        drained = time.monotonic() - began
        records = stored(setup)
        triaged = setup.query("SELECT count(triaged_at) FROM feedback")[0][0]
    finally:
        for process in processes:
            kill9(process)
        if not redis_up():
            start_redis()
        setup.drop()
    lost = [k for k in intake.acknowledged if k not in records]
    duplicated = [k for k, n in records.items() if n > 1]
    errors = sum(n for s, n in intake.statuses.items() if isinstance(s, int) and s >= 500)
    print(
        f"Redis stopped for {args.down:.0f} s under intake: {during:,} records acknowledged while it was down"
    )
    print(f"  acknowledged {len(intake.acknowledged):,}   stored {sum(records.values()):,}")
    print(f"  answers by status {intake.statuses}")
    print(f"  lost {len(lost)}   duplicated {len(duplicated)}   5xx {errors}")
    print(f"  triaged {triaged:,} of {len(records):,}, {drained:.0f} s after Redis came back")
    ok = not lost and not duplicated and not errors and during > 0 and triaged == len(records)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
