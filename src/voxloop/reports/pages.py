"""Downloading a report from the scorecard, improvement and survey analysis pages."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from voxloop.common.time import utcnow
from voxloop.deps import DbSession
from voxloop.reports import service
from voxloop.reports.views import attachment
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
    survey_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> Response:
    """A report in the language asked for (a general manager's may not be the analyst's),
    else the page's; kind "survey" is one survey's, from its analysis page."""
    locale = _locale(request, lang)
    content = service.make(db=db, org=org, kind=kind, fmt=fmt, locale=locale, survey_id=survey_id)
    return attachment(content, fmt, service.filename(org, kind, fmt, utcnow(), survey_id))


def _locale(request: Request, lang: str | None) -> str:
    if lang:
        return {"zh": "zh_CN", "en": "en"}[lang]
    return "zh_CN" if request_locale(request).startswith("zh") else "en"
