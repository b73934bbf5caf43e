"""Runs outbox messages: the task registry and the in-process executor thread."""

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from voxloop.config import get_settings
from voxloop.db import session_scope, write_lock
from voxloop.jobs import service
from voxloop.jobs.models import OutboxMessage

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]
TASKS: dict[str, Handler] = {}
BATCH_TASKS: dict[str, BatchHandler] = {}


def task(name: str) -> Callable[[Handler], Handler]:
    """Register an outbox handler. Handlers take the payload (IDs, not objects), open their
    own session and must be idempotent: a message can run more than once."""

    def register(fn: Handler) -> Handler:
        TASKS[name] = fn
        return fn

    return register


def batch_task(name: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register a handler that takes every due message of its task at once (a list of
    payloads): many small messages then cost one transaction. It fails or succeeds as a whole."""

    def register(fn: BatchHandler) -> BatchHandler:
        BATCH_TASKS[name] = fn
        return fn

    return register


def sweep_commitments() -> dict[str, int]:
    """Warnings, breaches and escalations that have come due; run by every executor."""
    from voxloop.commitments import clocks

    with write_lock(), session_scope() as db:
        counts = clocks.sweep(db=db)
        db.commit()
    return counts


def sync_analytics() -> None:
    """Bring the analytics store up to date (skipped while another process holds it)."""
    import duckdb

    from voxloop.analytics import store

    try:
        with session_scope(readonly=True) as db:
            store.sync(db)
    except duckdb.IOException as exc:  # another process is writing it: next round
        log.info("analytics sync skipped: %s", exc)


def schedule_retraining() -> int:
    """Queue a category-model retraining for each organization with new labels."""
    from voxloop.text import service as text
    from voxloop.text.tasks import LEARN

    with session_scope(readonly=True) as db:
        orgs = text.orgs_to_retrain(db=db)
    if not orgs:
        return 0
    with write_lock(), session_scope() as db:
        service.enqueue_many(db=db, task=LEARN, payloads=[{"org_id": o} for o in orgs], org_id=None)
        db.commit()
    return len(orgs)


def schedule_themes() -> int:
    """Queue a theme discovery for each organization with feedback in the last week."""
    from voxloop.themes import service as themes
    from voxloop.themes.tasks import DISCOVER

    with session_scope(readonly=True) as db:
        orgs = themes.orgs_with_recent_feedback(db=db)
    if orgs:
        with write_lock(), session_scope() as db:
            service.enqueue_many(db=db, task=DISCOVER, payloads=[{"org_id": o} for o in orgs], org_id=None)
            db.commit()
    return len(orgs)


def schedule_reports() -> int:
    """Queue every scheduled report whose period has come (each once per period and day)."""
    from voxloop.common.time import utcnow
    from voxloop.reports import service as reports
    from voxloop.reports.tasks import SEND

    with session_scope(readonly=True) as db:
        due = [(s.id, s.org_id) for s in reports.due(db=db)]
    if due:
        period = utcnow().date().isoformat()
        with write_lock(), session_scope() as db:
            for schedule_id, org_id in due:
                service.enqueue(
                    db=db, org_id=org_id, task=SEND, payload={"schedule_id": schedule_id, "period": period}
                )
            db.commit()
    return len(due)


def apply_retention() -> dict[int, dict[str, int]]:
    """Each organization's retention policy, applied to what has become too old."""
    from voxloop.privacy import service as privacy

    with session_scope(readonly=True) as db:
        orgs = privacy.orgs_with_retention(db=db)
    done = {}
    for org_id in orgs:
        with write_lock(), session_scope() as db:
            done[org_id] = privacy.apply_retention(db=db, org_id=org_id)
            db.commit()
    return done


def send_reminders() -> int:
    """Remind those who have not answered a survey that reminds by itself, once, its number of
    days after their invitation."""
    from datetime import timedelta

    from voxloop.surveys import invitations
    from voxloop.surveys.models import Survey

    with session_scope(readonly=True) as db:
        surveys = [(s.id, s.remind_after_days) for s in invitations.live_with_reminders(db=db)]
    reminded = 0
    for survey_id, days in surveys:
        with write_lock(), session_scope() as db:
            survey = db.get(Survey, survey_id)
            if survey is not None:
                reminded += invitations.remind(db=db, survey=survey, older_than=timedelta(days=days))
                db.commit()
    return reminded


def daily_round() -> None:
    """What runs once a day (and when an executor starts): theme discovery, scheduled reports,
    retention."""
    schedule_themes()
    schedule_reports()
    apply_retention()


# The periodic jobs: each with the setting that says how often (seconds; 0 turns it off). The
# in-process executor runs them itself; in scaled mode `voxloop scheduler` sends them to the
# Celery workers.
PERIODIC: dict[str, tuple[Callable[[], Any], str]] = {
    "sweep": (sweep_commitments, "sweep_seconds"),
    "analytics_sync": (sync_analytics, "analytics_sync_seconds"),
    "retraining": (schedule_retraining, "text_retrain_seconds"),
    "daily": (daily_round, "themes_seconds"),
    "reminders": (send_reminders, "reminders_seconds"),
}


class Timetable:
    """Which periodic jobs are due; each is due at once the first time."""

    def __init__(self) -> None:
        self.last: dict[str, float] = dict.fromkeys(PERIODIC, float("-inf"))

    def due(self) -> list[str]:
        settings = get_settings()
        now = time.monotonic()
        out = []
        for name, (_, setting) in PERIODIC.items():
            every = float(getattr(settings, setting))
            if every and now - self.last[name] >= every:
                self.last[name] = now
                out.append(name)
        return out


def _load_tasks() -> None:
    # Importing the task modules registers their handlers.
    import voxloop.cases.tasks  # noqa: F401
    import voxloop.commitments.tasks  # noqa: F401
    import voxloop.customers.tasks  # noqa: F401
    import voxloop.feedback.tasks  # noqa: F401
    import voxloop.imports.tasks  # noqa: F401
    import voxloop.reports.tasks  # noqa: F401
    import voxloop.surveys.tasks  # noqa: F401
    import voxloop.text.tasks  # noqa: F401
    import voxloop.themes.tasks  # noqa: F401
    import voxloop.triage.tasks  # noqa: F401
    import voxloop.webhooks.tasks  # noqa: F401


def run_pending(limit: int = 100) -> int:
    """Run every due message once; returns how many were run. Used by executors and tests."""
    _load_tasks()
    with session_scope(readonly=True) as db:
        if not service.any_due(db=db):
            return 0
    with session_scope() as db:
        with write_lock():  # take turns with intake instead of polling SQLite's lock
            messages = service.claim(db=db, limit=limit)
        run_claimed(db, messages)
    return len(messages)


def run_messages(message_ids: list[int]) -> int:
    """Run messages another process claimed and handed over (a Celery worker's side of the
    relay); those already finished are skipped, so a task delivered twice runs them once."""
    _load_tasks()
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
    with write_lock():
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
                    PERIODIC[name][0]()
                while not self._stop.is_set() and run_pending() > 0:
                    pass
            except Exception:
                log.exception("outbox executor round failed; retrying")
