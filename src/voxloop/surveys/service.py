"""Writes and reads for surveys: building, publishing, taking responses, summarising."""

import hashlib
import json
import secrets
import statistics
import threading
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cachetools import LRUCache, TTLCache
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxloop.analytics import stats
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.commitments.models import CaseClock
from voxloop.common.time import as_utc, utcnow
from voxloop.customers.service import Contact
from voxloop.errors import Conflict, InvalidInput, NotFound, field_error, invalid
from voxloop.feedback.models import Feedback
from voxloop.surveys import definition as d
from voxloop.surveys import flows, follow_up, quality, templates
from voxloop.surveys.models import Invitation, Response, Survey, SurveyVersion
from voxloop.webhooks import service as webhooks

MODES = ("link", "email", "case", "widget", "phone", "paper", "face_to_face")
STAFF_MODES = ("phone", "paper", "face_to_face")
DUPLICATE_WINDOW = timedelta(hours=1)
DEVICE_WINDOW = timedelta(hours=24)
TRIGGERS = ("case_resolved",)


def new_key() -> str:
    return secrets.token_urlsafe(9)[:12]


def create(*, db: Session, org_id: int, actor: Actor, data: dict[str, Any]) -> Survey:
    """A draft survey from a definition or a template (`template`: a key of TEMPLATES)."""
    template = data.pop("template", None)
    definition = data.pop("definition", None)
    if template is not None:
        if template not in templates.TEMPLATES:
            raise invalid("template", f"one of {', '.join(templates.TEMPLATES)}")
        definition = templates.TEMPLATES[template][1]
        data["name"] = data.get("name") or templates.named(templates.TEMPLATES[template][0])
    if definition is None:
        raise invalid("definition", "give a definition or a template")
    _check(definition)
    if data.get("trigger") not in (None, *TRIGGERS):
        raise invalid("trigger", f"one of {', '.join(TRIGGERS)}")
    if not str(data.get("name", "")).strip():
        raise invalid("name", "is required")
    survey = Survey(org_id=org_id, key=new_key(), definition=definition, **data)
    db.add(survey)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="survey",
        entity_id=survey.id,
        after={"name": survey.name},
    )
    return survey


def _check(definition: Any) -> None:
    errors = d.check(definition)
    if errors:
        raise InvalidInput(fields=[{**e, "field": f"definition.{e['field']}"} for e in errors])


def get(*, db: Session, org_id: int, survey_id: int) -> Survey:
    survey = db.scalar(select(Survey).where(Survey.org_id == org_id, Survey.id == survey_id))
    if survey is None:
        raise NotFound()
    return survey


def list_surveys(*, db: Session, org_id: int) -> list[Survey]:
    return list(db.scalars(select(Survey).where(Survey.org_id == org_id).order_by(Survey.id.desc())))


def edit(*, db: Session, org_id: int, actor: Actor, survey_id: int, definition: Any) -> Survey:
    """Change the working copy; respondents keep getting the published version until the next
    publish, which makes a new version (each response keeps the version it answered)."""
    survey = get(db=db, org_id=org_id, survey_id=survey_id)
    _check(definition)
    survey.definition = definition
    survey.updated_at = utcnow()
    return survey


def publish(*, db: Session, org_id: int, actor: Actor, survey_id: int) -> Survey:
    survey = get(db=db, org_id=org_id, survey_id=survey_id)
    _check(survey.definition)
    survey.version += 1
    survey.status = "live"
    db.add(
        SurveyVersion(org_id=org_id, survey_id=survey.id, number=survey.version, definition=survey.definition)
    )
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="survey",
        entity_id=survey.id,
        after={"published_version": survey.version},
    )
    return survey


def configure(*, db: Session, org_id: int, actor: Actor, survey_id: int, changes: dict[str, Any]) -> Survey:
    """Change a survey's settings (name, delays, caps, reminders, closing); the caller has checked
    their ranges."""
    survey = get(db=db, org_id=org_id, survey_id=survey_id)
    if "name" in changes and not str(changes["name"] or "").strip():
        raise invalid("name", "is required")
    before = {k: _plain(getattr(survey, k)) for k in changes}
    for key, value in changes.items():
        setattr(survey, key, value)
    survey.updated_at = utcnow()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="survey",
        entity_id=survey.id,
        before=before,
        after={k: _plain(v) for k, v in changes.items()},
    )
    return survey


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def close(*, db: Session, org_id: int, actor: Actor, survey_id: int) -> Survey:
    survey = get(db=db, org_id=org_id, survey_id=survey_id)
    survey.status = "closed"
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="survey",
        entity_id=survey.id,
        after={"status": "closed"},
    )
    return survey


