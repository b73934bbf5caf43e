"""A large upload is read and checked off the event loop: the server keeps answering others
while it works."""

import io
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.conftest import free_port
from tests.factories import make_account
from tests.web.test_browser import live_server  # noqa: F401 - the fixture
from voxloop.jobs.executor import drain

MAPPING = '{"external_ref": "id", "description": "text"}'


def _workbook(rows: int) -> bytes:
    buffer = io.BytesIO()
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(rows)], "text": ["空调坏了一晚上没人修"] * rows})
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def test_the_liveness_probe_answers_while_a_large_workbook_is_checked(live_server):  # noqa: F811
    manager = make_account(role="manager")
    content = _workbook(20_000)
    done = threading.Event()
    answer: list[httpx.Response] = []

    def upload() -> None:
        with httpx.Client(base_url=live_server, timeout=300) as c:
            answer.append(
                c.post(
                    "/api/v1/imports",
                    data={"mapping": MAPPING, "dry_run": "true"},
                    files={"file": ("big.xlsx", content, "application/octet-stream")},
                    headers=manager.headers,
                )
            )
        done.set()

    worker = threading.Thread(target=upload)
    waits: list[float] = []
    with httpx.Client(base_url=live_server, timeout=300) as probe:
        probe.get("/api/v1/health/live")  # a connection kept open, as a load balancer's
        worker.start()
        while not done.is_set():
            started = time.perf_counter()
            assert probe.get("/api/v1/health/live").status_code == 200
            waits.append(time.perf_counter() - started)
    worker.join()
    assert answer[0].status_code == 200, answer[0].text
    assert answer[0].json()["run"]["rows"] == 20_000
    assert len(waits) >= 10  # the probe kept asking while the upload was read and checked
    assert max(waits) < 1.0, f"the liveness probe waited {max(waits):.1f} s behind the upload"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`voxloop serve` (uvicorn) in a process of its own, on the test session's database and
    data directory; no mail catcher (an SMTP port is configured)."""
    port = free_port()
    env = {**os.environ, "VOXLOOP_SMTP_PORT": str(free_port())}
    log = (tmp_path / "serve.log").open("wb")
    command = [str(Path(sys.executable).with_name("voxloop")), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"voxloop serve exited: {(tmp_path / 'serve.log').read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health/live", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail("voxloop serve did not answer within 60 seconds")
            threading.Event().wait(0.1)  # not yet listening
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _while(slow: Callable[[], httpx.Response], url: str) -> tuple[httpx.Response, list[list[float]]]:
    """Run `slow` in another thread and, for as long as it runs, time rounds of five liveness
    probes sent at once (over connections kept open, as a load balancer's): a server that
    stalls holds up a whole round, where noise slows one probe. Returns its answer and the
    probes' waits, round by round."""
    answer: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: answer.append(slow()))
    rounds: list[list[float]] = []
    clients = [httpx.Client(base_url=url, timeout=300) for _ in range(5)]

    def timed(client: httpx.Client) -> float:
        started = time.perf_counter()
        assert client.get("/api/v1/health/live").status_code == 200
        return time.perf_counter() - started

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(timed, clients))  # the connections are open
        worker.start()
        while worker.is_alive():
            rounds.append(list(pool.map(timed, clients)))
    worker.join()
    for client in clients:
        client.close()
    return answer[0], rounds


def test_a_served_process_answers_the_liveness_probe_within_100_ms_during_a_large_upload(served):
    manager = make_account(role="manager")
    content = _workbook(60_000)  # seconds of reading and checking

    def upload() -> httpx.Response:
        return httpx.post(
            f"{served}/api/v1/imports",
            data={"mapping": MAPPING, "dry_run": "true"},
            files={"file": ("big.xlsx", content, "application/octet-stream")},
            headers=manager.headers,
            timeout=300,
        )

    answer, rounds = _while(upload, served)
    assert answer.status_code == 200, answer.text
    assert answer.json()["run"]["rows"] == 60_000
    assert len(rounds) >= 5, "the upload was over before the probes could ask five times"
    medians = [statistics.median(waits) for waits in rounds]
    typical = statistics.median(medians)
    assert typical < 0.1, f"the liveness probe took {typical * 1000:.0f} ms (median) during the upload"
    # A loop blocked by the upload holds up a whole round for as long as the upload is read
    # (seconds); a busy machine, one round a fraction of that.
    assert max(medians) < 2.0, f"a round of liveness probes waited {max(medians):.1f} s behind the upload"


def test_a_served_process_answers_a_large_import_with_202_before_reading_it(served):
    """Past VOXLOOP_IMPORT_BACKGROUND_BYTES (2 MiB) the upload is kept and answered at once; the
    job (run here: the served process has no executor in tests) reads and imports it."""
    manager = make_account(role="manager")
    rows = 4_000  # the same review again and again: one is created, the rest are duplicates
    frame = pd.DataFrame({"id": ["r1"] * rows, "text": ["空调坏了一晚上没人修，前台也不管。" * 12] * rows})
    content = frame.to_csv(index=False).encode()
    assert len(content) > 2 * 1024 * 1024
    r = httpx.post(
        f"{served}/api/v1/imports",
        data={"mapping": MAPPING},
        files={"file": ("big.csv", content, "text/csv")},
        headers=manager.headers,
        timeout=300,
    )
    assert r.status_code == 202, r.text
    run = r.json()["run"]
    assert (run["status"], run["rows"]) == ("running", 0)
    drain()
    done = httpx.get(f"{served}/api/v1/imports/{run['id']}", headers=manager.headers).json()
    assert (done["status"], done["rows"], done["created"], done["duplicates"]) == ("done", rows, 1, rows - 1)
