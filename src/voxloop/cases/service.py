"""Writes for case work: status transitions and internal notes, each on the timeline."""

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import User
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.cases import templates, workflow
from voxloop.cases.models import MessageTemplate
from voxloop.cases.schemas import MAX_POINTS
from voxloop.commitments import clocks
from voxloop.common.time import utcnow
from voxloop.errors import Conflict, InvalidInput, NotFound, field_error, invalid
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback, FeedbackEvent
from voxloop.jobs import service as jobs
from voxloop.surveys import invitations
from voxloop.webhooks import service as webhooks


def _get(db: Session, org_id: int, feedback_id: int) -> Feedback:
    record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    return record


def transition(
    *, db: Session, org_id: int, actor: Actor, feedback_id: int, to: str, note: str | None = None
) -> Feedback:
    """Move a case to status `to`, or refuse with 409 and the reason."""
    record = _get(db, org_id, feedback_id)
    return _move(db, record, actor, to, note)


def _move(db: Session, record: Feedback, actor: Actor, to: str, note: str | None) -> Feedback:
    current = record.status
    if to not in workflow.STATES:
        raise invalid("to", f"unknown status {to!r}; statuses are {', '.join(workflow.STATES)}")
    reason = workflow.refusal(current, to)
    if reason:
        raise Conflict("This status change is not allowed.", fields=[field_error("to", reason)])
    record.status = to
    clocks.status_changed(db=db, record=record, before=current, after=to)
    if to == workflow.RESOLVED:  # the surveys domain sends the follow-up satisfaction survey
        jobs.enqueue(db=db, org_id=record.org_id, task=FOLLOW_UP, payload={"feedback_id": record.id})
    kind = "reopened" if workflow.is_reopen(current, to) else "status_changed"
    if kind == "reopened":  # the satisfaction survey waits for the next resolution
        invitations.cancel_for_case(db=db, feedback_id=record.id)
    webhooks.emit(
        db=db,
        org_id=record.org_id,
        event="case.status_changed",
        data=[{"id": record.id, "tracking_code": record.tracking_code, "from": current, "to": to}],
    )
    # The customer sees status changes on the tracking page; the note stays internal.
    feedback.add_event(
        db=db,
        org_id=record.org_id,
        feedback_id=record.id,
        kind=kind,
        actor=actor,
        public=True,
        data={"from": current, "to": to},
    )
    if note:
        add_note(db=db, org_id=record.org_id, actor=actor, feedback_id=record.id, text=note)
    audit.record(
        db=db,
        org_id=record.org_id,
        actor=actor,
        action="update",
        entity="feedback",
        entity_id=record.id,
        before={"status": current},
        after={"status": to},
    )
    return record


MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.+-]+)")
MENTIONED = "cases.mentioned"


def mentioned_users(db: Session, org_id: int, text: str) -> list[User]:
    """Colleagues named in a note as @email or @name-before-the-@ of their email."""
    names = {m.lower() for m in MENTION.findall(text)}
    if not names:
        return []
    users = db.scalars(select(User).where(User.org_id == org_id, User.is_active.is_(True)))
    return [u for u in users if u.email.lower() in names or u.email.lower().split("@")[0] in names]


def add_note(*, db: Session, org_id: int, actor: Actor, feedback_id: int, text: str) -> None:
    """An internal note: on the staff timeline only, never shown to the customer. Colleagues
    it mentions (@chen or @chen@hotel.example) are told by email."""
    _get(db, org_id, feedback_id)
    people = mentioned_users(db, org_id, text)
    feedback.add_event(
        db=db,
        org_id=org_id,
        feedback_id=feedback_id,
        kind="note",
        actor=actor,
        public=False,
        data={"text": text, "mentions": [u.id for u in people]},
    )
    for user in people:
        jobs.enqueue(
            db=db,
            org_id=org_id,
            task=MENTIONED,
            payload={"feedback_id": feedback_id, "user_id": user.id, "by": actor.label, "text": text},
        )


def merge(*, db: Session, org_id: int, actor: Actor, feedback_id: int, into: int) -> Feedback:
    """Merge a duplicate into the case that carries on: the duplicate is closed and flagged,
    its text joins the other case's timeline, and its customer's tracking page points there."""
    if feedback_id == into:
        raise invalid("into", "a case cannot be merged into itself")
    source = _get(db, org_id, feedback_id)
    target = feedback.get(db=db, org_id=org_id, feedback_id=into)
    if target is None:
        raise invalid("into", "no such case in this organization")
    if source.status == workflow.CLOSED and source.flag == "duplicate":
        raise Conflict("This case was merged already.", fields=[field_error("into", "already merged")])
    before = source.status
    source.status = workflow.CLOSED
    source.flag, source.flag_reason = "duplicate", f"merged into #{target.id}"
    clocks.status_changed(db=db, record=source, before=before, after=workflow.CLOSED)
    feedback.add_event(
        db=db,
        org_id=org_id,
        feedback_id=source.id,
        kind="merged",
        actor=actor,
        public=True,
        data={"into": target.id, "into_code": target.tracking_code, "from": before, "to": workflow.CLOSED},
    )
    feedback.add_event(
        db=db,
        org_id=org_id,
        feedback_id=target.id,
        kind="merged_from",
        actor=actor,
        data={"from_id": source.id, "from_code": source.tracking_code, "text": source.description},
    )
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="feedback",
        entity_id=source.id,
        before={"status": before},
        after={"status": workflow.CLOSED, "merged_into": target.id},
    )
    return target


