"""GET /api/v1/exports/{feedback|cases|responses|customers|analytics}: a file in CSV, XLSX or
Parquet."""

import os
import tempfile
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import AwareDatetime
from starlette.background import BackgroundTask

from voxloop.common.time import utcnow
from voxloop.db import session_scope
from voxloop.deps import ApiOrg, ApiUser, require
from voxloop.errors import PermissionDenied, invalid
from voxloop.exports import formats, service

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])


# Kinds that hold more than rows of feedback: each also asks for the permission to read them.
KIND_PERMISSIONS = {"customers": "customers.read", "responses": "surveys.responses"}


@router.get("/{kind}", dependencies=[require("exports.read")], response_class=FileResponse)
def export(
    kind: str,
    org: ApiOrg,
    user: ApiUser,
    format: Annotated[str, Query(max_length=8)] = "csv",
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
    metric: Annotated[str | None, Query(max_length=32)] = None,
    period: Annotated[str | None, Query(max_length=8)] = None,
    group_by: Annotated[str | None, Query(max_length=32)] = None,
) -> FileResponse:
    """Everything of one kind received in [from, to) (default: the last 365 days), oldest first;
    `analytics` exports an indicator's rows (`metric`, `period`, `group_by`)."""
    if kind not in service.KINDS:
        raise invalid("kind", f"one of {', '.join(service.KINDS)}")
    if kind in KIND_PERMISSIONS and not user.can(KIND_PERMISSIONS[kind]):
        raise PermissionDenied()
    if format not in formats.FORMATS:
        raise invalid("format", f"one of {', '.join(formats.FORMATS)}")
    end = to or utcnow()
    start = from_ or end - timedelta(days=365)
    with session_scope(readonly=True) as db:
        options = {"metric": metric, "period": period, "group_by": group_by}
        data = service.frame(db=db, org_id=org.id, kind=kind, start=start, end=end, options=options)
    fd, path = tempfile.mkstemp(suffix=f".{format}")
    os.close(fd)
    formats.write(data, path, format)
    return FileResponse(
        path,
        media_type=formats.FORMATS[format],
        filename=f"{org.slug}-{kind}-{end.date().isoformat()}.{format}",
        background=BackgroundTask(os.unlink, path),
    )
