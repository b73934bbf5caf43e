"""What the fault scripts share: a fresh PostgreSQL database with one organization and an API
token, and Voxloop processes started and killed like any other program."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("VOXLOOP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Setup:
    """A database of its own (dropped at the end), its environment, and a token."""

    def __init__(self, name: str, **env: str) -> None:
        self.db = f"voxloop_fault_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db}"')
        self.dsn = ADMIN_URL.rsplit("/", 1)[0] + f"/{self.db}"
        data = Path(f"/tmp/{self.db}")
        data.mkdir()
        self.env = {
            **os.environ,
            "VOXLOOP_DATABASE_URL": self.dsn.replace("postgresql://", "postgresql+psycopg://"),
            "VOXLOOP_DATA_DIR": str(data),
            "VOXLOOP_EXECUTOR": "none",
            "VOXLOOP_ENV": "test",
            "VOXLOOP_SECRET_KEY": "faults",
            "VOXLOOP_SMTP_PORT": "9",  # acknowledgements fail and retry; nothing here reads them
            **env,
        }
        self.voxloop("migrate")
        self.voxloop("users", "create", "--org", "faults", "--org-name", "Faults", "--email", "f@example.com",
                     "--role", "admin", "--password", "faults-password-1")  # fmt: skip
        self.token = self.voxloop("tokens", "create", "--org", "faults", "--email", "f@example.com")
        self.token = self.token.strip().splitlines()[-1]

    def voxloop(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "voxloop.cli", *args], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"voxloop {' '.join(args)}: {done.stderr}")
        return done.stdout

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(f"/tmp/{self.db}/{args[0]}.log", "ab")  # noqa: SIM115 - the process keeps it
        return subprocess.Popen(
            [sys.executable, "-m", "voxloop.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # kill -9 takes its children (uvicorn, Celery's pool) too
        )

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        shutil.rmtree(f"/tmp/{self.db}", ignore_errors=True)


def kill9(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


class Intake:
    """Clients posting records without pause, each retried with its Idempotency-Key until it
    is answered 2xx; what they saw, by status."""

    def __init__(self, base: str, token: str, clients: int = 4) -> None:
        self.base, self.token = base, token
        self.acknowledged: list[str] = []
        self.statuses: dict[int | str, int] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def __enter__(self) -> "Intake":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)

    @property
    def retries(self) -> int:
        """Requests sent again: every answer but a 2xx, and every time no answer came."""
        return sum(n for status, n in self.statuses.items() if not (isinstance(status, int) and status < 300))

    def count(self, status: int | str) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def _client(self) -> None:
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {self.token}"}) as http:
            while not self.stop.is_set():
                key = uuid.uuid4().hex
                body = {"description": f"fault {key} 空调坏了，很不满意"}
                while True:
                    try:
                        r = http.post(
                            f"{self.base}/api/v1/feedback", json=body, headers={"Idempotency-Key": key}
                        )
                        self.count(r.status_code)
                        if r.status_code < 300:
                            with self.lock:
                                self.acknowledged.append(key)
                            break
                    except httpx.TransportError:
                        self.count("no answer")
                    time.sleep(0.1)


def stored(setup: Setup) -> dict[str, int]:
    """Records stored, by the key their description carries."""
    rows = setup.query("SELECT description, count(*) FROM feedback GROUP BY description")
    return {str(d).split()[1]: int(n) for d, n in rows}
