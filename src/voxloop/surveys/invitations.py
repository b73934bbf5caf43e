"""Personal invitations: single-use tokens, the contact-frequency cap, opt-outs, reminders,
bounces, and the survey sent by itself after a case is resolved."""

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from voxloop.common.time import utcnow
from voxloop.customers import service as customers
from voxloop.customers.models import Customer
from voxloop.errors import InvalidInput
from voxloop.feedback.models import Feedback
from voxloop.jobs import service as jobs
from voxloop.surveys import follow_up, optouts, templates
from voxloop.surveys.models import Invitation, Response, Survey, SurveyVersion

INVITE = "surveys.invite"
REMIND = "surveys.remind"
CANCELLED = "cancelled"  # a post-case invitation whose case was reopened before it went out
CASE_FINISHED = ("resolved", "closed")
MAX_BATCH = 100_000


@dataclass(frozen=True)
class Recipient:
    email: str
    customer_id: int | None = None
    feedback_id: int | None = None
    hidden: dict[str, Any] | None = None


def recipients(
    *, db: Session, org_id: int, emails: list[str], hidden: dict[str, Any] | None = None
) -> list[Recipient]:
    """Recipients for addresses typed or sent in: an invitation to a known customer links the
    answer to their profile (and to their data export and erasure)."""
    known = customers.ids_by_email(db=db, org_id=org_id, emails=emails)
    return [Recipient(email=e, hidden=hidden, customer_id=known.get(e.lower())) for e in emails]


def invite(
    *,
    db: Session,
    survey: Survey,
    recipients: list[Recipient],
    delay: timedelta | None = None,
    capped: bool = True,
) -> dict[str, Any]:
    """Create invitations and queue their emails; people who opted out, or (`capped`) were
    invited within the survey's contact cap, are skipped and counted. The caller commits."""
    if survey.status != "live":
        raise InvalidInput(fields=[{"field": "survey", "reason": "publish the survey before inviting"}])
    if len(recipients) > MAX_BATCH:
        raise InvalidInput(fields=[{"field": "recipients", "reason": f"at most {MAX_BATCH} at once"}])
    emails = {r.email.strip().lower() for r in recipients}
    opted_out = optouts.opted_out(db=db, org_id=survey.org_id, emails=emails)
    recent: set[str] = set()
    if survey.contact_cap_days and capped:
        since = utcnow() - timedelta(days=survey.contact_cap_days)
        recent = _in(
            db,
            select(Invitation.email).where(
                Invitation.org_id == survey.org_id,
                Invitation.created_at >= since,
                Invitation.status != CANCELLED,  # never sent: nobody was contacted
            ),
            Invitation.email,
            emails,
        )
    now = utcnow()
    rows, skipped, seen = [], {"opted_out": 0, "contacted_recently": 0, "duplicate": 0}, set()
    for r in recipients:
        email = r.email.strip().lower()
        if email in seen:
            skipped["duplicate"] += 1
            continue
        seen.add(email)
        if email in opted_out:
            skipped["opted_out"] += 1
        elif email in recent:
            skipped["contacted_recently"] += 1
        else:
            rows.append(
                {
                    "org_id": survey.org_id,
                    "survey_id": survey.id,
                    "token": secrets.token_urlsafe(18)[:24],
                    "email": email,
                    "customer_id": r.customer_id,
                    "feedback_id": r.feedback_id,
                    "status": "pending",
                    "hidden": r.hidden or {},
                    "created_at": now,
                }
            )
    if rows:
        table = Invitation.__table__
        ids = db.execute(insert(table).returning(table.c.id), rows).scalars().all()
        jobs.enqueue_many(
            db=db,
            task=INVITE,
            payloads=[{"invitation_id": i} for i in ids],
            org_id=survey.org_id,
            delay=delay,
        )
    return {"invited": len(rows), "skipped": skipped}


MAX_RECENT_GUESTS = 10_000


def recent_guests(*, db: Session, org_id: int, limit: int | None = None) -> list[Recipient]:
    """The latest customers (newest first) with an email who have not said no to email, as
    recipients linked to their profiles; `invite` then skips those who opted out of surveys or
    were asked within the contact cap."""
    stmt = (
        select(Customer.id, Customer.email)
        .where(
            Customer.org_id == org_id,
            Customer.email.is_not(None),
            Customer.contact_email.is_(True),
            Customer.erased_at.is_(None),
        )
        .order_by(Customer.id.desc())
        .limit(limit)
    )
    return [Recipient(email=str(email), customer_id=cid) for cid, email in db.execute(stmt)]


