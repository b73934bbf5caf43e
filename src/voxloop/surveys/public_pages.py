"""The respondent's pages: one section per page, plain HTML forms that work without
JavaScript, a progress bar, zh/en, save and resume; and the survey's QR codes."""

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from voxloop.accounts import service as accounts
from voxloop.common.types import whole_number
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, NotFound, VoxloopError, invalid_model
from voxloop.feedback.schemas import CustomerIn
from voxloop.surveys import definition as d
from voxloop.surveys import follow_up, invitations, service
from voxloop.surveys.models import Response as SurveyResponse
from voxloop.surveys.views import contact_of, link
from voxloop.web.pages import Csrf, WebForm, form_number, page, request_locale

router = APIRouter(include_in_schema=False)
ANSWERED = "surveys_answered"  # session key: the surveys this browser has completed
ANSWERED_KEEP = 50
Key = Annotated[str, Path(max_length=16)]


def _started(raw: str) -> datetime | None:
    """When the page was first shown (the form carries it, in seconds); a value no page wrote
    (text, the future, beyond any calendar) is ignored, as a missing one is."""
    seconds = whole_number(raw)
    if not isinstance(seconds, int) or not 0 < seconds <= time.time() + 86400:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _language(request: Request, definition: dict[str, Any], asked: str | None) -> str:
    languages = definition["languages"]
    if asked in languages:
        return str(asked)
    preferred = "zh" if request_locale(request).startswith("zh") else "en"
    return preferred if preferred in languages else languages[0]


def _visible_sections(
    definition: dict[str, Any], answers: dict[str, Any], hidden: dict[str, Any]
) -> list[dict[str, Any]]:
    return [s for s in definition["sections"] if "show_if" not in s or d.holds(s["show_if"], answers, hidden)]


