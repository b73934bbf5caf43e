"""REST API for calendars, service commitments, remedies and the public commitments page."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from voxloop.accounts import service as accounts
from voxloop.commitments import remedies, service
from voxloop.common.types import MAX_ID, BodyId, PathId
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["commitments"])
Minutes = Annotated[int, Field(ge=1, le=525_600)]  # up to a year of working minutes


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    time_zone: Annotated[str, Field(max_length=64)]
    hours: dict[str, list[list[str]]]
    country: Annotated[str, Field(max_length=8)] | None = None
    subdivision: Annotated[str, Field(max_length=16)] | None = None
    extra_holidays: Annotated[list[str], Field(max_length=1000)] = []
    extra_workdays: Annotated[list[str], Field(max_length=1000)] = []

    def rules(self) -> dict[str, Any]:
        return self.model_dump(exclude={"name"})


class CalendarRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    rules: dict[str, Any]
    updated_at: datetime


class DeadlineQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    minutes: Minutes


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=4000)] = ""
    calendar_id: BodyId
    match: dict[str, list[Any]] = {}
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    dispatch_minutes: Minutes | None = None
    handling_minutes: Minutes | None = None
    warn_percent: Annotated[int, Field(ge=1, le=99)] = 80
    remedies: Annotated[list[str], Field(max_length=10)] = []
    is_public: bool = False
    position: Annotated[int, Field(ge=0, le=100_000)] | None = None


class CommitmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name: str
    name_en: str
    description: str
    calendar_id: int
    match: dict[str, Any]
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    dispatch_minutes: int | None
    handling_minutes: int | None
    warn_percent: int
    remedies: list[str]
    is_public: bool


class CommitmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remedies: Annotated[list[str], Field(max_length=10)]


class PublicCommitment(BaseModel):
    name: str
    name_en: str
    description: str
    applies_to: dict[str, Any]
    first_response_minutes: int | None
    resolution_minutes: int | None
    working_hours: dict[str, Any]
    # step -> {"measured": n, "kept": n, "rate": 0..1} over the last 90 days
    compliance: dict[str, dict[str, float]]


class PublicCommitments(BaseModel):
    organization: str
    period_days: int
    commitments: list[PublicCommitment]


class RemedyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    feedback_id: int
    step: str
    kind: str
    status: str
    amount: str | None
    note: str
    message: str
    created_at: datetime
    updated_at: datetime


class RemedyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(max_length=24)]
    amount: Annotated[str, Field(max_length=40)] | None = None
    message: Annotated[str, Field(max_length=4000)] = ""


class RemedyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str
    amount: Annotated[str, Field(max_length=40)] | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None
    message: Annotated[str, Field(max_length=4000)] | None = None


@router.get("/calendars", response_model=list[CalendarRead], dependencies=[require("feedback.read")])
def list_calendars(org: ApiOrg, db: DbSession) -> list[CalendarRead]:
    return [CalendarRead.model_validate(c) for c in service.list_calendars(db=db, org_id=org.id)]


@router.post(
    "/calendars",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarRead,
    dependencies=[JsonBody, require("commitments.manage")],
)
def create_calendar(body: CalendarIn, org: ApiOrg, actor: ApiActor, db: DbSession) -> CalendarRead:
    cal = service.create_calendar(db=db, org_id=org.id, actor=actor, name=body.name, rules=body.rules())
    db.commit()
    return CalendarRead.model_validate(cal)


@router.put(
    "/calendars/{calendar_id}",
    response_model=CalendarRead,
    dependencies=[JsonBody, require("commitments.manage")],
)
def update_calendar(
    calendar_id: PathId, body: CalendarIn, org: ApiOrg, actor: ApiActor, db: DbSession
) -> CalendarRead:
    """New rules from now on; open cases' deadlines follow them at once."""
    cal = service.update_calendar(
        db=db, org_id=org.id, actor=actor, calendar_id=calendar_id, rules=body.rules()
    )
    db.commit()
    return CalendarRead.model_validate(cal)


