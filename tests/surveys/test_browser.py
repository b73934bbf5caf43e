"""Surveys in a real browser: an analyst builds the SERVQUAL + NPS survey from its template and
publishes it; a respondent answers on a phone in Chinese; the straight-lined, hurried answers
are flagged with reasons on the results page."""

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import PASSWORD, make_account
from tests.web.test_browser import TIMEOUT_MS, launch, live_server  # noqa: F401 - the fixture

ITEMS = ["t1", "t2", "t3", "t4", "r1", "r2", "r3", "r4", "r5", "s1", "s2", "s3", "s4",
         "a1", "a2", "a3", "a4", "e1", "e2", "e3", "e4", "e5"]  # fmt: skip


def test_analyst_builds_servqual_and_a_phone_respondent_is_flagged(live_server):  # noqa: F811
    analyst = make_account(role="analyst")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            staff = browser.new_page(locale="en-US")
            staff.set_default_timeout(TIMEOUT_MS)
            staff.goto(f"{live_server}/login")
            staff.fill("input[name=email]", analyst.email)
            staff.fill("input[name=password]", PASSWORD)
            staff.click("form[action='/login'] button[type=submit]")
            staff.goto(f"{live_server}/surveys")
            staff.select_option("select[name=template]", "servqual")
            staff.fill("input[name=name]", "服务质量 SERVQUAL 2026")
            staff.click("form[action='/surveys'] button[type=submit]")
            expect(staff.locator("h1")).to_have_text("服务质量 SERVQUAL 2026")
            staff.click("form[action$='/publish'] button[type=submit]")
            link = staff.locator(".distribute a").first.inner_text()
            assert re.search(r"/s/[\w-]+$", link)
            expect(staff.locator(".distribute img")).to_be_visible()  # the QR code
            key = link.rsplit("/", 1)[1]
            survey_id = int(staff.url.rsplit("/", 1)[1])

            # Ten earlier respondents took about five minutes each.
            now = datetime.now(UTC)
            for n in range(10):
                answers = {
                    "sq": {
                        i: {"expectation": 5 + (n + k) % 3, "perception": 3 + (n + k) % 4}
                        for k, i in enumerate(ITEMS)
                    },
                    "nps": 7,
                }
                r = httpx.post(
                    f"{live_server}/api/v1/public/surveys/{key}/responses",
                    json={
                        "answers": answers,
                        "language": "zh",
                        "started_at": (now - timedelta(seconds=300 + n)).isoformat(),
                    },
                    headers={"User-Agent": f"respondent {n}"},
                )
                assert r.status_code == 201 and r.json()["quality_flags"] == [], r.text

            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
            )
            guest = phone.new_page()
            guest.set_default_timeout(TIMEOUT_MS)
            guest.goto(f"{live_server}/s/{key}")  # the link, on this test server
            expect(guest.locator("h1")).to_have_text("服务质量调查（SERVQUAL）")
            expect(guest.locator(".progress-label")).to_have_text("第 1 页，共 2 页")
            for item in ITEMS:
                for side in ("expectation", "perception"):
                    guest.check(f"input[name='sq.{item}.{side}'][value='7']")
            guest.tap("form.survey button[type=submit]")
            expect(guest.locator(".progress-label")).to_have_text("第 2 页，共 2 页")
            guest.check("input[name=nps][value='10']")
            guest.tap("form.survey button[type=submit]")
            expect(guest.locator("h1")).to_have_text("感谢您的反馈！")

            staff.reload()
            expect(staff.locator(".flags")).to_contain_text("Same answer to every item (straight-lining): 1")
            expect(staff.locator(".flags")).to_contain_text("Too fast (speeder): 1")
            expect(staff.locator(".nps")).to_contain_text("n = 10")  # the flagged response is left out
        finally:
            browser.close()
    responses = httpx.get(
        f"{live_server}/api/v1/surveys/{survey_id}/responses", headers=analyst.headers
    ).json()
    flagged = [r for r in responses if r["quality_flags"]][0]
    reasons = {f["flag"]: f["reason"] for f in flagged["quality_flags"]}
    assert reasons["straightlining"] == "sq: all 22 expectation items answered 7"
    assert "the median is 30" in reasons["speeder"]
