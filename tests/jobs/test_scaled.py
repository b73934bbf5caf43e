"""Scaled mode on the real brokers: the outbox relayed to a Celery worker through Redis and
through RabbitMQ, a broker that is down, a task that is lost, and two schedulers."""

import os
import threading
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from tests.conftest import BROKER
from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.jobs import executor, queue, registry, service
from voxloop.jobs.models import OutboxMessage

# Both brokers; in a scaled-mode run of the suite, the run's broker and its worker (one Celery
# worker per process: a second one would take over the first's app).
BROKERS = [BROKER] if BROKER else ["redis://127.0.0.1:6379/6", "amqp://guest:guest@127.0.0.1:5672//"]
runs: list[tuple[int, str]] = []


@registry.task("test.record")
def _record(payload: dict) -> None:  # type: ignore[type-arg]
    runs.append((payload["n"], threading.current_thread().name))


@pytest.fixture(scope="module", params=BROKERS, ids=[b.split(":")[0] for b in BROKERS])
def worker(request, database) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """One real worker per broker for the module (a RabbitMQ worker takes seconds to stop)."""
    if BROKER:  # the session's worker serves
        yield BROKER
        return
    before = os.environ.get("VOXLOOP_BROKER_URL", "")
    os.environ["VOXLOOP_BROKER_URL"] = request.param
    get_settings.cache_clear()
    queue.app.cache_clear()
    app = queue.app()
    app.control.purge()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield request.param
    finally:
        os.environ["VOXLOOP_BROKER_URL"] = before
        get_settings.cache_clear()
        queue.app.cache_clear()


@pytest.fixture
def broker(worker) -> str:  # type: ignore[no-untyped-def]
    runs.clear()
    return str(worker)


def _enqueue(*numbers: int) -> None:
    with session_scope() as db, writing(db):
        service.enqueue_many(db=db, task="test.record", payloads=[{"n": n} for n in numbers], org_id=None)


def _statuses() -> dict[int, str]:
    with session_scope(readonly=True) as db:
        rows = db.execute(select(OutboxMessage.payload, OutboxMessage.status)).all()
    return {payload["n"]: status for payload, status in rows}


def test_the_outbox_reaches_a_celery_worker_through_the_broker(broker):
    _enqueue(1, 2, 3)
    assert executor.drain() == 3  # scaled mode: relayed, run by the worker, waited for
    assert sorted(n for n, _ in runs) == [1, 2, 3]
    assert all(thread != threading.current_thread().name for _, thread in runs)  # the worker's thread
    assert _statuses() == {1: "done", 2: "done", 3: "done"}
    assert queue.relay() == []  # nothing twice


def test_while_the_broker_is_down_messages_stay_and_go_once_it_is_back(broker, settings_env):
    _enqueue(7)
    settings_env(BROKER_URL="redis://127.0.0.1:1/0")  # nothing listens there
    queue.app.cache_clear()
    queue.app().conf.broker_connection_timeout = 1
    queue.app().conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    with pytest.raises(Exception):  # noqa: B017 - kombu's connection error, whichever it is
        queue.relay()
    with session_scope(readonly=True) as db:
        message = db.scalars(select(OutboxMessage)).one()
    assert (message.status, message.attempts) == ("pending", 0)  # given back, the try not counted
    settings_env(BROKER_URL=broker)
    queue.app.cache_clear()
    assert executor.drain() == 1
    assert [n for n, _ in runs] == [7]


def test_a_claim_whose_task_was_lost_is_relayed_again_after_its_lease(broker, clock):
    _enqueue(5)
    with session_scope() as db, writing(db):
        assert len(service.claim(db=db)) == 1  # claimed, and the task never sent (a relay that died)
    assert queue.relay() == []  # still leased
    clock.advance(seconds=service.lease().total_seconds() + 1)
    assert executor.drain() == 1
    assert [n for n, _ in runs] == [5] and _statuses() == {5: "done"}


def test_a_task_delivered_twice_runs_its_messages_once(broker):
    _enqueue(9)
    with session_scope() as db, writing(db):
        ids = [m.id for m in service.claim(db=db)]
    for _ in range(2):  # the broker redelivers after a worker died before acknowledging
        queue.app().send_task("voxloop.run_messages", args=[ids])
    queue.wait(ids)
    queue.app().send_task("voxloop.run_messages", args=[ids])  # and once more, late
    assert executor.drain() == 0
    assert [n for n, _ in runs] == [9]


def test_only_one_scheduler_is_active_and_another_takes_over_when_it_stops(clock):
    def hold(holder: str) -> bool:
        with session_scope() as db:
            return service.hold_lease(db=db, name="scheduler", holder=holder, ttl=queue.LEASE_TTL)

    assert hold("a") and not hold("b")
    clock.advance(seconds=10)
    assert hold("a") and not hold("b")  # renewed
    clock.advance(seconds=queue.LEASE_TTL.total_seconds() + 1)  # "a" stopped renewing
    assert hold("b") and not hold("a")
