"""The executive scorecard in Chromium: real numbers with their n and intervals, the change
against last month with its test, and the NPS chart drawn (a screenshot is taken)."""

from datetime import UTC, datetime

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.factories import PASSWORD, make_account
from tests.web.test_browser import TIMEOUT_MS, launch, live_server  # noqa: F401 - the fixture
from voxloop.analytics import store
from voxloop.db import session_scope


def test_scorecard_shows_nps_with_ci_and_a_significant_drop(live_server, clock, settings_env, tmp_path):  # noqa: F811
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    manager = make_account(role="manager")
    survey = httpx.post(
        f"{live_server}/api/v1/surveys", json={"template": "nps"}, headers=manager.headers
    ).json()
    key = httpx.post(f"{live_server}/api/v1/surveys/{survey['id']}/publish", headers=manager.headers).json()[
        "key"
    ]
    for month, scores in ((10, [10] * 30 + [8] * 10 + [3] * 10), (11, [10] * 10 + [8] * 10 + [2] * 30)):
        clock.now = datetime(2026, month, 5, 10, tzinfo=UTC)
        for n, score in enumerate(scores):
            r = httpx.post(
                f"{live_server}/api/v1/public/surveys/{key}/responses",
                json={"language": "en", "answers": {"nps": score}},
                headers={"User-Agent": f"{month}-{n}"},
            )
            assert r.status_code == 201, r.text
    with session_scope(readonly=True) as db:
        store.sync(db)
    clock.now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_server}/login")
            page.fill("input[name=email]", manager.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.goto(f"{live_server}/reports/scorecard")
            card = page.locator(".card-nps")
            expect(card.locator(".value")).to_have_text("-40.0")
            expect(card).to_contain_text("n = 50")
            # Rocks' adjusted Wald: (10.75 - 30.75) / 53 +/- 1.96 * sqrt((41.5 / 53 - 0.377^2) / 53)
            expect(card).to_contain_text("95% CI -59.3 – -16.2")
            expect(card).to_contain_text("Last month +40.0")
            expect(card.locator("mark")).to_contain_text("significant change")
            expect(card.locator("mark")).to_contain_text("(p < 0.001)")  # never "p = 0.000"
            expect(page.locator("#nps-chart")).to_have_attribute("data-rendered", "yes")
            expect(page.locator("#nps-chart canvas")).to_have_count(1)
            shot = page.screenshot(path=str(tmp_path / "scorecard.png"), full_page=True)
            assert len(shot) > 10_000
            expect(page.locator(".card-csat")).to_contain_text("No data this month yet.")
        finally:
            browser.close()
