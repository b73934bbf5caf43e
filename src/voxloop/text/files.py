"""Reading and writing the tables `voxloop text` works on: CSV, TSV, XLSX and JSON Lines."""

import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

import pandas as pd

from voxloop.config import get_settings

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


_CELL = re.compile(r"([A-Z]{1,3})\d*$")


def _check_expansion(path: Path, max_rows: int, max_cells: int) -> None:
    """Refuse a workbook whose sheets expand to more rows or cells than allowed. Each sheet's
    XML is read as a stream and reading stops at the limit, before a table is built: a few
    compressed bytes can put a cell a million rows down or 16,384 columns across, and the
    reader fills in every row and column up to it."""
    rows = cells = 0  # as the reader expands them: up to each row's last cell, each sheet's last row
    row = column = width = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal rows, cells, row, column, width
        tag = name.rsplit(":", 1)[-1]
        if tag == "row":
            row = int(attrs["r"]) if attrs.get("r", "").isdigit() else row + 1
            column = width = 0
            if rows + row > max_rows + 1:  # the first row names the columns
                raise _too_large(path, max_rows, "rows")
        elif tag == "c":
            found = _CELL.match(attrs.get("r", ""))
            column = _column_number(found.group(1)) if found else column + 1
            width = max(width, column)
            if cells + width > max_cells:
                raise _too_large(path, max_cells, "cells")

    def end(name: str) -> None:
        nonlocal cells, width
        if name.rsplit(":", 1)[-1] == "row":
            cells, width = cells + width, 0

    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            if not (entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")):
                continue
            parser = expat.ParserCreate()
            parser.StartElementHandler, parser.EndElementHandler = start, end
            with archive.open(entry) as sheet:
                try:
                    while chunk := sheet.read(1 << 16):
                        parser.Parse(chunk, False)
                except (expat.ExpatError, zipfile.BadZipFile):
                    pass  # a damaged sheet: the reader refuses it, naming the fault
            rows, row = rows + row, 0


def _too_large(path: Path, limit: int, what: str) -> TableError:
    return TableError(f"{path}: has more than {limit:,} {what}, the most one upload may hold")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def read_table(
    path: str | Path, *, max_rows: int | None = None, max_cells: int | None = None
) -> pd.DataFrame:
    """Every column as text; empty cells as empty strings. With limits, a table of more rows or
    cells is refused (a workbook as soon as reading it passes one)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if suffix in (".xlsx", ".xlsm"):
        _check_workbook(path)
    if max_rows is not None and max_cells is not None:
        if suffix in (".xlsx", ".xlsm"):
            _check_expansion(path, max_rows, max_cells)
        frame = read_table(path)
        if len(frame) > max_rows:
            raise _too_large(path, max_rows, "rows")
        if frame.size > max_cells:
            raise _too_large(path, max_cells, "cells")
        return frame
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
    """A table from an uploaded file's bytes, its type taken from the file name, within the rows
    and cells an upload may hold (VOXLOOP_UPLOAD_MAX_ROWS, VOXLOOP_UPLOAD_MAX_CELLS); errors name
    the uploaded file, not the temporary copy."""
    settings = get_settings()
    max_rows, max_cells = settings.upload_max_rows, settings.upload_max_cells
    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix.lower()) as tmp:
        tmp.write(content)
        tmp.flush()
        try:
            return read_table(tmp.name, max_rows=max_rows, max_cells=max_cells)
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
