"""The closed loop against a commitment: a complaint from the public form is classified,
routed to the right department with the right deadline (across China's National Day and its
make-up Saturday), warned about, breached, escalated, answered by email and closed by the
customer; the public commitments page shows the measured compliance."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.factories import make_account
from voxloop.commitments.models import CaseClock
from voxloop.commitments.tasks import sweep_commitments
from voxloop.db import session_scope
from voxloop.jobs.executor import drain

SH = ZoneInfo("Asia/Shanghai")
COMPLAINT = "1203房间的空调坏了，一直没人来修，请马上处理"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def setup_hotel(client):  # type: ignore[no-untyped-def]
    """A manager, an engineering department with a head and two agents, and a routing rule."""
    admin = make_account(role="admin")
    manager = make_account(role="manager", org_slug=admin.org_slug, email="manager@hotel.example")
    head = make_account(role="manager", org_slug=admin.org_slug, email="head@hotel.example")
    agents = [
        make_account(role="agent", org_slug=admin.org_slug, email=f"agent{i}@hotel.example") for i in (1, 2)
    ]
    dept = client.post(
        "/api/v1/departments",
        json={"name": "工程部", "name_en": "Engineering", "head_id": head.user_id},
        headers=admin.headers,
    ).json()
    for a in agents:
        r = client.patch(
            f"/api/v1/users/{a.user_id}", json={"department_id": dept["id"]}, headers=admin.headers
        )
        assert r.status_code == 200, r.text
    rule = client.post(
        "/api/v1/routing-rules",
        json={
            "name": "Facilities to engineering",
            "match": {"category": ["facilities"]},
            "department_id": dept["id"],
        },
        headers=manager.headers,
    )
    assert rule.status_code == 201, rule.text
    return admin, manager, dept, agents


def submit(client, slug, text=COMPLAINT, email="guest@example.com"):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/public/feedback",
        json={"org": slug, "description": text, "customer": {"name": "Li Lei", "email": email}},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_complaint_goes_round_the_whole_loop(client, clock, smtp):
    admin, manager, dept, agents = setup_hotel(client)
    clock.now = local(2026, 9, 30, 16, 0)  # Wednesday before National Day
    created = submit(client, admin.org_slug)
    drain()
    smtp.wait_for(1)  # the acknowledgement
    fid = client.get("/api/v1/feedback", headers=admin.headers).json()["items"][0]["id"]
    case = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()
    assert (case["type"], case["category"], case["status"]) == ("complaint", "facilities", "assigned")
    assert case["department"] == {"id": dept["id"], "name": "工程部"}
    assert case["assignee"]["id"] == agents[0].user_id
    assert case["commitment"] == "投诉"
    # Four working hours: two on 30 September, then 1-7 October are off: 11:00 on the 8th.
    assert utc(case["due_at"]) == local(2026, 10, 8, 11, 0)
    assert case["breached"] is False
    assert case["steps"] == {
        "response": "pending",
        "resolution": "pending",
        "dispatch": "met",
        "handling": "pending",
    }

    # 80 % of the four hours used: the owner is warned.
    clock.now = local(2026, 10, 8, 10, 15)
    assert sweep_commitments() == {"warned": 1, "breached": 0, "escalated": 0}
    drain()
    warning = smtp.wait_for(2)[1]
    assert warning["To"] == agents[0].email and "1203" in warning.get_body().get_content()
    # the deadline as the owner's clock reads it, not the stored UTC
    assert "11:00 (Asia/Shanghai)" in warning.get_body().get_content()
    assert "03:00" not in warning.get_body().get_content()

    # Past the deadline: breach, a proposed apology, and the department head hears of it.
    clock.now = local(2026, 10, 8, 11, 5)
    assert sweep_commitments() == {"warned": 0, "breached": 1, "escalated": 1}
    assert sweep_commitments() == {"warned": 0, "breached": 0, "escalated": 0}  # once only
    drain()
    assert smtp.wait_for(3)[2]["To"] == "head@hotel.example"
    remedies = client.get("/api/v1/remedies", headers=manager.headers).json()
    assert [(r["feedback_id"], r["step"], r["kind"], r["status"]) for r in remedies] == [
        (fid, "response", "apology", "proposed")
    ]
    case = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()
    assert case["breached"] is True and case["steps"]["response"] == "breached"

    # Half a limit later still unanswered: the managers.
    clock.now = local(2026, 10, 8, 14, 1)
    assert sweep_commitments()["escalated"] == 1
    drain()
    to = {m["To"] for m in smtp.wait_for(5)[3:]}
    assert to == {"manager@hotel.example", "head@hotel.example"}  # both hold the manager role

    # The agent answers by email, works on it and resolves it; the remedy is delivered.
    agent = agents[0]
    r = client.post(
        f"/api/v1/feedback/{fid}/replies", json={"text": "师傅已在路上，抱歉久等。"}, headers=agent.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["steps"]["response"] == "late"
    drain()
    reply = [m for m in smtp.wait_for(6) if m["To"] == "guest@example.com"][-1]
    assert created["tracking_code"] in reply["Subject"] and "师傅已在路上" in reply.get_body().get_content()
    for to in ("in_progress", "resolved"):
        r = client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": to}, headers=agent.headers)
        assert r.status_code == 200, r.text
    assert r.json()["steps"]["resolution"] == "met" and r.json()["due_at"] is None
    remedy = remedies[0]["id"]
    assert (
        client.patch(
            f"/api/v1/remedies/{remedy}", json={"status": "delivered"}, headers=agent.headers
        ).status_code
        == 409
    )
    for status in ("approved", "delivered"):
        r = client.patch(
            f"/api/v1/remedies/{remedy}", json={"status": status, "note": "致歉电话"}, headers=manager.headers
        )
        assert r.status_code == 200, r.text

    # The customer sees the reply on the tracking page and confirms; the case closes.
    page = client.get(f"/t/{created['tracking_code']}")
    assert "师傅已在路上" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/t/{created['tracking_code']}/confirm", data={"csrf_token": token}).status_code in (
        200,
        303,
    )
    assert client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["status"] == "closed"

    # The public page: one response deadline measured, not kept; the resolution kept.
    public = client.get(f"/api/v1/public/commitments/{admin.org_slug}").json()
    complaints = next(c for c in public["commitments"] if c["name"] == "投诉")
    # with Wilson's 95 % interval: 0 of 1 is 0-79 %, 1 of 1 21-100 % (statsmodels)
    response, resolution = complaints["compliance"]["response"], complaints["compliance"]["resolution"]
    assert response == {
        "measured": 1,
        "kept": 0,
        "rate": 0.0,
        "ci_low": 0.0,
        "ci_high": pytest.approx(0.7935, abs=1e-4),
    }
    assert resolution == {
        "measured": 1,
        "kept": 1,
        "rate": 1.0,
        "ci_low": pytest.approx(0.2065, abs=1e-4),
        "ci_high": 1.0,
    }
    for language, words in (("en", "Resolution 100% (1 of 1; 95% interval 21–100%)"), ("zh-CN", "1 中的 1")):
        shown = client.get(f"/commitments/{admin.org_slug}", headers={"Accept-Language": language}).text
        assert words in shown, language
    assert client.get("/api/v1/public/commitments/no-such-org").status_code == 404


def test_waiting_for_the_customer_stops_the_clock(client, clock):
    admin, manager, dept, agents = setup_hotel(client)
    clock.now = local(2026, 11, 26, 9, 0)  # Thursday
    submit(client, admin.org_slug)
    drain()
    fid = client.get("/api/v1/feedback", headers=admin.headers).json()["items"][0]["id"]
    assert utc(client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["due_at"]) == local(
        2026, 11, 26, 14, 0
    )
    client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": "in_progress"}, headers=admin.headers)
    clock.now = local(2026, 11, 26, 10, 0)
    r = client.post(
        f"/api/v1/feedback/{fid}/transitions", json={"to": "waiting_customer"}, headers=admin.headers
    )
    assert r.json()["due_at"] is None
    clock.now = local(2026, 11, 27, 10, 0)  # a whole working day later the customer answers
    assert sweep_commitments()["breached"] == 0
    r = client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": "in_progress"}, headers=admin.headers)
    # Three working hours were left at 10:00 on Thursday; they run from 10:00 on Friday.
    assert utc(r.json()["due_at"]) == local(2026, 11, 27, 14, 0)


def test_the_customers_answer_on_the_tracking_page_resumes_the_case(client, clock, smtp):
    admin, manager, dept, agents = setup_hotel(client)
    owner = agents[0]
    clock.now = local(2026, 11, 26, 9, 0)  # Thursday
    created = submit(client, admin.org_slug)
    drain()
    smtp.wait_for(1)  # the acknowledgement
    fid = client.get("/api/v1/feedback", headers=admin.headers).json()["items"][0]["id"]
    client.post(f"/api/v1/feedback/{fid}/replies", json={"text": "您哪个时间方便？"}, headers=owner.headers)
    client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": "in_progress"}, headers=owner.headers)
    clock.now = local(2026, 11, 26, 10, 0)
    r = client.post(
        f"/api/v1/feedback/{fid}/transitions", json={"to": "waiting_customer"}, headers=owner.headers
    )
    assert r.json()["due_at"] is None
    drain()
    with session_scope() as db:
        paused = db.scalar(select(CaseClock.resolution_due).where(CaseClock.feedback_id == fid))

    clock.now = local(2026, 11, 27, 10, 0)  # a whole working day later she answers
    code = created["tracking_code"]
    page = client.get(f"/t/{code}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(f"/t/{code}/message", data={"text": "下午三点以后都可以", "csrf_token": token})
    assert r.status_code in (200, 303)

    case = client.get(f"/api/v1/feedback/{fid}", headers=owner.headers).json()
    assert case["status"] == "in_progress"
    # The next answer is owed four working hours after hers; the resolution deadline moved by
    # exactly the working day she took.
    assert utc(case["due_at"]) == local(2026, 11, 27, 15, 0)
    with session_scope() as db:
        resumed = db.scalar(select(CaseClock.resolution_due).where(CaseClock.feedback_id == fid))
    assert resumed - paused == 8 * 3600
    timeline = client.get(f"/api/v1/feedback/{fid}/timeline", headers=owner.headers).json()
    moved = [e for e in timeline if e["kind"] == "status_changed"][-1]
    assert moved["data"] == {"from": "waiting_customer", "to": "in_progress"} and moved["actor"] == "customer"

    drain()
    told = [m for m in smtp.wait_for(3) if m["To"] == owner.email]
    assert len(told) == 1 and code in told[0]["Subject"]
    body = told[0].get_body().get_content()
    assert "下午三点以后都可以" in body and f"/feedback/{fid}" in body


def test_a_friday_evening_complaint_is_due_on_monday_and_calendar_edits_move_open_deadlines(client, clock):
    admin, manager, dept, agents = setup_hotel(client)
    clock.now = local(2026, 11, 27, 17, 0)  # Friday
    submit(client, admin.org_slug)
    drain()
    fid = client.get("/api/v1/feedback", headers=admin.headers).json()["items"][0]["id"]
    assert utc(client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["due_at"]) == local(
        2026, 11, 30, 12, 0
    )
    cal = client.get("/api/v1/calendars", headers=manager.headers).json()[0]
    rules = {**cal["rules"], "extra_holidays": ["2026-11-30"]}
    r = client.put(
        f"/api/v1/calendars/{cal['id']}", json={"name": cal["name"], **rules}, headers=manager.headers
    )
    assert r.status_code == 200, r.text
    with session_scope() as db:  # nothing was rewritten...
        before = db.scalar(select(CaseClock.response_due).where(CaseClock.feedback_id == fid))
    # ...yet the deadline moved past the new day off.
    assert utc(client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["due_at"]) == local(
        2026, 12, 1, 12, 0
    )
    with session_scope() as db:
        assert db.scalar(select(CaseClock.response_due).where(CaseClock.feedback_id == fid)) == before
    calc = client.post(
        f"/api/v1/calendars/{cal['id']}/deadline",
        json={"start": "2026-09-30T16:00:00+08:00", "minutes": 240},
        headers=admin.headers,
    ).json()
    assert utc(calc["due_at"]) == local(2026, 10, 8, 11, 0)


def test_bad_calendars_and_commitments_are_refused_with_reasons(client):
    manager = make_account(role="manager")
    r = client.post(
        "/api/v1/calendars",
        json={"name": "Never", "time_zone": "Asia/Shanghai", "hours": {"mon": [], "sun": []}},
        headers=manager.headers,
    )
    assert r.status_code == 422
    assert r.json()["error"]["fields"] == [
        {"field": "hours", "reason": "a calendar needs working hours on at least one weekday"}
    ]
    r = client.post(
        "/api/v1/commitments",
        json={"name": "x", "calendar_id": 999999, "match": {"colour": ["red"]}, "remedies": ["cake"]},
        headers=manager.headers,
    )
    fields = {f["field"] for f in r.json()["error"]["fields"]}
    assert (
        r.status_code == 422
        and {"match.colour", "first_response_minutes", "remedies", "calendar_id"} <= fields
    )
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert client.post("/api/v1/calendars", json={}, headers=agent.headers).status_code == 403


def test_spam_gets_no_clock_and_closing_unresolved_voids_the_steps(client, clock):
    admin = make_account(role="admin")
    clock.now = local(2026, 11, 26, 9, 0)
    submit(client, admin.org_slug, text="http://spam.example 免费 http://x.example http://y.example 加微信")
    submit(
        client, admin.org_slug, text="The shower in room 301 is broken, please fix it", email="b@example.com"
    )
    drain()
    items = {
        i["description"][:4]: i for i in client.get("/api/v1/feedback", headers=admin.headers).json()["items"]
    }
    assert items["http"]["commitment"] is None
    fid = items["The "]["id"]
    r = client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": "closed"}, headers=admin.headers)
    assert set(r.json()["steps"].values()) == {"void"}
