"""Which routing rule takes a case. Pure: no database.

Rules are ordered; the first active rule whose conditions all hold wins. Every condition is a
list of accepted values (any one will do); `keywords` match when any keyword is in the text.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# condition -> the Subject attribute it looks at
CONDITIONS = {
    "channel": "channel",
    "type": "type",
    "category": "category",
    "priority": "priority",
    "touchpoint": "touchpoint",
    "product": "product",
    "branch": "branch",
    "segment": "segment",
    "language": "language",
    "keywords": "text",
}
STRATEGIES = ("round_robin", "least_loaded")


@dataclass(frozen=True)
class Subject:
    text: str = ""
    channel: str | None = None
    type: str | None = None
    category: str | None = None
    priority: int | None = None
    touchpoint: str | None = None
    product: str | None = None
    branch: str | None = None
    segment: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    match: Mapping[str, Any]
    department_id: int
    strategy: str = "round_robin"


def check(match: Any, strategy: str) -> list[dict[str, str]]:
    errors = []
    if not isinstance(match, dict) or not match:
        return [{"field": "match", "reason": f"needs at least one condition: {', '.join(CONDITIONS)}"}]
    for key, values in match.items():
        if key not in CONDITIONS:
            errors.append(
                {"field": f"match.{key}", "reason": f"unknown condition; use {', '.join(CONDITIONS)}"}
            )
        elif not isinstance(values, list) or not values:
            errors.append({"field": f"match.{key}", "reason": "must be a non-empty list of accepted values"})
        elif key == "priority" and not all(isinstance(v, int) and 1 <= v <= 4 for v in values):
            errors.append({"field": "match.priority", "reason": "priorities are 1 to 4"})
        elif key != "priority" and not all(isinstance(v, str) and v.strip() for v in values):
            errors.append({"field": f"match.{key}", "reason": "values must be non-empty text"})
    if strategy not in STRATEGIES:
        errors.append({"field": "strategy", "reason": f"must be one of {', '.join(STRATEGIES)}"})
    return errors


def holds(rule: Rule, subject: Subject) -> bool:
    for key, accepted in rule.match.items():
        if key == "keywords":
            text = subject.text.lower()
            if not any(k.lower() in text for k in accepted):
                return False
        elif getattr(subject, CONDITIONS[key]) not in accepted:
            return False
    return True


def matching(rules: Sequence[Rule], subject: Subject) -> list[Rule]:
    """Every rule that holds, in order; the first one wins. The rest are shown so a user sees
    which rules overlap and why the winner won (it comes first)."""
    return [r for r in rules if holds(r, subject)]


def pick_round_robin(members: Sequence[int], last: int | None) -> int | None:
    """The member after the one who got the department's previous case."""
    if not members:
        return None
    ordered = sorted(members)
    if last is None or last not in ordered:
        return ordered[0] if last is None else next((m for m in ordered if m > last), ordered[0])
    return ordered[(ordered.index(last) + 1) % len(ordered)]


def pick_least_loaded(load: Mapping[int, int]) -> int | None:
    """The member with the fewest open cases; the lowest id among equals."""
    if not load:
        return None
    return min(load, key=lambda m: (load[m], m))
