"""REST API for an organization's privacy settings (admins)."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from voxloop.deps import ApiOrg, DbSession, JsonBody, require
from voxloop.privacy import service

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])


class PrivacyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    redact_pii: bool | None = None
    # record kind -> days, e.g. {"feedback_text_days": 730, "audit_days": 1095}; {} for none
    retention: dict[str, int] | None = None


@router.get("", dependencies=[require("admin.manage")])
def get_settings(org: ApiOrg, db: DbSession) -> dict[str, Any]:
    return {**service.settings(db=db, org_id=org.id), "policies": service.POLICIES}


@router.put("", dependencies=[JsonBody, require("admin.manage")])
def update_settings(body: PrivacyUpdate, org: ApiOrg, db: DbSession) -> dict[str, Any]:
    """Redaction applies to feedback received from now on; retention runs with the daily round."""
    result = service.update_settings(
        db=db, org_id=org.id, redact_pii=body.redact_pii, retention=body.retention
    )
    db.commit()
    return result
