"""Calendars and commitments: reading, writing, and the working-time axis of each calendar."""

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from voxloop.analytics import stats
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.commitments import calendar
from voxloop.commitments.models import Calendar, CalendarVersion, CaseClock, Commitment
from voxloop.common.time import utcnow
from voxloop.errors import Conflict, InvalidInput, NotFound, invalid
from voxloop.feedback.models import DEFAULT_CHANNELS, Feedback
from voxloop.triage.rules import TYPES

STEP_FIELDS = ("first_response", "next_response", "resolution", "dispatch", "handling")
# What a broken commitment may owe the customer (remedies.py says which ones write to them).
REMEDIES = ("apology", "voucher", "compensation", "callback", "follow_up")

_axes: dict[int, tuple[int, calendar.WorkingTime]] = {}
_axes_lock = threading.Lock()


def working_time(db: Session, calendar_id: int) -> calendar.WorkingTime:
    """The calendar's working-time axis, built once per version and process. A calendar edit
    adds a version; every process sees it at its next use, as the latest version id differs."""
    latest = db.scalar(select(func.max(CalendarVersion.id)).where(CalendarVersion.calendar_id == calendar_id))
    if latest is None:
        raise NotFound()
    cached = _axes.get(calendar_id)
    if cached and cached[0] == latest:
        return cached[1]
    versions = db.scalars(select(CalendarVersion).where(CalendarVersion.calendar_id == calendar_id)).all()
    axis = calendar.WorkingTime(
        [calendar.Version(v.origin, v.origin_work, calendar.Rules.from_json(v.rules)) for v in versions]
    )
    with _axes_lock:
        _axes[calendar_id] = (latest, axis)
    return axis


def reset_cache() -> None:
    _axes.clear()


# -- calendars ------------------------------------------------------------------------------


def list_calendars(*, db: Session, org_id: int) -> list[Calendar]:
    return list(db.scalars(select(Calendar).where(Calendar.org_id == org_id).order_by(Calendar.id)))


def get_calendar(*, db: Session, org_id: int, calendar_id: int) -> Calendar:
    cal = db.scalar(select(Calendar).where(Calendar.org_id == org_id, Calendar.id == calendar_id))
    if cal is None:
        raise NotFound()
    return cal


def _rules(data: dict[str, Any]) -> calendar.Rules:
    errors = calendar.check(data)
    if errors:
        raise InvalidInput(fields=errors)
    return calendar.Rules.from_json({**data, "hours": data["hours"]})


def create_calendar(*, db: Session, org_id: int, actor: Actor, name: str, rules: dict[str, Any]) -> Calendar:
    parsed = _rules(rules)
    if not name.strip():
        raise invalid("name", "is required")
    if db.scalar(select(Calendar.id).where(Calendar.org_id == org_id, Calendar.name == name.strip())):
        raise Conflict("A calendar with this name exists already.")
    cal = Calendar(org_id=org_id, name=name.strip(), rules=parsed.as_json())
    db.add(cal)
    db.flush()
    first = calendar.first_version(parsed)
    db.add(
        CalendarVersion(
            org_id=org_id,
            calendar_id=cal.id,
            origin=first.origin,
            origin_work=first.origin_work,
            rules=parsed.as_json(),
            created_by=actor.label,
        )
    )
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="calendar",
        entity_id=cal.id,
        after=cal.rules,
    )
    return cal


def update_calendar(
    *, db: Session, org_id: int, actor: Actor, calendar_id: int, rules: dict[str, Any]
) -> Calendar:
    """New rules from now on. Open cases' deadlines follow at once: they are stored on the
    working-time axis, which the new version continues (nothing is rewritten)."""
    cal = get_calendar(db=db, org_id=org_id, calendar_id=calendar_id)
    parsed = _rules(rules)
    now = utcnow()
    version = calendar.next_version(working_time(db, cal.id), parsed, now)
    db.add(
        CalendarVersion(
            org_id=org_id,
            calendar_id=cal.id,
            origin=version.origin,
            origin_work=version.origin_work,
            rules=parsed.as_json(),
            created_by=actor.label,
        )
    )
    before = cal.rules
    cal.rules = parsed.as_json()
    cal.updated_at = now
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="calendar",
        entity_id=cal.id,
        before=before,
        after=cal.rules,
    )
    return cal


# -- commitments ----------------------------------------------------------------------------


def list_commitments(*, db: Session, org_id: int, public_only: bool = False) -> list[Commitment]:
    stmt = select(Commitment).where(Commitment.org_id == org_id, Commitment.is_active.is_(True))
    if public_only:
        stmt = stmt.where(Commitment.is_public.is_(True))
    return list(db.scalars(stmt.order_by(Commitment.position, Commitment.id)))


