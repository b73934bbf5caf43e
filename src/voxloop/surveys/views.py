"""REST API for surveys: building, publishing, results; the public response endpoint."""

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator
from sqlalchemy.orm import Session

from voxloop.common import ratelimit
from voxloop.common.types import PathId
from voxloop.config import get_settings
from voxloop.customers import service as customers
from voxloop.db import session_scope, writing
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.errors import InvalidInput, invalid
from voxloop.feedback.schemas import CustomerIn
from voxloop.surveys import definition as d
from voxloop.surveys import follow_up, invitations, sampling, service, templates
from voxloop.surveys.models import Response, Survey

router = APIRouter(prefix="/api/v1", tags=["surveys"])


class FollowUpRules(BaseModel):
    """Which answers open a follow-up case; a threshold set to null switches that rule off."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    nps_max: Annotated[int, Field(ge=0, le=10)] | None = 6
    csat_max: Annotated[int, Field(ge=1, le=5)] | None = 2
    ces_max: Annotated[int, Field(ge=1, le=7)] | None = 2  # 7 = very easy
    resolution_no: bool = True
    complaint: bool = True  # an open answer the triage models type as a complaint
    resurvey: bool = True  # one question again once the follow-up case is resolved


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=200)] = ""
    definition: dict[str, Any] | None = None
    template: Annotated[str, Field(max_length=40)] | None = None
    anonymous: bool = False
    trigger: Annotated[str, Field(max_length=24)] | None = None
    delay_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 30)] = 0
    contact_cap_days: Annotated[int, Field(ge=0, le=366)] = 30
    remind_after_days: Annotated[int, Field(ge=0, le=60)] = 0
    close_at: AwareDatetime | None = None
    quota: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    follow_up: FollowUpRules = FollowUpRules()


class SurveySettings(BaseModel):
    """The settings PATCH /surveys/{id} changes; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    delay_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 30)] | None = None
    contact_cap_days: Annotated[int, Field(ge=0, le=366)] | None = None
    remind_after_days: Annotated[int, Field(ge=0, le=60)] | None = None
    close_at: AwareDatetime | None = None
    quota: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    follow_up: FollowUpRules | None = None


class SurveyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    status: str
    version: int
    anonymous: bool
    trigger: str | None
    delay_minutes: int
    contact_cap_days: int
    remind_after_days: int
    close_at: datetime | None
    quota: int | None
    definition: dict[str, Any]
    follow_up: FollowUpRules = FollowUpRules()
    link: str = ""

    @field_validator("follow_up", mode="before")
    @classmethod
    def _with_defaults(cls, stored: Any) -> Any:
        return follow_up.Rules.of(stored).as_dict() if isinstance(stored, dict) else stored


class ResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    language: str
    mode: str
    completed: bool
    submitted_at: datetime
    duration_seconds: float | None
    hidden: dict[str, Any]
    answers: dict[str, Any]
    quality_flags: list[dict[str, str]]
    feedback_id: int | None
    follow_up_id: int | None  # the case following this answer up
    resurvey_of_id: int | None  # the answer whose follow-up case this one asks about again


class PublicResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]
    language: Annotated[str, Field(max_length=8)] = "zh"
    complete: bool = True
    token: Annotated[str, Field(max_length=64)] | None = None
    resume: Annotated[str, Field(max_length=64)] | None = None
    hidden: dict[str, Any] = {}
    started_at: AwareDatetime | None = None
    # Giving any of these means "you may contact me": an unhappy answer then opens a case.
    contact: CustomerIn | None = None


class PublicResponseRead(BaseModel):
    id: int
    completed: bool
    resume: str | None  # give it back to continue an unfinished response
    quality_flags: list[dict[str, str]]

    @classmethod
    def of(cls, response: Response) -> "PublicResponseRead":
        return cls(
            id=response.id,
            completed=response.completed,
            resume=response.resume_token,
            quality_flags=response.quality_flags,
        )


def link(survey: Survey) -> str:
    return f"{get_settings().base_url.rstrip('/')}/s/{survey.key}"


def read(survey: Survey) -> SurveyRead:
    out = SurveyRead.model_validate(survey)
    out.link = link(survey)
    return out


@router.get("/survey-templates", dependencies=[require("feedback.read")])
def list_templates() -> list[dict[str, Any]]:
    return [{"key": k, "name": name, "definition": body} for k, (name, body) in templates.TEMPLATES.items()]


@router.get("/surveys/plan", dependencies=[require("feedback.read")])
def plan(
    margin: Annotated[float, Query(ge=0.001, lt=1)] = 0.05,
    confidence: Annotated[float, Query(ge=0.5, le=0.9999)] = 0.95,
    population: Annotated[int, Query(ge=1, le=10**9)] | None = None,
    response_rate: Annotated[float, Query(gt=0, le=1)] = 1.0,
) -> dict[str, Any]:
    """Completes and invitations needed for a margin of error at a confidence level."""
    p = sampling.plan(margin, confidence, population, response_rate)
    return {"completes": p.completes, "invitations": p.invitations}


