"""Themes in the last week's feedback: common problems raise an alert (in the app and by email),
individual ones do not; trends come from the weeks before."""

from tests.factories import make_account
from tests.themes import scenario
from voxloop.jobs.executor import drain
from voxloop.text import themes
from voxloop.themes.tasks import schedule_themes


def _load(client, acct) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/feedback/batch", json={"items": scenario.items()}, headers=acct.headers)
    assert r.status_code == 200, r.text
    drain()  # triage: the praise is left out of themes


def test_common_and_individual_problems_are_told_apart_and_alerted_once(client, smtp):
    manager = make_account(role="manager")
    _load(client, manager)
    r = client.post("/api/v1/themes/discover", json={}, headers=manager.headers)
    assert r.status_code == 202
    drain()
    page = client.get("/api/v1/themes", headers=manager.headers).json()
    assert page["run"]["records"] == 9 and page["run"]["periods"] == 4
    by_scope = {t["scope"]: t for t in page["themes"]}
    wifi, breakfast = by_scope["common"], by_scope["individual"]
    assert {"断线", "无线网络"} & set(wifi["terms"]) and "早餐" in breakfast["terms"]
    assert (wifi["size"], wifi["customers"], wifi["branches"]) == (6, 6, 3)
    assert set(wifi["reasons"]) == {"customers", "branches", "rising"}  # none in the weeks before
    assert wifi["trend"] == [0, 0, 0, 0, 6] and wifi["baseline"] == 0
    assert (breakfast["size"], breakfast["customers"], breakfast["branches"]) == (3, 1, 1)
    assert breakfast["trend"] == [2, 2, 2, 2, 3] and breakfast["baseline"] == 2
    assert 0.3 < breakfast["p_rise"] < 0.35  # P(X >= 3 | Poisson(2)) = 0.323

    detail = client.get(f"/api/v1/themes/{wifi['id']}", headers=manager.headers).json()
    assert sorted(m["description"] for m in detail["members"]) == sorted(scenario.WIFI)
    assert set(wifi["example_ids"]) <= {m["id"] for m in detail["members"]}

    alerts = client.get("/api/v1/alerts?open=true", headers=manager.headers).json()
    assert [(a["kind"], a["theme_id"]) for a in alerts] == [("emerging_issue", wifi["id"])]
    mail = [m for m in smtp.messages if m["To"] == manager.email]  # guests got acknowledgements
    assert len(mail) == 1 and wifi["label"] in mail[0]["Subject"]
    mail = mail[0]
    body = mail.get_content()
    assert f"/reports/themes/{wifi['id']}" in body and "6" in body

    # the daily run finds the same problem again: no second alert
    assert schedule_themes() == 1
    drain()
    assert len(client.get("/api/v1/alerts", headers=manager.headers).json()) == 1
    r = client.post(f"/api/v1/alerts/{alerts[0]['id']}/acknowledge", headers=manager.headers)
    assert r.status_code == 200 and r.json()["acknowledged_by"]
    assert client.get("/api/v1/alerts?open=true", headers=manager.headers).json() == []


def test_themes_are_private_to_the_organization_and_need_permission(client):
    manager = make_account(role="manager")
    _load(client, manager)
    client.post("/api/v1/themes/discover", json={}, headers=manager.headers)
    drain()
    theme_id = client.get("/api/v1/themes", headers=manager.headers).json()["themes"][0]["id"]
    other = make_account(role="manager")
    assert client.get(f"/api/v1/themes/{theme_id}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/themes", headers=other.headers).json() == {"run": None, "themes": []}
    assert client.get("/api/v1/alerts", headers=other.headers).json() == []
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert client.get("/api/v1/themes", headers=agent.headers).status_code == 403
    assert client.post("/api/v1/themes/discover", json={}, headers=agent.headers).status_code == 403


def test_spread_and_scope_follow_the_criteria():
    first = themes.spread(["a", "a", None], ["x", "x", ""], [])
    assert (first.count, first.customers, first.branches, first.baseline, first.p_rise) == (
        3,
        2,
        1,
        None,
        None,
    )
    assert themes.scope(first) == ("individual", [])  # no history: not "rising"
    # one guest writing eight times, however sudden, is one voice: an individual problem
    rising = themes.spread(["a"] * 8, ["x"] * 8, [1, 2, 1, 0])
    assert rising.p_rise is not None and rising.p_rise < 0.001
    assert themes.scope(rising) == ("individual", [])
    # three guests at two hotels are not "many customers" either; five are
    few = themes.spread(["a", "b", "c"], ["x", "y", "y"], [0, 0, 1, 0])
    assert themes.scope(few) == ("individual", [])
    many = themes.spread(["a", "b", "c", "d", "e", "f", "g", "h"], ["x"] * 8, [1, 2, 1, 0])
    assert themes.scope(many) == ("common", ["customers", "rising"])
    assert themes.scope(many, themes.Criteria(rise_p=1e-6)) == ("common", ["customers"])
    assert themes.scope(many, themes.Criteria(customers=9)) == ("individual", [])


