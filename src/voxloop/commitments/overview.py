"""The SLA overview a manager reads: the open cases that broke or are about to break a
commitment, the share of deadlines kept per commitment and per department, and each person's
load. Deadlines are UTC here; pages show them in the organization's time zone.

- breached: an open case with a step whose deadline has passed (recorded by the sweep, or
  passed since it last ran); how late is counted from the earliest such deadline
- at risk: an open, running (not paused) case with a step inside its warning lead
- compliance: response and resolution deadlines kept / fallen due, for cases received in the
  period (the rule of the KPI page and the public commitments page)
- overloaded: a person with a breached open case, or with more than twice the median number
  of open cases among the people holding any
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Department, User
from voxloop.analytics import stats
from voxloop.commitments.clocks import OPEN_STATES, STEPS, TERMINAL, lead
from voxloop.commitments.models import CaseClock, Commitment
from voxloop.commitments.service import working_time
from voxloop.common.time import as_utc, utcnow
from voxloop.feedback.models import Feedback

MEASURED = ("response", "resolution")
DUE_STATES = ("met", "late", "breached")


@dataclass(frozen=True)
class Name:
    """A name in both languages (the English one may be empty)."""

    zh: str
    en: str

    def in_locale(self, locale: str) -> str:
        return self.zh if locale == "zh_CN" else (self.en or self.zh)


@dataclass(frozen=True)
class LateCase:
    """An open case against its earliest broken (or threatened) deadline."""

    feedback_id: int
    tracking_code: str
    description: str
    status: str
    owner_id: int | None
    owner: str | None
    department: Name | None
    commitment: Name
    step: str
    deadline: datetime
    # Past the deadline for a breached case, before it for one at risk.
    span: timedelta


@dataclass(frozen=True)
class Kept:
    """Deadlines kept out of those that fell due, for one commitment or department."""

    name: Name | None
    kept: int
    due: int

    @property
    def rate(self) -> float | None:
        return self.kept / self.due if self.due else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson's 95 % interval of the rate (None before anything fell due)."""
        share = stats.proportion_ci(self.kept, self.due)
        if share.ci_low is None or share.ci_high is None:
            return None
        return share.ci_low, share.ci_high


@dataclass(frozen=True)
class Load:
    user_id: int
    name: str
    open: int
    at_risk: int
    breached: int  # open cases breached now
    missed: int  # deadlines missed in the period, on open and finished cases
    overloaded: bool


@dataclass(frozen=True)
class Overview:
    since: datetime
    now: datetime
    breached: list[LateCase]
    at_risk: list[LateCase]
    by_commitment: list[Kept]
    by_department: list[Kept]
    total: Kept
    people: list[Load]


