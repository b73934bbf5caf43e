"""The respondent's pages: plain forms (no JavaScript needed), pages with progress, resume,
languages, the anonymous notice, QR codes; the staff's survey page: invitations and reminders."""

import html
import json
import re

from markupsafe import escape
from sqlalchemy import select

from tests.factories import make_account
from tests.web.test_pages import create, csrf_of, login, new_client
from voxloop.customers.models import Customer
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.surveys.models import Invitation


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def publish(client, acct, **body):  # type: ignore[no-untyped-def]
    survey = client.post("/api/v1/surveys", json=body, headers=acct.headers).json()
    return client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=acct.headers).json()


def test_a_two_page_questionnaire_answered_with_plain_forms(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="service_satisfaction")
    first = client.get(f"/s/{survey['key']}?channel=hotline", headers={"Accept-Language": "zh-CN"})
    assert first.status_code == 200
    assert (
        "客户服务满意度问卷" in first.text
        and "第 1 页，共 2 页" in first.text
        and "<script" not in first.text
    )
    form = {
        "csrf_token": csrf(first.text),
        "lang": "zh",
        "page": "0",
        "started": "1",
        "hidden.channel": "hotline",
    }
    missing = client.post(f"/s/{survey['key']}", data=form)
    assert missing.status_code == 422 and "answers.dims" in missing.text  # required on this page
    rows = {f"dims.{r}": "4" for r in ("attitude", "efficiency", "ability", "outcome", "environment")}
    page1 = client.post(
        f"/s/{survey['key']}",
        data={**form, **rows, "dims.convenience": "2", "attention": "2"},
        follow_redirects=False,
    )
    assert (
        page1.status_code == 303
        and "page=1" in page1.headers["location"]
        and "resume=" in page1.headers["location"]
    )
    second = client.get(page1.headers["location"])
    assert "第 2 页，共 2 页" in second.text and "稍后继续" in second.text
    resume = re.search(r'name="resume" value="([^"]+)"', second.text).group(1)  # type: ignore[union-attr]
    done = client.post(
        f"/s/{survey['key']}",
        data={
            "csrf_token": csrf(second.text),
            "lang": "zh",
            "page": "1",
            "resume": resume,
            "csat": "4",
            "nps": "9",
            "improve": "早餐品种再多一些",
            "hidden.channel": "hotline",
        },
    )
    assert done.status_code == 200 and "感谢您的反馈" in done.text
    [response] = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    assert response["completed"] and response["answers"]["dims"]["convenience"] == 2
    assert response["answers"]["improve"] == "早餐品种再多一些" and response["hidden"] == {
        "channel": "hotline"
    }
    assert response["quality_flags"] == []


