"""Accounts: the CLI, hashed secrets, roles, tokens, departments and the audit log."""

import os
import subprocess
import sys

from sqlalchemy import select

from tests.factories import PASSWORD, make_account
from voxloop.accounts import security
from voxloop.accounts.models import ApiToken, User
from voxloop.audit.models import AuditEntry
from voxloop.db import session_scope


def voxloop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voxloop.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def test_cli_creates_org_user_and_token_that_works(client):
    made = voxloop(
        "users",
        "create",
        "--org",
        "acme",
        "--email",
        "Boss@Acme.test",
        "--password",
        "s3cret-pass",
        "--role",
        "admin",
    )
    assert made.returncode == 0, made.stderr
    out = voxloop("tokens", "create", "--org", "acme", "--email", "boss@acme.test")
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("vxl_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == "boss@acme.test" and me.json()["role"] == "admin"

    with session_scope() as db:
        user = db.scalar(select(User).where(User.email == "boss@acme.test"))
        assert user is not None and user.password_hash.startswith("$argon2")
        assert security.verify_password(user.password_hash, "s3cret-pass")
        stored = db.scalar(select(ApiToken.token_hash))
        assert stored == security.hash_token(token) and token not in stored


def test_cli_refuses_bad_role_and_duplicate_email():
    def create(role: str) -> subprocess.CompletedProcess[str]:
        return voxloop(
            "users", "create", "--org", "acme", "--email", "a@b.test", "--password", "x" * 9, "--role", role
        )

    assert create("wizard").returncode != 0
    assert create("agent").returncode == 0
    dup = create("agent")
    assert dup.returncode != 0 and "exists already" in dup.stderr


def test_admin_manages_users_and_departments_over_the_api(client):
    admin = make_account()
    dept = client.post(
        "/api/v1/departments", json={"name": "工程部", "name_en": "Engineering"}, headers=admin.headers
    )
    assert dept.status_code == 201
    user = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={
            "email": "eng@example.com",
            "password": "long-enough",
            "role": "handler",
            "department_id": dept.json()["id"],
        },
    )
    assert user.status_code == 201, user.text
    changed = client.patch(
        f"/api/v1/users/{user.json()['id']}", json={"role": "manager"}, headers=admin.headers
    )
    assert changed.json()["role"] == "manager"
    bad_role = client.patch(
        f"/api/v1/users/{user.json()['id']}", json={"role": "king"}, headers=admin.headers
    )
    assert bad_role.status_code == 422 and bad_role.json()["error"]["fields"][0]["field"] == "role"
    dup = client.post("/api/v1/departments", json={"name": "工程部"}, headers=admin.headers)
    assert dup.status_code == 409

    with session_scope() as db:
        entries = list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.org_id == admin.org_id, AuditEntry.entity == "user")
                .order_by(AuditEntry.id)
            )
        )
    update = entries[-1]
    assert update.action == "update" and update.actor == f"api:{admin.email}"
    assert update.before["role"] == "handler" and update.after["role"] == "manager"
    assert "password_hash" not in update.after


def test_only_admins_manage_users(client):
    agent = make_account(role="agent")
    r = client.post(
        "/api/v1/users",
        headers=agent.headers,
        json={"email": "x@example.com", "password": "long-enough", "role": "admin"},
    )
    assert r.status_code == 403


def test_users_of_another_org_are_invisible(client):
    a, b = make_account(), make_account()
    listed = client.get("/api/v1/users", headers=b.headers).json()
    assert a.email not in {u["email"] for u in listed}
    assert (
        client.patch(f"/api/v1/users/{a.user_id}", json={"role": "viewer"}, headers=b.headers).status_code
        == 404
    )


def test_deactivated_user_token_stops_working(client):
    admin = make_account()
    agent = make_account(role="agent", org_slug=admin.org_slug)
    assert client.get("/api/v1/feedback", headers=agent.headers).status_code == 200
    client.patch(f"/api/v1/users/{agent.user_id}", json={"is_active": False}, headers=admin.headers)
    assert client.get("/api/v1/feedback", headers=agent.headers).status_code == 401


def test_password_is_verified_with_argon2():
    h = security.hash_password(PASSWORD)
    assert security.verify_password(h, PASSWORD)
    assert not security.verify_password(h, PASSWORD + "x")
    assert not security.verify_password("not-a-hash", PASSWORD)


def test_user_fields_cannot_be_nulled_and_huge_ids_are_refused(client):
    admin = make_account()
    r = client.patch(f"/api/v1/users/{admin.user_id}", json={"name": None}, headers=admin.headers)
    assert r.status_code == 422 and "name cannot be null" in r.text
    assert (
        client.patch(
            f"/api/v1/users/{admin.user_id}", json={"is_active": None}, headers=admin.headers
        ).status_code
        == 422
    )
    huge = 10**20
    r = client.patch(f"/api/v1/users/{huge}", json={"role": "viewer"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "user_id"
    assert client.get(f"/api/v1/feedback/{huge}", headers=admin.headers).status_code == 422
    r = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"email": "x@example.com", "password": "long-enough", "role": "agent", "department_id": huge},
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "department_id"
