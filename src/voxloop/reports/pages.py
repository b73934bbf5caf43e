"""Downloading a report from the scorecard and improvement pages."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from voxloop.common.time import utcnow
from voxloop.deps import DbSession
from voxloop.reports import render, service
from voxloop.web.pages import WebOrg, request_locale, web_require

router = APIRouter(include_in_schema=False)


@router.get("/reports/download/{kind}.{fmt}", dependencies=[web_require("kpis.read")])
def download(
    kind: str,
    fmt: str,
    request: Request,
    org: WebOrg,
    db: DbSession,
    lang: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
) -> Response:
    locale = (
        {"zh": "zh_CN", "en": "en"}[lang]
        if lang
        else ("zh_CN" if request_locale(request).startswith("zh") else "en")
    )
    content = service.make(db=db, org=org, kind=kind, fmt=fmt, locale=locale)
    return Response(
        content,
        media_type=render.FORMATS.get(fmt, "application/octet-stream"),
        headers={
            "Content-Disposition": f'attachment; filename="{service.filename(org, kind, fmt, utcnow())}"'
        },
    )
