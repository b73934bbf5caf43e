"""Tenant isolation and the role x endpoint matrix, over every operation in the OpenAPI schema
and every staff page that takes an id.

Cross-tenant: an organization (the victim) gets one of everything; an administrator of another
organization then calls every operation with the victim's ids. None may succeed, none may fail
with a server error, the victim's rows must be byte-for-byte what they were, and no list the
other organization reads may show the victim's data.

Roles: every operation that declares a permission answers 403 to exactly the roles the
permission table leaves out, and every operation without one is on a short, reviewed list."""

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from tests.factories import Account, make_account
from tests.web.test_pages import login
from voxloop.accounts.models import PERMISSIONS, Role
from voxloop.commitments.models import Remedy
from voxloop.common.time import utcnow
from voxloop.db import Base, session_scope
from voxloop.jobs.executor import drain
from voxloop.themes.models import Alert, Theme, ThemeRun

SECRET = "VICTIM-SECRET-7f3a"
# Operations any signed-in caller (or anyone) may use, by design: the public intake, survey
# and status endpoints, the caller's own identity, health, and reference lists every role reads.
OPEN = {
    "get /api/v1/health",
    "get /api/v1/health/live",
    "get /api/v1/me",
    "post /api/v1/public/feedback",
    "get /api/v1/public/status/{tracking_code}",
    "get /api/v1/public/commitments/{org_slug}",
    "post /api/v1/public/surveys/{survey_key}/responses",
    "get /api/v1/public/surveys/{survey_key}",
}


IDS = (
    "feedback_id", "customer_id", "department_id", "user_id", "rule_id", "calendar_id", "commitment_id",
    "remedy_id", "branch_id", "reply_template_id",
    "survey_id", "theme_id", "alert_id", "webhook_id", "delivery_id", "initiative_id", "action_id",
    "schedule_id", "run_id",
)  # fmt: skip


