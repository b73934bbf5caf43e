"""The dashboards' filters in Chromium: on a 390×844 phone they fold under "Filters" with a
line saying which are in force, so the first figure starts on the first screen; on a laptop
they show without a click. In English and Chinese; screenshots under test-results/dashboards/."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.analytics.test_volume_browser import hotline_calls
from tests.factories import make_account
from tests.web.test_browser import TIMEOUT_MS, launch, live_server, signed_in, watched  # noqa: F401

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "dashboards"
# Each dashboard, filtered to the hotline, and its first figure.
DASHBOARDS = {
    "scorecard": ("/reports/scorecard?channel=hotline", ".grid.scorecard .card"),
    "kpis": ("/reports/kpis?by=channel&days=60", "table.kpis"),
    "trends": ("/reports/trends?metric=complaint_rate&channel=hotline", "#trend-chart"),
    "volume": ("/reports/volume?group_by=type&channel=hotline", "#volume-chart"),
}
SUMMARY = {
    "en-US": {
        "scorecard": "Channel: ",
        "kpis": "By: Channel · Last days: 60",
        "trends": "week · ",
        "volume": "By: Type · ",
    },
    "zh-CN": {
        "scorecard": "渠道: ",
        "kpis": "按: 渠道 · 最近天数: 60",
        "trends": "周 · ",
        "volume": "按: 类型 · ",
    },
}


def first_screen(page: Page, figure: str) -> tuple[float, int, int, int]:
    """Where the first figure starts, the screen's height, the page's width and the screen's."""
    box = page.locator(figure).first.bounding_box()
    assert box is not None, f"{figure} is not shown"
    height, width, inner = page.evaluate(
        "[window.innerHeight, document.documentElement.scrollWidth, window.innerWidth]"
    )
    return box["y"], height, width, inner


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_dashboard_filters_fold_on_a_phone(live_server, settings_env, tmp_path, locale):  # noqa: F811
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    manager = make_account(role="manager")
    hotline_calls(live_server, manager.headers, days=(2, 10, 17, 40))
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            laptop = signed_in(browser, live_server, manager.email, locale=locale)
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale=locale
            )
            context.add_cookies(laptop.context.cookies())
            phone = watched(context.new_page(), problems)
            phone.set_default_timeout(TIMEOUT_MS)
            for name, (path, figure) in DASHBOARDS.items():
                phone.goto(f"{live_server}{path}")
                fold = phone.locator("form.filters details.filter-fold")
                summary = fold.locator("summary")
                expect(summary).to_be_visible()
                expect(summary.locator(".fold-label")).to_have_text(
                    "Filters" if locale == "en-US" else "筛选"
                )
                line = summary.locator(".fold-summary").inner_text()
                assert line.startswith(SUMMARY[locale][name]), (name, line)
                if "channel=hotline" in path:  # the channel as the form names it
                    channel = phone.locator("select[name=channel] option:checked").inner_text()
                    assert f": {channel}" in line, (name, line, channel)
                button = fold.locator("button[type=submit]")
                expect(button).to_be_hidden()
                top, height, width, inner = first_screen(phone, figure)
                assert top < height, f"{name}: the first figure starts at {top} px on a {height} px screen"
                assert width <= inner, f"{name} is {width} px wide on a {inner} px screen"
                phone.screenshot(path=str(SHOTS / f"{locale}-phone-{name}.png"))
                summary.tap()  # the fold opens without script
                expect(button).to_be_visible()
                phone.screenshot(path=str(SHOTS / f"{locale}-phone-{name}-open.png"), full_page=True)
                width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert width <= inner, f"{name} with its filters open is {width} px wide"

                # a laptop shows the fields without a click, and no fold to open
                laptop.goto(f"{live_server}{path}")
                expect(laptop.locator("form.filters details.filter-fold summary")).to_be_hidden()
                expect(laptop.locator("form.filters button[type=submit]")).to_be_visible()
                laptop.screenshot(path=str(SHOTS / f"{locale}-laptop-{name}.png"))
            assert not problems, problems
            assert phone.evaluate("window.__csp") == []
        finally:
            browser.close()
