"""Writes for case work: status transitions and internal notes, each on the timeline."""

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import User
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.cases import templates, workflow
from voxloop.cases.models import MessageTemplate, ReplyTemplate
from voxloop.cases.schemas import MAX_POINTS, REPLY_NAME_MAX, REPLY_TEXT_MAX
from voxloop.commitments import clocks
from voxloop.common.text_checks import control_character_reason
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


def merged_already(record: Feedback) -> bool:
    """Whether the record is a duplicate closed by a merge into another case."""
    return record.status == workflow.CLOSED and record.flag == "duplicate"


def merge(*, db: Session, org_id: int, actor: Actor, feedback_id: int, into: int) -> Feedback:
    """Merge a duplicate into the case that carries on: the duplicate is closed and flagged,
    its text joins the other case's timeline, and its customer's tracking page points there."""
    if feedback_id == into:
        raise invalid("into", "a case cannot be merged into itself")
    source = _get(db, org_id, feedback_id)
    target = feedback.get(db=db, org_id=org_id, feedback_id=into)
    if target is None:
        raise invalid("into", "no such case in this organization")
    if merged_already(source):
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


# Reply templates: canned replies an agent starts from on the record page

REPLY_TEMPLATE_FIELDS = ("name", "text_zh", "text_en")


def list_reply_templates(*, db: Session, org_id: int) -> list[ReplyTemplate]:
    return list(
        db.scalars(select(ReplyTemplate).where(ReplyTemplate.org_id == org_id).order_by(ReplyTemplate.name))
    )


def get_reply_template(*, db: Session, org_id: int, template_id: int) -> ReplyTemplate:
    """The organization's template; another organization's is not found."""
    row = db.scalar(
        select(ReplyTemplate).where(ReplyTemplate.org_id == org_id, ReplyTemplate.id == template_id)
    )
    if row is None:
        raise NotFound()
    return row


def _checked_reply_template(
    db: Session, org_id: int, values: dict[str, str], template_id: int | None
) -> dict[str, str]:
    """The name and texts cleaned, or InvalidInput naming every field that is wrong."""
    out = {key: str(values.get(key) or "").replace("\r\n", "\n").strip() for key in REPLY_TEMPLATE_FIELDS}
    errors = []
    for key, limit in (("name", REPLY_NAME_MAX), ("text_zh", REPLY_TEXT_MAX), ("text_en", REPLY_TEXT_MAX)):
        reason = control_character_reason(out[key])
        if reason:
            errors.append(field_error(key, reason))
        elif len(out[key]) > limit:
            errors.append(field_error(key, f"is longer than {limit} characters"))
    if not out["name"]:
        errors.append(field_error("name", "is required"))
    elif db.scalar(
        select(ReplyTemplate.id).where(
            ReplyTemplate.org_id == org_id,
            ReplyTemplate.name == out["name"],
            ReplyTemplate.id != (template_id or 0),
        )
    ):
        errors.append(field_error("name", "is taken by another template"))
    if not out["text_zh"] and not out["text_en"]:
        errors += [
            field_error(key, "write the Chinese or the English text") for key in ("text_zh", "text_en")
        ]
    if errors:
        raise InvalidInput(fields=errors)
    return out


def create_reply_template(
    *, db: Session, org_id: int, actor: Actor, name: str, text_zh: str = "", text_en: str = ""
) -> ReplyTemplate:
    """The caller commits."""
    values = _checked_reply_template(db, org_id, {"name": name, "text_zh": text_zh, "text_en": text_en}, None)
    row = ReplyTemplate(org_id=org_id, **values)
    db.add(row)
    db.flush()
    audit.record(
        db=db, org_id=org_id, actor=actor, action="create", entity="reply_template", entity_id=row.id,
        after=audit.snapshot(row, REPLY_TEMPLATE_FIELDS),
    )  # fmt: skip
    return row


def update_reply_template(
    *, db: Session, org_id: int, actor: Actor, template_id: int, changes: dict[str, str]
) -> ReplyTemplate:
    """Changes the fields given; the others stay. The caller commits."""
    row = get_reply_template(db=db, org_id=org_id, template_id=template_id)
    before = audit.snapshot(row, REPLY_TEMPLATE_FIELDS)
    values = _checked_reply_template(db, org_id, {**before, **changes}, row.id)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    audit.record(
        db=db, org_id=org_id, actor=actor, action="update", entity="reply_template", entity_id=row.id,
        before=before, after=audit.snapshot(row, REPLY_TEMPLATE_FIELDS),
    )  # fmt: skip
    return row


def delete_reply_template(*, db: Session, org_id: int, actor: Actor, template_id: int) -> None:
    """The caller commits."""
    row = get_reply_template(db=db, org_id=org_id, template_id=template_id)
    audit.record(
        db=db, org_id=org_id, actor=actor, action="delete", entity="reply_template", entity_id=row.id,
        before=audit.snapshot(row, REPLY_TEMPLATE_FIELDS),
    )  # fmt: skip
    db.delete(row)


def fill_reply(template: ReplyTemplate, *, language: str, name: str, code: str) -> str:
    """The template's text in the customer's language ("zh": Chinese, else English; the other
    where that one is empty) with `{name}` and `{code}` filled in."""
    first, second = (
        (template.text_zh, template.text_en) if language == "zh" else (template.text_en, template.text_zh)
    )
    return (first or second).replace("{name}", name).replace("{code}", code)


def reply_choices(*, db: Session, record: Feedback, customer_name: str) -> list[tuple[ReplyTemplate, str]]:
    """The organization's templates, each with its text filled in for this record."""
    return [
        (t, fill_reply(t, language=record.language, name=customer_name, code=record.tracking_code))
        for t in list_reply_templates(db=db, org_id=record.org_id)
    ]
