"""Where email comes in: an SMTP listener (`voxloop mail serve`, and on loopback beside
`voxloop serve` in development) and an IMAP poller for an existing mailbox (`voxloop mail
poll`). Both hand raw messages to mail.service.take, and answer the sender's server (250) or
mark the message seen only after it is committed."""

import imaplib
import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from starlette.concurrency import run_in_threadpool

from voxloop.accounts import service as accounts
from voxloop.common import ports
from voxloop.config import Settings, get_settings
from voxloop.db import session_scope
from voxloop.mail import service
from voxloop.mail.parse import recipients

log = logging.getLogger(__name__)


class SmtpHandler:
    """aiosmtpd handler: recipients name the organization (`<slug>@…` or `…+<slug>@…`)."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        def known() -> bool:
            with session_scope(readonly=True) as db:
                return service.org_for(db, [address.lower()]) is not None

        if not await run_in_threadpool(known):
            return "550 5.1.1 No such feedback mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if len(raw) > get_settings().mail_max_bytes:
            return "552 5.3.4 Message too big"

        def take() -> list[service.Outcome]:
            outcomes = []
            with session_scope() as db:
                slugs = {service.org_for(db, [r.lower()]) for r in envelope.rcpt_tos}
                for org in slugs:
                    if org is not None:
                        outcomes.append(service.take(db, org, raw))
            return outcomes

        try:
            outcomes = await run_in_threadpool(take)
        except Exception:
            log.exception("email intake failed")
            return "451 4.3.0 Temporary failure, try again later"
        if outcomes and all(o.outcome == "rejected" for o in outcomes):
            return f"554 5.6.0 {outcomes[0].reason}"
        return "250 2.0.0 Accepted"


def smtp_controller(host: str, port: int) -> Controller:
    return Controller(
        SmtpHandler(),
        hostname=host,
        port=port,
        data_size_limit=get_settings().mail_max_bytes,
        decode_data=False,
    )


DEV_INTAKE_PORT = 2525
LOOPBACK = "127.0.0.1"


def intake_port(settings: Settings) -> int | None:
    """The loopback port `voxloop serve` takes mail in on: VOXLOOP_MAIL_INTAKE_PORT wherever it
    is set (0: off), else 2525 in development (what `make run` uses) and off in tests and
    production, where `voxloop mail serve` or `voxloop mail poll` is the way in."""
    port = settings.mail_intake_port
    if port is None:
        return DEV_INTAKE_PORT if settings.env == "development" else None
    return port or None


@contextmanager
def listening(settings: Settings | None = None) -> Iterator[Controller | None]:
    """The SMTP listener on loopback for the block, when `intake_port` says so (else None; also
    None when the port is taken: serving the pages matters more than the demo's mailbox)."""
    settings = settings or get_settings()
    port = intake_port(settings)
    if port and ports.taken(LOOPBACK, port):
        log.warning("email intake not started on %s:%s: the port is taken", LOOPBACK, port)
        port = None
    controller = smtp_controller(LOOPBACK, port) if port else None
    if controller is not None:
        try:
            controller.start()
        except (OSError, RuntimeError) as exc:
            log.warning("email intake not started on %s:%s: %s", LOOPBACK, port, exc)
            controller = None
        else:
            print(
                f"voxloop: mail sent to {LOOPBACK}:{port} for <org slug>@… "
                "(the demo's: cloudhill@voxloop.local) becomes feedback",
                flush=True,
            )
    try:
        yield controller
    finally:
        if controller is not None:
            controller.stop()


@dataclass(frozen=True)
class Mailbox:
    org: str  # organization slug
    host: str
    port: int
    user: str
    password: str
    ssl: bool = False
    folder: str = "INBOX"


@contextmanager
def _imap(box: Mailbox) -> Iterator[imaplib.IMAP4]:
    conn = imaplib.IMAP4_SSL(box.host, box.port) if box.ssl else imaplib.IMAP4(box.host, box.port)
    try:
        conn.login(box.user, box.password)
        conn.select(box.folder)
        yield conn
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


def poll(box: Mailbox) -> list[service.Outcome]:
    """Take every unseen message once. A message is marked seen only after it is committed;
    one polled again after a crash is recognised by its Message-ID."""
    with session_scope(readonly=True) as db:
        org = accounts.get_org_by_slug(db=db, slug=box.org)
        if org is None:
            raise LookupError(f"no organization {box.org!r}")
    outcomes = []
    with _imap(box) as conn:
        _, found = conn.uid("SEARCH", "UNSEEN")
        for uid in (found[0] or b"").split():
            _, data = conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if raw is None:
                continue
            with session_scope() as db:
                outcomes.append(service.take(db, db.merge(org), raw))
            conn.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
    return outcomes


__all__ = ["Mailbox", "SmtpHandler", "poll", "recipients", "smtp_controller"]
