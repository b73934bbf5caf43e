"""Writing and reading the audit log."""

import builtins
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, a user's API token, the public, or the system."""

    label: str
    user_id: int | None = None

    @classmethod
    def user(cls, user_id: int, email: str, via: str = "web") -> "Actor":
        return cls(label=f"{via}:{email}", user_id=user_id)


PUBLIC = Actor(label="public")
SYSTEM = Actor(label="system")


def record(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    db.add(
        AuditEntry(
            org_id=org_id,
            actor=actor.label,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def list(  # noqa: A001
    *, db: Session, org_id: int, limit: int = 200, entity: str | None = None
) -> builtins.list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    return builtins.list(db.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)))


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited fields of a row, as JSON-ready values."""
    out: dict[str, Any] = {}
    for f in fields:
        v = getattr(obj, f)
        out[f] = v.isoformat() if hasattr(v, "isoformat") else v
    return out
