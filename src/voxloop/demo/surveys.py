"""The demo's surveys: the post-case CSAT that closed cases answered, and the relationship NPS
answered quarter by quarter, through the survey service so quality flags are worked out; the
follow-up cases their unhappy answers opened, and the re-survey after each closed one."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.service import SYSTEM, Actor
from voxloop.common import i18n
from voxloop.common.time import as_utc, utcnow
from voxloop.customers.models import Customer
from voxloop.customers.service import Contact
from voxloop.feedback import flows as intake
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.surveys import flows, follow_up, invitations
from voxloop.surveys import service as surveys
from voxloop.surveys.models import Response, Survey


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
    db: Session, key: str, *, language: str, answers: dict, hidden: dict | None, at: datetime, rng: Random
) -> Response:
    """Submit one response and date it `at`; a few respondents speed through."""
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
        answers: dict = {"csat": csat, "resolved": resolved}
        if csat <= 3 and rng.random() < 0.6:
            answers["why"] = rng.choice(_CSAT_WHY[case.language])
        hidden = {"case_id": str(case.feedback_id), "channel": case.channel, "branch": case.branch or ""}
        response = _answer(
            db, survey.key, language=case.language, answers=answers, hidden=hidden, at=at, rng=rng
        )
        response.feedback_id = case.feedback_id
        n += 1
    return n


def relationship_nps(db: Session, org_id: int, rng: Random, quarters: int = 4, per_quarter: int = 75) -> int:
    """The yearly relationship survey, answered every quarter; promoters grow slowly."""
    survey = surveys.create(db=db, org_id=org_id, actor=SYSTEM, data={"template": "nps"})
    surveys.publish(db=db, org_id=org_id, actor=SYSTEM, survey_id=survey.id)
    db.flush()
    now = utcnow()
    n = 0
    for q in range(quarters):  # q = 0 is the oldest quarter
        start = now - timedelta(days=91 * (quarters - q))
        promoters, detractors = 0.40 + 0.03 * q, 0.24 - 0.025 * q
        for _ in range(per_quarter):
            draw = rng.random()
            if draw < promoters:
                score, group = rng.choice((9, 10, 10)), "promoter"
            elif draw < promoters + detractors:
                score, group = rng.choices(range(7), (1, 1, 2, 3, 4, 6, 8))[0], "detractor"
            else:
                score, group = rng.choice((7, 8, 8)), "passive"
            language = "en" if rng.random() < 0.3 else "zh"
            answers: dict = {"nps": score}
            if rng.random() < 0.45:
                answers["why"] = rng.choice(_NPS_WHY[(language, group)])
            at = start + timedelta(days=rng.uniform(0, 91))
            _answer(db, survey.key, language=language, answers=answers, hidden=None, at=at, rng=rng)
            n += 1
    return n


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
    about, else (an anonymous answer) the contact details a share of respondents leave."""
    if r.feedback_id is not None:
        record = db.get(Feedback, r.feedback_id)
        customer = db.get(Customer, record.customer_id) if record and record.customer_id else None
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
        if record is None or survey is None or at >= now or rng.random() >= RESURVEY_SHARE:
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
