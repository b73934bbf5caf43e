"""The clocks that measure each case against its commitment, and the sweep that warns,
records breaches, escalates and proposes remedies.

Each step (response, resolution, dispatch, handling) has a deadline on the calendar's
working-time axis and a state: pending -> warned -> met, or breached -> late when met after
its deadline; steps still open when a case closes unresolved become void.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from voxloop.audit.service import SYSTEM
from voxloop.commitments.models import CaseClock, Commitment, Remedy
from voxloop.commitments.service import working_time
from voxloop.common.time import as_utc, utcnow
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.jobs import service as outbox
from voxloop.webhooks import service as webhooks

STEPS = ("response", "resolution", "dispatch", "handling")
OPEN_STATES = ("pending", "warned")
NOTIFY = "commitments.notify"
TERMINAL = ("resolved", "closed")


def target_seconds(commitment: Commitment, step: str, *, next_response: bool = False) -> int | None:
    column = {
        "response": "next_response_minutes" if next_response else "first_response_minutes",
        "resolution": "resolution_minutes",
        "dispatch": "dispatch_minutes",
        "handling": "handling_minutes",
    }[step]
    minutes = getattr(commitment, column)
    return None if minutes is None else minutes * 60


def lead(commitment: Commitment, step: str) -> int:
    """How long before a deadline the warning comes."""
    return (target_seconds(commitment, step) or 0) * (100 - commitment.warn_percent) // 100


def matches(commitment: Commitment, channel: str, type_: str | None, priority: int | None) -> bool:
    m = commitment.match or {}
    return all(
        not m.get(key) or value in m[key]
        for key, value in (("channel", channel), ("type", type_), ("priority", priority))
    )


def choose(
    commitments: Sequence[Commitment], channel: str, type_: str | None, priority: int | None
) -> Commitment | None:
    """The first active commitment, by position, that covers a record."""
    return next((c for c in commitments if c.is_active and matches(c, channel, type_, priority)), None)


def active_commitments(db: Session, org_id: int) -> list[Commitment]:
    return list(
        db.scalars(
            select(Commitment)
            .where(Commitment.org_id == org_id, Commitment.is_active.is_(True))
            .order_by(Commitment.position, Commitment.id)
        )
    )


def refresh(clock: Any, commitment: Commitment) -> None:
    """Recompute what the sweep looks for: the next deadline and the next warning."""
    if clock.paused_work is not None:
        clock.next_due = clock.warn_at = None
        return
    dues, warns = [], []
    for step in STEPS:
        due, state = getattr(clock, f"{step}_due"), getattr(clock, f"{step}_state")
        if due is None:
            continue
        if state in OPEN_STATES:
            dues.append(due)
        if state == "pending":
            warns.append(due - lead(commitment, step))
        if state == "breached" and clock.escalation < 2:  # managers hear of it half a limit later
            dues.append(due + (target_seconds(commitment, step) or 0) // 2)
    clock.next_due = min(dues, default=None)
    clock.warn_at = min(warns, default=None)


@dataclass
class _Row:
    """A clock being built, before it is inserted."""

    feedback_id: int
    org_id: int
    commitment_id: int
    calendar_id: int
    started_work: int
    paused_work: int | None = None
    response_due: int | None = None
    response_state: str | None = None
    resolution_due: int | None = None
    resolution_state: str | None = None
    dispatch_due: int | None = None
    dispatch_state: str | None = None
    handling_due: int | None = None
    handling_state: str | None = None
    next_due: int | None = None
    warn_at: int | None = None
    escalation: int = 0


@dataclass(frozen=True)
class ClockStart:
    """A freshly triaged and routed record, as its clocks start: what chooses its commitment,
    when it arrived, and whether it went to someone already."""

    fid: int
    org_id: int
    channel: str
    type: str | None
    priority: int | None
    received_at: datetime
    status: str
    assigned: bool
    flagged: bool = False


def start_many(*, db: Session, records: list[ClockStart]) -> int:
    """Start the clocks of freshly triaged and routed records. Records that are flagged,
    already finished or covered by no commitment get none. The caller holds the write lock
    and commits."""
    planned = _planned(db, records)
    if not planned:
        return 0
    ids = [r.fid for r, _ in planned]
    existing = set(db.scalars(select(CaseClock.feedback_id).where(CaseClock.feedback_id.in_(ids))))
    by_calendar: dict[int, list[tuple[ClockStart, Commitment]]] = defaultdict(list)
    for r, c in planned:
        if r.fid not in existing:
            by_calendar[c.calendar_id].append((r, c))
    rows = []
    for calendar_id, group in by_calendar.items():
        axis = working_time(db, calendar_id)
        received = axis.work_at(np.array([int(as_utc(r.received_at).timestamp()) for r, _ in group]))
        now = axis.work(utcnow())
        for (r, c), start in zip(group, received.tolist(), strict=True):
            rows.append(_started(r, c, calendar_id, start, now).__dict__)
    if rows:
        db.execute(insert(CaseClock.__table__), rows)
    return len(rows)


def _planned(db: Session, records: list[ClockStart]) -> list[tuple[ClockStart, Commitment]]:
    """The records that get a clock, each with the commitment it runs under."""
    by_org: dict[int, list[Commitment]] = {}
    planned: list[tuple[ClockStart, Commitment]] = []
    for r in records:
        if r.flagged or r.status in TERMINAL:
            continue
        if r.org_id not in by_org:
            by_org[r.org_id] = active_commitments(db, r.org_id)
        c = choose(by_org[r.org_id], r.channel, r.type, r.priority)
        if c is not None:
            planned.append((r, c))
    return planned


def _started(r: ClockStart, c: Commitment, calendar_id: int, start: int, now: int) -> _Row:
    """A new clock from `start` (working seconds); dispatch met at once for an assigned record."""
    row = _Row(r.fid, r.org_id, c.id, calendar_id, start)
    for step in ("response", "resolution", "dispatch"):
        target = target_seconds(c, step)
        if target is not None:
            setattr(row, f"{step}_due", start + target)
            setattr(row, f"{step}_state", "pending")
    if r.assigned:
        _meet(row, "dispatch", now)
        _begin(row, c, "handling", now)
    refresh(row, c)
    return row


def _meet(clock: Any, step: str, now: int) -> None:
    state = getattr(clock, f"{step}_state")
    if state in OPEN_STATES:
        setattr(clock, f"{step}_state", "met" if now <= getattr(clock, f"{step}_due") else "late")
    elif state == "breached":
        setattr(clock, f"{step}_state", "late")


def _begin(clock: Any, commitment: Commitment, step: str, now: int, *, next_response: bool = False) -> None:
    target = target_seconds(commitment, step, next_response=next_response)
    if target is not None:
        setattr(clock, f"{step}_due", now + target)
        setattr(clock, f"{step}_state", "pending")


def _clock(db: Session, record: Feedback) -> tuple[CaseClock, Commitment, int] | None:
    clock = db.get(CaseClock, record.id)
    if clock is None:
        return None
    commitment = db.get(Commitment, clock.commitment_id)
    if commitment is None:
        return None
    return clock, commitment, working_time(db, clock.calendar_id).work(utcnow())


def responded(*, db: Session, record: Feedback) -> None:
    """Staff answered the customer: the response step is met."""
    record.first_response_at = record.first_response_at or utcnow()
    found = _clock(db, record)
    if found:
        clock, commitment, now = found
        _meet(clock, "response", now)
        refresh(clock, commitment)


def customer_wrote(*, db: Session, record: Feedback) -> None:
    """The customer wrote again: a next response is owed."""
    found = _clock(db, record)
    if found:
        clock, commitment, now = found
        _begin(clock, commitment, "response", now, next_response=True)
        refresh(clock, commitment)


def assigned(*, db: Session, record: Feedback) -> None:
    found = _clock(db, record)
    if found:
        clock, commitment, now = found
        _meet(clock, "dispatch", now)
        if clock.handling_state is None:
            _begin(clock, commitment, "handling", now)
        refresh(clock, commitment)


def status_changed(*, db: Session, record: Feedback, before: str, after: str) -> None:
    """Keep the clock in step with the case: pause while waiting for the customer, stop on
    resolution, restart on reopening, void what is left when a case closes unresolved."""
    reopened = before in TERMINAL and after not in TERMINAL
    if after == "resolved":
        record.resolved_at = utcnow()
    elif reopened:
        record.resolved_at = None
    found = _clock(db, record)
    if found is None:
        return
    clock, commitment, now = found
    if before == "waiting_customer" and clock.paused_work is not None:
        _resume(clock, now - clock.paused_work)
    if after == "waiting_customer":
        clock.paused_work = now
    elif after == "resolved":
        for step in STEPS:
            _meet(clock, step, now)
    elif reopened:
        _begin(clock, commitment, "resolution", now)
        if record.assignee_id is not None:
            _begin(clock, commitment, "handling", now)
    elif after == "closed":
        _void_open(clock)
    refresh(clock, commitment)


def _resume(clock: CaseClock, shift: int) -> None:
    """The wait for the customer is over: open deadlines move by the working time paused."""
    for step in STEPS:
        if getattr(clock, f"{step}_state") in OPEN_STATES:
            setattr(clock, f"{step}_due", getattr(clock, f"{step}_due") + shift)
    clock.paused_work = None


def _void_open(clock: CaseClock) -> None:
    for step in STEPS:
        if getattr(clock, f"{step}_state") in OPEN_STATES:
            setattr(clock, f"{step}_state", "void")


def commitment_of(db: Session, record: Feedback) -> Commitment | None:
    """The commitment a case's clock runs under (its names in both languages), if any."""
    return db.scalar(
        select(Commitment)
        .join(CaseClock, CaseClock.commitment_id == Commitment.id)
        .where(CaseClock.feedback_id == record.id)
    )


