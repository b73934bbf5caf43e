"""Outbox handlers: discover an organization's themes; email managers about an emerging problem."""

from typing import Any

from sqlalchemy import select

from voxloop.accounts.models import Organization, Role, User
from voxloop.config import get_settings
from voxloop.db import session_scope, write_lock
from voxloop.feedback.models import Feedback
from voxloop.integrations import email
from voxloop.jobs.executor import task
from voxloop.themes import service
from voxloop.themes.models import Alert, Theme
from voxloop.web.render import render

DISCOVER = "themes.discover"


@task(DISCOVER)
def discover(payload: dict[str, Any]) -> None:
    """Cluster outside the write lock, write inside it."""
    with session_scope(readonly=True) as db:
        found = service.plan(db=db, org_id=int(payload["org_id"]), days=int(payload.get("days", 7)))
    with write_lock(), session_scope() as db:
        service.apply(db=db, plan=found)
        db.commit()


@task(service.ALERT)
def alert_email(payload: dict[str, Any]) -> None:
    """To the organization's admins and managers, each in their language; sent once per person
    (a stable Message-ID)."""
    with session_scope(readonly=True) as db:
        alert = db.get(Alert, int(payload["alert_id"]))
        theme = db.get(Theme, alert.theme_id) if alert and alert.theme_id else None
        if alert is None or theme is None:
            return
        org = db.get(Organization, alert.org_id)
        examples = list(db.scalars(select(Feedback).where(Feedback.id.in_(theme.example_ids))))
        people = db.scalars(
            select(User).where(
                User.org_id == alert.org_id,
                User.role.in_([Role.admin, Role.manager]),
                User.is_active.is_(True),
            )
        )
        url = f"{get_settings().base_url.rstrip('/')}/reports/themes/{theme.id}"
        for user in people:
            locale = user.locale or (org.default_locale if org else "en")
            ctx = {"alert": alert, "theme": theme, "examples": examples, "url": url}
            email.send(
                to=user.email,
                subject=render("email/alert_subject.txt", locale, **ctx).strip(),
                text=render("email/alert.txt", locale, **ctx),
                message_id=f"<alert-{alert.id}-{user.id}@voxloop>",
            )
