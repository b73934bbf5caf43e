"""Pure triage rules: matching, first-match-wins per field, the priority matrix, flags."""

from dataclasses import asdict

import pytest

from voxloop.triage import rules, service
from voxloop.triage.rules import Rule, Subject


def defaults() -> list[Rule]:
    return [Rule(name=n, match=m, sets=s) for n, m, s in rules.DEFAULT_RULES]


def triaged(text: str) -> dict:  # type: ignore[type-arg]
    """What triage decides with the default rules, the safety check and the text models."""
    setup = service.Setup(
        rules=defaults(), matrix=dict(rules.DEFAULT_MATRIX), model=None, active=frozenset(), redact=False
    )
    guess = service.guesses([text], setup)[0]
    return asdict(
        service.decide(
            setup, guess, description=text, customer_request=None, channel="web", touchpoint=None, language=""
        )
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "1203房间的空调从昨晚就坏了，一直没人来修，请马上派人",
            {"type": "complaint", "category": "facilities", "sentiment": "negative", "urgency": 3},
        ),
        (
            "前台小张服务特别热情，非常感谢！",
            {"type": "praise", "sentiment": "positive", "category": "service_attitude"},
        ),
        ("建议会员可以延迟退房到下午两点", {"type": "suggestion"}),
        ("请问行李寄存最长可以放几天？", {"type": "inquiry"}),
        (
            "I was charged twice for the deposit, please refund",
            {"type": "complaint", "category": "price_value"},
        ),
        ("Waited 25 minutes for breakfast, terrible", {"type": "complaint", "category": "response_speed"}),
        ("It would be great if members could get a late check-out", {"type": "suggestion"}),
        ("厨房着火了，有客人受伤", {"severity": 3, "urgency": 3, "type": "complaint"}),
    ],
)
def test_default_triage_classifies_hotel_feedback(text, expected):
    decided = triaged(text)
    assert {k: decided.get(k) for k in expected} == expected


def test_no_default_rule_sets_a_type_or_a_sentiment():
    assert not [name for name, _, sets in rules.DEFAULT_RULES if {"type", "sentiment"} & set(sets)]


def test_first_matching_rule_sets_each_field_and_says_why():
    ordered = [
        Rule(name="vip", match={"keywords": ["vip"]}, sets={"urgency": 3}),
        Rule(name="any complaint", match={"keywords": ["broken"]}, sets={"type": "complaint", "urgency": 1}),
    ]
    result = rules.classify(ordered, Subject(text="VIP guest: the lift is broken"))
    assert result.values["urgency"] == 3 and result.values["type"] == "complaint"
    assert result.because == {"urgency": "vip", "type": "any complaint"}


def test_conditions_all_hold():
    rule = Rule(
        name="hotline billing",
        match={"keywords": ["bill"], "channels": ["hotline"], "pattern": r"\d+"},
        sets={"category": "price_value"},
    )
    assert rules.matches(rule, Subject(text="bill 200 wrong", channel="hotline"))
    assert not rules.matches(rule, Subject(text="bill 200 wrong", channel="email"))
    assert not rules.matches(rule, Subject(text="bill wrong", channel="hotline"))
    assert not rules.matches(Rule(name="empty", match={}, sets={"type": "other"}), Subject(text="anything"))


def test_unmatched_text_is_other_and_neutral_with_lowest_priority():
    result = rules.classify(defaults(), Subject(text="abc"))
    assert result.values == {"type": "other", "sentiment": "neutral"} and result.priority == 4


@pytest.mark.parametrize(
    ("severity", "urgency", "priority"),
    [(3, 3, 1), (3, 1, 2), (1, 3, 2), (2, 2, 3), (2, 1, 3), (1, 1, 4), (None, None, 4)],
)
def test_priority_matrix(severity, urgency, priority):
    assert rules.priority(severity, urgency) == priority


def test_rule_checks_name_each_problem():
    errors = rules.check_rule({"pattern": "(", "colour": "red"}, {"type": "rant", "mood": 1}, ["facilities"])
    fields = {e["field"] for e in errors}
    assert {"match", "match.pattern", "sets", "sets.type"} <= fields
    assert rules.check_rule({"keywords": ["x"]}, {"category": "facilities"}, ["facilities"]) == []
    assert (
        rules.check_rule({"keywords": ["x"]}, {"category": "nope"}, ["facilities"])[0]["field"]
        == "sets.category"
    )


def test_flags():
    assert rules.flag("see http://a.example/1 http://b.example/2 www.c.example") == ("spam", "3 links")
    assert rules.flag("!!! ??? 123") == ("invalid", "no words in the text")
    assert rules.flag("空调坏了") is None
    assert rules.similarity("早餐等位太久了，热菜补得很慢", "早餐等位太久了，热菜补得很慢！") > 0.9
    assert rules.similarity("早餐等位太久了", "The Wi-Fi keeps dropping") == 0.0


def test_nothing_is_thanked_while_its_type_waits_for_a_person():
    """A complaint the type head took for a suggestion on a guess got the suggestion thank-you."""
    setup = service.Setup(
        rules=defaults(), matrix=dict(rules.DEFAULT_MATRIX), model=None, active=frozenset(), redact=False
    )
    text = "The shower in room 512 is cold every morning"
    guess = service.guesses([text], setup)[0]

    def decided(unsure: dict[str, float]) -> service.TriageDecision:
        return service.decide(
            setup,
            {**guess, "type": "suggestion", "sentiment": "neutral", "unsure": unsure},
            description=text,
            customer_request=None,
            channel="web",
            touchpoint=None,
            language="",
        )

    assert decided({}).thank  # a suggestion the head is sure of is thanked
    unsure = decided({"type": 0.49})
    assert unsure.review == "type" and not unsure.thank
