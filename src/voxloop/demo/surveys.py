"""The demo's surveys: the post-case CSAT that closed cases answered, the relationship NPS
answered quarter by quarter and the SERVQUAL study of S4, through the survey service so quality
flags are worked out; the follow-up cases their unhappy answers opened, and the re-survey after
each closed one."""

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.service import SYSTEM, Actor
from voxloop.common import i18n
from voxloop.common.time import as_utc, utcnow
from voxloop.customers import service as customers
from voxloop.customers.models import Customer
from voxloop.customers.service import Contact
from voxloop.demo import texts
from voxloop.feedback import flows as intake
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.jobs.models import OutboxMessage
from voxloop.surveys import flows, follow_up, invitations, optouts, templates
from voxloop.surveys import service as surveys
from voxloop.surveys.models import Invitation, Response, Survey


@dataclass(frozen=True)
class Closed:
    """A case of the demo's history, as the CSAT survey sees it."""

    feedback_id: int
    resolved_at: datetime
    late: bool
    language: str
    channel: str
    branch: str | None


_CSAT_WHY = {
    "zh": ("处理太慢了，等了好几天", "问题没有真正解决", "客服态度还可以，但是没人跟进", "补偿不合理"),
    "en": ("It took days to hear back", "The problem was not really solved", "Nobody followed up"),
}
_NPS_WHY = {
    ("zh", "promoter"): ("位置方便，服务周到", "房间干净，早餐丰富", "前台很热情，下次还会来", "性价比高"),
    ("zh", "passive"): ("整体还行，价格偏贵", "房间不错，但隔音一般", "服务可以，设施有点旧"),
    ("zh", "detractor"): ("早餐太挤了，每次都要排队", "WiFi经常断线", "退房排队太久", "投诉了没人处理"),
    ("en", "promoter"): ("Great location and friendly staff", "Clean rooms, good breakfast", "A smooth stay"),
    ("en", "passive"): ("Fine overall, a bit pricey", "Good room, thin walls", "OK service, dated rooms"),
    ("en", "detractor"): ("Breakfast is always packed", "The Wi-Fi kept dropping", "Nobody answered me"),
}  # fmt: skip


def _answer(
    db: Session,
    key: str,
    *,
    language: str,
    answers: dict[str, Any],
    hidden: dict[str, Any] | None,
    at: datetime,
    rng: Random,
    seconds: float | None = None,
    token: str | None = None,
) -> Response:
    """Submit one response (to a personal invitation: `token`) and date it `at`; it took
    `seconds`, else a short survey's time, a few respondents speeding through."""
    if seconds is None:
        seconds = rng.uniform(4, 9) if rng.random() < 0.04 else rng.lognormvariate(3.7, 0.5)
    response = surveys.submit(
        db=db,
        key=key,
        sub=surveys.Submission(
            answers=answers,
            language=language,
            hidden=hidden,
            started_at=utcnow() - timedelta(seconds=seconds),
            mode="email",
            token=token,
        ),
    )
    response.started_at = at - timedelta(seconds=seconds)
    response.submitted_at = at
    return response


def post_case_csat(db: Session, org_id: int, closed: list[Closed], rng: Random, share: float = 0.15) -> int:
    """The S1 survey, sent a day after a case is resolved; about `share` of closed cases answer.
    A case that broke its commitment is answered less kindly."""
    survey = surveys.create(
        db=db,
        org_id=org_id,
        actor=SYSTEM,
        data={"template": "csat_post_case", "trigger": "case_resolved", "delay_minutes": 24 * 60},
    )
    surveys.publish(db=db, org_id=org_id, actor=SYSTEM, survey_id=survey.id)
    db.flush()
    n = 0
    now = utcnow()
    for case in closed:
        if rng.random() >= share:
            continue
        at = case.resolved_at + timedelta(days=1, hours=rng.uniform(0, 30))
        if at >= now:
            continue
        weights = (20, 18, 22, 25, 15) if case.late else (3, 5, 10, 32, 50)
        csat = rng.choices((1, 2, 3, 4, 5), weights)[0]
        resolved = "yes" if csat >= 4 else rng.choice(("partly", "no", "yes"))
        answers: dict[str, Any] = {"csat": csat, "resolved": resolved}
        if csat <= 3 and rng.random() < 0.6:
            answers["why"] = rng.choice(_CSAT_WHY[case.language])
        hidden = {"case_id": str(case.feedback_id), "channel": case.channel, "branch": case.branch or ""}
        response = _answer(
            db, survey.key, language=case.language, answers=answers, hidden=hidden, at=at, rng=rng
        )
        response.feedback_id = case.feedback_id
        n += 1
    return n


