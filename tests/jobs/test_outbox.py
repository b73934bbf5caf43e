"""The transactional outbox: acknowledgement emails go out over real SMTP, once, after commit."""

import pytest
from sqlalchemy import select

from tests.conftest import free_port
from tests.factories import make_account
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.jobs import executor, registry
from voxloop.jobs import service as jobs
from voxloop.jobs.models import OutboxMessage


def outbox_rows(task: str = "feedback.acknowledge") -> list[OutboxMessage]:
    with session_scope() as db:
        stmt = select(OutboxMessage).where(OutboxMessage.task == task).order_by(OutboxMessage.id)
        return list(db.scalars(stmt))


def test_acknowledgement_is_sent_once_in_the_customers_language(client, smtp):
    acct = make_account()
    r = client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={
            "description": "1203房间的空调坏了",
            "customer": {"name": "王女士", "email": "wang@example.com"},
        },
    )
    code = r.json()["tracking_code"]
    assert len(outbox_rows()) == 1
    assert [m.payload for m in outbox_rows("feedback.triage")] == [{"feedback_ids": [r.json()["id"]]}]

    assert executor.drain() == 2  # the acknowledgement and the triage
    [msg] = smtp.wait_for(1)
    assert msg["To"] == "wang@example.com"
    assert code in msg["Subject"] and "我们已收到" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert f"http://testserver/t/{code}" in text and "王女士" in text

    # Running again (as after a crash between send and mark-done) sends nothing new.
    with session_scope() as db:
        db.execute(OutboxMessage.__table__.update().values(status="pending"))
        db.commit()
    executor.drain()
    assert len(smtp.messages) == 1
    timeline = client.get(f"/api/v1/public/status/{code}").json()["timeline"]
    assert [e["kind"] for e in timeline] == ["received", "acknowledged"]


def test_english_feedback_gets_an_english_email(client, smtp):
    acct = make_account()
    client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={"description": "The Wi-Fi keeps dropping", "customer": {"email": "amy@example.com"}},
    )
    executor.drain()
    [msg] = smtp.wait_for(1)
    assert msg["Subject"].startswith("We have received your feedback")


def test_the_acknowledgement_is_in_the_language_the_customer_wrote_in(client, smtp):
    acct = make_account()
    customer = {"email": "li@example.com", "locale": "zh_CN"}  # who chose Chinese once, writes English now
    client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={"description": "The Wi-Fi keeps dropping in room 1203", "customer": customer},
    )
    executor.drain()
    [msg] = smtp.wait_for(1)
    assert msg["Subject"].startswith("We have received your feedback")


def test_no_email_without_an_address(client, smtp):
    acct = make_account()
    client.post("/api/v1/feedback", headers=acct.headers, json={"description": "anonymous note"})
    client.post(
        "/api/v1/feedback", headers=acct.headers, json={"description": "x", "customer": {"phone": "+86 138"}}
    )
    assert outbox_rows() == []
    executor.drain()
    assert smtp.messages == []


def test_a_failed_send_is_retried_and_nothing_is_lost(client, smtp, settings_env):
    acct = make_account()
    client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={"description": "wrong charge", "customer": {"email": "li@example.com"}},
    )
    real_port = str(get_settings().smtp_port)
    settings_env(SMTP_PORT=str(free_port()))  # nothing listens there
    executor.drain()
    [row] = outbox_rows()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in (row.last_error or "")
    assert row.run_after > row.created_at

    settings_env(SMTP_PORT=real_port)
    with session_scope() as db:  # the back-off has passed
        db.execute(OutboxMessage.__table__.update().values(run_after=row.created_at))
        db.commit()
    executor.drain()
    assert [m["To"] for m in smtp.wait_for(1)] == ["li@example.com"]
    assert outbox_rows()[0].status == "done"


def test_a_message_that_keeps_failing_is_kept_as_dead(settings_env):
    settings_env(OUTBOX_MAX_ATTEMPTS="2")
    with session_scope() as db:
        jobs.enqueue(db=db, task="no.such.task", payload={"x": 1})
        db.commit()
    for _ in range(2):
        executor.drain()
        with session_scope() as db:
            db.execute(OutboxMessage.__table__.update().values(run_after=OutboxMessage.created_at))
            db.commit()
    [row] = outbox_rows("no.such.task")
    assert (row.status, row.attempts) == ("dead", 2)
    assert "no handler registered" in (row.last_error or "")


