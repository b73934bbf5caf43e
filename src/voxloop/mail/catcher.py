"""A local mail catcher for development, like MailHog: when no SMTP server is configured,
`voxloop serve` listens on the default SMTP address itself and keeps what Voxloop sends as
.eml files in <data dir>/mailcatcher, so a newcomer sees the acknowledgements, surveys and
replies on /admin/mail instead of a log full of "connection refused"."""

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from voxloop.common import ports
from voxloop.config import Settings, get_settings

log = logging.getLogger(__name__)

KEEP = 200  # messages kept; older ones are deleted as new ones come
SMTP_FIELDS = ("smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_starttls")


def folder(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "mailcatcher"


def wanted(settings: Settings) -> bool:
    """Only in development or tests, and only while every SMTP setting is left at its default
    (localhost:1025, no login): configured mail goes where it is configured."""
    return settings.env != "production" and all(
        getattr(settings, f) == Settings.model_fields[f].default for f in SMTP_FIELDS
    )


class Handler:
    """aiosmtpd handler: every message is kept as it came, whoever it is addressed to."""

    def __init__(self, into: Path) -> None:
        self.into = into

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.into.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (self.into / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(
            envelope.original_content or envelope.content
        )
        for old in sorted(self.into.glob("*.eml"))[:-KEEP]:
            old.unlink(missing_ok=True)
        return "250 OK"


def start(settings: Settings | None = None, *, port: int | None = None) -> Controller | None:
    """Start the catcher on the SMTP address Voxloop sends to; None when something else
    listens there already (a MailHog, another Voxloop)."""
    settings = settings or get_settings()
    if ports.taken(settings.smtp_host, port or settings.smtp_port):
        log.info("mail catcher not started: %s:%s is taken", settings.smtp_host, port or settings.smtp_port)
        return None
    controller = Controller(
        Handler(folder(settings)),
        hostname=settings.smtp_host,
        port=port or settings.smtp_port,
        decode_data=False,
    )
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:
        log.info("mail catcher not started: %s", exc)
        return None
    return controller


@contextmanager
def catching(settings: Settings | None = None) -> Iterator[Controller | None]:
    """The catcher, running for the block when `wanted` (else None)."""
    settings = settings or get_settings()
    controller = start(settings) if wanted(settings) else None
    if controller is not None:
        print(
            f"voxloop: no SMTP server configured; mail sent to {settings.smtp_host}:{settings.smtp_port} "
            "is caught and shown on /admin/mail"
        )
    try:
        yield controller
    finally:
        if controller is not None:
            controller.stop()


@dataclass(frozen=True)
class Caught:
    to: str
    subject: str
    sent_at: datetime | None
    body: str


def recent(*, settings: Settings | None = None, limit: int = 50) -> list[Caught]:
    """The last messages caught, newest first."""
    out = []
    for path in sorted(folder(settings).glob("*.eml"), reverse=True)[:limit]:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)  # noqa: S101  policy.default always builds EmailMessage
        body = msg.get_body(preferencelist=("plain", "html"))
        try:
            sent_at = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
        except (TypeError, ValueError):
            sent_at = None
        out.append(
            Caught(
                to=str(msg["To"] or ""),
                subject=str(msg["Subject"] or ""),
                sent_at=sent_at,
                body=body.get_content() if body is not None else "",
            )
        )
    return out


def forget(concerns: Callable[[str], bool], settings: Settings | None = None) -> int:
    """Delete the caught messages from or to an address `concerns` picks (an erased customer's);
    how many."""
    deleted = 0
    for path in folder(settings).glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        people = getaddresses([str(msg[h]) for h in ("From", "To", "Cc", "Reply-To") if msg[h]])
        if any(concerns(address) for _, address in people if address):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
