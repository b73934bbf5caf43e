"""REST API for routing rules and (re)assignment."""

from typing import Annotated, Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from voxloop.common.types import BodyId, PathId
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.feedback.schemas import FeedbackRead
from voxloop.feedback.views import read_cases
from voxloop.routing import rules, service

router = APIRouter(prefix="/api/v1", tags=["routing"])


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    match: dict[str, Any]
    department_id: BodyId
    strategy: str = "round_robin"
    position: Annotated[int, Field(ge=0, le=100_000)] | None = None


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name: str
    match: dict[str, Any]
    department_id: int
    strategy: str
    is_active: bool


class RuleTest(BaseModel):
    """A record as routing would see it."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(max_length=12_000)] = ""
    channel: Annotated[str, Field(max_length=40)] | None = None
    type: Annotated[str, Field(max_length=16)] | None = None
    category: Annotated[str, Field(max_length=40)] | None = None
    priority: Annotated[int, Field(ge=1, le=4)] | None = None
    touchpoint: Annotated[str, Field(max_length=200)] | None = None
    product: Annotated[str, Field(max_length=200)] | None = None
    branch: Annotated[str, Field(max_length=200)] | None = None
    segment: Annotated[str, Field(max_length=40)] | None = None
    language: Annotated[str, Field(max_length=8)] | None = None


class RuleTestResult(BaseModel):
    winner: RuleRead | None
    also_matching: list[RuleRead]
    why: str


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: BodyId | None = None
    assignee_id: BodyId | None = None


@router.get("/routing-rules", response_model=list[RuleRead], dependencies=[require("feedback.read")])
def list_rules(org: ApiOrg, db: DbSession) -> list[RuleRead]:
    return [RuleRead.model_validate(r) for r in service.list_rules(db=db, org_id=org.id)]


@router.post(
    "/routing-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RuleRead,
    dependencies=[JsonBody, require("triage.manage")],
)
def create_rule(body: RuleCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> RuleRead:
    rule = service.create_rule(db=db, org_id=org.id, actor=actor, **body.model_dump())
    db.commit()
    return RuleRead.model_validate(rule)


@router.delete(
    "/routing-rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[require("triage.manage")],
)
def delete_rule(rule_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> Response:
    service.delete_rule(db=db, org_id=org.id, actor=actor, rule_id=rule_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/routing-rules/test",
    response_model=RuleTestResult,
    dependencies=[JsonBody, require("feedback.read")],
)
def test_rules(body: RuleTest, org: ApiOrg, db: DbSession) -> RuleTestResult:
    """Which rule would take such a record, and which others match too (they lose on order)."""
    hits = service.test_rules(db=db, org_id=org.id, subject=rules.Subject(**body.model_dump()))
    by_id = {r.id: r for r in service.list_rules(db=db, org_id=org.id)}
    read = [RuleRead.model_validate(by_id[h.id]) for h in hits]
    if not read:
        why = "no rule matches; the record stays unrouted for a person to dispatch"
    elif len(read) == 1:
        why = f"only {read[0].name!r} matches"
    else:
        others = ", ".join(repr(r.name) for r in read[1:])
        why = (
            f"{read[0].name!r} wins because it comes first (position {read[0].position}); {others} also match"
        )
    return RuleTestResult(winner=read[0] if read else None, also_matching=read[1:], why=why)


@router.post(
    "/feedback/{feedback_id}/assignment",
    response_model=FeedbackRead,
    dependencies=[JsonBody, require("cases.assign")],
)
def assign(
    feedback_id: PathId, body: Assignment, org: ApiOrg, actor: ApiActor, db: DbSession
) -> FeedbackRead:
    """Give the case to a department and/or a person; the timeline keeps who had it before."""
    record = service.assign(
        db=db,
        org_id=org.id,
        actor=actor,
        feedback_id=feedback_id,
        department_id=body.department_id,
        assignee_id=body.assignee_id,
    )
    db.commit()
    return read_cases(db, org.id, [record])[0]