# Published versions never change, so each process keeps the ones it has read.
_versions: LRUCache[tuple[int, int], dict[str, Any]] = LRUCache(maxsize=1000)
# The median completion time moves slowly; it is read again at most every 30 seconds.
_medians: TTLCache[int, tuple[float | None, int]] = TTLCache(maxsize=1000, ttl=30)
_lock = threading.Lock()


def reset_cache() -> None:
    with _lock:
        _versions.clear()
        _medians.clear()


def version_definition(db: Session, survey_id: int, number: int) -> dict[str, Any]:
    with _lock:
        cached = _versions.get((survey_id, number))
    if cached is not None:
        return cached
    definition: dict[str, Any] | None = db.scalar(
        select(SurveyVersion.definition).where(
            SurveyVersion.survey_id == survey_id, SurveyVersion.number == number
        )
    )
    if definition is None:
        raise NotFound()
    with _lock:
        _versions[(survey_id, number)] = definition
    return definition


def published(db: Session, survey: Survey) -> dict[str, Any]:
    return version_definition(db, survey.id, survey.version)


def open_survey(db: Session, key: str) -> Survey:
    """A survey respondents may answer now, or the 4xx that says why not."""
    survey = db.scalar(select(Survey).where(Survey.key == key))
    if survey is None or survey.version == 0:
        raise NotFound("No survey has this link.")
    closed = survey.status == "closed" or (
        survey.close_at is not None and as_utc(survey.close_at) <= utcnow()
    )
    if not closed and survey.quota is not None:
        closed = completed_count(db, survey.id) >= survey.quota
    if closed:
        raise Conflict("This survey is closed.", fields=[field_error("survey", "closed to new responses")])
    return survey


def completed_count(db: Session, survey_id: int) -> int:
    return int(
        db.scalar(select(func.count()).where(Response.survey_id == survey_id, Response.completed.is_(True)))
        or 0
    )


@dataclass
class Submission:
    answers: dict[str, Any]
    language: str
    complete: bool = True
    token: str | None = None  # a personal invitation's single-use token
    resume: str | None = None  # continue a saved response
    hidden: dict[str, Any] | None = None
    started_at: datetime | None = None
    mode: str = "link"
    fingerprint: str | None = None  # sha256 of the device's signature, computed by the view
    contact: Contact | None = None  # left by the respondent: "you may contact me"
    seen: bool = False  # the browser's cookie says it completed this survey already


