"""Queries and writes for organizations, users, departments, branches and API tokens."""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts import security
from voxloop.accounts.models import ApiToken, Branch, Department, Organization, Role, User
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.commitments import defaults as commitment_defaults
from voxloop.common import cache
from voxloop.db import on_commit, utcnow
from voxloop.errors import Conflict, NotFound, invalid
from voxloop.feedback.models import DEFAULT_CHANNELS, Channel
from voxloop.triage import service as triage

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
USER_FIELDS = ("email", "name", "role", "department_id", "locale", "is_active", "is_available")
BRANCH_FIELDS = ("name", "name_en", "city", "active")


# Organizations


def get_org(*, db: Session, org_id: int) -> Organization | None:
    return db.get(Organization, org_id)


def get_org_by_slug(*, db: Session, slug: str) -> Organization | None:
    return db.scalar(select(Organization).where(Organization.slug == slug))


def create_org(*, db: Session, slug: str, name: str, default_locale: str = "zh_CN") -> Organization:
    if not SLUG.match(slug):
        raise invalid("slug", "use 2-63 lower-case letters, digits and hyphens")
    if get_org_by_slug(db=db, slug=slug):
        raise Conflict("An organization with this slug exists already.")
    org = Organization(slug=slug, name=name, default_locale=default_locale)
    db.add(org)
    db.flush()
    for code, (zh, en, staff) in DEFAULT_CHANNELS.items():
        db.add(Channel(org_id=org.id, code=code, name=zh, name_en=en, staff_entry=staff))
    triage.seed_defaults(db=db, org_id=org.id)
    commitment_defaults.seed_core(db.connection(), org.id, org.timezone)
    audit.record(
        db=db,
        org_id=org.id,
        actor=audit.SYSTEM,
        action="create",
        entity="organization",
        entity_id=org.id,
        after={"slug": slug, "name": name},
    )
    return org


# Users


def get_user(*, db: Session, org_id: int, user_id: int) -> User | None:
    return db.scalar(select(User).where(User.org_id == org_id, User.id == user_id))


def users_by_id(*, db: Session, org_id: int, ids: set[int | None]) -> list[User]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return []
    return list(db.scalars(select(User).where(User.org_id == org_id, User.id.in_(wanted))))


def get_user_by_email(*, db: Session, org_id: int, email: str) -> User | None:
    return db.scalar(select(User).where(User.org_id == org_id, User.email == email.lower()))


def list_users(*, db: Session, org_id: int) -> list[User]:
    return list(db.scalars(select(User).where(User.org_id == org_id).order_by(User.email)))


def _check_role(role: str) -> None:
    if role not in Role.__members__:
        raise invalid("role", f"must be one of {', '.join(Role.__members__)}")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise invalid("password", "must be at least 8 characters")


def create_user(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    email: str,
    password: str,
    role: str,
    name: str = "",
    department_id: int | None = None,
    locale: str | None = None,
) -> User:
    _check_role(role)
    _check_password(password)
    email = email.strip().lower()
    if get_user_by_email(db=db, org_id=org_id, email=email):
        raise Conflict(
            "A user with this email exists already.", fields=[{"field": "email", "reason": "taken"}]
        )
    if department_id is not None:
        _require_department(db=db, org_id=org_id, department_id=department_id)
    user = User(
        org_id=org_id,
        email=email,
        name=name,
        role=role,
        department_id=department_id,
        locale=locale,
        password_hash=security.hash_password(password),
    )
    db.add(user)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        after=audit.snapshot(user, USER_FIELDS),
    )
    return user


def update_user(*, db: Session, org_id: int, actor: Actor, user_id: int, **changes: object) -> User:
    user = get_user(db=db, org_id=org_id, user_id=user_id)
    if user is None:
        raise NotFound()
    if "role" in changes:
        _check_role(str(changes["role"]))
    if changes.get("department_id") is not None:
        _require_department(db=db, org_id=org_id, department_id=int(changes["department_id"]))  # type: ignore[call-overload]
    before = audit.snapshot(user, USER_FIELDS)
    on_commit(db, cache.tokens.clear)  # role or active flag may change what a token allows
    for k, v in changes.items():
        if k == "password":
            _check_password(str(v))
            user.password_hash = security.hash_password(str(v))
            end_sessions(user)
        elif k in USER_FIELDS:
            setattr(user, k, v)
    after = audit.snapshot(user, USER_FIELDS)
    if "password" in changes:
        after["password"] = "changed"  # noqa: S105  the audit notes that it changed, never the value
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
    )
    return user


def set_locale(*, db: Session, org_id: int, user_id: int, locale: str) -> None:
    """The user's language choice (not audited: a preference, not a change to the organization)."""
    user = get_user(db=db, org_id=org_id, user_id=user_id)
    if user is not None:
        user.locale = locale


def end_sessions(user: User) -> None:
    """End every signed-in session of the user (cookies copied elsewhere included); the caller
    commits."""
    user.session_epoch += 1


def authenticate(*, db: Session, email: str, password: str, org_slug: str | None = None) -> User | None:
    """The active user whose email and password match (in `org_slug` when given)."""
    stmt = select(User).where(User.email == email.strip().lower(), User.is_active.is_(True))
    if org_slug:
        stmt = stmt.join(Organization, Organization.id == User.org_id).where(Organization.slug == org_slug)
    matches = [u for u in db.scalars(stmt) if security.verify_password(u.password_hash, password)]
    return matches[0] if len(matches) == 1 else None


