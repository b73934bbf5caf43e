"""Judging an initiative: the goal metric before and after the intervention, the right test
and effect size (from `analytics.indicators.change`), and the verdict (pure functions)."""

from typing import Any

ACHIEVED, NOT_YET, NO_CHANGE = "achieved", "not_yet", "no_significant_change"
NOT_ENOUGH = "not_enough_data"
ALPHA = 0.05


def improved(direction: str, before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return False
    return after < before if direction == "decrease" else after > before


def target_met(direction: str, target: float, value: float | None) -> bool:
    if value is None:
        return False
    return value <= target if direction == "decrease" else value >= target


def verdict(
    direction: str, target: float, before: dict[str, Any], after: dict[str, Any], test: dict[str, Any]
) -> str:
    """Achieved: a significant change the right way that reaches the target. Not yet: a
    significant change the right way, short of the target. No test (fewer than 2 answers before
    or after): not enough data yet. Otherwise no significant change."""
    p = test.get("p")
    if p is None:
        return NOT_ENOUGH
    significant = p is not None and p < ALPHA and improved(direction, before.get("value"), after.get("value"))
    if not significant:
        return NO_CHANGE
    return ACHIEVED if target_met(direction, target, after.get("value")) else NOT_YET


def shared_terms(a: list[str], b: list[str]) -> bool:
    """Two themes are the same problem when two of their three naming words agree."""
    first, second = set(a[:3]), set(b[:3])
    return len(first & second) >= min(2, len(first), len(second)) > 0
