"""Invitations by email (a real SMTP server), single-use tokens, the contact cap, opt-outs,
reminders, bounces, staff entry, and the CSAT survey sent by itself after a case is resolved."""

import re
import smtplib

from tests.conftest import free_port
from tests.factories import make_account
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.surveys.models import Invitation


def publish(client, acct, **body):  # type: ignore[no-untyped-def]
    survey = client.post("/api/v1/surveys", json=body, headers=acct.headers).json()
    return client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=acct.headers).json()


def token_in(msg) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"[?&]t=([A-Za-z0-9_-]+)", msg.get_body().get_content()).group(1)  # type: ignore[union-attr]


def test_invitations_are_single_use_capped_and_can_be_stopped(client, smtp):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps")
    r = client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["a@example.com", "b@example.com", "A@example.com"]},
        headers=analyst.headers,
    )
    assert r.status_code == 201 and r.json() == {
        "invited": 2,
        "skipped": {"opted_out": 0, "contacted_recently": 0, "duplicate": 1},
    }
    drain()
    mails = {m["To"]: m for m in smtp.wait_for(2)}
    assert (
        set(mails) == {"a@example.com", "b@example.com"}
        and "unsubscribe" in mails["a@example.com"].get_body().get_content()
    )
    token = token_in(mails["a@example.com"])
    body = {"answers": {"nps": 9}, "language": "zh", "token": token}
    first = client.post(f"/api/v1/public/surveys/{survey['key']}/responses", json=body)
    assert first.status_code == 201
    again = client.post(f"/api/v1/public/surveys/{survey['key']}/responses", json=body)
    assert again.status_code == 409 and again.json()["error"]["fields"] == [
        {"field": "token", "reason": "already used"}
    ]
    [response] = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    assert response["mode"] == "email"

    capped = client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["a@example.com"]},
        headers=analyst.headers,
    )
    assert capped.json()["skipped"]["contacted_recently"] == 1

    page = client.get(f"/s/unsubscribe/{token_in(mails['b@example.com'])}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = client.post(f"/s/unsubscribe/{token_in(mails['b@example.com'])}", data={"csrf_token": csrf})
    assert done.status_code == 200
    other = publish(client, analyst, template="ces", contact_cap_days=0)
    again = client.post(
        f"/api/v1/surveys/{other['id']}/invitations",
        json={"emails": ["b@example.com"]},
        headers=analyst.headers,
    )
    assert again.json()["skipped"]["opted_out"] == 1


def test_reminders_go_to_those_who_have_not_answered(client, smtp, clock):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps")
    client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["c@example.com", "d@example.com"]},
        headers=analyst.headers,
    )
    drain()
    first = {m["To"]: m for m in smtp.wait_for(2)}
    client.post(
        f"/api/v1/public/surveys/{survey['key']}/responses",
        json={"answers": {"nps": 7}, "language": "zh", "token": token_in(first["c@example.com"])},
    )
    assert client.post(f"/api/v1/surveys/{survey['id']}/reminders", headers=analyst.headers).json() == {
        "reminded": 0
    }
    clock.advance(days=4)
    assert client.post(f"/api/v1/surveys/{survey['id']}/reminders", headers=analyst.headers).json() == {
        "reminded": 1
    }
    drain()
    reminder = smtp.wait_for(3)[2]
    assert reminder["To"] == "d@example.com" and reminder["Subject"].startswith("提醒")


def test_a_bounce_marks_the_invitation(client, smtp):
    from voxloop.mail.inbound import smtp_controller

    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps")
    client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["gone@example.com"]},
        headers=analyst.headers,
    )
    drain()
    raw = (
        b"From: MAILER-DAEMON@example.com\r\nSubject: Undelivered\r\nMessage-ID: <dsn-1@example.com>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n"
    )
    port = free_port()
    controller = smtp_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as s:
            s.sendmail("", [f"{analyst.org_slug}@hotel.example"], raw)
    finally:
        controller.stop()
    with session_scope() as db:
        assert (
            db.query(Invitation.status).filter(Invitation.email == "gone@example.com").scalar() == "bounced"
        )


