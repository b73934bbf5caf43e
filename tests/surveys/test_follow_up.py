"""Closing the loop: an unhappy survey answer opens one follow-up case, linked both ways."""

import json
import threading

from sqlalchemy import delete, func, select, update
from statsmodels.stats.proportion import proportion_confint

from tests.factories import make_account
from tests.surveys.test_api import answer, make
from tests.web.test_pages import csrf_of, login, new_client
from voxloop.commitments.models import CaseClock
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.jobs import service as jobs
from voxloop.jobs.executor import drain
from voxloop.surveys import flows, follow_up, invitations, templates
from voxloop.surveys.follow_up import Rules, Trigger
from voxloop.surveys.models import Invitation, Response, Survey

GUEST = {"name": "王女士", "email": "wang@example.com"}


def cases() -> list[Feedback]:
    with session_scope(readonly=True) as db:
        return list(db.scalars(select(Feedback).where(Feedback.channel == "survey").order_by(Feedback.id)))


def responses(client, acct, survey):  # type: ignore[no-untyped-def]
    got = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=acct.headers)
    return {r["id"]: r for r in got.json()}


# -- the rules, pure --------------------------------------------------------------------------


def test_default_rules_pick_detractors_the_dissatisfied_hard_effort_and_unsolved():
    rules = Rules.of({})
    assert rules == Rules(
        enabled=True, nps_max=6, csat_max=2, ces_max=2, resolution_no=True, complaint=True, resurvey=True
    )
    post_case, nps, ces = templates.CSAT_POST_CASE, templates.NPS, templates.CES
    assert follow_up.triggers(nps, {"nps": 6}, rules) == [Trigger("nps", "nps", 6)]
    assert follow_up.triggers(nps, {"nps": 7}, rules) == []  # a passive
    # the CES template asks 1 very difficult .. 7 very easy: the hard answers are followed up
    assert "7 very easy" in ces["sections"][0]["questions"][0]["text"]["en"]
    assert follow_up.triggers(ces, {"ces": 2}, rules) == [Trigger("ces", "ces", 2)]
    assert follow_up.triggers(ces, {"ces": 1}, rules) == [Trigger("ces", "ces", 1)]
    assert follow_up.triggers(ces, {"ces": 3}, rules) == []
    assert follow_up.triggers(ces, {"ces": 6}, rules) == follow_up.triggers(ces, {"ces": 7}, rules) == []
    assert follow_up.triggers(post_case, {"csat": 3, "resolved": "partly"}, rules) == []
    assert follow_up.triggers(post_case, {"csat": 2, "resolved": "no"}, rules) == [
        Trigger("csat", "csat", 2),
        Trigger("resolved", "resolution", "no"),
    ]
    # each rule can be set or switched off on its own, or all at once
    assert follow_up.triggers(nps, {"nps": 8}, Rules.of({"nps_max": 8})) == [Trigger("nps", "nps", 8)]
    assert follow_up.triggers(nps, {"nps": 0}, Rules.of({"nps_max": None})) == []
    assert follow_up.triggers(post_case, {"csat": 1, "resolved": "no"}, Rules.of({"enabled": False})) == []


def test_the_description_quotes_the_open_answer_and_the_scores_in_the_respondents_language():
    answers = {"csat": 1, "resolved": "no", "why": "空调坏了没人修"}
    found = follow_up.triggers(templates.CSAT_POST_CASE, answers, Rules())
    text = follow_up.describe(
        templates.CSAT_POST_CASE, answers, found, language="zh", response_id=7, gettext=lambda m: m
    )
    assert "服务满意度回访" in text and "#7" in text
    assert "您对这次问题的处理满意吗？: 1 (scale 1–5)" in text
    assert "您的问题解决了吗？: 未解决" in text
    assert "“空调坏了没人修”" in text


# -- through the API and the outbox -----------------------------------------------------------