def test_english_version_anonymous_notice_and_qr_codes(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps", anonymous=True)
    page = client.get(f"/s/{survey['key']}?lang=en")
    assert "Would you recommend us?" in page.text and "This survey is anonymous" in page.text
    assert 'href="?lang=zh"' in page.text
    bad = client.post(
        f"/s/{survey['key']}", data={"csrf_token": csrf(page.text), "lang": "en", "page": "0", "nps": "11"}
    )
    assert bad.status_code == 422 and "must be from 0 to 10" in bad.text
    svg = client.get(f"/s/{survey['key']}/qr.svg")
    png = client.get(f"/s/{survey['key']}/qr.png")
    assert svg.headers["content-type"] == "image/svg+xml" and png.content.startswith(b"\x89PNG")
    assert client.get("/s/nope").status_code == 404


def test_servqual_pairs_and_a_straight_liner_on_the_page(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="servqual")
    page = client.get(f"/s/{survey['key']}?lang=en")
    assert page.text.count('type="radio"') == 22 * 2 * 7
    answers = {
        f"sq.{i}.{side}": "7"
        for i in [
            "t1",
            "t2",
            "t3",
            "t4",
            "r1",
            "r2",
            "r3",
            "r4",
            "r5",
            "s1",
            "s2",
            "s3",
            "s4",
            "a1",
            "a2",
            "a3",
            "a4",
            "e1",
            "e2",
            "e3",
            "e4",
            "e5",
        ]
        for side in ("expectation", "perception")
    }
    r = client.post(
        f"/s/{survey['key']}",
        data={"csrf_token": csrf(page.text), "lang": "en", "page": "0", **answers},
        follow_redirects=False,
    )
    assert r.status_code == 303
    last = client.get(r.headers["location"])
    client.post(
        f"/s/{survey['key']}",
        data={
            "csrf_token": csrf(last.text),
            "lang": "en",
            "page": "1",
            "nps": "8",
            "resume": re.search(r'name="resume" value="([^"]+)"', last.text).group(1),
        },
    )  # type: ignore[union-attr]
    [response] = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    assert response["completed"]
    assert {f["flag"] for f in response["quality_flags"]} == {"straightlining"}
    assert "all 22 expectation items answered 7" in response["quality_flags"][0]["reason"]


def test_staff_invite_and_set_reminders_on_the_survey_page(client, smtp):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps")
    staff = new_client(client)
    login(staff, analyst.email)
    url = f"/surveys/{survey['id']}"
    token = csrf_of(staff.get(url).text)
    sent = staff.post(
        f"{url}/invitations", data={"csrf_token": token, "emails": "h@example.com\ni@example.com"}
    )
    assert sent.status_code == 200  # followed the redirect back to the page
    drain()
    smtp.wait_for(2)
    assert "Invited 2 · answered 0 · reminded 0" in staff.get(url).text

    bad = staff.post(f"{url}/reminders", data={"csrf_token": token, "remind_after_days": "ninety"})
    assert bad.status_code == 422 and "remind_after_days" in bad.text
    staff.post(f"{url}/reminders", data={"csrf_token": token, "remind_after_days": "7"})
    got = client.get(f"/api/v1/surveys/{survey['id']}", headers=analyst.headers).json()
    assert got["remind_after_days"] == 7
    assert 'name="remind_after_days" min="0" max="60" value="7"' in staff.get(url).text


def test_an_invitation_from_the_survey_page_to_a_known_customer_is_linked_to_her(client):
    """As the API does: her answer then shows on her profile, in her data export, and is
    anonymised with her."""
    analyst = make_account(role="analyst")
    guest = {"name": "李娜", "email": "li.na@example.com"}
    create(client, make_account(org_slug=analyst.org_slug), description="早餐很好", customer=guest)
    survey = publish(client, analyst, template="nps")
    staff = new_client(client)
    login(staff, analyst.email)
    url = f"/surveys/{survey['id']}"
    emails = "LI.NA@example.com\nsomeone.new@example.com"
    staff.post(f"{url}/invitations", data={"csrf_token": csrf_of(staff.get(url).text), "emails": emails})
    with session_scope() as db:
        her = db.scalar(select(Customer.id).where(Customer.email == "li.na@example.com"))
        linked = {e: c for e, c in db.execute(select(Invitation.email, Invitation.customer_id))}
    assert her is not None and linked == {"li.na@example.com": her, "someone.new@example.com": None}


def test_the_post_case_delay_is_a_day_by_default_and_changed_on_the_survey_page(client):
    manager = make_account(role="manager")
    staff = new_client(client)
    login(staff, manager.email)
    listing = staff.get("/surveys").text
    assert 'name="delay_hours" min="0" max="720" step="any" value="24"' in listing  # S1: a day later
    created = staff.post(
        "/surveys",
        data={
            "csrf_token": csrf_of(listing),
            "name": "After the stay",
            "template": "csat_post_case",
            "case_resolved": "1",
            "delay_hours": "24",
        },
    )
    assert created.status_code == 200  # followed the redirect to the survey's page
    [survey] = client.get("/api/v1/surveys", headers=manager.headers).json()
    assert (survey["trigger"], survey["delay_minutes"]) == ("case_resolved", 24 * 60)
    url = f"/surveys/{survey['id']}"
    page = staff.get(url).text
    assert 'name="delay_hours" min="0" max="720" step="any" value="24"' in page
    assert "24 h after resolution" in staff.get("/surveys").text

    bad = staff.post(f"{url}/delay", data={"csrf_token": csrf_of(page), "delay_hours": "soon"})
    assert bad.status_code == 422 and "delay_hours" in bad.text
    staff.post(f"{url}/delay", data={"csrf_token": csrf_of(page), "delay_hours": "1.5"})
    got = client.get(f"/api/v1/surveys/{survey['id']}", headers=manager.headers).json()
    assert got["delay_minutes"] == 90
    assert 'name="delay_hours" min="0" max="720" step="any" value="1.5"' in staff.get(url).text
    zh = staff.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert "工单解决后多少小时发送" in zh


def test_a_browser_that_answered_already_is_left_out_but_its_neighbour_on_the_same_wifi_is_not(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps")
    url = f"/s/{survey['key']}"

    def answer_on_the_page(browser, score: str):  # type: ignore[no-untyped-def]
        page = browser.get(f"{url}?lang=en")
        form = {"csrf_token": csrf(page.text), "lang": "en", "page": "0", "nps": score}
        assert browser.post(url, data=form).status_code == 200

    guest = new_client(client)
    answer_on_the_page(guest, "9")
    answer_on_the_page(guest, "0")  # the same browser again: its cookie says so
    neighbour = new_client(client)  # same phone model, same hotel Wi-Fi, another person
    answer_on_the_page(neighbour, "10")
    flags = [
        [f["flag"] for f in r["quality_flags"]]
        for r in client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    ]
    assert sorted(flags) == [[], ["duplicate"], ["same_device"]]
    summary = client.get(f"/api/v1/surveys/{survey['id']}/summary", headers=analyst.headers).json()
    assert summary["included"] == 2 and summary["headline"]["nps"]["score"] == 100.0
    assert summary["flagged"] == {"duplicate": 1} and summary["for_review"] == {"same_device": 1}
    staff = new_client(client)
    login(staff, analyst.email)
    shown = staff.get(f"/surveys/{survey['id']}", headers={"Accept-Language": "en"}).text
    assert '<ul class="review"><li data-flag="same_device">Same device and network: 1</li></ul>' in shown
    assert "counted in the statistics" in shown


def test_a_refused_definition_stays_in_the_editor_with_its_errors_for_the_builder(client):
    """The page answers 422 with the posted JSON (not the stored one) to correct, and hands the
    definition's errors to the visual builder to show by their question."""
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps")
    staff = new_client(client)
    login(staff, analyst.email)
    url = f"/surveys/{survey['id']}"
    posted = json.dumps({**NPS_TWICE, "title": {"zh": "两次", "en": "Twice"}}, ensure_ascii=False)
    r = staff.post(
        f"{url}/definition", data={"csrf_token": csrf_of(staff.get(url).text), "definition": posted}
    )
    assert r.status_code == 422
    page = r.text
    assert str(escape(posted)) in page  # in the textarea, as typed
    builder = re.search(r'id="survey-builder"[^>]*data-errors="([^"]*)"', page)
    assert builder is not None
    errors = json.loads(html.unescape(builder.group(1)))
    assert errors == [{"field": "definition.questions.nps", "reason": "question ids must be unique"}]
    got = client.get(f"/api/v1/surveys/{survey['id']}", headers=analyst.headers).json()
    assert "两次" not in json.dumps(got["definition"], ensure_ascii=False)


NPS_TWICE = {
    "languages": ["zh", "en"],
    "sections": [
        {
            "id": "s1",
            "questions": [
                {"id": "nps", "type": "nps", "text": {"zh": "推荐吗？", "en": "Recommend?"}},
                {"id": "nps", "type": "nps", "text": {"zh": "再问一次", "en": "Again?"}},
            ],
        }
    ],
}
