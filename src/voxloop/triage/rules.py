"""Rule-based triage: pure functions from a record's text and fields to its classification.

Rules are ordered; each field (type, category, sentiment, severity, urgency) takes its value
from the first matching rule that sets it. What no rule sets, the text models' guess fills in
(`voxloop.text`), so an organization's rules always win over the models.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from voxloop.text import safety, spam
from voxloop.text.tokenize import index_text

TYPES = ("praise", "complaint", "suggestion", "inquiry", "other")
SENTIMENTS = ("positive", "neutral", "negative")
LEVELS = (1, 2, 3)  # severity and urgency: 1 low, 2 medium, 3 high
SCOPES = ("individual", "several", "widespread")  # how many customers a problem reaches
# `alarm`: the kind of immediate need (gas, fire, injury, ...) when a message needs someone now.
FIELDS = ("type", "category", "sentiment", "severity", "urgency", "scope", "alarm")
ALARMS = safety.KINDS
# The fixed vocabularies, with their default names (zh, en); organizations may rename values.
VOCABULARIES: dict[str, dict[Any, tuple[str, str]]] = {
    "type": {
        "praise": ("表扬", "Praise"),
        "complaint": ("投诉", "Complaint"),
        "suggestion": ("建议", "Suggestion"),
        "inquiry": ("咨询", "Inquiry"),
        "other": ("其他", "Other"),
    },
    "severity": {1: ("低", "Low"), 2: ("中", "Medium"), 3: ("高", "High")},
    "urgency": {1: ("低", "Low"), 2: ("中", "Medium"), 3: ("高", "High")},
    "scope": {
        "individual": ("个别客户", "One customer"),
        "several": ("多位客户", "Several customers"),
        "widespread": ("大范围", "Widespread"),
    },
}
MATCH_KEYS = ("keywords", "pattern", "channels", "touchpoints", "languages")


@dataclass(frozen=True)
class Rule:
    name: str
    match: Mapping[str, Any]
    sets: Mapping[str, Any]
    id: int | None = None
    # The lower-cased keywords as one alternation, searched in the lower-cased text: one scan
    # of the text, not one per word (and several times faster than a case-insensitive one).
    keywords: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = sorted(
            {k.strip().lower() for k in self.match.get("keywords", []) if k.strip()}, key=len, reverse=True
        )
        pattern = re.compile("|".join(map(re.escape, words))) if words else None
        object.__setattr__(self, "keywords", pattern)


@dataclass(frozen=True)
class Subject:
    """What rules look at."""

    text: str
    channel: str = ""
    touchpoint: str = ""
    language: str = ""
    lowered: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lowered", self.text.lower())


@dataclass
class Result:
    values: dict[str, Any] = field(default_factory=dict)
    # field -> the name of the rule that set it, so a user can see why
    because: dict[str, str] = field(default_factory=dict)
    priority: int = 4
    guess: dict[str, Any] = field(default_factory=dict)  # what the models alone said


def matches(rule: Rule, subject: Subject) -> bool:
    """All conditions a rule names must hold; keywords match when any one is in the text."""
    m = rule.match
    if rule.keywords is not None and rule.keywords.search(subject.lowered) is None:
        return False
    pattern = m.get("pattern")
    if pattern and not re.search(pattern, subject.text, re.IGNORECASE):
        return False
    for key, value in (
        ("channels", subject.channel),
        ("touchpoints", subject.touchpoint),
        ("languages", subject.language),
    ):
        allowed = m.get(key)
        if allowed and value not in allowed:
            return False
    return any(m.get(k) for k in MATCH_KEYS)  # a rule without conditions matches nothing


# The default priority matrix: "severity,urgency" -> P1 (most pressing) to P4.
DEFAULT_MATRIX: dict[str, int] = {
    f"{s},{u}": 1 if s == u == 3 else 2 if 3 in (s, u) else 3 if 2 in (s, u) else 4
    for s in LEVELS
    for u in LEVELS
}


def priority(severity: int | None, urgency: int | None, matrix: Mapping[str, int] | None = None) -> int:
    """The priority from severity and urgency (1-3; missing counts as 1) by the matrix."""
    return (matrix or DEFAULT_MATRIX)[f"{severity or 1},{urgency or 1}"]


def check_matrix(matrix: Any) -> list[dict[str, str]]:
    if not isinstance(matrix, dict):
        return [{"field": "matrix", "reason": 'must map "severity,urgency" to a priority'}]
    errors = [
        {"field": f"matrix.{key}", "reason": "is missing"} for key in DEFAULT_MATRIX if key not in matrix
    ]
    for key, value in matrix.items():
        if key not in DEFAULT_MATRIX:
            errors.append(
                {"field": f"matrix.{key}", "reason": "cells are named severity,urgency from 1,1 to 3,3"}
            )
        elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
            errors.append({"field": f"matrix.{key}", "reason": "priorities are 1 to 4"})
    return errors


def classify(
    rules: Sequence[Rule],
    subject: Subject,
    matrix: Mapping[str, int] | None = None,
    guess: Mapping[str, Any] | None = None,
    guessed_by: str = "model",
    reasons: Mapping[str, str] | None = None,
) -> Result:
    """The first matching rule's value for each field, else the models' `guess` (each guessed
    field's reason is `guessed_by`, or what `reasons` says for it)."""
    result = Result()
    for rule in rules:
        if not matches(rule, subject):
            continue
        for key in FIELDS:
            if key in rule.sets and key not in result.values:
                result.values[key] = rule.sets[key]
                result.because[key] = rule.name
    for key, value in (guess or {}).items():
        if key not in result.values and value is not None:
            result.values[key] = value
            result.because[key] = (reasons or {}).get(key, guessed_by)
    result.values.setdefault("type", "other")
    result.values.setdefault("sentiment", "neutral")
    result.priority = priority(result.values.get("severity"), result.values.get("urgency"), matrix)
    if result.values.get("alarm"):
        _safety_first(result, guessed_by)
    return result


def _safety_first(result: Result, guessed_by: str) -> None:
    """A message that needs someone now is urgent, severe and P1, whatever else was said; it
    is not praise and not positive unless a rule says so."""
    why = result.because["alarm"]
    for key in ("severity", "urgency"):
        result.values[key], result.because[key] = 3, why
    by_model = (guessed_by, why)
    if result.because.get("type", guessed_by) in by_model and result.values["type"] in ("praise", "other"):
        result.values["type"], result.because["type"] = "complaint", why
    if result.because.get("sentiment", guessed_by) in by_model and result.values["sentiment"] == "positive":
        result.values["sentiment"], result.because["sentiment"] = "negative", why
    result.priority = 1


def check_rule(
    match: Mapping[str, Any], sets: Mapping[str, Any], categories: Iterable[str]
) -> list[dict[str, str]]:
    """What is wrong with a rule, as field errors (empty when it is fine)."""
    errors = []
    unknown = set(match) - set(MATCH_KEYS)
    if unknown:
        errors.append({"field": "match", "reason": f"unknown conditions: {', '.join(sorted(unknown))}"})
    if not any(match.get(k) for k in MATCH_KEYS):
        errors.append({"field": "match", "reason": "give at least one condition"})
    if match.get("pattern"):
        try:
            re.compile(match["pattern"])
        except re.error as exc:
            errors.append({"field": "match.pattern", "reason": f"not a regular expression: {exc}"})
    unknown = set(sets) - set(FIELDS)
    if unknown:
        errors.append({"field": "sets", "reason": f"unknown fields: {', '.join(sorted(unknown))}"})
    if not sets:
        errors.append({"field": "sets", "reason": "set at least one field"})
    allowed: dict[str, Iterable[Any]] = {
        "type": TYPES,
        "sentiment": SENTIMENTS,
        "severity": LEVELS,
        "urgency": LEVELS,
        "scope": SCOPES,
        "category": list(categories),
        "alarm": list(ALARMS),
    }
    for key, value in sets.items():
        if key in allowed and value not in allowed[key]:
            errors.append(
                {"field": f"sets.{key}", "reason": f"must be one of {', '.join(map(str, allowed[key]))}"}
            )
    return errors


# Spam, invalid and near-duplicate feedback is flagged with a reason, never dropped.


def flag(text: str, known: spam.Known = lambda word: False) -> tuple[str, str] | None:
    """('spam' | 'invalid', reason) for text no one should have to read (`voxloop.text.spam`);
    `known` says whether a word is a real one."""
    return spam.check(text, known)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' search terms (characters, bigrams, words)."""
    ta, tb = set(index_text(a).split()), set(index_text(b).split())
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


DEFAULT_CATEGORIES: dict[str, tuple[str, str]] = {
    "service_attitude": ("服务态度", "Service attitude"),
    "response_speed": ("响应速度", "Response speed"),
    "competence": ("专业能力", "Professional competence"),
    "outcome": ("处理结果", "Outcome"),
    "facilities": ("环境与设施", "Environment and facilities"),
    "channel_convenience": ("渠道便利性", "Channel convenience"),
    "price_value": ("价格与性价比", "Price and value"),
    "product_quality": ("产品质量", "Product quality"),
    "process_policy": ("流程与政策", "Process and policy"),
}

# Seeded for every new organization; editable afterwards. Order matters: first match wins.
# No default rule sets a type or a sentiment: those come from the models, which weigh the whole
# text ("谢谢" in a complaint is still a complaint). Safety is `voxloop.text.safety`.
# Organizations write their own precise overrides, including their own alarm terms.
DEFAULT_RULES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "Many customers affected",
        {
            "keywords": [
                "所有客人",
                "大家都",
                "整层",
                "整栋",
                "全楼",
                "很多客人",
                "every guest",
                "all guests",
                "everyone",
                "whole floor",
                "many guests",
            ]
        },
        {"scope": "widespread"},
    ),
    (
        "Urgent wording",
        {
            # asked for now, or already left waiting: "broken since last night and nobody came"
            "keywords": [
                "马上",
                "立刻",
                "尽快",
                "紧急",
                "今晚",
                "没人来",
                "没有人来",
                "没人管",
                "urgent",
                "immediately",
                "asap",
                "tonight",
                "nobody came",
                "no one came",
                "nobody has come",
                "no one has come",
            ]
        },
        {"urgency": 3},
    ),
    (
        "Facilities",
        {
            "keywords": [
                "空调",
                "热水",
                "网络",
                "无线",
                "wifi",
                "wi-fi",
                "电梯",
                "隔音",
                "跑步机",
                "泳池",
                "air condition",
                "hot water",
                "elevator",
                "lift",
                "walls",
                "shower",
            ]
        },
        {"category": "facilities"},
    ),
    (
        "Waiting",
        {"keywords": ["排队", "等了", "等位", "太久", "太慢", "wait", "queue", "slow", "took almost"]},
        {"category": "response_speed"},
    ),
    (
        "Billing",
        {
            "keywords": [
                "账单",
                "多收",
                "价格",
                "贵",
                "发票",
                "bill",
                "charge",
                "price",
                "expensive",
                "deposit",
            ]
        },
        {"category": "price_value"},
    ),
    (
        "Staff",
        {"keywords": ["态度", "服务员", "前台", "保洁", "staff", "rude", "friendly", "housekeeping"]},
        {"category": "service_attitude"},
    ),
    (
        "Food",
        {"keywords": ["早餐", "菜", "餐厅", "咖啡", "breakfast", "dinner", "food", "coffee", "steak"]},
        {"category": "product_quality"},
    ),
]