# Departments


def _require_department(*, db: Session, org_id: int, department_id: int) -> Department:
    dept = db.scalar(select(Department).where(Department.org_id == org_id, Department.id == department_id))
    if dept is None:
        raise invalid("department_id", "no such department in this organization")
    return dept


def list_departments(*, db: Session, org_id: int) -> list[Department]:
    return list(db.scalars(select(Department).where(Department.org_id == org_id).order_by(Department.name)))


def create_department(
    *, db: Session, org_id: int, actor: Actor, name: str, name_en: str = "", head_id: int | None = None
) -> Department:
    name = name.strip()
    if not name:
        raise invalid("name", "is required")
    if head_id is not None and get_user(db=db, org_id=org_id, user_id=head_id) is None:
        raise invalid("head_id", "no such user in this organization")
    exists = db.scalar(select(Department).where(Department.org_id == org_id, Department.name == name))
    if exists:
        raise Conflict(
            "A department with this name exists already.", fields=[{"field": "name", "reason": "taken"}]
        )
    dept = Department(org_id=org_id, name=name, name_en=name_en.strip(), head_id=head_id)
    db.add(dept)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="department",
        entity_id=dept.id,
        after={"name": dept.name, "name_en": dept.name_en, "head_id": head_id},
    )
    return dept


def set_department_head(
    *, db: Session, org_id: int, actor: Actor, department_id: int, head_id: int | None
) -> Department:
    dept = db.scalar(select(Department).where(Department.org_id == org_id, Department.id == department_id))
    if dept is None:
        raise NotFound()
    if head_id is not None and get_user(db=db, org_id=org_id, user_id=head_id) is None:
        raise invalid("head_id", "no such user in this organization")
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="department",
        entity_id=dept.id,
        before={"head_id": dept.head_id},
        after={"head_id": head_id},
    )
    dept.head_id = head_id
    return dept


# Branches


def list_branches(*, db: Session, org_id: int, active_only: bool = False) -> list[Branch]:
    stmt = select(Branch).where(Branch.org_id == org_id)
    if active_only:
        stmt = stmt.where(Branch.active.is_(True))
    return list(db.scalars(stmt.order_by(Branch.city, Branch.name)))


def create_branch(
    *, db: Session, org_id: int, actor: Actor, name: str, name_en: str = "", city: str = ""
) -> Branch:
    """The caller commits."""
    name = name.strip()
    if not name:
        raise invalid("name", "is required")
    if db.scalar(select(Branch).where(Branch.org_id == org_id, Branch.name == name)):
        raise Conflict(
            "A branch with this name exists already.", fields=[{"field": "name", "reason": "taken"}]
        )
    branch = Branch(org_id=org_id, name=name, name_en=name_en.strip(), city=city.strip())
    db.add(branch)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="branch",
        entity_id=branch.id,
        after=audit.snapshot(branch, BRANCH_FIELDS),
    )
    return branch


def update_branch(
    *, db: Session, org_id: int, actor: Actor, branch_id: int, changes: dict[str, object]
) -> Branch:
    """English name, city or whether it is active; the name stays (records carry it). The
    caller commits."""
    branch = db.scalar(select(Branch).where(Branch.org_id == org_id, Branch.id == branch_id))
    if branch is None:
        raise NotFound()
    before = audit.snapshot(branch, BRANCH_FIELDS)
    for key in ("name_en", "city"):
        if key in changes:
            setattr(branch, key, str(changes[key] or "").strip())
    if "active" in changes:
        branch.active = bool(changes["active"])
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="branch",
        entity_id=branch.id,
        before=before,
        after=audit.snapshot(branch, BRANCH_FIELDS),
    )
    return branch


# API tokens


def create_token(
    *, db: Session, org_id: int, actor: Actor, user_id: int, name: str = ""
) -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is shown once and never stored."""
    if get_user(db=db, org_id=org_id, user_id=user_id) is None:
        raise NotFound()
    raw = security.new_token()
    token = ApiToken(
        org_id=org_id,
        user_id=user_id,
        name=name,
        token_hash=security.hash_token(raw),
        prefix=raw[: len(security.TOKEN_PREFIX) + 4],
    )
    db.add(token)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="api_token",
        entity_id=token.id,
        after={"user_id": user_id, "name": name, "prefix": token.prefix},
    )
    return token, raw


def list_tokens(*, db: Session, org_id: int) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.org_id == org_id).order_by(ApiToken.id.desc())))


def revoke_token(*, db: Session, org_id: int, actor: Actor, token_id: int) -> None:
    token = db.scalar(select(ApiToken).where(ApiToken.org_id == org_id, ApiToken.id == token_id))
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        on_commit(db, cache.tokens.clear)
        audit.record(
            db=db,
            org_id=org_id,
            actor=actor,
            action="revoke",
            entity="api_token",
            entity_id=token.id,
            after={"revoked_at": token.revoked_at.isoformat()},
        )


def user_for_token(*, db: Session, raw: str) -> tuple[User, Organization] | None:
    """The active user holding this unrevoked token, with their organization (one query)."""
    row = db.execute(
        select(User, Organization)
        .join(ApiToken, ApiToken.user_id == User.id)
        .join(Organization, Organization.id == User.org_id)
        .where(ApiToken.token_hash == security.hash_token(raw), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row[0].is_active:
        return None
    return row[0], row[1]
