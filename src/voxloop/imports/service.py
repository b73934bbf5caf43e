"""Importing feedback from a CSV/XLSX export of another system: each row validated like an API
item, duplicates dropped (within the file, and against records already imported with the
same external reference), the rest written in batches of 1,000 through normal intake (triaged,
never acknowledged: the customers wrote long ago)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.service import Actor
from voxloop.common import forked
from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.db import write_lock
from voxloop.errors import (
    InvalidInput,
    NotFound,
    RateLimited,
    VoxloopError,
    field_error,
    invalid,
    row_problems,
)
from voxloop.feedback import flows
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.feedback.schemas import FeedbackCreate
from voxloop.imports import mapping as m
from voxloop.imports.models import ImportRun, ImportSource
from voxloop.jobs import service as jobs
from voxloop.text import pii
from voxloop.triage import service as triage_service

RUN = "imports.run"
CHUNK = 1_000
PREVIEW = 20
MAX_PROBLEMS = 1_000
MAX_ROWS = 200_000  # per upload over HTTP; larger files: `voxloop import` on the server


def save_source(
    *, db: Session, org_id: int, name: str, mapping: dict[str, str], defaults: dict[str, Any]
) -> ImportSource:
    """Keep a source's mapping (replacing the one of the same name); the caller commits."""
    bad = [p for p in m.problems(mapping, defaults, list(mapping.values())) if "no column" not in p["reason"]]
    if bad:
        raise InvalidInput(fields=bad)
    source = db.scalars(
        select(ImportSource).where(ImportSource.org_id == org_id, ImportSource.name == name)
    ).first()
    if source is None:
        source = ImportSource(org_id=org_id, name=name, mapping=mapping, defaults=defaults)
        db.add(source)
    else:
        source.mapping, source.defaults = mapping, defaults
    db.flush()
    return source


def get_source(*, db: Session, org_id: int, name: str) -> ImportSource:
    source = db.scalars(
        select(ImportSource).where(ImportSource.org_id == org_id, ImportSource.name == name)
    ).first()
    if source is None:
        raise NotFound()
    return source


def list_sources(*, db: Session, org_id: int) -> list[ImportSource]:
    return list(
        db.scalars(select(ImportSource).where(ImportSource.org_id == org_id).order_by(ImportSource.name))
    )


def list_runs(*, db: Session, org_id: int, limit: int = 50) -> list[ImportRun]:
    return list(
        db.scalars(
            select(ImportRun).where(ImportRun.org_id == org_id).order_by(ImportRun.id.desc()).limit(limit)
        )
    )


def check_size(frame: pd.DataFrame) -> None:
    """Refuse an upload too large to import within a request."""
    if len(frame) > MAX_ROWS:
        raise invalid("file", f"has {len(frame):,} rows; up to {MAX_ROWS:,} here, more with `voxloop import`")


def queue(
    *,
    db: Session,
    org: Organization,
    actor: Actor,
    frame: pd.DataFrame | None,
    upload: str,
    mapping: dict[str, str],
    defaults: dict[str, Any],
    filename: str,
    source: str | None = None,
) -> ImportRun:
    """Record an import of a kept upload as running and queue its writing (the web's import:
    its page shows the progress); the mapping is checked first. Without the `frame` (a large
    upload kept unread), the columns it names and the rows are checked when the import runs."""
    # Unread, each column named is checked against the file once the import reads it.
    columns = list(mapping.values()) if frame is None else [str(c) for c in frame.columns]
    wrong = m.problems(mapping, defaults, columns)
    if wrong:
        raise InvalidInput(fields=wrong)
    db.commit()
    with write_lock():
        _refuse_past_running_limit(db, org.id)
        record = ImportRun(
            org_id=org.id, filename=filename[:255], source=source, dry_run=False,
            rows=0 if frame is None else len(frame), by=actor.label, created=0, duplicates=0, failed=0,
            problems=[], position=0, status="running",
        )  # fmt: skip
        db.add(record)
        db.flush()
        payload = {"run_id": record.id, "upload": upload, "mapping": mapping, "defaults": defaults}
        jobs.enqueue(db=db, org_id=org.id, task=RUN, payload={**payload, "user_id": actor.user_id})
        db.commit()
    return record


