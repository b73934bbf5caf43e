"""Queries and writes for feedback records: bulk creation, lookup, listing and search."""

import builtins
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from voxloop.accounts.models import Branch, Organization
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.common import cache
from voxloop.common.pagination import decode_cursor, encode_cursor
from voxloop.common.text_checks import clean_text
from voxloop.common.time import as_utc, utcnow
from voxloop.common.types import whole_number
from voxloop.config import get_settings
from voxloop.customers import erasure
from voxloop.customers import service as customers
from voxloop.customers.models import Customer
from voxloop.db import on_commit
from voxloop.errors import (
    AttachmentQuotaExceeded,
    FormBytesExceeded,
    InvalidInput,
    NotFound,
    field_error,
    invalid,
    invalid_model,
)
from voxloop.feedback import attachments
from voxloop.feedback.models import (
    STATUSES,
    Attachment,
    Channel,
    Feedback,
    FeedbackEvent,
    FormUploadDay,
    SavedView,
)
from voxloop.feedback.schemas import InboxQuery
from voxloop.privacy import service as privacy
from voxloop.surveys import definition as survey_definition
from voxloop.surveys import quality
from voxloop.surveys.models import Response, Survey
from voxloop.text import pii
from voxloop.text.language import detect_language
from voxloop.text.tokenize import index_text, query_terms

MIB = 1024 * 1024

# Crockford's base32 without look-alikes: codes are read aloud on the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_tracking_code() -> str:
    """12 characters, 60 random bits, from one read of the system's random source."""
    n = int.from_bytes(secrets.token_bytes(8)) >> 4
    return "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in range(12))


