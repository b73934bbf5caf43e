"""Organizations (tenants), users with roles, departments, branches and API tokens."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    agent = "agent"
    handler = "handler"
    analyst = "analyst"
    viewer = "viewer"


# What each role may do, for the API and the web alike: routes and pages ask for a permission,
# never for a role name (tests/test_permissions.py holds each page to its API twin). A viewer
# reads feedback and aggregates, never personal data nor an individual survey response.
PERMISSIONS: dict[str, set[Role]] = {
    "feedback.read": set(Role),
    # personal data: the customer directory, the contact details on a record, their export
    "customers.read": {Role.admin, Role.manager, Role.agent, Role.handler},
    # individual survey responses (each answer, free text and hidden fields) and their export
    "surveys.responses": {Role.admin, Role.manager, Role.analyst},
    # files of individual rows (feedback, cases, responses, customers)
    "exports.read": {Role.admin, Role.manager, Role.analyst},
    "feedback.create": {Role.admin, Role.manager, Role.agent, Role.handler},
    "feedback.handle": {Role.admin, Role.manager, Role.agent, Role.handler},
    "admin.manage": {Role.admin},
    "triage.manage": {Role.admin, Role.manager},
    "audit.read": {Role.admin, Role.manager},
    "commitments.manage": {Role.admin, Role.manager},
    "cases.assign": {Role.admin, Role.manager, Role.agent},
    # aggregates: KPIs, indicators, themes, reports, service commitments, survey analysis
    "kpis.read": {Role.admin, Role.manager, Role.analyst, Role.viewer},
    "surveys.manage": {Role.admin, Role.manager, Role.analyst},
}


def may(*, role: str, is_active: bool, permission: str) -> bool:
    """Whether an active user in `role` holds `permission`."""
    return is_active and Role(role) in PERMISSIONS[permission]


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Privacy: redact personal data from feedback text as it arrives; how long each kind of
    # record keeps its personal content (see voxloop.privacy).
    redact_pii: Mapped[bool] = mapped_column(default=False, server_default=false())
    retention: Mapped[dict[str, Any] | None]
    # indicator targets or benchmarks the trends are tested against, e.g. {"nps": 40, "csat": 4.2}
    targets: Mapped[dict[str, Any] | None]


class Department(TenantMixin, Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Escalations on a broken commitment go to the head first, then to the managers.
    head_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Branch(TenantMixin, Base):
    """A hotel, store or office: the managed list a feedback record's branch is chosen from.
    Its name is what records carry, so it is never renamed; a closed one is made inactive."""

    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(TenantMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("org_id", "email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Signed-in pages carry the epoch they started in; signing out or a new password moves it on,
    # which ends every session of the user, including a copied cookie.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Routing gives new cases only to members who are available (not on leave, ...).
    is_available: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def can(self, permission: str) -> bool:
        return may(role=self.role, is_active=self.is_active, permission=permission)


class ApiToken(TenantMixin, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # SHA-256 of the token: tokens are 256 random bits, so a slow hash adds nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
