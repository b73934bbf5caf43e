"""Survey definitions, answers, quality flags and sample sizes: the pure parts."""

import copy

import pytest

from voxloop.surveys import definition as d
from voxloop.surveys import quality, sampling, templates


def test_every_template_is_a_valid_definition_in_both_languages():
    for name, (_, survey) in templates.TEMPLATES.items():
        assert d.check(survey) == [], name
        assert survey["languages"] == ["zh", "en"]
    servqual = d.questions(templates.SERVQUAL)[0]
    assert len(servqual["items"]) == 22
    assert {i["dimension"] for i in servqual["items"]} == set(d.DIMENSIONS)


def test_bad_definitions_are_explained():
    bad = {
        "languages": ["zh", "fr"],
        "title": {"zh": "x"},
        "sections": [
            {
                "id": "s1",
                "questions": [
                    {"id": "q1", "type": "emoji", "text": {"zh": "x"}},
                    {
                        "id": "q2",
                        "type": "single",
                        "text": {"zh": "x"},
                        "options": [{"value": "a", "label": {"zh": "A"}}],
                    },
                    {"id": "q2", "type": "text", "text": {"zh": "x"}},
                    {
                        "id": "q3",
                        "type": "text",
                        "text": {"zh": "x"},
                        "show_if": {"question": "q9", "op": "eq", "value": 1},
                    },
                    {"id": "q4", "type": "likert", "points": 4, "text": {"zh": "x"}},
                ],
            }
        ],
    }
    fields = {e["field"]: e["reason"] for e in d.check(bad)}
    assert "languages" in fields
    assert fields["questions.q1.type"].startswith("one of likert")
    assert fields["questions.q2.options"] == "at least two options"
    assert fields["questions.q2"] == "question ids must be unique"
    assert "not an earlier question" in fields["questions.q3.show_if"]
    assert fields["questions.q4.points"] == "5 or 7"
    assert d.check({"languages": ["en"], "title": {"en": "x"}, "sections": []})[0]["field"] == "sections"


def test_answers_are_checked_against_the_questions_shown():
    survey = templates.CSAT_POST_CASE
    ok = d.check_answers(survey, {"csat": 2, "resolved": "no", "why": "too slow"}, {}, complete=True)
    assert ok == []
    errors = {
        e["field"]: e["reason"]
        for e in d.check_answers(survey, {"csat": 9, "resolved": "maybe", "colour": "red"}, {}, complete=True)
    }
    assert errors == {
        "answers.csat": "must be from 1 to 5",
        "answers.resolved": "must be one of yes, partly, no",
        "answers.colour": "no such question in this survey",
    }
    # "why" is shown only to the dissatisfied (csat <= 3)
    hidden_q = d.check_answers(survey, {"csat": 5, "resolved": "yes", "why": "x"}, {}, complete=True)
    assert hidden_q == [{"field": "answers.why", "reason": "is not shown given the earlier answers"}]
    missing = d.check_answers(survey, {"csat": 4}, {}, complete=True)
    assert missing == [{"field": "answers.resolved", "reason": "is required"}]
    assert d.check_answers(survey, {"csat": 4}, {}, complete=False) == []  # saved, not finished
    wrong_type = d.check_answers(survey, {"csat": "5"}, {}, complete=False)
    assert wrong_type[0]["reason"] == "must be a whole number from 1 to 5"


def test_branching_on_hidden_fields_and_piping():
    survey = copy.deepcopy(templates.CSAT_POST_CASE)
    survey["sections"].append(
        {
            "id": "phone",
            "show_if": {"hidden": "channel", "op": "eq", "value": "hotline"},
            "questions": [
                {
                    "id": "wait",
                    "type": "rating",
                    "max": 5,
                    "text": {"zh": "等待 {{csat}}", "en": "Wait after {{hidden.channel}}"},
                }
            ],
        }
    )
    assert d.check(survey) == []
    assert [q["id"] for q in d.shown(survey, {"csat": 5}, {"channel": "hotline"})] == [
        "csat",
        "resolved",
        "wait",
    ]
    assert [q["id"] for q in d.shown(survey, {"csat": 5}, {"channel": "email"})] == ["csat", "resolved"]
    assert d.pipe(
        "Wait after {{hidden.channel}}, you gave {{csat}}", {"csat": 4}, {"channel": "hotline"}
    ) == ("Wait after hotline, you gave 4")


def test_servqual_matrix_ranking_and_multi_answers():
    sq = templates.SERVQUAL
    items = d.questions(sq)[0]["items"]
    full = {i["id"]: {"expectation": 7, "perception": 5} for i in items}
    assert d.check_answers(sq, {"sq": full}, {}, complete=True) == []
    bad = d.check_answers(sq, {"sq": {"t1": {"expectation": 8, "perception": 5}}}, {}, complete=False)
    assert bad[0]["reason"] == "item t1 expectation: must be from 1 to 7"
    ranking = {
        "id": "r",
        "type": "ranking",
        "text": {"zh": "x"},
        "options": [{"value": "a", "label": {"zh": "A"}}, {"value": "b", "label": {"zh": "B"}}],
    }
    survey = {"languages": ["zh"], "title": {"zh": "t"}, "sections": [{"id": "s", "questions": [ranking]}]}
    assert d.check_answers(survey, {"r": ["b", "a"]}, {}, complete=True) == []
    assert (
        d.check_answers(survey, {"r": ["b", "b"]}, {}, complete=True)[0]["reason"]
        == "must list every option once, best first"
    )


