"""Survey definitions and answers: checking both, deciding what is shown. Pure: no database.

A definition is JSON (docs/surveys.md has a complete example):

    {"languages": ["zh", "en"], "title": {"zh": "…", "en": "…"},
     "hidden": ["case_id", "channel", "agent", "branch"],
     "sections": [{"id": "s1", "title": {…}, "show_if": {…},
                   "questions": [{"id": "q1", "type": "csat", "text": {…}, "required": true}, …]}],
     "contradictions": [{"if": {…}, "and": {…}, "reason": "…"}]}

Answers are keyed by question id. Conditions ({"question": "q1", "op": "lte", "value": 2}, or
{"hidden": "channel", "op": "eq", "value": "hotline"}) decide whether a section or question is
shown; text may pipe earlier answers and hidden fields in: "{{q1}}", "{{hidden.branch}}".
"""

import random
import re
from collections.abc import Callable, Mapping
from typing import Any

from voxloop.common.types import MAX_ID, whole_number

TYPES = (
    "likert",  # points 5 or 7, labels per language
    "single",
    "multi",
    "rating",  # 1..max
    "matrix",  # rows answered on one likert scale
    "ranking",
    "text",
    "nps",  # 0..10
    "csat",  # 1..5
    "ces",  # 1..7
    "servqual",  # items with expectation and perception, grouped by dimension
    "attention",  # a likert item with one right answer
)
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
# SERVQUAL's dimensions by their names in the literature of each language; in both, not in the
# catalog, where "Reliability" is already the statistics' 信度 (the dimension is 可靠性).
DIMENSION_NAMES = {
    "tangibles": {"zh": "有形性", "en": "Tangibles"},
    "reliability": {"zh": "可靠性", "en": "Reliability"},
    "responsiveness": {"zh": "响应性", "en": "Responsiveness"},
    "assurance": {"zh": "保证性", "en": "Assurance"},
    "empathy": {"zh": "移情性", "en": "Empathy"},
}


def dimension_name(dimension: str, locale: str) -> str:
    """A SERVQUAL dimension in the reader's language (zh_CN or en); anything else as given."""
    names = DIMENSION_NAMES.get(dimension)
    return names["zh" if locale.startswith("zh") else "en"] if names else dimension


def case_id(hidden: Mapping[str, Any]) -> int | None:
    """The case a response was sent about (its `case_id` hidden field); None where it names none."""
    value = whole_number(str(hidden.get("case_id") or ""))
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


def check_hidden(hidden: Mapping[str, Any]) -> list[dict[str, str]]:
    """The problems of a response's hidden fields: a `case_id` must name a case by its number."""
    if hidden.get("case_id") not in (None, "") and case_id(hidden) is None:
        return [{"field": "hidden.case_id", "reason": "a case number: a whole number from 1"}]
    return []


def label(definition: Mapping[str, Any], question: str, locale: str, row: str | None = None) -> str:
    """A question's text (or a matrix row's, or a SERVQUAL dimension's name) in the reader's
    language, else in the definition's first; the id where there is no text."""
    lang = "zh" if locale.startswith("zh") else "en"

    def worded(text: Any, fallback: str) -> str:
        if not isinstance(text, Mapping):
            return str(text) if text else fallback
        first = next((text[k] for k in definition.get("languages", []) if text.get(k)), None)
        return str(text.get(lang) or first or fallback)

    q = next((q for q in questions(definition) if q["id"] == question), None)
    if row is None:
        return worded(q.get("text"), question) if q else question
    found = next((r for r in (q or {}).get("rows", []) if r.get("id") == row), None)
    return worded(found.get("text"), row) if found else dimension_name(row, locale)


OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "answered")
HIDDEN_FIELDS = ("case_id", "channel", "agent", "branch", "touchpoint", "product")
ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
PIPE = re.compile(r"\{\{\s*(hidden\.)?([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
MAX_QUESTIONS = 300


def questions(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [q for s in definition.get("sections", []) for q in s.get("questions", [])]


def free_text(definition: Mapping[str, Any]) -> set[str]:
    """The ids of the open questions, whose answers are what a respondent wrote themselves."""
    return {q["id"] for q in questions(definition) if q["type"] == "text"}


def check(definition: Any) -> list[dict[str, str]]:
    """What is wrong with a definition, as field errors (empty when it is usable)."""
    if not isinstance(definition, dict):
        return [{"field": "definition", "reason": "must be an object"}]
    errors, languages = _languages(definition.get("languages"))
    errors += _text(definition.get("title"), "title", languages)
    hidden = definition.get("hidden", [])
    if not isinstance(hidden, list) or any(h not in HIDDEN_FIELDS for h in hidden):
        errors.append({"field": "hidden", "reason": f"hidden fields are {', '.join(HIDDEN_FIELDS)}"})
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        return [*errors, {"field": "sections", "reason": "a survey needs at least one section"}]
    seen: dict[str, dict[str, Any]] = {}
    for i, section in enumerate(sections):
        errors += _section(section, f"sections[{i}]", seen, hidden, languages)
    if len(seen) > MAX_QUESTIONS:
        errors.append({"field": "sections", "reason": f"at most {MAX_QUESTIONS} questions"})
    return errors + _contradictions(definition.get("contradictions", []), seen, hidden)


def _languages(value: Any) -> tuple[list[dict[str, str]], list[str]]:
    """The problem with a definition's languages, if any, and the languages to check texts in."""
    if isinstance(value, list) and value and all(x in ("zh", "en") for x in value):
        return [], value
    return [{"field": "languages", "reason": 'a non-empty list of "zh" and/or "en"'}], ["zh"]


def _section(
    section: Any, where: str, seen: dict[str, dict[str, Any]], hidden: list[str], languages: list[str]
) -> list[dict[str, str]]:
    """The problems of one section; its questions are added to `seen`."""
    if not isinstance(section, dict) or not ID.match(str(section.get("id", ""))):
        return [{"field": f"{where}.id", "reason": "each section needs an id (letters, digits, _)"}]
    errors = _text(section["title"], f"{where}.title", languages) if "title" in section else []
    if "show_if" in section:
        errors += _condition(section["show_if"], f"{where}.show_if", seen, hidden)
    qs = section.get("questions")
    if not isinstance(qs, list) or not qs:
        return [*errors, {"field": f"{where}.questions", "reason": "a section needs at least one question"}]
    for q in qs:
        errors += _question(q, seen, hidden, languages)
        if isinstance(q, dict) and isinstance(q.get("id"), str):
            seen[q["id"]] = q
    return errors


def _contradictions(pairs: Any, seen: Mapping[str, Any], hidden: list[str]) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, dict) or not isinstance(pair.get("reason"), str):
            errors.append({"field": f"contradictions[{i}]", "reason": 'needs "if", "and" and a "reason"'})
            continue
        for part in ("if", "and"):
            errors += _condition(pair.get(part), f"contradictions[{i}].{part}", seen, hidden)
    return errors


def _text(value: Any, field: str, languages: list[str]) -> list[dict[str, str]]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang].strip() for lang in languages
    ):
        return [{"field": field, "reason": f"text is needed in every language: {', '.join(languages)}"}]
    return []


def _condition(cond: Any, field: str, seen: Mapping[str, Any], hidden: list[str]) -> list[dict[str, str]]:
    if not isinstance(cond, dict) or cond.get("op") not in OPS:
        return [{"field": field, "reason": f"a condition needs an op: {', '.join(OPS)}"}]
    if "question" in cond:
        if cond["question"] not in seen:
            return [
                {
                    "field": field,
                    "reason": f"refers to {cond['question']!r}, which is not an earlier question",
                }
            ]
    elif cond.get("hidden") not in hidden:
        return [{"field": field, "reason": "refers to neither an earlier question nor a hidden field"}]
    return []


def _question(
    q: Any, seen: Mapping[str, Any], hidden: list[str], languages: list[str]
) -> list[dict[str, str]]:
    if not isinstance(q, dict) or not ID.match(str(q.get("id", ""))):
        return [{"field": "questions", "reason": "each question needs an id (letters, digits, _)"}]
    where = f"questions.{q['id']}"
    if q["id"] in seen:
        return [{"field": where, "reason": "question ids must be unique"}]
    kind = q.get("type")
    if kind not in TYPES:
        return [{"field": f"{where}.type", "reason": f"one of {', '.join(TYPES)}"}]
    errors = _text(q.get("text"), f"{where}.text", languages)
    if "show_if" in q:
        errors += _condition(q["show_if"], f"{where}.show_if", seen, hidden)
    if kind in ("likert", "matrix", "attention", "servqual") and q.get("points", 5) not in (5, 7):
        errors.append({"field": f"{where}.points", "reason": "5 or 7"})
    if kind in ("single", "multi", "ranking"):
        errors += _options(q.get("options"), where, languages)
    if kind in ("matrix", "servqual"):
        errors += _rows(q, kind, where, languages)
    return errors + _reverse_keyed(q, kind, where) + _limits(q, kind, where)


