"""Run Alembic migrations programmatically (no alembic.ini to find)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(revision: str = "head", connection: Connection | None = None) -> None:
    """Migrate the configured database, or the one `connection` is open on (`voxloop db copy`)."""
    cfg = alembic_config()
    if connection is not None:
        cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def revision(message: str) -> None:
    command.revision(alembic_config(), message=message, autogenerate=True)
