"""In Chromium: from the emerging-issue alert on the themes page to an initiative, an action,
and — four weeks later — the before/after test, the control chart and the verdict."""

from datetime import timedelta

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import PASSWORD, make_account
from tests.initiatives import scenario
from tests.initiatives.test_initiatives import T0
from tests.web.test_browser import TIMEOUT_MS, launch, live_server  # noqa: F401 - the fixture
from voxloop.jobs.executor import drain


def post(url, acct, items):  # type: ignore[no-untyped-def]
    for i in range(0, len(items), 500):
        r = httpx.post(
            f"{url}/api/v1/feedback/batch", json={"items": items[i : i + 500]}, headers=acct.headers
        )
        assert r.status_code == 200 and r.json()["failed"] == 0, r.text
    drain()


def test_an_alert_becomes_an_initiative_with_a_verdict(live_server, clock, tmp_path):  # noqa: F811
    manager = make_account(role="manager")
    clock.now = T0
    post(live_server, manager, scenario.items(T0 - timedelta(days=56), 56, 2, 2, "before"))
    httpx.post(f"{live_server}/api/v1/themes/discover", json={}, headers=manager.headers)
    drain()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_server}/login")
            page.fill("input[name=email]", manager.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.goto(f"{live_server}/reports/themes")
            start = (
                page.locator(".alerts article")
                .filter(has_text="无线网络")
                .first.locator("details.start-initiative")
            )
            start.locator("summary").click()
            start.locator("input[name=title]").fill("Fix the guest-room Wi-Fi")
            start.locator("input[name=cut]").fill("60")  # 50 % down to 20 %
            start.locator("input[name=deadline]").fill("2026-10-31")
            start.locator("button[type=submit]").click()
            expect(page.locator("h1")).to_have_text("Fix the guest-room Wi-Fi")
            expect(page.locator(".goal")).to_contain_text("from 50.0% (n = 112")
            expect(page.locator(".verdict mark")).to_have_text("not enough data yet")
            page.fill("form[action$='/actions'] input[name=title]", "Replace the routers at 西湖店")
            page.select_option("form[action$='/actions'] select[name=process_step]", "facilities")
            page.click("form[action$='/actions'] button[type=submit]")
            expect(page.locator("table.actions")).to_contain_text("Replace the routers at 西湖店")

            clock.now = T0 + timedelta(days=28)
            post(live_server, manager, scenario.items(T0, 28, 2, 10, "after"))
            page.reload()
            expect(page.locator(".after")).to_contain_text("8.9% (n = 56")
            expect(page.locator(".test")).to_contain_text("two-proportion z")
            expect(page.locator(".verdict mark")).to_have_text("achieved")
            expect(page.locator("#control-chart")).to_have_attribute("data-rendered", "yes")
            shot = page.screenshot(path=str(tmp_path / "initiative.png"), full_page=True)
            assert len(shot) > 10_000
            page.click("form[action$='/close'] button")
            expect(page.locator(".verdict")).to_contain_text("closed")
        finally:
            browser.close()
