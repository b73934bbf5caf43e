"""Health and metrics endpoints, for load balancers and Prometheus."""

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import voxloop
from voxloop.db import session_scope
from voxloop.monitoring import metrics

router = APIRouter(tags=["meta"])


def _check() -> dict[str, Any]:
    with session_scope(readonly=True) as db:
        db.execute(text("SELECT 1"))
    return metrics.outbox_state()


@router.get("/api/v1/health")
async def health() -> Response:
    """200 when the database answers (with the outbox's depth and lag), else 503: a load
    balancer takes the process out of rotation until the database is back."""
    try:
        outbox = await run_in_threadpool(_check)
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "down", "version": voxloop.__version__},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ok", "database": "up", "version": voxloop.__version__, "outbox": outbox})


@router.get("/api/v1/health/live")
async def live() -> Response:
    """200 while the process answers, without touching the database: a liveness probe (restart
    the process when it fails), and the benchmarks' no-op baseline."""
    return JSONResponse({"status": "ok", "version": voxloop.__version__})


@router.get("/metrics", include_in_schema=False)
async def prometheus() -> Response:
    body = await run_in_threadpool(generate_latest, metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