def submit(*, db: Session, key: str, sub: Submission) -> Response:
    """Take (or continue) one response. Checks every answer against the version it answers;
    flags quality problems, with reasons, on completion. The caller commits."""
    survey = open_survey(db, key)
    response = _resumed(db, survey, sub.resume) if sub.resume else None
    invitation = _invitation(db, survey, sub.token) if sub.token else None
    if response is None and invitation is not None:
        response = db.scalar(select(Response).where(Response.invitation_id == invitation.id))
        if response is not None and response.completed:
            raise Conflict(
                "This invitation has been used already.", fields=[field_error("token", "already used")]
            )
    version = response.version if response else survey.version
    definition = version_definition(db, survey.id, version)
    if sub.language not in definition.get("languages", []):
        raise invalid("language", f"one of {', '.join(definition.get('languages', []))}")
    if sub.mode not in MODES:
        raise invalid("mode", f"one of {', '.join(MODES)}")
    hidden = {k: v for k, v in (sub.hidden or {}).items() if k in definition.get("hidden", [])}
    if invitation is not None:
        hidden = {**hidden, **invitation.hidden}
    answers = {**(response.answers if response else {}), **sub.answers}
    errors = d.check_hidden(hidden) + d.check_answers(definition, answers, hidden, complete=sub.complete)
    if errors:
        raise InvalidInput(fields=errors)
    now = utcnow()
    if response is None:
        response = Response(
            org_id=survey.org_id,
            survey_id=survey.id,
            version=version,
            mode="email" if invitation and sub.mode == "link" else sub.mode,
            invitation_id=invitation.id if invitation else None,
            feedback_id=None if survey.anonymous or not invitation else invitation.feedback_id,
            customer_id=None if survey.anonymous or not invitation else invitation.customer_id,
            started_at=_day(sub.started_at or now) if survey.anonymous else sub.started_at,
            resume_token=secrets.token_urlsafe(18)[:24],
            resurvey_of_id=_resurveyed(db, invitation),
        )
        db.add(response)
    response.language = sub.language
    response.hidden = hidden
    response.answers = answers
    response.fingerprint = None if survey.anonymous else sub.fingerprint
    response.submitted_at = _day(now) if survey.anonymous else now
    if sub.complete:
        response.answers_hash = answers_hash(answers)
        response.completed = True
        response.resume_token = None
        if sub.started_at is not None:
            response.duration_seconds = max((now - as_utc(sub.started_at)).total_seconds(), 0.0)
        if invitation is not None:
            invitation.status = "answered"
            invitation.answered_at = _day(now) if survey.anonymous else now
        db.flush()
        median, sample = _median(db, survey.id)
        response.quality_flags = quality.flags(
            definition,
            answers,
            hidden,
            completed=True,
            duration_seconds=response.duration_seconds,
            median_seconds=median,
            sample=sample,
            duplicate=_duplicate(db, survey, response, sub.seen),
        )
        webhooks.emit(
            db=db,
            org_id=survey.org_id,
            event="survey.response_created",
            data=[
                {
                    "id": response.id,
                    "survey_id": survey.id,
                    "version": response.version,
                    "language": response.language,
                    "mode": response.mode,
                    "answers": answers,
                    "hidden": hidden,
                    "quality_flags": response.quality_flags,
                }  # fmt: skip
            ],
        )
        flows.after_response(
            db=db, survey=survey, definition=definition, response=response, contact=sub.contact
        )
    else:
        response.quality_flags = quality.flags(
            definition, answers, hidden, completed=False, duration_seconds=None, median_seconds=None, sample=0
        )
    return response


def _resurveyed(db: Session, invitation: Invitation | None) -> int | None:
    """The answer an invitation asks about again: the one that opened the follow-up case the
    invitation was sent after (the re-survey, or the post-case survey of a follow-up case)."""
    if invitation is None or invitation.feedback_id is None:
        return None
    return db.scalar(select(Feedback.survey_response_id).where(Feedback.id == invitation.feedback_id))


def _median(db: Session, survey_id: int) -> tuple[float | None, int]:
    """The median completion time of the latest 1,000 complete responses, and how many."""
    with _lock:
        cached = _medians.get(survey_id)
    if cached is not None:
        return cached
    durations = [
        x
        for x in db.scalars(
            select(Response.duration_seconds)
            .where(
                Response.survey_id == survey_id,
                Response.completed.is_(True),
                Response.duration_seconds.is_not(None),
            )
            .order_by(Response.id.desc())
            .limit(1001)
        )
        if x is not None
    ]
    value = (statistics.median(durations) if durations else None, len(durations))
    if len(durations) >= 100:  # small samples change fast: read them each time
        with _lock:
            _medians[survey_id] = value
    return value


def _day(at: datetime) -> datetime:
    """Anonymous responses keep only the day."""
    return as_utc(at).replace(hour=0, minute=0, second=0, microsecond=0)


def _resumed(db: Session, survey: Survey, token: str) -> Response:
    response = db.scalar(
        select(Response).where(Response.survey_id == survey.id, Response.resume_token == token)
    )
    if response is None:
        raise invalid("resume", "no unfinished response with this token")
    return response


def _invitation(db: Session, survey: Survey, token: str) -> Invitation:
    invitation = db.scalar(
        select(Invitation).where(Invitation.survey_id == survey.id, Invitation.token == token)
    )
    if invitation is None:
        raise invalid("token", "no invitation to this survey has this token")
    if invitation.status == "answered":
        raise Conflict(
            "This invitation has been used already.", fields=[field_error("token", "already used")]
        )
    return invitation