def _in(db: Session, stmt: Any, column: Any, emails: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(emails)
    for start in range(0, len(ordered), 5000):  # keep IN lists a sensible size
        found |= set(db.scalars(stmt.where(column.in_(ordered[start : start + 5000]))))
    return found


def remind(*, db: Session, survey: Survey, older_than: timedelta = timedelta(days=3)) -> int:
    """Queue one reminder to everyone invited who has not answered (nor been reminded)."""
    due = list(
        db.scalars(
            select(Invitation.id).where(
                Invitation.survey_id == survey.id,
                Invitation.status == "sent",
                Invitation.reminded_at.is_(None),
                Invitation.sent_at <= utcnow() - older_than,
            )
        )
    )
    jobs.enqueue_many(db=db, task=REMIND, payloads=[{"invitation_id": i} for i in due], org_id=survey.org_id)
    return len(due)


def counts(*, db: Session, survey_id: int) -> dict[str, int]:
    """How many invitations are in each status, and how many were reminded."""
    out = dict.fromkeys(("pending", "sent", "answered", "bounced", "unsubscribed", CANCELLED), 0)
    for status_, n in db.execute(
        select(Invitation.status, func.count())
        .where(Invitation.survey_id == survey_id)
        .group_by(Invitation.status)
    ):
        out[status_] = n
    out["reminded"] = (
        db.scalar(
            select(func.count()).where(Invitation.survey_id == survey_id, Invitation.reminded_at.is_not(None))
        )
        or 0
    )
    return out


def live_with_reminders(*, db: Session) -> list[Survey]:
    """Live surveys that remind by themselves."""
    return list(db.scalars(select(Survey).where(Survey.status == "live", Survey.remind_after_days > 0)))


def opt_out(*, db: Session, token: str) -> Invitation | None:
    """The person behind an invitation wants no more surveys from this organization."""
    invitation = db.scalar(select(Invitation).where(Invitation.token == token))
    if invitation is None:
        return None
    optouts.add(db=db, org_id=invitation.org_id, email=invitation.email)
    db.execute(
        update(Invitation)
        .where(
            Invitation.org_id == invitation.org_id,
            Invitation.email == invitation.email,
            Invitation.status != "answered",
        )
        .values(status="unsubscribed")
    )
    return invitation


def bounced(*, db: Session, org_id: int, addresses: list[str]) -> int:
    """Mark the invitations to addresses a delivery report says do not exist."""
    if not addresses:
        return 0
    result = db.execute(
        update(Invitation)
        .where(
            Invitation.org_id == org_id,
            Invitation.email.in_([a.lower() for a in addresses]),
            Invitation.status.in_(("pending", "sent")),
        )
        .values(status="bounced")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def after_case(*, db: Session, record: Feedback, email: str | None) -> dict[str, Any] | None:
    """The organization's post-case survey (trigger "case_resolved"), sent after its delay to
    the customer of a resolved case, within the contact cap, unless they asked for no email; a
    follow-up case's customer gets the one-question re-survey instead, when the survey whose
    answer opened the case says so. The caller commits."""
    if not email:
        return None
    if record.customer_id is not None:
        customer = db.get(Customer, record.customer_id)
        if customer is not None and not customer.contact_email:
            return None
    kind = resurvey_kind(db, record)
    if kind is not None:
        survey = resurvey_survey(db, record.org_id, kind)
    else:
        survey = db.scalar(
            select(Survey)
            .where(Survey.org_id == record.org_id, Survey.trigger == "case_resolved", Survey.status == "live")
            .order_by(Survey.id.desc())
            .limit(1)
        )
    if survey is None:
        return None
    already = db.scalar(
        select(func.count()).where(
            Invitation.survey_id == survey.id,
            Invitation.feedback_id == record.id,
            Invitation.status != CANCELLED,
        )
    )
    if already:
        return None
    hidden = {
        "case_id": str(record.id),
        "channel": record.channel,
        "agent": str(record.assignee_id or ""),
        "branch": record.branch or "",
    }
    return invite(
        db=db,
        survey=survey,
        recipients=[
            Recipient(email=email, customer_id=record.customer_id, feedback_id=record.id, hidden=hidden)
        ],
        delay=timedelta(minutes=survey.delay_minutes),
        # the re-survey closes the loop the respondent asked for: not held back by the cap
        capped=kind is None,
    )


def resurvey_kind(db: Session, record: Feedback) -> str | None:
    """For a follow-up case whose survey re-surveys: "nps" when the answer that opened it was a
    detractor's, else "csat"; None for any other case."""
    if record.survey_response_id is None:
        return None
    found = db.execute(
        select(Survey.follow_up, SurveyVersion.definition, Response.answers)
        .join(Response, Response.survey_id == Survey.id)
        .join(
            SurveyVersion,
            (SurveyVersion.survey_id == Survey.id) & (SurveyVersion.number == Response.version),
        )
        .where(Response.id == record.survey_response_id)
    ).first()
    if found is None:
        return None
    stored, definition, answers = found
    rules = follow_up.Rules.of(stored)
    if not rules.resurvey:
        return None
    kinds = {t.kind for t in follow_up.triggers(definition, answers, replace(rules, enabled=True))}
    return "nps" if "nps" in kinds else "csat"


def resurvey_survey(db: Session, org_id: int, kind: str) -> Survey | None:
    """The organization's re-survey of this kind, made and published on first use; None when
    someone has closed it (no more re-surveys)."""
    trigger = f"resurvey_{kind}"
    survey = db.scalar(
        select(Survey).where(Survey.org_id == org_id, Survey.trigger == trigger).order_by(Survey.id).limit(1)
    )
    if survey is None:
        name, definition = templates.RESURVEY[kind]
        survey = Survey(
            org_id=org_id, key=secrets.token_urlsafe(9)[:12], name=templates.named(name), status="live",
            version=1, definition=definition, trigger=trigger, follow_up={"enabled": False},
        )  # fmt: skip
        db.add(survey)
        db.flush()
        db.add(SurveyVersion(org_id=org_id, survey_id=survey.id, number=1, definition=definition))
        db.flush()
    return survey if survey.status == "live" else None


def cancel_for_case(*, db: Session, feedback_id: int) -> int:
    """A case was reopened: its post-case invitations not sent yet are called off (a new
    resolution invites again). The caller commits."""
    result = db.execute(
        update(Invitation)
        .where(Invitation.feedback_id == feedback_id, Invitation.status == "pending")
        .values(status=CANCELLED)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
