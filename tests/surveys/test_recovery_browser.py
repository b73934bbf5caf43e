"""The inner loop in a real browser, in Chinese: a guest answers the NPS survey on a phone as a
detractor and leaves an email; a follow-up case opens; a manager calls back from the case page
and resolves it; the guest gets the one-question re-survey by email, answers as a promoter;
the survey's page counts them recovered."""

import re
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.conftest import until
from tests.factories import make_account
from tests.web.test_browser import launch, live_server, phone, signed_in  # noqa: F401 - the fixture
from voxloop.jobs.executor import drain


def test_answer_case_call_back_resolve_resurvey_recovered_in_chinese(live_server, smtp):  # noqa: F811
    api = live_server + "/api/v1"
    manager = make_account(role="manager")
    survey = httpx.post(f"{api}/surveys", json={"template": "nps"}, headers=manager.headers).json()
    survey = httpx.post(f"{api}/surveys/{survey['id']}/publish", headers=manager.headers).json()

    with sync_playwright() as p:
        browser = launch(p)
        try:
            guest = phone(browser)
            guest.goto(f"{live_server}/s/{survey['key']}")
            guest.locator("input[name=nps][value='2']").check()
            guest.fill("textarea[name=why]", "空调坏了没人修")
            expect(guest.locator("body")).to_contain_text("我们可以联系您吗？（选填）")
            guest.fill("input[name='contact.name']", "王女士")
            guest.fill("input[name='contact.email']", "wang@example.com")
            guest.locator("form button[type=submit]").tap()
            expect(guest.locator("body")).to_contain_text("感谢您的反馈")

            drain()  # the outbox opens the follow-up case, triages and routes it
            [case] = httpx.get(f"{api}/feedback?channel=survey", headers=manager.headers).json()["items"]

            staff = signed_in(browser, live_server, manager.email, locale="zh-CN")
            staff.goto(f"{live_server}/feedback/{case['id']}")
            expect(staff.locator(".survey-origin")).to_contain_text("由问卷答卷")
            expect(staff.locator(".text").first).to_contain_text("空调坏了没人修")
            staff.fill(
                "form[action$='/reply'] textarea[name=text]", "王女士您好，空调已经修好了，给您添麻烦了。"
            )
            staff.click("form[action$='/reply'] button[type=submit]")
            expect(staff.locator(".timeline")).to_contain_text("空调已经修好了")
            for status in ("in_progress", "resolved"):
                staff.select_option("form[action$='/status'] select[name=to]", status)
                staff.click("form[action$='/status'] button[type=submit]")
                expect(
                    staff.locator("form[action$='/status'] select[name=to] option[value='" + status + "']")
                ).to_have_count(0)

            drain()  # the reply by email, then the re-survey
            mail = until(
                lambda: next(
                    (
                        m
                        for m in smtp.messages
                        if m["To"] == "wang@example.com" and m["Subject"] == "回访：再问您一个问题"
                    ),
                    None,
                )
            )
            link = re.search(r"https?://\S+/s/\S+", mail.get_body().get_content())
            assert link is not None
            parts = urlsplit(link.group(0))
            guest.goto(f"{live_server}{parts.path}?{parts.query}")
            expect(guest.locator("body")).to_contain_text("您有多大可能向朋友或同事推荐我们？")
            guest.locator("input[name=nps][value='9']").check()
            guest.locator("form button[type=submit]").tap()
            expect(guest.locator("body")).to_contain_text("感谢您的反馈")
            drain()
            assert (
                len(httpx.get(f"{api}/feedback?channel=survey", headers=manager.headers).json()["items"]) == 1
            )

            staff.goto(f"{live_server}/surveys/{survey['id']}")
            expect(staff.locator("dd.recovery_rate")).to_contain_text("100%")
            expect(staff.locator("dd.recovery_rate")).to_contain_text("n = 1")
            expect(staff.locator("dt[title]").filter(has_text="挽回率")).to_have_count(1)
        finally:
            browser.close()
