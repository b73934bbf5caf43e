"""The customer directory (CRM-lite): profiles with everything a customer told us, segments,
consent, lookup by the CRM's id, merging duplicates, and the customer's rights — an export of
everything in one archive, and erasure that keeps the aggregates.

Erasure anonymises: the customer's contact details go, their feedback and survey answers lose
the link to them and their free text (replaced by "[erased]"), while type, category,
sentiment, scores and dates stay, so counts, rates and indicators do not change.
"""

import io
import json
import zipfile
from collections import defaultdict
from datetime import datetime
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import ColumnElement, String, cast, func, or_, select, update
from sqlalchemy.orm import Session

from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.common.time import utcnow
from voxloop.customers import erasure
from voxloop.customers.erasure import ERASED
from voxloop.customers.models import Customer
from voxloop.customers.schemas import CustomerUpdate
from voxloop.errors import Conflict, Gone, NotFound, invalid, row_problems
from voxloop.feedback import attachments
from voxloop.feedback.models import Attachment, Feedback, FeedbackEvent
from voxloop.jobs import service as jobs
from voxloop.surveys import definition as d
from voxloop.surveys import optouts
from voxloop.surveys.models import Invitation, Response, Survey
from voxloop.triage.models import TriageLabel

ERASE_ANALYTICS = "customers.erase_analytics"
EDITABLE = ("name", "email", "phone", "locale", "segment", "external_id", "tags", "value_tier", "region",
            "contact_email", "contact_phone")  # fmt: skip


def get(*, db: Session, org_id: int, customer_id: int) -> Customer:
    customer = db.scalar(select(Customer).where(Customer.org_id == org_id, Customer.id == customer_id))
    if customer is None:
        raise NotFound()
    return customer


def lookup(
    *,
    db: Session,
    org_id: int,
    external_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    q: str | None = None,
    limit: int = 50,
) -> list[Customer]:
    """Customers by the CRM's id, by email or phone, or by a piece of name/email/phone."""
    stmt = select(Customer).where(Customer.org_id == org_id)
    if external_id:
        stmt = stmt.where(Customer.external_id == external_id)
    if email:
        stmt = stmt.where(Customer.email == email.lower())
    if phone:
        stmt = stmt.where(Customer.phone == phone)
    if q:
        stmt = stmt.where(_holding(q, Customer.name, Customer.email, Customer.phone))
    return list(db.scalars(stmt.order_by(Customer.id.desc()).limit(limit)))


def _holding(q: str, *columns: Any) -> ColumnElement[bool]:
    """Any of `columns` holds `q`, in any case; % and _ are the customer's own characters, not
    LIKE wildcards."""
    needle = q.strip().lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


