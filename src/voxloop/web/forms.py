"""What a page's form shows when its input is refused, and a note's text as the forms take it."""

from pydantic import ValidationError

from voxloop.cases.schemas import NoteCreate
from voxloop.errors import InvalidInput, VoxloopError


def form_errors(exc: ValidationError | VoxloopError) -> list[dict[str, str]]:
    """Each refused field with its reason, or one reason for the whole form (in English, as the
    forms have always shown it)."""
    if isinstance(exc, ValidationError):
        return [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()]
    return exc.form_errors()


def note_text(text: str) -> str | None:
    """A note or message typed in a form, checked as the API checks it; None when left blank."""
    try:
        return NoteCreate(text=text).text if text.strip() else None
    except ValidationError as exc:
        raise InvalidInput(fields=form_errors(exc)) from exc
