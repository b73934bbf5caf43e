"""REST API for imports: saved mappings per source, and importing a file (or a dry run)."""

import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, File, Form, Response, UploadFile, status

from voxloop.common.types import PathId
from voxloop.config import get_settings
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.errors import invalid
from voxloop.imports import service, staging
from voxloop.imports.schemas import ImportResult, RunRead, SourceCreate, SourceRead
from voxloop.text import files

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


def _json_object(value: str | None, field: str) -> dict[str, Any]:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise invalid(field, f"is not JSON: {exc.msg}") from exc
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise invalid(field, 'must be a JSON object of strings, e.g. {"description": "评论内容"}')
    return parsed


@router.post("", response_model=ImportResult, dependencies=[require("triage.manage")])
def import_file(
    org: ApiOrg,
    actor: ApiActor,
    db: DbSession,
    file: Annotated[UploadFile, File()],
    response: Response,
    mapping: Annotated[str | None, Form(max_length=10_000)] = None,
    source: Annotated[str | None, Form(max_length=100)] = None,
    defaults: Annotated[str | None, Form(max_length=10_000)] = None,
    dry_run: Annotated[bool, Form()] = False,
    background: Annotated[bool, Form()] = False,
) -> ImportResult:
    """Import a CSV, TSV, XLSX or JSONL file with a column mapping (or a saved source's), or
    check it with `dry_run`: counts, per-row problems and a preview either way. With
    `background`, the answer is 202 with the run as soon as the file is kept and the mapping
    checked; the import is written by the outbox, and `GET /api/v1/imports/{id}` follows it
    (`status`, `position` of `rows`). A file larger than VOXLOOP_IMPORT_BACKGROUND_BYTES (2 MiB)
    is always imported so, and answered before it is read: its rows (0 until then), its
    columns and its limits are checked by the import, which fails with the reason in
    `problems`."""
    if background and dry_run:
        raise invalid("background", "a dry run answers at once; leave out background or dry_run")
    if source:
        saved = service.get_source(db=db, org_id=org.id, name=source)
        fields, constants = saved.mapping, {**saved.defaults, **_json_object(defaults, "defaults")}
    else:
        fields, constants = _json_object(mapping, "mapping"), _json_object(defaults, "defaults")
        if not fields:
            raise invalid("mapping", "give a mapping (field -> column) or the name of a saved source")
    content, filename = file.file.read(), file.filename or "upload.csv"
    frame: pd.DataFrame | None = None
    try:
        if not dry_run and len(content) > get_settings().import_background_bytes:
            # Too large to read within the request: kept as it is, read by the job.
            background = True
            key = staging.keep_unread(org_id=org.id, content=content, filename=filename)
        elif background:
            key, frame = staging.keep(org_id=org.id, content=content, filename=filename)
        else:
            frame = files.read_upload(content, filename)
    except files.TableError as exc:
        raise invalid("file", str(exc)) from exc
    if background:
        queued = service.queue(
            db=db, org=org, actor=actor, frame=frame, upload=key, mapping=fields, defaults=constants,
            filename=filename, source=source,
        )  # fmt: skip
        response.status_code = status.HTTP_202_ACCEPTED
        return ImportResult(run=RunRead.model_validate(queued), preview=[])
    assert frame is not None  # noqa: S101  read above unless queued to the background
    service.check_size(frame)
    run, preview = service.run(
        db=db,
        org=org,
        actor=actor,
        frame=frame,
        mapping=fields,
        defaults=constants,
        filename=file.filename or "upload",
        source=source,
        dry_run=dry_run,
    )
    return ImportResult(run=RunRead.model_validate(run), preview=preview)


@router.get("", response_model=list[RunRead], dependencies=[require("triage.manage")])
def list_runs(org: ApiOrg, db: DbSession) -> list[RunRead]:
    return [RunRead.model_validate(r) for r in service.list_runs(db=db, org_id=org.id)]


@router.get("/sources", response_model=list[SourceRead], dependencies=[require("triage.manage")])
def list_sources(org: ApiOrg, db: DbSession) -> list[SourceRead]:
    return [SourceRead.model_validate(s) for s in service.list_sources(db=db, org_id=org.id)]


@router.post(
    "/sources",
    response_model=SourceRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody, require("triage.manage")],
)
def save_source(body: SourceCreate, org: ApiOrg, db: DbSession) -> SourceRead:
    """Save (or replace) the mapping for a source, e.g. "dianping" or "hotline-2024"."""
    saved = service.save_source(
        db=db, org_id=org.id, name=body.name, mapping=body.mapping, defaults=body.defaults
    )
    db.commit()
    return SourceRead.model_validate(saved)


@router.get("/{run_id}", response_model=RunRead, dependencies=[require("triage.manage")])
def get_run(run_id: PathId, org: ApiOrg, db: DbSession) -> RunRead:
    """One import with its counts and report; while it runs in the background, how far it is."""
    return RunRead.model_validate(service.get_run(db=db, org_id=org.id, run_id=run_id))