@dataclass
class Draft:
    """One validated piece of feedback, ready to be written."""

    channel: str
    description: str
    received_at: datetime
    contact: customers.Contact | None = None
    customer_request: str | None = None
    touchpoint: str | None = None
    product: str | None = None
    branch: str | None = None
    language: str | None = None
    external_ref: str | None = None
    blobs: list[attachments.Blob] = field(default_factory=list)
    survey_response_id: int | None = None  # a follow-up case: the survey answer that opened it
    # The record's own columns, worked out where the draft is made (a request thread), so the
    # writer, which holds the database lock, only inserts.
    row: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        text = f"{self.description} {self.customer_request or ''}"
        self.row = {
            "tracking_code": new_tracking_code(),
            "channel": self.channel,
            "description": self.description,
            "received_at": as_utc(self.received_at),
            "customer_request": self.customer_request or None,
            "touchpoint": self.touchpoint or None,
            "product": self.product or None,
            "branch": self.branch or None,
            "language": self.language or detect_language(text),
            "external_ref": self.external_ref,
            "survey_response_id": self.survey_response_id,
            "search_text": index_text(
                self.description, self.customer_request, self.touchpoint, self.product, self.branch
            ),
        }

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its columns (an import's drafts come back from the processes that made
        them): the values in a tuple, the keys shared by a batch's drafts, nothing recomputed.
        Five times less work than pickling the object as it is."""
        keys = tuple(self.row)
        c = self.contact
        contact = (c.name, c.email, c.phone, c.locale) if c else None
        return _restore, (_KEYS.setdefault(keys, keys), tuple(self.row.values()), contact, self.blobs)


_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {}  # one object per set of keys: pickled once


def _restore(
    keys: tuple[str, ...], values: tuple[Any, ...], contact: tuple[Any, ...] | None, blobs: builtins.list[Any]
) -> Draft:
    row = dict(zip(keys, values, strict=True))
    draft = object.__new__(Draft)
    draft.__dict__.update({name: row[name] for name in DRAFT_FIELDS}, blobs=blobs, row=row)
    draft.contact = customers.Contact(*contact) if contact else None
    return draft


DRAFT_FIELDS = (
    "channel", "description", "received_at", "customer_request", "touchpoint", "product", "branch",
    "language", "external_ref", "survey_response_id",
)  # fmt: skip


@dataclass(frozen=True)
class Created:
    id: int
    tracking_code: str
    has_email: bool
    row: dict[str, Any] = field(repr=False)
    attachment_rows: list[dict[str, Any]] = field(repr=False)

    def record(self) -> Feedback:
        """The values just written, as an object attached to no session: answering with it
        saves reading the record back."""
        record = Feedback(**self.row, id=self.id)
        record.attachments = [Attachment(**a) for a in self.attachment_rows]
        return record


def active_channels(*, db: Session, org_id: int) -> dict[str, Channel]:
    def load() -> dict[str, Channel]:
        rows = db.scalars(select(Channel).where(Channel.org_id == org_id, Channel.is_active.is_(True)))
        return {c.code: c for c in rows}

    return cache.channels.get_or_load(org_id, load)


def check_channel(channel: str, channels: dict[str, Channel], field_name: str = "channel") -> None:
    if channel not in channels:
        raise invalid(
            field_name, f"unknown or inactive channel {channel!r}; active: {', '.join(sorted(channels))}"
        )


def attachment_room(*, db: Session, org_id: int) -> int | None:
    """Attachment bytes the organization may still keep (None: no quota), counted from the
    attachments themselves, so records erased or expired give their room back."""
    quota_mb = get_settings().attachment_quota_mb
    if quota_mb <= 0:
        return None
    used = db.scalar(select(func.coalesce(func.sum(Attachment.size), 0)).where(Attachment.org_id == org_id))
    return quota_mb * MIB - int(used or 0)


def check_attachment_quota(*, db: Session, org_id: int, adding: int) -> None:
    """Refuse (413) `adding` bytes of attachments that would pass the organization's quota.

    Writers in every process count together: the caller holds the write lock (SQLite), and on
    PostgreSQL the organization's row is locked until the writing transaction ends, so two
    uploads cannot both take the last room."""
    if adding <= 0:
        return
    db.execute(select(Organization.id).where(Organization.id == org_id).with_for_update())
    room = attachment_room(db=db, org_id=org_id)
    if room is not None and adding > room:
        quota = get_settings().attachment_quota_mb
        raise AttachmentQuotaExceeded(
            quota=quota,
            fields=[field_error("attachments", f"would pass the organization's quota of {quota} MB")],
        )


def charge_form_bytes(*, db: Session, ip: str, nbytes: int) -> None:
    """Count `nbytes` of attachments that `ip` sends through the anonymous form today (UTC), or
    refuse them (429) when they would pass VOXLOOP_FORM_BYTES_PER_IP_DAY; the caller commits.

    One statement adds and checks (an upsert that updates only below the limit), so posts
    arriving together, in any web process, cannot all pass on the same remaining room."""
    limit = get_settings().form_bytes_per_ip_day
    if nbytes <= 0 or limit <= 0:
        return
    today = utcnow().date()
    table = FormUploadDay.__table__
    db.execute(delete(table).where(table.c.day < today))  # an address is kept for its day only
    if nbytes <= limit:
        upsert = (postgresql if db.get_bind().dialect.name == "postgresql" else sqlite).insert(table)
        stmt = (
            upsert.values(ip=ip, day=today, bytes=nbytes)
            .on_conflict_do_update(
                index_elements=[table.c.ip, table.c.day],
                set_={"bytes": table.c.bytes + upsert.excluded.bytes},
                where=table.c.bytes + upsert.excluded.bytes <= limit,
            )
            .returning(table.c.bytes)
        )
        if db.execute(stmt).first() is not None:
            return
    tomorrow = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    raise FormBytesExceeded(
        limit=f"{limit / MIB:g}",
        fields=[field_error("attachments", f"more than {limit} bytes from this address today")],
        headers={"Retry-After": str(max(1, int((tomorrow - utcnow()).total_seconds())))},
    )


def create_many(
    *, db: Session, org_id: int, actor: Actor, drafts: builtins.list[Draft], recorded_by_id: int | None = None
) -> builtins.list[Created]:
    """Write many records with a handful of statements; the caller owns the transaction.
    Nothing is written when their attachments would pass the organization's quota."""
    if not drafts:
        return []
    check_attachment_quota(db=db, org_id=org_id, adding=sum(len(b.data) for d in drafts for b in d.blobs))
    now = utcnow()
    customer_ids = customers.resolve_many(db=db, org_id=org_id, contacts=[d.contact for d in drafts])
    rows = [
        {
            "status": "new",  # unless the draft was triaged (an import's)
            **d.row,
            "org_id": org_id,
            "customer_id": customer_id,
            "created_at": now,
            "recorded_by": actor.label,
            "recorded_by_id": recorded_by_id,
        }
        for d, customer_id in zip(drafts, customer_ids, strict=True)
    ]
    if privacy.redacts(db=db, org_id=org_id):
        for row in rows:
            row["description"] = pii.redact(row["description"])
            row["customer_request"] = pii.redact(row["customer_request"]) if row["customer_request"] else None
            row["search_text"] = index_text(
                row["description"], row["customer_request"], row["touchpoint"], row["product"], row["branch"]
            )
    # Core inserts on the tables: the ORM bulk path costs several times more per row. Ids are
    # matched back by tracking code, so the insert may batch rows without keeping their order.
    table = Feedback.__table__
    result = db.execute(insert(table).returning(table.c.id, table.c.tracking_code), rows)
    id_by_code = {code: fid for fid, code in result}
    ids = [id_by_code[r["tracking_code"]] for r in rows]

    attachment_table = Attachment.__table__
    stored: builtins.list[builtins.list[dict[str, Any]]] = []
    for d, fid in zip(drafts, ids, strict=True):
        stored.append([])
        for b in d.blobs:  # rare enough to insert one by one, for the ids
            values = {
                "org_id": org_id,
                "feedback_id": fid,
                "filename": b.filename,
                "content_type": b.content_type,
                "size": len(b.data),
                "sha256": attachments.store(b),
                "created_at": now,
            }
            aid = db.execute(insert(attachment_table).returning(attachment_table.c.id), values).scalar_one()
            stored[-1].append({**values, "id": aid})

    # One entry per write, not per record: each record already holds its own values, who
    # recorded it and when, so the entry names the records this actor created.
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="feedback",
        entity_id=ids[0] if len(ids) == 1 else None,
        after={"ids": ids},
    )
    return [
        Created(
            id=fid,
            tracking_code=r["tracking_code"],
            has_email=bool(d.contact and d.contact.email),
            row=r,
            attachment_rows=a,
        )
        for fid, r, d, a in zip(ids, rows, drafts, stored, strict=True)
    ]