def _options(options: Any, where: str, languages: list[str]) -> list[dict[str, str]]:
    if not isinstance(options, list) or len(options) < 2:
        return [{"field": f"{where}.options", "reason": "at least two options"}]
    errors = []
    values = [o.get("value") for o in options if isinstance(o, dict)]
    if len(set(map(str, values))) != len(options):
        errors.append({"field": f"{where}.options", "reason": "each option needs a unique value"})
    for o in options:
        errors += _text(o.get("label") if isinstance(o, dict) else None, f"{where}.options", languages)
    return errors


def _rows(q: Mapping[str, Any], kind: str, where: str, languages: list[str]) -> list[dict[str, str]]:
    """The problems of a matrix's rows or a SERVQUAL block's items."""
    name = "rows" if kind == "matrix" else "items"
    rows = q.get(name)
    if not isinstance(rows, list) or not rows:
        return [{"field": f"{where}.{name}", "reason": "at least one"}]
    errors: list[dict[str, str]] = []
    for r in rows:
        if not isinstance(r, dict) or not ID.match(str(r.get("id", ""))):
            errors.append({"field": f"{where}.{name}", "reason": "each needs an id"})
            continue
        errors += _text(r.get("text"), f"{where}.{name}.{r['id']}", languages)
        if kind == "servqual" and r.get("dimension") not in DIMENSIONS:
            errors.append(
                {"field": f"{where}.items.{r['id']}", "reason": f"dimension: {', '.join(DIMENSIONS)}"}
            )
    return errors


def _reverse_keyed(q: Mapping[str, Any], kind: str, where: str) -> list[dict[str, str]]:
    """A reverse-keyed item (agreeing is the unfavourable answer) is scored the other way round
    in the reliability of its block: the flag must be true or false."""
    given = q.get("rows")
    keyed: list[Any] = given if kind == "matrix" and isinstance(given, list) else []
    errors = []
    for item in [q, *(r for r in keyed if isinstance(r, dict))]:
        if "reverse" in item and not isinstance(item["reverse"], bool):
            name = where if item is q else f"{where}.rows.{item.get('id')}"
            errors.append({"field": f"{name}.reverse", "reason": "true or false"})
    return errors


def _limits(q: Mapping[str, Any], kind: str, where: str) -> list[dict[str, str]]:
    """A rating's top and an attention check's right answer."""
    errors = []
    if kind == "rating" and not (isinstance(q.get("max"), int) and 2 <= q["max"] <= 10):
        errors.append({"field": f"{where}.max", "reason": "a whole number from 2 to 10"})
    if kind == "attention" and not (
        isinstance(q.get("expect"), int) and 1 <= q["expect"] <= q.get("points", 5)
    ):
        errors.append({"field": f"{where}.expect", "reason": "the one right answer, on the scale"})
    return errors


def scale(q: Mapping[str, Any]) -> tuple[int, int]:
    """The allowed range of a numeric answer."""
    if q["type"] in SCALES:
        return SCALES[q["type"]]
    if q["type"] == "rating":
        return 1, int(q["max"])
    return 1, int(q.get("points", 5))


def holds(cond: Mapping[str, Any], answers: Mapping[str, Any], hidden: Mapping[str, Any]) -> bool:
    value: Any = answers.get(cond["question"]) if "question" in cond else hidden.get(cond["hidden"])
    op: str = cond["op"]
    target: Any = cond.get("value")
    if op == "answered":
        return value not in (None, "", [], {})
    if value is None:
        return False
    checks: dict[str, Callable[[], bool]] = {
        "eq": lambda: value == target,
        "ne": lambda: value != target,
        "lt": lambda: value < target,
        "lte": lambda: value <= target,
        "gt": lambda: value > target,
        "gte": lambda: value >= target,
        "in": lambda: value in target or (isinstance(value, list) and bool(set(value) & set(target))),
    }
    try:
        return checks[op]()
    except TypeError:
        return False