def describe(db: Session, record: Feedback) -> dict[str, Any]:
    """The contract fields: the commitment's name, the next deadline (UTC) and whether any
    deadline was missed."""
    return describe_many(db, [record])[record.id]


def describe_many(db: Session, records: list[Feedback]) -> dict[int, dict[str, Any]]:
    """`describe` for a page of records, with one query for their clocks and one for the
    commitments."""
    ids = [r.id for r in records]
    found = {c.feedback_id: c for c in db.scalars(select(CaseClock).where(CaseClock.feedback_id.in_(ids)))}
    names = dict(
        db.execute(
            select(Commitment.id, Commitment.name).where(
                Commitment.id.in_({c.commitment_id for c in found.values()})
            )
        ).all()
    )
    axes: dict[int, Any] = {}  # each calendar's working time, looked up once per page
    out: dict[int, dict[str, Any]] = {}
    for record_id in ids:
        clock = found.get(record_id)
        if clock is None:
            out[record_id] = {"commitment": None, "due_at": None, "breached": False}
            continue
        open_dues = [
            getattr(clock, f"{s}_due")
            for s in STEPS
            if getattr(clock, f"{s}_state") in (*OPEN_STATES, "breached")
            and getattr(clock, f"{s}_due") is not None
        ]
        due_at: datetime | None = None
        if open_dues and clock.paused_work is None:
            if clock.calendar_id not in axes:
                axes[clock.calendar_id] = working_time(db, clock.calendar_id)
            due_at = axes[clock.calendar_id].wall(min(open_dues))
        out[record_id] = {
            "commitment": names.get(clock.commitment_id),
            "due_at": due_at,
            "breached": any(getattr(clock, f"{s}_state") in ("breached", "late") for s in STEPS),
            "steps": {
                s: getattr(clock, f"{s}_state") for s in STEPS if getattr(clock, f"{s}_state") is not None
            },
        }
    return out


