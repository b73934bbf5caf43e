"""Test set-up: a real SQLite file or a real PostgreSQL database, a real SMTP server.

The suite runs once per database: VOXLOOP_TEST_DATABASE=sqlite (default) or postgresql.
With CI=true, an unreachable PostgreSQL fails the run instead of being skipped.
"""

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import text

PG_ADMIN_URL = os.environ.get("VOXLOOP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKEND = os.environ.get("VOXLOOP_TEST_DATABASE", "sqlite")
# Scaled mode: jobs go through this broker (redis://… or amqp://…) to a Celery worker.
BROKER = os.environ.get("VOXLOOP_TEST_BROKER", "")


def _create_pg_database() -> str:
    name = f"voxloop_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.exit(
            f"PostgreSQL is required for this run and is unreachable at {PG_ADMIN_URL}: {exc}", returncode=3
        )
    return name


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(name: str) -> str:
    """Voxloop's URL (SQLAlchemy with psycopg) for the database `name` on the test server."""
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database of one's own (whatever the session runs on), dropped after;
    an unreachable server ends the run, as for the session's own database."""
    name = _create_pg_database()
    try:
        yield pg_url(name)
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session", autouse=True)
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate a fresh database for the session with Voxloop's own migrations."""
    data_dir = tmp_path_factory.mktemp("voxloop-data")
    pg_name = None
    if BACKEND == "postgresql":
        pg_name = _create_pg_database()
        url = pg_url(pg_name)
    else:
        url = f"sqlite:///{data_dir / 'voxloop.db'}"
    os.environ.update(
        VOXLOOP_ENV="test",
        VOXLOOP_DATABASE_URL=url,
        VOXLOOP_DATA_DIR=str(data_dir),
        VOXLOOP_EXECUTOR="none",
        VOXLOOP_SECRET_KEY="test-secret",
        VOXLOOP_BASE_URL="http://testserver",
        VOXLOOP_VENDOR_DIR=str(Path(__file__).resolve().parent.parent / "node_modules"),
        VOXLOOP_PUBLIC_RATE_PER_IP="1000/minute",
        VOXLOOP_PUBLIC_RATE_PER_ORG="10000/minute",
        VOXLOOP_BROKER_URL=BROKER,
    )
    from voxloop.db import reset_caches
    from voxloop.migrate import upgrade

    reset_caches()
    upgrade()
    yield url
    reset_caches()
    if pg_name:
        _drop_pg_database(pg_name)


@pytest.fixture(scope="session", autouse=True)
def celery_worker(database: str) -> Iterator[object]:
    """In scaled mode, a real Celery worker on the real broker, in this process (so a test's
    clock is the worker's too); `drain()` relays the outbox to it and waits."""
    if not BROKER:
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    from voxloop.jobs import queue

    queue.app.cache_clear()
    app = queue.app()
    app.control.purge()  # tasks an earlier, interrupted run left on the broker
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture(autouse=True)
def clean_tables(database: str) -> Iterator[None]:
    """Every test starts from empty tables."""
    yield
    from voxloop.commitments import service as commitments
    from voxloop.common import cache, ratelimit
    from voxloop.db import get_engine, set_clock
    from voxloop.models import Base
    from voxloop.privacy import service as privacy
    from voxloop.surveys import service as surveys
    from voxloop.text import service as text_models
    from voxloop.webhooks import service as webhooks

    if BROKER:  # a task still queued would meet the next test's messages (ids start again at 1)
        from voxloop.jobs import queue

        queue.app().control.purge()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with get_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f"DELETE FROM {t}"))
    ratelimit.reset()
    cache.clear_all()
    commitments.reset_cache()
    surveys.reset_cache()
    text_models.reset_cache()
    webhooks.reset_cache()
    privacy.reset_cache()
    set_clock(None)


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Change settings for one test: settings_env(PUBLIC_RATE_PER_IP='3/minute')."""
    from voxloop.common import ratelimit
    from voxloop.config import get_settings

    def apply(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"VOXLOOP_{key.upper()}", value)
        get_settings.cache_clear()
        ratelimit.reset()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
    ratelimit.reset()


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    from voxloop.main import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def until(check: Callable[[], T | None], timeout: float = 60.0, what: str = "the condition") -> T:
    """Poll `check` (work done in the background: an executor, a served process) until it
    returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.25)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return self.messages


@pytest.fixture
def smtp(settings_env) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    """A real SMTP server on a free port; Voxloop is pointed at it."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings_env(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    yield box
    controller.stop()


class TravelClock:
    """The time Voxloop sees; tests set or advance it to travel."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[TravelClock]:
    from voxloop.db import set_clock

    travel = TravelClock(datetime.now(UTC))
    set_clock(travel)
    yield travel
    set_clock(None)