def add_event(
    *,
    db: Session,
    org_id: int,
    feedback_id: int,
    kind: str,
    actor: Actor,
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> None:
    db.add(
        FeedbackEvent(
            org_id=org_id,
            feedback_id=feedback_id,
            kind=kind,
            actor=actor.label,
            public=public,
            data=data or {},
        )
    )


def get(*, db: Session, org_id: int, feedback_id: int) -> Feedback | None:
    return db.scalar(select(Feedback).where(Feedback.org_id == org_id, Feedback.id == feedback_id))


def get_many_by_id(*, db: Session, ids: builtins.list[int]) -> dict[int, Feedback]:
    """Records by id across organizations: for internal callers that took the ids from a write."""
    if not ids:
        return {}
    return {f.id: f for f in db.scalars(select(Feedback).where(Feedback.id.in_(ids)))}


def add_attachments(*, db: Session, record: Feedback, blobs: builtins.list[attachments.Blob]) -> None:
    """Files that arrive later, with a customer's message (stored before the row commits)."""
    check_attachment_quota(db=db, org_id=record.org_id, adding=sum(len(b.data) for b in blobs))
    for b in blobs:
        db.add(
            Attachment(
                org_id=record.org_id,
                feedback_id=record.id,
                filename=b.filename,
                content_type=b.content_type,
                size=len(b.data),
                sha256=attachments.store(b),
            )
        )


def get_by_tracking_code(*, db: Session, tracking_code: str) -> Feedback | None:
    return db.scalar(select(Feedback).where(Feedback.tracking_code == tracking_code.strip().upper()))


def customer_of(*, db: Session, record: Feedback) -> Customer | None:
    if record.customer_id is None:
        return None
    return customers.get(db=db, org_id=record.org_id, customer_id=record.customer_id)


def customers_of(*, db: Session, org_id: int, records: builtins.list[Feedback]) -> dict[int, Customer]:
    ids = {r.customer_id for r in records if r.customer_id}
    if not ids:
        return {}
    rows = db.scalars(select(Customer).where(Customer.org_id == org_id, Customer.id.in_(ids)))
    return {c.id: c for c in rows}


HIDDEN = "…"  # a contact detail the reader may not see


def timeline(
    *, db: Session, record: Feedback, public_only: bool = False, contacts: bool = True
) -> builtins.list[FeedbackEvent]:
    """The record's history: its receipt and its automatic triage (both held by the record
    itself), then the events written since, in time order; without `contacts`, the customer's
    email and phone are hidden (who acknowledged to which address, an emailed record's sender)."""
    events = _timeline(db, record, public_only)
    customer = None if contacts else customer_of(db=db, record=record)
    pattern = erasure.pattern_of(v for v in (customer.email, customer.phone) if v) if customer else None
    if pattern is None:
        return events
    return [  # copies, never added to the session: the rows themselves stay as they are
        FeedbackEvent(org_id=e.org_id, feedback_id=e.feedback_id, at=e.at, kind=e.kind, public=e.public,
                      actor=pattern.sub(HIDDEN, e.actor), data=erasure.scrub(e.data, pattern, HIDDEN))
        for e in events
    ]  # fmt: skip


def _timeline(db: Session, record: Feedback, public_only: bool) -> builtins.list[FeedbackEvent]:
    stmt = select(FeedbackEvent).where(
        FeedbackEvent.org_id == record.org_id, FeedbackEvent.feedback_id == record.id
    )
    if public_only:
        stmt = stmt.where(FeedbackEvent.public.is_(True))
    own = [
        FeedbackEvent(
            org_id=record.org_id,
            feedback_id=record.id,
            at=record.received_at,
            kind="received",
            actor=record.recorded_by,
            public=True,
            data={"channel": record.channel},
        )
    ]
    if record.triaged_at is not None and not public_only:
        own.append(
            FeedbackEvent(
                org_id=record.org_id,
                feedback_id=record.id,
                at=record.triaged_at,
                kind="triaged",
                actor="system",
                public=False,
                data={"because": record.triage_reasons or {}},
            )
        )
    return sorted([*own, *db.scalars(stmt.order_by(FeedbackEvent.at, FeedbackEvent.id))], key=lambda e: e.at)


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    status: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    q: str | None = None
    language: str | None = None
    type: str | None = None
    # the dashboards' drill-down narrows by these too
    category: str | None = None
    branch: str | None = None
    touchpoint: str | None = None
    sentiment: str | None = None
    product: str | None = None
    department_id: int | None = None
    segment: str | None = None  # the customer's
    city: str | None = None  # the branch's, from the organization's branch list
    # the records behind a survey score's point: answers scored on this metric (nps, csat,
    # ces) submitted in [rated_from, rated_to)
    rated: str | None = None
    rated_from: datetime | None = None
    rated_to: datetime | None = None
    review: bool = False  # only what triage left for a person to confirm
    # the inbox's quick filters: one person's cases, or nobody's; and the open cases that
    # broke a commitment's deadline (breached) or are inside its warning lead (at_risk), as
    # the SLA overview counts them
    assignee_id: int | None = None
    unassigned: bool = False
    sla: str | None = None


SCORES = ("nps", "csat", "ces")
STANDINGS = ("breached", "at_risk")


def check_filters(filters: Filters) -> None:
    """A 422 naming the first filter whose value is not one the inbox knows."""
    if filters.status and filters.status not in STATUSES:
        raise invalid("status", f"one of {', '.join(STATUSES)}")
    if filters.sla and filters.sla not in STANDINGS:
        raise invalid("sla", f"one of {', '.join(STANDINGS)}")
    if filters.rated and filters.rated not in SCORES:
        raise invalid("rated", f"one of {', '.join(SCORES)}")


def _local_midnight(value: str | None, tz: str, field: str, plus_days: int = 0) -> datetime | None:
    """The start of a YYYY-MM-DD day in the organization's time zone, where the inbox shows times."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise invalid(field, "use YYYY-MM-DD") from exc
    return datetime.combine(day + timedelta(days=plus_days), time.min, tzinfo=ZoneInfo(tz))


def _owner(value: str | None, me: int) -> tuple[int | None, bool]:
    """The inbox's `owner`: "me", "none" (nobody's) or a person's id."""
    if not value:
        return None, False
    if value == "me":
        return me, False
    if value == "none":
        return None, True
    number = whole_number(value)
    if isinstance(number, int) and 0 < number <= 2**53:
        return number, False
    raise invalid("owner", "use me, none or a user's id")


