"""Service KPIs per department, agent or channel. The arithmetic is pure (`summarise`); the
query that feeds it is `rows`.

- first-response time: received -> the first reply to the customer (median and p90, hours)
- resolution time: received -> resolved (median and p90, hours)
- resolution rate: resolved cases / cases
- first-contact resolution: resolved cases the customer never had to write about again and
  that were never reopened / resolved cases
- reopen rate: reopened cases / resolved cases
- commitment compliance: deadlines kept / deadlines measured (response and resolution)

Each rate also comes as its count and denominator with Wilson's 95 % interval (`rates`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Department, User
from voxloop.analytics import stats
from voxloop.commitments.models import CaseClock
from voxloop.common.time import as_utc
from voxloop.feedback.models import Feedback, FeedbackEvent

GROUPS = ("department", "agent", "channel")


@dataclass(frozen=True)
class CaseFacts:
    key: Any
    received_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    reopened: bool
    customer_wrote: bool
    kept: int  # commitment deadlines met in time
    measured: int  # commitment deadlines met, met late or missed


def summarise(cases: Iterable[CaseFacts]) -> dict[str, Any]:
    cases = list(cases)
    resolved = [c for c in cases if c.resolved_at is not None]
    responded = [c for c in cases if c.first_response_at is not None]
    measured = sum(c.measured for c in cases)

    def spans(pairs: list[tuple[datetime, datetime]]) -> list[float]:
        return [(as_utc(b) - as_utc(a)).total_seconds() / 3600 for a, b in pairs]

    def hours(values: list[float], q: float = 50) -> float | None:
        """A percentile of the hours taken (the median by default), not the mean: a few very
        slow cases would hide what most customers get."""
        if not values:
            return None
        return round(median(values), 2) if q == 50 else round(float(np.percentile(values, q)), 2)

    first = spans([(c.received_at, c.first_response_at) for c in responded])  # type: ignore[misc]
    resolution = spans([(c.received_at, c.resolved_at) for c in resolved])  # type: ignore[misc]

    counts = {
        "resolution_rate": (len(resolved), len(cases)),
        "first_contact_resolution": (
            sum(1 for c in resolved if not c.reopened and not c.customer_wrote),
            len(resolved),
        ),
        "reopen_rate": (sum(1 for c in resolved if c.reopened), len(resolved)),
        "commitment_compliance": (sum(c.kept for c in cases), measured),
    }
    return {
        "cases": len(cases),
        "first_response_hours": hours(first),
        "first_response_p90_hours": hours(first, 90),
        "resolution_hours": hours(resolution),
        "resolution_p90_hours": hours(resolution, 90),
        **{k: round(part / whole, 4) if whole else None for k, (part, whole) in counts.items()},
        # each rate's count, denominator and Wilson's 95 % interval: 84 % is 42 of 50 or 5 of 6
        "rates": {k: _rate(part, whole) for k, (part, whole) in counts.items()},
    }


def _rate(part: int, whole: int) -> dict[str, Any]:
    share = stats.proportion_ci(part, whole)
    low, high = (
        (None, None) if share.ci_low is None else (round(share.ci_low, 4), round(share.ci_high or 0, 4))
    )
    return {"count": part, "n": whole, "ci_low": low, "ci_high": high}


def rows(db: Session, org_id: int, by: str, start: datetime, end: datetime) -> list[CaseFacts]:
    key = {"department": Feedback.department_id, "agent": Feedback.assignee_id, "channel": Feedback.channel}[
        by
    ]
    reopened = (
        select(func.count())
        .where(FeedbackEvent.feedback_id == Feedback.id, FeedbackEvent.kind == "reopened")
        .scalar_subquery()
    )
    wrote = (
        select(func.count())
        .where(FeedbackEvent.feedback_id == Feedback.id, FeedbackEvent.kind == "customer_message")
        .scalar_subquery()
    )
    result = db.execute(
        select(
            key,
            Feedback.received_at,
            Feedback.first_response_at,
            Feedback.resolved_at,
            reopened,
            wrote,
            CaseClock.response_state,
            CaseClock.resolution_state,
        )
        .outerjoin(CaseClock, CaseClock.feedback_id == Feedback.id)
        .where(
            Feedback.org_id == org_id,
            Feedback.received_at >= start,
            Feedback.received_at < end,
            Feedback.flag.is_(None),
        )
    ).all()
    facts = []
    for k, received, responded, resolved, n_reopened, n_wrote, *states in result:
        done = [s for s in states if s in ("met", "late", "breached")]
        facts.append(
            CaseFacts(
                key=k,
                received_at=received,
                first_response_at=responded,
                resolved_at=resolved,
                reopened=n_reopened > 0,
                customer_wrote=n_wrote > 0,
                kept=sum(1 for s in done if s == "met"),
                measured=len(done),
            )
        )
    return facts


def report(db: Session, org_id: int, by: str, start: datetime, end: datetime) -> dict[str, Any]:
    facts = rows(db, org_id, by, start, end)
    groups: dict[Any, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        groups[f.key].append(f)
    labels = _labels(db, org_id, by)
    out = [
        {"key": k, "label": labels.get(k, k) if k is not None else None, **summarise(v)}
        for k, v in sorted(groups.items(), key=lambda kv: (kv[0] is None, str(labels.get(kv[0], kv[0]))))
    ]
    return {"by": by, "from": start, "to": end, "rows": out, "total": summarise(facts)}


def _labels(db: Session, org_id: int, by: str) -> dict[Any, str]:
    if by == "department":
        return {d.id: d.name for d in db.scalars(select(Department).where(Department.org_id == org_id))}
    if by == "agent":
        return {u.id: u.name or u.email for u in db.scalars(select(User).where(User.org_id == org_id))}
    return {}
