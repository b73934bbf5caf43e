"""Scaled mode: kill -9 the Celery worker in the middle of its jobs, again and again, while
the scheduler relays the outbox through Redis. Every job must complete, and once in effect:
each record triaged, and exactly one `feedback.created` webhook delivery logged for it.

    .venv/bin/python faults/worker_kill.py [--records 2000] [--kills 3] [--broker redis://…]

Prints the counts; exits 1 unless every record is triaged with one delivery and nothing is
left in the outbox."""

import argparse
import random
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from harness import Setup, free_port, kill9, wait_up

received: Counter[str] = Counter()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers["Content-Length"]))
        received[self.headers["X-Voxloop-Delivery"]] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    # A killed worker's claims come due again after the lease: 20 s here, 5 minutes by default.
    setup = Setup(
        "worker", VOXLOOP_BROKER_URL=args.broker, VOXLOOP_WEBHOOK_ALLOW_PRIVATE="true",
        VOXLOOP_OUTBOX_LEASE_SECONDS="20", VOXLOOP_THEMES_SECONDS="0", VOXLOOP_TEXT_RETRAIN_SECONDS="0",
    )  # fmt: skip
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = setup.start("serve", "--port", str(port))
    scheduler = setup.start("scheduler", "--poll", "0.2")
    worker = setup.start("worker", "--concurrency", "2")
    try:
        wait_up(f"{base}/api/v1/health")
        http = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {setup.token}"})
        hook = {"url": f"http://127.0.0.1:{receiver.server_port}/hook", "events": ["feedback.created"]}
        assert http.post("/api/v1/webhooks", json=hook).status_code == 201
        for start in range(0, args.records, 100):
            items = [{"description": f"第{n}条：空调坏了，很不满意"} for n in range(start, start + 100)]
            assert http.post("/api/v1/feedback/batch", json={"items": items}).status_code == 200
        began = time.monotonic()
        kills = 0
        while kills < args.kills:
            time.sleep(random.uniform(0.5, 2.0))
            running = setup.query("SELECT count(*) FROM outbox WHERE status IN ('pending', 'running')")[0][0]
            if not running:
                break
            kill9(worker)  # in the middle of whatever it holds
            kills += 1
            worker = setup.start("worker", "--concurrency", "2")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            left = setup.query("SELECT count(*) FROM outbox WHERE status IN ('pending', 'running')")[0][0]
            if not left:
                break
            print(f"  {time.monotonic() - began:4.0f} s: {left} jobs left", file=sys.stderr)
            time.sleep(2)
        elapsed = time.monotonic() - began
        records, triaged = setup.query("SELECT count(*), count(triaged_at) FROM feedback")[0]
        per_record = Counter(
            int(fid)
            for (fid,) in setup.query(
                "SELECT payload->'data'->>'id' FROM webhook_deliveries WHERE event = 'feedback.created'"
            )
        )
        outbox = dict(setup.query("SELECT status, count(*) FROM outbox GROUP BY status"))
    finally:
        for process in (worker, scheduler, web):
            kill9(process)
        receiver.shutdown()
        setup.drop()
    missing = records - len(per_record)
    doubled = sum(1 for n in per_record.values() if n > 1)
    print(f"worker killed with SIGKILL {kills} times; {records:,} records, all jobs done in {elapsed:.0f} s")
    print(f"  triaged {triaged:,}   deliveries logged: missing {missing}, more than one {doubled}")
    print(f"  outbox {outbox}   receiver: {len(received):,} deliveries, {sum(received.values()):,} requests")
    ok = triaged == records == args.records and not missing and not doubled and set(outbox) == {"done"}
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
