"""Reading and writing the tables `voxloop text` works on: CSV, TSV, XLSX and JSON Lines."""

import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pandas as pd

READABLE = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json")
# An XLSX is a ZIP of XML: a few hundred kilobytes can inflate to gigabytes (a zip bomb).
MAX_XLSX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_XLSX_ENTRIES = 1_000


class TableError(ValueError):
    """A file that cannot be read as a table, or lacks a named column."""


def _read_delimited(path: Path, sep: str) -> pd.DataFrame:
    # Spreadsheets exported in China are often GB18030; UTF-8 (with or without BOM) comes first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
    return pd.read_csv(
        path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace"
    )


def _check_workbook(path: Path) -> None:
    """Refuse a zip bomb by what the archive's central directory declares, before anything is
    inflated; Python's zipfile (under openpyxl) never inflates an entry past its declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise TableError(f"{path}: is not an XLSX workbook (not a ZIP archive)") from exc
    if len(entries) > MAX_XLSX_ENTRIES:
        raise TableError(
            f"{path}: holds {len(entries):,} files; an XLSX workbook holds {MAX_XLSX_ENTRIES:,} at most"
        )
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        raise TableError(f"{path}: is not an XLSX workbook (a ZIP archive without xl/workbook.xml)")
    unzipped = sum(e.file_size for e in entries)
    if unzipped > MAX_XLSX_UNZIPPED_BYTES:
        raise TableError(f"{path}: unzips to {unzipped:,} bytes; at most {MAX_XLSX_UNZIPPED_BYTES:,}")


def read_table(path: str | Path) -> pd.DataFrame:
    """Every column as text; empty cells as empty strings."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if suffix in (".xlsx", ".xlsm"):
        _check_workbook(path)
    try:
        if suffix in (".tsv", ".tab"):
            return _read_delimited(path, "\t")
        if suffix in (".csv", ".txt"):
            return _read_delimited(path, ",")
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str).fillna("")
        if suffix in (".jsonl", ".ndjson", ".json"):
            frame = pd.read_json(path, lines=suffix != ".json", dtype=False)
            return frame.astype(object).where(frame.notna(), "")
    # A damaged workbook fails inside openpyxl with the ZIP's or the XML parser's own errors.
    except (ValueError, pd.errors.ParserError, zipfile.BadZipFile, KeyError, ParseError) as exc:
        raise TableError(f"{path}: cannot be read as {suffix[1:].upper()}: {exc}") from exc
    raise TableError(f"{path}: unknown file type {suffix or '(none)'}; use one of {', '.join(READABLE)}")


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """A table's rows as dicts (a .jsonl set, a CSV, ...)."""
    rows: list[dict[str, Any]] = read_table(path).to_dict("records")
    return rows


def training_records(eval_dir: Path, name: str) -> list[dict[str, Any]]:
    """A hand-written set the learned heads train on: its development half in eval/ and the
    messages written only for training in eval/train/ (never eval/holdout/)."""
    extra = eval_dir / "train" / name
    return read_records(eval_dir / name) + (read_records(extra) if extra.exists() else [])


def read_upload(content: bytes, filename: str) -> pd.DataFrame:
    """A table from an uploaded file's bytes, its type taken from the file name; errors name the
    uploaded file, not the temporary copy."""
    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix.lower()) as tmp:
        tmp.write(content)
        tmp.flush()
        try:
            return read_table(tmp.name)
        except TableError as exc:
            raise TableError(str(exc).replace(tmp.name, filename)) from exc


def require_columns(frame: pd.DataFrame, path: str | Path, *columns: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "(none)"
        raise TableError(
            f"{Path(path).name} has no column {', '.join(map(repr, missing))}; its columns are: {have}"
        )


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """By the file name: .xlsx, .tsv, .jsonl, else CSV (UTF-8)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame.to_excel(path, index=False)
    elif suffix in (".tsv", ".tab"):
        frame.to_csv(path, sep="\t", index=False)
    elif suffix in (".jsonl", ".ndjson"):
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(path, index=False)
