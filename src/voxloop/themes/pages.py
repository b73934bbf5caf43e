"""The themes dashboard: this week's themes, which are common problems, their trends, the
records behind each, and the alerts they raised."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import NotFound
from voxloop.initiatives import service as initiatives
from voxloop.jobs import service as jobs
from voxloop.themes import service
from voxloop.themes.tasks import DISCOVER
from voxloop.web.pages import Csrf, WebActor, WebOrg, page, web_require

router = APIRouter(include_in_schema=False)


@router.get("/reports/themes", dependencies=[web_require("kpis.read")])
def themes_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    run = service.latest_run(db=db, org_id=org.id)
    themes = service.list_themes(db=db, org_id=org.id, run_id=run.id) if run else []
    alerts = service.list_alerts(
        db=db, org_id=org.id, open_only=True, kinds=(service.EMERGING, initiatives.RECURRENCE)
    )
    chart = [{"label": t.label, "trend": t.trend} for t in themes[:8]]
    started = initiatives.by_alert(db=db, org_id=org.id, alert_ids=[a.id for a in alerts])
    return page(
        request, "reports/themes.html", run=run, themes=themes, alerts=alerts, chart=chart, started=started
    )


@router.get("/reports/themes/{theme_id}", dependencies=[web_require("kpis.read")])
def theme_page(theme_id: PathId, request: Request, org: WebOrg, db: DbSession) -> Response:
    theme = service.get(db=db, org_id=org.id, theme_id=theme_id)
    if theme is None:
        raise NotFound()
    records = service.members(db=db, org_id=org.id, theme_id=theme.id)
    return page(request, "reports/theme.html", theme=theme, records=records)


@router.post("/reports/themes/discover", dependencies=[Csrf, web_require("triage.manage")])
def discover_now(org: WebOrg, db: DbSession) -> Response:
    jobs.enqueue(db=db, org_id=org.id, task=DISCOVER, payload={"org_id": org.id, "days": 7})
    db.commit()
    return RedirectResponse("/reports/themes?queued=1", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[Csrf, web_require("triage.manage")])
def acknowledge(alert_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    if service.acknowledge(db=db, org_id=org.id, alert_id=alert_id, by=actor.label) is None:
        raise NotFound()
    db.commit()
    return RedirectResponse("/reports/themes", status_code=303)