def test_themes_group_by_meaning_across_languages_without_a_catch_all():
    wifi = [
        "房间的无线网络总是断线", "无线网络一直掉线，没法工作", "wifi信号太差，根本连不上",
        "The wifi keeps dropping in my room", "Could not connect to the internet all evening",
    ]  # fmt: skip
    breakfast = [
        "早餐排队排了半个小时", "早餐时人太多，排长队", "The breakfast queue was thirty minutes long",
        "Breakfast room was overcrowded, long queue for food",
    ]  # fmt: skip
    parking = [
        "停车位太少，只能停在路边", "停车场没有车位了", "No parking spaces left when we arrived",
        "The hotel parking was full, we had to park on the street",
    ]  # fmt: skip
    # one each about something else: together they would make a "front desk / broken / room" theme
    others = ["游泳池的水很脏", "发票抬头开错了，请前台重新开", "The TV remote in the room is broken"]
    texts = wifi + breakfast + parking + others
    topic = {
        t: name
        for name, group in (("wifi", wifi), ("breakfast", breakfast), ("parking", parking))
        for t in group
    }

    found = themes.discover(texts)
    groups = [{topic.get(texts[i], "other") for i in theme.members} for theme in found.themes]
    assert sorted(g.pop() for g in groups if len(g) == 1) == ["breakfast", "parking", "wifi"]
    assert len(found.themes) == 3  # no catch-all of the three others
    by_topic = {topic[texts[theme.members[0]]]: theme for theme in found.themes}
    for name, group in (("wifi", wifi), ("breakfast", breakfast), ("parking", parking)):
        assert sorted(texts[i] for i in by_topic[name].members) == sorted(group)  # zh and en together
    # each label is in words of its members, in both languages
    assert {"无线网络", "wifi"} <= set(by_topic["wifi"].terms)
    assert {"早餐", "breakfast"} <= set(by_topic["breakfast"].terms)
    assert "parking" in by_topic["parking"].terms

    # and named in both languages, by what at least two of them wrote
    assert {"无线网络", "wifi"} <= set(by_topic["wifi"].names)
    assert by_topic["breakfast"].label.startswith(("早餐", "breakfast"))

    order = [by_topic[name] for name in ("wifi", "breakfast", "parking")]
    matched = found.match(["网络又断了", "breakfast queue again", "lovely staff, thank you", ""])
    assert [found.themes[m] if m is not None else None for m in matched] == [*order[:2], None, None]


def test_a_survey_follow_up_case_joins_a_theme_by_the_respondents_words_not_its_form(client, smtp):
    """Follow-up cases all read "a detractor (NPS n), how likely are you to recommend us": by
    that text they would be one theme of their own. The words the guests wrote are the theme."""
    from sqlalchemy import select

    from tests.surveys.test_api import answer, make
    from voxloop.db import session_scope
    from voxloop.feedback.models import Feedback
    from voxloop.jobs.executor import drain
    from voxloop.themes import service

    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps", anonymous=True)
    said = (
        "房间WiFi一直断线，开不了视频会议",
        "无线网络每隔几分钟就掉线",
        "The Wi-Fi keeps dropping in my room",
    )
    for i in range(6):
        answers = {"nps": i % 3, **({"why": said[i]} if i < len(said) else {})}
        contact = {"name": f"Guest {i}", "email": f"guest{i}@example.com"}
        assert answer(client, survey["key"], answers, device=f"phone {i}", contact=contact).status_code == 201
    drain()
    with session_scope(readonly=True) as db:
        cases = dict(db.execute(select(Feedback.id, Feedback.survey_response_id)).all())
        found = service.plan(db=db, org_id=db.scalar(select(Feedback.org_id)))
    assert len(cases) == 6
    themed = {m for _, members in found.themes for m in members}
    assert found.themes and themed <= set(list(cases)[: len(said)])  # the three with words
    assert not {"nps", "原因", "推荐", "可能"} & {t for values, _ in found.themes for t in values["terms"]}


def test_a_theme_is_named_by_phrases_as_its_members_wrote_them():
    """ "exchange rate", not "exchange / rate"; "没热水", not "热水"; no phrase only one member wrote
    before one that two did, and no feeling word in a name."""
    rate = [
        "The exchange rate on my card payment was wrong",
        "Why was I charged a worse exchange rate than the one in the app?",
        "Exchange rate applied to my purchase abroad is incorrect",
        "You used the wrong exchange rate for my payment in euros",
    ]
    water = ["房间没热水，洗不了澡", "早上七点还是没热水", "浴室没热水，太失望了", "没热水，前台说要等维修"]
    texts = rate + water
    found = themes.discover(texts)
    named = {frozenset(texts[i] for i in theme.members): theme for theme in found.themes}
    assert set(named) == {frozenset(rate), frozenset(water)}
    assert named[frozenset(rate)].names[0] == "exchange rate"
    assert named[frozenset(water)].names[0] == "没热水"
    assert not {"失望", "wrong"} & set(named[frozenset(water)].names + named[frozenset(rate)].names[:1])
    assert themes.phrases("Where is the source of funds from?")["source of funds"] == {"source", "funds"}
