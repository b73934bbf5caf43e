"""Staff pages for surveys: the list, building from a template or JSON, publishing, results
and distribution (link, QR code, embed snippet, email invitations)."""

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from voxloop.common.i18n import N_, gettext
from voxloop.common.types import PathId, whole_number
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, VoxloopError, invalid, invalid_model
from voxloop.surveys import definition, follow_up, invitations, sampling, service, templates
from voxloop.surveys.views import FollowUpRules, link
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, form_number, page, request_locale, web_require

router = APIRouter(include_in_schema=False)
# What answers can be grouped by besides questions: the response's own columns and the hidden
# fields surveys usually carry, by name on the pages (another hidden field by its own name).
GROUP_LABELS = {
    "language": N_("Language"), "mode": N_("How it was answered"), "branch": N_("Branch"),
    "channel": N_("Channel"), "agent": N_("Agent"), "product": N_("Product"),
    "touchpoint": N_("Touchpoint"), "case_id": N_("Case"),
}  # fmt: skip


def _list(
    request: Request, org: Any, db: Any, errors: Any = None, values: Any = None, status_code: int = 200
) -> Response:
    return page(
        request,
        "surveys/list.html",
        status_code=status_code,
        surveys=service.list_surveys(db=db, org_id=org.id),
        templates=templates.TEMPLATES,
        errors=errors,
        values=values or {},
        default_delay=DEFAULT_DELAY_HOURS,
        hours=hours,
    )


@router.get("/surveys", dependencies=[web_require("feedback.read")])
def surveys_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _list(request, org, db)


def _definition(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            fields=[{"field": "definition", "reason": f"not JSON: {exc.msg} (line {exc.lineno})"}]
        ) from exc
    if not isinstance(value, dict):
        raise InvalidInput(fields=[{"field": "definition", "reason": "must be a JSON object"}])
    return value


DEFAULT_DELAY_HOURS = 24  # S1: the satisfaction survey comes a day after the resolution
MAX_DELAY_HOURS = 720  # as the API: 30 days


def hours(minutes: int) -> str:
    """A delay as the form shows it: 24, 1.5."""
    return f"{minutes / 60:g}"


def _delay_minutes(raw: str) -> int:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_DELAY_HOURS:  # NaN fails too
        raise invalid("delay_hours", f"a number of hours from 0 to {MAX_DELAY_HOURS}")
    return round(value * 60)


@router.post("/surveys", dependencies=[Csrf, web_require("surveys.manage")])
def survey_create(request: Request, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm) -> Response:
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        data: dict[str, Any] = {
            "name": values.get("name", "").strip(),
            "anonymous": bool(values.get("anonymous")),
        }
        if values.get("case_resolved"):
            data["trigger"] = "case_resolved"
            data["delay_minutes"] = _delay_minutes(values.get("delay_hours", ""))
        if values.get("template"):
            data["template"] = values["template"]
        else:
            data["definition"] = _definition(values.get("definition", ""))
        survey = service.create(db=db, org_id=org.id, actor=actor, data=data)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _list(request, org, db, errors=exc.form_errors(), values=values, status_code=exc.status_code)
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


def _detail(
    request: Request,
    org: Any,
    db: Any,
    survey_id: int,
    errors: Any = None,
    status_code: int = 200,
    sent: dict[str, Any] | None = None,
    posted: str | None = None,
) -> Response:
    """The survey's page; `posted`, a definition that was refused, stays in the editor to be
    corrected rather than the stored one."""
    survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
    summary = service.summary(db=db, org_id=org.id, survey_id=survey_id)
    return page(
        request,
        "surveys/detail.html",
        status_code=status_code,
        survey=survey,
        summary=summary,
        margin=sampling.margin_of_error(summary["included"]),
        link=link(survey),
        definition_json=posted
        if posted is not None
        else json.dumps(survey.definition, ensure_ascii=False, indent=2),
        definition_errors=[e for e in errors or [] if str(e.get("field", "")).startswith("definition")],
        dimensions={d: definition.dimension_name(d, request_locale(request)) for d in definition.DIMENSIONS},
        invited=invitations.counts(db=db, survey_id=survey.id),
        delay_hours=hours(survey.delay_minutes),
        rules=follow_up.Rules.of(survey.follow_up),
        errors=errors,
        sent=sent,
    )


SENT_KEYS = ("invited", "opted_out", "contacted_recently", "duplicate")


