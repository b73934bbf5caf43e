"""REST API for themes, common problems and alerts."""

from fastapi import APIRouter, status

from voxloop.common.types import PathId
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.errors import NotFound
from voxloop.jobs import service as jobs
from voxloop.themes import service
from voxloop.themes.schemas import AlertRead, DiscoverRequest, ThemeDetail, ThemeRead, ThemesPage
from voxloop.themes.tasks import DISCOVER

router = APIRouter(prefix="/api/v1", tags=["themes"])


@router.get("/themes", response_model=ThemesPage, dependencies=[require("kpis.read")])
def list_themes(org: ApiOrg, db: DbSession) -> ThemesPage:
    """The latest discovery: common problems first, then individual ones, largest first."""
    run = service.latest_run(db=db, org_id=org.id)
    themes = service.list_themes(db=db, org_id=org.id, run_id=run.id) if run else []
    return ThemesPage.model_validate({"run": run, "themes": themes}, from_attributes=True)


@router.get("/themes/{theme_id}", response_model=ThemeDetail, dependencies=[require("kpis.read")])
def get_theme(theme_id: PathId, org: ApiOrg, db: DbSession) -> ThemeDetail:
    """A theme with the records behind it."""
    theme = service.get(db=db, org_id=org.id, theme_id=theme_id)
    if theme is None:
        raise NotFound()
    members = service.members(db=db, org_id=org.id, theme_id=theme.id)
    return ThemeDetail.model_validate(
        {**ThemeRead.model_validate(theme).model_dump(), "members": members}, from_attributes=True
    )


@router.post(
    "/themes/discover",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[JsonBody, require("triage.manage")],
)
def discover(body: DiscoverRequest, org: ApiOrg, db: DbSession) -> dict[str, bool]:
    """Find the themes of the last `days` days now, in the background."""
    jobs.enqueue(db=db, org_id=org.id, task=DISCOVER, payload={"org_id": org.id, "days": body.days})
    db.commit()
    return {"queued": True}


@router.get("/alerts", response_model=list[AlertRead], dependencies=[require("kpis.read")])
def list_alerts(org: ApiOrg, db: DbSession, open: bool = False) -> list[AlertRead]:
    return [AlertRead.model_validate(a) for a in service.list_alerts(db=db, org_id=org.id, open_only=open)]


@router.post(
    "/alerts/{alert_id}/acknowledge", response_model=AlertRead, dependencies=[require("triage.manage")]
)
def acknowledge(alert_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> AlertRead:
    alert = service.acknowledge(db=db, org_id=org.id, alert_id=alert_id, by=actor.label)
    if alert is None:
        raise NotFound()
    db.commit()
    return AlertRead.model_validate(alert)
