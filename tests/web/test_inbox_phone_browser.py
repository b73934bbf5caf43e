"""The inbox's bulk actions on a 390×844 phone, in Chromium, in English and Chinese: folded
under one line so the first record starts on the first screen; ticking a row (by tap or by x)
opens the fold and says how many are chosen; without script it opens by hand; on a laptop they
show without a click. Screenshots under /tmp/shots_bulk/ to be looked at."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_account
from tests.web.test_browser import launch, live_server, phone_like, signed_in, watched  # noqa: F401

SHOTS = Path("/tmp/shots_bulk")
TEXTS = (
    "The lift on the east side stopped between floors this morning.",
    "Breakfast ran out of coffee cups before eight.",
    "The receipt printer at the front desk prints blank pages.",
    "前台的收据打印机打印出来是白纸。",
)
WORDS = {
    "en-US": {"fold": "Bulk actions", "one": "1 selected", "two": "2 selected"},
    "zh-CN": {"fold": "批量操作", "one": "已选 1 条", "two": "已选 2 条"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_bulk_actions_fold_on_a_phone(live_server, locale):  # noqa: F811 - the fixture
    acct = make_account(role="admin")
    for text in TEXTS:
        r = httpx.post(f"{live_server}/api/v1/feedback", json={"description": text}, headers=acct.headers)
        assert r.status_code == 201, r.text
    SHOTS.mkdir(parents=True, exist_ok=True)
    words = WORDS[locale]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            laptop = signed_in(browser, live_server, acct.email, locale=locale)
            phone = watched(phone_like(browser, laptop, locale), problems)
            phone.goto(f"{live_server}/inbox")

            fold = phone.locator("form.bulk details.bulk-fold")
            summary = fold.locator("summary")
            count = summary.locator(".fold-summary")
            select_all = phone.locator("form.bulk input.select-all")
            rows = phone.locator("table.inbox tbody tr")
            boxes = phone.locator("table.inbox tbody input[name=ids]")
            expect(rows).to_have_count(len(TEXTS))

            # folded: one line, the records on the first screen, nothing wider than the screen
            expect(summary.locator(".fold-label")).to_have_text(words["fold"])
            expect(fold).not_to_have_attribute("open", "")
            expect(select_all).to_be_hidden()
            expect(count).to_have_text("")
            first = rows.first.bounding_box()
            height, width, inner = phone.evaluate(
                "[window.innerHeight, document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert first is not None
            assert first["y"] < 0.6 * height, f"the first record starts at {first['y']} px of {height}"
            assert width <= inner, f"the inbox is {width} px wide on a {inner} px screen"
            phone.screenshot(path=str(SHOTS / f"{locale}-phone-folded.png"))

            # ticking a row opens the fold, which says how many are chosen
            boxes.nth(0).tap()
            expect(boxes.nth(0)).to_be_checked()
            expect(fold).to_have_attribute("open", "")
            expect(select_all).to_be_visible()
            expect(count).to_have_text(words["one"])
            # ... and x on the highlighted row still ticks it, and counts it
            phone.locator("h1").click()
            phone.keyboard.press("j")
            phone.keyboard.press("j")
            phone.keyboard.press("x")
            expect(boxes.nth(1)).to_be_checked()
            expect(count).to_have_text(words["two"])
            assert select_all.evaluate("box => box.indeterminate") is True
            width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner, f"the inbox with its bulk actions open is {width} px wide"
            phone.evaluate("window.scrollTo(0, 0)")
            phone.screenshot(path=str(SHOTS / f"{locale}-phone-open.png"))

            # the bulk form still acts: the two chosen records assigned to me
            phone.locator("form.bulk button[value=assign]").tap()
            expect(phone.locator("p.bulk-notice")).to_have_text(
                "2 assigned" if locale == "en-US" else "已分配 2 条"
            )

            # without script the fold opens by hand
            plain = phone_like(browser, laptop, locale, script=False)
            plain.goto(f"{live_server}/inbox")
            expect(plain.locator("form.bulk input.select-all")).to_be_hidden()
            plain.locator("form.bulk details.bulk-fold summary").tap()
            expect(plain.locator("form.bulk input.select-all")).to_be_visible()
            expect(plain.locator("form.bulk button[value=assign]")).to_be_visible()

            # a laptop shows the actions without a click, and no fold to open
            laptop.goto(f"{live_server}/inbox")
            expect(laptop.locator("form.bulk details.bulk-fold summary")).to_be_hidden()
            expect(laptop.locator("form.bulk input.select-all")).to_be_visible()
            expect(laptop.locator("form.bulk button[value=assign]")).to_be_visible()
            laptop.screenshot(path=str(SHOTS / f"{locale}-laptop.png"))
            assert not problems, problems
            assert phone.evaluate("window.__csp") == []
        finally:
            browser.close()