@router.post(
    "/surveys",
    status_code=status.HTTP_201_CREATED,
    response_model=SurveyRead,
    dependencies=[JsonBody, require("surveys.manage")],
)
def create_survey(body: SurveyCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> SurveyRead:
    survey = service.create(db=db, org_id=org.id, actor=actor, data=body.model_dump())
    db.commit()
    return read(survey)


@router.get("/surveys", response_model=list[SurveyRead], dependencies=[require("feedback.read")])
def list_surveys(org: ApiOrg, db: DbSession) -> list[SurveyRead]:
    return [read(s) for s in service.list_surveys(db=db, org_id=org.id)]


@router.get("/surveys/{survey_id}", response_model=SurveyRead, dependencies=[require("feedback.read")])
def get_survey(survey_id: PathId, org: ApiOrg, db: DbSession) -> SurveyRead:
    return read(service.get(db=db, org_id=org.id, survey_id=survey_id))


@router.get("/surveys/{survey_id}/export", dependencies=[require("surveys.responses")])
def export_survey(survey_id: PathId, org: ApiOrg, db: DbSession) -> dict[str, Any]:
    """The definition as JSON, to import elsewhere with POST /surveys."""
    return service.get(db=db, org_id=org.id, survey_id=survey_id).definition


@router.put(
    "/surveys/{survey_id}/definition",
    response_model=SurveyRead,
    dependencies=[JsonBody, require("surveys.manage")],
)
def edit_survey(
    survey_id: PathId, body: dict[str, Any], org: ApiOrg, actor: ApiActor, db: DbSession
) -> SurveyRead:
    survey = service.edit(db=db, org_id=org.id, actor=actor, survey_id=survey_id, definition=body)
    db.commit()
    return read(survey)


@router.patch(
    "/surveys/{survey_id}", response_model=SurveyRead, dependencies=[JsonBody, require("surveys.manage")]
)
def configure_survey(
    survey_id: PathId, body: SurveySettings, org: ApiOrg, actor: ApiActor, db: DbSession
) -> SurveyRead:
    """Change settings: name, invitation delay, contact cap, automatic reminders, closing date,
    quota. `close_at` and `quota` may be set to null to remove them."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "delay_minutes", "contact_cap_days", "remind_after_days", "follow_up"):
        if key in changes and changes[key] is None:
            raise invalid(key, "cannot be null")
    if "follow_up" in changes:  # the rules given change, the others stay
        current = service.get(db=db, org_id=org.id, survey_id=survey_id).follow_up
        changes["follow_up"] = {**follow_up.Rules.of(current).as_dict(), **changes["follow_up"]}
    survey = service.configure(db=db, org_id=org.id, actor=actor, survey_id=survey_id, changes=changes)
    db.commit()
    return read(survey)


@router.post(
    "/surveys/{survey_id}/publish", response_model=SurveyRead, dependencies=[require("surveys.manage")]
)
def publish_survey(survey_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> SurveyRead:
    survey = service.publish(db=db, org_id=org.id, actor=actor, survey_id=survey_id)
    db.commit()
    return read(survey)


@router.post(
    "/surveys/{survey_id}/close", response_model=SurveyRead, dependencies=[require("surveys.manage")]
)
def close_survey(survey_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> SurveyRead:
    survey = service.close(db=db, org_id=org.id, actor=actor, survey_id=survey_id)
    db.commit()
    return read(survey)


@router.get(
    "/surveys/{survey_id}/responses",
    response_model=list[ResponseRead],
    dependencies=[require("surveys.responses")],
)
def list_responses(survey_id: PathId, org: ApiOrg, db: DbSession) -> list[Response]:
    return service.responses(db=db, org_id=org.id, survey_id=survey_id)


@router.get("/surveys/{survey_id}/summary", dependencies=[require("feedback.read")])
def summary(survey_id: PathId, org: ApiOrg, db: DbSession, include_flagged: bool = False) -> dict[str, Any]:
    return service.summary(db=db, org_id=org.id, survey_id=survey_id, include_flagged=include_flagged)


@router.post(
    "/public/surveys/{survey_key}/responses",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicResponseRead,
    dependencies=[JsonBody],
    tags=["public"],
)
def respond(
    survey_key: Annotated[str, Path(max_length=16)], body: PublicResponse, request: Request
) -> PublicResponseRead:
    """A respondent's answers, keyed by question id; `complete: false` saves them to resume.
    Writers take turns on the write lock (on SQLite) instead of polling the database's own."""
    ratelimit.check_public(request, f"survey:{survey_key}")
    with session_scope() as db, writing(db):
        return _respond(db, survey_key, body, request)


def _respond(db: Session, survey_key: str, body: PublicResponse, request: Request) -> PublicResponseRead:
    response = service.submit(
        db=db,
        key=survey_key,
        sub=service.Submission(
            answers=body.answers,
            language=body.language,
            complete=body.complete,
            token=body.token,
            resume=body.resume,
            hidden=body.hidden,
            started_at=body.started_at,
            mode="email" if body.token else "link",
            fingerprint=service.fingerprint(
                request.headers.get("user-agent", ""),
                request.headers.get("accept-language", ""),
                request.client.host if request.client else "",
            ),
            contact=contact_of(body.contact),
        ),
    )
    db.commit()
    return PublicResponseRead.of(response)


def contact_of(c: CustomerIn | None) -> customers.Contact | None:
    return customers.Contact(name=c.name, email=c.email, phone=c.phone, locale=c.locale) if c else None


class InvitationsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: Annotated[list[EmailStr], Field(min_length=1, max_length=100_000)]
    hidden: dict[str, str] = {}


@router.post(
    "/surveys/{survey_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody, require("surveys.manage")],
)
def create_invitations(
    survey_id: PathId, body: InvitationsCreate, org: ApiOrg, db: DbSession
) -> dict[str, Any]:
    """Personal invitations with single-use links, sent through the outbox. People who opted
    out or were invited within the survey's contact cap are skipped (and counted)."""
    survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
    hidden = {k: v for k, v in body.hidden.items() if k in survey.definition.get("hidden", [])}
    if errors := d.check_hidden(hidden):
        raise InvalidInput(fields=errors)
    emails = [str(e) for e in body.emails]
    recipients = invitations.recipients(db=db, org_id=org.id, emails=emails, hidden=hidden)
    result = invitations.invite(db=db, survey=survey, recipients=recipients)
    db.commit()
    return result


@router.post("/surveys/{survey_id}/reminders", dependencies=[require("surveys.manage")])
def create_reminders(survey_id: PathId, org: ApiOrg, db: DbSession) -> dict[str, int]:
    """One reminder to everyone invited three or more days ago who has not answered."""
    survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
    queued = invitations.remind(db=db, survey=survey)
    db.commit()
    return {"reminded": queued}


class StaffEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]
    language: Annotated[str, Field(max_length=8)] = "zh"
    mode: Annotated[str, Field(max_length=16)]
    hidden: dict[str, Any] = {}


