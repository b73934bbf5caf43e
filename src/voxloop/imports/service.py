"""Importing feedback from a CSV/XLSX export of another system: each row validated like an API
item, duplicates dropped (within the file, and against records already imported with the
same external reference), the rest written in batches of 1,000 through normal intake (triaged,
never acknowledged: the customers wrote long ago)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
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
from voxloop.db import writing
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
from voxloop.triage import flows as triage_flows
from voxloop.triage import service as triage_service
from voxloop.triage.service import TriageDecision

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
    with writing(db):
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
    """One row of the file, checked: its problems, or the record to write, the key that finds
    it twice (its external reference, else its text, time and customer's email) and, when the
    import classifies, its triage."""

    row: int  # as a spreadsheet numbers it: the header is row 1
    problems: list[dict[str, Any]]
    key: Any = None
    draft: feedback.Draft | None = None
    preview: dict[str, Any] | None = None
    decision: TriageDecision | None = None

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
        todo = [(i, p.draft) for i, p in enumerate(out) if p.draft is not None and p.offset >= start]
        decisions = _triage([draft for _, draft in todo], triage)
        for (i, _), decision in zip(todo, decisions, strict=True):
            out[i] = out[i]._replace(decision=decision)
    return out


def _triage(drafts: list[feedback.Draft], setup: triage_service.Setup) -> list[TriageDecision]:
    # what triage reads: the texts as they will be stored
    stored = pii.redact if setup.redact else str
    texts = [stored(d.row["description"]) for d in drafts]
    # history alerts nobody and the fast tier types it: the sentence encoder reads a few
    # hundred texts a second, not a million rows
    found = triage_service.guesses(texts, setup, meaning=False)
    decisions = []
    for d, text, guess in zip(drafts, texts, found, strict=True):
        request = d.row["customer_request"]
        decided = triage_service.decide(
            setup, guess, description=text, customer_request=stored(request) if request else None,
            channel=d.row["channel"], touchpoint=d.row["touchpoint"], language=d.row["language"],
        )  # fmt: skip
        d.row.update(decided.columns())
        decisions.append(decided)
    return decisions


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
    state = _Tally.of(record)
    preview: list[dict[str, Any]] = []
    seen: set[Any] = set()
    pending: list[tuple[feedback.Draft, str | None, TriageDecision | None]] = []
    start = record.position  # rows before it were handled by an earlier try
    triage = triage_service.setup(db=db, org_id=org.id) if classify and not dry_run else None
    options = {
        "mapping": mapping, "defaults": defaults, "timezone": org.timezone, "start": start, "triage": triage,
        "channels": feedback.active_channels(db=db, org_id=org.id),
    }  # fmt: skip
    db.commit()  # the forked processes must not share an open transaction
    write = partial(
        _write, db=db, org=org, actor=actor, tally=state, triage=triage, dry_run=dry_run, progress=progress
    )
    processes = processes or get_settings().analysis_processes
    parts = forked.in_parts(prepare, frame, options, processes=processes, minimum=2 * forked.PART)
    for part in parts:
        for p in part:
            if p.offset >= start:
                state.position = p.offset + 1
            if not _kept(p, start, seen, state, preview):
                continue
            assert p.draft is not None  # noqa: S101  a row without problems always carries its draft
            pending.append((p.draft, p.draft.external_ref, p.decision))
            if len(pending) >= CHUNK:
                write(pending)
                pending = []
    write(pending)
    state.position = len(frame)
    with writing(db):
        state.save()
        record.status = "done"
        db.add(record)
    return record, preview


@dataclass
class _Tally:
    """An import's counts, problems and position: counted here, and saved into its run only
    with the rows they count."""

    record: ImportRun
    counts: dict[str, int]
    problems: list[dict[str, Any]]
    position: int

    @classmethod
    def of(cls, record: ImportRun) -> "_Tally":
        counts = {"created": record.created, "duplicates": record.duplicates, "failed": record.failed}
        return cls(record, counts, list(record.problems), record.position)

    def save(self) -> None:
        for name, value in self.counts.items():
            setattr(self.record, name, value)
        self.record.position, self.record.problems = self.position, self.problems[:MAX_PROBLEMS]


def _kept(p: Prepared, start: int, seen: set[Any], tally: _Tally, preview: list[dict[str, Any]]) -> bool:
    """Whether a prepared row is to be written: not failed, not written by an earlier try, not
    found twice in the file. Failures and duplicates are counted, kept rows previewed."""
    earlier = p.offset < start
    if p.problems:
        if not earlier:
            tally.counts["failed"] += 1
            tally.problems.extend(p.problems)
        return False
    if earlier:  # written (or found twice) by the earlier try: only remembered
        seen.add(p.key)
        return False
    if p.key in seen:
        tally.counts["duplicates"] += 1
        return False
    seen.add(p.key)
    if p.preview is not None and len(preview) < PREVIEW:
        preview.append({"row": p.row, **p.preview})
    return True


def _write(
    pending: list[tuple[feedback.Draft, str | None, TriageDecision | None]],
    *,
    db: Session,
    org: Organization,
    actor: Actor,
    tally: _Tally,
    triage: triage_service.Setup | None,
    dry_run: bool,
    progress: Callable[[int], None] | None,
) -> None:
    """Write a batch of rows, leaving out those whose external reference is recorded already."""
    known = _known_refs(db, org.id, [ref for _, ref, _ in pending if ref])
    kept = [(draft, decision) for draft, ref, decision in pending if not ref or ref not in known]
    tally.counts["duplicates"] += len(pending) - len(kept)
    tally.counts["created"] += len(kept)
    if kept and not dry_run:
        flows.receive(
            db=db, org=org, actor=actor, drafts=[draft for draft, _ in kept],
            recorded_by_id=actor.user_id, acknowledge=False, historical=True, triaged=triage is not None,
            also=partial(_written, tally, triage, [decision for _, decision in kept if decision is not None]),
        )  # fmt: skip
    if progress:
        progress(len(pending))


def _written(
    tally: _Tally,
    triage: triage_service.Setup | None,
    decisions: list[TriageDecision],
    db: Session,
    created: list[feedback.Created],
) -> None:
    """flows.receive's `also`, with the drafts' triage: the counts saved with the rows they count."""
    tally.save()
    if triage is not None:
        triage_flows.triage_imported(db=db, created=created, decisions=decisions)