@router.get("/surveys/{survey_id}", dependencies=[web_require("feedback.read")])
def survey_detail(request: Request, survey_id: PathId, org: WebOrg, db: DbSession) -> Response:
    """The survey; after sending invitations, what was sent and what skipped (from the redirect)."""
    numbers = {k: whole_number(request.query_params.get(k, "")) for k in SENT_KEYS}
    sent = {k: n if isinstance(n, int) else 0 for k, n in numbers.items()}
    return _detail(request, org, db, survey_id, sent=sent if isinstance(numbers["invited"], int) else None)


@router.get("/surveys/{survey_id}/analysis", dependencies=[web_require("kpis.read")])
def survey_analysis(
    request: Request,
    survey_id: PathId,
    org: WebOrg,
    db: DbSession,
    metric: Annotated[str, Query(max_length=100)] = "",
    by: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Distributions, indicators with intervals, SERVQUAL gaps, drivers, IPA and factor analysis
    as charts; each distribution bar opens the responses behind it. With `metric` and `by`, that
    metric compared between the groups of `by`."""
    from voxloop.analytics import surveys as analysis
    from voxloop.triage import service as triage

    survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
    comparison, errors = None, None
    if metric or by:
        try:
            comparison = analysis.compare(db=db, org_id=org.id, survey_id=survey.id, metric=metric, by=by)
        except InvalidInput as exc:
            errors = exc.form_errors()
    result = analysis.analyse(db=db, org_id=org.id, survey_id=survey.id)
    # the drivers and the IPA grid by their questions' words in the page's language, not ids
    locale, drivers = request_locale(request), result.get("drivers") or {}
    driver_labels = {
        name: definition.label(survey.definition, drivers["block"], locale, row=name)
        for name in drivers.get("drivers", {})
    }
    outcome = definition.label(survey.definition, drivers["outcome"], locale) if drivers else ""
    asked = {q["id"] for q in definition.questions(survey.definition)}
    comparable = result.get("comparable") or {}
    compare_labels = {
        c: definition.label(survey.definition, c, locale)
        if c in asked
        else gettext(GROUP_LABELS.get(c, c), locale)
        for c in [*comparable.get("metrics", []), *comparable.get("by", [])]
    }
    return page(
        request,
        "surveys/analysis.html",
        status_code=422 if errors else 200,
        survey=survey,
        result=result,
        driver_labels=driver_labels,
        outcome_label=outcome,
        compare_labels=compare_labels,
        # the themes of open answers the category model is sure of are its categories' codes
        categories={c.code: c for c in triage.list_categories(db=db, org_id=org.id)},
        comparison=comparison,
        chosen={"metric": metric, "by": by},
        errors=errors,
    )


@router.get("/surveys/{survey_id}/responses", dependencies=[web_require("surveys.responses")])
def survey_responses(
    request: Request,
    survey_id: PathId,
    org: WebOrg,
    db: DbSession,
    question: str = "",
    value: str = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The complete responses, or those that gave `value` to `question`, or those submitted
    between two days (inclusive, in the organization's zone): a chart's drill-down."""
    from sqlalchemy import select

    from voxloop.surveys.models import Response as SurveyResponse

    survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
    stmt = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.completed.is_(True)
    )
    zone = ZoneInfo(org.timezone)
    for field, day, after in (("date_from", date_from, True), ("date_to", date_to, False)):
        if not day:
            continue
        try:
            moment = datetime.combine(date.fromisoformat(day), time.min, zone) + timedelta(
                days=0 if after else 1
            )
        except ValueError as exc:
            raise invalid(field, "a date, YYYY-MM-DD") from exc
        stmt = stmt.where(
            SurveyResponse.submitted_at >= moment if after else SurveyResponse.submitted_at < moment
        )
    rows = db.scalars(stmt.order_by(SurveyResponse.id.desc()).limit(5000))
    chosen = [r for r in rows if not question or str(r.answers.get(question)) == value][:500]
    return page(
        request, "surveys/responses.html", survey=survey, responses=chosen, question=question, value=value
    )


