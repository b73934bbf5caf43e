"""S2 on a phone: the front-office agent of the Shanghai Bund hotel takes a hotline call from an
English-speaking guest about a wrong charge, Friday 17:40, and records it on her 390×844 phone
in Chinese, the staff's language; routed to Front Office under the complaint commitment
(4 working hours to resolve), the deadline lands on the next working day. Nobody acts: the
breach is escalated to the head of Front Office and the remedies are opened; the agent carries
them out from the case page on her phone, the guest gets the apology and the voucher in English,
and the manager reads the breach, the compliance and who is overloaded on the SLA page, on his
phone too. Every page fits the screen, and none logs an error.

As in test_s2_hotline_late_case_browser.py, the call was taken more than a week ago, so the
served Voxloop's sweep finds its deadline passed."""

import re
from datetime import datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Contexts, Served, sign_in, text_of, until
from tests.e2e.test_s2_hotline_late_case_browser import (
    SHANGHAI,
    WORDS,
    a_friday_evening,
    breached_with_remedies,
    carry_out_remedies,
    clock_of,
    record_call,
)
from tests.web.test_browser import watched
from voxloop.commitments.service import working_time
from voxloop.feedback.models import Feedback

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
CALL = (
    "Hotline, phone app: the guest was charged twice for the same night when she checked out "
    "and asks for the second charge to be refunded to her card."
)
GUEST = "olivia.phone@guest.example.com"
ZH = WORDS["zh_CN"]


def looked_at(page: Page, name: str) -> None:
    """The page fits the phone's screen; a screenshot of it is kept."""
    page.wait_for_load_state("load")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide on a {inner} px screen"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"s2-phone-{name}.png"), full_page=True)


def from_menu(page: Page, href: str) -> None:
    """Open the ☰ menu and tap one of its links, as a person on a phone gets anywhere."""
    menu = page.locator("header details.menu")
    menu.locator("summary").tap()
    menu.locator(f"a[href='{href}']").tap()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def test_s2_on_a_phone(served: Served, contexts: Contexts) -> None:
    problems: list[str] = []
    taken = a_friday_evening(datetime.now(SHANGHAI).date())

    # 1. The agent records the call from the menu, with the time it was taken.
    agent = watched(
        sign_in(contexts("zh_CN", phone=True), served.url, "agent@cloudhill.example", "zh_CN"), problems
    )
    agent.reload()
    looked_at(agent, "1-inbox")
    from_menu(agent, "/feedback/new")
    record_call(agent, taken, CALL, "Olivia Brown", GUEST)
    looked_at(agent, "1-form")
    agent.locator("form[action='/feedback/new'] button[type=submit]").tap()
    expect(agent.locator(".notice")).to_be_visible()
    code = agent.locator("h1").inner_text().split()[-1]
    looked_at(agent, "1-recorded")

    # 2. Routed to Front Office under the complaint commitment: 4 working hours to resolve from
    # Friday 17:40, so the deadline is on the next working day. (Run alone, the served demo's
    # first round of scheduled jobs, themes and reports, comes before the call's triage.)
    started = until(
        lambda: clock_of(served, Feedback.description == CALL), 300, "the case's commitment clock"
    )
    assert started.resolution_due is not None and started.started_work is not None
    assert started.resolution_due - started.started_work == 4 * 3600  # working seconds
    with served.db() as db:
        due = working_time(db, started.calendar_id).wall(started.resolution_due).astimezone(SHANGHAI)
    # 20 minutes of Friday's office hours, the rest on the next working day: Monday, unless
    # the calendar says otherwise
    assert due.date() > taken.date() and due.weekday() < 5, due

    # 3. Nobody acts: the breach is escalated to the head of Front Office, the remedies are
    # opened. The agent finds the case in her inbox, breached, and opens it.
    served.mail_to("frontoffice@cloudhill.example", code)
    from_menu(agent, "/inbox")
    agent.locator("form.filters input[name=q]").fill("charged twice")
    agent.locator("form.filters input[name=q]").press("Enter")
    row = agent.locator("table.inbox tr", has_text="charged twice for the same night")
    expect(row.locator(".countdown-breached")).to_be_visible()
    looked_at(agent, "3-inbox")
    row.locator("a[href^='/feedback/']").first.tap()
    expect(agent.locator("h1")).to_contain_text(code)
    expect(agent.locator(".case-department")).to_have_text(ZH["department"])
    expect(agent.locator(".case-commitment")).to_have_text(ZH["commitment"])
    breached_with_remedies(agent, ZH)
    looked_at(agent, "3-breached")

    # She carries the remedies out on her phone: each approved, then delivered.
    carry_out_remedies(agent, ZH)
    # The guest speaks English: the apology and the voucher come in English.
    assert "Our apologies" in str(served.mail_to(GUEST, "We are sorry")["Subject"])
    assert "CNY 200" in text_of(served.mail_to(GUEST, "To make up for the trouble"))
    agent.reload()
    expect(agent.locator(".timeline")).to_contain_text(ZH["remedy_sent"])
    looked_at(agent, "3-remedies")
    owner = agent.locator(".case-assignee").inner_text()

    # 4. The manager, on his phone: the breach, the compliance, who is overloaded.
    manager = watched(
        sign_in(contexts("zh_CN", phone=True), served.url, "manager@cloudhill.example", "zh_CN"), problems
    )
    manager.reload()
    from_menu(manager, "/reports/sla")
    expect(manager.locator("#breached")).to_contain_text(code)
    # on the screen, not in a column scrolled out of sight: whose the case is, and who is overloaded
    late = manager.locator("#breached tr", has_text=code)
    late.scroll_into_view_if_needed()
    expect(late.locator("td", has_text=owner)).to_be_in_viewport()
    expect(manager.locator("#compliance")).to_contain_text(ZH["commitment"])
    expect(manager.locator("#compliance")).to_contain_text(re.compile(r"\d+%"))
    busy = manager.locator("#workload tr", has_text=owner)
    busy.scroll_into_view_if_needed()
    expect(busy.get_by_text(ZH["overloaded"])).to_be_in_viewport()
    looked_at(manager, "4-sla")

    assert not problems, problems
    for page in (agent, manager):
        assert page.evaluate("window.__csp") == [], page.url
