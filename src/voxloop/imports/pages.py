"""Import pages: upload a CSV/XLSX export, map its columns to feedback fields (pre-filled from a
saved source), check it with a dry run (the per-row report and the first rows as they would be
recorded), import it, and the history of runs."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile  # what request.form() yields

from voxloop.common.i18n import N_
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import NotFound, VoxloopError, field_error, invalid
from voxloop.imports import mapping as m
from voxloop.imports import service, staging
from voxloop.imports.models import ImportRun
from voxloop.text import files
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, page, request_locale, web_require

router = APIRouter(include_in_schema=False)
SAMPLE_ROWS = 5
FIELD_LABELS = {
    "description": N_("What the customer said"),
    "received_at": N_("Received"),
    "channel": N_("Channel"),
    "touchpoint": N_("Touchpoint"),
    "product": N_("Product"),
    "branch": N_("Branch"),
    "customer_request": N_("What the customer asks for"),
    "language": N_("Language"),
    "external_ref": N_("Id in the other system"),
    "customer.name": N_("Customer's name"),
    "customer.email": N_("Customer's email"),
    "customer.phone": N_("Customer's phone"),
}


def _errors(request: Request, exc: VoxloopError) -> list[dict[str, str]]:
    return exc.form_errors(request_locale(request))


def _index(
    request: Request, org: Any, db: Any, errors: list[dict[str, str]] | None = None, status_code: int = 200
) -> Response:
    return page(
        request,
        "imports/index.html",
        status_code=status_code,
        sources=service.list_sources(db=db, org_id=org.id),
        runs=service.list_runs(db=db, org_id=org.id),
        errors=errors or [],
    )


@router.get("/imports", dependencies=[web_require("triage.manage")])
def index(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _index(request, org, db)


def _text(form: FormData, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _mapping_page(
    request: Request,
    org: Any,
    db: Any,
    form: dict[str, Any],
    frame: Any,
    result: tuple[ImportRun, list[dict[str, Any]]] | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    run, preview = result or (None, [])
    return page(
        request,
        "imports/mapping.html",
        status_code=status_code,
        form=form,
        fields=m.FIELDS,
        required=m.REQUIRED,
        labels=FIELD_LABELS,
        columns=[str(c) for c in frame.columns],
        sample=frame.head(SAMPLE_ROWS).astype(str).values.tolist(),
        run=run,
        preview=[_as_shown(p) for p in preview],
        errors=errors or [],
    )


def _as_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A previewed row with its time as a time (the page shows it in the organization's zone,
    as everywhere else), not the ISO text of the API."""
    received = row.get("received_at")
    return {**row, "received_at": datetime.fromisoformat(received)} if received else row


@router.post("/imports/upload", dependencies=[Csrf, web_require("triage.manage")])
def upload(request: Request, org: WebOrg, db: DbSession, data: WebForm) -> Response:
    """Keep the file and ask for the mapping: the chosen source's, else columns named like fields."""
    chosen, new_name = _text(data, "source", 100), _text(data, "new_source", 100)
    file = data.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise invalid("file", "choose a CSV, TSV, XLSX or JSONL file")
        saved = service.get_source(db=db, org_id=org.id, name=chosen) if chosen else None
        key, frame = staging.keep(org_id=org.id, content=file.file.read(), filename=file.filename)
    except files.TableError as exc:
        return _index(request, org, db, [field_error("file", str(exc))], 422)
    except NotFound:
        return _index(request, org, db, [field_error("source", "no saved source of this name")], 422)
    except VoxloopError as exc:
        return _index(request, org, db, _errors(request, exc), exc.status_code)
    columns = {str(c) for c in frame.columns}
    fields = saved.mapping if saved else {f: f for f in m.FIELDS if f in columns}
    form = {
        "upload": key,
        "filename": file.filename[:255],
        "source": new_name or chosen,
        "mapping": fields,
        "defaults": saved.defaults if saved else {},
    }
    return _mapping_page(request, org, db, form, frame)


def _submitted(data: FormData) -> dict[str, Any]:
    return {
        "upload": _text(data, "upload", 100),
        "filename": _text(data, "filename", 255) or "upload",
        "source": _text(data, "source", 100),
        "mapping": {f: v for f in m.FIELDS if (v := _text(data, f"column.{f}"))},
        "defaults": {f: v for f in m.FIELDS if (v := _text(data, f"default.{f}"))},
    }


def _save_source(db: Any, org: Any, form: dict[str, Any]) -> None:
    """Keep the mapping under the source's name, when one is given."""
    if form["source"]:
        service.save_source(
            db=db, org_id=org.id, name=form["source"], mapping=form["mapping"], defaults=form["defaults"]
        )


@router.post("/imports/check", dependencies=[Csrf, web_require("triage.manage")])
def check(request: Request, org: WebOrg, actor: WebActor, db: DbSession, data: WebForm) -> Response:
    """The dry run: counts, the per-row report and the first rows, writing nothing."""
    form = _submitted(data)
    frame = staging.load(org_id=org.id, key=form["upload"])
    try:
        _save_source(db, org, form)
        result = service.run(
            db=db, org=org, actor=actor, frame=frame, mapping=form["mapping"], defaults=form["defaults"],
            filename=form["filename"], source=form["source"] or None, dry_run=True,
        )  # fmt: skip
    except VoxloopError as exc:
        db.rollback()
        return _mapping_page(
            request, org, db, form, frame, errors=_errors(request, exc), status_code=exc.status_code
        )
    return _mapping_page(request, org, db, form, frame, result=result)


@router.post("/imports/run", dependencies=[Csrf, web_require("triage.manage")])
def run(request: Request, org: WebOrg, actor: WebActor, db: DbSession, data: WebForm) -> Response:
    """Queue the import; its page shows the progress while it is written in the background."""
    form = _submitted(data)
    frame = staging.load(org_id=org.id, key=form["upload"])
    try:
        _save_source(db, org, form)
        record = service.queue(
            db=db, org=org, actor=actor, frame=frame, upload=form["upload"], mapping=form["mapping"],
            defaults=form["defaults"], filename=form["filename"], source=form["source"] or None,
        )  # fmt: skip
    except VoxloopError as exc:
        db.rollback()
        return _mapping_page(
            request, org, db, form, frame, errors=_errors(request, exc), status_code=exc.status_code
        )
    return RedirectResponse(f"/imports/runs/{record.id}", status_code=303)


@router.get("/imports/runs/{run_id}", dependencies=[web_require("triage.manage")])
def run_page(run_id: PathId, request: Request, org: WebOrg, db: DbSession) -> Response:
    return page(request, "imports/run.html", run=service.get_run(db=db, org_id=org.id, run_id=run_id))


@router.get("/imports/runs/{run_id}/progress", dependencies=[web_require("triage.manage")])
def run_progress(run_id: PathId, org: WebOrg, db: DbSession) -> dict[str, Any]:
    """What the run page's progress bar shows, polled while the import runs."""
    record = service.get_run(db=db, org_id=org.id, run_id=run_id)
    fields = ("status", "position", "rows", "created", "duplicates", "failed")
    return {name: getattr(record, name) for name in fields}
