"""Response-quality flags, each with its reason. Pure.

Flagged responses are kept and reviewable; statistics leave them out unless asked not to,
except for the flags that are only a reason to look (REVIEW_ONLY).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from voxloop.common.i18n import N_
from voxloop.surveys import definition as d

SPEEDER_RATIO = 0.4  # faster than 40 % of the median completion time
MIN_SAMPLE = 10  # completed responses needed before anyone is called a speeder
STRAIGHT_MIN = 4  # items in a block before identical answers count as straight-lining
# Signs of a repeat that different people give too (guests sharing the hotel's Wi-Fi and the
# same phone model; happy guests answering the same way): a person looks, the answer counts.
# A browser's cookie is proof ("duplicate"); a used invitation token is refused outright.
REVIEW_ONLY = frozenset({"same_device", "same_answers"})
# Each flag as the survey's page names it (translated where shown).
LABELS = {
    "incomplete": N_("Incomplete"),
    "speeder": N_("Too fast (speeder)"),
    "straightlining": N_("Same answer to every item (straight-lining)"),
    "contradiction": N_("Contradictory answers"),
    "attention": N_("Failed the attention check"),
    "duplicate": N_("Answered twice from one browser"),
    "same_device": N_("Same device and network"),
    "same_answers": N_("Same answers as another response"),
}


def excluded(flags: Iterable[Mapping[str, str]]) -> bool:
    """Whether a response's flags leave it out of the statistics."""
    return any(f["flag"] not in REVIEW_ONLY for f in flags)


def flags(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    hidden: Mapping[str, Any],
    *,
    completed: bool,
    duration_seconds: float | None,
    median_seconds: float | None,
    sample: int,
    duplicate: tuple[str, str] | None = None,
) -> list[dict[str, str]]:
    """`duplicate`: (flag, reason) when the response looks like a repeat of another."""
    out: list[dict[str, str]] = []
    visible = d.shown(definition, answers, hidden)
    required = [q for q in visible if q.get("required")]
    missing = [q["id"] for q in required if answers.get(q["id"]) in (None, "", [], {})]
    if not completed or missing:
        answered = len(required) - len(missing)
        out.append(
            {"flag": "incomplete", "reason": f"{answered} of {len(required)} required questions answered"}
        )
    if (
        completed
        and duration_seconds is not None
        and median_seconds
        and sample >= MIN_SAMPLE
        and duration_seconds < SPEEDER_RATIO * median_seconds
    ):
        out.append(
            {
                "flag": "speeder",
                "reason": f"completed in {duration_seconds:.0f} s; the median is {median_seconds:.0f} s",
            }
        )
    for q in visible:
        same = _straight(q, answers.get(q["id"]))
        if same:
            out.append({"flag": "straightlining", "reason": f"{q['id']}: {same}"})
    out += _contradictions(definition, answers, hidden, visible)
    for q in visible:
        if q["type"] == "attention" and completed and answers.get(q["id"]) != q["expect"]:
            out.append(
                {
                    "flag": "attention",
                    "reason": f"{q['id']} answered {answers.get(q['id'])}, the check asked for {q['expect']}",
                }
            )
    if duplicate:
        out.append({"flag": duplicate[0], "reason": duplicate[1]})
    return out


def _straight(q: Mapping[str, Any], value: Any) -> str | None:
    if (
        q["type"] == "matrix"
        and isinstance(value, dict)
        and len(value) >= STRAIGHT_MIN
        and len(set(value.values())) == 1
    ):
        return f"all {len(value)} rows answered {next(iter(value.values()))}"
    if q["type"] == "servqual" and isinstance(value, dict) and len(value) >= STRAIGHT_MIN:
        for side in ("expectation", "perception"):
            answers = [pair.get(side) for pair in value.values() if isinstance(pair, dict)]
            if len(answers) >= STRAIGHT_MIN and len(set(answers)) == 1:
                return f"all {len(answers)} {side} items answered {answers[0]}"
    return None


def _contradictions(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    hidden: Mapping[str, Any],
    visible: list[dict[str, Any]],
) -> list[dict[str, str]]:
    out = []
    csat = [
        answers[q["id"]] for q in visible if q["type"] == "csat" and isinstance(answers.get(q["id"]), int)
    ]
    nps = [answers[q["id"]] for q in visible if q["type"] == "nps" and isinstance(answers.get(q["id"]), int)]
    if any(c == 5 for c in csat) and any(n <= 3 for n in nps):
        out.append(
            {
                "flag": "contradiction",
                "reason": f"very satisfied (CSAT 5) but would not recommend (NPS {min(nps)})",
            }
        )
    if any(c == 1 for c in csat) and any(n >= 9 for n in nps):
        out.append(
            {
                "flag": "contradiction",
                "reason": f"very dissatisfied (CSAT 1) but would recommend (NPS {max(nps)})",
            }
        )
    if nps:
        out += [c for q in visible if q["type"] == "servqual" for c in _servqual_against_nps(q, answers, nps)]
    for pair in definition.get("contradictions", []):
        if d.holds(pair["if"], answers, hidden) and d.holds(pair["and"], answers, hidden):
            out.append({"flag": "contradiction", "reason": pair["reason"]})
    return out


def _servqual_against_nps(
    q: Mapping[str, Any], answers: Mapping[str, Any], nps: list[int]
) -> list[dict[str, str]]:
    """Every perception at the top of the scale but no recommendation, or every one at the
    bottom and a warm one: the SERVQUAL study's counterpart of the CSAT/NPS check."""
    value = answers.get(q["id"])
    seen = [
        p["perception"]
        for p in (value.values() if isinstance(value, dict) else ())
        if isinstance(p, dict) and isinstance(p.get("perception"), int)
    ]
    if len(seen) < STRAIGHT_MIN:
        return []
    top = int(q.get("points", 7)) - 1
    if min(seen) >= top and min(nps) <= 3:
        reason = f"every perception item rated {top} or more but would not recommend (NPS {min(nps)})"
        return [{"flag": "contradiction", "reason": reason}]
    if max(seen) <= 2 and max(nps) >= 9:
        reason = f"every perception item rated 2 or less but would recommend (NPS {max(nps)})"
        return [{"flag": "contradiction", "reason": reason}]
    return []
