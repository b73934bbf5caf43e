"""The rest of the loop: an open answer typed complaint opens a follow-up case; once the case is
resolved the respondent is asked one question again, in their language, and recovery is
measured on that answer; no answer after a follow-up case opens another."""

from datetime import timedelta

from sqlalchemy import func, select

from tests.analytics.test_store import analytics, sync  # noqa: F401  (the fixture)
from tests.factories import make_account
from tests.surveys.test_api import answer, make
from tests.surveys.test_follow_up import GUEST, cases, responses
from tests.surveys.test_invitations import token_in
from voxloop.analytics import indicators
from voxloop.common.time import utcnow
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.jobs.executor import drain
from voxloop.surveys import follow_up, templates
from voxloop.surveys.follow_up import Rules, Trigger
from voxloop.surveys.models import Invitation, Survey


def resolve(client, acct, case_id: int) -> None:  # type: ignore[no-untyped-def]
    for to in ("in_progress", "resolved"):
        r = client.post(f"/api/v1/feedback/{case_id}/transitions", json={"to": to}, headers=acct.headers)
        assert r.status_code == 200, r.text
    drain()


def survey_mails(smtp, to: str, subject: str) -> list:  # type: ignore[no-untyped-def]
    smtp.wait_for(1)
    for _ in range(20):
        found = [m for m in smtp.messages if m["To"] == to and m["Subject"] == subject]
        if found:
            return found
        smtp.wait_for(len(smtp.messages) + 1, timeout=0.5)
    return []


# -- the complaint rule ------------------------------------------------------------------------


def test_an_open_answer_is_a_trigger_only_when_the_models_read_a_complaint_and_the_rule_is_on():
    answers = {"nps": 8, "why": "前台态度很差，我要投诉"}
    assert follow_up.triggers(templates.NPS, answers, Rules()) == []  # no model given: not read
    read_all_as_complaints = lambda texts: [True] * len(texts)  # noqa: E731
    assert follow_up.triggers(templates.NPS, answers, Rules(), read_all_as_complaints) == [
        Trigger("why", "complaint", "complaint")
    ]
    assert follow_up.triggers(templates.NPS, answers, Rules(complaint=False), read_all_as_complaints) == []
    assert follow_up.triggers(templates.NPS, {"nps": 8}, Rules(), read_all_as_complaints) == []


