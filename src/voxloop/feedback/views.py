"""REST API for feedback: thin handlers over feedback.flows and feedback.service."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.orm import Session

from voxloop.accounts import service as accounts
from voxloop.audit.service import PUBLIC
from voxloop.commitments import clocks
from voxloop.common import ratelimit
from voxloop.common.types import PathId
from voxloop.customers.models import Customer
from voxloop.deps import ApiActor, ApiOrg, ApiUser, DbSession, JsonBody, require
from voxloop.errors import NotFound, invalid
from voxloop.feedback import flows, service
from voxloop.feedback.models import STATUSES, Feedback
from voxloop.feedback.schemas import (
    BatchCreate,
    BatchResult,
    CustomerRead,
    FeedbackCreate,
    FeedbackPage,
    FeedbackRead,
    PublicCreated,
    PublicFeedbackCreate,
    Ref,
    StatusRead,
)
from voxloop.feedback.tasks import tracking_url

router = APIRouter(prefix="/api/v1", tags=["feedback"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def to_read(record: Feedback, customers: dict[int, Customer]) -> FeedbackRead:
    out = FeedbackRead.model_validate(record)
    out.tracking_url = tracking_url(record.tracking_code)
    customer = customers.get(record.customer_id) if record.customer_id else None
    out.customer = CustomerRead.model_validate(customer) if customer else None
    return out


def read_cases(
    db: Session, org_id: int, records: list[Feedback], contacts: bool = True
) -> list[FeedbackRead]:
    """Records with their case fields: who owns them, where they stand on their commitment, and
    the customer's contact details for `contacts` (a caller who may read personal data)."""
    customers = service.customers_of(db=db, org_id=org_id, records=records) if contacts else {}
    people = {
        u.id: u for u in accounts.users_by_id(db=db, org_id=org_id, ids={r.assignee_id for r in records})
    }
    depts = {d.id: d for d in accounts.list_departments(db=db, org_id=org_id)}
    contracts = clocks.describe_many(db, records)
    out = []
    for record in records:
        item = to_read(record, customers)
        if record.department_id in depts:
            item.department = Ref(id=record.department_id, name=depts[record.department_id].name)
        if record.assignee_id in people:
            user = people[record.assignee_id]
            item.assignee = Ref(id=user.id, name=user.name or user.email)
        for key, value in contracts[record.id].items():
            setattr(item, key, value)
        out.append(item)
    return out


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackRead,
    dependencies=[JsonBody, require("feedback.create")],
)
async def create_feedback(
    body: FeedbackCreate,
    org: ApiOrg,
    actor: ApiActor,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FeedbackRead:
    received = await flows.receive_api(org=org, actor=actor, data=body, idempotency_key=idempotency_key)
    if received.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    customers = {received.customer.id: received.customer} if received.customer else {}
    return to_read(received.record, customers)


@router.post(
    "/feedback/batch", response_model=BatchResult, dependencies=[JsonBody, require("feedback.create")]
)
def create_feedback_batch(body: BatchCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> BatchResult:
    results = flows.receive_batch(db=db, org=org, actor=actor, items=body.items)
    created = sum(1 for r in results if r["ok"])
    return BatchResult.model_validate(
        {"created": created, "failed": len(results) - created, "results": results}
    )


@router.get("/feedback/{feedback_id}", response_model=FeedbackRead, dependencies=[require("feedback.read")])
def get_feedback(feedback_id: PathId, org: ApiOrg, user: ApiUser, db: DbSession) -> FeedbackRead:
    record = service.get(db=db, org_id=org.id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    return read_cases(db, org.id, [record], contacts=user.can("customers.read"))[0]


@router.get("/feedback", response_model=FeedbackPage, dependencies=[require("feedback.read")])
def list_feedback(
    org: ApiOrg,
    user: ApiUser,
    db: DbSession,
    channel: Annotated[str | None, Query(max_length=40)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=24)] = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    language: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    review: bool = False,
) -> FeedbackPage:
    """Newest first; `review=true`: only records with a triage field left for a person, the
    least confident first (`review_confidence`)."""
    if status_ and status_ not in STATUSES:
        raise invalid("status", f"must be one of {', '.join(STATUSES)}")
    filters = service.Filters(
        channel=channel,
        status=status_,
        received_from=received_from,
        received_to=received_to,
        q=q,
        language=language,
        review=review,
    )
    rows, next_cursor = service.list(db=db, org_id=org.id, filters=filters, cursor=cursor, limit=limit)
    items = read_cases(db, org.id, rows, contacts=user.can("customers.read"))
    return FeedbackPage(items=items, next_cursor=next_cursor)


@router.post(
    "/public/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicCreated,
    dependencies=[JsonBody],
    tags=["public"],
)
def create_public_feedback(body: PublicFeedbackCreate, request: Request, db: DbSession) -> PublicCreated:
    org = accounts.get_org_by_slug(db=db, slug=body.org)
    if org is None:
        raise invalid("org", "no organization with this slug")
    ratelimit.check_public(request, org.slug)
    if body.website:
        raise invalid("website", "must be left empty")
    channels = service.active_channels(db=db, org_id=org.id)
    draft = flows.draft_from(body, channel="web_form", channels=channels)
    created = flows.receive(db=db, org=org, actor=PUBLIC, drafts=[draft])[0]
    record = service.get(db=db, org_id=org.id, feedback_id=created.id)
    assert record is not None  # noqa: S101  just received in this transaction
    return PublicCreated(
        tracking_code=record.tracking_code,
        tracking_url=tracking_url(record.tracking_code),
        status=record.status,
        received_at=record.received_at,
    )


@router.get("/public/status/{tracking_code}", response_model=StatusRead, tags=["public"])
def public_status(tracking_code: str, db: DbSession) -> StatusRead:
    record = service.get_by_tracking_code(db=db, tracking_code=tracking_code)
    if record is None:
        raise NotFound()
    events = service.timeline(db=db, record=record, public_only=True)
    return StatusRead(
        tracking_code=record.tracking_code,
        status=record.status,
        channel=record.channel,
        received_at=record.received_at,
        timeline=[{"at": e.at, "kind": e.kind} for e in events],
    )
