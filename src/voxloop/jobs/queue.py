"""Scaled mode: the outbox relayed to Celery workers through a broker (Redis or RabbitMQ).

The outbox stays the record of what must happen. The scheduler claims due messages (the same
conditional UPDATE the in-process executor uses, with a lease) and sends their ids to the
workers; a worker runs the messages still claimed with the same handlers and marks them done.

- Broker down: sending fails, the claims are given back, intake goes on writing the outbox,
  and the messages are relayed once the broker is back.
- Worker killed mid-job: the task is acknowledged only after it ran (`acks_late`), so the
  broker hands it to another worker; and should the task itself be lost, the claim's lease
  runs out and the relay sends the message again. Handlers are idempotent: once in effect.
- Two schedulers: one holds the `scheduler` lease and works; the other waits to take over."""

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from functools import lru_cache

from celery import Celery

from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.jobs import executor, service

log = logging.getLogger(__name__)
RELAY_CHUNK = 50  # messages per Celery task
LEASE_TTL = timedelta(seconds=15)


@lru_cache
def app() -> Celery:
    settings = get_settings()
    celery = Celery("voxloop", broker=settings.broker_url)
    celery.conf.update(
        task_acks_late=True,  # acknowledged after the task ran: a killed worker's task goes to another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},  # Redis: redeliver unacknowledged tasks
        task_default_queue=settings.broker_queue,
    )
    celery.task(name="voxloop.run_messages")(executor.run_messages)
    celery.task(name="voxloop.periodic")(executor.run_periodic)
    return celery


def relay(limit: int = 500) -> list[int]:
    """Claim due messages and send them to the workers; returns their ids. When the broker
    cannot take them, the claims are given back and the error is raised."""
    with session_scope() as db:
        with writing(db):
            messages = service.claim(db=db, limit=limit)
        ids = [m.id for m in messages]
        sent = 0
        try:
            for i in range(0, len(ids), RELAY_CHUNK):
                app().send_task("voxloop.run_messages", args=[ids[i : i + RELAY_CHUNK]])
                sent = i + RELAY_CHUNK
        except Exception:
            service.release(db=db, message_ids=ids[sent:])
            raise
    return ids


def wait(message_ids: list[int], timeout: float = 120.0) -> None:
    """Until the workers have run (or rescheduled) these messages."""
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(readonly=True) as db:
            if not service.unfinished(db=db, message_ids=message_ids):
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox messages still running after {timeout} s: {message_ids[:10]}")
        time.sleep(0.05)


def drain(max_rounds: int = 100) -> int:
    """Relay until nothing is due, waiting for the workers each round (tests and `voxloop outbox
    run` in scaled mode)."""
    total = 0
    for _ in range(max_rounds):
        ids = relay()
        if not ids:
            break
        wait(ids)
        total += len(ids)
    return total


def schedule(stop: threading.Event, poll_seconds: float = 0.5) -> None:
    """The scheduler: while holding the lease, relay the outbox and send the periodic jobs to
    the workers when due; otherwise wait to take over."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    timetable = executor.Timetable()
    leading = False
    while not stop.is_set():
        try:
            with session_scope() as db:
                now_leading = service.hold_lease(db=db, name="scheduler", holder=holder, ttl=LEASE_TTL)
            if now_leading != leading:
                log.warning("scheduler %s: %s", holder, "active" if now_leading else "standing by")
                leading = now_leading
            if leading:
                for name in timetable.due():
                    app().send_task("voxloop.periodic", args=[name])
                while relay() and not stop.is_set():
                    pass
        except Exception:
            log.exception("scheduler round failed; retrying")
        stop.wait(poll_seconds)