def _flags(survey, answers, **kw):  # type: ignore[no-untyped-def]
    base = {"completed": True, "duration_seconds": 100.0, "median_seconds": 100.0, "sample": 20}
    return quality.flags(survey, answers, {}, **{**base, **kw})


def test_quality_flags_with_reasons():
    survey = templates.SERVICE_SATISFACTION
    rows = {r["id"]: 4 for r in d.questions(survey)[0]["rows"]}
    good = {"dims": {**rows, "outcome": 2}, "attention": 2, "csat": 4, "nps": 8}
    assert _flags(survey, good) == []
    straight = _flags(survey, {**good, "dims": rows})
    assert straight == [{"flag": "straightlining", "reason": "dims: all 6 rows answered 4"}]
    speeder = _flags(survey, good, duration_seconds=20.0)
    assert speeder == [{"flag": "speeder", "reason": "completed in 20 s; the median is 100 s"}]
    assert _flags(survey, good, duration_seconds=20.0, sample=5) == []  # too few responses to judge
    contradiction = _flags(survey, {**good, "csat": 5, "nps": 2})
    assert contradiction == [
        {"flag": "contradiction", "reason": "very satisfied (CSAT 5) but would not recommend (NPS 2)"}
    ]
    sq = templates.SERVQUAL
    happy = {
        i["id"]: {"expectation": 7 - n % 2, "perception": 6 + n % 2}
        for n, i in enumerate(d.questions(sq)[0]["items"])
    }
    assert _flags(sq, {"sq": happy, "nps": 9}) == []
    assert _flags(sq, {"sq": happy, "nps": 1}) == [
        {
            "flag": "contradiction",
            "reason": "every perception item rated 6 or more but would not recommend (NPS 1)",
        }
    ]
    attention = _flags(survey, {**good, "attention": 4})
    assert attention == [{"flag": "attention", "reason": "attention answered 4, the check asked for 2"}]
    incomplete = _flags(survey, {"dims": rows}, completed=False)
    assert incomplete[0] == {"flag": "incomplete", "reason": "1 of 2 required questions answered"}
    same = _flags(survey, good, duplicate=("same_answers", "the same answers as response #3 within an hour"))
    assert same[-1]["flag"] == "same_answers" and not quality.excluded(same)  # a look, still counted
    seen = _flags(survey, good, duplicate=("duplicate", "this browser has answered this survey already"))
    assert quality.excluded(seen) and quality.excluded(same + speeder)


@pytest.mark.parametrize(
    ("population", "completes"),
    # Krejcie & Morgan (1970), "Determining sample size for research activities", Table 1, and
    # the usual 385 for an unlimited population. (The table rounds to nearest, so at N = 500 it
    # gives 217 where this planner, rounding up as calculators do, asks for 218.)
    [(100, 80), (1000, 278), (5000, 357), (10000, 370), (None, 385)],
)
def test_sample_sizes_match_the_published_table(population, completes):
    assert sampling.plan(0.05, 0.95, population).completes == completes


def test_the_planner_rounds_up():
    assert sampling.plan(0.05, 0.95, 500).completes == 218  # 217.5 responses are not enough


def test_invitations_and_the_live_margin_of_error():
    assert sampling.plan(0.05, 0.95, 5000, response_rate=0.2) == sampling.Plan(
        completes=357, invitations=1785
    )
    assert sampling.margin_of_error(385) == pytest.approx(0.0499, abs=1e-4)
    assert sampling.margin_of_error(357, population=5000) == pytest.approx(0.05, abs=2e-4)
    assert sampling.margin_of_error(1) is None
    with pytest.raises(ValueError):
        sampling.plan(0)


def test_randomized_options_are_shuffled_the_same_way_for_the_same_respondent():
    q = {"id": "q", "type": "single", "randomize": True,
         "options": [{"value": str(i), "label": {"zh": str(i)}} for i in range(8)]}  # fmt: skip
    first = [o["value"] for o in d.option_order(q, seed="respondent-1")]
    assert first == [o["value"] for o in d.option_order(q, seed="respondent-1")]
    assert sorted(first) == [str(i) for i in range(8)]
    assert any([o["value"] for o in d.option_order(q, seed=f"respondent-{n}")] != first for n in range(2, 6))
    fixed = {**q, "randomize": False}
    assert [o["value"] for o in d.option_order(fixed, seed="x")] == [str(i) for i in range(8)]
