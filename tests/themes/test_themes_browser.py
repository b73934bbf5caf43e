"""The themes dashboard in Chromium, in Chinese: the emerging-issue alert, the common problem
marked, the trend chart drawn (a screenshot is taken), and the drill-down to the records."""

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import PASSWORD, make_account
from tests.themes import scenario
from tests.web.test_browser import TIMEOUT_MS, launch, live_server  # noqa: F401 - the fixture
from voxloop.jobs.executor import drain


def test_themes_page_shows_the_alert_the_common_problem_and_its_records(live_server, tmp_path):  # noqa: F811
    manager = make_account(role="manager")
    r = httpx.post(
        f"{live_server}/api/v1/feedback/batch", json={"items": scenario.items()}, headers=manager.headers
    )
    assert r.status_code == 200, r.text
    drain()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_server}/login")
            page.fill("input[name=email]", manager.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.goto(f"{live_server}/reports/themes")
            expect(page.locator("h1")).to_have_text("主题与共性问题")
            page.click("form[action='/reports/themes/discover'] button")
            drain()
            page.goto(f"{live_server}/reports/themes")
            expect(page.locator(".alerts article")).to_have_count(1)
            expect(page.locator(".alerts")).to_contain_text("6 条记录，来自 6 位客户、3 家门店")
            common = page.locator("tr.scope-common")
            expect(common).to_have_count(1)
            expect(common.locator("mark")).to_have_text("共性问题")
            expect(page.locator("tr.scope-individual")).to_contain_text("个性问题")
            expect(page.locator("#themes-chart")).to_have_attribute("data-rendered", "yes")
            shot = page.screenshot(path=str(tmp_path / "themes.png"), full_page=True)
            assert len(shot) > 10_000
            common.locator("td a").first.click()
            expect(page.locator("table tbody tr")).to_have_count(6)
            expect(page.locator("table")).to_contain_text(scenario.WIFI[0])
            page.goto(f"{live_server}/reports/themes")
            page.click(".alerts form[action$='/acknowledge'] button")
            expect(page.locator(".alerts")).to_have_count(0)
        finally:
            browser.close()
