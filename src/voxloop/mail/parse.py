"""Incoming email, from raw bytes to what Voxloop keeps. Pure: no database, no network.

Parsing is defensive: mail from the internet is often malformed, mislabelled (GB2312 that is
really GBK), huge, or written by machines (auto-replies, bounces) that must never be answered.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import cast

from bs4 import BeautifulSoup

MAX_PARTS = 100  # more MIME parts than this is a mail bomb, not feedback
MAX_DEPTH = 8
MAX_TEXT = 100_000  # characters of text kept from one message

# GB2312 and GBK mail very often holds characters only GB18030 (their superset) has.
CHARSET_UPGRADES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
AUTO_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ _-]?(reply|response)|auto:|out of (the )?office|自动回复|自动答复|休假)",
    re.IGNORECASE,
)
BOUNCE_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon"}
# Where the quoted earlier message starts in a reply.
QUOTE_MARKERS = re.compile(
    r"^(On .+ wrote:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*原始邮件\s*-{2,}"
    r"|在.+写道[:：]|From: .+|发件人[:：].+)\s*$",
    re.MULTILINE,
)


class Rejected(Exception):
    """The message is not taken at all (a mail bomb, no sender, nothing in it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Inbound:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    references: list[str] = field(default_factory=list)  # In-Reply-To and References ids
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str | None = None  # why this was written by a machine, if it was
    bounced: list[str] = field(default_factory=list)  # the failed recipients of a delivery report


def parse(raw: bytes, *, max_bytes: int) -> Inbound:
    if len(raw) > max_bytes:
        raise Rejected(f"larger than {max_bytes} bytes")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    parts = list(_walk(msg, 0))
    if len(parts) > MAX_PARTS:
        raise Rejected(f"more than {MAX_PARTS} MIME parts")
    name, sender = parseaddr(str(msg.get("From", "")))
    sender = sender.strip().lower()
    if "@" not in sender:
        raise Rejected("no sender address")
    subject = _header(msg, "Subject")
    plain = [p for p in parts if p.get_content_type() == "text/plain" and not _is_attachment(p)]
    html = [p for p in parts if p.get_content_type() == "text/html" and not _is_attachment(p)]
    if plain:
        text = "\n\n".join(_decode(p) for p in plain)
    else:
        text = "\n\n".join(html_to_text(_decode(p)) for p in html)
    text = _tidy(text)
    if len(text) > MAX_TEXT:
        raise Rejected(f"more than {MAX_TEXT} characters of text")
    attachments = [
        Attachment(
            filename=_clean_name(p.get_filename() or "attachment"),
            content_type=p.get_content_type(),
            data=cast(bytes, p.get_payload(decode=True) or b""),  # a leaf part decodes to bytes
        )
        for p in parts
        if _is_attachment(p)
    ]
    message_id = _header(msg, "Message-ID").strip() or f"<no-id-{hash(raw) & 0xFFFFFFFF:x}@voxloop>"
    refs = " ".join(_header(msg, h) for h in ("In-Reply-To", "References"))
    return Inbound(
        message_id=message_id[:300],
        sender=sender[:320],
        sender_name=(name or "").strip()[:200],
        subject=subject.strip()[:500],
        text=text,
        references=re.findall(r"<[^<>\s]+>", refs),
        attachments=attachments,
        automatic=automatic(msg, sender, subject),
        bounced=failed_recipients(msg),
    )


def failed_recipients(msg: Message) -> list[str]:
    """The Final-Recipient addresses of a delivery report (RFC 3464) that failed."""
    if msg.get_content_type() != "multipart/report":
        return []
    out = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Message):
                continue
            recipient = str(block.get("Final-Recipient", ""))
            action = str(block.get("Action", "failed")).strip().lower()
            if ";" in recipient and action == "failed":
                out.append(recipient.split(";", 1)[1].strip().lower())
    return out


def automatic(msg: Message, sender: str, subject: str) -> str | None:
    """Why a message was sent by a machine (RFC 3834 and common practice), or None."""
    return (
        _auto_headers(msg)
        or _bounce(msg, sender)
        or ("auto-reply subject" if AUTO_SUBJECTS.match(subject) else None)
    )


def _auto_headers(msg: Message) -> str | None:
    """The headers an auto-responder or a mailing list sets."""
    auto = _header(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    name = next((n for n in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply") if msg.get(n) is not None), None)
    if name is not None:
        return f"{name} header"
    precedence = _header(msg, "Precedence").strip().lower()
    return f"Precedence: {precedence}" if precedence in ("bulk", "junk", "list", "auto_reply") else None


def _bounce(msg: Message, sender: str) -> str | None:
    """The marks of a delivery report."""
    if msg.get_content_type() == "multipart/report":
        return "delivery report (bounce)"
    if sender.split("@")[0] in BOUNCE_SENDERS:
        return f"sent by {sender.split('@')[0]} (bounce)"
    if _header(msg, "Return-Path").strip() == "<>":
        return "empty Return-Path (bounce)"
    return None


def html_to_text(html: str) -> str:
    """The readable text of an HTML body; scripts, styles and markup are dropped."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "meta"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup.get_text("\n")


def strip_quoted(text: str) -> str:
    """A reply without the earlier message it quotes."""
    marker = QUOTE_MARKERS.search(text)
    if marker:
        text = text[: marker.start()]
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return _tidy("\n".join(lines))


def recipients(msg_to: str) -> list[str]:
    return [addr.lower() for _, addr in getaddresses([msg_to]) if addr]


def _walk(part: Message, depth: int) -> Iterator[Message]:
    if depth > MAX_DEPTH:
        raise Rejected(f"MIME nested deeper than {MAX_DEPTH}")
    if part.is_multipart():
        for sub in cast("list[Message]", part.get_payload()):  # a multipart's payload
            yield from _walk(sub, depth + 1)
    else:
        yield part


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or (
        part.get_filename() is not None and not part.get_content_type().startswith("text/")
    )


def _decode(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    assert isinstance(data, bytes)  # noqa: S101  get_payload(decode=True) returns bytes for a leaf part
    declared = (part.get_content_charset() or "").lower()
    for charset in (CHARSET_UPGRADES.get(declared, declared), "utf-8", "gb18030"):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except (IndexError, ValueError, LookupError):  # malformed encoded words
        return ""
    return "" if value is None else str(value)


def _clean_name(name: str) -> str:
    return re.sub(r"[\x00-\x1f/\\]", "_", name).strip()[:255] or "attachment"


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


__all__ = ["Attachment", "EmailMessage", "Inbound", "Rejected", "parse", "strip_quoted"]