def search(
    *,
    db: Session,
    org_id: int,
    q: str | None = None,
    tag: str | None = None,
    value_tier: str | None = None,
    region: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Customer], int]:
    """A page of the directory, newest first, and how many customers match: `q` is a piece of
    a name, email, phone or the CRM's id; a tag, a value tier and a region narrow it down."""
    stmt = select(Customer).where(Customer.org_id == org_id)
    if q:
        stmt = stmt.where(_holding(q, Customer.name, Customer.email, Customer.phone, Customer.external_id))
    if tag:
        # Tags are a JSON array; its text holds each tag JSON-encoded, quotes included, on both
        # databases (the same serializer writes it), so this matches whole tags only.
        stmt = stmt.where(cast(Customer.tags, String).contains(json.dumps(tag.strip()), autoescape=True))
    if value_tier:
        stmt = stmt.where(Customer.value_tier == value_tier)
    if region:
        stmt = stmt.where(Customer.region == region)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(Customer.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def segments(*, db: Session, org_id: int) -> dict[str, list[str]]:
    """The value tiers and regions in use, for choosing among them."""
    out: dict[str, list[str]] = {}
    for name, column in (("value_tier", Customer.value_tier), ("region", Customer.region)):
        values = db.scalars(
            select(column).where(Customer.org_id == org_id, column.is_not(None)).distinct().order_by(column)
        )
        out[name] = [v for v in values if v]
    return out


def parse_tags(value: str) -> list[str]:
    """Tags written in one cell or field: separated by commas (also Chinese ones) or semicolons."""
    return sorted({t.strip() for t in value.replace("，", ",").replace(";", ",").split(",") if t.strip()})


def profile(*, db: Session, org_id: int, customer_id: int) -> dict[str, Any]:
    """A customer with all their feedback (and its cases), survey responses, and satisfaction
    over time (their NPS, CSAT and CES answers by month)."""
    customer = get(db=db, org_id=org_id, customer_id=customer_id)
    records = list(
        db.scalars(
            select(Feedback)
            .where(Feedback.org_id == org_id, Feedback.customer_id == customer.id)
            .order_by(Feedback.received_at.desc())
        )
    )
    responses = list(
        db.scalars(
            select(Response)
            .where(
                Response.org_id == org_id, Response.customer_id == customer.id, Response.completed.is_(True)
            )
            .order_by(Response.submitted_at.desc())
        )
    )
    return {
        "customer": customer,
        "feedback": records,
        "responses": responses,
        "satisfaction": _satisfaction(db, responses),
    }


def _satisfaction(db: Session, responses: list[Response]) -> list[dict[str, Any]]:
    kinds = _score_questions(db, {r.survey_id for r in responses})
    by_month: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in responses:
        month = r.submitted_at.strftime("%Y-%m")
        for question, kind in kinds.get(r.survey_id, {}).items():
            value = r.answers.get(question)
            if isinstance(value, int | float) and not isinstance(value, bool):
                by_month[month][kind].append(float(value))
    return [
        {"month": month, **{kind: round(sum(v) / len(v), 2) for kind, v in scores.items()}}
        for month, scores in sorted(by_month.items())
    ]


def _score_questions(db: Session, survey_ids: set[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for survey in db.scalars(select(Survey).where(Survey.id.in_(survey_ids))):
        out[survey.id] = {
            q["id"]: q["type"] for q in d.questions(survey.definition) if q["type"] in ("nps", "csat", "ces")
        }
    return out


def update_customer(
    *, db: Session, org_id: int, actor: Actor, customer_id: int, changes: dict[str, Any]
) -> Customer:
    customer = get(db=db, org_id=org_id, customer_id=customer_id)
    if customer.erased_at is not None:
        raise Conflict("This customer was erased.")
    for key in changes:
        if key not in EDITABLE:
            raise invalid(key, "cannot be changed")
        if changes[key] is None and key in ("name", "contact_email", "contact_phone"):
            raise invalid(key, "cannot be cleared; give a value")
    if changes.get("external_id"):
        other = db.scalar(
            select(Customer.id).where(
                Customer.org_id == org_id,
                Customer.external_id == changes["external_id"],
                Customer.id != customer.id,
            )
        )
        if other is not None:
            raise invalid("external_id", f"belongs to customer {other} already; merge the two instead")
    if changes.get("email"):
        changes["email"] = changes["email"].lower()
    before = {k: getattr(customer, k) for k in changes}
    for key, value in changes.items():
        setattr(customer, key, value)
    audit.record(db=db, org_id=org_id, actor=actor, action="update", entity="customer", entity_id=customer.id,
                 before=before, after=changes)  # fmt: skip
    return customer


def merge(*, db: Session, org_id: int, actor: Actor, into_id: int, from_id: int) -> Customer:
    """Fold a duplicate into a customer: its feedback, responses and invitations move over,
    missing details and tags are taken from it, and the duplicate is deleted. The caller commits."""
    if into_id == from_id:
        raise invalid("from_id", "is the same customer")
    keep = get(db=db, org_id=org_id, customer_id=into_id)
    gone = get(db=db, org_id=org_id, customer_id=from_id)
    for table in (Feedback, Response, Invitation):
        db.execute(
            update(table)
            .where(table.org_id == org_id, table.customer_id == gone.id)
            .values(customer_id=keep.id)
        )
    taken = {
        key: getattr(gone, key)
        for key in ("name", "email", "phone", "locale", "segment", "external_id", "value_tier", "region")
        if not getattr(keep, key) and getattr(gone, key)
    }
    gone.external_id = None  # unique per organization: the duplicate lets go first
    db.flush()
    for key, value in taken.items():
        setattr(keep, key, value)
    keep.tags = sorted(set(keep.tags or []) | set(gone.tags or [])) or None
    keep.contact_email = keep.contact_email and gone.contact_email  # the stricter choice wins
    keep.contact_phone = keep.contact_phone and gone.contact_phone
    db.flush()
    audit.record(db=db, org_id=org_id, actor=actor, action="merge", entity="customer", entity_id=keep.id,
                 before={"merged": gone.id}, after={"into": keep.id})  # fmt: skip
    db.delete(gone)
    return keep


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _row(obj: Any, columns: list[str]) -> dict[str, Any]:
    return {c: _jsonable(getattr(obj, c)) for c in columns}


def export_archive(*, db: Session, org_id: int, customer_id: int) -> bytes:
    """Everything about one customer in a ZIP: profile, feedback with its timeline, survey
    responses and invitations (JSON), and the files they attached."""
    data = profile(db=db, org_id=org_id, customer_id=customer_id)
    customer = data["customer"]
    if customer.erased_at is not None:  # nothing of theirs is left to give: no empty archive
        raise Gone("This customer was erased.")
    buffer = io.BytesIO()
    customer_columns = [*EDITABLE, "id", "created_at"]
    feedback_columns = [
        "id", "tracking_code", "received_at", "channel", "status", "touchpoint", "product", "branch",
        "description", "customer_request", "type", "category", "resolved_at",
    ]  # fmt: skip
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "customer.json", json.dumps(_row(customer, customer_columns), ensure_ascii=False, indent=2)
        )
        records = []
        for record in data["feedback"]:
            events = db.scalars(
                select(FeedbackEvent).where(FeedbackEvent.feedback_id == record.id).order_by(FeedbackEvent.id)
            )
            records.append(
                {
                    **_row(record, feedback_columns),
                    "timeline": [
                        {"at": _jsonable(e.at), "kind": e.kind, "data": e.data} for e in events if e.public
                    ],
                    "attachments": [a.filename for a in record.attachments],
                }
            )
            for a in record.attachments:
                path = attachments.path_for(a.sha256)
                if path.is_file():
                    archive.write(path, f"attachments/{record.tracking_code}/{a.id}-{a.filename}")
        archive.writestr("feedback.json", json.dumps(records, ensure_ascii=False, indent=2))
        responses = [
            _row(r, ["id", "survey_id", "submitted_at", "language", "answers"]) for r in data["responses"]
        ]
        archive.writestr("survey_responses.json", json.dumps(responses, ensure_ascii=False, indent=2))
        invitations = db.scalars(
            select(Invitation).where(Invitation.org_id == org_id, Invitation.customer_id == customer.id)
        )
        archive.writestr(
            "survey_invitations.json",
            json.dumps(
                [_row(i, ["survey_id", "email", "status", "sent_at"]) for i in invitations],
                ensure_ascii=False,
                indent=2,
            ),
        )
    return buffer.getvalue()


def erase(*, db: Session, org_id: int, actor: Actor, customer_id: int) -> dict[str, int]:
    """Anonymise a customer everywhere (see the module's docstring and `erasure`); their files,
    caught mail and the analytics store follow through the outbox. The caller commits."""
    customer = get(db=db, org_id=org_id, customer_id=customer_id)
    found = erasure.traces(db=db, customer=customer)
    feedback_ids = list(
        db.scalars(select(Feedback.id).where(Feedback.org_id == org_id, Feedback.customer_id == customer.id))
    )
    invitation_ids = list(
        db.scalars(
            select(Invitation.id).where(Invitation.org_id == org_id, Invitation.customer_id == customer.id)
        )
    )
    responses = list(
        db.scalars(
            select(Response).where(
                Response.org_id == org_id,
                or_(Response.customer_id == customer.id, Response.invitation_id.in_(invitation_ids)),
            )
        )
    )
    files: list[str] = []
    if feedback_ids:
        db.execute(
            update(Feedback)
            .where(Feedback.id.in_(feedback_ids))
            .values(
                customer_id=None, description=ERASED, customer_request=None, search_text="", external_ref=None
            )
        )
        db.execute(
            update(FeedbackEvent)
            .where(
                FeedbackEvent.feedback_id.in_(feedback_ids),
                FeedbackEvent.kind.in_(("reply", "customer_message", "note", "thanked")),
            )
            .values(data={"text": ERASED})
        )
        # a correction keeps the text it corrected, to learn from: not theirs any more
        db.execute(update(TriageLabel).where(TriageLabel.feedback_id.in_(feedback_ids)).values(text=ERASED))
        files = _drop_attachments(db, feedback_ids)
    open_questions = {
        s.id: d.free_text(s.definition)
        for s in db.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in responses})))
    }
    for r in responses:
        asked = open_questions.get(r.survey_id, set())
        r.answers = {k: (ERASED if k in asked else v) for k, v in r.answers.items()}
        r.customer_id, r.fingerprint, r.hidden = None, None, {}
    if invitation_ids:
        invited = update(Invitation).where(Invitation.id.in_(invitation_ids))
        db.execute(invited.values(customer_id=None, email=ERASED, hidden={}))
    if customer.email:
        optouts.add(db=db, org_id=org_id, email=customer.email)  # never surveyed again, even if re-added
    addresses = sorted(optouts.key(e) for e in found.distinct if "@" in e)
    customer.name, customer.email, customer.phone, customer.external_id = "", None, None, None
    customer.tags, customer.value_tier, customer.region, customer.segment = None, None, None, None
    customer.contact_email = customer.contact_phone = False
    customer.erased_at = utcnow()
    db.flush()
    links = erasure.Links(customer.id, feedback_ids, invitation_ids, [r.id for r in responses])
    erasure.erase_copies(db=db, org_id=org_id, found=found, links=links)
    audit.record(db=db, org_id=org_id, actor=actor, action="erase", entity="customer", entity_id=customer.id,
                 before=None, after={"feedback": len(feedback_ids), "responses": len(responses)})  # fmt: skip
    jobs.enqueue(
        db=db,
        org_id=org_id,
        task=ERASE_ANALYTICS,
        payload={
            "customer_id": customer.id,
            "feedback_ids": feedback_ids,
            "files": files,
            "addresses": addresses,
        },
    )
    return {"feedback": len(feedback_ids), "responses": len(responses)}


