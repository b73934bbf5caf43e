"""The mail catcher's page: what Voxloop sent while no SMTP server was configured."""

from fastapi import APIRouter, Request, Response

from voxloop.config import get_settings
from voxloop.mail import catcher
from voxloop.web.pages import page, web_require

router = APIRouter(include_in_schema=False)


@router.get("/admin/mail", dependencies=[web_require("admin.manage")])
def mail_page(request: Request) -> Response:
    settings = get_settings()
    return page(
        request,
        "admin/mail.html",
        messages=catcher.recent(settings=settings),
        catching=catcher.wanted(settings),
        smtp=f"{settings.smtp_host}:{settings.smtp_port}",
    )
