"""The record page's "Use a template" in a real browser (Chromium), under the site's
Content-Security-Policy: choosing a template fills the reply in at once, without reloading the
page (the script is a static file), and the reply goes out through the ordinary form."""

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_account
from tests.web.test_browser import launch, live_server, signed_in, watched  # noqa: F401 - the fixture


def test_choosing_a_template_fills_the_reply_without_reloading(live_server):  # noqa: F811 - the fixture
    admin = make_account(role="admin")
    agent = make_account(role="agent", org_slug=admin.org_slug)
    api = httpx.Client(base_url=live_server, headers=admin.headers)
    for name, zh, en in (
        ("Received", "{name}您好，您的反馈 {code} 已收到。", "Dear {name}, we received {code}."),
        ("Engineer", "{name}您好，工程师正在前往您的房间。", "An engineer is on the way, {name}."),
    ):
        r = api.post("/api/v1/reply-templates", json={"name": name, "text_zh": zh, "text_en": en})
        assert r.status_code == 201, r.text
    r = api.post(
        "/api/v1/feedback",
        json={"description": "房间空调不制冷", "language": "zh", "customer": {"name": "李雷"}},
    )
    assert r.status_code == 201, r.text
    record = r.json()
    api.close()

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, agent.email)
            problems: list[str] = []
            watched(page, problems)
            page.goto(f"{live_server}/feedback/{record['id']}")
            page.evaluate("window.notReloaded = true")
            reply = page.locator("#reply-text")
            expect(reply).to_have_value("")
            # with script the select acts at once: its reload button is hidden
            expect(page.locator("form.reply-template button[type=submit]")).to_be_hidden()

            page.select_option("form.reply-template select", label="Received")
            expect(reply).to_have_value(f"李雷您好，您的反馈 {record['tracking_code']} 已收到。")
            page.select_option("form.reply-template select", label="Engineer")
            expect(reply).to_have_value("李雷您好，工程师正在前往您的房间。")
            assert page.evaluate("window.notReloaded") is True
            expect(page).to_have_url(f"{live_server}/feedback/{record['id']}")

            page.locator("form[action$='/reply'] button[type=submit]").click()
            expect(page.locator("blockquote.text", has_text="工程师正在前往您的房间")).to_be_visible()
            assert problems == []
        finally:
            browser.close()
