"""Runs outbox messages and periodic jobs: the in-process executor thread. What runs is in
jobs/registry.py, where each domain's tasks.py registers it; jobs/loading.py loads them."""

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.jobs import service
from voxloop.jobs.loading import load_all
from voxloop.jobs.models import OutboxMessage
from voxloop.jobs.registry import BATCH_TASKS, PERIODIC, TASKS, Handler

log = logging.getLogger(__name__)


class Timetable:
    """Which periodic jobs are due; each is due at once the first time."""

    def __init__(self) -> None:
        load_all()
        self.last: dict[str, float] = dict.fromkeys(PERIODIC, float("-inf"))

    def due(self) -> list[str]:
        settings = get_settings()
        now = time.monotonic()
        out = []
        for name, job in PERIODIC.items():
            every = float(getattr(settings, job.setting))
            if every and now - self.last[name] >= every:
                self.last[name] = now
                out.append(name)
        return out


def run_periodic(name: str) -> None:
    """Run the periodic job `name` once (the daily round, the sweep, ...)."""
    load_all()
    PERIODIC[name].run()


def run_pending(limit: int = 100) -> int:
    """Run every due message once; returns how many were run. Used by executors and tests."""
    load_all()
    with session_scope(readonly=True) as db:
        if not service.any_due(db=db):
            return 0
    with session_scope() as db:
        with writing(db):  # take turns with intake instead of polling SQLite's lock
            messages = service.claim(db=db, limit=limit)
        run_claimed(db, messages)
    return len(messages)


def run_messages(message_ids: list[int]) -> int:
    """Run messages another process claimed and handed over (a Celery worker's side of the
    relay); those already finished are skipped, so a task delivered twice runs them once."""
    load_all()
    with session_scope() as db:
        messages = service.claimed(db=db, message_ids=message_ids)
        db.commit()
        run_claimed(db, messages)
    return len(messages)


def run_claimed(db: Session, messages: list[OutboxMessage]) -> None:
    """Run claimed messages, a task's batch handler once for all of its messages, then mark
    the ones that succeeded done (the failed ones were rescheduled)."""
    done: list[int] = []
    by_task: dict[str, list[OutboxMessage]] = defaultdict(list)
    for msg in messages:
        by_task[msg.task].append(msg)
    for name, group in by_task.items():
        batch = BATCH_TASKS.get(name)
        if batch is not None:
            if _attempt(db, group, batch, [m.payload for m in group]):
                done += [m.id for m in group]
            continue
        for msg in group:
            handler = TASKS.get(name)
            if _attempt(db, [msg], _call, handler, name, msg.payload):
                done.append(msg.id)
    with writing(db):
        service.finish(db=db, message_ids=done)


def _call(handler: Handler | None, name: str, payload: dict[str, Any]) -> None:
    if handler is None:
        raise LookupError(f"no handler registered for task {name!r}")
    handler(payload)


def _attempt(db: Session, messages: list[OutboxMessage], run: Callable[..., None], *args: Any) -> bool:
    """Run; on failure schedule each message's retry. A failing handler never stops the others."""
    try:
        run(*args)
    except Exception as exc:
        settings = get_settings()
        for msg in messages:
            log.warning("outbox message %s (%s) failed: %s", msg.id, msg.task, exc)
            service.fail(
                db=db,
                message_id=msg.id,
                error=f"{type(exc).__name__}: {exc}",
                attempts=msg.attempts,
                max_attempts=settings.outbox_max_attempts,
            )
        return False
    return True


def drain(max_rounds: int = 100) -> int:
    """Run until nothing is due (messages scheduled for later stay); in scaled mode, through
    the broker and the Celery workers."""
    if get_settings().broker_url:
        from voxloop.jobs import queue

        return queue.drain(max_rounds)
    total = 0
    for _ in range(max_rounds):
        n = run_pending()
        total += n
        if n == 0:
            break
    return total


class InProcessExecutor:
    """A daemon thread that runs outbox messages right after the commits that wrote them."""

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="voxloop-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        service.wakeup.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        timetable = Timetable()
        gather = get_settings().outbox_gather_seconds
        while not self._stop.is_set():
            if service.wakeup.wait(self.poll_seconds) and gather:
                # Let a burst of commits gather: one round then takes them all, which costs
                # intake far less than a round (and a turn on the write lock) per commit.
                self._stop.wait(gather)
            service.wakeup.clear()
            try:
                for name in timetable.due():
                    run_periodic(name)
                while not self._stop.is_set() and run_pending() > 0:
                    pass
            except Exception:
                log.exception("outbox executor round failed; retrying")
