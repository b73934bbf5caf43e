"""kill -9 the web server again and again under intake load, the clients retrying each request
with its Idempotency-Key until it is answered: every acknowledged record must be stored, and
none twice.

    .venv/bin/python faults/server_kill.py [--kills 10] [--clients 8]

Prints the counts; exits 1 unless 0 are lost and 0 duplicated."""

import argparse
import random
import sys
import time

from harness import Intake, Setup, free_port, kill9, stored, wait_up


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    setup = Setup("server")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = setup.start("serve", "--port", str(port))
    wait_up(f"{base}/api/v1/health")
    began = time.monotonic()
    with Intake(base, setup.token, clients=args.clients) as intake:
        for _ in range(args.kills):
            time.sleep(random.uniform(0.5, 1.5))
            kill9(server)
            time.sleep(random.uniform(0.0, 0.5))
            server = setup.start("serve", "--port", str(port))
            wait_up(f"{base}/api/v1/health")
        time.sleep(1.0)
    elapsed = time.monotonic() - began
    kill9(server)
    try:
        records = stored(setup)
    finally:
        setup.drop()
    lost = [k for k in intake.acknowledged if k not in records]
    duplicated = [k for k, n in records.items() if n > 1]
    print(f"server killed with SIGKILL {args.kills} times in {elapsed:.0f} s under {args.clients} clients")
    print(f"  acknowledged {len(intake.acknowledged):,}   stored {sum(records.values()):,}", end="")
    print(f"   retries {intake.retries:,}")
    print(f"  lost {len(lost)}   duplicated {len(duplicated)}")
    return 0 if not lost and not duplicated else 1


if __name__ == "__main__":
    sys.exit(main())