def filters_from(query: InboxQuery, *, me_id: int, tz: str) -> Filters:
    """The inbox's query string as filters, checked: a 422 names the first bad one."""
    assignee_id, unassigned = _owner(query.owner, me_id)
    filters = Filters(
        assignee_id=assignee_id,
        unassigned=unassigned,
        sla=query.sla or None,
        review=query.review,
        city=query.city or None,
        rated=query.rated or None,
        rated_from=_local_midnight(query.rated_from, tz, "rated_from"),
        rated_to=_local_midnight(query.rated_to, tz, "rated_to", plus_days=1),
        language=query.language or None,
        product=query.product or None,
        department_id=query.department_id,
        segment=query.segment or None,
        channel=query.channel or None,
        status=query.status or None,
        type=query.type or None,
        category=query.category or None,
        branch=query.branch or None,
        touchpoint=query.touchpoint or None,
        sentiment=query.sentiment or None,
        received_from=_local_midnight(query.date_from, tz, "date_from"),
        # date_to is inclusive: everything before the next local midnight
        received_to=_local_midnight(query.date_to, tz, "date_to", plus_days=1),
        q=query.q or None,
    )
    check_filters(filters)
    return filters


def _rated(db: Session, org_id: int, filters: Filters) -> builtins.list[int]:
    """The records the survey answers behind a score's point are about: the case a post-case
    survey asked about and the follow-up case an answer opened. Counted as the dashboards
    count them: complete answers that have the score, quality-flagged ones and re-surveys left
    out."""
    answer = (Response.survey_id, Response.answers, Response.quality_flags)
    stmt = select(*answer, Response.feedback_id, Response.follow_up_id).where(
        Response.org_id == org_id,
        Response.completed.is_(True),
        Response.resurvey_of_id.is_(None),
        or_(Response.feedback_id.is_not(None), Response.follow_up_id.is_not(None)),
    )
    if filters.rated_from:
        stmt = stmt.where(Response.submitted_at >= as_utc(filters.rated_from))
    if filters.rated_to:
        stmt = stmt.where(Response.submitted_at < as_utc(filters.rated_to))
    rows = db.execute(stmt).all()
    asked = {
        survey_id: next(
            (q["id"] for q in survey_definition.questions(definition) if q["type"] == filters.rated), None
        )
        for survey_id, definition in db.execute(
            select(Survey.id, Survey.definition).where(Survey.id.in_({r.survey_id for r in rows}))
        )
    }
    found: set[int] = set()
    for survey_id, answers, flags, about, opened in rows:
        question = asked.get(survey_id)
        if question is not None and answers.get(question) is not None and not quality.excluded(flags):
            found.update(i for i in (about, opened) if i is not None)
    return sorted(found)