def _duplicate(db: Session, survey: Survey, response: Response, seen: bool) -> tuple[str, str] | None:
    """Whether a response repeats another: `seen`, this browser's cookie says it answered
    already (left out of the statistics); the same device and network, or the same long
    answers, only asks for a look (quality.REVIEW_ONLY)."""
    if seen:
        return "duplicate", "this browser has answered this survey already"
    now = utcnow()
    if response.fingerprint:
        same_device = db.scalar(
            select(Response.id).where(
                Response.survey_id == survey.id,
                Response.completed.is_(True),
                Response.id != response.id,
                Response.fingerprint == response.fingerprint,
                Response.submitted_at >= now - DEVICE_WINDOW,
            )
        )
        if same_device is not None:
            return "same_device", f"same device and network as response #{same_device} within 24 hours"
    if response.answers_hash is None:  # too short to tell a copy from a coincidence
        return None
    same = db.scalar(
        select(Response.id).where(
            Response.survey_id == survey.id,
            Response.answers_hash == response.answers_hash,
            Response.completed.is_(True),
            Response.id != response.id,
            Response.submitted_at >= (_day(now) if survey.anonymous else now - DUPLICATE_WINDOW),
        )
    )
    return (
        ("same_answers", f"the same answers as response #{same} within an hour") if same is not None else None
    )


