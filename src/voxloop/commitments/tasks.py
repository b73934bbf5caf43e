"""Outbox handler: tell the right people about a warning, a breach or an escalation."""

from typing import Any

from sqlalchemy import select

from voxloop.accounts.models import Department, Organization, Role, User
from voxloop.commitments import clocks
from voxloop.common import i18n
from voxloop.common.i18n import N_
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.integrations import email
from voxloop.jobs.executor import task
from voxloop.web.render import render

STEP_LABELS = {
    "response": N_("response"),
    "resolution": N_("resolution"),
    "dispatch": N_("dispatch"),
    "handling": N_("handling"),
}


def recipients(db: Any, record: Feedback, kind: str, level: int) -> list[User]:
    """Warnings go to the owner; a breach to the department head; a second escalation to the
    managers. Whoever is missing is replaced by the next in line."""
    users: list[User] = []
    if kind == "warning" and record.assignee_id:
        users = [u for u in [db.get(User, record.assignee_id)] if u and u.is_active]
    if not users and level <= 1 and record.department_id:
        dept = db.get(Department, record.department_id)
        head = db.get(User, dept.head_id) if dept and dept.head_id else None
        users = [head] if head and head.is_active else []
    if not users:
        users = list(
            db.scalars(
                select(User).where(
                    User.org_id == record.org_id, User.role == Role.manager, User.is_active.is_(True)
                )
            )
        )
    return users


@task(clocks.NOTIFY)
def notify(payload: dict[str, Any]) -> None:
    with session_scope(readonly=True) as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        if record is None:
            return
        org = db.get(Organization, record.org_id)
        info = clocks.describe(db, record)
        base = get_settings().base_url.rstrip("/")
        step = STEP_LABELS[payload["step"]]
        for user in recipients(db, record, payload["kind"], int(payload["level"])):
            locale = user.locale or (org.default_locale if org else "en")
            ctx = {
                "record": record,
                "kind": payload["kind"],
                "level": int(payload["level"]),
                "commitment": info["commitment"] or "",
                "step_label": i18n.gettext(step, locale),
                "due": info["due_at"].isoformat() if info["due_at"] else "",
                "url": f"{base}/feedback/{record.id}",
            }
            email.send(
                to=user.email,
                subject=render("email/commitment_subject.txt", locale, **ctx).strip(),
                text=render("email/commitment.txt", locale, **ctx),
                # One message per case, step, level and person: a retry does not send it twice.
                message_id=f"<sla-{record.id}-{payload['step']}-{payload['kind']}-{payload['level']}-{user.id}@voxloop>",
            )
