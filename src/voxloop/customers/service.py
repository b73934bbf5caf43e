"""Finding and creating customers by the contact details they give."""

from dataclasses import dataclass

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
    known = [c for c in contacts if c is not None and not c.is_anonymous]
    emails = {c.email.lower() for c in known if c.email}
    phones = {c.phone for c in known if c.phone and not c.email}
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    if emails or phones:
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

    def key(c: Contact) -> tuple[str, str] | None:
        if c.email:
            return ("email", c.email.lower())
        if c.phone:
            return ("phone", c.phone)
        return None  # a name alone identifies nobody: every such contact is a new customer

    def existing(c: Contact) -> int | None:
        if c.email:
            return by_email.get(c.email.lower())
        return by_phone.get(c.phone) if c.phone else None

    new_rows: list[dict[str, object]] = []
    new_index: dict[tuple[str, str] | int, int] = {}
    out: list[int | None] = []
    pending: dict[int, int] = {}  # position in `out` -> its row in `new_rows`, filled after the insert
    now = utcnow()
    for i, c in enumerate(contacts):
        if c is None or c.is_anonymous:
            out.append(None)
            continue
        found = existing(c)
        if found is not None:
            out.append(found)
            continue
        k: tuple[str, str] | int = key(c) or i
        if k not in new_index:
            new_index[k] = len(new_rows)
            new_rows.append(
                {
                    "org_id": org_id,
                    "name": c.name,
                    "email": c.email.lower() if c.email else None,
                    "phone": c.phone,
                    "locale": c.locale,
                    "created_at": now,
                }
            )
        pending[i] = new_index[k]
        out.append(None)
    if new_rows:
        table = Customer.__table__
        result = db.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), new_rows)
        new_ids: list[int] = [r[0] for r in result]
        for i, row in pending.items():
            out[i] = new_ids[row]
    return out
