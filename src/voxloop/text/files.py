"""Reading and writing the tables `voxloop text` works on: CSV, TSV, XLSX and JSON Lines."""

import tempfile
from pathlib import Path

import pandas as pd

READABLE = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json")


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


def read_table(path: str | Path) -> pd.DataFrame:
    """Every column as text; empty cells as empty strings."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TableError(f"{path}: no such file")
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
    except (ValueError, pd.errors.ParserError) as exc:
        raise TableError(f"{path}: cannot be read as {suffix[1:].upper()}: {exc}") from exc
    raise TableError(f"{path}: unknown file type {suffix or '(none)'}; use one of {', '.join(READABLE)}")


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
