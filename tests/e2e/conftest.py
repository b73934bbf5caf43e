"""End-to-end scenarios (../shared/SCENARIOS.md) against Voxloop as `make run` has it: one
`voxloop serve` process for all the tests of this folder, on a SQLite file of its own with the
Cloudhill Hotels demo loaded once by `voxloop demo`, its in-process executor running the
outbox, its outgoing mail going to a real SMTP sink and its mail intake listening on a port of
its own; Debian's Chromium, driven by Playwright, as the people of the scenarios.

The scenarios share the demo: each creates its own guest (a fresh email) and finds its own
case, so their order does not matter. The served database is not the test session's, so the
per-test table cleaning of tests/conftest.py does not touch it."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import Mailbox, free_port, until
from tests.mail.test_serve_intake import _wait_for_port
from tests.web.test_browser import TIMEOUT_MS, launch
from voxloop import demo
from voxloop.customers.models import Customer
from voxloop.feedback.models import Feedback

VOXLOOP = Path(sys.executable).with_name("voxloop")
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Staff pages in each language, as the scenarios are walked: (our catalog's locale, the browser's).
LANGUAGES = {"en": "en-US", "zh_CN": "zh-CN"}
Contexts = Callable[..., BrowserContext]


@dataclass
class Served:
    """The served demo: where it answers, where its mail goes and comes in, its database."""

    url: str
    intake_port: int
    mail: Mailbox
    engine: Engine

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A read-only look at the served database, for what a page does not say (ids)."""
        with Session(self.engine) as session:
            yield session

    def case(self, words: str, customer: str) -> tuple[int, str]:
        """The id and tracking code of the newest record of `customer` (an email) with `words`,
        once triage has read it."""

        def triaged() -> tuple[int, str] | None:
            with self.db() as db:
                row = db.execute(
                    select(Feedback.id, Feedback.tracking_code)
                    .join(Customer, Customer.id == Feedback.customer_id)
                    .where(
                        Customer.email == customer,
                        Feedback.description.contains(words),
                        Feedback.triaged_at.is_not(None),
                    )
                    .order_by(Feedback.id.desc())
                    .limit(1)
                ).first()
            return (row[0], row[1]) if row else None

        return until(triaged, what=f"a triaged record of {customer} with {words!r}")

    def mail_to(self, address: str, containing: str, timeout: float = 60.0) -> EmailMessage:
        """The first message sent to `address` whose text has `containing` (fails after `timeout`,
        naming what was sent)."""

        def sent() -> list[EmailMessage]:
            return [m for m in list(self.mail.messages) if address in str(m["To"])]

        def found() -> EmailMessage | None:
            return next((m for m in sent() if containing in text_of(m)), None)

        try:
            return until(found, timeout, f"a message to {address} with {containing!r}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; sent: {[str(m['Subject']) for m in sent()]}") from None


def text_of(message: EmailMessage) -> str:
    """The plain text of a message (what a mail client shows)."""
    body = message.get_body(("plain", "html"))
    return body.get_content() if body is not None else ""


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(VOXLOOP), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"voxloop {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`make run` for the tests of this folder: migrate, load the demo, serve (with the executor
    and the mail intake), outgoing mail to a real SMTP sink. Stopped when they are done, so its
    executor's rounds do not take the CPU from the rest of the suite."""
    root = tmp_path_factory.mktemp("served")
    box = Mailbox()
    sink = Controller(box, hostname="127.0.0.1", port=free_port())
    sink.start()
    web, intake = free_port(), free_port()
    url = f"sqlite:///{root / 'voxloop.db'}"
    env = {
        **os.environ,
        # What `make run` has, not what the test session set for its own in-process app.
        "VOXLOOP_ENV": "development",
        "VOXLOOP_DATABASE_URL": url,
        "VOXLOOP_DATA_DIR": str(root),
        "VOXLOOP_EXECUTOR": "inprocess",
        "VOXLOOP_BROKER_URL": "",
        "VOXLOOP_BASE_URL": f"http://127.0.0.1:{web}",
        "VOXLOOP_SMTP_HOST": "127.0.0.1",
        "VOXLOOP_SMTP_PORT": str(sink.port),
        "VOXLOOP_MAIL_INTAKE_PORT": str(intake),
        # Warnings, breaches and the dashboards' store come round in seconds, not minutes.
        "VOXLOOP_SWEEP_SECONDS": "2",
        "VOXLOOP_ANALYTICS_SYNC_SECONDS": "3",
    }
    env.pop("VOXLOOP_SECRET_KEY", None)  # development keeps a random one in the data directory
    run(["migrate"], env, root)
    run(["demo"], env, root)
    log = open(root / "serve.log", "wb")  # noqa: SIM115 - open while the server runs
    process = subprocess.Popen(
        [str(VOXLOOP), "serve", "--port", str(web)], env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT
    )
    engine = create_engine(url)
    try:
        for port in (web, intake):
            _wait_for_port(port, process)
        yield Served(url=f"http://127.0.0.1:{web}", intake_port=intake, mail=box, engine=engine)
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
        engine.dispose()
        sink.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the package (closed before other packages start their own Playwright)."""
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Contexts]:
    """Open fresh browser profiles for the test: `contexts("zh_CN", phone=True)` is a phone held
    by a guest, `contexts("en")` a laptop on a desk; all closed when the test ends."""
    opened: list[BrowserContext] = []

    def open_context(locale: str, *, phone: bool = False) -> BrowserContext:
        size = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {"viewport": DESKTOP}
        opened.append(browser.new_context(locale=LANGUAGES[locale], **size))  # type: ignore[arg-type]
        return opened[-1]

    yield open_context
    for c in opened:
        c.close()


def sign_in(context: BrowserContext, server: str, email: str, locale: str) -> Page:
    """Sign in through the login form as `email`, then pick `locale` from the language menu
    (the demo's staff chose Chinese in their profiles)."""
    context.clear_cookies()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page).to_have_url(f"{server}/inbox")
    page.goto(f"{server}/lang/{locale}?next=/inbox")
    return page


def open_from_inbox(page: Page, served: Served, record_id: int) -> None:
    """Find the case in the inbox (newest first) and open it, as staff do."""
    page.goto(f"{served.url}/inbox")
    page.locator(f"a[href='/feedback/{record_id}']").first.click()
    expect(page).to_have_url(f"{served.url}/feedback/{record_id}")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