@router.post(
    "/surveys/{survey_id}/entries",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicResponseRead,
    dependencies=[JsonBody, require("feedback.create")],
)
def staff_entry(survey_id: PathId, body: StaffEntry, org: ApiOrg, db: DbSession) -> PublicResponseRead:
    """Answers taken down by staff on the phone, from paper or face to face (the mode is kept)."""
    survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
    if body.mode not in service.STAFF_MODES:
        raise invalid("mode", f"one of {', '.join(service.STAFF_MODES)}")
    response = service.submit(
        db=db,
        key=survey.key,
        sub=service.Submission(
            answers=body.answers, language=body.language, hidden=body.hidden, mode=body.mode
        ),
    )
    db.commit()
    return PublicResponseRead.of(response)


@router.get("/surveys/{survey_id}/analysis", dependencies=[require("kpis.read")])
def analysis(
    survey_id: PathId,
    org: ApiOrg,
    db: DbSession,
    include_flagged: bool = False,
    weights: Annotated[str | None, Query(max_length=5000)] = None,
) -> dict[str, Any]:
    """NPS/CSAT/CES with n and intervals, reliability and correlations of rating blocks,
    SERVQUAL gaps by item and dimension, key drivers with importance-performance quadrants,
    and factor analysis, as far as the questions and n allow. `weights` (JSON): raking targets
    on hidden fields, e.g. {"branch": {"西湖店": 0.4, "外滩店": 0.6}}; indicators then also
    come weighted."""
    from voxloop.analytics import surveys as survey_analysis

    targets = None
    if weights:
        try:
            targets = json.loads(weights)
        except ValueError as exc:
            raise invalid("weights", f"is not JSON: {exc}") from exc
        shape_ok = isinstance(targets, dict) and all(
            isinstance(v, dict) and v and all(isinstance(x, int | float) and x > 0 for x in v.values())
            for v in targets.values()
        )
        if not shape_ok:
            raise invalid(
                "weights", 'a field -> {category: population share} object, e.g. {"branch": {"a": 0.4}}'
            )
    return survey_analysis.analyse(
        db=db, org_id=org.id, survey_id=survey_id, include_flagged=include_flagged, weights=targets
    )


@router.get("/surveys/{survey_id}/compare", dependencies=[require("kpis.read")])
def compare(
    survey_id: PathId,
    org: ApiOrg,
    db: DbSession,
    metric: Annotated[str, Query(max_length=100)],
    by: Annotated[str, Query(max_length=100)],
    include_flagged: bool = False,
) -> dict[str, Any]:
    """`metric` (an NPS question, else the mean of a scored question or a matrix row as
    "question.row") in each group of `by` (language, mode, a hidden field such as branch or
    channel, a single-choice question): per group n, value and 95 % interval; the test across
    groups, and each pair with Holm-adjusted p and effect size. Groups with fewer than 5 answers
    are shown but not compared."""
    from voxloop.analytics import surveys as survey_analysis

    return survey_analysis.compare(
        db=db, org_id=org.id, survey_id=survey_id, metric=metric, by=by, include_flagged=include_flagged
    )
