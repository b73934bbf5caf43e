"""Settings, read once from VOXLOOP_* environment variables and an optional .env file."""

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"  # noqa: S105  refused at start-up outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOXLOOP_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/voxloop.db"
    # FULL makes every committed transaction survive a power cut, not just a crash of the process.
    db_pool_size: int = 20  # PostgreSQL connections kept per process (and up to 10 more in a burst)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "FULL"
    data_dir: Path = Path("var")
    # The DuckDB analytics store (default: <data dir>/analytics.duckdb) and how often workers sync it.
    analytics_path: str = ""
    analytics_sync_seconds: float = 60.0
    # How often executors look for organizations whose category model has new labels to learn.
    text_retrain_seconds: float = 3600.0
    # Processes that share the text analysis of a large batch (an import's triage) in embedded
    # mode; 0: one per CPU. Scaled mode forks none: the Celery workers are one per CPU already,
    # and a forked copy of a broker connection breaks it.
    text_workers: int = 0
    # Live triage batches of up to this many records also read meaning (the sentence encoder:
    # the learned safety and type heads, a few hundred texts a second per core); a larger
    # burst is triaged by the fast tier alone, so the queue keeps up. 0: never.
    triage_meaning_max: int = 2000
    # How often executors run the daily round: themes and emerging common problems in the last
    # week's feedback, scheduled reports, retention.
    themes_seconds: float = 86400.0
    # The characters POST /api/v1/text/analyze reads in one request, all texts together
    # (about 20 µs of CPU each): more is refused with 422.
    text_analyze_max_chars: int = 200_000
    # Webhooks to private, loopback or link-local addresses are refused unless this is true.
    webhook_allow_private: bool = False
    # How long one webhook delivery may take (connecting, sending, the answer) before it is retried.
    webhook_timeout_seconds: float = 10.0
    # A PEM file of certificate authorities that may also sign webhook receivers' certificates
    # (an internal CA); empty: the public ones only.
    webhook_ca_bundle: str = ""
    # Signs session cookies. Empty: a random key made on first start and kept in
    # <data dir>/secret_key, so no two installs share one and `make run` needs nothing.
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    default_locale: str = "en"

    executor: Literal["inprocess", "none"] = "inprocess"
    # Scaled mode: a Celery broker (redis://… or amqp://…). Web processes then run no jobs;
    # `voxloop scheduler` relays the outbox to `voxloop worker` processes through it.
    broker_url: str = ""
    # The broker queue this deployment's scheduler sends to and its workers take from; two
    # deployments (say staging and production) can share one broker with different queues.
    broker_queue: str = "voxloop"
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 8
    # How long a claimed message is held before it is due again (its worker presumed dead).
    outbox_lease_seconds: float = 300.0
    # After a commit wakes an executor, how long it lets further commits gather before a round.
    outbox_gather_seconds: float = 0.05
    # How often executors look for commitment warnings and breaches.
    sweep_seconds: float = 30.0
    # How often executors look for survey invitations due a reminder.
    reminders_seconds: float = 3600.0

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    mail_from: str = "Voxloop <no-reply@voxloop.local>"

    max_body_bytes: int = 16 * 1024 * 1024
    # What one uploaded table (an import, customers, category examples) may hold; a workbook is
    # refused as soon as reading it passes either, before the table is built.
    upload_max_rows: int = 200_000
    upload_max_cells: int = 4_000_000
    # Background imports one organization may have running at once; another waits (429).
    import_max_running: int = 2
    # An import upload (not a dry run) larger than this is kept unread and imported in the
    # background: the answer is 202 at once, and reading and checking it happen in the job.
    import_background_bytes: int = 2 * 1024 * 1024
    max_batch_body_bytes: int = 32 * 1024 * 1024
    vendor_dir: Path = Path("node_modules")
    # who may show the public feedback form and surveys in a frame (CSP frame-ancestors)
    embed_ancestors: str = "*"
    max_attachment_bytes: int = 5 * 1024 * 1024
    max_attachments: int = 5
    # Attachments one organization may keep, all files together, in MiB; a write that would
    # pass it is refused with 413 (email keeps the message and drops its files). 0: no quota.
    attachment_quota_mb: int = 1024
    # Attachment bytes the anonymous feedback form (/f/…) takes from one address in a UTC day;
    # more is refused with 429 until the next day. 0: no limit.
    form_bytes_per_ip_day: int = 50 * 1024 * 1024
    # Email intake: the largest message taken (larger ones are refused at SMTP with 552).
    mail_max_bytes: int = 25 * 1024 * 1024
    mail_per_sender_per_hour: int = 30  # more from one address in an hour is refused as a flood
    # The loopback port `voxloop serve` takes mail in on (the demo's service mailbox): None means
    # 2525 in development and off elsewhere; 0 is off everywhere.
    mail_intake_port: int | None = None

    rate_limit_storage: str = "memory://"
    public_rate_per_ip: str = "20/minute"
    public_rate_per_org: str = "600/minute"
    # sign-in lockout: failures allowed per account from one address, and per address
    login_failures_per_account: str = "5/15 minutes"
    login_failures_per_ip: str = "50/15 minutes"

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        if self.env != "development" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("VOXLOOP_SECRET_KEY must be set to a real secret outside development")
        return self

    @property
    def session_secret(self) -> str:
        """The key that signs session cookies: `secret_key`, else the one kept in the data
        directory (made on first use)."""
        return self.secret_key or _kept_secret(self.data_dir.resolve() / "secret_key")

    def refuse_placeholder_beyond_loopback(self, host: str) -> None:
        """Serving on `host` with the published placeholder would let anyone who can reach it
        sign a session cookie for any user; only this machine may be served so."""
        if self.secret_key == PLACEHOLDER_SECRET and not _is_loopback(host):
            raise ValueError(
                f"VOXLOOP_SECRET_KEY is the placeholder: set a real secret (or unset it for a random "
                f"one kept in {self.data_dir}) to serve on {host}"
            )

    @property
    def text_processes(self) -> int:
        """Processes a large batch of text work may be shared among (`text_workers`, else one
        per CPU)."""
        return self.text_workers or os.cpu_count() or 1

    @property
    def analysis_processes(self) -> int:
        """As many, except where a forked copy of a broker connection would break it: a
        scaled-mode server or worker forks none."""
        return 1 if self.broker_url else self.text_processes

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def body_limit(self, path: str) -> int:
        """The largest request body accepted at `path`."""
        if path.startswith(("/api/v1/feedback/batch", "/api/v1/imports")):
            return self.max_batch_body_bytes
        if path.startswith(("/f/", "/feedback/new")):
            # Multipart forms carry the attachments themselves.
            return self.max_attachments * self.max_attachment_bytes + 1024 * 1024
        return self.max_body_bytes

    @property
    def attachment_dir(self) -> Path:
        return self.data_dir / "attachments"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve to anything
        return False


@lru_cache
def _kept_secret(path: Path) -> str:
    """The random key kept at `path`, made (readable by this user only) when there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(draft, path)  # complete or absent: processes starting together keep the first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path} is empty: delete it for a new key, or set VOXLOOP_SECRET_KEY")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
