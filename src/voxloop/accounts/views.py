"""REST API for users, departments, branches, channels and the caller's identity."""

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator
from pydantic_core import PydanticCustomError

from voxloop.accounts import service
from voxloop.common.types import BodyId, PathId
from voxloop.deps import ApiActor, ApiOrg, ApiUser, DbSession, JsonBody, require
from voxloop.feedback import service as feedback

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: str
    name: Annotated[str, Field(max_length=200)] = ""
    department_id: BodyId | None = None
    locale: str | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(max_length=200)] | None = None
    role: str | None = None
    department_id: BodyId | None = None
    locale: str | None = None
    is_active: bool | None = None
    is_available: bool | None = None
    password: Annotated[str, Field(min_length=8, max_length=200)] | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "UserUpdate":
        """Leave a field out to keep it; only the department and language may be cleared."""
        for name in ("name", "role", "is_active", "is_available", "password"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise PydanticCustomError("null_value", "{field} cannot be null", {"field": name})
        return self


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: str
    department_id: int | None
    locale: str | None
    is_active: bool
    is_available: bool


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(max_length=200)] = ""
    head_id: BodyId | None = None


class DepartmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    head_id: BodyId | None


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    name_en: str
    head_id: int | None


class BranchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(max_length=200)] = ""
    city: Annotated[str, Field(max_length=100)] = ""


class BranchUpdate(BaseModel):
    """The name stays: the records carry it."""

    model_config = ConfigDict(extra="forbid")
    name_en: Annotated[str, Field(max_length=200)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    active: bool | None = None


class BranchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    name_en: str
    city: str
    active: bool


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    name_en: str
    staff_entry: bool


@router.get("/me", response_model=UserRead)
def me(user: ApiUser) -> UserRead:
    return UserRead.model_validate(user)


@router.get("/users", response_model=list[UserRead], dependencies=[require("admin.manage")])
def list_users(org: ApiOrg, db: DbSession) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in service.list_users(db=db, org_id=org.id)]


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    dependencies=[JsonBody, require("admin.manage")],
)
def create_user(body: UserCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> UserRead:
    user = service.create_user(db=db, org_id=org.id, actor=actor, **body.model_dump())
    db.commit()
    return UserRead.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserRead, dependencies=[JsonBody, require("admin.manage")])
def update_user(user_id: PathId, body: UserUpdate, org: ApiOrg, actor: ApiActor, db: DbSession) -> UserRead:
    user = service.update_user(
        db=db, org_id=org.id, actor=actor, user_id=user_id, **body.model_dump(exclude_unset=True)
    )
    db.commit()
    return UserRead.model_validate(user)


@router.get("/departments", response_model=list[DepartmentRead], dependencies=[require("feedback.read")])
def list_departments(org: ApiOrg, db: DbSession) -> list[DepartmentRead]:
    return [DepartmentRead.model_validate(d) for d in service.list_departments(db=db, org_id=org.id)]


@router.post(
    "/departments",
    status_code=status.HTTP_201_CREATED,
    response_model=DepartmentRead,
    dependencies=[JsonBody, require("admin.manage")],
)
def create_department(body: DepartmentCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> DepartmentRead:
    dept = service.create_department(
        db=db, org_id=org.id, actor=actor, name=body.name, name_en=body.name_en, head_id=body.head_id
    )
    db.commit()
    return DepartmentRead.model_validate(dept)


@router.patch(
    "/departments/{department_id}",
    response_model=DepartmentRead,
    dependencies=[JsonBody, require("admin.manage")],
)
def update_department(
    department_id: PathId, body: DepartmentUpdate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> DepartmentRead:
    """Set or clear the department head, who hears first of a broken commitment."""
    dept = service.set_department_head(
        db=db, org_id=org.id, actor=actor, department_id=department_id, head_id=body.head_id
    )
    db.commit()
    return DepartmentRead.model_validate(dept)


@router.get("/channels", response_model=list[ChannelRead], dependencies=[require("feedback.read")])
def list_channels(org: ApiOrg, db: DbSession) -> list[ChannelRead]:
    return [ChannelRead.model_validate(c) for c in feedback.active_channels(db=db, org_id=org.id).values()]


@router.get("/branches", response_model=list[BranchRead], dependencies=[require("feedback.read")])
def list_branches(org: ApiOrg, db: DbSession) -> list[BranchRead]:
    return [BranchRead.model_validate(b) for b in service.list_branches(db=db, org_id=org.id)]


@router.post(
    "/branches",
    status_code=status.HTTP_201_CREATED,
    response_model=BranchRead,
    dependencies=[JsonBody, require("admin.manage")],
)
def create_branch(body: BranchCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> BranchRead:
    branch = service.create_branch(db=db, org_id=org.id, actor=actor, **body.model_dump())
    db.commit()
    return BranchRead.model_validate(branch)


@router.patch(
    "/branches/{branch_id}", response_model=BranchRead, dependencies=[JsonBody, require("admin.manage")]
)
def update_branch(
    branch_id: PathId, body: BranchUpdate, org: ApiOrg, actor: ApiActor, db: DbSession
) -> BranchRead:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    branch = service.update_branch(db=db, org_id=org.id, actor=actor, branch_id=branch_id, changes=changes)
    db.commit()
    return BranchRead.model_validate(branch)
