"""Settings come from VOXLOOP_* variables; a placeholder secret is refused outside development."""

import pytest
from pydantic import ValidationError

from voxloop.config import PLACEHOLDER_SECRET, Settings


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
