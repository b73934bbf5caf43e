"""Settings come from VOXLOOP_* variables; a placeholder secret is refused outside development."""

import base64
import json
import stat

import pytest
import uvicorn
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from pydantic import ValidationError

from tests.factories import make_account
from tests.web.test_pages import login
from voxloop import cli
from voxloop.config import PLACEHOLDER_SECRET, Settings, get_settings
from voxloop.main import create_app


@pytest.mark.parametrize("env", ["production", "test"])
def test_placeholder_secret_is_refused_outside_development(monkeypatch, env):
    monkeypatch.setenv("VOXLOOP_ENV", env)
    monkeypatch.setenv("VOXLOOP_SECRET_KEY", PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError, match="VOXLOOP_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("VOXLOOP_SECRET_KEY", "a-real-secret")
    assert Settings().secret_key == "a-real-secret"
    monkeypatch.setenv("VOXLOOP_ENV", "development")
    monkeypatch.setenv("VOXLOOP_SECRET_KEY", PLACEHOLDER_SECRET)
    assert Settings().secret_key == PLACEHOLDER_SECRET  # `make run` on a laptop


def test_sqlite_is_the_default(monkeypatch):
    monkeypatch.delenv("VOXLOOP_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.is_sqlite and settings.database_url.startswith("sqlite:///")


def _forged_cookie(secret: str, **session: object) -> str:
    """A session cookie as Starlette signs it, made by someone who knows `secret`."""
    payload = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(secret).sign(payload).decode()


def test_without_a_secret_each_install_signs_sessions_with_a_random_key_of_its_own(
    settings_env, monkeypatch, tmp_path
):
    """Nobody can sign in as an admin by signing a cookie with the published placeholder; the
    key made on first start is kept private in the data directory and outlives a restart."""
    admin = make_account(role="admin")
    settings_env(ENV="development", DATA_DIR=str(tmp_path / "one"))
    monkeypatch.delenv("VOXLOOP_SECRET_KEY")
    get_settings.cache_clear()
    forged = _forged_cookie(PLACEHOLDER_SECRET, user_id=admin.user_id, org_id=admin.org_id, epoch=0)
    with TestClient(create_app()) as browser:
        browser.cookies.set("voxloop_session", forged)
        assert browser.get("/inbox", follow_redirects=False).status_code == 303  # to /login
        browser.cookies.clear()
        login(browser, admin.email)
        signed = browser.cookies["voxloop_session"]

    kept = tmp_path / "one" / "secret_key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    with TestClient(create_app()) as restarted:  # the same install, started again
        restarted.cookies.set("voxloop_session", signed)
        assert restarted.get("/inbox", follow_redirects=False).status_code == 200

    settings_env(DATA_DIR=str(tmp_path / "two"))
    with TestClient(create_app()) as other_install:
        other_install.cookies.set("voxloop_session", signed)
        assert other_install.get("/inbox", follow_redirects=False).status_code == 303
    assert (tmp_path / "two" / "secret_key").read_text() != kept.read_text()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "voxloop.example.com"])
def test_serving_beyond_this_machine_with_the_placeholder_secret_is_refused(settings_env, monkeypatch, host):
    settings_env(ENV="development", SECRET_KEY=PLACEHOLDER_SECRET)
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_, **kw: served.append(kw["host"]))
    with pytest.raises(SystemExit, match="VOXLOOP_SECRET_KEY"):
        cli.main(["serve", "--host", host])
    for loopback in ("127.0.0.1", "localhost", "::1"):
        cli.main(["serve", "--host", loopback])  # `make run` on a laptop
    assert served == ["127.0.0.1", "localhost", "::1"]
