"""Settings come from VOXLOOP_* variables; a placeholder secret is refused outside development."""

import pytest
from pydantic import ValidationError

from voxloop.config import PLACEHOLDER_SECRET, Settings


def test_placeholder_secret_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("VOXLOOP_ENV", "production")
    monkeypatch.setenv("VOXLOOP_SECRET_KEY", PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError, match="VOXLOOP_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("VOXLOOP_SECRET_KEY", "a-real-secret")
    assert Settings().secret_key == "a-real-secret"


def test_sqlite_is_the_default(monkeypatch):
    monkeypatch.delenv("VOXLOOP_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.is_sqlite and settings.database_url.startswith("sqlite:///")
