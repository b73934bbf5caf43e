"""Hostile input: schemathesis generates requests for every operation in
/api/v1/openapi.json (valid and invalid, as an administrator) against a real server on
PostgreSQL. No request may be answered with a server error.

    .venv/bin/python faults/fuzz_api.py [--examples 60]

Prints schemathesis' summary and the number of requests sent; exits 1 on any 5xx or when
fewer than 5,000 requests were sent."""

import argparse
import re
import subprocess
import sys
from pathlib import Path

from harness import Setup, free_port, kill9, wait_up


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=60)
    parser.add_argument("--at-least", type=int, default=5000)
    parser.add_argument("--seed", help="the same requests each run (make test); without it, new ones")
    args = parser.parse_args()
    setup = Setup(
        "fuzz", VOXLOOP_THEMES_SECONDS="0", VOXLOOP_TEXT_RETRAIN_SECONDS="0",
        VOXLOOP_PUBLIC_RATE_PER_IP="100000/minute", VOXLOOP_PUBLIC_RATE_PER_ORG="100000/minute",
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = setup.start("serve", "--port", str(port))
    try:
        wait_up(f"{base}/api/v1/health")
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
                "--checks", "not_a_server_error", "--max-examples", str(args.examples),
                "-H", f"Authorization: Bearer {setup.token}", "--request-timeout", "30",
                "--no-color", "--workers", "1", *(["--seed", args.seed] if args.seed else []),
            ],
            capture_output=True, text=True,
        )  # fmt: skip
    finally:
        kill9(server)
        setup.drop()
    out = done.stdout + done.stderr
    Path("/tmp/fuzz_api.log").write_text(out)
    print(out[-4000:])
    found = re.search(r"([\d,]+) generated", out) or re.search(r"Test cases:\s*([\d,]+)", out)
    requests = int(found.group(1).replace(",", "")) if found else 0
    server_errors = re.search(r"Server error: (\d+)", out)
    errors = int(server_errors.group(1)) if server_errors else 0
    print(f"schemathesis: {requests:,} test cases, {errors} answered with a server error")
    # only the server's errors count: a runtime error inside schemathesis' own generator is the tool's
    return 0 if not errors and requests >= args.at_least else 1


if __name__ == "__main__":
    sys.exit(main())