def shown(
    definition: Mapping[str, Any], answers: Mapping[str, Any], hidden: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The questions shown given the answers so far, in order."""
    out = []
    for section in definition["sections"]:
        if "show_if" in section and not holds(section["show_if"], answers, hidden):
            continue
        out += [q for q in section["questions"] if "show_if" not in q or holds(q["show_if"], answers, hidden)]
    return out


def check_answers(
    definition: Mapping[str, Any], answers: Any, hidden: Mapping[str, Any], *, complete: bool
) -> list[dict[str, str]]:
    """Field errors naming the question and the reason. With complete=False (a saved, unfinished
    response) required questions may still be missing."""
    if not isinstance(answers, dict):
        return [{"field": "answers", "reason": "must be an object keyed by question id"}]
    known = {q["id"]: q for q in questions(definition)}
    visible = {q["id"] for q in shown(definition, answers, hidden)}
    errors = []
    for qid, value in answers.items():
        if qid not in known:
            errors.append({"field": f"answers.{qid}", "reason": "no such question in this survey"})
        elif qid not in visible and value not in (None, "", [], {}):
            errors.append({"field": f"answers.{qid}", "reason": "is not shown given the earlier answers"})
        elif value not in (None, "", [], {}):
            reason = _answer_problem(known[qid], value)
            if reason:
                errors.append({"field": f"answers.{qid}", "reason": reason})
    if complete:
        for qid in visible:
            q = known[qid]
            if q.get("required") and answers.get(qid) in (None, "", [], {}):
                errors.append({"field": f"answers.{qid}", "reason": "is required"})
    return errors


def _answer_problem(q: Mapping[str, Any], value: Any) -> str | None:
    check = _ANSWER_CHECKS.get(q["type"])
    return check(q, value) if check else None


def _on_scale(q: Mapping[str, Any], value: Any) -> str | None:
    lo, hi = scale(q)
    if not isinstance(value, int) or isinstance(value, bool):
        return f"must be a whole number from {lo} to {hi}"
    return None if lo <= value <= hi else f"must be from {lo} to {hi}"


def _option_values(q: Mapping[str, Any]) -> list[str]:
    return [str(o["value"]) for o in q.get("options", [])]


def _single_answer(q: Mapping[str, Any], value: Any) -> str | None:
    options = _option_values(q)
    return None if str(value) in options else f"must be one of {', '.join(options)}"


def _multi_answer(q: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a list of options"
    options = _option_values(q)
    bad = [str(v) for v in value if str(v) not in options]
    return f"unknown options: {', '.join(bad)}" if bad else None


def _ranking_answer(q: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, list) or sorted(map(str, value)) != sorted(_option_values(q)):
        return "must list every option once, best first"
    return None


def _text_answer(q: Mapping[str, Any], value: Any) -> str | None:
    limit = int(q.get("max_length", 5000))
    if not isinstance(value, str):
        return "must be text"
    return None if len(value) <= limit else f"longer than {limit} characters"


def _matrix_answer(q: Mapping[str, Any], value: Any) -> str | None:
    rows = {r["id"] for r in q["rows"]}
    if not isinstance(value, dict):
        return "must map row ids to answers"
    for rid, v in value.items():
        if rid not in rows:
            return f"no row {rid!r}"
        problem = _on_scale(q, v)
        if problem:
            return f"row {rid}: {problem}"
    return None


def _servqual_answer(q: Mapping[str, Any], value: Any) -> str | None:
    items = {r["id"] for r in q["items"]}
    if not isinstance(value, dict):
        return "must map item ids to {expectation, perception}"
    problems = (_servqual_item(q, rid, pair, items) for rid, pair in value.items())
    return next((p for p in problems if p), None)


def _servqual_item(q: Mapping[str, Any], rid: str, pair: Any, items: set[str]) -> str | None:
    if rid not in items:
        return f"no item {rid!r}"
    if not isinstance(pair, dict) or set(pair) - {"expectation", "perception"}:
        return f"item {rid}: give expectation and perception"
    for side, v in pair.items():
        problem = _on_scale(q, v)
        if problem:
            return f"item {rid} {side}: {problem}"
    return None


_ANSWER_CHECKS: dict[str, Callable[[Mapping[str, Any], Any], str | None]] = {
    **dict.fromkeys(("likert", "rating", "nps", "csat", "ces", "attention"), _on_scale),
    "single": _single_answer,
    "multi": _multi_answer,
    "ranking": _ranking_answer,
    "text": _text_answer,
    "matrix": _matrix_answer,
    "servqual": _servqual_answer,
}


def option_order(q: Mapping[str, Any], seed: str) -> list[dict[str, Any]]:
    """A question's options, shuffled when it asks for "randomize" (the same order for the same
    respondent on every page view: the seed is theirs), else as written."""
    options = list(q.get("options", []))
    if q.get("randomize"):
        # the same order for the same respondent on every page load; nothing secret
        random.Random(f"{seed}:{q['id']}").shuffle(options)  # noqa: S311
    return options


def pipe(text: str, answers: Mapping[str, Any], hidden: Mapping[str, Any]) -> str:
    """Earlier answers and hidden fields put into a question's text."""

    def value(m: re.Match[str]) -> str:
        source = hidden if m.group(1) else answers
        v = source.get(m.group(2))
        return "" if v is None else ", ".join(map(str, v)) if isinstance(v, list) else str(v)

    return PIPE.sub(value, text)