def _refuse_past_running_limit(db: Session, org_id: int) -> None:
    """One organization's imports may not take every worker: past VOXLOOP_IMPORT_MAX_RUNNING
    at once, another waits (429). A run left running a day (its upload is no longer kept)
    counts no more."""
    limit = get_settings().import_max_running
    running = db.scalar(
        select(func.count())
        .select_from(ImportRun)
        .where(
            ImportRun.org_id == org_id,
            ImportRun.status == "running",
            ImportRun.created_at > utcnow() - timedelta(days=1),  # as long as staging keeps uploads
        )
    )
    if (running or 0) >= limit:
        reason = f"{running} imports are running for this organization; at most {limit} at once"
        raise RateLimited(fields=[field_error("file", reason)], headers={"Retry-After": "60"})


def get_run(*, db: Session, org_id: int, run_id: int) -> ImportRun:
    found = db.scalars(select(ImportRun).where(ImportRun.org_id == org_id, ImportRun.id == run_id)).first()
    if found is None:
        raise NotFound()
    return found


def _known_refs(db: Session, org_id: int, refs: list[str]) -> set[str]:
    if not refs:
        return set()
    return set(
        db.scalars(
            select(Feedback.external_ref).where(Feedback.org_id == org_id, Feedback.external_ref.in_(refs))
        )
    )


class Prepared(NamedTuple):
    """One row of the file, checked: its problems, or the record to write and the key that
    finds it twice (its external reference, else its text, time and customer's email)."""

    row: int  # as a spreadsheet numbers it: the header is row 1
    problems: list[dict[str, Any]]
    key: Any = None
    draft: feedback.Draft | None = None
    preview: dict[str, Any] | None = None

    @property
    def offset(self) -> int:  # the row's position in the frame
        return self.row - 2


def prepare(
    frame: pd.DataFrame,
    *,
    mapping: dict[str, str],
    defaults: dict[str, Any],
    timezone: str,
    channels: dict[str, Any],
    start: int,
    triage: triage_service.Setup | None,
) -> list[Prepared]:
    """Check a part of the file (pure computation, done by forked processes for a large file):
    each row validated as an API item and made a draft; with a triage `setup`, the drafts of
    rows from `start` on are triaged too, so they are written once, already classified."""
    out: list[Prepared] = []
    previews = 0
    first = int(frame.index[0]) if len(frame) else 0
    for index, item in enumerate(m.items(frame, mapping, defaults, timezone), start=first):
        row = index + 2
        try:
            data = FeedbackCreate.model_validate(item)
            draft = flows.draft_from_api(data, channels)
        except ValidationError as exc:
            out.append(Prepared(row, row_problems(exc, row)))
            continue
        except VoxloopError as exc:
            fields = exc.fields or [field_error("row", exc.message)]
            out.append(Prepared(row, [{"row": row, **f} for f in fields]))
            continue
        email = data.customer.email if data.customer else None
        key = ("ref", data.external_ref) if data.external_ref else (data.description, data.received_at, email)
        preview = None
        if previews < PREVIEW and index >= start:
            preview = data.model_dump(mode="json", exclude={"attachments"}, exclude_none=True)
            previews += 1
        out.append(Prepared(row, [], key, draft, preview))
    if triage is not None:
        _triage([p.draft for p in out if p.draft is not None and p.offset >= start], triage)
    return out


def _triage(drafts: list[feedback.Draft], setup: triage_service.Setup) -> None:
    # what triage reads: the texts as they will be stored
    stored = pii.redact if setup.redact else str
    texts = [stored(d.row["description"]) for d in drafts]
    # history alerts nobody and the fast tier types it: the sentence encoder reads a few
    # hundred texts a second, not a million rows
    found = triage_service.guesses(texts, setup, meaning=False)
    for d, text, guess in zip(drafts, texts, found, strict=True):
        request = d.row["customer_request"]
        decided = triage_service.decide(
            setup, guess, description=text, customer_request=stored(request) if request else None,
            channel=d.row["channel"], touchpoint=d.row["touchpoint"], language=d.row["language"],
        )  # fmt: skip
        d.row.update(triage_service.columns(decided))