def test_a_complaint_in_an_open_answer_opens_a_case_and_praise_does_not(client):
    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="nps")
    # a passive score, but their words are a complaint (the triage models read it)
    complained = answer(
        client, survey["key"], {"nps": 8, "why": "空调坏了三天没人修，太差了，我要投诉"},
        device="a", language="zh", contact=GUEST,
    )  # fmt: skip
    praised = answer(
        client, survey["key"], {"nps": 8, "why": "Lovely staff, a great stay, thank you"},
        device="b", language="en", contact={"email": "li@example.com"},
    )  # fmt: skip
    assert complained.status_code == praised.status_code == 201
    drain()
    [case] = cases()
    assert case.survey_response_id == complained.json()["id"]
    assert "回访原因：客户原话是投诉" in case.description and "空调坏了三天没人修" in case.description
    listed = responses(client, analyst, survey)
    assert listed[praised.json()["id"]]["follow_up_id"] is None
    # the rule switched off: the same complaint is counted, not followed up
    off = client.patch(
        f"/api/v1/surveys/{survey['id']}", json={"follow_up": {"complaint": False}}, headers=analyst.headers
    )
    assert off.json()["follow_up"]["complaint"] is False and off.json()["follow_up"]["enabled"] is True
    answer(
        client, survey["key"], {"nps": 8, "why": "房间很脏，服务太差，我要投诉"},
        device="c", language="zh", contact={"email": "zhao@example.com"},
    )  # fmt: skip
    drain()
    assert len(cases()) == 1
    bad = client.patch(
        f"/api/v1/surveys/{survey['id']}", json={"follow_up": {"complaint": "maybe"}}, headers=analyst.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "follow_up.complaint"


# -- the re-survey -----------------------------------------------------------------------------


def test_a_resolved_follow_up_case_resurveys_the_guest_in_their_language_and_recovery_is_measured(
    client, smtp
):
    manager = make_account(role="manager")
    nps = make(client, manager, template="nps")
    first = answer(client, nps["key"], {"nps": 2, "why": "空调坏了没人修"}, language="zh", contact=GUEST)
    drain()
    [case] = cases()
    resolve(client, manager, case.id)
    # one question, in Chinese: the NPS question again (the answer that opened it was a detractor's)
    [mail] = survey_mails(smtp, GUEST["email"], "回访：再问您一个问题")
    with session_scope(readonly=True) as db:
        again = db.scalar(select(Survey).where(Survey.trigger == "resurvey_nps"))
        assert again is not None and again.follow_up == {"enabled": False}
        assert [q["type"] for s in again.definition["sections"] for q in s["questions"]] == ["nps"]
    token = token_in(mail)
    bad = answer(client, again.key, {"nps": 12}, language="zh", token=token)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "answers.nps"
    recovered = answer(client, again.key, {"nps": 8}, language="zh", token=token)
    assert recovered.status_code == 201, recovered.text
    drain()
    listed = responses(client, manager, {"id": again.id})
    assert listed[recovered.json()["id"]]["resurvey_of_id"] == first.json()["id"]
    rate = client.get(f"/api/v1/surveys/{nps['id']}/summary", headers=manager.headers).json()
    assert (rate["follow_up"]["recovery_rate"]["n"], rate["follow_up"]["recovery_rate"]["value"]) == (1, 1.0)

    # an English guest, dissatisfied on the post-case CSAT: asked about satisfaction in English,
    # still unhappy, and that answer opens no other case
    post_case = make(client, manager, template="csat_post_case")
    second = answer(
        client, post_case["key"], {"csat": 1, "resolved": "no"}, device="en", language="en",
        contact={"email": "ann@example.com"},
    )  # fmt: skip
    drain()
    [_, other] = cases()
    assert other.survey_response_id == second.json()["id"]
    resolve(client, manager, other.id)
    [mail] = survey_mails(smtp, "ann@example.com", "After our follow-up: one question")
    with session_scope(readonly=True) as db:
        csat = db.scalar(select(Survey).where(Survey.trigger == "resurvey_csat"))
        assert csat is not None
    unhappy = answer(client, csat.key, {"csat": 1}, device="en2", language="en", token=token_in(mail))
    assert unhappy.status_code == 201, unhappy.text
    drain()
    assert len(cases()) == 2
    with session_scope(readonly=True) as db:
        assert db.scalar(select(func.count()).select_from(Feedback)) == 2
    rate = client.get(f"/api/v1/surveys/{post_case['id']}/summary", headers=manager.headers).json()
    assert (rate["follow_up"]["recovery_rate"]["n"], rate["follow_up"]["recovery_rate"]["value"]) == (1, 0.0)
    # resolved again after a reopening: asked once only
    for to in ("in_progress", "resolved"):
        r = client.post(f"/api/v1/feedback/{other.id}/transitions", json={"to": to}, headers=manager.headers)
        assert r.status_code == 200, r.text
    drain()
    with session_scope(readonly=True) as db:
        assert db.scalar(select(func.count()).where(Invitation.feedback_id == other.id)) == 1


def test_with_the_resurvey_off_the_post_case_survey_goes_and_its_unhappy_answer_opens_no_case(client, smtp):
    manager = make_account(role="manager")
    nps = make(client, manager, template="nps", follow_up={"resurvey": False})
    post_case = make(client, manager, template="csat_post_case", trigger="case_resolved")
    answer(client, nps["key"], {"nps": 0}, language="zh", contact=GUEST)
    drain()
    [case] = cases()
    resolve(client, manager, case.id)
    [mail] = survey_mails(smtp, GUEST["email"], "服务满意度回访")
    with session_scope(readonly=True) as db:
        assert db.scalar(select(Survey.id).where(Survey.trigger.like("resurvey_%"))) is None
    r = answer(
        client, post_case["key"], {"csat": 1, "resolved": "no", "why": "还是没修好，我要投诉"},
        language="zh", token=token_in(mail),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    drain()
    assert len(cases()) == 1
    listed = responses(client, manager, post_case)
    assert listed[r.json()["id"]]["resurvey_of_id"] == case.survey_response_id


def test_a_resurvey_answer_counts_in_the_recovery_rate_not_twice_in_the_organizations_nps(
    client,
    smtp,
    analytics,  # noqa: F811
):
    manager = make_account(role="manager")
    nps = make(client, manager, template="nps")
    answer(client, nps["key"], {"nps": 2}, language="en", contact=GUEST)
    drain()
    [case] = cases()
    resolve(client, manager, case.id)
    [mail] = survey_mails(smtp, GUEST["email"], "After our follow-up: one question")
    with session_scope(readonly=True) as db:
        again = db.scalar(select(Survey).where(Survey.trigger == "resurvey_nps"))
    assert answer(client, again.key, {"nps": 9}, language="en", token=token_in(mail)).status_code == 201
    drain()
    sync()
    window = {"start": utcnow() - timedelta(days=1), "end": utcnow() + timedelta(days=1)}
    overall = indicators.totals(org_id=manager.org_id, metric="nps", **window)
    assert (overall["n"], overall["value"]) == (1, -100.0)  # the guest once, as a detractor
    own = indicators.totals(org_id=manager.org_id, metric="nps", filters={"survey_id": again.id}, **window)
    assert (own["n"], own["value"]) == (1, 100.0)  # the re-survey's own figures still show it
    recovery = indicators.totals(org_id=manager.org_id, metric="recovery_rate", **window)
    assert (recovery["n"], recovery["value"]) == (1, 1.0)
