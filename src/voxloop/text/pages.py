"""The learned-categories page: how well the organization's category model does per category,
examples brought in from a CSV/XLSX of past feedback, and retraining."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from voxloop.deps import DbSession
from voxloop.jobs import service as jobs
from voxloop.text import categories, files, service
from voxloop.text.tasks import LEARN
from voxloop.triage import service as triage
from voxloop.web.pages import Csrf, WebForm, WebOrg, page, web_require

router = APIRouter(include_in_schema=False)
MAX_ROWS = 50_000


def _page(
    request: Request, org: WebOrg, db: DbSession, errors: list[str] | None = None, status: int = 200
) -> Response:
    listed = triage.list_categories(db=db, org_id=org.id)
    return page(
        request,
        "admin/categories_model.html",
        status_code=status,
        report=service.report(db=db, org_id=org.id),
        categories=listed,
        category_by_code={c.code: c for c in listed},
        errors=errors or [],
        trust=categories.trust,
        trusted=categories.TRUSTED[0],
        least=categories.MIN_PER_CATEGORY,
        min_measured=categories.MIN_MEASURED,
        too_small=service.too_small(db=db, org_id=org.id),
    )


@router.get("/admin/categories/model", dependencies=[web_require("triage.manage")])
def model_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _page(request, org, db)


@router.post("/admin/categories/examples", dependencies=[Csrf, web_require("triage.manage")])
def upload_examples(request: Request, org: WebOrg, db: DbSession, form: WebForm) -> Response:
    upload, text_column, label_column = form.get("file"), form.get("text_column"), form.get("label_column")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, org, db, ["file: choose a CSV, TSV, XLSX or JSONL file"], 422)
    try:
        frame = files.read_upload(upload.file.read(), upload.filename)
        files.require_columns(frame, upload.filename, str(text_column or ""), str(label_column or ""))
    except files.TableError as exc:
        return _page(request, org, db, [str(exc)], 422)
    rows = [
        (str(t).strip(), str(c).strip())
        for t, c in zip(frame[str(text_column)], frame[str(label_column)], strict=True)
        if str(t).strip() and str(c).strip()
    ]
    if not rows or len(rows) > MAX_ROWS:
        return _page(request, org, db, [f"file: 1 to {MAX_ROWS:,} labelled rows, not {len(rows):,}"], 422)
    try:
        service.add_examples(db=db, org_id=org.id, rows=rows, source=upload.filename[:200])
    except categories.LearnError as exc:
        db.rollback()
        return _page(request, org, db, [f"{label_column}: {exc}"], 422)
    jobs.enqueue(db=db, org_id=org.id, task=LEARN, payload={"org_id": org.id})
    db.commit()
    return RedirectResponse(f"/admin/categories/model?added={len(rows)}", status_code=303)


@router.post("/admin/categories/retrain", dependencies=[Csrf, web_require("triage.manage")])
def retrain(org: WebOrg, db: DbSession) -> Response:
    jobs.enqueue(db=db, org_id=org.id, task=LEARN, payload={"org_id": org.id})
    db.commit()
    return RedirectResponse("/admin/categories/model?queued=1", status_code=303)