def _drop_attachments(db: Session, feedback_ids: list[int]) -> list[str]:
    """Delete the records' attachments; the files no other record shares, to delete once this
    commits."""
    rows = list(db.scalars(select(Attachment).where(Attachment.feedback_id.in_(feedback_ids))))
    for a in rows:
        db.delete(a)
    db.flush()
    digests = {a.sha256 for a in rows}
    return sorted(digests - set(db.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(digests)))))


IMPORTABLE = ("external_id", "name", "email", "phone", "locale", "segment", "tags", "value_tier", "region",
              "contact_email", "contact_phone")  # fmt: skip
_YES = {"1", "true", "yes", "y", "是", "同意", "t"}
_NO = {"0", "false", "no", "n", "否", "不同意", "f"}


def _cell(field: str, value: str) -> Any:
    if field == "tags":
        return parse_tags(value)
    if field in ("contact_email", "contact_phone"):
        if value.lower() in _YES:
            return True
        if value.lower() in _NO:
            return False
        return value  # the schema names the field and the reason
    return value


def import_customers(*, db: Session, org_id: int, actor: Actor, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Create or update customers from a CRM export: matched by external id, else email, else
    phone. Returns counts and the problems per row (spreadsheet row numbers). The caller commits."""
    counts: dict[str, Any] = {"created": 0, "updated": 0, "failed": 0, "problems": []}
    for number, raw in enumerate(rows, start=2):
        values = {k: _cell(k, v.strip()) for k, v in raw.items() if k in IMPORTABLE and v and v.strip()}
        try:
            data = CustomerUpdate.model_validate(values).model_dump(exclude_unset=True)
        except ValidationError as exc:
            counts["failed"] += 1
            counts["problems"] += row_problems(exc, number)
            continue
        if data.get("email"):
            data["email"] = data["email"].lower()
        existing = None
        for key in ("external_id", "email", "phone"):
            if data.get(key):
                existing = db.scalar(
                    select(Customer).where(Customer.org_id == org_id, getattr(Customer, key) == data[key])
                )
                if existing is not None:
                    break
        if existing is None:
            if not (data.get("email") or data.get("phone") or data.get("external_id")):
                counts["failed"] += 1
                counts["problems"].append(
                    {"row": number, "field": "row", "reason": "needs an external id, email or phone"}
                )
                continue
            db.add(Customer(org_id=org_id, **data))
            counts["created"] += 1
        else:
            for key, value in data.items():
                setattr(existing, key, value)
            counts["updated"] += 1
        db.flush()
    audit.record(db=db, org_id=org_id, actor=actor, action="import", entity="customer", entity_id=None,
                 after={k: v for k, v in counts.items() if k != "problems"})  # fmt: skip
    return counts


def import_table(*, db: Session, org_id: int, actor: Actor, frame: pd.DataFrame) -> dict[str, Any]:
    """import_customers over an uploaded table, every cell read as text. The caller commits."""
    rows = [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]
    return import_customers(db=db, org_id=org_id, actor=actor, rows=rows)
