"""REST API for case work: status transitions, internal notes, the timeline."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from voxloop.cases import kpis, service, templates
from voxloop.cases.schemas import (
    AdoptionCreate,
    EventRead,
    NoteCreate,
    ReplyCreate,
    ReplyTemplateCreate,
    ReplyTemplateRead,
    ReplyTemplateUpdate,
    TransitionCreate,
)
from voxloop.common.time import utcnow
from voxloop.common.types import BodyId, PathId
from voxloop.deps import ApiActor, ApiOrg, ApiUser, DbSession, JsonBody, require
from voxloop.errors import NotFound, invalid
from voxloop.feedback import service as feedback
from voxloop.feedback.schemas import FeedbackRead
from voxloop.feedback.views import read_cases

router = APIRouter(prefix="/api/v1/feedback", tags=["cases"])


@router.post(
    "/{feedback_id}/transitions",
    response_model=FeedbackRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def create_transition(
    feedback_id: PathId, body: TransitionCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> FeedbackRead:
    record = service.transition(
        db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, to=body.to, note=body.note
    )
    db.commit()
    return read_cases(db, org.id, [record])[0]


@router.post(
    "/{feedback_id}/notes",
    status_code=status.HTTP_201_CREATED,
    response_model=list[EventRead],
    dependencies=[JsonBody, require("feedback.handle")],
)
def create_note(
    feedback_id: PathId, body: NoteCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> list[EventRead]:
    service.add_note(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, text=body.text)
    db.commit()
    return _events(db, org.id, feedback_id, contacts=True)  # who may write notes reads contacts


@router.post(
    "/{feedback_id}/replies",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def create_reply(
    feedback_id: PathId, body: ReplyCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> FeedbackRead:
    """Answer the customer (tracking page, and email when they left an address)."""
    record = service.reply(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, text=body.text)
    db.commit()
    return read_cases(db, org.id, [record])[0]


@router.post(
    "/{feedback_id}/adoption",
    status_code=status.HTTP_201_CREATED,
    response_model=list[EventRead],
    dependencies=[JsonBody, require("feedback.handle")],
)
def create_adoption(
    feedback_id: PathId, body: AdoptionCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> list[EventRead]:
    """Adopt a suggestion, rewarding its customer with points (once per case; 409 after)."""
    service.adopt(
        db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, points=body.points, note=body.note
    )
    db.commit()
    return _events(db, org.id, feedback_id, contacts=True)


class MergeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: BodyId


@router.post(
    "/{feedback_id}/merge",
    response_model=FeedbackRead,
    dependencies=[JsonBody, require("feedback.handle")],
)
def merge(
    feedback_id: PathId, body: MergeCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> FeedbackRead:
    """Merge this duplicate into the case `into`; answers with the case that carries on."""
    target = service.merge(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, into=body.into)
    db.commit()
    return read_cases(db, org.id, [target])[0]


@router.get(
    "/{feedback_id}/timeline", response_model=list[EventRead], dependencies=[require("feedback.read")]
)
def get_timeline(feedback_id: PathId, org: ApiOrg, user: ApiUser, db: DbSession) -> list[EventRead]:
    return _events(db, org.id, feedback_id, contacts=user.can("customers.read"))


def _events(db: DbSession, org_id: int, feedback_id: int, contacts: bool) -> list[EventRead]:
    record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    return [EventRead.model_validate(e) for e in feedback.timeline(db=db, record=record, contacts=contacts)]


class TemplateRead(BaseModel):
    kind: str
    locale: str
    subject: str
    body: str
    variables: list[str]


class TemplateWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, StringConstraints(max_length=500)]
    body: Annotated[str, StringConstraints(max_length=20_000)]


templates_router = APIRouter(prefix="/api/v1/templates", tags=["cases"])


@templates_router.get("", response_model=list[TemplateRead], dependencies=[require("feedback.read")])
def list_templates(org: ApiOrg, db: DbSession) -> list[TemplateRead]:
    """The messages customers get (thank-yous), in each language, with their variables."""
    out = []
    for kind, locale in templates.DEFAULTS:
        subject, body = service.template(db=db, org_id=org.id, kind=kind, locale=locale)
        out.append(
            TemplateRead(
                kind=kind, locale=locale, subject=subject, body=body, variables=list(templates.VARIABLES)
            )
        )
    return out


@templates_router.put(
    "/{kind}/{locale}", response_model=TemplateRead, dependencies=[JsonBody, require("triage.manage")]
)
def put_template(
    kind: Annotated[str, Path(max_length=40)],
    locale: Annotated[str, Path(max_length=8)],
    body: TemplateWrite,
    org: ApiOrg,
    actor: ApiActor,
    db: DbSession,
) -> TemplateRead:
    service.set_template(
        db=db, org_id=org.id, actor=actor, kind=kind, locale=locale, subject=body.subject, body=body.body
    )
    db.commit()
    return TemplateRead(
        kind=kind, locale=locale, subject=body.subject, body=body.body, variables=list(templates.VARIABLES)
    )


replies_router = APIRouter(prefix="/api/v1/reply-templates", tags=["cases"])


@replies_router.get("", response_model=list[ReplyTemplateRead], dependencies=[require("feedback.handle")])
def list_reply_templates(org: ApiOrg, db: DbSession) -> list[ReplyTemplateRead]:
    """The canned replies agents start from, by name."""
    return [ReplyTemplateRead.model_validate(t) for t in service.list_reply_templates(db=db, org_id=org.id)]


@replies_router.get(
    "/{reply_template_id}", response_model=ReplyTemplateRead, dependencies=[require("feedback.handle")]
)
def get_reply_template(reply_template_id: PathId, org: ApiOrg, db: DbSession) -> ReplyTemplateRead:
    return ReplyTemplateRead.model_validate(
        service.get_reply_template(db=db, org_id=org.id, template_id=reply_template_id)
    )


@replies_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReplyTemplateRead,
    dependencies=[JsonBody, require("triage.manage")],
)
def create_reply_template(
    body: ReplyTemplateCreate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> ReplyTemplateRead:
    row = service.create_reply_template(db=db, org_id=org.id, actor=actor, **body.model_dump())
    db.commit()
    return ReplyTemplateRead.model_validate(row)


@replies_router.patch(
    "/{reply_template_id}",
    response_model=ReplyTemplateRead,
    dependencies=[JsonBody, require("triage.manage")],
)
def update_reply_template(
    reply_template_id: PathId, body: ReplyTemplateUpdate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> ReplyTemplateRead:
    """Leave a field out to keep it; a text set to null or "" is cleared."""
    changes = {k: v or "" for k, v in body.model_dump(exclude_unset=True).items()}
    row = service.update_reply_template(
        db=db, org_id=org.id, actor=actor, template_id=reply_template_id, changes=changes
    )
    db.commit()
    return ReplyTemplateRead.model_validate(row)


@replies_router.delete(
    "/{reply_template_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[require("triage.manage")]
)
def delete_reply_template(reply_template_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> Response:
    service.delete_reply_template(db=db, org_id=org.id, actor=actor, template_id=reply_template_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


kpis_router = APIRouter(prefix="/api/v1/kpis", tags=["cases"])


@kpis_router.get("", dependencies=[require("kpis.read")])
def get_kpis(
    org: ApiOrg,
    db: DbSession,
    by: Annotated[str, Query(pattern="^(department|agent|channel)$")] = "department",
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
) -> dict[str, Any]:
    """Service KPIs per department, agent or channel for records received in [from, to)
    (default: the last 30 days)."""
    end = to or utcnow()
    start = from_ or end - timedelta(days=30)
    if start >= end:
        raise invalid("from", "must be before to")
    return kpis.report(db, org.id, by, start, end)
