"""Closing the loop with a respondent: an unhappy answer opens a follow-up case, through the
same intake as every other channel."""

import hashlib
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.service import Actor
from voxloop.cases import service as cases
from voxloop.common import i18n
from voxloop.common.time import utcnow
from voxloop.customers import service as customers
from voxloop.customers.models import Customer
from voxloop.db import writing
from voxloop.feedback import flows as intake
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.jobs import service as jobs
from voxloop.surveys import follow_up
from voxloop.surveys.models import Invitation, Response, Survey, SurveyVersion
from voxloop.text import analysis

OPEN_FOLLOW_UP = "surveys.open_follow_up"
CHANNEL = "survey"


class _Taken(Exception):
    """Another run followed this response up first."""


class _Open(Exception):
    """The respondent has an open case (one opened meanwhile, perhaps): note the answer there."""

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id


def after_response(
    *,
    db: Session,
    survey: Survey,
    definition: dict[str, Any],
    response: Response,
    contact: customers.Contact | None,
) -> bool:
    """In the transaction that completes a response: when its answers call for a follow-up and
    there is someone to contact, link the respondent and queue the case (the response write
    stays fast; the case is opened by the outbox, so it is not lost either). Who may be
    contacted: whoever left an email or a phone with the answer, else the customer the
    invitation was for; an anonymous survey only the former."""
    rules = follow_up.Rules.of(survey.follow_up)
    if response.resurvey_of_id is not None:
        return False  # the answer after a follow-up case: recovery, not another case
    if not (
        follow_up.triggers(definition, response.answers, rules)
        or follow_up.may_complain(definition, response.answers, rules)
    ):
        return False
    if contact is not None and (contact.email or contact.phone):
        response.customer_id = customers.resolve_many(db=db, org_id=survey.org_id, contacts=[contact])[0]
    elif response.customer_id is None and response.invitation_id is not None and not survey.anonymous:
        invitation = db.get(Invitation, response.invitation_id)
        if invitation is not None:
            found = customers.resolve_many(
                db=db, org_id=survey.org_id, contacts=[customers.Contact(email=invitation.email)]
            )
            response.customer_id = found[0]
    if response.customer_id is None:
        return False  # counted, not followed up: nobody to call back
    jobs.enqueue(db=db, org_id=survey.org_id, task=OPEN_FOLLOW_UP, payload={"response_id": response.id})
    return True


def open_follow_up(*, db: Session, response_id: int) -> int | None:
    """Open the follow-up case of a response, or note the answer on the respondent's open
    case; the case's id, None when nothing is to be done. Idempotent: a response is followed
    up once, however often this runs (the unique survey_response_id of the record, and the
    response's follow_up_id written in the same transaction)."""
    due = _due(db, response_id)
    if due is None:
        return None
    response, survey, org, customer = due
    definition = db.scalar(
        select(SurveyVersion.definition).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == response.version
        )
    )
    rules = follow_up.Rules.of(survey.follow_up)
    found = follow_up.triggers(definition or {}, response.answers, rules, complaints)
    if not found:  # not unhappy after all (the open answer is no complaint), or switched off
        return None
    locale = i18n.normalize(response.language)
    text = follow_up.describe(
        definition or {},
        response.answers,
        found,
        language=response.language,
        response_id=response.id,
        gettext=lambda m: i18n.gettext(m, locale),
    )
    actor = Actor(label=f"survey:{survey.id}")
    open_case = _open_case(db, customer)
    if open_case is None:
        try:
            return _open(db, org, actor, response, customer, text)
        except (IntegrityError, _Taken):
            db.rollback()  # another run opened it first
            return None
        except _Open as exc:
            db.rollback()
            open_case = exc.case_id
    return _note(db, org.id, actor, response.id, open_case, text)


