"""A feedback form as the pages post it (the staff entry form and the public form): its fields
and its attached files, checked as the API checks them."""

from typing import Any

from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from voxloop.config import get_settings
from voxloop.errors import InvalidInput
from voxloop.feedback import attachments
from voxloop.feedback.schemas import FeedbackFields


def blobs(files: list[UploadFile] | None) -> list[attachments.Blob]:
    settings = get_settings()
    real = [f for f in files or [] if f.filename]
    if len(real) > settings.max_attachments:
        raise InvalidInput(
            fields=[{"field": "attachments", "reason": f"at most {settings.max_attachments} files"}]
        )
    out = []
    for i, f in enumerate(real):
        data = f.file.read(settings.max_attachment_bytes + 1)
        out.append(attachments.check(f.filename or "file", f.content_type or "", data, f"attachments.{i}"))
    return out


def fields_from_form(form: dict[str, Any]) -> FeedbackFields:
    customer = {k: form.get(f"customer_{k}", "").strip() for k in ("name", "email", "phone")}
    payload: dict[str, Any] = {
        "description": form.get("description", ""),
        "customer_request": form.get("customer_request") or None,
        "touchpoint": form.get("touchpoint") or None,
        "product": form.get("product") or None,
        "branch": form.get("branch") or None,
    }
    if any(customer.values()):
        payload["customer"] = {k: v or None for k, v in customer.items()} | {"name": customer["name"]}
        if form.get("locale") in ("zh_CN", "en"):
            payload["customer"]["locale"] = form["locale"]
    return FeedbackFields.model_validate(payload)
