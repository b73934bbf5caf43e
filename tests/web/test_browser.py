"""A real browser (Debian's Chromium, driven by Playwright) against the real app served by uvicorn."""

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.factories import PASSWORD, make_account

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture
def live_server() -> Iterator[str]:
    """Voxloop served by uvicorn in a thread, on the database the test session configured."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        "voxloop.main:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        thread.join(0.05)  # waits on the server thread, and notices if it died
        if not thread.is_alive():
            pytest.fail("uvicorn exited before it started serving")
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 30 seconds")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not shut down"


def launch(p: Playwright) -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `make chromium` (part of `make test`) or `apt-get install chromium`."
        )
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def phone(browser: Browser, locale: str = "zh-CN") -> Page:
    """A new page on a phone-sized touch screen, as a guest holds it."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale=locale
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def phone_like(browser: Browser, laptop: Page, locale: str, script: bool = True) -> Page:
    """A new page on a phone-sized touch screen, signed in as `laptop` is."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale=locale,
        java_script_enabled=script,
    )
    context.add_cookies(laptop.context.cookies())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


# Errors and CSP refusals as the page meets them (the init script runs outside the CSP).
WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));"""


def watched(page: Page, problems: list[str]) -> Page:
    """`page`, its console errors and uncaught exceptions going to `problems` (CSP refusals to
    window.__csp)."""
    page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def signed_in(browser: Browser, server: str, email: str, locale: str = "en-US", height: int = 1000) -> Page:
    """A new page in `browser`, signed in through the login form as `email`."""
    page = browser.new_page(locale=locale, viewport={"width": 1280, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    return page


def test_admin_signs_in_through_the_form_and_sees_the_inbox(live_server):
    acct = make_account(role="admin")
    created = httpx.post(
        f"{live_server}/api/v1/feedback",
        json={
            "description": "Room 1203: the air conditioner has been broken since last night.",
            "channel": "email",
        },
        headers=acct.headers,
    )
    assert created.status_code == 201, created.text
    record = created.json()

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="en-US")
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_server}/inbox")
            expect(page).to_have_url(re.compile(r"/login\?next=/inbox$"))
            page.fill("input[name=email]", acct.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")

            expect(page).to_have_url(f"{live_server}/inbox")
            expect(page.locator("h1")).to_have_text("Inbox")
            row = page.locator("tbody tr", has_text="the air conditioner has been broken")
            expect(row).to_have_count(1)
            expect(row.locator(f"a[href='/feedback/{record['id']}']").first).to_be_visible()

            row.get_by_role("link", name=re.compile("air conditioner")).click()
            expect(page).to_have_url(f"{live_server}/feedback/{record['id']}")
            expect(page.locator("h1")).to_contain_text(record["tracking_code"])
        finally:
            browser.close()


def test_customer_submits_the_public_form_on_a_phone(live_server):
    acct = make_account(role="admin")
    description = "1203房间的空调从昨晚就坏了，一直没人来修，希望尽快处理。"

    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=3,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_server}/f/{acct.org_slug}")
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            page.fill("textarea[name=description]", description)
            page.fill("input[name=customer_email]", "guest@example.com")
            page.tap("form button[type=submit]")

            code_el = page.locator(".tracking-code")
            expect(code_el).to_have_text(re.compile(r"^[0-9A-Z]{12}$"))
            code = code_el.inner_text()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the thank-you page scrolls sideways on a phone ({width}px wide)"
        finally:
            browser.close()

    items = httpx.get(f"{live_server}/api/v1/feedback", headers=acct.headers).json()["items"]
    assert [(x["tracking_code"], x["channel"], x["description"]) for x in items] == [
        (code, "web_form", description)
    ]
    assert items[0]["customer"]["email"] == "guest@example.com"
    assert items[0]["language"] == "zh"


def test_the_channels_page_shows_the_forms_qr_code(live_server):
    acct = make_account(role="admin")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = signed_in(browser, live_server, acct.email)
            expect(page).to_have_url(f"{live_server}/inbox")
            page.goto(f"{live_server}/admin/channels")
            qr = page.locator(f"img[src='/f/{acct.org_slug}/qr.svg']")
            expect(qr).to_be_visible()
            # Chromium decoded the file: an SVG without its namespace is a broken image (width 0).
            page.wait_for_function("img => img.complete", arg=qr.element_handle())
            assert qr.evaluate("img => img.naturalWidth") > 0
        finally:
            browser.close()
