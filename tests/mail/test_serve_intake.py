"""`make run` takes email in: `voxloop serve` listens for the demo's service mailbox on a
loopback SMTP port (2525 in development, VOXLOOP_MAIL_INTAKE_PORT anywhere), so a message
sent there becomes a feedback record; in tests and production it stays off unless configured."""

import os
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import free_port
from tests.factories import make_account
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.mail import inbound

VOXLOOP = Path(sys.executable).with_name("voxloop")


def _message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Emily Clark <emily@guest.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"voxloop serve exited ({process.returncode}):\n{out}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listened on 127.0.0.1:{port} within {seconds} s")


def _records(org_id: int) -> list[tuple[str, str, str]]:
    with session_scope() as db:
        rows = db.execute(
            select(Feedback.channel, Feedback.description, Feedback.language).where(Feedback.org_id == org_id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_voxloop_serve_turns_mail_to_the_service_mailbox_into_feedback(tmp_path):
    admin = make_account(role="admin")
    web, intake = free_port(), free_port()
    env = {
        **os.environ,
        "VOXLOOP_MAIL_INTAKE_PORT": str(intake),
        "VOXLOOP_SMTP_PORT": str(free_port()),  # no mail catcher on a port another run may hold
    }
    process = subprocess.Popen(
        [str(VOXLOOP), "serve", "--port", str(web)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        _wait_for_port(intake, process)
        with smtplib.SMTP("127.0.0.1", intake, timeout=30) as smtp:
            smtp.send_message(
                _message(
                    f"{admin.org_slug}@voxloop.local",
                    "Late check-out",
                    "Please add late check-out for members, until 2 pm would be great.",
                )
            )
            # A mailbox no organization owns is refused at RCPT, naming the reason.
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.send_message(_message("nobody-here@voxloop.local", "Hello", "Is anyone there?"))
        assert b"No such feedback mailbox" in refused.value.recipients["nobody-here@voxloop.local"][1]
    finally:
        process.terminate()
        out = process.communicate(timeout=60)[0].decode()
    # The 250 came after the commit: the record is there now.
    assert _records(admin.org_id) == [
        ("email", "Late check-out\n\nPlease add late check-out for members, until 2 pm would be great.", "en")
    ]
    assert f"127.0.0.1:{intake}" in out  # serve says where mail goes


def test_the_listener_runs_in_development_and_where_configured_only(settings_env):
    assert inbound.intake_port(get_settings()) is None  # tests: off
    settings_env(ENV="development")
    assert inbound.intake_port(get_settings()) == 2525
    settings_env(ENV="production", SECRET_KEY="x" * 40)
    assert inbound.intake_port(get_settings()) is None
    settings_env(MAIL_INTAKE_PORT="2626")
    assert inbound.intake_port(get_settings()) == 2626
    settings_env(ENV="development", MAIL_INTAKE_PORT="0")
    assert inbound.intake_port(get_settings()) is None


def test_a_port_in_use_leaves_serve_running_without_the_listener(settings_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings_env(MAIL_INTAKE_PORT=str(taken.getsockname()[1]))
        with inbound.listening() as controller:
            assert controller is None
