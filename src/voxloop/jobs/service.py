"""Enqueue, claim and finish outbox messages; the same on SQLite and PostgreSQL."""

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from voxloop.db import on_commit, utcnow
from voxloop.jobs.models import OutboxMessage

LEASE = timedelta(minutes=5)
# Set after a commit that enqueued messages, so an idle executor starts at once.
wakeup = threading.Event()


def enqueue(
    *,
    db: Session,
    task: str,
    payload: dict[str, Any],
    org_id: int | None = None,
    delay: timedelta | None = None,
) -> None:
    """Add a message to the current transaction; it runs only if the transaction commits
    (and not before `delay` has passed)."""
    enqueue_many(db=db, task=task, payloads=[payload], org_id=org_id, delay=delay)


def enqueue_many(
    *,
    db: Session,
    task: str,
    payloads: list[dict[str, Any]],
    org_id: int | None,
    delay: timedelta | None = None,
) -> None:
    if not payloads:
        return
    now = utcnow()
    run_after = now + delay if delay else now
    db.execute(
        insert(OutboxMessage.__table__),
        [
            {"org_id": org_id, "task": task, "payload": p, "run_after": run_after, "created_at": now}
            for p in payloads
        ],
    )
    on_commit(db, wakeup.set)


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        (OutboxMessage.status == "pending") & (OutboxMessage.run_after <= now),
        (OutboxMessage.status == "running") & (OutboxMessage.locked_until < now),
    )


def any_due(*, db: Session) -> bool:
    """A cheap read, so an idle executor does not take the write lock to find nothing."""
    return db.scalar(select(OutboxMessage.id).where(_due(utcnow())).limit(1)) is not None


def claim(*, db: Session, limit: int = 50) -> list[OutboxMessage]:
    """Take due messages, each by a conditional UPDATE, so two executors never hold one message."""
    now = utcnow()
    due = db.scalars(select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)).all()
    claimed: list[int] = []
    for message_id in due:
        res = db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(status="running", locked_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(message_id)
    messages = []
    if claimed:
        stmt = select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        messages = list(db.scalars(stmt))
    # Commit before any handler runs: no lock may be held while a handler does its work.
    db.commit()
    return messages


def finish(*, db: Session, message_ids: list[int]) -> None:
    if not message_ids:
        return
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids))
        .values(status="done", done_at=utcnow(), locked_until=None, last_error=None)
    )
    db.commit()


def fail(*, db: Session, message_id: int, error: str, attempts: int, max_attempts: int) -> None:
    """Retry later with exponential back-off; after `max_attempts` the message is kept as dead."""
    dead = attempts >= max_attempts
    delay = timedelta(seconds=min(3600, 5 * 2 ** (attempts - 1)))
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status="dead" if dead else "pending",
            run_after=utcnow() + delay,
            locked_until=None,
            last_error=error[:4000],
        )
    )
    db.commit()
