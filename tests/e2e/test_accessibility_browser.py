"""axe-core (npm `axe-core`, installed into node_modules by `make install` and never served to
users) run in Chromium on every staff page of the served demo that the phone layout test visits,
in English on a 1366 px laptop and in Chinese on a 390 px phone: no serious or critical
violation of its rules (WCAG 2.x A/AA and its best practices)."""

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.conftest import Contexts, Served, sign_in
from tests.e2e.test_phone_layout_browser import ADMIN_PAGES, deeper_pages

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")
# axe's own default rule set; only what it finds serious or critical fails the test.
RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    target: v.nodes[0].target.join(' '), html: v.nodes[0].html.slice(0, 160)})))"""


def violations(page: Page, server: str, path: str, where: str) -> list[str]:
    """The serious and critical axe violations of `path`, one line each: where, which page, the
    rule, its impact, and the first offending element."""
    if path:
        response = page.goto(f"{server}{path}", timeout=60_000)  # a survey's analysis is slow
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        page.wait_for_load_state("load")
    # Evaluated by the browser's debugger, not a <script> of the page, so the pages' CSP does
    # not stand in its way.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN)
    return [
        f"{where} {path or page.url}: {v['id']} ({v['impact']}, {v['count']}×) {v['help']} — "
        f"{v['target']}: {v['html']}"
        for v in found
        if v["impact"] in SEVERE
    ]


def sign_in_fresh(context: BrowserContext, server: str, email: str, locale: str) -> Page:
    """Sign `email` in on the context's one page (closing any page the context had)."""
    for old in context.pages:
        old.close()
    return sign_in(context, server, email, locale)


# Each language and each size once (a run takes 1.5 minutes, most of it page loads): English
# on a laptop, Chinese on a phone, where most violations were found (tables that scroll).
@pytest.mark.parametrize(
    ("locale", "phone"), [("en", False), ("zh_CN", True)], ids=["en-desktop", "zh-phone"]
)
def test_staff_pages_have_no_serious_axe_violations(
    served: Served, contexts: Contexts, locale: str, phone: bool
) -> None:
    assert AXE.is_file(), f"{AXE} is missing: run make install"
    where = f"[{locale} {'390' if phone else '1366'} px]"
    deeper = deeper_pages(served)
    context = contexts(locale, phone=phone)
    page = context.new_page()
    problems = violations(page, served.url, "/login", where)
    page.close()
    page = sign_in_fresh(context, served.url, "admin@cloudhill.example", locale)
    for path in [*ADMIN_PAGES, *deeper]:
        problems += violations(page, served.url, path, where)
    if phone:  # the folded navigation, opened
        page.goto(f"{served.url}/inbox")
        page.locator("header details.menu summary").click()
        problems += violations(page, served.url, "", f"{where} menu open")
    # The agent's and the manager's views of the pages they share with the admin.
    for role, third in (("agent", "/surveys"), ("manager", "/reports/scorecard")):
        page = sign_in_fresh(context, served.url, f"{role}@cloudhill.example", locale)
        for path in ("/inbox", deeper[0], third):
            problems += violations(page, served.url, path, f"{where} {role}")
    assert not problems, f"{len(problems)} serious or critical violations:\n" + "\n".join(problems)