def answers_hash(answers: dict[str, Any]) -> str | None:
    """A digest of a response long enough (5 answered items or more, rows and items counted
    one by one) that an identical one is a copy rather than chance."""
    items = sum(len(v) if isinstance(v, dict) else 1 for v in answers.values() if v not in (None, "", [], {}))
    if items < 5:
        return None
    return hashlib.sha256(json.dumps(answers, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def fingerprint(user_agent: str, accept_language: str, ip: str) -> str:
    return hashlib.sha256(f"{user_agent}|{accept_language}|{ip}".encode()).hexdigest()


# -- results ----------------------------------------------------------------------------------


def responses(*, db: Session, org_id: int, survey_id: int, limit: int = 500) -> list[Response]:
    get(db=db, org_id=org_id, survey_id=survey_id)
    return list(
        db.scalars(
            select(Response).where(Response.survey_id == survey_id).order_by(Response.id.desc()).limit(limit)
        )
    )


def summary(*, db: Session, org_id: int, survey_id: int, include_flagged: bool = False) -> dict[str, Any]:
    """Counts, completion rate, per-question distributions and the NPS/CSAT/CES headline with
    n. Flagged responses are left out unless include_flagged; those only flagged for review
    (quality.REVIEW_ONLY) are counted."""
    survey = get(db=db, org_id=org_id, survey_id=survey_id)
    rows = db.scalars(select(Response).where(Response.survey_id == survey_id)).all()
    started = len(rows)
    completed = [r for r in rows if r.completed]
    flagged = Counter(f["flag"] for r in rows for f in r.quality_flags)
    used = [r for r in completed if include_flagged or not quality.excluded(r.quality_flags)]
    definition = published(db, survey) if survey.version else survey.definition
    distributions: dict[str, Any] = {}
    headline: dict[str, Any] = {}
    for q in d.questions(definition):
        values: list[Any] = [
            r.answers[q["id"]] for r in used if r.answers.get(q["id"]) not in (None, "", [], {})
        ]
        if q["type"] in ("likert", "rating", "nps", "csat", "ces", "attention", "single"):
            distributions[q["id"]] = {
                "n": len(values),
                "counts": dict(sorted(Counter(map(str, values)).items())),
            }
        elif q["type"] == "multi":
            distributions[q["id"]] = {
                "n": len(values),
                "counts": dict(Counter(str(v) for vs in values for v in vs)),
            }
        elif q["type"] == "matrix":
            distributions[q["id"]] = {
                row["id"]: dict(sorted(Counter(str(v[row["id"]]) for v in values if row["id"] in v).items()))
                for row in q["rows"]
            }
        else:
            distributions[q["id"]] = {"n": len(values)}
        if q["type"] in ("nps", "csat", "ces") and q["type"] not in headline and values:
            headline[q["type"]] = _headline(q["type"], values)
    return {
        "survey": survey.id,
        "version": survey.version,
        "started": started,
        "completed": len(completed),
        "completion_rate": round(len(completed) / started, 4) if started else None,
        "included": len(used),
        "flagged": {k: n for k, n in flagged.items() if k not in quality.REVIEW_ONLY},
        "for_review": {k: n for k, n in flagged.items() if k in quality.REVIEW_ONLY},
        "headline": headline,
        "questions": distributions,
        # every answer that opened a case: a hurried one is left out of the scores, not the loop
        "follow_up": follow_up_rates(db=db, survey=survey, definition=definition, responses=completed),
    }


def _headline(kind: str, values: list[Any]) -> dict[str, Any]:
    """A headline figure with n and its 95 % interval ([low, high]), as the analysis gives it:
    NPS by Rocks' adjusted Wald, a mean by t clipped to the scale, the satisfied share by Wilson."""

    def interval(i: stats.Indicator, digits: int) -> list[float | None]:
        return [None if b is None else round(b, digits) for b in (i.ci_low, i.ci_high)]

    if kind == "nps":
        score = stats.nps(values)
        return {"score": round(score.value or 0, 1), "ci": interval(score, 1), "n": score.n}
    mean = stats.mean_ci(values, bounds=d.SCALES[kind])
    out = {"mean": round(mean.value or 0, 2), "mean_ci": interval(mean, 2), "n": mean.n}
    if kind == "csat":
        satisfied = stats.csat(values)["top2"]
        out |= {"satisfied_share": round(satisfied.value or 0, 4), "satisfied_ci": interval(satisfied, 4)}
    return out


def follow_up_rates(
    *, db: Session, survey: Survey, definition: dict[str, Any], responses: list[Response]
) -> dict[str, Any]:
    """Closing the loop, each rate with n and Wilson's 95 % interval:
    follow-up rate: answers that met a rule and have a follow-up case / answers that met a rule
    (the rules as they stand, counted even while switched off, which then shows how many went
    unfollowed); closed-loop rate: follow-up cases whose first response was within their
    commitment / those whose deadline was met or missed (one still running is not counted
    yet, as in the analytics store); recovery rate: follow-up cases re-surveyed afterwards whose
    latest answer is passive or promoter (or CSAT >= 4) / follow-up cases re-surveyed."""
    rules = replace(follow_up.Rules.of(survey.follow_up), enabled=True)
    # an open answer typed complaint is known to have met a rule once its case is opened
    met = [
        r
        for r in responses
        if r.resurvey_of_id is None  # a re-survey measures recovery; it opens no case
        and (r.follow_up_id is not None or follow_up.triggers(definition, r.answers, rules))
    ]
    followed = sum(1 for r in met if r.follow_up_id is not None)
    case_ids = {r.follow_up_id for r in responses if r.follow_up_id is not None}
    states = dict(
        db.execute(
            select(CaseClock.feedback_id, CaseClock.response_state).where(CaseClock.feedback_id.in_(case_ids))
        ).all()
    )
    latest: dict[int, Response] = {}  # the re-survey of each case: its latest answer
    for r in db.scalars(
        select(Response)
        .where(Response.feedback_id.in_(case_ids), Response.completed.is_(True))
        .order_by(Response.submitted_at, Response.id)
    ):
        latest[r.feedback_id] = r  # type: ignore[index]
    recovered: list[bool] = []
    asked_in: dict[int, dict[str, Any]] = {}
    for r in latest.values():
        if r.survey_id not in asked_in:
            asked_in[r.survey_id] = published(db, get(db=db, org_id=survey.org_id, survey_id=r.survey_id))
        won = follow_up.recovered(asked_in[r.survey_id], r.answers)
        if won is not None:
            recovered.append(won)
    return {
        "follow_up_rate": stats.proportion_ci(followed, len(met)).as_dict(),
        "closed_loop_rate": stats.proportion_ci(
            sum(1 for c in case_ids if states.get(c) == "met"),
            sum(1 for c in case_ids if states.get(c) in ("met", "late", "breached")),
        ).as_dict(),
        "recovery_rate": stats.proportion_ci(sum(recovered), len(recovered)).as_dict(),
    }
