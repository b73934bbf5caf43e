"""An agent works a case in place in a real browser (Chromium, htmx from node_modules, under the
site's Content-Security-Policy): filters the inbox, opens a record, assigns it, changes its
status and corrects its type with one click, and the page never loads again (a mark left on
the window survives), in English and in Chinese, with no console error and no CSP refusal."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_account
from tests.web.test_browser import launch, live_server, signed_in, watched  # noqa: F401 - the fixture
from tests.web.test_pages import create
from tests.web.test_triage_pages import AIRCON
from voxloop.jobs.executor import drain

PRAISE = "The breakfast staff were wonderful, thank you!"
# What each language's page says once the case is in progress and the type is a suggestion.
SAYS = {
    "en-US": {"status": "In progress", "event": "Status changed", "type": "Suggestion"},
    "zh-CN": {"status": "处理中", "event": "状态变更", "type": "建议"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_agent_filters_assigns_moves_and_corrects_a_case_without_a_page_load(live_server, client, locale):  # noqa: F811
    says = SAYS[locale]
    admin = make_account()
    agent = make_account(role="agent", org_slug=admin.org_slug)
    complaint = create(client, admin, description=AIRCON)["id"]
    create(client, admin, description=PRAISE)
    drain()  # the triage job: the records get their types

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, agent.email, locale=locale)
            problems: list[str] = []
            watched(page, problems)
            expect(page).to_have_url(f"{live_server}/inbox")
            rows = page.locator("table.inbox tbody tr")
            expect(rows).to_have_count(2)

            # the filter swaps the table in and puts the filter in the address
            page.evaluate("window.__kept = 'inbox'")
            page.select_option("form.filters select[name=type]", "complaint")
            page.locator("form.filters button[type=submit]").click()
            expect(page).to_have_url(re.compile(r"/inbox\?.*type=complaint"))
            expect(rows).to_have_count(1)
            expect(page.locator("nav.quick a.quick-mine")).to_have_attribute(
                "href", re.compile("type=complaint")
            )
            assert page.evaluate("window.__kept") == "inbox"

            rows.first.locator(f'a[href="/feedback/{complaint}"]').first.click()
            expect(page).to_have_url(f"{live_server}/feedback/{complaint}")
            page.evaluate("window.__kept = 'record'")

            # assign to oneself
            assign = page.locator('#record-case form[action$="/assignment"]')
            page.locator('#record-case details:has(form[action$="/assignment"]) > summary').click()
            assign.locator("select[name=assignee_id]").select_option(str(agent.user_id))
            assign.locator("button[type=submit]").click()
            expect(page.locator("#record-case dd.case-assignee")).to_have_text(re.compile(r"User \d+"))

            # change the status: the heading and the timeline say so at once
            page.select_option("#record-status select[name=to]", "in_progress")
            page.locator("#record-status button[type=submit]").click()
            expect(page.locator("#record-summary hgroup p")).to_contain_text(says["status"])
            expect(page.locator("#record-timeline")).to_contain_text(says["event"])

            # one click on another type
            page.locator('form.one-click button[value="suggestion"]').click()
            expect(page.locator("dd.triage-type")).to_have_text(says["type"])
            expect(page.locator("small.confidence-person")).to_be_visible()
            expect(page.locator('form.one-click button[value="complaint"]')).to_be_visible()
            expect(page.locator("#record-adopt form")).to_be_visible()  # a suggestion may be adopted

            assert page.evaluate("window.__kept") == "record"  # no page load since it opened
            expect(page).to_have_url(f"{live_server}/feedback/{complaint}")
            assert page.evaluate("window.__csp") == []
            assert problems == []
        finally:
            browser.close()

    body = client.get(f"/api/v1/feedback/{complaint}", headers=admin.headers).json()
    assert body["assignee"]["id"] == agent.user_id
    assert (body["status"], body["type"]) == ("in_progress", "suggestion")