REPLY = "cases.reply"
CUSTOMER_WROTE = "cases.customer_wrote"
THANK = "cases.thank_you"
FOLLOW_UP = "surveys.follow_up"


def template(*, db: Session, org_id: int, kind: str, locale: str) -> tuple[str, str]:
    """The organization's wording of a message, or the default."""
    if (kind, locale) not in templates.DEFAULTS:
        raise NotFound()
    row = db.scalar(
        select(MessageTemplate).where(
            MessageTemplate.org_id == org_id, MessageTemplate.kind == kind, MessageTemplate.locale == locale
        )
    )
    return (row.subject, row.body) if row else templates.DEFAULTS[(kind, locale)]


def set_template(
    *, db: Session, org_id: int, actor: Actor, kind: str, locale: str, subject: str, body: str
) -> None:
    if (kind, locale) not in templates.DEFAULTS:
        raise NotFound()
    errors = templates.check(subject, body)
    if errors:
        raise InvalidInput(fields=errors)
    row = db.scalar(
        select(MessageTemplate).where(
            MessageTemplate.org_id == org_id, MessageTemplate.kind == kind, MessageTemplate.locale == locale
        )
    )
    before = template(db=db, org_id=org_id, kind=kind, locale=locale)
    if row is None:
        db.add(MessageTemplate(org_id=org_id, kind=kind, locale=locale, subject=subject, body=body))
    else:
        row.subject, row.body, row.updated_at = subject, body, utcnow()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="message_template",
        entity_id=None,
        before={"kind": kind, "locale": locale, "subject": before[0], "body": before[1]},
        after={"kind": kind, "locale": locale, "subject": subject, "body": body},
    )


def reply(*, db: Session, org_id: int, actor: Actor, feedback_id: int, text: str) -> Feedback:
    """Answer the customer: the reply shows on the tracking page and goes out by email (through
    the outbox) when the customer left an address; it meets the response commitment."""
    record = _get(db, org_id, feedback_id)
    event = FeedbackEvent(
        org_id=org_id,
        feedback_id=record.id,
        kind="reply",
        actor=actor.label,
        public=True,
        data={"text": text},
    )
    db.add(event)
    db.flush()
    clocks.responded(db=db, record=record)
    jobs.enqueue(db=db, org_id=org_id, task=REPLY, payload={"feedback_id": record.id, "event_id": event.id})
    return record


def adopt(
    *, db: Session, org_id: int, actor: Actor, feedback_id: int, points: int, note: str = ""
) -> Feedback:
    """A suggestion is adopted: the case records it with the loyalty points its customer is
    rewarded with, on the timeline and on the tracking page; once per case."""
    record = _get(db, org_id, feedback_id)
    if record.type != "suggestion":
        raise invalid("type", "only a suggestion can be adopted")
    if not 0 <= points <= MAX_POINTS:
        raise invalid("points", f"a whole number from 0 to {MAX_POINTS}")
    done = db.scalar(
        select(FeedbackEvent.id).where(
            FeedbackEvent.feedback_id == record.id, FeedbackEvent.kind == "adopted"
        )
    )
    if done is not None:
        raise Conflict(
            "This suggestion was adopted already.", fields=[field_error("type", "adopted already")]
        )
    feedback.add_event(
        db=db,
        org_id=org_id,
        feedback_id=record.id,
        kind="adopted",
        actor=actor,
        public=True,
        data={"points": points, "text": note},
    )
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="feedback",
        entity_id=record.id,
        before={},
        after={"adopted": True, "points": points},
    )
    return record


def customer_action(*, db: Session, tracking_code: str, action: str) -> Feedback:
    """The customer confirms a resolution or reopens the case from the tracking page."""
    record = feedback.get_by_tracking_code(db=db, tracking_code=tracking_code)
    if record is None:
        raise NotFound()
    if action not in workflow.CUSTOMER_ACTIONS:
        raise NotFound()
    allowed_from, to = workflow.CUSTOMER_ACTIONS[action]
    if record.status not in allowed_from:
        raise Conflict(
            "This status change is not allowed.",
            fields=[
                field_error(
                    "action", f"{action} is possible only when the case is {' or '.join(allowed_from)}"
                )
            ],
        )
    return _move(db, record, CUSTOMER, to, None)


CUSTOMER = Actor(label="customer")


def customer_message(
    *, db: Session, record: Feedback, text: str, via: str, data: dict[str, Any] | None = None
) -> None:
    """The customer adds information (by email or on the tracking page): it joins the
    conversation, a next response is owed, the owner is told, and a case waiting for this
    answer resumes (its clock runs again from where it paused) or a finished one reopens."""
    event = FeedbackEvent(
        org_id=record.org_id,
        feedback_id=record.id,
        kind="customer_message",
        actor=CUSTOMER.label,
        public=True,
        data={"text": text, "via": via, **(data or {})},
    )
    db.add(event)
    db.flush()
    before = record.status
    if before in (workflow.WAITING, workflow.RESOLVED, workflow.CLOSED):
        _move(db, record, CUSTOMER, workflow.IN_PROGRESS, None)
    clocks.customer_wrote(db=db, record=record)
    jobs.enqueue(
        db=db,
        org_id=record.org_id,
        task=CUSTOMER_WROTE,
        payload={"feedback_id": record.id, "event_id": event.id, "from": before},
    )