def _search(stmt: Select[Any], db: Session, q: str) -> Select[Any]:
    terms = query_terms(q)
    if not terms:
        return stmt
    if db.get_bind().dialect.name == "sqlite":
        match = " ".join(f'"{t}"' for t in terms)
        hits = text("SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH :match").bindparams(match=match)
        return stmt.where(Feedback.id.in_(hits))
    tsquery = func.to_tsquery("simple", " & ".join(terms))
    return stmt.where(func.to_tsvector("simple", Feedback.search_text).op("@@")(tsquery))


def list(  # noqa: A001 - the same verb in every service
    *, db: Session, org_id: int, filters: Filters, cursor: str | None = None, limit: int = 50
) -> tuple[builtins.list[Feedback], str | None]:
    check_filters(filters)
    stmt = (
        select(Feedback)
        .where(Feedback.org_id == org_id, *_conditions(db, org_id, filters))
        .options(selectinload(Feedback.attachments))
    )
    if filters.q:
        stmt = _search(stmt, db, filters.q)
    if filters.review:
        return _least_confident_first(db, stmt, cursor, limit)
    if cursor:
        stmt = stmt.where(_after(cursor))
    rows = [*db.scalars(stmt.order_by(Feedback.received_at.desc(), Feedback.id.desc()).limit(limit + 1))]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([as_utc(last.received_at).isoformat(), last.id])


