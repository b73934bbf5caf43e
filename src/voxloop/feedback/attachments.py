"""Attachment blobs on disk, addressed by SHA-256 so writing one twice is harmless."""

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from voxloop.config import get_settings
from voxloop.errors import PayloadTooLarge, UnsupportedMediaType, invalid

# content type -> magic prefixes its bytes must start with (empty: checked another way)
ALLOWED: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "text/plain": (),
}
# Control characters (CR and LF included) never belong in a file name shown on pages and in headers.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Blob:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check(filename: str, content_type: str, data: bytes, field: str) -> Blob:
    """Validate one upload: size, an allowed type, and bytes that really are of that type."""
    settings = get_settings()
    ctype = content_type.split(";")[0].strip().lower()
    if len(data) > settings.max_attachment_bytes:
        raise PayloadTooLarge(
            limit=settings.max_attachment_bytes, fields=[{"field": field, "reason": "too large"}]
        )
    if ctype not in ALLOWED:
        raise UnsupportedMediaType(
            expected=", ".join(ALLOWED),
            fields=[{"field": field, "reason": f"type {ctype!r} is not accepted"}],
        )
    if not data:
        raise invalid(field, "is empty")
    magic = ALLOWED[ctype]
    if magic and not data.startswith(magic):
        raise invalid(field, f"content is not {ctype}")
    if ctype == "text/plain":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise invalid(field, "text/plain attachments must be UTF-8") from exc
    return Blob(filename=_safe_name(filename), content_type=ctype, data=data)


def _safe_name(filename: str) -> str:
    """The name to keep and show: its last path component, without control characters."""
    name = _CONTROL.sub("_", os.path.basename(filename.replace("\\", "/"))).strip()[:255]
    return "attachment" if name in ("", ".", "..") else name


def decode_base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid(field, "is not valid base64") from exc


def path_for(sha256: str) -> Path:
    return get_settings().attachment_dir / sha256[:2] / sha256


def store(blob: Blob) -> str:
    """Write the blob durably before the record that points at it commits."""
    digest = blob.sha256
    target = path_for(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(blob.data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return digest


def load(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()
