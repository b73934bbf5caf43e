"""Every staff page on a 390×844 phone, in English and Chinese, in Chromium, on the served demo
(the end-to-end scenarios' one): nothing is wider than the screen, the navigation folds into a
menu, and no placeholder leaks into the text; on a laptop the navigation is a sidebar grouped
by job. Screenshots of each page are kept under
test-results/phone/ to be looked at."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import PHONE, Contexts, Served, sign_in
from voxloop.accounts.models import Role
from voxloop.commitments import clocks, remedies
from voxloop.commitments.calendar import WEEKDAYS
from voxloop.customers.models import Customer
from voxloop.feedback.models import DEFAULT_CHANNELS, STATUSES, Feedback
from voxloop.surveys.models import Response
from voxloop.text import analysis

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "phone"
LEAKS = ("None", "nan", "%%", "{{")
# The app's own enum values: on a Chinese page none may show in the page's own words (headings,
# labels, buttons, menus, options, badges); what customers wrote may be in any language.
ENUMS = sorted(
    {*analysis.TYPES, *analysis.SENTIMENTS, *analysis.EMOTIONS, *STATUSES, *WEEKDAYS, *clocks.STEPS,
     *remedies.STATUSES, *(r.value for r in Role), *DEFAULT_CHANNELS, "draft", "live", "first_response",
     "next_response", "p_change", "p_target"}
)  # fmt: skip
OWN_WORDS = "h1, h2, h3, th, label, button, summary, legend, dt, option, mark, nav a, .badge"
# ... except where a page shows codes on purpose: question ids and hidden fields in the builder.
CODES = ".builder, code, .mono"
# What the admin reaches from the navigation, the Administration menu included.
ADMIN_PAGES = [
    "/inbox",
    "/feedback/new",
    "/surveys",
    "/customers",
    "/reports/scorecard",
    "/reports/kpis",
    "/reports/sla",
    "/reports/volume",
    "/reports/trends",
    "/reports/themes",
    "/improvement",
    "/admin/users",
    "/admin/departments",
    "/admin/channels",
    "/admin/tokens",
    "/admin/webhooks",
    "/admin/mail",
    "/imports",
    "/admin/triage",
    "/admin/routing",
    "/admin/commitments",
    "/admin/replies",
    "/admin/audit",
]


def check(page: Page, server: str, path: str, shot: str, screen: int = PHONE["width"]) -> list[str]:
    """What is wrong with `path` on this screen, after a full-page screenshot is saved as `shot`."""
    response = page.goto(f"{server}{path}", timeout=60_000)  # the full demo: a survey's analysis is slow
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    page.wait_for_load_state("load")
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    # A phone zooms out to show a page wider than itself, so innerWidth is held to the screen too.
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    too_wide = width > inner or inner > screen
    problems = [f"{path} is {width} px wide on a {inner} px screen"] if too_wide else []
    text = page.locator("body").inner_text()
    problems += [f"{path} shows {leak!r}" for leak in LEAKS if leak in text]
    if page.evaluate("document.documentElement.lang").startswith("zh"):
        texts = """([own, codes]) => [...document.querySelectorAll(own)].filter((e) => !e.closest(codes))
          .map((e) => e.innerText).join(' / ')"""
        own = page.evaluate(texts, [OWN_WORDS, CODES])
        words = set(re.findall(r"(?<![A-Za-z_@./-])[a-z][a-z_]+(?![A-Za-z_@]|\.[a-z])", own))
        problems += [f"{path} shows the enum value {w!r} untranslated" for w in sorted(words & set(ENUMS))]
    return problems


def deeper_pages(served: Served) -> list[str]:
    """One step deeper than the navigation: a record (first), a customer, a survey and what it
    gathered."""
    with served.db() as db:
        record = db.scalars(select(Feedback.id).order_by(Feedback.id.desc()).limit(1)).one()
        customer = db.scalars(select(Customer.id).order_by(Customer.id).limit(1)).one()
        survey = db.scalars(select(Response.survey_id).limit(1)).one()
    return [
        f"/feedback/{record}",
        f"/customers/{customer}",
        f"/surveys/{survey}",
        f"/surveys/{survey}/analysis",
        f"/surveys/{survey}/responses",
    ]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_every_staff_page_fits_a_phone(served: Served, contexts: Contexts, locale: str) -> None:
    deeper = deeper_pages(served)
    record = deeper[0].removeprefix("/feedback/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    phone = contexts(locale, phone=True)
    page = sign_in(phone, served.url, "admin@cloudhill.example", locale)
    menu = page.locator("header details.menu")
    expect(menu.locator("summary")).to_be_visible()
    expect(menu.get_by_role("link", name="KPIs" if locale == "en" else "KPI")).to_be_hidden()
    menu.locator("summary").click()  # the menu opens without script
    expect(menu.locator("a[href='/reports/kpis']")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"{locale}-admin-menu.png"))
    for path in [*ADMIN_PAGES, *deeper]:
        problems += check(page, served.url, path, f"{locale}-admin{path.replace('/', '-')}")
    # An agent has no reports (the scorecard answers 403): the surveys take its place.
    for role, third in (("agent", "/surveys"), ("manager", "/reports/scorecard")):
        page = sign_in(phone, served.url, f"{role}@cloudhill.example", locale)
        for path in ("/inbox", f"/feedback/{record}", third):
            problems += check(page, served.url, path, f"{locale}-{role}{path.replace('/', '-')}")
    # On a laptop the whole navigation shows in the sidebar, and the menu is gone.
    desktop = contexts(locale)
    page = sign_in(desktop, served.url, "admin@cloudhill.example", locale)
    expect(page.locator("header details.menu")).to_be_hidden()
    expect(page.locator("nav.side a[href='/reports/kpis']")).to_be_visible()
    for path in ("/inbox", "/admin/commitments", "/reports/sla"):
        problems += check(page, served.url, path, f"{locale}-desktop{path.replace('/', '-')}", 1366)
    assert not problems, "\n".join(problems)


# The navigation's groups in Chinese, as a sidebar and a phone's menu label them.
GROUPS = ("工作", "洞察", "改进", "管理")
# The labels (of `selector`) that take more than one line: Chinese broken a character a line.
WRAPPED = """selector => [...document.querySelectorAll(selector)].filter(e => e.getClientRects().length)
    .filter(e => { const r = document.createRange(); r.selectNodeContents(e);
                   return new Set([...r.getClientRects()].map(b => Math.round(b.bottom))).size > 1; })
    .map(e => e.textContent.trim())"""


def test_navigation_is_grouped_by_job_in_a_sidebar_and_in_the_phone_menu(
    served: Served, contexts: Contexts
) -> None:
    # A laptop: the groups in a sidebar beside the page, the current page marked, each label on
    # one line; the organization, the language and the user menu in the bar above.
    page = sign_in(contexts("zh_CN"), served.url, "admin@cloudhill.example", "zh_CN")
    page.goto(f"{served.url}/reports/scorecard")
    side = page.get_by_role("navigation", name="菜单")
    expect(side).to_be_visible()
    expect(page.locator("header details.menu")).to_be_hidden()
    for name in GROUPS:
        expect(side.get_by_role("list", name=name, exact=True)).to_be_visible()
    insight = side.get_by_role("list", name="洞察", exact=True)
    expect(insight.get_by_role("link", name="总览", exact=True)).to_have_attribute("aria-current", "page")
    expect(side.locator("[aria-current]")).to_have_count(1)
    beside, main = side.bounding_box(), page.locator("main").bounding_box()
    assert beside and main and main["x"] >= beside["x"] + beside["width"], (beside, main)
    assert page.evaluate(WRAPPED, "nav.side a, nav.side .nav-label") == []
    bar = page.locator("header.topbar")
    expect(bar.get_by_text("云栖酒店集团")).to_be_visible()
    expect(bar.get_by_role("link", name="English")).to_be_visible()
    bar.locator("details.user summary").click()
    expect(bar.get_by_role("button", name="退出登录")).to_be_visible()

    # A phone: no sidebar; the ☰ menu opens (without script) on the same groups, the current
    # page marked, the language and signing out beneath them.
    page = sign_in(contexts("zh_CN", phone=True), served.url, "admin@cloudhill.example", "zh_CN")
    page.goto(f"{served.url}/inbox?owner=me")
    expect(page.locator("nav.side")).to_be_hidden()
    menu = page.locator("header details.menu")
    expect(menu.get_by_role("list", name="工作", exact=True)).to_be_hidden()
    menu.locator("summary").click()
    for name in GROUPS:
        expect(menu.get_by_role("list", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="我的工单", exact=True)).to_have_attribute("aria-current", "page")
    expect(menu.locator("[aria-current]")).to_have_count(1)
    expect(menu.get_by_role("link", name="English")).to_be_visible()
    expect(menu.get_by_role("button", name="退出登录")).to_be_visible()
    assert page.evaluate(WRAPPED, "header details.menu a, header details.menu .nav-label") == []
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the open menu is {width} px wide on a {inner} px screen"
    page.screenshot(path=str(SHOTS / "zh_CN-admin-menu-groups.png"))
    menu.get_by_role("link", name="服务指标", exact=True).click()
    expect(page).to_have_url(f"{served.url}/reports/kpis")
    expect(page.locator("header details.menu a[aria-current=page]")).to_have_attribute(
        "href", "/reports/kpis"
    )
