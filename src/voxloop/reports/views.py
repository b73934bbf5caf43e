"""REST API for reports: one made now (PDF or Excel, zh or en), and schedules that email them."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from voxloop.common.time import utcnow
from voxloop.common.types import PathId
from voxloop.deps import ApiOrg, DbSession, JsonBody, require
from voxloop.reports import render, service

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
LANGS = {"zh": "zh_CN", "en": "en"}


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=24)
    format: str = Field(default="pdf", max_length=8)
    lang: str = Field(default="zh", pattern="^(zh|en)$")
    frequency: str = Field(default="weekly", max_length=8)
    recipients: list[EmailStr] = Field(min_length=1, max_length=50)


class ScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    format: str
    locale: str
    frequency: str
    recipients: list[str]


@router.get("/schedules", response_model=list[ScheduleRead], dependencies=[require("kpis.read")])
def list_schedules(org: ApiOrg, db: DbSession) -> list[ScheduleRead]:
    return [ScheduleRead.model_validate(s) for s in service.list_schedules(db=db, org_id=org.id)]


@router.post(
    "/schedules",
    response_model=ScheduleRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody, require("triage.manage")],
)
def create_schedule(body: ScheduleCreate, org: ApiOrg, db: DbSession) -> ScheduleRead:
    """Email this report weekly or monthly (the first one goes out with the next daily round)."""
    schedule = service.create_schedule(
        db=db,
        org_id=org.id,
        kind=body.kind,
        fmt=body.format,
        locale=LANGS[body.lang],
        frequency=body.frequency,
        recipients=[str(r) for r in body.recipients],
    )
    db.commit()
    return ScheduleRead.model_validate(schedule)


@router.delete(
    "/schedules/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[require("triage.manage")],
)
def delete_schedule(schedule_id: PathId, org: ApiOrg, db: DbSession) -> Response:
    service.delete_schedule(db=db, org_id=org.id, schedule_id=schedule_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{kind}", dependencies=[require("kpis.read")], response_class=Response)
def report(
    kind: str,
    org: ApiOrg,
    db: DbSession,
    format: Annotated[str, Query(max_length=8)] = "pdf",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    survey_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> Response:
    """The executive scorecard, the improvement status or (kind "survey", with `survey_id`)
    one survey's analysis, made now."""
    content = service.make(db=db, org=org, kind=kind, fmt=format, locale=LANGS[lang], survey_id=survey_id)
    return attachment(content, format, service.filename(org, kind, format, utcnow(), survey_id))


def attachment(content: bytes, fmt: str, filename: str) -> Response:
    """A made report as a download (the API's and the pages' alike)."""
    return Response(
        content,
        media_type=render.FORMATS.get(fmt, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