def get(*, db: Session, org_id: int, days: int = 30, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    since = now - timedelta(days=days)
    commitments = {
        c.id: (Name(c.name, c.name_en), c)
        for c in db.scalars(select(Commitment).where(Commitment.org_id == org_id))
    }
    departments = {
        d.id: Name(d.name, d.name_en)
        for d in db.scalars(select(Department).where(Department.org_id == org_id))
    }
    users = {u.id: u.name or u.email for u in db.scalars(select(User).where(User.org_id == org_id))}

    breached, at_risk = _late_cases(db, org_id, now, commitments, departments, users)

    measured = db.execute(
        select(
            CaseClock.commitment_id,
            Feedback.department_id,
            Feedback.assignee_id,
            *(getattr(CaseClock, f"{s}_state") for s in MEASURED),
        )
        .join(Feedback, Feedback.id == CaseClock.feedback_id)
        .where(CaseClock.org_id == org_id, Feedback.received_at >= since, Feedback.flag.is_(None))
    ).all()
    kept: dict[str, dict[Any, list[int]]] = {
        "commitment": defaultdict(lambda: [0, 0]),
        "department": defaultdict(lambda: [0, 0]),
    }
    missed: Counter[int] = Counter()
    for commitment_id, department_id, assignee_id, *states in measured:
        for state in states:
            if state not in DUE_STATES:
                continue
            for group, key in (("commitment", commitment_id), ("department", department_id)):
                kept[group][key][0] += state == "met"
                kept[group][key][1] += 1
            if state != "met" and assignee_id is not None:
                missed[assignee_id] += 1

    def rows(group: str, names: dict[Any, Name]) -> list[Kept]:
        # the worst first, so what needs attention is at the top
        out = [Kept(names.get(key), n_kept, due) for key, (n_kept, due) in kept[group].items()]
        return sorted(out, key=lambda r: (r.name is None, r.rate if r.rate is not None else 1, -r.due))

    by_commitment = rows("commitment", {cid: name for cid, (name, _) in commitments.items()})
    by_department = rows("department", departments)
    total = Kept(None, sum(r.kept for r in by_commitment), sum(r.due for r in by_commitment))

    open_cases: Counter[int] = Counter(
        uid
        for uid in db.scalars(
            select(Feedback.assignee_id).where(
                Feedback.org_id == org_id, Feedback.status.not_in(TERMINAL), Feedback.flag.is_(None)
            )
        )
        if uid is not None
    )
    risky = Counter(c.owner_id for c in at_risk if c.owner_id is not None)
    late = Counter(c.owner_id for c in breached if c.owner_id is not None)
    usual = median(open_cases.values()) if open_cases else 0
    people = [
        Load(
            user_id=uid,
            name=users.get(uid, str(uid)),
            open=open_cases[uid],
            at_risk=risky[uid],
            breached=late[uid],
            missed=missed[uid],
            overloaded=late[uid] > 0 or open_cases[uid] > 2 * usual,
        )
        for uid in set(open_cases) | set(missed)
    ]
    people.sort(key=lambda p: (-p.breached, -p.open, -p.missed, p.name))
    return Overview(
        since=since,
        now=now,
        breached=breached,
        at_risk=at_risk,
        by_commitment=by_commitment,
        by_department=by_department,
        total=total,
        people=people,
    )


@dataclass(frozen=True)
class Standing:
    """Where an open case stands against its commitment now: its earliest broken deadline
    (breached), else its earliest deadline inside a warning lead (at risk), else its next open
    deadline (on track). The inbox's countdown and its "at risk" and "breached" filters."""

    state: str  # breached | at_risk | on_track
    step: str
    deadline: datetime  # UTC
    # Past the deadline for a breached case, before it otherwise.
    span: timedelta


def _standing(clock: CaseClock, commitment: Commitment, axis: Any, now: datetime) -> Standing | None:
    """A clock's standing at `now`; None for a paused clock that broke nothing, or one with no
    open deadline."""
    at = axis.work(now)
    running = clock.paused_work is None
    past, near, ahead = [], [], []
    for step in STEPS:
        due, state = getattr(clock, f"{step}_due"), getattr(clock, f"{step}_state")
        if due is None:
            continue
        if state == "breached" or (running and state in OPEN_STATES and due <= at):
            past.append((due, step))
        elif running and state in OPEN_STATES and (state == "warned" or due - lead(commitment, step) <= at):
            near.append((due, step))
        elif running and state in OPEN_STATES:
            ahead.append((due, step))
    found = "breached" if past else "at_risk" if near else "on_track" if ahead else None
    if found is None:
        return None
    due, step = min(past or near or ahead)
    deadline = as_utc(axis.wall(due))
    return Standing(found, step, deadline, now - deadline if past else deadline - now)


def _open_clocks(db: Session, org_id: int, feedback_ids: list[int] | None = None) -> Any:
    """The clocks of the open (unfinished, unflagged) cases, with what the pages show of them."""
    stmt = (
        select(
            CaseClock,
            Feedback.tracking_code,
            Feedback.description,
            Feedback.status,
            Feedback.assignee_id,
            Feedback.department_id,
        )
        .join(Feedback, Feedback.id == CaseClock.feedback_id)
        .where(CaseClock.org_id == org_id, Feedback.status.not_in(TERMINAL), Feedback.flag.is_(None))
    )
    if feedback_ids is not None:
        stmt = stmt.where(CaseClock.feedback_id.in_(feedback_ids))
    return db.execute(stmt).all()


def _standings(db: Session, org_id: int, now: datetime, rows: Any) -> Any:
    """(row, its commitment, its standing) for each clock row that has a standing."""
    commitments = {c.id: c for c in db.scalars(select(Commitment).where(Commitment.org_id == org_id))}
    axes: dict[int, Any] = {}
    for row in rows:
        clock = row[0]
        if clock.calendar_id not in axes:
            axes[clock.calendar_id] = working_time(db, clock.calendar_id)
        standing = _standing(clock, commitments[clock.commitment_id], axes[clock.calendar_id], now)
        if standing is not None:
            yield row, standing


def standings(
    *, db: Session, org_id: int, feedback_ids: list[int], now: datetime | None = None
) -> dict[int, Standing]:
    """The standing of each of these records that is open and under a commitment."""
    if not feedback_ids:
        return {}
    rows = _open_clocks(db, org_id, feedback_ids)
    return {row[0].feedback_id: s for row, s in _standings(db, org_id, now or utcnow(), rows)}


def late_ids(*, db: Session, org_id: int, state: str, now: datetime | None = None) -> list[int]:
    """The open records whose standing is `state` (breached or at_risk) now: what the SLA
    overview lists under that heading."""
    rows = _open_clocks(db, org_id)
    return sorted(
        row[0].feedback_id for row, s in _standings(db, org_id, now or utcnow(), rows) if s.state == state
    )


def _late_cases(
    db: Session,
    org_id: int,
    now: datetime,
    commitments: dict[int, tuple[Name, Commitment]],
    departments: dict[int, Name],
    users: dict[int, str],
) -> tuple[list[LateCase], list[LateCase]]:
    """The open cases past a deadline (latest first), and those inside a warning lead (the
    nearest deadline first)."""
    breached: list[LateCase] = []
    at_risk: list[LateCase] = []
    for (clock, code, description, status, assignee_id, department_id), standing in _standings(
        db, org_id, now, _open_clocks(db, org_id)
    ):
        if standing.state == "on_track":
            continue
        case = LateCase(
            feedback_id=clock.feedback_id,
            tracking_code=code,
            description=description,
            status=status,
            owner_id=assignee_id,
            owner=users.get(assignee_id) if assignee_id is not None else None,
            department=departments.get(department_id) if department_id is not None else None,
            commitment=commitments[clock.commitment_id][0],
            step=standing.step,
            deadline=standing.deadline,
            span=standing.span,
        )
        (breached if standing.state == "breached" else at_risk).append(case)
    breached.sort(key=lambda c: c.deadline)  # the longest overdue first
    at_risk.sort(key=lambda c: c.deadline)
    return breached, at_risk
