"""Which answers of a survey response call for a follow-up case, given the survey's rules, and
what the case says. Pure: no database.

A survey's rules are JSON kept with its settings (Survey.follow_up); keys left out take the
defaults, so a new survey follows up detractors and the clearly unhappy:

    {"enabled": true, "nps_max": 6, "csat_max": 2, "ces_max": 2, "resolution_no": true,
     "complaint": true, "resurvey": true}

A threshold set to null switches that rule off. A resolution question is a single choice with
a "no" option whose id is "resolved" (the post-case template's) or that says
"resolution": true. "complaint": an open answer the text models type as a complaint (the
caller passes the model in, so this module stays pure). "resurvey": once the follow-up case is
resolved, the respondent is asked one question again (templates.RESURVEY).
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from voxloop.common.i18n import N_
from voxloop.surveys import definition as d

Kind = Literal["nps", "csat", "ces", "resolution", "complaint"]
# Which texts the triage models type as complaints, one flag per text.
Complaints = Callable[[list[str]], list[bool]]
MAX_DESCRIPTION = 10_000  # what any other intake path accepts


@dataclass(frozen=True)
class Rules:
    enabled: bool = True
    nps_max: int | None = 6  # detractors: 0-6
    csat_max: int | None = 2  # 1-5
    ces_max: int | None = 2  # 1-7 as the questions ask it: 1 very difficult, 7 very easy
    resolution_no: bool = True
    complaint: bool = True  # an open answer typed complaint
    resurvey: bool = True  # one question again once the case is resolved

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None) -> "Rules":
        """The rules a survey keeps, the defaults filling in what it leaves out."""
        known = {k: v for k, v in (stored or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Trigger:
    """One answer that calls for a follow-up."""

    question: str
    kind: Kind
    value: int | str


def is_resolution(q: Mapping[str, Any]) -> bool:
    return (
        q["type"] == "single"
        and (q.get("resolution") is True or q["id"] == "resolved")
        and any(str(o.get("value")) == "no" for o in q.get("options", []) if isinstance(o, dict))
    )


def open_answers(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The open (text) answers given, in question order: (question id, text)."""
    return [
        (q["id"], str(answers[q["id"]]).strip())
        for q in d.questions(definition)
        if q["type"] == "text" and isinstance(answers.get(q["id"]), str) and answers[q["id"]].strip()
    ]


def may_complain(definition: Mapping[str, Any], answers: Mapping[str, Any], rules: Rules) -> bool:
    """Whether the complaint rule has an open answer to read (the models read it later)."""
    return rules.enabled and rules.complaint and bool(open_answers(definition, answers))


def triggers(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    rules: Rules,
    complaints: Complaints | None = None,
) -> list[Trigger]:
    """The answers that call for a follow-up, scores and choices in question order, then open
    answers typed complaint (read only when `complaints`, the text models, is given); none when
    the rules are off."""
    if not rules.enabled:
        return []
    found: list[Trigger] = []
    for q in d.questions(definition):
        value = answers.get(q["id"])
        if value is None:
            continue
        kind = q["type"]
        scored = isinstance(value, int) and not isinstance(value, bool)
        if kind == "nps" and scored and rules.nps_max is not None and value <= rules.nps_max:
            found.append(Trigger(q["id"], "nps", value))
        elif kind == "csat" and scored and rules.csat_max is not None and value <= rules.csat_max:
            found.append(Trigger(q["id"], "csat", value))
        elif kind == "ces" and scored and rules.ces_max is not None and value <= rules.ces_max:
            found.append(Trigger(q["id"], "ces", value))
        elif rules.resolution_no and is_resolution(q) and str(value) == "no":
            found.append(Trigger(q["id"], "resolution", "no"))
    texts = open_answers(definition, answers) if rules.complaint and complaints is not None else []
    if texts:
        flags = complaints([t for _, t in texts]) if complaints is not None else []
        found += [
            Trigger(qid, "complaint", "complaint") for (qid, _), bad in zip(texts, flags, strict=True) if bad
        ]
    return found


# A re-survey answer at least this high: passive or promoter, satisfied.
RECOVERED = {"nps": 7, "csat": 4}


def recovered(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool | None:
    """Whether an answer after a follow-up case says the respondent was won back: its first NPS
    or CSAT score is passive/promoter or satisfied; None when it gives neither."""
    for q in d.questions(definition):
        value = answers.get(q["id"])
        if q["type"] in RECOVERED and isinstance(value, int) and not isinstance(value, bool):
            return value >= RECOVERED[q["type"]]
    return None


HEADING = N_("Follow-up of a survey answer: %(title)s (response #%(response)s)")
REASON = N_("Why a follow-up: %(reasons)s")
SCORE = N_("%(question)s: %(value)s (scale %(low)s–%(high)s)")
CHOICE = N_("%(question)s: %(answer)s")
QUOTE = N_("In their words: “%(text)s”")
REASONS: dict[Kind, str] = {
    "nps": N_("a detractor (NPS %(value)s)"),
    "csat": N_("dissatisfied (CSAT %(value)s)"),
    "ces": N_("hard to get help (CES %(value)s)"),
    "resolution": N_("the problem was not solved"),
    "complaint": N_("a complaint in their own words"),
}


def describe(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    found: list[Trigger],
    *,
    language: str,
    response_id: int,
    gettext: Callable[[str], str],
) -> str:
    """The case's description: why it was opened, the scores and choices the respondent gave
    and their open answers quoted, in the language they answered in."""

    def text(value: Any) -> str:
        if isinstance(value, dict):
            return str(value.get(language) or next(iter(value.values()), ""))
        return str(value)

    lines = [
        gettext(HEADING) % {"title": text(definition.get("title", "")), "response": response_id},
        gettext(REASON)
        % {"reasons": ", ".join(gettext(REASONS[t.kind]) % {"value": t.value} for t in found)},
    ]
    quotes = []
    for q in d.questions(definition):
        value = answers.get(q["id"])
        if value in (None, "", [], {}):
            continue
        if q["type"] in d.SCALES:
            low, high = d.scale(q)
            lines.append(
                gettext(SCORE) % {"question": text(q["text"]), "value": value, "low": low, "high": high}
            )
        elif q["type"] == "single":
            labels = {str(o["value"]): text(o.get("label", o["value"])) for o in q.get("options", [])}
            lines.append(
                gettext(CHOICE) % {"question": text(q["text"]), "answer": labels.get(str(value), value)}
            )
        elif q["type"] == "text":
            quotes.append(gettext(QUOTE) % {"text": str(value).strip()})
    return "\n".join([*lines, *quotes])[:MAX_DESCRIPTION]
