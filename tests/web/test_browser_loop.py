"""The closed loop in a real browser: a guest complains on the public form on a phone the day
before China's National Day; the complaint is classified and routed to engineering with a
deadline after the holiday; it breaks its commitment and escalates; an agent answers from the
case page; the guest reads the answer on the tracking page and confirms; the case closes."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.conftest import until
from tests.factories import PASSWORD, make_account
from tests.web.test_browser import TIMEOUT_MS, launch, live_server, phone  # noqa: F401 - the fixture
from voxloop.commitments.tasks import sweep_commitments
from voxloop.jobs.executor import drain

SH = ZoneInfo("Asia/Shanghai")


def test_a_complaint_from_the_public_form_goes_round_the_loop_in_the_browser(live_server, clock, smtp):  # noqa: F811
    api = live_server + "/api/v1"
    admin = make_account(role="admin")
    head = make_account(role="manager", org_slug=admin.org_slug, email="head@hotel.example")
    agent = make_account(role="agent", org_slug=admin.org_slug, email="agent@hotel.example")
    dept = httpx.post(
        f"{api}/departments", json={"name": "工程部", "head_id": head.user_id}, headers=admin.headers
    ).json()
    httpx.patch(f"{api}/users/{agent.user_id}", json={"department_id": dept["id"]}, headers=admin.headers)
    httpx.post(
        f"{api}/routing-rules",
        json={"name": "设施报修", "match": {"category": ["facilities"]}, "department_id": dept["id"]},
        headers=admin.headers,
    )
    clock.now = datetime(2026, 9, 30, 16, 0, tzinfo=SH)

    with sync_playwright() as p:
        browser = launch(p)
        try:
            guest = phone(browser)
            guest.goto(f"{live_server}/f/{admin.org_slug}")
            guest.fill("textarea[name=description]", "1203房间的空调坏了，一直没人来修，请马上处理")
            guest.fill("input[name=customer_email]", "guest@example.com")
            guest.tap("form button[type=submit]")
            code = guest.locator(".tracking-code").inner_text()

            drain()  # the outbox: triage, routing, the clock, the acknowledgement
            case = httpx.get(f"{api}/feedback", headers=admin.headers).json()["items"][0]
            assert (case["type"], case["category"], case["department"]["name"]) == (
                "complaint",
                "facilities",
                "工程部",
            )
            assert case["assignee"]["id"] == agent.user_id
            assert datetime.fromisoformat(case["due_at"]).astimezone(SH) == datetime(
                2026, 10, 8, 11, 0, tzinfo=SH
            )

            # After the holiday, past the deadline: the department head is told.
            clock.now = datetime(2026, 10, 8, 11, 5, tzinfo=SH)
            assert sweep_commitments()["breached"] == 1
            drain()
            until(lambda: any(m["To"] == "head@hotel.example" for m in smtp.messages))

            staff = browser.new_page(locale="en-US")
            staff.set_default_timeout(TIMEOUT_MS)
            staff.goto(f"{live_server}/login")
            staff.fill("input[name=email]", agent.email)
            staff.fill("input[name=password]", PASSWORD)
            staff.click("form[action='/login'] button[type=submit]")
            staff.goto(f"{live_server}/feedback/{case['id']}")
            expect(staff.locator(".case-department")).to_have_text("工程部")
            expect(staff.locator(".case-due")).to_contain_text("Commitment broken")
            staff.fill("form[action$='/reply'] textarea[name=text]", "师傅已在路上，给您添麻烦了。")
            staff.click("form[action$='/reply'] button[type=submit]")
            expect(staff.locator(".timeline")).to_contain_text("师傅已在路上")
            for status in ("in_progress", "resolved"):
                staff.select_option("form[action$='/status'] select[name=to]", status)
                staff.click("form[action$='/status'] button[type=submit]")
                expect(staff.locator("hgroup p")).to_contain_text(
                    "In progress" if status == "in_progress" else "Resolved"
                )
            drain()
            until(
                lambda: any(
                    m["To"] == "guest@example.com" and "师傅已在路上" in m.get_body().get_content()
                    for m in smtp.messages
                )
            )

            guest.goto(f"{live_server}/t/{code}")
            expect(guest.locator(".timeline")).to_contain_text("师傅已在路上")
            guest.locator(f"form[action='/t/{code}/confirm'] button").tap()
            expect(guest.locator(".status")).to_have_text(re.compile("已关闭|关闭"))
        finally:
            browser.close()

    closed = httpx.get(f"{api}/feedback/{case['id']}", headers=admin.headers).json()
    assert (
        closed["status"] == "closed"
        and closed["steps"]["response"] == "late"
        and closed["steps"]["resolution"] == "met"
    )
    assert closed["breached"] is True
    assert datetime.fromisoformat(closed["received_at"]).astimezone(UTC) == datetime(
        2026, 9, 30, 8, 0, tzinfo=UTC
    )