def check_commitment(db: Session, org_id: int, data: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    match = data.get("match") or {}
    channels = set(DEFAULT_CHANNELS)
    allowed: dict[str, Any] = {"channel": channels, "type": set(TYPES), "priority": {1, 2, 3, 4}}
    for key, values in match.items():
        if key not in allowed:
            errors.append({"field": f"match.{key}", "reason": "conditions are channel, type and priority"})
        elif not isinstance(values, list) or any(v not in allowed[key] for v in values):
            choices = ", ".join(map(str, sorted(allowed[key], key=str)))
            errors.append({"field": f"match.{key}", "reason": f"must be a list of: {choices}"})
    steps = [f"{s}_minutes" for s in STEP_FIELDS]
    if all(data.get(s) is None for s in steps):
        errors.append(
            {"field": "first_response_minutes", "reason": "a commitment needs at least one time limit"}
        )
    errors += check_remedies(data.get("remedies") or [])
    cal = db.scalar(
        select(Calendar.id).where(Calendar.org_id == org_id, Calendar.id == data.get("calendar_id"))
    )
    if cal is None:
        errors.append({"field": "calendar_id", "reason": "no such calendar in this organization"})
    return errors


def check_remedies(kinds: list[str]) -> list[dict[str, str]]:
    if any(k not in REMEDIES for k in kinds) or len(set(kinds)) != len(kinds):
        return [{"field": "remedies", "reason": f"a list without repeats of: {', '.join(REMEDIES)}"}]
    return []


def set_remedies(
    *, db: Session, org_id: int, actor: Actor, commitment_id: int, kinds: list[str]
) -> Commitment:
    """The remedies a breach of this commitment proposes, each once per case."""
    commitment = db.scalar(
        select(Commitment).where(Commitment.org_id == org_id, Commitment.id == commitment_id)
    )
    if commitment is None:
        raise NotFound()
    errors = check_remedies(kinds)
    if errors:
        raise InvalidInput(fields=errors)
    before = list(commitment.remedies)
    commitment.remedies = list(kinds)
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="commitment",
        entity_id=commitment.id,
        before={"remedies": before},
        after={"remedies": commitment.remedies},
    )
    return commitment


def create_commitment(*, db: Session, org_id: int, actor: Actor, data: dict[str, Any]) -> Commitment:
    errors = check_commitment(db, org_id, data)
    if errors:
        raise InvalidInput(fields=errors)
    if db.scalar(select(Commitment.id).where(Commitment.org_id == org_id, Commitment.name == data["name"])):
        raise Conflict("A commitment with this name exists already.")
    if data.get("position") is None:
        last = db.scalar(select(func.max(Commitment.position)).where(Commitment.org_id == org_id))
        data = {**data, "position": 0 if last is None else last + 1}
    commitment = Commitment(org_id=org_id, **data)
    db.add(commitment)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="commitment",
        entity_id=commitment.id,
        after=data,
    )
    return commitment


@dataclass(frozen=True)
class Published:
    """What an organization publishes: its public commitments, the share of each step kept
    (commitment id -> step -> {measured, kept, rate, ci_low, ci_high}) and the calendars they run on."""

    commitments: list[Commitment]
    kept: dict[int, dict[str, Any]]
    calendars: dict[int, Calendar]


def published(*, db: Session, org_id: int, days: int = 90) -> Published:
    public = list_commitments(db=db, org_id=org_id, public_only=True)
    kept = compliance(
        db=db, org_id=org_id, commitment_ids=[c.id for c in public], since=utcnow() - timedelta(days=days)
    )
    return Published(public, kept, {c.id: c for c in list_calendars(db=db, org_id=org_id)})


def compliance(
    *, db: Session, org_id: int, commitment_ids: list[int], since: Any
) -> dict[int, dict[str, Any]]:
    """Per commitment and step: how many deadlines fell due since `since`, and the share kept
    with Wilson's 95 % interval (a step with no deadline due is absent)."""
    out: dict[int, dict[str, Any]] = {cid: {} for cid in commitment_ids}
    for step in ("response", "resolution"):
        state = getattr(CaseClock, f"{step}_state")
        rows = db.execute(
            select(
                CaseClock.commitment_id,
                func.count(),
                func.sum(case((state == "met", 1), else_=0)),
            )
            .join(Feedback, Feedback.id == CaseClock.feedback_id)
            .where(
                CaseClock.org_id == org_id,
                CaseClock.commitment_id.in_(commitment_ids),
                Feedback.received_at >= since,
                state.in_(("met", "late", "breached")),
            )
            .group_by(CaseClock.commitment_id)
        ).all()
        for cid, total, kept in rows:
            share = stats.proportion_ci(int(kept or 0), int(total))
            out[cid][step] = {
                "measured": int(total),
                "kept": int(kept or 0),
                "rate": round((kept or 0) / total, 4),
                "ci_low": round(share.ci_low or 0, 4),  # Wilson's 95 % interval
                "ci_high": round(share.ci_high or 0, 4),
            }
    return out
