"""The triage rules table on a laptop screen in Chinese, in Chromium: each rule's Delete button
keeps its words on one line however long the rule's conditions are."""

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.factories import make_account
from tests.web.test_browser import launch, live_server, signed_in  # noqa: F401 - the fixture

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_the_delete_buttons_of_the_rules_keep_to_one_line_in_chinese_at_1366(live_server):  # noqa: F811
    admin = make_account(role="admin")  # a new organization comes with the default rules
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = signed_in(browser, live_server, admin.email, locale="zh-CN", height=900)
        page.set_viewport_size({"width": 1366, "height": 900})
        page.wait_for_url(f"{live_server}/inbox")
        page.goto(f"{live_server}/admin/triage")
        page.screenshot(path=str(SHOTS / "triage-rules-zh-1366.png"), full_page=True)
        buttons = page.locator("table.triage-rules form[action$='/delete'] button")
        assert buttons.count() >= 3
        # one line: every piece of the button's text is set at the same height
        sizes = buttons.evaluate_all(
            """bs => bs.map(b => {
                 const range = document.createRange(); range.selectNodeContents(b);
                 const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                 return [b.textContent.trim(), lines.size];
               })"""
        )
        browser.close()
    assert all(text == "删除" for text, _ in sizes), sizes
    assert all(lines == 1 for _, lines in sizes), sizes
