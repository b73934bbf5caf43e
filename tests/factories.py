"""Builders for organizations, users and tokens, written through the real services."""

import itertools
from dataclasses import dataclass

from voxloop.accounts import service as accounts
from voxloop.audit.service import SYSTEM
from voxloop.db import session_scope

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


@dataclass
class Account:
    org_id: int
    org_slug: str
    user_id: int
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(role: str = "admin", org_slug: str | None = None, email: str | None = None) -> Account:
    n = next(_seq)
    slug = org_slug or f"org{n}"
    with session_scope() as db:
        org = accounts.get_org_by_slug(db=db, slug=slug) or accounts.create_org(
            db=db, slug=slug, name=f"Org {n}"
        )
        user = accounts.create_user(
            db=db,
            org_id=org.id,
            actor=SYSTEM,
            email=email or f"user{n}@example.com",
            password=PASSWORD,
            role=role,
            name=f"User {n}",
        )
        _, raw = accounts.create_token(db=db, org_id=org.id, actor=SYSTEM, user_id=user.id)
        db.commit()
        return Account(org_id=org.id, org_slug=slug, user_id=user.id, email=user.email, token=raw)