def run(
    *,
    db: Session,
    org: Organization,
    actor: Actor,
    frame: pd.DataFrame,
    mapping: dict[str, str],
    defaults: dict[str, Any],
    filename: str,
    source: str | None = None,
    dry_run: bool = False,
    classify: bool = False,
    processes: int | None = None,
    progress: Callable[[int], None] | None = None,
    record: ImportRun | None = None,
) -> tuple[ImportRun, list[dict[str, Any]]]:
    """Import (or, with `dry_run`, only check) every row; returns the run with its counts and
    per-row problems, and a preview of the first rows as they would be recorded.

    With `classify`, the rows are triaged before they are written (imported history: classified,
    never routed, no clocks, nobody thanked); else triage runs after, through the outbox. The
    rows are checked (and triaged) in parts by `processes` forked processes (default: the
    analysis setting) while this one writes them in order.

    With a `record` (an import queued from the web), its counts and position are saved with
    each batch written, in the same transaction, and the import goes on from its position:
    run again after a crash, it writes each row once."""
    wrong = m.problems(mapping, defaults, [str(c) for c in frame.columns])
    if wrong:
        raise InvalidInput(fields=wrong)
    frame = frame.reset_index(drop=True)
    defaults = {"channel": "import", **defaults}
    if record is None:
        record = ImportRun(
            org_id=org.id, filename=filename[:255], source=source, dry_run=dry_run, rows=len(frame),
            by=actor.label, created=0, duplicates=0, failed=0, problems=[], position=0,
        )  # fmt: skip
    # Counted here and saved into the record only with the rows they count.
    counts = {"created": record.created, "duplicates": record.duplicates, "failed": record.failed}
    problems: list[dict[str, Any]] = list(record.problems)
    preview: list[dict[str, Any]] = []
    seen: set[Any] = set()
    pending: list[tuple[feedback.Draft, str | None]] = []
    start = position = record.position  # rows before it were handled by an earlier try
    triage = triage_service.setup(db=db, org_id=org.id) if classify and not dry_run else None
    options = {
        "mapping": mapping, "defaults": defaults, "timezone": org.timezone, "start": start, "triage": triage,
        "channels": feedback.active_channels(db=db, org_id=org.id),
    }  # fmt: skip
    db.commit()  # the forked processes must not share an open transaction

    def save() -> None:  # counts and position, in the transaction of the rows they count
        for name, value in counts.items():
            setattr(record, name, value)
        record.position, record.problems = position, problems[:MAX_PROBLEMS]

    def written(db: Session, created: list[feedback.Created]) -> None:  # flows.receive's `also`
        save()
        if triage is not None:
            records = [{**c.row, "id": c.id} for c in created]
            triage_service.finish_imported(db=db, org_id=org.id, records=records)

    def flush() -> None:
        known = _known_refs(db, org.id, [ref for _, ref in pending if ref])
        drafts = [draft for draft, ref in pending if not ref or ref not in known]
        counts["duplicates"] += len(pending) - len(drafts)
        counts["created"] += len(drafts)
        if drafts and not dry_run:
            flows.receive(
                db=db, org=org, actor=actor, drafts=drafts, recorded_by_id=actor.user_id, acknowledge=False,
                historical=True, triaged=triage is not None, also=written,
            )  # fmt: skip
        if progress:
            progress(len(pending))
        pending.clear()

    processes = processes or get_settings().analysis_processes
    parts = forked.in_parts(prepare, frame, options, processes=processes, minimum=2 * forked.PART)
    for part in parts:
        for p in part:
            earlier = p.offset < start
            if not earlier:
                position = p.offset + 1
            if p.problems:
                if not earlier:
                    counts["failed"] += 1
                    problems.extend(p.problems)
                continue
            if earlier:  # written (or found twice) by the earlier try: only remembered
                seen.add(p.key)
                continue
            if p.key in seen:
                counts["duplicates"] += 1
                continue
            seen.add(p.key)
            if p.preview is not None and len(preview) < PREVIEW:
                preview.append({"row": p.row, **p.preview})
            assert p.draft is not None
            pending.append((p.draft, p.draft.external_ref))
            if len(pending) >= CHUNK:
                flush()
    flush()
    position = len(frame)
    db.commit()  # end the read transaction before waiting for the lock
    with write_lock():
        save()
        record.status = "done"
        db.add(record)
        db.commit()
    return record, preview