def sweep(*, db: Session, now: datetime | None = None) -> dict[str, int]:
    """Find the clocks whose deadline or warning time has come, on every calendar, and act:
    warn the owner, record the breach, propose the remedy, escalate. The caller commits."""
    now = now or utcnow()
    counts = {"warned": 0, "breached": 0, "escalated": 0}
    calendars = db.scalars(select(CaseClock.calendar_id).distinct()).all()
    for calendar_id in calendars:
        at = working_time(db, calendar_id).work(now)
        due = list(
            db.scalars(
                select(CaseClock)
                .where(
                    CaseClock.calendar_id == calendar_id,
                    or_(CaseClock.next_due <= at, CaseClock.warn_at <= at),
                )
                # Workers sweeping at once on PostgreSQL never act on the same clock twice.
                .with_for_update(skip_locked=True)
            )
        )
        commitments = {
            c.id: c
            for c in db.scalars(select(Commitment).where(Commitment.id.in_({c.commitment_id for c in due})))
        }
        for clock in due:
            _act(db, clock, commitments[clock.commitment_id], at, counts)
    return counts


def _act(db: Session, clock: CaseClock, commitment: Commitment, at: int, counts: dict[str, int]) -> None:
    breached, warned = [], []
    for step in STEPS:
        due, state = getattr(clock, f"{step}_due"), getattr(clock, f"{step}_state")
        if due is None or state not in OPEN_STATES:
            continue
        if due <= at:
            setattr(clock, f"{step}_state", "breached")
            breached.append(step)
        elif state == "pending" and due - lead(commitment, step) <= at:
            setattr(clock, f"{step}_state", "warned")
            warned.append(step)
    for step in warned:
        _notify(db, clock, "warning", step, 0)
        counts["warned"] += 1
    if breached:
        webhooks.emit(
            db=db,
            org_id=clock.org_id,
            event="commitment.breached",
            data=[
                {"feedback_id": clock.feedback_id, "commitment_id": commitment.id, "step": step}
                for step in breached
            ],
        )
    for step in breached:
        counts["breached"] += 1
        _propose_remedies(db, clock, commitment, step)
        if clock.escalation == 0:
            clock.escalation = 1
            _notify(db, clock, "breach", step, 1)
            counts["escalated"] += 1
        else:
            _notify(db, clock, "breach", step, clock.escalation)
    late = [
        s
        for s in STEPS
        if getattr(clock, f"{s}_state") == "breached"
        and getattr(clock, f"{s}_due") + (target_seconds(commitment, s) or 0) // 2 <= at
    ]
    if late and clock.escalation == 1:
        clock.escalation = 2
        _notify(db, clock, "escalation", late[0], 2)
        counts["escalated"] += 1
    refresh(clock, commitment)


def _propose_remedies(db: Session, clock: CaseClock, commitment: Commitment, step: str) -> None:
    """Each remedy the commitment names, once per case: a second broken step owes no second
    apology, and one declined stays declined."""
    known = set(db.scalars(select(Remedy.kind).where(Remedy.feedback_id == clock.feedback_id)))
    for kind in commitment.remedies:
        if kind not in known:
            db.add(Remedy(org_id=clock.org_id, feedback_id=clock.feedback_id, step=step, kind=kind))
    db.flush()


def _notify(db: Session, clock: CaseClock, kind: str, step: str, level: int) -> None:
    feedback.add_event(
        db=db,
        org_id=clock.org_id,
        feedback_id=clock.feedback_id,
        kind={"warning": "commitment_warning", "breach": "commitment_breached", "escalation": "escalated"}[
            kind
        ],
        actor=SYSTEM,
        data={"step": step, "level": level},
    )
    outbox.enqueue(
        db=db,
        org_id=clock.org_id,
        task=NOTIFY,
        payload={"feedback_id": clock.feedback_id, "kind": kind, "step": step, "level": level},
    )
