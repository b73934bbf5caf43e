"""Surveys through the API: build, publish, answer, resume, version, flag, summarise."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_account
from voxloop.surveys import templates


def make(client, acct, **body):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/surveys", json=body, headers=acct.headers)
    assert r.status_code == 201, r.text
    survey = r.json()
    r = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=acct.headers)
    assert r.status_code == 200, r.text
    return r.json()


def answer(client, key, answers, device="phone", **extra):  # type: ignore[no-untyped-def]
    """One respondent; `device` stands for the browser (the same one twice is a duplicate)."""
    return client.post(
        f"/api/v1/public/surveys/{key}/responses",
        json={"answers": answers, **extra},
        headers={"User-Agent": device},
    )


def test_build_from_a_template_publish_and_answer(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="csat_post_case")
    assert (
        survey["status"] == "live"
        and survey["version"] == 1
        and survey["link"].endswith(f"/s/{survey['key']}")
    )
    r = answer(client, survey["key"], {"csat": 2, "resolved": "no", "why": "太慢了"}, language="zh")
    assert r.status_code == 201, r.text
    assert r.json()["completed"] is True and r.json()["quality_flags"] == []
    listed = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    assert (
        listed[0]["answers"] == {"csat": 2, "resolved": "no", "why": "太慢了"} and listed[0]["version"] == 1
    )
    assert (
        client.get(f"/api/v1/surveys/{survey['id']}/export", headers=analyst.headers).json()
        == templates.CSAT_POST_CASE
    )


def test_bad_answers_name_the_question_and_the_reason(client):
    analyst = make_account(role="analyst")
    key = make(client, analyst, template="csat_post_case")["key"]
    r = answer(client, key, {"csat": 6, "colour": "red", "resolved": 3}, language="en")
    assert r.status_code == 422
    assert {(f["field"], f["reason"]) for f in r.json()["error"]["fields"]} == {
        ("answers.csat", "must be from 1 to 5"),
        ("answers.colour", "no such question in this survey"),
        ("answers.resolved", "must be one of yes, partly, no"),
    }
    r = answer(client, key, {"csat": 4}, language="en")
    assert r.status_code == 422 and r.json()["error"]["fields"] == [
        {"field": "answers.resolved", "reason": "is required"}
    ]
    assert answer(client, key, {"csat": 4}, language="fr").json()["error"]["fields"][0]["field"] == "language"
    assert answer(client, "nope", {"csat": 4}).status_code == 404
    bad = client.post(
        "/api/v1/surveys", json={"name": "x", "definition": {"languages": ["zh"]}}, headers=analyst.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"].startswith("definition.")
    agent = make_account(role="agent", org_slug=analyst.org_slug)
    assert client.post("/api/v1/surveys", json={"template": "nps"}, headers=agent.headers).status_code == 403


def test_partial_answers_survive_and_resume(client):
    analyst = make_account(role="analyst")
    key = make(client, analyst, template="service_satisfaction")["key"]
    rows = {r: 4 for r in ("attitude", "efficiency", "ability", "outcome", "environment", "convenience")}
    first = answer(client, key, {"dims": rows, "attention": 2}, language="zh", complete=False)
    assert first.status_code == 201 and first.json()["completed"] is False
    assert first.json()["quality_flags"][0]["flag"] == "incomplete"
    token = first.json()["resume"]
    done = answer(client, key, {"csat": 4, "nps": 9}, language="zh", resume=token)
    assert (
        done.status_code == 201
        and done.json()["id"] == first.json()["id"]
        and done.json()["completed"] is True
    )
    assert done.json()["quality_flags"] == [
        {"flag": "straightlining", "reason": "dims: all 6 rows answered 4"}
    ]
    again = answer(client, key, {"csat": 1}, language="zh", resume=token)
    assert again.status_code == 422  # a finished response cannot be continued


def test_editing_a_live_survey_makes_a_new_version_and_responses_keep_theirs(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    answer(client, survey["key"], {"nps": 10}, device="a", language="en")
    changed = {
        **templates.NPS,
        "sections": [
            {**templates.NPS["sections"][0], "questions": [templates.NPS["sections"][0]["questions"][0]]}
        ],
    }
    r = client.put(f"/api/v1/surveys/{survey['id']}/definition", json=changed, headers=analyst.headers)
    assert r.status_code == 200 and r.json()["version"] == 1  # not live until published
    assert (
        answer(client, survey["key"], {"nps": 7, "why": "ok"}, device="b", language="en").status_code == 201
    )
    client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=analyst.headers)
    assert (
        answer(client, survey["key"], {"nps": 7, "why": "ok"}, language="en").status_code == 422
    )  # gone in v2
    assert answer(client, survey["key"], {"nps": 3}, language="en").status_code == 201
    versions = [
        r["version"]
        for r in client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    ]
    assert sorted(versions) == [1, 1, 2]


def test_a_speeder_is_flagged_once_there_is_a_sample_and_the_summary_leaves_flagged_out(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    now = datetime.now(UTC)
    for n in range(10):
        started = (now - timedelta(seconds=200 + n)).isoformat()
        r = answer(
            client,
            survey["key"],
            {"nps": 10 if n < 6 else 5, "why": f"reason {n}"},
            device=f"phone {n}",
            language="zh",
            started_at=started,
        )
        assert r.json()["quality_flags"] == []
    fast = answer(
        client,
        survey["key"],
        {"nps": 0, "why": "x"},
        device="fast",
        language="zh",
        started_at=(now - timedelta(seconds=20)).isoformat(),
    )
    assert fast.json()["quality_flags"][0]["flag"] == "speeder"
    assert "the median is 20" in fast.json()["quality_flags"][0]["reason"]
    summary = client.get(f"/api/v1/surveys/{survey['id']}/summary", headers=analyst.headers).json()
    assert summary["completed"] == 11 and summary["included"] == 10 and summary["flagged"] == {"speeder": 1}
    headline = summary["headline"]["nps"]  # 6 promoters, 4 detractors
    assert headline["score"] == 20.0 and headline["n"] == 10
    # Rocks' adjusted Wald: 0.75 promoter, 1.5 passive and 0.75 detractor added, Wald on n + 3
    pp, dd = 6.75 / 13, 4.75 / 13
    half = 1.959964 * math.sqrt((pp + dd - (pp - dd) ** 2) / 13)
    assert headline["ci"] == pytest.approx([100 * (pp - dd - half), 100 * (pp - dd + half)], abs=0.051)
    everything = client.get(
        f"/api/v1/surveys/{survey['id']}/summary?include_flagged=true", headers=analyst.headers
    ).json()
    assert everything["headline"]["nps"]["n"] == 11


def test_closed_surveys_quotas_and_anonymous_mode(client):
    analyst = make_account(role="analyst")
    closed = make(
        client, analyst, template="nps", close_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    )
    r = answer(client, closed["key"], {"nps": 5}, language="zh")
    assert r.status_code == 409 and r.json()["error"]["fields"] == [
        {"field": "survey", "reason": "closed to new responses"}
    ]
    quota = make(client, analyst, template="nps", quota=1)
    assert answer(client, quota["key"], {"nps": 5}, language="zh").status_code == 201
    assert answer(client, quota["key"], {"nps": 6}, language="zh").status_code == 409
    anon = make(client, analyst, template="nps", anonymous=True)
    answer(client, anon["key"], {"nps": 8}, language="zh", hidden={"case_id": "1"})
    [resp] = client.get(f"/api/v1/surveys/{anon['id']}/responses", headers=analyst.headers).json()
    assert (
        resp["submitted_at"].endswith("T00:00:00Z") and resp["hidden"] == {} and resp["feedback_id"] is None
    )
    from voxloop.db import session_scope
    from voxloop.surveys.models import Response

    with session_scope() as db:
        assert db.query(Response.fingerprint).filter(Response.survey_id == anon["id"]).scalar() is None


def test_the_sample_size_planner(client):
    analyst = make_account(role="analyst")
    r = client.get(
        "/api/v1/surveys/plan?margin=0.05&confidence=0.95&population=5000&response_rate=0.2",
        headers=analyst.headers,
    )
    assert r.json() == {"completes": 357, "invitations": 1785}
    assert client.get("/api/v1/surveys/plan?margin=2", headers=analyst.headers).status_code == 422


def test_one_phone_on_one_wifi_is_flagged_for_review_and_still_counted(client):
    # Nine hotel guests answer on the same model of phone over the hotel's Wi-Fi: one device
    # signature, nine people. They are flagged for a person to look at, not dropped.
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    assert answer(client, survey["key"], {"nps": 9}, language="zh").json()["quality_flags"] == []
    for score in (10, 9, 8, 9, 10, 7, 9, 10):
        flags = answer(client, survey["key"], {"nps": score}, language="zh").json()["quality_flags"]
        assert [f["flag"] for f in flags] == ["same_device"] and "same device" in flags[0]["reason"]
    summary = client.get(f"/api/v1/surveys/{survey['id']}/summary", headers=analyst.headers).json()
    assert (summary["included"], summary["flagged"], summary["for_review"]) == (9, {}, {"same_device": 8})
    assert summary["headline"]["nps"]["n"] == 9
    analysis = client.get(f"/api/v1/surveys/{survey['id']}/analysis", headers=analyst.headers).json()
    assert analysis["n"] == 9


def test_identical_long_answers_are_flagged_for_review_but_short_ones_are_chance(client):
    analyst = make_account(role="analyst")
    long_survey = make(client, analyst, template="service_satisfaction")
    long_key = long_survey["key"]
    rows = {"attitude": 4, "efficiency": 3, "ability": 5, "outcome": 4, "environment": 2, "convenience": 4}
    same = {"dims": rows, "attention": 2, "csat": 4, "nps": 8}
    assert answer(client, long_key, same, device="one", language="zh").json()["quality_flags"] == []
    copy = answer(client, long_key, same, device="two", language="zh").json()["quality_flags"]
    assert copy[0]["flag"] == "same_answers" and copy[0]["reason"].startswith(
        "the same answers as response #"
    )
    summary = client.get(f"/api/v1/surveys/{long_survey['id']}/summary", headers=analyst.headers).json()
    assert summary["included"] == 2
    short_key = make(client, analyst, template="nps")["key"]
    answer(client, short_key, {"nps": 9}, device="one", language="zh")
    assert answer(client, short_key, {"nps": 9}, device="two", language="zh").json()["quality_flags"] == []


@pytest.mark.parametrize("case_id", ["²", "12a", "-3", "0", "99999999999999999999", " "])
def test_a_case_id_that_names_no_case_is_refused_naming_the_field(client, settings_env, tmp_path, case_id):
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="ces")  # sent about a case: case_id is hidden
    r = answer(client, survey["key"], {"ces": 6}, language="zh", hidden={"case_id": case_id})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == [
        {"field": "hidden.case_id", "reason": "a case number: a whole number from 1"}
    ]
    r = client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["guest@example.com"], "hidden": {"case_id": case_id}},
        headers=analyst.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "hidden.case_id"
    link = client.get(f"/s/{survey['key']}", params={"case_id": case_id, "lang": "en"})
    assert link.status_code == 422 and "hidden.case_id" in link.text  # a link built wrong
    # a good one is kept, and the analytics store reads it
    r = answer(client, survey["key"], {"ces": 6}, language="zh", hidden={"case_id": "12"})
    assert r.status_code == 201, r.text
    from voxloop.analytics import store
    from voxloop.db import session_scope

    with session_scope(readonly=True) as db:
        assert store.sync(db)["responses"] == 1
    # one stored before links were checked, as sent: the store reads no case from it
    from sqlalchemy import update

    from voxloop.surveys.models import Response

    r = answer(client, survey["key"], {"ces": 2}, device="tablet", language="zh", hidden={"case_id": "13"})
    with session_scope() as db:
        db.execute(update(Response).where(Response.id == r.json()["id"]).values(hidden={"case_id": case_id}))
        db.commit()
    with session_scope(readonly=True) as db:
        assert store.sync(db)["responses"] == 1
