"""REST API for the customer directory: lookup (also by the CRM's id), profiles, segments and
consent, merging duplicates, and the customer's export and erasure."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile
from sqlalchemy.orm import Session

from voxloop.common.types import PathId
from voxloop.customers import directory
from voxloop.customers.schemas import CustomerRead, CustomerUpdate, Merge, Profile
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.errors import invalid
from voxloop.text import files

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
Filter = Annotated[str | None, Query(max_length=320)]


@router.get("", response_model=list[CustomerRead], dependencies=[require("customers.read")])
def lookup(
    org: ApiOrg,
    db: DbSession,
    external_id: Filter = None,
    email: Filter = None,
    phone: Filter = None,
    q: Filter = None,
) -> list[CustomerRead]:
    """By the CRM's `external_id`, `email` or `phone`, or `q` (part of a name, email or phone)."""
    found = directory.lookup(db=db, org_id=org.id, external_id=external_id, email=email, phone=phone, q=q)
    return [CustomerRead.model_validate(c) for c in found]


@router.post("/import", dependencies=[require("triage.manage")])
def import_customers(
    org: ApiOrg, actor: ApiActor, db: DbSession, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """A CSV, TSV, XLSX or JSONL export of the CRM, one customer per row, with columns named
    like the fields (external_id, name, email, phone, tags, value_tier, region, segment,
    contact_email, contact_phone): matched by external id, email or phone, else created."""
    try:
        frame = files.read_upload(file.file.read(), file.filename or "customers.csv")
    except files.TableError as exc:
        raise invalid("file", str(exc)) from exc
    result = directory.import_table(db=db, org_id=org.id, actor=actor, frame=frame)
    db.commit()
    return result


@router.get("/{customer_id}", response_model=Profile, dependencies=[require("customers.read")])
def get_profile(customer_id: PathId, org: ApiOrg, db: DbSession) -> Profile:
    return Profile.model_validate(
        directory.profile(db=db, org_id=org.id, customer_id=customer_id), from_attributes=True
    )


@router.patch(
    "/{customer_id}", response_model=CustomerRead, dependencies=[JsonBody, require("triage.manage")]
)
def update_customer(
    customer_id: PathId, body: CustomerUpdate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> CustomerRead:
    """Segments (tags, value tier, region), consent and contact preferences, the CRM's id."""
    customer = directory.update_customer(
        db=db,
        org_id=org.id,
        actor=actor,
        customer_id=customer_id,
        changes=body.model_dump(exclude_unset=True),
    )
    db.commit()
    return CustomerRead.model_validate(customer)


@router.post(
    "/{customer_id}/merge", response_model=CustomerRead, dependencies=[JsonBody, require("triage.manage")]
)
def merge(customer_id: PathId, body: Merge, org: ApiOrg, actor: ApiActor, db: DbSession) -> CustomerRead:
    """Fold the duplicate `from_id` into this customer."""
    customer = directory.merge(db=db, org_id=org.id, actor=actor, into_id=customer_id, from_id=body.from_id)
    db.commit()
    return CustomerRead.model_validate(customer)


@router.get("/{customer_id}/export", dependencies=[require("admin.manage")], response_class=Response)
def export(customer_id: PathId, org: ApiOrg, db: DbSession) -> Response:
    """Everything about the customer in one ZIP archive (their right of access)."""
    return archive_download(db, org.id, customer_id)


def archive_download(db: Session, org_id: int, customer_id: int) -> Response:
    archive = directory.export_archive(db=db, org_id=org_id, customer_id=customer_id)
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.zip"'},
    )


@router.post("/{customer_id}/erase", dependencies=[require("admin.manage")])
def erase(customer_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> dict[str, int]:
    """Anonymise the customer everywhere; counts and indicators keep their records."""
    counts = directory.erase(db=db, org_id=org.id, actor=actor, customer_id=customer_id)
    db.commit()
    return counts