def _render(
    request: Request,
    survey: Any,
    definition: dict[str, Any],
    lang: str,
    state: dict[str, Any],
    answers: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    hidden = state["hidden"]
    sections = _visible_sections(definition, answers, hidden)
    index = min(state["page"], len(sections) - 1)
    section = sections[index]
    questions = [
        q for q in section["questions"] if "show_if" not in q or d.holds(q["show_if"], answers, hidden)
    ]
    org = accounts.get_org(db=state["db"], org_id=survey.org_id)
    switch = {k: v for k, v in state.items() if k in ("t", "resume") and v}
    return page(
        request,
        "survey.html",
        status_code=status_code,
        survey=survey,
        form_org=org,
        definition=definition,
        lang=lang,
        section=section,
        questions=questions,
        index=index,
        total=len(sections),
        answers=answers,
        state=state,
        errors=errors or [],
        # An anonymous or link respondent may ask to be called back; an invited one is known.
        offer_contact=follow_up.Rules.of(survey.follow_up).enabled and not state.get("t"),
        pipe=lambda text: d.pipe(text, answers, hidden),
        ordered=lambda q: d.option_order(
            q, seed=f"{state['started']}{state.get('resume', '')}{state.get('t', '')}"
        ),
        scale=d.scale,
        switch_zh="?" + urlencode({**switch, "lang": "zh"}),
        switch_en="?" + urlencode({**switch, "lang": "en"}),
        resume_link=f"{link(survey)}?{urlencode({'resume': state['resume']})}" if state.get("resume") else "",
    )


@router.get("/s/{survey_key}")
def survey_page(
    request: Request,
    survey_key: Key,
    db: DbSession,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    t: Annotated[str | None, Query(max_length=64)] = None,
    resume: Annotated[str | None, Query(max_length=64)] = None,
    page_: Annotated[int, Query(alias="page", ge=0, le=1000)] = 0,
) -> Response:
    survey = service.open_survey(db, survey_key)
    definition = service.published(db, survey)
    answers: dict[str, Any] = {}
    if resume:
        saved = db.query(SurveyResponse).filter_by(survey_id=survey.id, resume_token=resume).one_or_none()
        answers = dict(saved.answers) if saved else {}
    hidden = {k: v for k, v in request.query_params.items() if k in definition.get("hidden", [])}
    if errors := d.check_hidden(hidden):  # a link built wrong: say so now, not at the last page
        raise InvalidInput(fields=errors)
    state = {
        "db": db,
        "page": page_,
        "t": t or "",
        "resume": resume or "",
        "hidden": hidden,
        "started": request.query_params.get("started") or str(int(time.time())),
    }
    return _render(request, survey, definition, _language(request, definition, lang), state, answers)


def answers_from_form(questions: list[dict[str, Any]], form: FormData) -> dict[str, Any]:
    """The answers on one page of the form, as the API takes them. Whatever does not parse is
    passed on as given, so the check names the question and the reason."""
    out: dict[str, Any] = {}
    for q in questions:
        read = _READERS.get(q["type"])
        value = read(q, form) if read else None
        if value is not None:
            out[q["id"]] = value
    return out


def _scale_answer(q: dict[str, Any], form: FormData) -> int | str | None:
    qid = q["id"]
    return whole_number(str(form[qid])) if form.get(qid) else None


def _text_answer(q: dict[str, Any], form: FormData) -> str | None:
    return str(form.get(q["id"], "")).strip() or None


def _multi_answer(q: dict[str, Any], form: FormData) -> list[str] | None:
    return [str(v) for v in form.getlist(q["id"])] or None


def _matrix_answer(q: dict[str, Any], form: FormData) -> dict[str, Any] | None:
    qid = q["id"]
    rows = {
        r["id"]: whole_number(str(form[f"{qid}.{r['id']}"]))
        for r in q["rows"]
        if form.get(f"{qid}.{r['id']}")
    }
    return rows or None


def _servqual_answer(q: dict[str, Any], form: FormData) -> dict[str, Any] | None:
    qid = q["id"]
    items: dict[str, Any] = {}
    for item in q["items"]:
        pair = {
            side: whole_number(str(form[f"{qid}.{item['id']}.{side}"]))
            for side in ("expectation", "perception")
            if form.get(f"{qid}.{item['id']}.{side}")
        }
        if pair:
            items[item["id"]] = pair
    return items or None


def _ranking_answer(q: dict[str, Any], form: FormData) -> list[str] | None:
    """The options best first, once every one has a rank."""
    qid = q["id"]
    ranks = {str(o["value"]): str(form.get(f"{qid}.{o['value']}", "")).strip() for o in q["options"]}
    if not all(ranks.values()):
        return None
    places = {v: whole_number(rank) for v, rank in ranks.items()}
    return sorted(ranks, key=lambda v: p if isinstance(p := places[v], int) else 999)


_READERS: dict[str, Callable[[dict[str, Any], FormData], Any]] = {
    **dict.fromkeys(("likert", "rating", "nps", "csat", "ces", "attention"), _scale_answer),
    "single": _text_answer,
    "text": _text_answer,
    "multi": _multi_answer,
    "matrix": _matrix_answer,
    "servqual": _servqual_answer,
    "ranking": _ranking_answer,
}


CONTACT_FIELDS = ("name", "email", "phone")


def contact_from_form(form: FormData, lang: str) -> CustomerIn | None:
    """The contact details left on the last page, checked as the API checks them; none when
    every field is empty."""
    given = {k: str(form.get(f"contact.{k}", "")).strip() for k in CONTACT_FIELDS}
    given = {k: v for k, v in given.items() if v}
    if not given:
        return None
    try:
        return CustomerIn.model_validate({**given, "locale": "zh_CN" if lang == "zh" else "en"})
    except ValidationError as exc:
        raise invalid_model(exc, "contact") from exc


@router.post("/s/{survey_key}", dependencies=[Csrf])
def survey_submit(request: Request, survey_key: Key, db: DbSession, form: WebForm) -> Response:
    survey = service.open_survey(db, survey_key)
    definition = service.published(db, survey)
    lang = _language(request, definition, str(form.get("lang", "")))
    hidden = {
        k[7:]: str(v)
        for k, v in form.items()
        if k.startswith("hidden.") and k[7:] in definition.get("hidden", [])
    }
    resume = str(form.get("resume", "")) or None
    earlier: dict[str, Any] = {}
    if resume:
        saved = db.query(SurveyResponse).filter_by(survey_id=survey.id, resume_token=resume).one_or_none()
        earlier = dict(saved.answers) if saved else {}
    sections = _visible_sections(definition, earlier, hidden)
    index = min(form_number(form.get("page"), "page", low=0, high=10_000) or 0, len(sections) - 1)
    on_page = [
        q
        for q in sections[index]["questions"]
        if "show_if" not in q or d.holds(q["show_if"], earlier, hidden)
    ]
    answers = answers_from_form(on_page, form)
    merged = {**earlier, **answers}
    last = index + 1 >= len(_visible_sections(definition, merged, hidden))
    started = str(form.get("started", ""))
    token = str(form.get("t", ""))
    state: dict[str, Any] = {
        "db": db,
        "page": index,
        "t": token,
        "resume": resume or "",
        "hidden": hidden,
        "started": started,
        "contact": {k: str(form.get(f"contact.{k}", "")) for k in CONTACT_FIELDS},
    }
    try:
        contact = contact_from_form(form, lang) if last else None
        response = service.submit(
            db=db,
            key=survey_key,
            sub=service.Submission(
                answers=answers,
                language=lang,
                complete=last,
                token=token or None,
                resume=resume,
                hidden=hidden,
                started_at=_started(started),
                mode="email" if token else "link",
                seen=survey.id in request.session.get(ANSWERED, []),
                fingerprint=service.fingerprint(
                    request.headers.get("user-agent", ""),
                    request.headers.get("accept-language", ""),
                    request.client.host if request.client else "",
                ),
                contact=contact_of(contact),
            ),
        )
        if not last:  # the page's required questions must be answered before going on
            page_ids = {q["id"] for q in on_page}
            missing = [
                {"field": f"answers.{q['id']}", "reason": "is required"}
                for q in on_page
                if q.get("required") and q["id"] in page_ids and merged.get(q["id"]) in (None, "", [], {})
            ]
            if missing:
                raise VoxloopError(fields=missing)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _render(
            request,
            survey,
            definition,
            lang,
            state,
            merged,
            errors=exc.form_errors(),
            status_code=422,
        )
    if last:
        # The browser remembers it answered (survey ids only, so an anonymous answer stays
        # unlinked): a second answer from it is a repeat, unlike one from the same Wi-Fi.
        request.session[ANSWERED] = [*request.session.get(ANSWERED, []), survey.id][-ANSWERED_KEEP:]
        return page(
            request,
            "survey_done.html",
            survey=survey,
            form_org=accounts.get_org(db=db, org_id=survey.org_id),
            lang=lang,
            definition=definition,
        )
    query = {
        "lang": lang,
        "page": index + 1,
        "resume": response.resume_token,
        "t": state["t"],
        "started": started,
        **hidden,
    }
    return RedirectResponse(
        f"/s/{survey_key}?{urlencode({k: v for k, v in query.items() if v not in ('', None)})}",
        status_code=303,
    )


@router.get("/s/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: Annotated[str, Path(max_length=64)], db: DbSession) -> Response:
    return page(request, "survey_unsubscribe.html", token=token, done=False)


@router.post("/s/unsubscribe/{token}", dependencies=[Csrf])
def unsubscribe(request: Request, token: Annotated[str, Path(max_length=64)], db: DbSession) -> Response:
    """No more survey invitations to this address from this organization."""
    if invitations.opt_out(db=db, token=token) is None:
        raise NotFound("No invitation has this link.")
    db.commit()
    return page(request, "survey_unsubscribe.html", token=token, done=True)


@router.get("/s/{survey_key}/qr.svg")
def qr_svg(survey_key: Key, db: DbSession) -> Response:
    survey = service.open_survey(db, survey_key)
    buf = io.BytesIO()
    segno.make(link(survey), error="m").save(buf, kind="svg", scale=6, border=2)
    return Response(buf.getvalue(), media_type="image/svg+xml")


@router.get("/s/{survey_key}/qr.png")
def qr_png(survey_key: Key, db: DbSession) -> Response:
    survey = service.open_survey(db, survey_key)
    buf = io.BytesIO()
    segno.make(link(survey), error="m").save(buf, kind="png", scale=8, border=2)
    return Response(buf.getvalue(), media_type="image/png")
