"""A large upload is read and checked off the event loop: the server keeps answering others
while it works."""

import io
import threading
import time

import httpx
import pandas as pd

from tests.factories import make_account
from tests.web.test_browser import live_server  # noqa: F401 - the fixture

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