@router.post(
    "/calendars/{calendar_id}/deadline",
    dependencies=[JsonBody, require("feedback.read")],
)
def deadline(calendar_id: PathId, body: DeadlineQuery, org: ApiOrg, db: DbSession) -> dict[str, datetime]:
    """When `minutes` of working time after `start` end on this calendar."""
    cal = service.get_calendar(db=db, org_id=org.id, calendar_id=calendar_id)
    return {"due_at": service.working_time(db, cal.id).add(body.start, body.minutes * 60)}


@router.get("/commitments", response_model=list[CommitmentRead], dependencies=[require("feedback.read")])
def list_commitments(org: ApiOrg, db: DbSession) -> list[CommitmentRead]:
    return [CommitmentRead.model_validate(c) for c in service.list_commitments(db=db, org_id=org.id)]


@router.post(
    "/commitments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommitmentRead,
    dependencies=[JsonBody, require("commitments.manage")],
)
def create_commitment(body: CommitmentIn, org: ApiOrg, actor: ApiActor, db: DbSession) -> CommitmentRead:
    commitment = service.create_commitment(db=db, org_id=org.id, actor=actor, data=body.model_dump())
    db.commit()
    return CommitmentRead.model_validate(commitment)


@router.patch(
    "/commitments/{commitment_id}",
    response_model=CommitmentRead,
    dependencies=[JsonBody, require("commitments.manage")],
)
def update_commitment(
    commitment_id: PathId, body: CommitmentUpdate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> CommitmentRead:
    """The remedies a breach of this commitment proposes (each once per case)."""
    commitment = service.set_remedies(
        db=db, org_id=org.id, actor=actor, commitment_id=commitment_id, kinds=body.remedies
    )
    db.commit()
    return CommitmentRead.model_validate(commitment)


@router.get("/public/commitments/{org_slug}", response_model=PublicCommitments, tags=["public"])
def public_commitments(
    org_slug: Annotated[str, Path(max_length=64)],
    db: DbSession,
    days: Annotated[int, Query(ge=1, le=366)] = 90,
) -> PublicCommitments:
    """An organization's published commitments with how well it has kept them."""
    org = accounts.get_org_by_slug(db=db, slug=org_slug)
    if org is None:
        raise NotFound()
    published = service.published(db=db, org_id=org.id, days=days)
    return PublicCommitments(
        organization=org.name,
        period_days=days,
        commitments=[
            PublicCommitment(
                name=c.name,
                name_en=c.name_en,
                description=c.description,
                applies_to=c.match,
                first_response_minutes=c.first_response_minutes,
                resolution_minutes=c.resolution_minutes,
                working_hours=published.calendars[c.calendar_id].rules,
                compliance=published.kept.get(c.id, {}),
            )
            for c in published.commitments
        ],
    )


@router.get("/remedies", response_model=list[RemedyRead], dependencies=[require("feedback.read")])
def list_remedies(
    org: ApiOrg,
    db: DbSession,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    feedback_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[RemedyRead]:
    found = remedies.list_remedies(db=db, org_id=org.id, status=status_, feedback_id=feedback_id)
    return [RemedyRead.model_validate(r) for r in found]


@router.post(
    "/feedback/{feedback_id}/remedies",
    status_code=status.HTTP_201_CREATED,
    response_model=RemedyRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def propose_remedy(
    feedback_id: PathId, body: RemedyCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> RemedyRead:
    """Propose a remedy on a case (an apology, a voucher, a call-back, ...)."""
    remedy = remedies.propose(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, **body.model_dump())
    db.commit()
    return RemedyRead.model_validate(remedy)


@router.patch(
    "/remedies/{remedy_id}",
    response_model=RemedyRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def update_remedy(
    remedy_id: PathId, body: RemedyUpdate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> RemedyRead:
    remedy = remedies.move(db=db, org_id=org.id, actor=actor, remedy_id=remedy_id, **body.model_dump())
    db.commit()
    return RemedyRead.model_validate(remedy)
