"""Outbox handlers: discover an organization's themes; email managers about an emerging problem.
Daily: queue the discovery for each organization with recent feedback."""

from typing import Any

from sqlalchemy import select

from voxloop.accounts.models import Organization, Role, User
from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.feedback.models import Feedback
from voxloop.integrations import email
from voxloop.jobs import service as jobs
from voxloop.jobs.registry import periodic, task
from voxloop.mail.compose import render
from voxloop.themes import service
from voxloop.themes.models import Alert, Theme

DISCOVER = "themes.discover"


@task(DISCOVER)
def discover(payload: dict[str, Any]) -> None:
    """Cluster outside the write lock, write inside it."""
    with session_scope(readonly=True) as db:
        found = service.plan(db=db, org_id=int(payload["org_id"]), days=int(payload.get("days", 7)))
    with session_scope() as db, writing(db):
        service.apply(db=db, plan=found)


@periodic("daily", every="themes_seconds")
def schedule_themes() -> int:
    """Queue a theme discovery for each organization with feedback in the last week."""
    with session_scope(readonly=True) as db:
        orgs = service.orgs_with_recent_feedback(db=db)
    if orgs:
        with session_scope() as db, writing(db):
            jobs.enqueue_many(db=db, task=DISCOVER, payloads=[{"org_id": o} for o in orgs], org_id=None)
    return len(orgs)


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
                subject=render("alert_subject.txt", locale, **ctx).strip(),
                text=render("alert.txt", locale, **ctx),
                message_id=f"<alert-{alert.id}-{user.id}@voxloop>",
            )
