"""REST API for improvement initiatives: goals, actions, linked feedback, evaluation, closing."""

from typing import Any

from fastapi import APIRouter, status

from voxloop.common.types import PathId
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.initiatives import service
from voxloop.initiatives.schemas import (
    ActionCreate,
    ActionRead,
    ActionUpdate,
    InitiativeCreate,
    InitiativeRead,
    Links,
)

router = APIRouter(prefix="/api/v1/initiatives", tags=["initiatives"])


@router.get("", response_model=list[InitiativeRead], dependencies=[require("kpis.read")])
def list_initiatives(org: ApiOrg, db: DbSession) -> list[InitiativeRead]:
    return [InitiativeRead.model_validate(i) for i in service.list_initiatives(db=db, org_id=org.id)]


@router.post(
    "",
    response_model=InitiativeRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody, require("triage.manage")],
)
def create_initiative(body: InitiativeCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> InitiativeRead:
    """From an alert, a theme, a category or a touchpoint: the baseline of the goal metric is
    computed over the `baseline_days` before the start."""
    initiative = service.create(db=db, org_id=org.id, actor=actor, data=body.model_dump())
    db.commit()
    return InitiativeRead.model_validate(initiative)


@router.get("/{initiative_id}", dependencies=[require("kpis.read")])
def get_initiative(initiative_id: PathId, org: ApiOrg, db: DbSession) -> dict[str, Any]:
    initiative = service.get(db=db, org_id=org.id, initiative_id=initiative_id)
    return {
        **InitiativeRead.model_validate(initiative).model_dump(mode="json"),
        "actions": [
            ActionRead.model_validate(a).model_dump(mode="json")
            for a in service.actions(db=db, org_id=org.id, initiative_id=initiative.id)
        ],
        "linked_feedback": service.linked_count(db=db, initiative_id=initiative.id),
    }


@router.get("/{initiative_id}/evaluation", dependencies=[require("kpis.read")])
def evaluation(initiative_id: PathId, org: ApiOrg, db: DbSession) -> dict[str, Any]:
    """Before and after with n and CI, the test and effect size, the verdict, the chart."""
    initiative = service.get(db=db, org_id=org.id, initiative_id=initiative_id)
    return service.evaluate(db=db, org_id=org.id, initiative=initiative)


@router.post(
    "/{initiative_id}/actions",
    response_model=ActionRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody, require("triage.manage")],
)
def add_action(initiative_id: PathId, body: ActionCreate, org: ApiOrg, db: DbSession) -> ActionRead:
    action = service.add_action(db=db, org_id=org.id, initiative_id=initiative_id, **body.model_dump())
    db.commit()
    return ActionRead.model_validate(action)


@router.patch(
    "/{initiative_id}/actions/{action_id}",
    response_model=ActionRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def update_action(
    initiative_id: PathId, action_id: PathId, body: ActionUpdate, org: ApiOrg, db: DbSession
) -> ActionRead:
    action = service.update_action(db=db, org_id=org.id, action_id=action_id, status=body.status)
    db.commit()
    return ActionRead.model_validate(action)


@router.post("/{initiative_id}/links", dependencies=[JsonBody, require("triage.manage")])
def link(initiative_id: PathId, body: Links, org: ApiOrg, db: DbSession) -> dict[str, int]:
    service.get(db=db, org_id=org.id, initiative_id=initiative_id)
    added = service.link(db=db, org_id=org.id, initiative_id=initiative_id, feedback_ids=body.feedback_ids)
    db.commit()
    return {"linked": added}


@router.post("/{initiative_id}/close", response_model=InitiativeRead, dependencies=[require("triage.manage")])
def close(initiative_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> InitiativeRead:
    """Close with the evaluation's verdict; a recurrence of the problem raises an alert."""
    initiative = service.close(db=db, org_id=org.id, actor=actor, initiative_id=initiative_id)
    db.commit()
    return InitiativeRead.model_validate(initiative)
