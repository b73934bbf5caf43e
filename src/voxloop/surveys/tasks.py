"""Outbox handlers: invitation and reminder emails. Periodically: the reminders that are due."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from voxloop.accounts.models import Organization
from voxloop.common import i18n
from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.customers.models import Customer
from voxloop.db import session_scope, writing
from voxloop.feedback.models import Feedback
from voxloop.integrations import email
from voxloop.jobs.registry import periodic, task
from voxloop.mail.compose import render
from voxloop.surveys import flows, invitations
from voxloop.surveys.invitations import CANCELLED, CASE_FINISHED, INVITE, REMIND
from voxloop.surveys.models import Invitation, Survey


def _send(invitation_id: int, reminder: bool) -> None:
    with session_scope() as db:
        invitation = db.get(Invitation, invitation_id)
        if invitation is None or invitation.status not in ("pending", "sent"):
            return  # answered, bounced or unsubscribed meanwhile
        if (reminder and invitation.reminded_at) or (not reminder and invitation.sent_at):
            return  # sent already: this message ran before
        survey = db.get(Survey, invitation.survey_id)
        org = db.get(Organization, invitation.org_id)
        if survey is None or org is None or survey.status != "live":
            return
        record = db.get(Feedback, invitation.feedback_id) if invitation.feedback_id else None
        if record is not None and record.status not in CASE_FINISHED:
            # Reopened while this message waited in the queue: a survey now would ask about
            # a case that is not finished; one already sent is not reminded of.
            if not reminder:
                with writing(db):
                    invitation.status = CANCELLED
            return
        customer = db.get(Customer, invitation.customer_id) if invitation.customer_id else None
        wanted = i18n.customer_locale(
            record.language if record else None, customer.locale if customer else None, org.default_locale
        )
        languages = survey.definition.get("languages", ["zh"])
        lang = "zh" if wanted == "zh_CN" else "en"
        lang = lang if lang in languages else languages[0]
        locale = "zh_CN" if lang == "zh" else "en"
        base = get_settings().base_url.rstrip("/")
        ctx = {
            "org": org,
            "title": survey.definition["title"][lang],
            "url": f"{base}/s/{survey.key}?{urlencode({'t': invitation.token, 'lang': lang})}",
            "unsubscribe": f"{base}/s/unsubscribe/{invitation.token}",
            "reminder": reminder,
        }
        db.commit()
        email.send(
            to=invitation.email,
            subject=render("survey_subject.txt", locale, **ctx).strip(),
            text=render("survey.txt", locale, **ctx),
            message_id=f"<survey-{invitation.id}-{'r' if reminder else 'i'}@voxloop>",
        )
        with writing(db):
            if reminder:
                invitation.reminded_at = utcnow()
            else:
                invitation.sent_at = utcnow()
                invitation.status = "sent"


@task(INVITE)
def send_invitation(payload: dict[str, Any]) -> None:
    _send(int(payload["invitation_id"]), reminder=False)


@task(REMIND)
def send_reminder(payload: dict[str, Any]) -> None:
    _send(int(payload["invitation_id"]), reminder=True)


@task(flows.OPEN_FOLLOW_UP)
def open_follow_up(payload: dict[str, Any]) -> None:
    """An unhappy answer: its follow-up case, or a note on the respondent's open one."""
    with session_scope() as db:
        flows.open_follow_up(db=db, response_id=int(payload["response_id"]))


@periodic("reminders", every="reminders_seconds")
def send_reminders() -> int:
    """Remind those who have not answered a survey that reminds by itself, once, its number of
    days after their invitation."""
    with session_scope(readonly=True) as db:
        surveys = [(s.id, s.remind_after_days) for s in invitations.live_with_reminders(db=db)]
    reminded = 0
    for survey_id, days in surveys:
        with session_scope() as db, writing(db):
            survey = db.get(Survey, survey_id)
            if survey is not None:
                reminded += invitations.remind(db=db, survey=survey, older_than=timedelta(days=days))
    return reminded
