"""Runs outbox messages: the task registry and the in-process executor thread."""

import logging
import threading
from collections.abc import Callable
from typing import Any

from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.jobs import service

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
TASKS: dict[str, Handler] = {}


def task(name: str) -> Callable[[Handler], Handler]:
    """Register an outbox handler. Handlers take the payload (IDs, not objects), open their
    own session and must be idempotent: a message can run more than once."""

    def register(fn: Handler) -> Handler:
        TASKS[name] = fn
        return fn

    return register


def _load_tasks() -> None:
    # Importing the task modules registers their handlers.
    import voxloop.feedback.tasks  # noqa: F401
    import voxloop.triage.tasks  # noqa: F401


def run_pending(limit: int = 100) -> int:
    """Run every due message once; returns how many were run. Used by executors and tests."""
    _load_tasks()
    settings = get_settings()
    ran = 0
    with session_scope() as db:
        messages = service.claim(db=db, limit=limit)
        for msg in messages:
            handler = TASKS.get(msg.task)
            try:
                if handler is None:
                    raise LookupError(f"no handler registered for task {msg.task!r}")
                handler(msg.payload)
            except Exception as exc:  # a failing handler must not stop the others
                log.warning("outbox message %s (%s) failed: %s", msg.id, msg.task, exc)
                service.fail(
                    db=db,
                    message_id=msg.id,
                    error=f"{type(exc).__name__}: {exc}",
                    attempts=msg.attempts,
                    max_attempts=settings.outbox_max_attempts,
                )
            else:
                service.finish(db=db, message_id=msg.id)
            ran += 1
    return ran


def drain(max_rounds: int = 100) -> int:
    """Run until nothing is due (messages scheduled for later stay)."""
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
        while not self._stop.is_set():
            service.wakeup.wait(self.poll_seconds)
            service.wakeup.clear()
            try:
                while not self._stop.is_set() and run_pending() > 0:
                    pass
            except Exception:
                log.exception("outbox executor round failed; retrying")
