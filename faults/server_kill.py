"""kill -9 the web server again and again under intake load, the clients retrying each request
with its Idempotency-Key until it is answered: every acknowledged record must be stored, and
none twice.

    .venv/bin/python faults/server_kill.py [--kills 10] [--clients 8]

Prints the counts; exits 1 unless 0 are lost and 0 duplicated."""

import argparse
import random
import sys
import threading
import time
import uuid

import httpx
from harness import Setup, free_port, kill9, wait_up


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
    acknowledged: list[str] = []
    retries = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {setup.token}"}) as http:
            while not stop.is_set():
                key = uuid.uuid4().hex
                body = {"description": f"fault {key} 空调坏了", "channel": "api"}
                while True:  # the same key until the server answers 2xx (or 4xx: a bug)
                    try:
                        r = http.post(f"{base}/api/v1/feedback", json=body, headers={"Idempotency-Key": key})
                        if r.status_code < 300:
                            with lock:
                                acknowledged.append(key)
                            break
                        if r.status_code < 500 and r.status_code != 429:
                            raise RuntimeError(f"{r.status_code}: {r.text}")
                    except httpx.TransportError:
                        pass
                    with lock:
                        retries[0] += 1
                    time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    began = time.monotonic()
    for _ in range(args.kills):
        time.sleep(random.uniform(0.5, 1.5))
        kill9(server)
        time.sleep(random.uniform(0.0, 0.5))
        server = setup.start("serve", "--port", str(port))
        wait_up(f"{base}/api/v1/health")
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    elapsed = time.monotonic() - began
    kill9(server)
    try:
        stored = {
            str(d).split()[1]: n
            for d, n in setup.query("SELECT description, count(*) FROM feedback GROUP BY description")
        }
    finally:
        setup.drop()
    lost = [k for k in acknowledged if k not in stored]
    duplicated = [k for k, n in stored.items() if n > 1]
    print(f"server killed with SIGKILL {args.kills} times in {elapsed:.0f} s under {args.clients} clients")
    print(f"  acknowledged {len(acknowledged):,}   stored {sum(stored.values()):,}   retries {retries[0]:,}")
    print(f"  lost {len(lost)}   duplicated {len(duplicated)}")
    return 0 if not lost and not duplicated else 1


if __name__ == "__main__":
    sys.exit(main())
