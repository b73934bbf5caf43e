"""REST API for triage: corrections, rules, the taxonomy, the priority matrix."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, StringConstraints

from voxloop.common.types import PathId
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.feedback.schemas import FeedbackRead
from voxloop.feedback.views import read_cases
from voxloop.triage import service
from voxloop.triage.schemas import (
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    Correction,
    RuleCreate,
    RuleRead,
    RuleTest,
    RuleTestResult,
)

router = APIRouter(prefix="/api/v1", tags=["triage"])


@router.patch(
    "/feedback/{feedback_id}",
    response_model=FeedbackRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def correct_feedback(
    feedback_id: PathId, body: Correction, org: ApiOrg, actor: ApiActor, db: DbSession
) -> FeedbackRead:
    record = service.correct(
        db=db,
        org_id=org.id,
        actor=actor,
        feedback_id=feedback_id,
        changes=body.model_dump(exclude_unset=True),
    )
    db.commit()
    return read_cases(db, org.id, [record])[0]


@router.get("/categories", response_model=list[CategoryRead], dependencies=[require("feedback.read")])
def list_categories(org: ApiOrg, db: DbSession) -> list[CategoryRead]:
    return [CategoryRead.model_validate(c) for c in service.list_categories(db=db, org_id=org.id)]


@router.post(
    "/categories",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryRead,
    dependencies=[JsonBody, require("triage.manage")],
)
def create_category(body: CategoryCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> CategoryRead:
    category = service.create_category(db=db, org_id=org.id, actor=actor, **body.model_dump())
    db.commit()
    return CategoryRead.model_validate(category)


@router.patch(
    "/categories/{code}", response_model=CategoryRead, dependencies=[JsonBody, require("triage.manage")]
)
def update_category(
    code: Annotated[str, Path(max_length=40)],
    body: CategoryUpdate,
    org: ApiOrg,
    actor: ApiActor,
    db: DbSession,
) -> CategoryRead:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    category = service.update_category(db=db, org_id=org.id, actor=actor, code=code, changes=changes)
    db.commit()
    return CategoryRead.model_validate(category)


@router.get("/triage-rules", response_model=list[RuleRead], dependencies=[require("feedback.read")])
def list_rules(org: ApiOrg, db: DbSession) -> list[RuleRead]:
    return [RuleRead.model_validate(r) for r in service.list_rules(db=db, org_id=org.id)]


@router.post(
    "/triage-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RuleRead,
    dependencies=[JsonBody, require("triage.manage")],
)
def create_rule(body: RuleCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> RuleRead:
    rule = service.create_rule(db=db, org_id=org.id, actor=actor, **body.model_dump())
    db.commit()
    return RuleRead.model_validate(rule)


@router.delete(
    "/triage-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[require("triage.manage")]
)
def delete_rule(rule_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> None:
    service.delete_rule(db=db, org_id=org.id, actor=actor, rule_id=rule_id)
    db.commit()


@router.post(
    "/triage-rules/test", response_model=RuleTestResult, dependencies=[JsonBody, require("feedback.read")]
)
def test_rules(body: RuleTest, org: ApiOrg, db: DbSession) -> RuleTestResult:
    result = service.test_rules(
        db=db, org_id=org.id, text=body.text, channel=body.channel, touchpoint=body.touchpoint
    )
    return RuleTestResult(
        values=result.values, because=result.because, priority=result.priority, models=result.guess
    )


class VocabularyRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=100)]
    name_en: Annotated[str, StringConstraints(max_length=100)] = ""


@router.get("/vocabularies", dependencies=[require("feedback.read")])
def get_vocabularies(org: ApiOrg, db: DbSession) -> dict[str, list[dict[str, Any]]]:
    """Types, severity and urgency levels and scopes, with the organization's names."""
    return service.vocabulary(db=db, org_id=org.id)


@router.put("/vocabularies/{field}/{value}", dependencies=[JsonBody, require("triage.manage")])
def rename_value(
    field: Annotated[str, Path(max_length=16)],
    value: Annotated[str, Path(max_length=16)],
    body: VocabularyRename,
    org: ApiOrg,
    actor: ApiActor,
    db: DbSession,
) -> dict[str, list[dict[str, Any]]]:
    service.rename(
        db=db, org_id=org.id, actor=actor, field=field, value=value, name=body.name, name_en=body.name_en
    )
    db.commit()
    return service.vocabulary(db=db, org_id=org.id)


@router.get("/priority-matrix", dependencies=[require("feedback.read")])
def get_matrix(org: ApiOrg, db: DbSession) -> dict[str, int]:
    """Priority (1 = most pressing) per "severity,urgency" cell, each 1-3."""
    return service.matrix(db=db, org_id=org.id)


@router.put("/priority-matrix", dependencies=[JsonBody, require("triage.manage")])
def put_matrix(body: dict[str, Any], org: ApiOrg, actor: ApiActor, db: DbSession) -> dict[str, int]:
    cells = service.set_matrix(db=db, org_id=org.id, actor=actor, cells=body)
    db.commit()
    return cells
