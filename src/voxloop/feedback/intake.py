"""Group commit for single-record intake.

Each POST /feedback used to be its own transaction; on SQLite every commit is an fsync and
writers queue on the database lock. Here request threads hand their validated record to one
writer thread, which writes everything that arrived meanwhile with a few bulk statements and
one commit, then wakes the requests. A request is answered only after the commit that holds
its record, so a 2xx still means durable.
"""

import asyncio
import contextlib
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.audit.service import Actor
from voxloop.customers import service as customers_service
from voxloop.customers.models import Customer
from voxloop.db import get_sessionmaker, writing
from voxloop.errors import AttachmentQuotaExceeded, Conflict, field_error
from voxloop.feedback import service
from voxloop.feedback.models import Feedback, IdempotencyKey

MAX_GROUP = 500
BeforeCommit = Callable[[Session, int, list[service.Created]], None]


@dataclass
class Submission:
    org_id: int
    actor: Actor
    draft: service.Draft
    idempotency_key: str | None = None
    request_hash: str = ""
    future: Future["Outcome"] = field(default_factory=Future)
    # Set by callers on an event loop: the outcome is handed over there, one wake-up per group.
    loop: asyncio.AbstractEventLoop | None = None
    waiter: "asyncio.Future[Outcome] | None" = None


@dataclass(frozen=True)
class Outcome:
    record: Feedback
    customer: Customer | None
    replayed: bool


class IntakeWriter:
    """One writer thread per process; what `submit` returns resolves once the record is committed."""

    def __init__(self, before_commit: BeforeCommit) -> None:
        self._before_commit = before_commit
        self._queue: queue.SimpleQueue[Submission] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="voxloop-intake", daemon=True)
        self._thread.start()

    def submit(self, sub: Submission) -> None:
        self._queue.put(sub)

    def _loop(self) -> None:
        while True:
            group = [self._queue.get()]
            while len(group) < MAX_GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(group)
            except BaseException as exc:  # every waiting request must hear about it
                for sub in group:
                    if not sub.future.done():
                        sub.future.set_exception(exc)
            _deliver(sub for sub in group if sub.future.done())

    def _write(self, group: list[Submission]) -> None:
        with get_sessionmaker()() as db, writing(db):
            replays, deferred = self._settle_keys(db, group)
            waiting = {id(s) for s in deferred}
            fresh = [
                s for s in group if id(s) not in replays and id(s) not in waiting and not s.future.done()
            ]
            by_writer: dict[tuple[int, Actor], list[Submission]] = defaultdict(list)
            for sub in fresh:
                by_writer[(sub.org_id, sub.actor)].append(sub)
            created_ids: dict[int, int] = {}
            written: dict[int, service.Created] = {}
            for (org_id, actor), subs in by_writer.items():
                try:
                    created = service.create_many(
                        db=db,
                        org_id=org_id,
                        actor=actor,
                        drafts=[s.draft for s in subs],
                        recorded_by_id=actor.user_id,
                    )
                except AttachmentQuotaExceeded as exc:  # refused before writing: only these hear of it
                    for sub in subs:
                        sub.future.set_exception(exc)
                    continue
                for sub, c in zip(subs, created, strict=True):
                    created_ids[id(sub)] = c.id
                    written[c.id] = c
                    if sub.idempotency_key:
                        db.add(
                            IdempotencyKey(
                                org_id=org_id,
                                key=sub.idempotency_key,
                                request_hash=sub.request_hash,
                                feedback_id=c.id,
                            )
                        )
                self._before_commit(db, org_id, created)
        # New records answer with what was written; replays and customers are read back, after
        # letting go of the lock (WAL readers block no writer).
        answers = created_ids | replays
        with get_sessionmaker(readonly=True)() as db:
            records = {fid: c.record() for fid, c in written.items()}
            records |= service.get_many_by_id(db=db, ids=sorted(set(replays.values())))
            customers = customers_service.get_many_by_id(db=db, ids={r.customer_id for r in records.values()})
        for sub in deferred:
            self._queue.put(sub)
        for sub in group:
            if id(sub) in answers:
                record = records[answers[id(sub)]]
                customer = customers.get(record.customer_id) if record.customer_id else None
                sub.future.set_result(Outcome(record=record, customer=customer, replayed=id(sub) in replays))

    @staticmethod
    def _settle_keys(db: Session, group: list[Submission]) -> tuple[dict[int, int], list[Submission]]:
        """Replays (key seen before, same body) map to their record; a key reused with another
        body fails that request with 409. A key that comes twice in one group is settled in the
        next group, once the first request's record is committed."""
        keyed = [s for s in group if s.idempotency_key]
        if not keyed:
            return {}, []
        rows = db.execute(
            select(
                IdempotencyKey.org_id,
                IdempotencyKey.key,
                IdempotencyKey.request_hash,
                IdempotencyKey.feedback_id,
            ).where(IdempotencyKey.key.in_({s.idempotency_key for s in keyed}))
        ).all()
        known = {(org, key): (digest, fid) for org, key, digest, fid in rows}
        replays: dict[int, int] = {}
        deferred: list[Submission] = []
        seen: set[tuple[int, str]] = set()
        for sub in keyed:
            k = (sub.org_id, sub.idempotency_key or "")
            if k in known:
                digest, fid = known[k]
                if digest == sub.request_hash:
                    replays[id(sub)] = fid
                else:
                    sub.future.set_exception(_key_conflict())
            elif k in seen:
                deferred.append(sub)
            else:
                seen.add(k)
        return replays, deferred


def _deliver(done: Iterable[Submission]) -> None:
    """Wake each event loop once for all of its finished submissions."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Submission]] = defaultdict(list)
    for sub in done:
        if sub.loop is not None:
            by_loop[sub.loop].append(sub)
    for loop, subs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_waiters, subs)


def _settle_waiters(subs: list[Submission]) -> None:
    for sub in subs:
        if sub.waiter is None or sub.waiter.done():  # a waiter is cancelled when its client left
            continue
        exc = sub.future.exception()
        if exc is not None:
            sub.waiter.set_exception(exc)
        else:
            sub.waiter.set_result(sub.future.result())


def _key_conflict() -> Conflict:
    return Conflict(
        "This Idempotency-Key was already used with a different request body.",
        fields=[field_error("Idempotency-Key", "reused with a different body")],
    )


_writer: IntakeWriter | None = None
_lock = threading.Lock()


def writer(before_commit: BeforeCommit) -> IntakeWriter:
    """The process's writer, started on first use."""
    global _writer
    with _lock:
        if _writer is None:
            _writer = IntakeWriter(before_commit)
        return _writer
