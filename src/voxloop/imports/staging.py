"""Files uploaded on the imports page, kept between choosing the mapping, the dry run and the
import itself: a browser cannot send a file again without the user picking it once more. Each
is kept per organization under a random name, for a day."""

import re
import secrets
import time
from pathlib import Path

import pandas as pd

from voxloop.config import get_settings
from voxloop.errors import invalid
from voxloop.imports import service
from voxloop.text import files

KEEP_SECONDS = 24 * 3600
# The key names the file: 32 hex digits and the upload's suffix, which picks the reader.
_KEY = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,6}$")


def _folder(org_id: int) -> Path:
    return get_settings().data_dir / "imports" / str(org_id)


def _path(org_id: int, key: str) -> Path:
    if not _KEY.fullmatch(key):
        raise invalid("upload", "is not an uploaded file; upload it again")
    return _folder(org_id) / key


def keep(*, org_id: int, content: bytes, filename: str) -> tuple[str, pd.DataFrame]:
    """Check that the upload is a table small enough to import, and keep it; returns its key and
    the table. Raises files.TableError for a file that is not a table."""
    frame = files.read_upload(content, filename)
    service.check_size(frame)
    return keep_unread(org_id=org_id, content=content, filename=filename), frame


def keep_unread(*, org_id: int, content: bytes, filename: str) -> str:
    """Keep an upload to be read later, by the import that runs in the background; only its
    type is checked now. Returns its key."""
    suffix = Path(filename).suffix.lower()
    if suffix not in files.READABLE:
        known = ", ".join(files.READABLE)
        raise invalid("file", f"unknown file type {suffix or '(none)'}; use one of {known}")
    folder = _folder(org_id)
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    key = f"{secrets.token_hex(16)}{suffix}"
    (folder / key).write_bytes(content)
    return key


def load(*, org_id: int, key: str) -> pd.DataFrame:
    path = _path(org_id, key)
    if not path.is_file():
        raise invalid("upload", "the uploaded file is no longer kept (a day at most); upload it again")
    settings = get_settings()
    try:  # an upload kept unread is read here first: within the same limits as one read at once
        return files.read_table(path, max_rows=settings.upload_max_rows, max_cells=settings.upload_max_cells)
    except files.TableError as exc:
        raise invalid("file", str(exc).replace(str(path), "the uploaded file")) from exc


def discard(*, org_id: int, key: str) -> None:
    _path(org_id, key).unlink(missing_ok=True)
