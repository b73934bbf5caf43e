"""Security headers (a CSP without inline script, no framing but of the embeddable public
pages), templates free of inline script, and the sign-in lockout."""

import inspect
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute

from tests.factories import PASSWORD, make_account
from tests.web.test_browser import live_server  # noqa: F401 - the fixture
from tests.web.test_pages import csrf_of, login, new_client
from voxloop.web import pages

TEMPLATES = Path(pages.__file__).parent / "templates"


def _csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in policy.split(";")) if d}


def test_pages_carry_a_csp_without_inline_script_and_refuse_framing(client):
    acct = make_account(role="admin")
    for path in ("/login", "/api/v1/health", "/api/v1/docs"):
        r = client.get(path)
        csp = _csp(r)
        assert csp["script-src"] == "'self'" and csp["object-src"] == "'none'"
        assert csp["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    public_form = client.get(f"/f/{acct.org_slug}")
    assert public_form.status_code == 200
    assert _csp(public_form)["frame-ancestors"] == "*" and "x-frame-options" not in public_form.headers
    docs = client.get("/api/v1/docs").text
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_no_template_holds_inline_script_or_event_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for m in re.finditer(r"<script(?P<attrs>[^>]*)>", text):
            if "src=" not in m.group("attrs"):
                offenders.append(f"{template.relative_to(TEMPLATES)}: inline <script>")
        if re.search(r"<[^>]+\son[a-z]+\s*=", text):
            offenders.append(f"{template.relative_to(TEMPLATES)}: an on...= handler")
        if "javascript:" in text:
            offenders.append(f"{template.relative_to(TEMPLATES)}: a javascript: URL")
    assert offenders == []


def _attempt(client, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False
    )


def test_repeated_wrong_passwords_lock_the_account_from_that_address_for_a_while(client):
    victim = make_account(role="agent")
    bystander = make_account(role="agent")
    for _ in range(4):
        assert _attempt(client, victim.email, "guess").status_code == 400
    login(client, victim.email)  # the real user, before the limit: failures forgotten
    for _ in range(5):
        assert _attempt(client, victim.email, "guess").status_code == 400
    locked = _attempt(client, victim.email, PASSWORD)  # even the right password waits now
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in locked.text or "登录失败次数过多" in locked.text
    other = new_client(client)
    assert _attempt(other, bystander.email, PASSWORD).status_code == 303  # others are not locked out


def test_fifty_parallel_guesses_are_evaluated_at_most_five_times(live_server):  # noqa: F811
    """The attempt is counted before the password is checked, so guesses sent all at once
    cannot slip past the limit while the first ones are still being checked."""
    victim = make_account(role="agent")
    browsers = [httpx.Client(base_url=live_server, timeout=60) for _ in range(50)]
    tokens = [csrf_of(b.get("/login").text) for b in browsers]
    start = threading.Barrier(len(browsers))

    def guess(n: int) -> int:
        start.wait()
        form = {"csrf_token": tokens[n], "email": victim.email, "password": f"guess {n}"}
        return browsers[n].post("/login", data=form).status_code

    try:
        with ThreadPoolExecutor(len(browsers)) as pool:
            statuses = list(pool.map(guess, range(len(browsers))))
        late = browsers[0].post(
            "/login", data={"csrf_token": tokens[0], "email": victim.email, "password": PASSWORD}
        )
    finally:
        for b in browsers:
            b.close()
    assert statuses.count(400) <= 5  # a 400 is a password that was checked and found wrong
    assert statuses.count(400) + statuses.count(429) == 50
    assert late.status_code == 429  # the right password, after the limit, waits too


# Async routes run on the event loop; these do nothing there that blocks: the health check and
# the metrics hand their work to a thread, intake hands its record to the group-commit writer.
ON_THE_LOOP = {"/api/v1/health", "/api/v1/health/live", "/metrics", "/api/v1/docs", "/api/v1/feedback"}


def test_only_routes_that_do_no_blocking_work_run_on_the_event_loop(app):
    """A form, a file, a spreadsheet or a database call in an async route stalls every other
    request in the process; such routes are plain defs, which run in the thread pool."""
    on_loop = {route.path for route in _routes(app.routes) if inspect.iscoroutinefunction(route.endpoint)}
    assert on_loop == ON_THE_LOOP


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, inside the included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router
        yield from _routes(included.routes if included is not None else getattr(route, "routes", []))