def post_case_ces(db: Session, org_id: int, closed: list[Closed], rng: Random, share: float = 0.12) -> int:
    """The customer-effort question (CES, 1 very difficult to 7 very easy), asked by email a day
    after a case is resolved to some of the guests who were not sent the CSAT survey; a case
    that broke its commitment took more effort. Sent by hand, so today's cases get one survey."""
    survey = surveys.create(db=db, org_id=org_id, actor=SYSTEM, data={"template": "ces"})
    # Call-backs come from the NPS and CSAT answers, whose re-surveys make the inner loop's
    # cards (a CES answer of 1-2 would take a call-back, not a re-survey that can recover).
    survey.follow_up = {**(survey.follow_up or {}), "ces_max": None}
    surveys.publish(db=db, org_id=org_id, actor=SYSTEM, survey_id=survey.id)
    db.flush()
    asked = set(db.scalars(select(Response.feedback_id).where(Response.feedback_id.is_not(None))))
    n, now = 0, utcnow()
    for case in closed:
        if case.feedback_id in asked or rng.random() >= share:
            continue
        at = case.resolved_at + timedelta(days=1, hours=rng.uniform(0, 30))
        if at >= now:
            continue
        weights = (12, 15, 18, 20, 15, 12, 8) if case.late else (2, 3, 6, 12, 22, 30, 25)
        hidden = {"case_id": str(case.feedback_id), "channel": case.channel, "branch": case.branch or ""}
        answers = {"ces": rng.choices(range(1, 8), weights)[0]}
        response = _answer(
            db, survey.key, language=case.language, answers=answers, hidden=hidden, at=at, rng=rng
        )
        response.feedback_id = case.feedback_id
        n += 1
    return n


# The relationship NPS is a monthly pulse: sent to the guest list on each month's first morning,
# answered over the days after (most within two). This month's answers are those in before
# today; early in a month, the wave is squeezed into the hours that have passed, so the
# scorecard's "this month" (and its follow-up rates) has answers whatever day the demo loads.
NPS_PER_MONTH = 150
NPS_ANSWER_DAYS = 1.5  # mean days from the invitation to an answer
NPS_WAVE_DAYS = 10  # the last answers come in by then