def test_staff_take_answers_down_by_phone(client):
    agent = make_account(role="agent")
    analyst = make_account(role="analyst", org_slug=agent.org_slug)
    survey = publish(client, analyst, template="csat_post_case")
    r = client.post(
        f"/api/v1/surveys/{survey['id']}/entries",
        json={"answers": {"csat": 4, "resolved": "yes"}, "language": "zh", "mode": "phone"},
        headers=agent.headers,
    )
    assert r.status_code == 201, r.text
    assert (
        client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()[0]["mode"]
        == "phone"
    )
    bad = client.post(
        f"/api/v1/surveys/{survey['id']}/entries",
        json={"answers": {}, "mode": "telepathy"},
        headers=agent.headers,
    )
    assert bad.status_code == 422


def test_the_post_case_csat_arrives_by_itself_after_resolution(client, smtp, clock):
    manager = make_account(role="manager")
    survey = publish(client, manager, template="csat_post_case", trigger="case_resolved", delay_minutes=10)

    def resolved_case(email: str) -> int:
        fid = client.post(
            "/api/v1/feedback",
            json={"description": "空调坏了", "customer": {"email": email}},
            headers=manager.headers,
        ).json()["id"]
        for to in ("in_progress", "resolved"):
            client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": to}, headers=manager.headers)
        drain()
        return fid

    fid = resolved_case("guest@example.com")
    assert not [
        m for m in smtp.messages if "How did we do" in m["Subject"] or "回访" in m["Subject"]
    ]  # after the delay
    clock.advance(minutes=11)
    drain()
    [invite] = [m for m in smtp.wait_for(2) if "回访" in m["Subject"]]
    r = client.post(
        f"/api/v1/public/surveys/{survey['key']}/responses",
        json={"answers": {"csat": 5, "resolved": "yes"}, "language": "zh", "token": token_in(invite)},
    )
    assert r.status_code == 201
    [response] = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=manager.headers).json()
    assert response["feedback_id"] == fid and response["hidden"]["case_id"] == str(fid)
    timeline = client.get(f"/api/v1/feedback/{fid}/timeline", headers=manager.headers).json()
    assert [e["data"] for e in timeline if e["kind"] == "follow_up_due"] == [{"survey_invited": True}]
    second = resolved_case("guest@example.com")  # the same guest again within 30 days: not asked twice
    clock.advance(minutes=11)
    drain()
    with session_scope() as db:
        assert db.query(Invitation).filter(Invitation.feedback_id == second).count() == 0


def test_the_post_case_survey_goes_out_a_day_later_only_for_a_case_still_resolved(client, smtp, clock):
    manager = make_account(role="manager")
    survey = publish(
        client, manager, template="csat_post_case", trigger="case_resolved", delay_minutes=24 * 60
    )
    fid = client.post(
        "/api/v1/feedback",
        json={"description": "空调坏了", "customer": {"email": "wang@example.com"}},
        headers=manager.headers,
    ).json()["id"]

    def move(to: str) -> None:
        r = client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": to}, headers=manager.headers)
        assert r.status_code == 200, r.text
        drain()

    def surveys_sent() -> list:  # type: ignore[type-arg]
        drain()
        return [m for m in smtp.messages if "回访" in m["Subject"]]

    move("in_progress")
    move("resolved")
    clock.advance(hours=20)
    assert surveys_sent() == []  # not before the day is over
    move("in_progress")  # reopened before it was due: the invitation is called off at once
    with session_scope() as db:
        assert [i.status for i in db.query(Invitation).filter(Invitation.feedback_id == fid)] == ["cancelled"]
    clock.advance(hours=5)
    assert surveys_sent() == []

    move("resolved")  # resolved again: a new invitation, a day after this resolution
    clock.advance(hours=23)
    assert surveys_sent() == []
    clock.advance(hours=2)
    [invite] = surveys_sent()
    assert invite["To"] == "wang@example.com"
    with session_scope() as db:
        statuses = sorted(i.status for i in db.query(Invitation).filter(Invitation.survey_id == survey["id"]))
    assert statuses == ["cancelled", "sent"]


