"""Finding and creating customers by the contact details they give."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from voxloop.customers.models import Customer
from voxloop.db import utcnow


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str | None = None
    phone: str | None = None
    locale: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return not (self.name or self.email or self.phone)


def get(*, db: Session, org_id: int, customer_id: int) -> Customer | None:
    return db.scalar(select(Customer).where(Customer.org_id == org_id, Customer.id == customer_id))


def ids_by_email(*, db: Session, org_id: int, emails: list[str]) -> dict[str, int]:
    """Known customers by (lower-cased) email; nobody is created."""
    wanted = {e.lower() for e in emails}
    if not wanted:
        return {}
    rows = db.execute(
        select(Customer.email, Customer.id).where(Customer.org_id == org_id, Customer.email.in_(wanted))
    )
    return {email: cid for email, cid in rows if email}


def get_many_by_id(*, db: Session, ids: set[int | None]) -> dict[int, Customer]:
    """Customers by id across organizations: for internal callers that took the ids from a write."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {c.id: c for c in db.scalars(select(Customer).where(Customer.id.in_(wanted)))}


def resolve_many(*, db: Session, org_id: int, contacts: list[Contact | None]) -> list[int | None]:
    """The customer id for each contact: an existing customer with the same email (or phone),
    else a new one; None for anonymous feedback. One query and one insert for the whole list."""
    by_email, by_phone = _existing(db, org_id, [c for c in contacts if c is not None and not c.is_anonymous])
    new_rows: list[dict[str, object]] = []
    new_index: dict[tuple[str, str] | int, int] = {}
    out: list[int | None] = []
    pending: dict[int, int] = {}  # position in `out` -> its row in `new_rows`, filled after the insert
    now = utcnow()
    for i, c in enumerate(contacts):
        found = None if c is None or c.is_anonymous else _known_id(c, by_email, by_phone)
        out.append(found)
        if c is None or c.is_anonymous or found is not None:
            continue
        k: tuple[str, str] | int = _identity(c) or i
        if k not in new_index:
            new_index[k] = len(new_rows)
            new_rows.append(_new_row(org_id, c, now))
        pending[i] = new_index[k]
    if new_rows:
        new_ids = _insert(db, new_rows)
        for i, row in pending.items():
            out[i] = new_ids[row]
    return out


def _existing(db: Session, org_id: int, known: list[Contact]) -> tuple[dict[str, int], dict[str, int]]:
    """The ids of the organization's customers with these contacts' emails, and with the phones of
    those who gave no email."""
    emails = {c.email.lower() for c in known if c.email}
    phones = {c.phone for c in known if c.phone and not c.email}
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    if not emails and not phones:
        return by_email, by_phone
    rows = db.execute(
        select(Customer.id, Customer.email, Customer.phone).where(
            Customer.org_id == org_id,
            or_(Customer.email.in_(emails), Customer.phone.in_(phones)),
        )
    )
    for cid, email, phone in rows:
        if email:
            by_email.setdefault(email, cid)
        if phone:
            by_phone.setdefault(phone, cid)
    return by_email, by_phone


def _identity(c: Contact) -> tuple[str, str] | None:
    if c.email:
        return ("email", c.email.lower())
    if c.phone:
        return ("phone", c.phone)
    return None  # a name alone identifies nobody: every such contact is a new customer


def _known_id(c: Contact, by_email: dict[str, int], by_phone: dict[str, int]) -> int | None:
    if c.email:
        return by_email.get(c.email.lower())
    return by_phone.get(c.phone) if c.phone else None


def _new_row(org_id: int, c: Contact, now: datetime) -> dict[str, object]:
    return {
        "org_id": org_id,
        "name": c.name,
        "email": c.email.lower() if c.email else None,
        "phone": c.phone,
        "locale": c.locale,
        "created_at": now,
    }


def _insert(db: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert new customers; their ids in the order of `rows`."""
    table = Customer.__table__
    result = db.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]
