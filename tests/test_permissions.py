"""One permission table for the API and the web: for every role and every resource, the API and
the page that shows the same thing answer alike — both allowed, both 403, or both 404 — and a
viewer reads feedback and aggregates but no personal data and no individual survey response.

Every API GET and every page that asks for a permission is either paired here or on a short,
reviewed list of what has no twin, so a new resource cannot be left out."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_account
from tests.test_isolation import _permission, _routes
from tests.web.test_pages import EN, login
from voxloop.accounts.models import PERMISSIONS, Role
from voxloop.jobs.executor import drain

NAME, EMAIL, PHONE = "顾客甲乙", "guest.permissions@example.com", "13700001111"
# (API path, web page showing the same resource)
PAIRS = [
    ("/api/v1/feedback", "/inbox"),
    ("/api/v1/feedback/{feedback_id}", "/feedback/{feedback_id}"),
    ("/api/v1/feedback/{feedback_id}/timeline", "/feedback/{feedback_id}"),
    ("/api/v1/feedback/{feedback_id}", "/attachments/{attachment_id}"),
    ("/api/v1/remedies", "/feedback/{feedback_id}"),
    ("/api/v1/customers", "/customers"),
    ("/api/v1/customers/{customer_id}", "/customers/{customer_id}"),
    ("/api/v1/customers/{customer_id}/export", "/customers/{customer_id}/export"),
    ("/api/v1/customers/{customer_id}/export", "/customers/{customer_id}/erase"),
    ("/api/v1/surveys", "/surveys"),
    ("/api/v1/survey-templates", "/surveys"),
    ("/api/v1/surveys/plan", "/surveys"),
    ("/api/v1/surveys/{survey_id}", "/surveys/{survey_id}"),
    ("/api/v1/surveys/{survey_id}/summary", "/surveys/{survey_id}"),
    ("/api/v1/surveys/{survey_id}/analysis", "/surveys/{survey_id}/analysis"),
    ("/api/v1/surveys/{survey_id}/compare?metric=nps&by=language", "/surveys/{survey_id}/analysis"),
    ("/api/v1/surveys/{survey_id}/responses", "/surveys/{survey_id}/responses"),
    ("/api/v1/surveys/{survey_id}/export", "/surveys/{survey_id}/responses"),
    ("/api/v1/kpis", "/reports/kpis"),
    ("/api/v1/kpis", "/reports/sla"),
    ("/api/v1/analytics/indicators?metric=complaint_rate", "/reports/volume"),
    ("/api/v1/analytics/indicators?metric=complaint_rate", "/reports/trends"),
    ("/api/v1/analytics/targets", "/reports/scorecard"),
    ("/api/v1/reports/schedules", "/reports/scorecard"),
    ("/api/v1/reports/{kind}", "/reports/download/{kind}.{fmt}"),
    ("/api/v1/themes", "/reports/themes"),
    ("/api/v1/alerts", "/reports/themes"),
    ("/api/v1/themes/{theme_id}", "/reports/themes/{theme_id}"),
    ("/api/v1/initiatives", "/improvement"),
    ("/api/v1/initiatives/{initiative_id}", "/improvement/{initiative_id}"),
    ("/api/v1/initiatives/{initiative_id}/evaluation", "/improvement/{initiative_id}"),
    ("/api/v1/imports", "/imports"),
    ("/api/v1/imports/sources", "/imports"),
    ("/api/v1/imports/{run_id}", "/imports/runs/{run_id}"),
    ("/api/v1/imports/{run_id}", "/imports/runs/{run_id}/progress"),
    ("/api/v1/webhooks", "/admin/webhooks"),
    ("/api/v1/webhooks/{webhook_id}/deliveries", "/admin/webhooks/{webhook_id}"),
    ("/api/v1/users", "/admin/users"),
    ("/api/v1/text/categories/model", "/admin/categories/model"),
]
# API reads without a page of their own, and why that is right.
API_ONLY = {
    # Reference lists every role reads to file and read feedback; their pages are where
    # managers and admins edit them (paired with the API's writes, not these reads).
    "/api/v1/departments": "reference list",
    "/api/v1/branches": "reference list",
    "/api/v1/channels": "reference list",
    "/api/v1/templates": "reference list",
    "/api/v1/reply-templates": "reference list",
    "/api/v1/reply-templates/{reply_template_id}": "reference list",
    "/api/v1/categories": "reference list",
    "/api/v1/triage-rules": "reference list",
    "/api/v1/vocabularies": "reference list",
    "/api/v1/priority-matrix": "reference list",
    "/api/v1/routing-rules": "reference list",
    "/api/v1/calendars": "reference list",
    "/api/v1/commitments": "reference list",
    # files of rows for other tools; each kind also asks what its page asks (checked below)
    "/api/v1/exports/{kind}": "files",
    "/api/v1/privacy": "settings without a page yet",
}
# Pages without an API read, and why.
WEB_ONLY = {
    "/feedback/new": "a form; its API twin is POST /api/v1/feedback (feedback.create)",
    "/admin/departments": "where the reference lists are edited",
    "/admin/branches": "where the reference lists are edited",
    "/admin/replies": "where the reference lists are edited",
    "/admin/channels": "where the reference lists are edited",
    "/admin/tokens": "a user's own API tokens",
    "/admin/audit": "the audit log has no API yet",
    "/admin/triage": "where the reference lists are edited",
    "/admin/routing": "where the reference lists are edited",
    "/admin/commitments": "where the reference lists are edited",
    "/admin/mail": "the development mail catcher",
}


def _outcome(status: int) -> str:
    """What the permission table said: 403 is a refusal; a 404 went through it to find nothing
    (a theme or a trained model the organization does not have yet)."""
    if 200 <= status < 300 or status == 404:
        return "allowed"
    return "denied" if status == 403 else f"answered {status}"


@pytest.fixture
def world(client: TestClient, smtp: Any) -> Iterator[dict[str, Any]]:
    """An organization with a record from a customer (with an attachment), a live survey with a
    complete response, and a signed-in browser and a token for every role."""
    admin = make_account(role="admin")
    h = admin.headers
    r = client.post(
        "/api/v1/feedback",
        json={
            "description": "空调坏了",
            "customer": {"name": NAME, "email": EMAIL, "phone": PHONE},
            "attachments": [{"filename": "a.txt", "content_type": "text/plain", "content_base64": "aGk="}],
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    record = r.json()
    drain()  # the acknowledgement goes out: its timeline event names the address
    smtp.wait_for(1)
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=h).json()
    assert client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=h).status_code == 200
    r = client.post(
        f"/api/v1/public/surveys/{survey['key']}/responses", json={"language": "zh", "answers": {"nps": 9}}
    )
    assert r.status_code == 201, r.text
    ids = {
        "feedback_id": record["id"],
        "attachment_id": record["attachments"][0]["id"],
        "customer_id": client.get(f"/api/v1/customers?email={EMAIL}", headers=h).json()[0]["id"],
        "survey_id": survey["id"],
        "theme_id": 999_999,
        "initiative_id": 999_999,
        "run_id": 999_999,
        "webhook_id": 999_999,
        "kind": "nope",
        "fmt": "pdf",
    }
    roles = {}
    for role in Role:
        acct = admin if role == Role.admin else make_account(role=role.value, org_slug=admin.org_slug)
        browser = TestClient(client.app)
        login(browser, acct.email)
        roles[role] = (acct, browser)
    yield {"ids": ids, "roles": roles}
    for _, browser in roles.values():
        browser.close()


def test_each_pair_asks_for_one_permission(app):
    """The API route and its page name the same entry of the table."""
    declared = {path: _permission(route) for path, route in _routes(app.routes) if "GET" in route.methods}
    differ = [(a, w) for a, w in PAIRS if declared[a.split("?")[0]] != declared[w]]
    assert differ == []


@pytest.mark.parametrize(("api", "web"), PAIRS, ids=[f"{a} ~ {w}" for a, w in PAIRS])
def test_the_api_and_the_page_answer_every_role_alike(world, api, web):
    ids = world["ids"]
    differ = []
    for role, (acct, browser) in world["roles"].items():
        on_api = _outcome(browser.get(api.format(**ids), headers=acct.headers).status_code)
        on_web = _outcome(browser.get(web.format(**ids), headers=EN).status_code)
        if on_api != on_web or on_api.startswith("answered 5"):
            differ.append(f"{role.value}: API {on_api}, web {on_web}")
    assert differ == []


def test_contact_details_on_a_record_follow_the_directory(world):
    """Who may open the customer directory sees a record's contact details, on both sides;
    nobody else does, on either."""
    ids = world["ids"]
    for role, (acct, browser) in world["roles"].items():
        directory = browser.get("/api/v1/customers", headers=acct.headers).status_code == 200
        shown = {
            "api record": browser.get(f"/api/v1/feedback/{ids['feedback_id']}", headers=acct.headers).text,
            "api list": browser.get("/api/v1/feedback", headers=acct.headers).text,
            "api timeline": browser.get(
                f"/api/v1/feedback/{ids['feedback_id']}/timeline", headers=acct.headers
            ).text,
            "web record": browser.get(f"/feedback/{ids['feedback_id']}", headers=EN).text,
            "web inbox": browser.get("/inbox", headers=EN).text,
        }
        assert '"acknowledged"' in shown["api timeline"]
        for where, text in shown.items():
            if where != "api timeline":  # events name no one
                assert (NAME in text) == directory, (role.value, where)
            if where == "api timeline":
                assert (EMAIL in text) == directory, (role.value, where)
            elif where != "web inbox":  # the inbox names the customer, nothing more
                assert (EMAIL in text, PHONE in text) == (directory, directory), (role.value, where)
        assert directory == (role in PERMISSIONS["customers.read"])


def test_a_viewer_reads_aggregates_but_no_individual_response_nor_personal_data(world):
    acct, browser = world["roles"][Role.viewer]
    ids = world["ids"]
    survey = ids["survey_id"]
    for path in (f"/api/v1/surveys/{survey}/summary", f"/api/v1/surveys/{survey}/analysis", "/api/v1/kpis"):
        assert browser.get(path, headers=acct.headers).status_code == 200, path
    for path in (f"/surveys/{survey}/analysis", "/reports/kpis", "/reports/scorecard"):
        assert browser.get(path, headers=EN).status_code == 200, path
    for path in (f"/api/v1/surveys/{survey}/responses", f"/api/v1/surveys/{survey}/export",
                 "/api/v1/customers", "/api/v1/exports/responses", "/api/v1/exports/customers"):  # fmt: skip
        assert browser.get(path, headers=acct.headers).status_code == 403, path
    analysis = browser.get(f"/surveys/{survey}/analysis", headers=EN).text
    assert 'data-drill="yes"' not in analysis  # the bars lead to no page it may not open


def test_searching_by_contact_details_tells_no_role_who_wrote(world):
    """The inbox search reads what was written, never who wrote it: searching a customer's
    email, phone or name finds nothing, on the API and the page, so a viewer or an analyst (who
    may not read contact details) cannot tell whether that customer wrote."""
    fid = world["ids"]["feedback_id"]

    def found(acct: Any, browser: TestClient, q: str) -> tuple[bool, bool]:
        api = browser.get("/api/v1/feedback", params={"q": q}, headers=acct.headers).json()["items"]
        page = browser.get("/inbox", params={"q": q}, headers=EN).text
        return fid in [i["id"] for i in api], f'href="/feedback/{fid}"' in page

    for role, (acct, browser) in world["roles"].items():
        assert found(acct, browser, "空调") == (True, True), role.value  # the search works
        for q in (EMAIL, PHONE, NAME, EMAIL.split("@")[0], PHONE[-4:]):
            assert found(acct, browser, q) == (False, False), (role.value, q)


def test_an_export_of_people_or_responses_asks_what_their_pages_ask(world):
    ids = world["ids"]
    twins = {"customers": "/customers", "responses": f"/surveys/{ids['survey_id']}/responses"}
    for role, (acct, browser) in world["roles"].items():
        for kind, page in twins.items():
            exported = browser.get(f"/api/v1/exports/{kind}", headers=acct.headers).status_code == 200
            shown = browser.get(page, headers=EN).status_code == 200
            may_export = role in PERMISSIONS["exports.read"]
            assert exported == (shown and may_export), (role.value, kind)


def test_every_read_that_asks_for_a_permission_is_paired_or_listed(app):
    paired_api = {a.split("?")[0] for a, _ in PAIRS}
    paired_web = {w for _, w in PAIRS}
    left_out = []
    for path, route in _routes(app.routes):
        if "GET" not in route.methods or _permission(route) is None:
            continue
        if path.startswith("/api/"):
            if path not in paired_api and path not in API_ONLY:
                left_out.append(path)
        elif path not in paired_web and path not in WEB_ONLY:
            left_out.append(path)
    assert left_out == []
