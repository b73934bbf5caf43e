"""Enqueue, claim and finish outbox messages; the same on SQLite and PostgreSQL."""

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from voxloop.config import get_settings
from voxloop.db import on_commit, utcnow
from voxloop.jobs.models import Lease, OutboxMessage


def lease() -> timedelta:
    """How long a claim holds a message: past it, the message is due again (its executor or
    worker is presumed dead)."""
    return timedelta(seconds=get_settings().outbox_lease_seconds)


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
            .values(status="running", locked_until=now + lease(), attempts=OutboxMessage.attempts + 1)
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


def claimed(*, db: Session, message_ids: list[int]) -> list[OutboxMessage]:
    """Of these messages, those still claimed (running): what a relayed task is to run. One
    done in the meantime (the task delivered twice) is not run again."""
    if not message_ids:
        return []
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "running")
        .order_by(OutboxMessage.id)
    )
    return list(db.scalars(stmt))


def release(*, db: Session, message_ids: list[int]) -> None:
    """Give claimed messages back (the broker could not take them): due again at once, the
    attempt not counted."""
    if not message_ids:
        return
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "running")
        .values(status="pending", locked_until=None, attempts=OutboxMessage.attempts - 1)
    )
    db.commit()


def unfinished(*, db: Session, message_ids: list[int]) -> int:
    """How many of these messages are still claimed (a relay waiting for its workers)."""
    if not message_ids:
        return 0
    running = OutboxMessage.id.in_(message_ids) & (OutboxMessage.status == "running")
    return len(db.scalars(select(OutboxMessage.id).where(running)).all())


def hold_lease(*, db: Session, name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lease, or renew it if this holder has it; False while another holder's lease
    runs. Two processes racing for a free lease: the conditional UPDATE (or the primary key,
    for the first insert) lets one through."""
    now = utcnow()
    taken = db.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        db.commit()
        return True
    if db.get(Lease, name) is not None:
        db.rollback()
        return False
    try:
        db.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        db.commit()
    except IntegrityError:
        db.rollback()
        return False
    return True