def _due(db: Session, response_id: int) -> tuple[Response, Survey, Organization, Customer] | None:
    """A completed response not yet followed up, from a customer still on file, that answers
    no follow-up case and is itself no case's survey; None otherwise."""
    response = db.get(Response, response_id)
    if response is None or not response.completed or response.follow_up_id is not None:
        return None
    if response.resurvey_of_id is not None:
        return None  # the survey after a follow-up case: recovery, not another case
    survey = db.get(Survey, response.survey_id)
    org = db.get(Organization, response.org_id)
    customer = db.get(Customer, response.customer_id) if response.customer_id else None
    if survey is None or org is None or customer is None or customer.erased_at is not None:
        return None
    if response.feedback_id is not None:
        origin = db.get(Feedback, response.feedback_id)
        if origin is not None and origin.survey_response_id is not None:
            return None
    return response, survey, org, customer


def _note(db: Session, org_id: int, actor: Actor, response_id: int, case_id: int, text: str) -> int | None:
    """Note the answer on the respondent's open case; None when another run linked it first."""
    with writing(db):
        try:
            _link(db, response_id, case_id)
        except _Taken:
            db.rollback()
            return None
        cases.add_note(db=db, org_id=org_id, actor=actor, feedback_id=case_id, text=text)
    return case_id


def complaints(texts: list[str]) -> list[bool]:
    """Which open answers the triage models type as complaints (read as live triage reads a
    small batch: with the sentence encoder)."""
    return [g.feedback_type == "complaint" for g in analysis.guess(texts, meaning=True)]


def _open(
    db: Session, org: Organization, actor: Actor, response: Response, customer: Customer, text: str
) -> int:
    hidden = response.hidden or {}
    draft = feedback.Draft(
        channel=CHANNEL,
        description=text,
        received_at=utcnow(),
        contact=customers.Contact(
            name=customer.name, email=customer.email, phone=customer.phone, locale=customer.locale
        ),
        touchpoint=_line(hidden.get("touchpoint")),
        product=_line(hidden.get("product")),
        branch=_line(hidden.get("branch")),
        language=response.language,
        survey_response_id=response.id,
    )
    response_id = response.id

    def claim(s: Session, rows: list[feedback.Created]) -> None:
        # Checked again in the transaction that writes the case, in turn with any other run for
        # the same respondent: on PostgreSQL, writers run at once.
        _one_at_a_time(s, customer)
        other = _open_case(s, customer, besides=rows[0].id)
        if other is not None:
            raise _Open(other)
        _link(s, response_id, rows[0].id)

    created = intake.receive(db=db, org=org, actor=actor, drafts=[draft], also=claim)
    return created[0].id


def _open_case(db: Session, customer: Customer, besides: int | None = None) -> int | None:
    """The respondent's latest open case: theirs, or of anyone with their email or phone."""
    same = [Customer.id == customer.id]
    if customer.email:
        same.append(Customer.email == customer.email)
    if customer.phone:
        same.append(Customer.phone == customer.phone)
    stmt = (
        select(Feedback.id)
        .join(Customer, Customer.id == Feedback.customer_id)
        .where(
            Customer.org_id == customer.org_id,
            or_(*same),
            Feedback.status.not_in(feedback.FINISHED),
        )
        .order_by(Feedback.id.desc())
        .limit(1)
    )
    if besides is not None:
        stmt = stmt.where(Feedback.id != besides)
    return db.scalar(stmt)


def _one_at_a_time(db: Session, customer: Customer) -> None:
    """Until this transaction ends, other follow-ups of the same respondent wait (SQLite's
    writers take turns already)."""
    if db.get_bind().dialect.name != "postgresql":
        return
    who = f"follow-up:{customer.org_id}:{customer.email or customer.phone or customer.id}"
    key = int.from_bytes(hashlib.blake2b(who.encode(), digest_size=8).digest(), signed=True)
    db.execute(select(func.pg_advisory_xact_lock(key)))


def _link(db: Session, response_id: int, feedback_id: int) -> None:
    result = db.execute(
        update(Response)
        .where(Response.id == response_id, Response.follow_up_id.is_(None))
        .values(follow_up_id=feedback_id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise _Taken()


def _line(value: Any) -> str | None:
    return str(value)[:200] if value not in (None, "") else None
