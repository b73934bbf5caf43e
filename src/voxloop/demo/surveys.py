"""The demo's surveys: the post-case CSAT that closed cases answered, and the relationship NPS
answered quarter by quarter, through the survey service so quality flags are worked out."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy.orm import Session

from voxloop.audit.service import SYSTEM
from voxloop.common.time import utcnow
from voxloop.surveys import service as surveys
from voxloop.surveys.models import Response


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