def test_a_detractor_who_leaves_an_email_gets_exactly_one_case_linked_both_ways(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps", anonymous=True)
    r = answer(client, survey["key"], {"nps": 2, "why": "空调坏了没人修"}, language="zh", contact=GUEST)
    assert r.status_code == 201, r.text
    drain()
    [case] = cases()
    assert case.survey_response_id == r.json()["id"] and case.customer_id is not None
    # in the respondent's language: the reason, the score on its scale, their words
    assert "回访原因：贬损者（NPS 2）" in case.description
    assert "您有多大可能向朋友或同事推荐我们？：2（0–10 分）" in case.description
    assert "客户原话：“空调坏了没人修”" in case.description
    record = client.get(f"/api/v1/feedback/{case.id}", headers=analyst.headers).json()
    assert record["channel"] == "survey" and record["survey_response_id"] == r.json()["id"]
    assert record["customer"] is None  # an analyst reads no contact details; who calls back does
    manager = make_account(role="manager", org_slug=analyst.org_slug)
    handled = client.get(f"/api/v1/feedback/{case.id}", headers=manager.headers).json()
    assert handled["customer"]["email"] == "wang@example.com"
    assert record["status"] != "new" and record["type"] is not None  # triaged like any record
    assert responses(client, analyst, survey)[r.json()["id"]]["follow_up_id"] == case.id
    # the message runs again (at least once): still one case
    with session_scope() as db:
        jobs.enqueue(db=db, task=flows.OPEN_FOLLOW_UP, payload={"response_id": r.json()["id"]})
        db.commit()
    drain()
    assert len(cases()) == 1


def test_no_case_without_contact_details_nor_for_a_passive(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps", anonymous=True)
    assert (
        answer(client, survey["key"], {"nps": 1, "why": "差"}, device="a", language="zh").status_code == 201
    )
    assert (
        answer(client, survey["key"], {"nps": 7}, device="b", language="zh", contact=GUEST).status_code == 201
    )
    only_a_name = {"name": "李先生"}  # nobody can call a name back
    assert (
        answer(client, survey["key"], {"nps": 0}, device="c", language="zh", contact=only_a_name).status_code
        == 201
    )
    drain()
    assert cases() == []
    assert all(r["follow_up_id"] is None for r in responses(client, analyst, survey).values())


def test_contact_details_are_checked_and_the_field_named(client):
    analyst = make_account(role="analyst")
    key = make(client, analyst, template="nps")["key"]
    bad_email = answer(client, key, {"nps": 2}, language="zh", contact={"email": "not-an-address"})
    assert bad_email.status_code == 422
    assert [f["field"] for f in bad_email.json()["error"]["fields"]] == ["contact.email"]
    bad_phone = answer(client, key, {"nps": 2}, language="zh", contact={"phone": "call me"})
    assert [f["field"] for f in bad_phone.json()["error"]["fields"]] == ["contact.phone"]
    unknown = answer(client, key, {"nps": 2}, language="zh", contact={"wechat": "wang"})
    assert [f["field"] for f in unknown.json()["error"]["fields"]] == ["contact.wechat"]


def test_a_respondent_in_an_open_case_gets_a_note_on_it_instead_of_a_second_case(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    first = answer(client, survey["key"], {"nps": 3}, device="a", language="zh", contact=GUEST)
    drain()
    second = answer(
        client, survey["key"], {"nps": 1, "why": "还是没人联系我"}, device="b", language="zh", contact=GUEST
    )
    drain()
    [case] = cases()
    timeline = client.get(f"/api/v1/feedback/{case.id}/timeline", headers=analyst.headers).json()
    notes = [e for e in timeline if e["kind"] == "note"]
    assert len(notes) == 1 and "还是没人联系我" in notes[0]["data"]["text"]
    listed = responses(client, analyst, survey)
    assert (
        listed[first.json()["id"]]["follow_up_id"] == listed[second.json()["id"]]["follow_up_id"] == case.id
    )


def test_concurrent_submits_open_one_case(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    results: list[int] = []

    def respond(i: int) -> None:
        r = answer(client, survey["key"], {"nps": i}, device=f"d{i}", language="en", contact=GUEST)
        results.append(r.status_code)

    threads = [threading.Thread(target=respond, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 4
    drain()
    [case] = cases()
    # and the same response followed up by two runs at once: the case is opened once
    rid = case.survey_response_id
    with session_scope() as db:
        db.execute(update(Response).where(Response.id == rid).values(follow_up_id=None))
        db.execute(delete(Feedback).where(Feedback.id == case.id))
        db.commit()
    opened: list[int | None] = []

    def run() -> None:
        with session_scope() as db:
            opened.append(flows.open_follow_up(db=db, response_id=rid))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cases()) == 1 and sum(1 for x in opened if x is not None) == 1


def test_the_rule_can_be_switched_off_and_edited_per_survey(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    assert survey["follow_up"] == {
        "enabled": True, "nps_max": 6, "csat_max": 2, "ces_max": 2, "resolution_no": True,
        "complaint": True, "resurvey": True,
    }  # fmt: skip
    off = client.patch(
        f"/api/v1/surveys/{survey['id']}", json={"follow_up": {"enabled": False}}, headers=analyst.headers
    )
    assert off.status_code == 200 and off.json()["follow_up"]["enabled"] is False
    assert off.json()["follow_up"]["nps_max"] == 6  # the other rules stay
    answer(client, survey["key"], {"nps": 0}, device="a", language="zh", contact=GUEST)
    drain()
    assert cases() == []
    on = client.patch(
        f"/api/v1/surveys/{survey['id']}",
        json={"follow_up": {"enabled": True, "nps_max": 7}},
        headers=analyst.headers,
    )
    assert on.json()["follow_up"] == {
        "enabled": True, "nps_max": 7, "csat_max": 2, "ces_max": 2, "resolution_no": True,
        "complaint": True, "resurvey": True,
    }  # fmt: skip
    answer(client, survey["key"], {"nps": 7}, device="b", language="zh", contact=GUEST)
    drain()
    assert len(cases()) == 1
    bad = client.patch(
        f"/api/v1/surveys/{survey['id']}", json={"follow_up": {"nps_max": 11}}, headers=analyst.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "follow_up.nps_max"
    created = client.post(
        "/api/v1/surveys",
        json={"template": "ces", "follow_up": {"enabled": False}},
        headers=analyst.headers,
    )
    assert created.json()["follow_up"]["enabled"] is False


def test_the_survey_after_a_follow_up_case_opens_no_other(client):
    manager = make_account(role="manager")
    nps = make(client, manager, template="nps")
    post_case = make(client, manager, template="csat_post_case")
    answer(client, nps["key"], {"nps": 2}, language="zh", contact=GUEST)
    drain()
    [case] = cases()
    for to in ("in_progress", "resolved"):
        r = client.post(f"/api/v1/feedback/{case.id}/transitions", json={"to": to}, headers=manager.headers)
        assert r.status_code == 200, r.text
    with session_scope() as db:  # the post-case survey, as the resolution sends it
        survey = db.get(Survey, post_case["id"])
        recipient = invitations.Recipient(
            email=GUEST["email"], customer_id=case.customer_id, feedback_id=case.id
        )
        invitations.invite(db=db, survey=survey, recipients=[recipient])
        db.commit()
        token = db.scalar(select(Invitation.token).where(Invitation.feedback_id == case.id))
    r = answer(client, post_case["key"], {"csat": 1, "resolved": "no"}, language="zh", token=token)
    assert r.status_code == 201, r.text
    drain()
    assert len(cases()) == 1
    with session_scope(readonly=True) as db:
        assert db.scalar(select(func.count()).select_from(Feedback)) == 1
    # the same unhappy answer to an invitation about any other case is followed up
    with session_scope() as db:
        survey = db.get(Survey, post_case["id"])
        invitations.invite(db=db, survey=survey, recipients=[invitations.Recipient(email="li@example.com")])
        db.commit()
        token = db.scalar(select(Invitation.token).where(Invitation.email == "li@example.com"))
    answer(client, post_case["key"], {"csat": 1, "resolved": "no"}, device="b", language="zh", token=token)
    drain()
    assert len(cases()) == 2 and "不满意（CSAT 1）, 问题未解决" in cases()[1].description


def test_the_response_page_links_its_case_and_the_case_page_shows_the_answers_that_opened_it(client):
    manager = make_account(role="manager")
    survey = make(client, manager, template="nps")
    r = answer(client, survey["key"], {"nps": 2, "why": "空调坏了没人修"}, language="zh", contact=GUEST)
    drain()
    [case] = cases()
    login(client, manager.email)
    listed = client.get(f"/surveys/{survey['id']}/responses").text
    assert f'href="/feedback/{case.id}">#{case.id}</a>' in listed
    page = client.get(f"/feedback/{case.id}").text
    assert f"Opened by the answers of survey response #{r.json()['id']}" in page
    assert "空调坏了没人修" in page and "贬损者（NPS 2）" in page


def test_the_follow_up_rules_are_shown_and_edited_on_the_survey_page(client):
    manager = make_account(role="manager")
    survey = make(client, manager, template="nps")
    staff = new_client(client)
    login(staff, manager.email)
    url = f"/surveys/{survey['id']}"
    page = staff.get(url).text
    assert 'name="enabled" value="1" checked' in page and 'name="nps_max" min="0" max="10" value="6"' in page
    assert 'name="ces_max" min="1" max="7" value="2"' in page
    token = csrf_of(page)
    bad = staff.post(f"{url}/follow-up", data={"csrf_token": token, "enabled": "1", "nps_max": "11"})
    assert bad.status_code == 422 and "follow_up.nps_max" in bad.text
    worse = staff.post(f"{url}/follow-up", data={"csrf_token": token, "csat_max": "two"})
    assert worse.status_code == 422 and "follow_up.csat_max" in worse.text
    # a number left empty switches that rule off; an unticked box switches the rules off
    saved = staff.post(
        f"{url}/follow-up",
        data={"csrf_token": token, "nps_max": "7", "csat_max": "", "ces_max": "3"},
    )
    assert saved.status_code == 200  # followed the redirect back to the page
    got = client.get(f"/api/v1/surveys/{survey['id']}", headers=manager.headers).json()
    assert got["follow_up"] == {
        "enabled": False, "nps_max": 7, "csat_max": None, "ces_max": 3, "resolution_no": False,
        "complaint": False, "resurvey": False,
    }  # fmt: skip
    page = staff.get(url).text
    assert 'name="enabled" value="1">' in page and 'name="nps_max" min="0" max="10" value="7"' in page
    answer(client, survey["key"], {"nps": 0}, device="a", language="zh", contact=GUEST)
    drain()
    assert cases() == []  # switched off on the page
    staff.post(f"{url}/follow-up", data={"csrf_token": token, "enabled": "1", "nps_max": "7"})
    answer(client, survey["key"], {"nps": 7}, device="b", language="zh", contact=GUEST)
    drain()
    assert len(cases()) == 1
    zh = staff.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert "回访规则" in zh


def test_an_anonymous_respondent_on_the_survey_page_may_leave_contact_details_and_is_called_back(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps", anonymous=True)
    url = f"/s/{survey['key']}"
    page = client.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert "我们可以联系您吗？（选填）" in page
    assert "我们不会保存您的联系方式（除非您在最后自愿留下" in page  # the notice says so too
    assert 'name="contact.name"' in page and 'name="contact.email"' in page and 'name="contact.phone"' in page
    form = {"csrf_token": csrf_of(page), "lang": "zh", "page": "0", "nps": "2", "why": "空调坏了没人修"}
    bad = client.post(url, data={**form, "contact.email": "not-an-address", "contact.phone": "13800000000"})
    assert bad.status_code == 422 and "contact.email" in bad.text
    assert 'value="13800000000"' in bad.text  # what they typed stays
    drain()
    assert cases() == []  # nothing was saved
    done = client.post(url, data={**form, "contact.name": "王女士", "contact.email": "wang@example.com"})
    assert done.status_code == 200 and "感谢您的反馈" in done.text
    drain()
    [case] = cases()
    manager = make_account(role="manager", org_slug=analyst.org_slug)
    record = client.get(f"/api/v1/feedback/{case.id}", headers=manager.headers).json()
    assert record["customer"]["email"] == "wang@example.com" and record["customer"]["name"] == "王女士"
    assert "空调坏了没人修" in case.description
    # another browser, as unhappy, leaves nothing: counted, not followed up
    other = new_client(client)
    page = other.get(url, headers={"Accept-Language": "zh-CN"}).text
    quiet = other.post(
        url, data={**form, "csrf_token": csrf_of(page), "contact.name": "", "contact.email": ""}
    )
    assert quiet.status_code == 200
    drain()
    assert len(cases()) == 1
    assert len(responses(client, analyst, survey)) == 2
    # with the rules off the page does not ask
    client.patch(
        f"/api/v1/surveys/{survey['id']}", json={"follow_up": {"enabled": False}}, headers=analyst.headers
    )
    page = client.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert 'name="contact.email"' not in page and "我们不会保存您的联系方式或 IP 地址" in page


def test_follow_up_closed_loop_and_recovery_rates_match_a_hand_count(client):
    """Five NPS answers: three detractors (two left an email, one did not), two not unhappy.
    The first case is answered within its commitment, the second late; the re-survey after the
    first finds the guest satisfied, after the second still unhappy."""
    manager = make_account(role="manager")
    nps = make(client, manager, template="nps")
    post_case = make(client, manager, template="csat_post_case")
    guests = [GUEST, {"email": "li@example.com"}]
    for i, score in enumerate((2, 3)):
        answer(client, nps["key"], {"nps": score}, device=f"g{i}", language="zh", contact=guests[i])
    for i, score in enumerate((1, 9, 8)):
        answer(client, nps["key"], {"nps": score}, device=f"x{i}", language="zh")
    drain()
    first, second = cases()
    with session_scope() as db:
        for case, state in ((first, "met"), (second, "late")):
            clock = db.get(CaseClock, case.id)  # the default commitments cover every case
            assert clock is not None and clock.response_due is not None
            clock.response_state = state
        survey = db.get(Survey, post_case["id"])
        for case, guest in ((first, guests[0]), (second, guests[1])):
            recipient = invitations.Recipient(
                email=guest["email"], customer_id=case.customer_id, feedback_id=case.id
            )
            invitations.invite(db=db, survey=survey, recipients=[recipient])
        db.commit()
        tokens = dict(db.execute(select(Invitation.feedback_id, Invitation.token)).all())
    for case, again in ((first, {"csat": 5, "resolved": "yes"}), (second, {"csat": 2, "resolved": "no"})):
        r = answer(client, post_case["key"], again, device=f"r{case.id}", token=tokens[case.id])
        assert r.status_code == 201, r.text
    drain()
    summary = client.get(f"/api/v1/surveys/{nps['id']}/summary", headers=manager.headers).json()
    rates = summary["follow_up"]

    def wilson(k: int, n: int) -> list[float]:
        return [round(x, 4) for x in proportion_confint(k, n, method="wilson")]

    # 3 answers met a rule, 2 of them have a case; 1 of the 2 cases answered in time; of the 2
    # re-surveyed, 1 recovered
    for name, k, n in (("follow_up_rate", 2, 3), ("closed_loop_rate", 1, 2), ("recovery_rate", 1, 2)):
        got = rates[name]
        assert (got["n"], round(got["value"], 4)) == (n, round(k / n, 4)), name
        assert [round(got["ci_low"], 4), round(got["ci_high"], 4)] == wilson(k, n), name
    staff = new_client(client)
    login(staff, manager.email)
    page = staff.get(f"/surveys/{nps['id']}", headers={"Accept-Language": "zh-CN"}).text
    assert "回访率" in page and "67%" in page and "闭环率" in page and "挽回率" in page


def test_the_migration_turns_stored_ces_thresholds_to_the_scale_the_questions_ask(tmp_path):
    """Rules kept before revision 0027 read CES as 7 the hardest: "ces_min": 6 (open for 6-7)
    becomes "ces_max": 2 (1-2 on 7 = very easy), a rule switched off stays off."""
    import runpy
    from pathlib import Path

    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = Path(follow_up.__file__).parent.parent / "migrations" / "versions" / "0027_ces_follow_up.py"
    upgrade = runpy.run_path(str(path))["upgrade"]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE surveys (id INTEGER PRIMARY KEY, follow_up JSON)"))
        conn.execute(
            sa.text(
                """INSERT INTO surveys (follow_up) VALUES ('{"ces_min": 6, "nps_max": 5}'),"""
                """ ('{"ces_min": null}'), ('{}')"""
            )
        )
        with Operations.context(MigrationContext.configure(conn)):
            upgrade()
        stored = [
            json.loads(r[0]) for r in conn.execute(sa.text("SELECT follow_up FROM surveys ORDER BY id"))
        ]
    assert stored == [{"nps_max": 5, "ces_max": 2}, {"ces_max": None}, {}]
    assert [Rules.of(s).ces_max for s in stored] == [2, None, 2]
