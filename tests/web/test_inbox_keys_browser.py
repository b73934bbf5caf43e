"""The inbox's keyboard shortcuts, "select all" and bulk form in a real browser (Chromium),
under the site's Content-Security-Policy (the script is a static file, no inline script)."""

import re

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_account
from tests.web.test_browser import launch, live_server, signed_in, watched  # noqa: F401 - the fixture

TEXTS = (
    "The lift on the east side stopped between floors this morning.",
    "Breakfast ran out of coffee cups before eight.",
    "The receipt printer at the front desk prints blank pages.",
)


def test_shortcuts_select_all_and_a_bulk_assignment(live_server):  # noqa: F811 - the fixture
    acct = make_account(role="admin")
    ids = []
    for text in TEXTS:
        r = httpx.post(f"{live_server}/api/v1/feedback", json={"description": text}, headers=acct.headers)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    newest_first = ids[::-1]

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, acct.email)
            problems: list[str] = []
            watched(page, problems)
            expect(page).to_have_url(f"{live_server}/inbox")
            expect(page.locator("p.keys")).to_contain_text("Keyboard: j/k")
            rows = page.locator("table.inbox tbody tr")
            expect(rows).to_have_count(3)
            boxes = page.locator("table.inbox tbody input[name=ids]")
            select_all = page.locator("input.select-all")

            # j/k move the highlighted row
            page.keyboard.press("j")
            expect(rows.nth(0)).to_have_class("current")
            page.keyboard.press("j")
            page.keyboard.press("j")
            page.keyboard.press("j")  # stays on the last row
            expect(rows.nth(2)).to_have_class("current")
            expect(rows.nth(0)).not_to_have_class("current")
            page.keyboard.press("k")
            expect(rows.nth(1)).to_have_class("current")

            # x ticks the highlighted row's box; "select all" shows it is partly chosen
            page.keyboard.press("x")
            expect(boxes.nth(1)).to_be_checked()
            expect(boxes.nth(0)).not_to_be_checked()
            assert select_all.evaluate("box => box.indeterminate") is True
            select_all.check()
            for i in range(3):
                expect(boxes.nth(i)).to_be_checked()
            select_all.uncheck()
            for i in range(3):
                expect(boxes.nth(i)).not_to_be_checked()

            # / goes to the search box, and typing there moves nothing and ticks nothing
            page.keyboard.press("/")
            search = page.locator("form.filters input[name=q]")
            expect(search).to_be_focused()
            page.keyboard.type("jx")
            expect(search).to_have_value("jx")
            expect(rows.nth(1)).to_have_class("current")
            expect(boxes.nth(1)).not_to_be_checked()
            search.fill("")

            # x on two rows, then the bulk form: assigned to me, with the notice
            page.locator("h1").click()
            page.keyboard.press("k")  # row 0
            page.keyboard.press("x")
            page.keyboard.press("j")
            page.keyboard.press("j")  # row 2
            page.keyboard.press("x")
            page.locator("form.bulk button[value=assign]").click()
            expect(page).to_have_url(f"{live_server}/inbox")
            expect(page.locator("p.bulk-notice")).to_have_text("2 assigned")
            owners = page.locator("table.inbox tbody td.owner")
            expect(owners.nth(1)).to_have_text("Unassigned")
            expect(owners.nth(0)).not_to_have_text("Unassigned")
            expect(owners.nth(2)).not_to_have_text("Unassigned")

            # o opens the highlighted record
            page.keyboard.press("j")
            page.keyboard.press("j")
            page.keyboard.press("o")
            expect(page).to_have_url(f"{live_server}/feedback/{newest_first[1]}")
            # and so does Enter
            page.goto(f"{live_server}/inbox")
            page.keyboard.press("j")
            page.keyboard.press("Enter")
            expect(page).to_have_url(f"{live_server}/feedback/{newest_first[0]}")
            assert not [m for m in problems if re.search("Content Security Policy|Refused", m)], problems
            assert problems == []
        finally:
            browser.close()