# filters that pick records whose column equals the value given
_EQUAL_FILTERS = (
    "channel",
    "status",
    "language",
    "type",
    "category",
    "branch",
    "touchpoint",
    "sentiment",
    "product",
    "department_id",
)


def _conditions(db: Session, org_id: int, filters: Filters) -> builtins.list[ColumnElement[bool]]:
    """The WHERE conditions of the filters given, besides the search words."""
    conditions: builtins.list[ColumnElement[bool]] = [
        getattr(Feedback, c) == getattr(filters, c) for c in _EQUAL_FILTERS if getattr(filters, c)
    ]
    if filters.review:
        conditions.append(Feedback.review.is_not(None))
    if filters.assignee_id is not None:
        conditions.append(Feedback.assignee_id == filters.assignee_id)
    if filters.unassigned:
        conditions.append(Feedback.assignee_id.is_(None))
    if filters.received_from:
        conditions.append(Feedback.received_at >= as_utc(filters.received_from))
    if filters.received_to:
        conditions.append(Feedback.received_at < as_utc(filters.received_to))
    return conditions + _related(db, org_id, filters)


def _related(db: Session, org_id: int, filters: Filters) -> builtins.list[ColumnElement[bool]]:
    """Conditions on what a record relates to: its clock, customer, branch and survey rating."""
    conditions: builtins.list[ColumnElement[bool]] = []
    if filters.sla:
        from voxloop.commitments import overview  # commitments builds on this module

        conditions.append(Feedback.id.in_(overview.late_ids(db=db, org_id=org_id, state=filters.sla)))
    if filters.segment:
        segment = select(Customer.id).where(Customer.org_id == org_id, Customer.segment == filters.segment)
        conditions.append(Feedback.customer_id.in_(segment))
    if filters.city:
        branches = select(Branch.name).where(Branch.org_id == org_id, Branch.city == filters.city)
        conditions.append(Feedback.branch.in_(branches))
    if filters.rated:
        conditions.append(Feedback.id.in_(_rated(db, org_id, filters)))
    return conditions


def _after(cursor: str) -> ColumnElement[bool]:
    """The records after the cursor, newest first."""
    values = decode_cursor(cursor)
    try:
        at, last_id = datetime.fromisoformat(values[0]), int(values[1])
    except (IndexError, TypeError, ValueError) as exc:
        raise invalid("cursor", "is not a cursor this API returned") from exc
    at = as_utc(at)
    return or_(Feedback.received_at < at, and_(Feedback.received_at == at, Feedback.id < last_id))


def _least_confident_first(
    db: Session, stmt: Select[Any], cursor: str | None, limit: int
) -> tuple[builtins.list[Feedback], str | None]:
    """The review queue: the records the models were least sure of first (a person's answer
    teaches them most there), oldest first among equals."""
    confidence = func.coalesce(Feedback.review_confidence, 1.0)
    if cursor:
        values = decode_cursor(cursor)
        try:
            after, last_id = float(values[0]), int(values[1])
        except (IndexError, TypeError, ValueError) as exc:
            raise invalid("cursor", "is not a cursor this API returned") from exc
        stmt = stmt.where(or_(confidence > after, and_(confidence == after, Feedback.id > last_id)))
    rows = [*db.scalars(stmt.order_by(confidence, Feedback.id).limit(limit + 1))]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    at = last.review_confidence if last.review_confidence is not None else 1.0
    return rows, encode_cursor([at, last.id])


FINISHED = ("resolved", "closed")  # what is no longer open


def needing_action_now(*, db: Session, org_id: int, limit: int = 20) -> builtins.list[Feedback]:
    """Open records that need someone now (a safety alarm), newest first: pinned in the inbox."""
    stmt = (
        select(Feedback)
        .where(
            Feedback.org_id == org_id,
            Feedback.alarm.is_not(None),
            Feedback.status.not_in(FINISHED),
        )
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
        .limit(limit)
    )
    return [*db.scalars(stmt)]


def count_to_review(*, db: Session, org_id: int) -> int:
    """Open records with a triage field left for a person to confirm."""
    return int(
        db.scalar(
            select(func.count())
            .select_from(Feedback)
            .where(
                Feedback.org_id == org_id,
                Feedback.review.is_not(None),
                Feedback.status.not_in(FINISHED),
            )
        )
        or 0
    )


