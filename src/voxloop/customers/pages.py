"""Customer directory pages: the list with search, segment filters and a CRM import, and a
customer's profile with their feedback, cases, survey answers and satisfaction by month,
editing segments and consent, merging a duplicate, the export and erasure (admins)."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile  # what request.form() yields

from voxloop.common.types import PathId
from voxloop.customers import directory
from voxloop.customers.schemas import CustomerUpdate, Merge
from voxloop.customers.views import archive_download
from voxloop.deps import DbSession
from voxloop.errors import NotFound, VoxloopError, field_error
from voxloop.surveys import service as surveys
from voxloop.text import files
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, page, request_locale, web_require

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
Filter = Annotated[str, Query(max_length=320)]
Text = Annotated[str, Form(max_length=2000)]


def _errors(request: Request, exc: ValidationError | VoxloopError) -> list[dict[str, str]]:
    if isinstance(exc, ValidationError):
        return [field_error(".".join(str(p) for p in e["loc"]) or "form", e["msg"]) for e in exc.errors()]
    return exc.form_errors(request_locale(request))


def _list_page(
    request: Request,
    org: Any,
    db: Any,
    params: dict[str, str],
    number: int = 1,
    imported: dict[str, Any] | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = directory.search(
        db=db,
        org_id=org.id,
        q=params["q"] or None,
        tag=params["tag"] or None,
        value_tier=params["value_tier"] or None,
        region=params["region"] or None,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    query = urlencode({k: v for k, v in params.items() if v})
    return page(
        request,
        "customers/list.html",
        status_code=status_code,
        customers=rows,
        total=total,
        first=(number - 1) * PAGE_SIZE + 1 if rows else 0,
        last=(number - 1) * PAGE_SIZE + len(rows),
        number=number,
        has_next=number * PAGE_SIZE < total,
        query=f"{query}&" if query else "",
        params=params,
        segments=directory.segments(db=db, org_id=org.id),
        imported=imported,
        errors=errors or [],
    )


@router.get("/customers", dependencies=[web_require("customers.read")])
def list_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    q: Filter = "",
    tag: Filter = "",
    value_tier: Filter = "",
    region: Filter = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    params = {"q": q.strip(), "tag": tag.strip(), "value_tier": value_tier, "region": region}
    return _list_page(request, org, db, params, page_number)


@router.post("/customers/import", dependencies=[Csrf, web_require("triage.manage")])
def import_file(request: Request, org: WebOrg, actor: WebActor, db: DbSession, data: WebForm) -> Response:
    params = {"q": "", "tag": "", "value_tier": "", "region": ""}
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = [field_error("file", "choose a CSV, TSV, XLSX or JSONL file")]
        return _list_page(request, org, db, params, errors=errors, status_code=422)
    try:
        frame = files.read_upload(upload.file.read(), upload.filename)
    except files.TableError as exc:
        return _list_page(request, org, db, params, errors=[field_error("file", str(exc))], status_code=422)
    result = directory.import_table(db=db, org_id=org.id, actor=actor, frame=frame)
    db.commit()
    return _list_page(request, org, db, params, imported=result)


def _profile_page(
    request: Request,
    org: Any,
    db: Any,
    customer_id: int,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    data = directory.profile(db=db, org_id=org.id, customer_id=customer_id)
    return page(
        request,
        "customers/profile.html",
        status_code=status_code,
        **data,
        surveys={s.id: s for s in surveys.list_surveys(db=db, org_id=org.id)},
        errors=errors or [],
    )


@router.get("/customers/{customer_id}", dependencies=[web_require("customers.read")])
def profile_page(customer_id: PathId, request: Request, org: WebOrg, db: DbSession) -> Response:
    return _profile_page(request, org, db, customer_id)


@router.post("/customers/{customer_id}/edit", dependencies=[Csrf, web_require("triage.manage")])
def edit(
    customer_id: PathId,
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    tags: Text = "",
    value_tier: Text = "",
    region: Text = "",
    segment: Text = "",
    external_id: Text = "",
    contact_email: Text = "",
    contact_phone: Text = "",
) -> Response:
    directory.get(db=db, org_id=org.id, customer_id=customer_id)  # 404 for the page itself
    # Every field is on the form: an emptied one clears the value, an unticked box withdraws consent.
    form = {
        "tags": directory.parse_tags(tags) or None,
        "value_tier": value_tier.strip() or None,
        "region": region.strip() or None,
        "segment": segment.strip() or None,
        "external_id": external_id.strip() or None,
        "contact_email": bool(contact_email),
        "contact_phone": bool(contact_phone),
    }
    try:
        changes = CustomerUpdate.model_validate(form).model_dump(exclude_unset=True)
        directory.update_customer(db=db, org_id=org.id, actor=actor, customer_id=customer_id, changes=changes)
        db.commit()
    except ValidationError as exc:
        return _profile_page(request, org, db, customer_id, _errors(request, exc), 422)
    except VoxloopError as exc:
        db.rollback()
        return _profile_page(request, org, db, customer_id, _errors(request, exc), exc.status_code)
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.post("/customers/{customer_id}/merge", dependencies=[Csrf, web_require("triage.manage")])
def merge(
    customer_id: PathId,
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    from_id: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    directory.get(db=db, org_id=org.id, customer_id=customer_id)  # 404 for the page itself
    try:
        duplicate = Merge.model_validate({"from_id": from_id.strip()}).from_id
        directory.merge(db=db, org_id=org.id, actor=actor, into_id=customer_id, from_id=duplicate)
        db.commit()
    except ValidationError as exc:
        return _profile_page(request, org, db, customer_id, _errors(request, exc), 422)
    except NotFound:
        db.rollback()
        errors = [field_error("from_id", "no customer with this id in your organization")]
        return _profile_page(request, org, db, customer_id, errors, 422)
    except VoxloopError as exc:
        db.rollback()
        return _profile_page(request, org, db, customer_id, _errors(request, exc), exc.status_code)
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.get("/customers/{customer_id}/export", dependencies=[web_require("admin.manage")])
def export(customer_id: PathId, org: WebOrg, db: DbSession) -> Response:
    return archive_download(db, org.id, customer_id)


@router.get("/customers/{customer_id}/erase", dependencies=[web_require("admin.manage")])
def erase_confirm(customer_id: PathId, request: Request, org: WebOrg, db: DbSession) -> Response:
    data = directory.profile(db=db, org_id=org.id, customer_id=customer_id)
    return page(request, "customers/erase.html", **data, errors=[])


@router.post("/customers/{customer_id}/erase", dependencies=[Csrf, web_require("admin.manage")])
def erase(
    customer_id: PathId,
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if confirm != "yes":
        data = directory.profile(db=db, org_id=org.id, customer_id=customer_id)
        errors = [field_error("confirm", "tick the box to confirm the erasure")]
        return page(request, "customers/erase.html", status_code=422, **data, errors=errors)
    directory.erase(db=db, org_id=org.id, actor=actor, customer_id=customer_id)
    db.commit()
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)