@router.post("/surveys/{survey_id}/definition", dependencies=[Csrf, web_require("surveys.manage")])
def survey_edit(
    request: Request, survey_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    raw = str(form.get("definition", ""))
    try:
        service.edit(db=db, org_id=org.id, actor=actor, survey_id=survey_id, definition=_definition(raw))
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _detail(
            request, org, db, survey_id, errors=exc.form_errors(), status_code=exc.status_code, posted=raw
        )
    return RedirectResponse(f"/surveys/{survey_id}", status_code=303)


@router.post("/surveys/{survey_id}/publish", dependencies=[Csrf, web_require("surveys.manage")])
def survey_publish(
    request: Request, survey_id: PathId, org: WebOrg, actor: WebActor, db: DbSession
) -> Response:
    try:
        service.publish(db=db, org_id=org.id, actor=actor, survey_id=survey_id)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _detail(request, org, db, survey_id, errors=exc.form_errors(), status_code=exc.status_code)
    return RedirectResponse(f"/surveys/{survey_id}", status_code=303)


@router.post("/surveys/{survey_id}/invitations", dependencies=[Csrf, web_require("surveys.manage")])
def survey_invite(request: Request, survey_id: PathId, org: WebOrg, db: DbSession, form: WebForm) -> Response:
    """Invite the addresses typed in, and/or the latest guests; the page then says how many
    were invited and how many skipped, and why (opted out, asked within the contact cap)."""
    emails = [e.strip() for e in str(form.get("emails", "")).replace(",", "\n").splitlines() if e.strip()]
    bad = [e for e in emails if "@" not in e]
    try:
        recent = form_number(form.get("recent"), "recent", high=invitations.MAX_RECENT_GUESTS)
        if bad or not (emails or recent):
            reason = (
                f"not email addresses: {', '.join(bad)}" if bad else "give addresses or a number of guests"
            )
            raise InvalidInput(fields=[{"field": "emails", "reason": reason}])
        survey = service.get(db=db, org_id=org.id, survey_id=survey_id)
        recipients = invitations.recipients(db=db, org_id=org.id, emails=emails)
        if recent:
            recipients += invitations.recent_guests(db=db, org_id=org.id, limit=recent)
        result = invitations.invite(db=db, survey=survey, recipients=recipients)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _detail(request, org, db, survey_id, errors=exc.form_errors(), status_code=exc.status_code)
    query = urlencode({"invited": result["invited"], **result["skipped"]})
    return RedirectResponse(f"/surveys/{survey_id}?{query}#sent", status_code=303)


def _configure(
    request: Request, org: Any, actor: Any, db: Any, survey_id: int, changes: Callable[[], dict[str, Any]]
) -> Response:
    """Save settings read from the form, or show the page again with the reason."""
    try:
        service.configure(db=db, org_id=org.id, actor=actor, survey_id=survey_id, changes=changes())
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _detail(request, org, db, survey_id, errors=exc.form_errors(), status_code=exc.status_code)
    return RedirectResponse(f"/surveys/{survey_id}", status_code=303)


@router.post("/surveys/{survey_id}/reminders", dependencies=[Csrf, web_require("surveys.manage")])
def survey_reminders(
    request: Request, survey_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    """Automatic reminders: after how many days (0: none)."""
    raw = form.get("remind_after_days")

    def changes() -> dict[str, Any]:
        days = form_number(raw, "remind_after_days", low=0, high=60)
        if days is None:
            raise invalid("remind_after_days", "a whole number from 0 to 60")
        return {"remind_after_days": days}

    return _configure(request, org, actor, db, survey_id, changes)


@router.post("/surveys/{survey_id}/delay", dependencies=[Csrf, web_require("surveys.manage")])
def survey_delay(
    request: Request, survey_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    """How many hours after a case is resolved its satisfaction survey goes out."""
    raw = str(form.get("delay_hours", "")).strip()
    return _configure(request, org, actor, db, survey_id, lambda: {"delay_minutes": _delay_minutes(raw)})


@router.post("/surveys/{survey_id}/follow-up", dependencies=[Csrf, web_require("surveys.manage")])
def survey_follow_up(
    request: Request, survey_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    """The follow-up rules: on or off, the thresholds (a number left empty switches that rule
    off), the "no" on a resolution question, complaints in open answers and the re-survey;
    checked as the API checks them."""

    def changes() -> dict[str, Any]:
        flags = ("enabled", "resolution_no", "complaint", "resurvey")
        data: dict[str, Any] = {k: bool(form.get(k)) for k in flags}
        for key in ("nps_max", "csat_max", "ces_max"):
            raw = str(form.get(key, "")).strip()
            data[key] = raw or None
        try:
            rules = FollowUpRules.model_validate(data)
        except ValidationError as exc:
            raise invalid_model(exc, "follow_up") from exc
        return {"follow_up": rules.model_dump()}

    return _configure(request, org, actor, db, survey_id, changes)
