"""One error hierarchy; every failure the API reports is JSON {"error": {code, message, fields}}."""

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from voxloop.common import i18n
from voxloop.common.i18n import N_
from voxloop.config import get_settings

log = logging.getLogger(__name__)


class VoxloopError(Exception):
    """Base error: a stable code, an HTTP status and a message translated at the edge."""

    code = "error"
    status_code = 400
    message = N_("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.message = message or self.message
        self.params = params
        self.fields = fields or []
        self.headers = headers or {}
        super().__init__(self.message)

    def form_errors(self, locale: str = "en") -> list[dict[str, str]]:
        """What a page's form shows: each field named, else the message for the whole form (in
        `locale`, its parameters filled in)."""
        return self.fields or [{"field": "", "reason": self.to_dict(locale)["error"]["message"]}]

    def to_dict(self, locale: str) -> dict[str, Any]:
        text = i18n.gettext(self.message, locale)
        if self.params:
            text = text % self.params
        return {"error": {"code": self.code, "message": text, "fields": self.fields}}


class BadRequest(VoxloopError):
    code = "bad_request"


class InvalidInput(VoxloopError):
    code = "invalid_input"
    status_code = 422
    message = N_("Some fields are invalid.")


class NotAuthenticated(VoxloopError):
    code = "not_authenticated"
    status_code = 401
    message = N_("A valid API token or login is required.")


class PermissionDenied(VoxloopError):
    code = "permission_denied"
    status_code = 403
    message = N_("Your role does not allow this.")


class NotFound(VoxloopError):
    code = "not_found"
    status_code = 404
    message = N_("Not found.")


class Conflict(VoxloopError):
    code = "conflict"
    status_code = 409


class Gone(VoxloopError):
    code = "gone"
    status_code = 410


class PayloadTooLarge(VoxloopError):
    code = "payload_too_large"
    status_code = 413
    message = N_("The request body is larger than %(limit)s bytes.")


class AttachmentQuotaExceeded(PayloadTooLarge):
    code = "attachment_quota_exceeded"
    message = N_("This organization's attachments would pass their storage quota of %(quota)s MB.")


class UnsupportedMediaType(VoxloopError):
    code = "unsupported_media_type"
    status_code = 415
    message = N_("Send the body as %(expected)s.")


class RateLimited(VoxloopError):
    code = "rate_limited"
    status_code = 429
    message = N_("Too many requests; try again later.")


class FormBytesExceeded(RateLimited):
    code = "form_bytes_exceeded"
    message = N_("Up to %(limit)s MB of attachments a day may come from one address; try again tomorrow.")


class Busy(VoxloopError):
    code = "busy"
    status_code = 503
    message = N_("Busy for a moment; try again shortly.")


class Unavailable(VoxloopError):
    code = "unavailable"
    status_code = 503
    message = N_("The database cannot be reached; nothing was saved. Try again shortly.")


def field_error(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "reason": reason}


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(fields=[field_error(field, reason)])


# The checks a row of an imported file fails most often, worded for a person in the page's
# language (pydantic words them in English only); other reasons keep the schema's words.
ROW_REASONS = {
    "missing": N_("is required"),
    "datetime_parsing": N_("is not a date and time"),
    "datetime_from_date_parsing": N_("is not a date and time"),
    "datetime_type": N_("is not a date and time"),
    "string_too_long": N_("is too long"),
    "string_pattern_mismatch": N_("is not in the expected form"),
}


def row_problems(exc: ValidationError, row: int) -> list[dict[str, Any]]:
    """Why a row of a file was refused, by row and field, keeping each check's kind so a page
    can word it in its own language (`reason_in`); a validator's own message (ValueError)
    without pydantic's "Value error, " before it."""
    out = []
    for e in exc.errors():
        error = (e.get("ctx") or {}).get("error")
        reason = str(error) if e["type"] == "value_error" and error is not None else e["msg"]
        field = ".".join(str(p) for p in e["loc"]) or "row"
        out.append({"row": row, "field": field, "kind": e["type"], "reason": reason})
    return out


def reason_in(problem: Mapping[str, Any], locale: str) -> str:
    """A refused row's reason in `locale`: a known check's words, else the reason itself,
    translated where the catalog has it (the schemas' own messages are marked for it)."""
    reason = ROW_REASONS.get(str(problem.get("kind")), str(problem.get("reason") or ""))
    return i18n.gettext(reason, locale) if reason else ""


def invalid_model(exc: ValidationError, prefix: str) -> InvalidInput:
    """A form's fields checked by an API schema, named as the API names them (prefix.field)."""
    return InvalidInput(
        fields=[field_error(".".join([prefix, *map(str, e["loc"])]), e["msg"]) for e in exc.errors()]
    )


def _locale(request: Request) -> str:
    return getattr(request.state, "locale", None) or i18n.negotiate(request.headers.get("accept-language"))


def _json(request: Request, err: VoxloopError) -> JSONResponse:
    return JSONResponse(err.to_dict(_locale(request)), status_code=err.status_code, headers=err.headers)


def _validation_fields(exc: RequestValidationError) -> list[dict[str, str]]:
    fields = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header")]
        fields.append(field_error(".".join(loc) or "body", e.get("msg", "invalid")))
    return fields


_STATUS_ERRORS = {401: NotAuthenticated, 403: PermissionDenied, 404: NotFound, 413: PayloadTooLarge}


def _from_http(request: Request, exc: StarletteHTTPException) -> VoxloopError:
    """Starlette's HTTP errors (a missing route, a body too large or not UTF-8) as ours."""
    cls = _STATUS_ERRORS.get(exc.status_code)
    if isinstance(exc.__cause__, UnicodeDecodeError):
        cause = exc.__cause__
        return BadRequest(
            "The body is not valid UTF-8.",
            fields=[field_error("body", f"invalid byte at offset {cause.start}")],
        )
    if cls is not None:
        return cls(limit=get_settings().body_limit(request.url.path)) if cls is PayloadTooLarge else cls()
    err = VoxloopError(str(exc.detail))
    err.status_code = exc.status_code
    err.code = "bad_request" if exc.status_code == 400 else f"http_{exc.status_code}"
    return err


def install_handlers(app: FastAPI, page_renderer: Callable[[Request, VoxloopError], Response] | None) -> None:
    """API paths get JSON errors; page paths get an error page from `page_renderer`."""

    def respond(request: Request, err: VoxloopError) -> Response:
        if request.url.path.startswith("/api/") or page_renderer is None:
            return _json(request, err)
        return page_renderer(request, err)

    @app.exception_handler(VoxloopError)
    async def _voxloop(request: Request, exc: VoxloopError) -> Response:
        return respond(request, exc)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_away(request: Request, exc: Exception) -> Response:
        # The database is down or restarting: a 503 the client may retry (with its
        # Idempotency-Key), not a 500; the transaction did not commit.
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
        return respond(request, Unavailable(headers={"Retry-After": "2"}))

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: Exception) -> Response:
        # A value the database refuses (PostgreSQL: a NUL character in text, a number out of
        # range): the caller's input, so a 422, and nothing was written.
        log.warning("value refused by the database for %s %s: %s", request.method, request.url.path, exc)
        return respond(
            request, InvalidInput(fields=[field_error("body", "holds a value that cannot be stored")])
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return respond(request, BadRequest("The body is not valid JSON.", fields=_validation_fields(exc)))
        return respond(request, InvalidInput(fields=_validation_fields(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return respond(request, _from_http(request, exc))

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        # A number too large for the database, in a field no type caught first.
        return respond(request, InvalidInput(N_("A number is out of range.")))

    @app.exception_handler(UnicodeDecodeError)
    async def _unicode(request: Request, exc: UnicodeDecodeError) -> Response:
        return respond(request, BadRequest("The body is not valid UTF-8."))
