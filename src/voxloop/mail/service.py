"""Email intake: each message becomes new feedback, or a message on the case it answers.
Automatic mail (auto-replies, bounces) is logged and never answered."""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.service import Actor
from voxloop.cases import service as cases
from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.customers.service import Contact
from voxloop.db import writing
from voxloop.errors import VoxloopError
from voxloop.feedback import attachments, flows
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.mail import parse
from voxloop.mail.models import InboundMail
from voxloop.surveys import invitations

CODE = r"[0-9A-HJKMNP-TV-Z]{12}"
SUBJECT_CODE = re.compile(rf"(?<![0-9A-Z])({CODE})(?![0-9A-Z])")
REF_CODE = re.compile(rf"-({CODE})@voxloop>$")


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reason: str = ""
    feedback_id: int | None = None


def org_for(db: Session, recipients: list[str]) -> Organization | None:
    """`<slug>@…` or `…+<slug>@…`: the organization a message was sent to."""
    for address in recipients:
        local = address.split("@", 1)[0]
        slug = local.split("+", 1)[1] if "+" in local else local
        org = db.scalar(select(Organization).where(Organization.slug == slug))
        if org is not None:
            return org
    return None


def take(db: Session, org: Organization, raw: bytes) -> Outcome:
    """Take one raw message for `org`; durable when this returns. Safe to call twice."""
    settings = get_settings()
    try:
        mail = parse.parse(raw, max_bytes=settings.mail_max_bytes)
    except parse.Rejected as exc:
        return _log(db, org, _fallback_id(raw), "", "", Outcome("rejected", exc.reason))
    seen = db.scalar(
        select(InboundMail).where(InboundMail.org_id == org.id, InboundMail.message_id == mail.message_id)
    )
    if seen is not None:
        return Outcome(seen.outcome, seen.reason, seen.feedback_id)
    refused = _automatic(db, org, mail) or _flood(db, org, mail, settings.mail_per_sender_per_hour)
    if refused is not None:
        return _log(db, org, mail.message_id, mail.sender, mail.subject, refused)
    record = thread_of(db, org.id, mail)
    blobs, dropped = _blobs(mail)
    room = feedback.attachment_room(db=db, org_id=org.id)
    if blobs and room is not None and sum(len(b.data) for b in blobs) > room:
        # The message is still taken; its files would pass the organization's quota.
        quota = settings.attachment_quota_mb
        dropped += [f"{b.filename}: the organization's {quota} MB attachment quota is full" for b in blobs]
        blobs = []
    if record is not None:
        text = parse.strip_quoted(mail.text) or mail.subject or "(empty message)"
        with writing(db):
            cases.customer_message(
                db=db,
                record=record,
                text=text,
                via="email",
                data={"from": mail.sender, "attachments": [b.filename for b in blobs], "dropped": dropped},
            )
            feedback.add_attachments(db=db, record=record, blobs=blobs)
            out = Outcome("message", "; ".join(dropped), record.id)
            db.add(_row(org, mail.message_id, mail.sender, mail.subject, out))
        return out
    description = "\n\n".join(x for x in (mail.subject, mail.text) if x)
    if not description.strip():
        return _log(db, org, mail.message_id, mail.sender, mail.subject, Outcome("rejected", "no text"))
    draft = feedback.Draft(
        channel="email",
        description=description,
        received_at=utcnow(),
        contact=Contact(name=mail.sender_name, email=mail.sender),
        external_ref=mail.message_id,
        blobs=blobs,
    )
    holder: list[Outcome] = []

    def log(db: Session, created: list[feedback.Created]) -> None:
        holder.append(Outcome("feedback", "; ".join(dropped), created[0].id))
        db.add(_row(org, mail.message_id, mail.sender, mail.subject, holder[0]))

    flows.receive(db=db, org=org, actor=Actor(label=f"email:{mail.sender}"), drafts=[draft], also=log)
    return holder[0]


def _automatic(db: Session, org: Organization, mail: parse.Inbound) -> Outcome | None:
    """Ignored: a message a machine sent; a bounce marks the survey invitation undelivered."""
    if not mail.automatic:
        return None
    if mail.bounced:  # a survey invitation that could not be delivered
        with writing(db):
            invitations.bounced(db=db, org_id=org.id, addresses=mail.bounced)
    return Outcome("ignored", mail.automatic)


def _flood(db: Session, org: Organization, mail: parse.Inbound, limit: int) -> Outcome | None:
    """Rejected: a flood from one address is not feedback."""
    recent = db.scalar(
        select(func.count()).where(
            InboundMail.org_id == org.id,
            InboundMail.sender == mail.sender,
            InboundMail.received_at >= utcnow() - timedelta(hours=1),
        )
    )
    if recent is None or recent < limit:
        return None
    return Outcome("rejected", f"more than {limit} messages from this sender in an hour")


def thread_of(db: Session, org_id: int, mail: parse.Inbound) -> Feedback | None:
    """The case a message answers: a tracking code in the subject, or one of our Message-IDs
    in In-Reply-To / References."""
    codes = [m.group(1) for ref in mail.references if (m := REF_CODE.search(ref))]
    codes += SUBJECT_CODE.findall(mail.subject.upper())
    for code in codes:
        record = feedback.get_by_tracking_code(db=db, tracking_code=code)
        if record is not None and record.org_id == org_id:
            return record
    return None


def _blobs(mail: parse.Inbound) -> tuple[list[attachments.Blob], list[str]]:
    """Attachments Voxloop keeps, and why the others were dropped (too large, wrong type,
    too many): the message itself is still taken."""
    kept: list[attachments.Blob] = []
    dropped: list[str] = []
    limit = get_settings().max_attachments
    for a in mail.attachments:
        if len(kept) >= limit:
            dropped.append(f"{a.filename}: more than {limit} attachments")
            continue
        try:
            kept.append(attachments.check(a.filename, a.content_type, a.data, "attachments"))
        except VoxloopError as exc:
            reasons = ", ".join(f["reason"] for f in exc.fields) or exc.message
            dropped.append(f"{a.filename}: {reasons}")
    return kept, dropped


def _row(org: Organization, message_id: str, sender: str, subject: str, out: Outcome) -> InboundMail:
    return InboundMail(
        org_id=org.id,
        message_id=message_id,
        sender=sender,
        subject=subject,
        outcome=out.outcome,
        reason=out.reason[:300],
        feedback_id=out.feedback_id,
    )


def _log(db: Session, org: Organization, message_id: str, sender: str, subject: str, out: Outcome) -> Outcome:
    with writing(db):
        exists = db.scalar(
            select(InboundMail.id).where(InboundMail.org_id == org.id, InboundMail.message_id == message_id)
        )
        if exists is None:
            db.add(_row(org, message_id, sender, subject, out))
    return out


def _fallback_id(raw: bytes) -> str:
    return f"<rejected-{hashlib.sha256(raw).hexdigest()[:32]}@voxloop>"