def _routes(routes: list[Any]) -> Iterator[tuple[str, Any]]:
    """(full path, route) for every route, through FastAPI's included routers."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r.path, r
        elif hasattr(r, "effective_candidates"):  # an included router (FastAPI >= 0.16x)
            for c in r.effective_candidates():
                if hasattr(c, "effective_candidates"):
                    yield from _routes([c])
                elif isinstance(c.original_route, APIRoute):
                    yield c.path, c.original_route


def _operations(app) -> list[tuple[str, str, APIRoute]]:  # type: ignore[no-untyped-def]
    routes = {(m.lower(), path): r for path, r in _routes(app.routes) for m in r.methods}
    return [
        (method, path, routes[(method, path)])
        for path, ops in app.openapi()["paths"].items()
        for method in ops
    ]


def _permission(route: APIRoute) -> str | None:
    todo = list(route.dependant.dependencies)
    while todo:
        dependency = todo.pop()
        found = getattr(dependency.call, "permission", None)
        if found:
            return str(found)
        todo.extend(dependency.dependencies)
    return None


def _victim(client) -> tuple[Account, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """An organization with one of everything; the ids its paths take."""
    admin = make_account(role="admin")
    h = admin.headers
    ids: dict[str, Any] = {}

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = client.post(path, json=body, headers=h)
        assert r.status_code in (200, 201), (path, r.text)
        return r.json()

    record = post(
        "/api/v1/feedback", {"description": f"{SECRET} 空调坏了", "customer": {"email": "v@example.com"}}
    )
    ids["feedback_id"], ids["tracking_code"] = record["id"], record["tracking_code"]
    ids["customer_id"] = client.get(f"/api/v1/feedback/{record['id']}", headers=h).json()["customer"]["id"]
    ids["department_id"] = post("/api/v1/departments", {"name": f"{SECRET}-dept"})["id"]
    ids["branch_id"] = post("/api/v1/branches", {"name": f"{SECRET}-hotel"})["id"]
    ids["reply_template_id"] = post(
        "/api/v1/reply-templates", {"name": f"{SECRET}-reply", "text_en": SECRET}
    )["id"]
    ids["user_id"] = make_account(role="agent", org_slug=admin.org_slug).user_id
    ids["rule_id"] = post(
        "/api/v1/triage-rules",
        {"name": SECRET, "match": {"keywords": ["泳池"]}, "sets": {"category": "facilities"}},
    )["id"]
    post(
        "/api/v1/routing-rules",
        {
            "name": SECRET,
            "match": {"channel": ["hotline"]},
            "department_id": ids["department_id"],
            "strategy": "round_robin",
        },
    )
    ids["calendar_id"] = client.get("/api/v1/calendars", headers=h).json()[0]["id"]
    ids["commitment_id"] = client.get("/api/v1/commitments", headers=h).json()[0]["id"]
    survey = post("/api/v1/surveys", {"template": "nps"})
    ids["survey_id"] = survey["id"]
    ids["survey_key"] = post(f"/api/v1/surveys/{survey['id']}/publish", {})["key"]
    initiative = post(
        "/api/v1/initiatives",
        {"title": SECRET, "origin_kind": "manual", "metric": "complaint_rate", "target_value": 0.1,
         "deadline": "2027-06-30"},
    )  # fmt: skip
    ids["initiative_id"] = initiative["id"]
    ids["action_id"] = post(
        f"/api/v1/initiatives/{initiative['id']}/actions", {"title": SECRET, "process_step": "handling"}
    )["id"]
    ids["schedule_id"] = post(
        "/api/v1/reports/schedules",
        {
            "kind": "scorecard",
            "format": "pdf",
            "lang": "zh",
            "frequency": "weekly",
            "recipients": ["v@example.com"],
        },
    )["id"]
    imported = client.post(
        "/api/v1/imports",
        data={"mapping": '{"description": "text"}'},
        files={"file": (f"{SECRET}.csv", f"text\n{SECRET} 导入的一条\n", "text/csv")},
        headers=h,
    )
    assert imported.status_code == 200, imported.text
    ids["run_id"] = imported.json()["run"]["id"]
    webhook = post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["feedback.created"]})
    ids["webhook_id"] = webhook["id"]
    post("/api/v1/feedback", {"description": f"{SECRET} 第二条"})
    drain()  # triage runs, the webhook's delivery is logged
    ids["delivery_id"] = client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=h).json()[0]["id"]
    with session_scope() as db:
        now = utcnow()
        run = ThemeRun(org_id=admin.org_id, period_start=now - timedelta(days=7), period_end=now)
        db.add(run)
        db.flush()
        theme = Theme(
            org_id=admin.org_id, run_id=run.id, label=SECRET, terms=[SECRET], size=3, customers=3, branches=1,
            baseline=None, p_rise=None, scope="common", reasons=[], trend=[3], example_ids=[record["id"]],
        )  # fmt: skip
        db.add(theme)
        db.flush()
        alert = Alert(org_id=admin.org_id, kind="emerging", theme_id=theme.id, title=SECRET, detail={})
        remedy = Remedy(org_id=admin.org_id, feedback_id=record["id"], step="response", kind="apology")
        db.add_all([alert, remedy])
        db.commit()
        ids.update(theme_id=theme.id, alert_id=alert.id, remedy_id=remedy.id)
    ids.update(
        org_slug=admin.org_slug, kind="feedback", locale="zh_CN", code="facilities", field="branch", value="x"
    )
    return admin, ids


def _snapshot(org_id: int) -> dict[str, str]:
    """A digest of every row the organization owns, table by table."""
    out = {}
    with session_scope(readonly=True) as db:
        for table in Base.metadata.sorted_tables:
            if "org_id" not in table.c:
                continue
            rows = db.execute(
                select(table).where(table.c.org_id == org_id).order_by(*table.primary_key)
            ).all()
            out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def _url(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _call(client, method: str, url: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    if method in ("post", "put", "patch"):
        return client.request(method, url, json={}, headers=headers)
    return client.request(method, url, headers=headers)


def test_no_operation_reaches_another_organizations_data(client, settings_env):
    settings_env(WEBHOOK_ALLOW_PRIVATE="true")
    victim, ids = _victim(client)
    before = _snapshot(victim.org_id)
    intruder = make_account(role="admin")
    public = {"tracking_code", "org_slug", "survey_key"}  # public by design: the link is the key
    own = {"kind", "locale", "code", "field", "value"}  # name things inside the caller's own organization
    reached, crashed = [], []
    for method, path, _ in _operations(client.app):
        names = set(re.findall(r"\{(\w+)\}", path))
        r = _call(client, method, _url(path, ids), intruder.headers)
        if r.status_code >= 500:
            crashed.append(f"{method} {path}: {r.status_code}")
        if names - public - own and 200 <= r.status_code < 300:
            reached.append(f"{method} {path}: {r.status_code}")
        if not names & public and SECRET in r.text:
            reached.append(f"{method} {path}: shows the victim's data")
    assert crashed == []
    assert reached == []
    assert _snapshot(victim.org_id) == before

    # staff pages that take an id, signed in as the intruder
    login(client, intruder.email)
    pages = [
        "/feedback/{feedback_id}", "/customers/{customer_id}", "/improvement/{initiative_id}",
        "/surveys/{survey_id}", "/surveys/{survey_id}/results", "/surveys/{survey_id}/analysis",
        "/reports/themes/{theme_id}", "/admin/webhooks/{webhook_id}", "/customers/{customer_id}/export",
    ]  # fmt: skip
    for path in pages:
        r = client.get(_url(path, ids))
        assert r.status_code in (403, 404), (path, r.status_code)
        assert SECRET not in r.text, path


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_operation_answers_403_to_exactly_the_roles_its_permission_leaves_out(client, role):
    acct = make_account(role=role)
    ids = {
        **{name: 999_999_999 for name in IDS},
        "tracking_code": "NOPE", "org_slug": acct.org_slug, "survey_key": "nope", "kind": "feedback",
        "locale": "zh_CN", "code": "nope", "field": "branch", "value": "x",
    }  # fmt: skip
    wrong, undeclared = [], []
    for method, path, route in _operations(client.app):
        permission = _permission(route)
        if permission is None:
            if f"{method} {path}" not in OPEN:
                undeclared.append(f"{method} {path}")
            continue
        r = _call(client, method, _url(path, ids), acct.headers)
        allowed = Role(role) in PERMISSIONS[permission]
        if (r.status_code == 403) == allowed or r.status_code >= 500:
            wrong.append(f"{method} {path} ({permission}): {r.status_code}")
    assert wrong == []
    assert undeclared == [], undeclared
