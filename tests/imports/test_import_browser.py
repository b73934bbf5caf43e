"""An import's page in Chromium while the import is written in the background: the progress
bar follows it, and the page shows the report once it is over."""

from playwright.sync_api import expect, sync_playwright

from tests.factories import make_account
from tests.imports.test_pages import queued_run
from tests.web.test_browser import launch, live_server, signed_in  # noqa: F401 - the fixture
from voxloop.jobs.executor import drain


def test_the_progress_bar_follows_a_background_import_to_its_report(live_server, tmp_path):  # noqa: F811
    manager = make_account(role="manager")
    rows = [{"时间": "2026-10-01 09:30", "内容": f"第{i}位客人：早餐很好吃"} for i in range(30)]
    run_id = queued_run(manager, rows, "reviews.csv")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, manager.email, locale="zh-CN")
            page.goto(f"{live_server}/imports/runs/{run_id}")
            bar = page.locator("#import-progress progress")
            expect(bar).to_have_attribute("max", "30")
            expect(page.locator("#import-progress")).to_contain_text("0 / 30 行已处理")
            expect(page.locator("#import-progress")).to_contain_text("正在后台导入")
            drain()  # the outbox writes the import
            expect(page.locator("#import-progress")).to_have_count(0, timeout=15_000)  # reloaded
            expect(page.locator("table.run-counts .run-created")).to_have_text("30")
            page.screenshot(path=str(tmp_path / "import.png"), full_page=True)
        finally:
            browser.close()