def test_messages_of_a_rolled_back_transaction_never_run():
    with session_scope() as db:
        jobs.enqueue(db=db, task="feedback.acknowledge", payload={"feedback_id": 1})
        db.rollback()
    assert outbox_rows() == []
    assert executor.drain() == 0


def test_a_message_is_claimed_by_one_executor_only():
    with session_scope() as db:
        jobs.enqueue(db=db, task="no.such.task", payload={})
        db.commit()
    with session_scope() as a, session_scope() as b:
        first = jobs.claim(db=a)
        second = jobs.claim(db=b)
    assert len(first) == 1 and second == []


@pytest.mark.inprocess
def test_in_process_executor_sends_right_after_commit(app, smtp, settings_env):
    from fastapi.testclient import TestClient

    from voxloop.main import create_app

    settings_env(EXECUTOR="inprocess", OUTBOX_POLL_SECONDS="30")
    acct = make_account()
    with TestClient(create_app()) as c:
        r = c.post(
            "/api/v1/feedback",
            headers=acct.headers,
            json={"description": "Breakfast queue", "customer": {"email": "zoe@example.com"}},
        )
        assert r.status_code == 201
        # Woken by the commit, not by the 30-second poll.
        messages = smtp.wait_for(1, timeout=10)
    assert [m["To"] for m in messages] == ["zoe@example.com"]


def test_voxloop_worker_process_delivers_what_the_web_process_queued(client, smtp):
    """Scaled-out mode: the web app only queues (VOXLOOP_EXECUTOR=none), a worker sends; with a
    broker, `voxloop scheduler` relays the outbox to a Celery `voxloop worker` through it."""
    import os
    import subprocess
    import sys

    acct = make_account()
    # A queue of their own: the test process's Celery worker must not take the task instead.
    env = os.environ.copy() | {"VOXLOOP_BROKER_QUEUE": f"voxloop-process-test-{os.getpid()}"}
    commands = [["worker", "--poll", "0.2", "--concurrency", "1"]]
    if get_settings().broker_url:
        commands.append(["scheduler", "--poll", "0.2"])
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "voxloop.cli", *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    try:
        r = client.post(
            "/api/v1/feedback",
            headers=acct.headers,
            json={"description": "late check-out please", "customer": {"email": "kai@example.com"}},
        )
        assert r.status_code == 201
        messages = smtp.wait_for(1, timeout=90)  # two processes start and load the models first
    finally:
        for process in processes:
            process.terminate()
        outputs = [process.communicate(timeout=30)[0] for process in processes]
    assert [m["To"] for m in messages] == ["kai@example.com"], outputs
    assert [p.returncode for p in processes] == [0] * len(processes), outputs
    assert outbox_rows()[0].status == "done"


def test_a_batch_task_takes_all_due_messages_at_once_and_fails_as_a_whole():
    calls: list[list[dict]] = []

    @registry.batch_task("test.collect")
    def collect(payloads: list[dict]) -> None:
        calls.append(payloads)
        if any(p.get("boom") for p in payloads):
            raise RuntimeError("boom")

    try:
        with session_scope() as db:
            jobs.enqueue_many(
                db=db, task="test.collect", payloads=[{"n": 1}, {"n": 2}, {"n": 3}], org_id=None
            )
            db.commit()
        assert executor.drain() == 3
        assert calls == [[{"n": 1}, {"n": 2}, {"n": 3}]]
        assert {m.status for m in outbox_rows("test.collect")} == {"done"}

        with session_scope() as db:
            jobs.enqueue_many(db=db, task="test.collect", payloads=[{"n": 4}, {"boom": True}], org_id=None)
            db.commit()
        executor.drain()
        failed = [m for m in outbox_rows("test.collect") if m.status != "done"]
        assert [(m.status, m.attempts) for m in failed] == [("pending", 1), ("pending", 1)]
    finally:
        registry.BATCH_TASKS.pop("test.collect")