def counts_by_status(*, db: Session, org_id: int) -> dict[str, int]:
    rows = db.execute(
        select(Feedback.status, func.count()).where(Feedback.org_id == org_id).group_by(Feedback.status)
    )
    return {s: n for s, n in rows}


def list_channels(*, db: Session, org_id: int) -> builtins.list[Channel]:
    """Every channel of the organization, switched off ones too, in the order they were made."""
    return builtins.list(db.scalars(select(Channel).where(Channel.org_id == org_id).order_by(Channel.id)))


def set_channel_active(*, db: Session, org_id: int, actor: Actor, code: str, active: bool) -> Channel:
    channel = db.scalar(select(Channel).where(Channel.org_id == org_id, Channel.code == code))
    if channel is None:
        raise NotFound()
    before = channel.is_active
    channel.is_active = active
    on_commit(db, cache.channels.clear)
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="channel",
        entity_id=channel.id,
        before={"is_active": before},
        after={"is_active": active},
    )
    return channel


# Saved views: a person's named inbox filters

VIEW_NAME_LENGTH = 80
VIEWS_PER_PERSON = 50


def check_view_query(raw: str, *, me_id: int, tz: str) -> str:
    """A saved view's query string read as the inbox reads its own, in a normal form; a 422
    names the filter (query.<name>) that the inbox would refuse."""
    try:
        pairs = parse_qsl(raw.strip().removeprefix("?"), keep_blank_values=True, max_num_fields=50)
        unknown = sorted({k for k, _ in pairs if k not in InboxQuery.model_fields})
        if unknown:
            raise invalid(unknown[0], "is not one of the inbox's filters")
        query = InboxQuery.model_validate({k: v for k, v in pairs if v != ""})
        filters_from(query, me_id=me_id, tz=tz)
    except ValidationError as exc:
        raise invalid_model(exc, "query") from exc
    except ValueError as exc:  # more fields than any inbox link has
        raise invalid("query", "too many filters") from exc
    except InvalidInput as exc:
        raise InvalidInput(
            fields=[field_error(f"query.{f['field']}", f["reason"]) for f in exc.fields]
        ) from exc
    return urlencode({k: v for k, v in query.params().items() if v})


def list_saved_views(*, db: Session, org_id: int, user_id: int) -> builtins.list[SavedView]:
    stmt = select(SavedView).where(SavedView.org_id == org_id, SavedView.user_id == user_id)
    return [*db.scalars(stmt.order_by(SavedView.name))]


def create_saved_view(*, db: Session, org_id: int, user_id: int, name: str, query: str) -> SavedView:
    """Save `query` (checked with `check_view_query` first) under `name`, unique per person."""
    try:
        name = " ".join(clean_text(name).split())
    except ValueError as exc:
        raise invalid("name", str(exc)) from exc
    if not name:
        raise invalid("name", "is required")
    if len(name) > VIEW_NAME_LENGTH:
        raise invalid("name", f"at most {VIEW_NAME_LENGTH} characters")
    taken = select(SavedView.id).where(SavedView.user_id == user_id, SavedView.name == name)
    if db.scalar(taken) is not None:
        raise invalid("name", "you have a view with this name already")
    kept = select(func.count()).select_from(SavedView).where(SavedView.user_id == user_id)
    if (db.scalar(kept) or 0) >= VIEWS_PER_PERSON:
        raise invalid("name", f"at most {VIEWS_PER_PERSON} saved views each; delete one first")
    view = SavedView(org_id=org_id, user_id=user_id, name=name, query=query)
    db.add(view)
    try:
        db.flush()
    except IntegrityError as exc:  # saved at the same moment from another tab; the request rolls back
        raise invalid("name", "you have a view with this name already") from exc
    return view


def delete_saved_view(*, db: Session, org_id: int, user_id: int, view_id: int) -> None:
    view = db.scalar(
        select(SavedView).where(
            SavedView.org_id == org_id, SavedView.user_id == user_id, SavedView.id == view_id
        )
    )
    if view is None:
        raise NotFound()
    db.delete(view)
