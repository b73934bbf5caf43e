"""The survey analysis page in Chromium: distributions, drivers and the IPA quadrant drawn, and
a bar that opens the responses behind it, and a metric compared between branches."""

import httpx
import numpy as np
from playwright.sync_api import expect, sync_playwright

from tests.analytics.test_survey_analysis import ROWS
from tests.factories import PASSWORD, make_account
from tests.web.test_browser import TIMEOUT_MS, launch, live_server  # noqa: F401 - the fixture


def test_analysis_charts_and_drill_down(live_server, tmp_path):  # noqa: F811
    analyst = make_account(role="analyst")
    survey = httpx.post(
        f"{live_server}/api/v1/surveys", json={"template": "service_satisfaction"}, headers=analyst.headers
    ).json()
    key = httpx.post(f"{live_server}/api/v1/surveys/{survey['id']}/publish", headers=analyst.headers).json()[
        "key"
    ]
    rng = np.random.default_rng(3)
    for n in range(40):
        level = int(rng.integers(1, 6))
        dims = {r: int(np.clip(level + rng.integers(-1, 2), 1, 5)) for r in ROWS}
        body = {
            "language": "zh",
            "hidden": {"branch": "西湖店" if n % 2 else "外滩店"},
            "answers": {"dims": dims, "attention": 2, "csat": max(1, min(5, level)), "nps": 2 * level},
        }
        r = httpx.post(
            f"{live_server}/api/v1/public/surveys/{key}/responses", json=body, headers={"User-Agent": f"r{n}"}
        )
        assert r.status_code == 201, r.text
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_server}/login")
            page.fill("input[name=email]", analyst.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.goto(f"{live_server}/surveys/{survey['id']}")
            page.click("article.results header a")
            expect(page.locator("h1")).to_have_text("Analysis")
            expect(page.locator("#dist-csat")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("#drivers-chart")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("#ipa-chart")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("table.indicators")).to_contain_text("nps")
            # drivers and IPA items with n and intervals, as tables a person can read
            expect(page.locator("table.drivers tbody tr")).to_have_count(len(ROWS))
            expect(page.locator("table.drivers tbody tr").first).to_contain_text(" – ")
            # the chart draws each driver's interval over its bar, from the same figures
            drawn = page.evaluate(
                """() => echarts.getInstanceByDom(document.getElementById("drivers-chart"))
                    .getOption().series[1].data"""
            )
            assert len(drawn) == len(ROWS) and all(low <= high for _, low, high in drawn)
            expect(page.locator("table.ipa thead")).to_contain_text("Performance")
            n = page.locator("table.indicators tbody tr").first.locator("td").last.inner_text()
            expect(page.locator("table.ipa tbody tr").first.locator("td").last).to_have_text(n)  # n kept
            page.screenshot(path=str(tmp_path / "analysis.png"), full_page=True)
            # the middle of the tallest bar, in page pixels
            point = page.evaluate(
                """() => {
                  const el = document.getElementById("dist-csat");
                  const counts = JSON.parse(el.dataset.counts);
                  const top = Object.keys(counts).reduce((a, b) => (counts[a] >= counts[b] ? a : b));
                  const chart = echarts.getInstanceByDom(el);
                  const [x, y] = chart.convertToPixel({seriesIndex: 0}, [top, counts[top] / 2]);
                  const r = el.getBoundingClientRect();
                  return [r.left + x, r.top + y + window.scrollY, top];
                }"""
            )
            page.mouse.click(point[0], point[1] - page.evaluate("window.scrollY"))
            expect(page.locator("h1")).to_contain_text(f"csat = {point[2]}")
            expect(page.locator("table.responses tbody tr").first).to_be_visible()
            # compare the CSAT mean between the two branches
            page.go_back()
            page.select_option("#compare select[name=metric]", "csat")
            page.select_option("#compare select[name=by]", "branch")
            page.click("#compare button[type=submit]")
            expect(page.locator("table.comparison tbody tr")).to_have_count(2)
            expect(page.locator("table.comparison")).to_contain_text("西湖店")
            expect(page.locator("table.pairs")).to_contain_text("外滩店 − 西湖店")
            expect(page.locator("p.omnibus")).to_contain_text("Welch's ANOVA")
        finally:
            browser.close()