def month_start(at: datetime, back: int = 0) -> datetime:
    """The first instant of the calendar month `back` months before `at`'s (UTC, as the
    scorecard counts months)."""
    index = at.year * 12 + at.month - 1 - back
    return at.replace(
        year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def relationship_nps(db: Session, org_id: int, rng: Random, months: int = 12) -> int:
    """The relationship survey, one wave a month; promoters grow slowly."""
    survey = surveys.create(db=db, org_id=org_id, actor=SYSTEM, data={"template": "nps"})
    surveys.publish(db=db, org_id=org_id, actor=SYSTEM, survey_id=survey.id)
    db.flush()
    now = utcnow()
    n = 0
    for m in range(months):  # m = 0 is the oldest month
        sent = month_start(now, back=months - 1 - m) + timedelta(hours=2)
        squeeze = min(1.0, (now - sent) / timedelta(days=NPS_WAVE_DAYS))
        promoters, detractors = 0.40 + 0.01 * m, 0.24 - 0.008 * m
        for _ in range(NPS_PER_MONTH):
            draw = rng.random()
            if draw < promoters:
                score, group = rng.choice((9, 10, 10)), "promoter"
            elif draw < promoters + detractors:
                score, group = rng.choices(range(7), (1, 1, 2, 3, 4, 6, 8))[0], "detractor"
            else:
                score, group = rng.choice((7, 8, 8)), "passive"
            language = "en" if rng.random() < 0.3 else "zh"
            answers: dict[str, Any] = {"nps": score}
            if rng.random() < 0.45:
                answers["why"] = rng.choice(_NPS_WHY[(language, group)])
            days = min(rng.expovariate(1 / NPS_ANSWER_DAYS), NPS_WAVE_DAYS)
            at = sent + timedelta(days=days) * max(squeeze, 0.0)
            if at >= now:
                continue
            _answer(db, survey.key, language=language, answers=answers, hidden=None, at=at, rng=rng)
            n += 1
    return n


# The SERVQUAL study of S4 on 7 points: what guests expect of an excellent hotel and what they
# found at Cloudhill, by dimension (means of the latent attitudes; reliability falls furthest
# short, as in most hotel studies), and what the unhappy wrote about when that dimension let
# them down.
SERVQUAL_MEANS = {
    "tangibles": (6.0, 5.5),
    "reliability": (6.5, 4.8),
    "responsiveness": (6.3, 4.9),
    "assurance": (6.2, 5.6),
    "empathy": (6.0, 5.0),
}
SERVQUAL_TOPICS = {
    "tangibles": ("aircon", "hot_water", "gym_pool", "wifi"),
    "reliability": ("billing", "room_ready", "wakeup"),
    "responsiveness": ("checkout", "room_service", "breakfast"),
    "assurance": ("billing", "cleanliness"),
    "empathy": ("noise", "late_checkout", "room_ready"),
}
PRAISE = ("staff_praise", "housekeeping_praise", "restaurant_praise")
SERVQUAL_SENT_DAYS_AGO = 24  # within the 30-day contact cap: these guests are not asked again yet
SERVQUAL_REMIND_DAYS = 4


@dataclass(frozen=True)
class Study:
    survey_id: int
    invited: int
    answered: int


def servqual_study(
    db: Session, org_id: int, guests: list[Contact], rng: Random, invited: int = 2000, answered: int = 600
) -> Study:
    """S4: the SERVQUAL template with NPS and an open question, sent by personal invitation to
    the `invited` most recent guests with an email who may be emailed (the hotels' guest list,
    `guests`, joins the customers who wrote to us), none opted out or asked within the contact
    cap; one reminder after four days; `answered` of them answer, a few speeding, straight-lining
    or contradicting themselves, as the quality checks find. The caller commits."""
    definition = copy.deepcopy(templates.SERVQUAL)
    definition["hidden"] = ["branch"]  # the hotel of the guest's stay, from the invitation
    definition["sections"][-1]["questions"].append(dict(templates.WHY))
    survey = surveys.create(
        db=db,
        org_id=org_id,
        actor=SYSTEM,
        data={
            "definition": definition,
            "name": "SERVQUAL 住客服务质量调查 / Guest service quality",
            "remind_after_days": SERVQUAL_REMIND_DAYS,
        },
    )
    surveys.publish(db=db, org_id=org_id, actor=SYSTEM, survey_id=survey.id)
    customers.resolve_many(db=db, org_id=org_id, contacts=list(guests))
    db.flush()
    sent = utcnow() - timedelta(days=SERVQUAL_SENT_DAYS_AGO)
    recipients = _recent_guests(db, survey, invited)
    branches = _stayed_at(db, org_id)
    hotels = sorted(set(branches.values()))
    order = rng.sample(range(len(recipients)), len(recipients))
    answering = set(order[: min(answered, len(recipients))])
    bounced = set(order[len(answering) : len(answering) + len(recipients) // 60])
    rows, due = [], []
    for i, (customer_id, email, locale) in enumerate(recipients):
        # most answer within days of the invitation, the rest after the reminder
        at = sent + timedelta(
            days=rng.expovariate(1 / 1.2) if rng.random() < 0.65 else 4 + rng.uniform(0, 10)
        )
        token = secrets.token_urlsafe(18)[:24]
        late = i not in answering or at > sent + timedelta(days=SERVQUAL_REMIND_DAYS)
        reminded = late and i not in bounced
        rows.append(
            {
                "org_id": org_id,
                "survey_id": survey.id,
                "token": token,
                "email": email,
                "customer_id": customer_id,
                "status": "bounced" if i in bounced else "sent",
                "hidden": {"branch": branches.get(customer_id) or rng.choice(hotels)},
                "created_at": sent - timedelta(hours=1),
                "sent_at": None if i in bounced else sent,
                "reminded_at": sent + timedelta(days=SERVQUAL_REMIND_DAYS) if reminded else None,
            }
        )
        if i in answering:
            due.append((min(at, utcnow() - timedelta(hours=2)), token, "en" if locale == "en" else "zh"))
    db.execute(insert(Invitation), rows)
    ids = []
    for n, (at, token, language) in enumerate(sorted(due)):
        answers, seconds = _servqual_answers(rng, language, n)
        response = _answer(
            db, survey.key, language=language, answers=answers, hidden=None, at=at, rng=rng,
            seconds=seconds, token=token,
        )  # fmt: skip
        invitation = db.get(Invitation, response.invitation_id)
        if invitation is not None:
            invitation.answered_at = at
        ids.append(response.id)
    # follow_up_cases opens the cases of the unhappy answers, dated as the outbox would have
    queued = db.scalars(select(OutboxMessage).where(OutboxMessage.task == flows.OPEN_FOLLOW_UP))
    answered_ids = set(ids)
    mine = [m.id for m in queued if m.payload.get("response_id") in answered_ids]
    db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(mine)))
    return Study(survey.id, len(rows), len(ids))


def _recent_guests(db: Session, survey: Survey, limit: int) -> list[tuple[int, str, str | None]]:
    """(customer id, email, locale) of the latest guests who may be emailed a survey and have
    not been asked within its contact cap."""
    since = utcnow() - timedelta(days=survey.contact_cap_days)
    asked = set(
        db.scalars(
            select(Invitation.email).where(Invitation.org_id == survey.org_id, Invitation.created_at >= since)
        )
    )
    guests = invitations.recent_guests(db=db, org_id=survey.org_id)
    emails = {g.email for g in guests}
    out = optouts.opted_out(db=db, org_id=survey.org_id, emails=emails) | asked
    locales = customers.get_many_by_id(db=db, ids={g.customer_id for g in guests})
    return [
        (g.customer_id, g.email, locales[g.customer_id].locale)
        for g in guests
        if g.email not in out and g.customer_id is not None
    ][:limit]


def _stayed_at(db: Session, org_id: int) -> dict[int, str]:
    """The hotel each customer last wrote about."""
    rows = db.execute(
        select(Feedback.customer_id, Feedback.branch)
        .where(Feedback.org_id == org_id, Feedback.customer_id.is_not(None), Feedback.branch.is_not(None))
        .order_by(Feedback.received_at)
    )
    return {cid: str(branch) for cid, branch in rows if cid is not None}


def _servqual_answers(rng: Random, language: str, n: int) -> tuple[dict[str, Any], float]:
    """One guest's answers and how long they took: each dimension a latent attitude (the
    guest's overall one plus their own view of it) that the items measure with noise;
    expectations high and near each other; NPS following the perceptions. A few speed
    through, answer every item alike, or rate every item well but would not recommend."""
    overall, demanding = rng.gauss(0, 1), rng.gauss(0, 1)
    sq, perceived = {}, {}
    for dim, (expect, perceive) in SERVQUAL_MEANS.items():
        e_dim = expect + 0.3 * demanding + rng.gauss(0, 0.3)
        p_dim = perceive + 0.75 * overall + rng.gauss(0, 0.55)
        perceived[dim] = p_dim
        for item, dimension, *_ in templates.SERVQUAL_ITEMS:
            if dimension == dim:
                sq[item] = {
                    "expectation": _point(e_dim + rng.gauss(0, 0.6)),
                    "perception": _point(p_dim + rng.gauss(0, 0.85)),
                }
    mean = sum(perceived.values()) / len(perceived)
    nps = max(0, min(10, round(7.9 + 1.6 * (mean - 5.2) + rng.gauss(0, 1.2))))
    seconds = rng.lognormvariate(6.0, 0.35)
    kind = rng.random() if n >= 20 else 1.0  # the first answers set the median speeders are judged by
    if kind < 0.03:
        seconds = rng.uniform(40, 110)
    elif kind < 0.055:
        same = rng.choice((4, 5, 7))
        sq = {item: {"expectation": 7, "perception": same} for item in sq}
    elif kind < 0.06:
        sq = {item: {"expectation": 7 - i % 2, "perception": rng.choice((6, 7))} for i, item in enumerate(sq)}
        nps = rng.choice((0, 1, 2))
    answers: dict[str, Any] = {"sq": sq, "nps": nps}
    if rng.random() < 0.45:
        if nps >= 9:
            topic = rng.choice(PRAISE)
        else:
            topic = rng.choice(
                SERVQUAL_TOPICS[min(perceived, key=lambda dim: perceived[dim] - SERVQUAL_MEANS[dim][1])]
            )
        answers["why"] = texts.from_template(rng, topic, language).text
    return answers, seconds


def _point(x: float) -> int:
    return max(1, min(7, round(x)))


# Of the unhappy respondents to the anonymous NPS survey, those who left contact details on its
# last page; the post-case survey's respondents are the cases' customers, known already.
NPS_CONTACT_SHARE = 0.6
# Of the closed follow-up cases, the respondents who answer the re-survey, and how many of them
# are won back when the call-back came in time, and when it was late.
RESURVEY_SHARE = 0.55
RECOVERY = {False: 0.65, True: 0.3}
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙"


def follow_up_cases(db: Session, org: Organization, rng: Random) -> list[int]:
    """The follow-up cases of the unhappy answers there is someone to call back for, opened a
    few minutes after each answer as the outbox opens them (same intake, the survey channel,
    the description in the respondent's language); their ids."""
    surveys_ = db.scalars(select(Survey).where(Survey.org_id == org.id))
    rules = {s.id: (s.definition, follow_up.Rules.of(s.follow_up)) for s in surveys_}
    answered = db.scalars(
        select(Response).where(Response.org_id == org.id, Response.completed.is_(True)).order_by(Response.id)
    ).all()
    drafts, responses = [], []
    for r in answered:
        definition, rule = rules[r.survey_id]
        found = follow_up.triggers(definition, r.answers, rule)
        contact = _reachable(db, r, rng) if found else None
        if contact is None:
            continue  # counted, not followed up
        hidden = r.hidden or {}
        drafts.append(
            feedback.Draft(
                channel=flows.CHANNEL,
                description=follow_up.describe(
                    definition, r.answers, found, language=r.language, response_id=r.id,
                    gettext=_translator(r.language),
                ),
                received_at=as_utc(r.submitted_at) + timedelta(minutes=rng.uniform(1, 20)),
                contact=contact,
                branch=str(hidden["branch"])[:200] if hidden.get("branch") else None,
                language=r.language,
                survey_response_id=r.id,
            )
        )  # fmt: skip
        responses.append(r)
    if not drafts:
        return []

    def link(s: Session, created: list[feedback.Created]) -> None:
        for r, c in zip(responses, created, strict=True):
            r.follow_up_id = c.id

    created = intake.receive(
        db=db, org=org, actor=Actor(label="demo"), drafts=drafts, acknowledge=False, also=link
    )
    return [c.id for c in created]


def _translator(language: str) -> Callable[[str], str]:
    locale = i18n.normalize(language)
    return lambda message: i18n.gettext(message, locale)


def _reachable(db: Session, r: Response, rng: Random) -> Contact | None:
    """Whom to call back about an unhappy answer: the customer of the case the survey asked
    about, or the guest a personal invitation went to, else (an anonymous answer) the contact
    details a share of respondents leave."""
    if r.feedback_id is not None or r.customer_id is not None:
        known = r.customer_id
        if r.feedback_id is not None:
            record = db.get(Feedback, r.feedback_id)
            known = record.customer_id if record else None
        customer = db.get(Customer, known) if known else None
        if customer is None or not (customer.email or customer.phone):
            return None
        return Contact(name=customer.name, email=customer.email, phone=customer.phone, locale=customer.locale)
    if rng.random() >= NPS_CONTACT_SHARE:
        return None
    zh = r.language == "zh"
    return Contact(
        name=rng.choice(_SURNAMES) + rng.choice(("女士", "先生")) if zh else f"Guest {r.id}",
        email=f"nps{r.id}@example.{'cn' if zh else 'com'}",
        locale="zh_CN" if zh else "en",
    )


def resurveys(db: Session, org_id: int, closed: list[Closed], rng: Random) -> int:
    """The one question asked again after each closed follow-up case, answered by some; won back
    more often when the call-back kept its commitment."""
    now, n = utcnow(), 0
    for case in closed:
        record = db.get(Feedback, case.feedback_id)
        kind = invitations.resurvey_kind(db, record) if record is not None else None
        survey = invitations.resurvey_survey(db, org_id, kind) if kind else None
        at = case.resolved_at + timedelta(days=1, hours=rng.uniform(0, 48))
        if at >= now and case.resolved_at >= month_start(now):  # this month's: asked within hours
            at = case.resolved_at + (now - case.resolved_at) * rng.uniform(0.3, 0.9)
        if record is None or kind is None or survey is None or at >= now or rng.random() >= RESURVEY_SHARE:
            continue
        won = rng.random() < RECOVERY[case.late]
        if kind == "nps":
            score = rng.choice((7, 8, 8, 9, 10)) if won else rng.choices(range(7), (1, 1, 2, 3, 4, 6, 8))[0]
        else:
            score = rng.choice((4, 4, 5)) if won else rng.choice((1, 2, 3, 3))
        hidden = {"case_id": str(record.id), "channel": record.channel, "branch": record.branch or ""}
        response = _answer(
            db, survey.key, language=case.language, answers={kind: score}, hidden=hidden, at=at, rng=rng
        )
        response.feedback_id = record.id
        response.customer_id = record.customer_id
        response.resurvey_of_id = record.survey_response_id
        n += 1
    return n