def test_an_english_customer_of_a_chinese_organization_is_invited_and_reminded_in_english(
    client, smtp, clock
):
    manager = make_account(role="manager")  # the organization's default language is zh_CN
    survey = publish(client, manager, template="csat_post_case", trigger="case_resolved")
    fid = client.post(
        "/api/v1/feedback",
        json={
            "description": "The air conditioner in room 1203 has been broken since last night",
            "customer": {"name": "Ann Lee", "email": "ann@example.com"},
        },
        headers=manager.headers,
    ).json()["id"]
    for to in ("in_progress", "resolved"):
        client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": to}, headers=manager.headers)
    drain()
    [invite] = [m for m in smtp.wait_for(2) if "/s/" in m.get_body().get_content()]
    body = invite.get_body().get_content()
    assert invite["Subject"] == "How did we do?" and "would like to hear how we did" in body
    assert "lang=en" in body and "回访" not in body
    clock.advance(days=4)
    client.post(f"/api/v1/surveys/{survey['id']}/reminders", headers=manager.headers)
    drain()
    assert smtp.wait_for(3)[-1]["Subject"] == "Reminder: How did we do?"

    # Without a case, the customer's own locale decides, else the organization's language.
    client.post(
        "/api/v1/feedback",
        json={"description": "早餐很好", "customer": {"email": "bo@example.com", "locale": "en"}},
        headers=manager.headers,
    )
    nps = publish(client, manager, template="nps", contact_cap_days=0)
    client.post(
        f"/api/v1/surveys/{nps['id']}/invitations",
        json={"emails": ["bo@example.com", "chen@example.com"]},
        headers=manager.headers,
    )
    drain()
    invited = {m["To"]: m for m in smtp.wait_for(6) if "lang=" in m.get_body().get_content()}
    assert "lang=en" in invited["bo@example.com"].get_body().get_content()
    assert "lang=zh" in invited["chen@example.com"].get_body().get_content()


def test_a_survey_that_reminds_by_itself(client, smtp, clock):
    from voxloop.surveys.tasks import send_reminders

    analyst = make_account(role="analyst")
    survey = publish(client, analyst, template="nps", remind_after_days=5)
    assert survey["remind_after_days"] == 5
    client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["e@example.com", "f@example.com"]},
        headers=analyst.headers,
    )
    drain()
    first = {m["To"]: m for m in smtp.wait_for(2)}
    client.post(
        f"/api/v1/public/surveys/{survey['key']}/responses",
        json={"answers": {"nps": 10}, "language": "zh", "token": token_in(first["e@example.com"])},
    )
    clock.advance(days=4)
    assert send_reminders() == 0
    clock.advance(days=2)
    assert send_reminders() == 1
    drain()
    assert send_reminders() == 0  # once only
    reminder = smtp.wait_for(3)[2]
    assert reminder["To"] == "f@example.com" and reminder["Subject"].startswith("提醒")

    # Turned off: no more reminders for later invitations.
    off = client.patch(
        f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 0}, headers=analyst.headers
    )
    assert off.status_code == 200 and off.json()["remind_after_days"] == 0
    client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["g@example.com"]},
        headers=analyst.headers,
    )
    drain()
    clock.advance(days=30)
    assert send_reminders() == 0


def test_survey_settings_are_checked(client):
    admin = make_account(role="admin")
    agent = make_account(role="agent", org_slug=admin.org_slug)
    survey = publish(client, admin, template="ces")
    url = f"/api/v1/surveys/{survey['id']}"
    for body, field in (
        ({"remind_after_days": 61}, "remind_after_days"),
        ({"remind_after_days": None}, "remind_after_days"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ):
        r = client.patch(url, json=body, headers=admin.headers)
        assert r.status_code == 422, body
        assert field in str(r.json()["error"]["fields"]), r.json()
    assert client.patch(url, json={"quota": 5}, headers=agent.headers).status_code == 403
    done = client.patch(
        url,
        json={"name": "After-stay", "quota": 50, "close_at": "2027-01-01T00:00:00+08:00"},
        headers=admin.headers,
    )
    assert done.status_code == 200
    assert (done.json()["name"], done.json()["quota"]) == ("After-stay", 50)
    cleared = client.patch(url, json={"quota": None}, headers=admin.headers).json()
    assert cleared["quota"] is None and cleared["name"] == "After-stay"
