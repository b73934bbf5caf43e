"""The ASGI application: API routers, web pages, middleware and the outbox executor."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

import voxloop
from voxloop.accounts.pages import router as accounts_pages_router
from voxloop.accounts.views import router as accounts_router
from voxloop.analytics.pages import router as analytics_pages_router
from voxloop.analytics.views import router as analytics_router
from voxloop.audit.pages import router as audit_pages_router
from voxloop.cases.pages import router as cases_pages_router
from voxloop.cases.views import kpis_router, replies_router, templates_router
from voxloop.cases.views import router as cases_router
from voxloop.commitments.pages import router as commitments_pages_router
from voxloop.commitments.views import router as commitments_router
from voxloop.common.middleware import BodyLimitMiddleware, NulMiddleware, SecurityHeadersMiddleware
from voxloop.config import get_settings
from voxloop.customers.pages import router as customers_pages_router
from voxloop.customers.views import router as customers_router
from voxloop.errors import install_handlers
from voxloop.exports.views import router as exports_router
from voxloop.feedback.pages import router as feedback_pages_router
from voxloop.feedback.public_pages import router as feedback_public_router
from voxloop.feedback.views import router as feedback_router
from voxloop.imports.pages import router as imports_pages_router
from voxloop.imports.views import router as imports_router
from voxloop.initiatives.pages import router as initiatives_pages_router
from voxloop.initiatives.views import router as initiatives_router
from voxloop.jobs.executor import InProcessExecutor
from voxloop.mail.pages import router as mail_pages_router
from voxloop.monitoring.metrics import LatencyMiddleware
from voxloop.monitoring.views import router as monitoring_router
from voxloop.privacy.views import router as privacy_router
from voxloop.reports.pages import router as reports_pages_router
from voxloop.reports.views import router as reports_router
from voxloop.routing.pages import router as routing_pages_router
from voxloop.routing.views import router as routing_router
from voxloop.surveys.pages import router as survey_pages_router
from voxloop.surveys.public_pages import router as survey_public_router
from voxloop.surveys.views import router as surveys_router
from voxloop.text.pages import router as text_pages_router
from voxloop.text.views import router as text_router
from voxloop.themes.pages import router as themes_pages_router
from voxloop.themes.views import router as themes_router
from voxloop.triage.pages import router as triage_pages_router
from voxloop.triage.views import router as triage_router
from voxloop.web import pages
from voxloop.web.views import router as web_router
from voxloop.webhooks.pages import router as webhooks_pages_router
from voxloop.webhooks.views import router as webhooks_router

SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Voxloop API</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="/api/v1/openapi.json"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>
"""


# The routers, in the order FastAPI tries them (at a cost per route): the health check load
# balancers poll and intake first.
ROUTERS = (
    monitoring_router,
    feedback_router,
    accounts_router,
    accounts_pages_router,
    audit_pages_router,
    cases_router,
    templates_router,
    replies_router,
    cases_pages_router,
    kpis_router,
    triage_router,
    triage_pages_router,
    routing_router,
    routing_pages_router,
    commitments_router,
    commitments_pages_router,
    mail_pages_router,
    surveys_router,
    analytics_router,
    analytics_pages_router,
    text_router,
    text_pages_router,
    themes_router,
    themes_pages_router,
    webhooks_router,
    webhooks_pages_router,
    exports_router,
    imports_router,
    imports_pages_router,
    customers_router,
    customers_pages_router,
    initiatives_router,
    initiatives_pages_router,
    reports_router,
    privacy_router,
    reports_pages_router,
    feedback_pages_router,
    feedback_public_router,
    web_router,
    survey_public_router,
    survey_pages_router,
)


def create_app() -> FastAPI:
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if gc.get_freeze_count() == 0:
            # What lives as long as the process (modules, routes, caches) is left out of the
            # collector's full rounds: walking it took most of a second, on the event loop's
            # time, whenever a request made many objects (a large upload's rows).
            gc.collect()
            gc.freeze()
        executor = (
            InProcessExecutor(settings.outbox_poll_seconds)
            if settings.executor == "inprocess" and not settings.broker_url  # scaled mode: workers run jobs
            else None
        )
        if executor:
            executor.start()
        yield
        if executor:
            executor.stop()

    app = FastAPI(
        title="Voxloop",
        version=voxloop.__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from the swagger-ui-dist package, without inline script
        redoc_url=None,
        lifespan=lifespan,
    )
    install_handlers(app, pages.error_page)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/api/v1/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(SWAGGER_PAGE)

    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    swagger = settings.vendor_dir / "swagger-ui-dist"
    app.mount("/vendor/swagger-ui", StaticFiles(directory=swagger, check_dir=False), name="swagger-ui")
    vendor = settings.vendor_dir / "@picocss" / "pico" / "css"
    app.mount("/vendor/pico", StaticFiles(directory=vendor, check_dir=False), name="pico")
    charts = settings.vendor_dir / "echarts" / "dist"
    app.mount("/vendor/echarts", StaticFiles(directory=charts, check_dir=False), name="echarts")
    htmx = settings.vendor_dir / "htmx.org" / "dist"
    app.mount("/vendor/htmx", StaticFiles(directory=htmx, check_dir=False), name="htmx")

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="voxloop_session",
        same_site="lax",
        https_only=settings.base_url.startswith("https"),
    )
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(NulMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(LatencyMiddleware)
    return app
