"""The feedback volume dashboard in Chromium: weekly records by type from the analytics store,
the complaint-rate p-chart, and a bar opening the inbox filtered to its records."""

import re
from datetime import timedelta

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_account
from tests.web.test_browser import launch, live_server, signed_in  # noqa: F401 - the fixture
from voxloop.analytics import store
from voxloop.common.time import utcnow
from voxloop.db import session_scope
from voxloop.jobs.executor import drain


def hotline_calls(server: str, headers: dict[str, str], days: tuple[int, ...] = (2, 3, 10, 17)) -> None:
    """A complaint and a praise by hotline so many days ago each, triaged and in the store."""
    now = utcnow()
    items = [
        {"description": text, "channel": "hotline", "received_at": (now - timedelta(days=n)).isoformat()}
        for n in days
        for text in ("空调坏了，一直没人修，太差了", "前台服务非常好，谢谢")
    ]
    r = httpx.post(f"{server}/api/v1/feedback/batch", json={"items": items}, headers=headers)
    assert r.status_code == 200, r.text
    drain()
    with session_scope(readonly=True) as db:
        store.sync(db)


def test_volume_by_type_drills_down_to_the_inbox(live_server, settings_env, tmp_path):  # noqa: F811
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    manager = make_account(role="manager")
    hotline_calls(live_server, manager.headers)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, manager.email, locale="en-US")
            page.goto(f"{live_server}/reports/volume?group_by=type")
            expect(page.locator("#volume-chart")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("#p-chart")).to_have_attribute("data-rendered", "yes")
            totals = page.locator("table.totals")
            expect(totals).to_contain_text("Complaint")  # named, not the stored value
            expect(totals.locator("tr", has_text="Complaint")).to_contain_text("4")
            page.screenshot(path=str(tmp_path / "volume.png"), full_page=True)
            point = page.evaluate(
                """() => {
                  const el = document.getElementById("volume-chart");
                  el.scrollIntoView();
                  const weeks = JSON.parse(el.dataset.weeks), series = JSON.parse(el.dataset.series);
                  const i = series.complaint.findIndex((n) => n > 0);
                  const chart = echarts.getInstanceByDom(el);
                  const middle = [weeks[i], series.complaint[i] / 2];
                  const [x, y] = chart.convertToPixel({seriesId: "complaint"}, middle);
                  const r = el.getBoundingClientRect();
                  return [r.left + x, r.top + y];
                }"""
            )
            page.mouse.click(point[0], point[1])
            expect(page).to_have_url(re.compile(r"/inbox\?.*type=complaint"))
            rows = page.locator("table.striped tbody tr")
            expect(rows.first).to_contain_text("空调坏了")
            expect(page.locator("table.striped")).not_to_contain_text("前台服务非常好")

            chinese = signed_in(browser, live_server, manager.email, locale="zh-CN")
            chinese.goto(f"{live_server}/reports/volume?group_by=type")
            expect(chinese.locator("article header").first).to_contain_text("按类型")
            expect(chinese.locator("table.totals")).to_contain_text("投诉")
            expect(chinese.locator("table.totals")).not_to_contain_text("complaint")
        finally:
            browser.close()


def test_the_complaint_rate_trend_against_its_target_with_its_control_chart(
    live_server,  # noqa: F811
    settings_env,
    tmp_path,
):
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    manager = make_account(role="admin")
    r = httpx.put(
        f"{live_server}/api/v1/analytics/targets", json={"complaint_rate": 0.3}, headers=manager.headers
    )
    assert r.status_code == 200
    now = utcnow()
    items = [
        {
            "description": text,
            "channel": "hotline",
            "received_at": (now - timedelta(weeks=weeks, days=1)).isoformat(),
        }
        for weeks in range(6)
        for text in ["空调坏了，一直没人修，太差了"] * (1 + weeks % 2) + ["前台服务非常好，谢谢"] * 2
    ]
    r = httpx.post(f"{live_server}/api/v1/feedback/batch", json={"items": items}, headers=manager.headers)
    assert r.status_code == 200
    drain()
    with session_scope(readonly=True) as db:
        store.sync(db)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, manager.email, locale="zh-CN")
            page.goto(f"{live_server}/reports/trends?metric=complaint_rate&period=week")
            expect(page.locator("#trend-chart")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("#control-chart")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("strong.goal")).to_have_text("30.0%")
            rows = page.locator("table.trend-rows tbody tr")
            expect(rows).to_have_count(6)
            expect(page.locator(".in-control")).to_be_visible()
            page.screenshot(path=str(tmp_path / "trends.png"), full_page=True)
            legends = page.evaluate(
                """() => ["trend-chart", "control-chart"].map((id) => echarts
                  .getInstanceByDom(document.getElementById(id)).getOption().series.map((s) => s.name))"""
            )
            assert legends[0][1:] == ["置信区间", "数值", "目标"] and legends[1] == [
                "比例",
                "中心线",
                "控制上限",
                "控制下限",
            ]
            rows.first.locator("a").click()
            expect(page).to_have_url(re.compile(r"/inbox\?.*type=complaint"))
            expect(page.locator("table.striped tbody tr").first).to_contain_text("空调坏了")
            expect(page.locator("table.striped")).not_to_contain_text("前台服务非常好")

        finally:
            browser.close()
