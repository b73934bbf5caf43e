"""The case state machine: which status may follow which. Pure, no database."""

from voxloop.common.i18n import N_

NEW, TRIAGED, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CLOSED = (
    "new",
    "triaged",
    "assigned",
    "in_progress",
    "waiting_customer",
    "resolved",
    "closed",
)
STATES = (NEW, TRIAGED, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CLOSED)

# status -> the statuses staff may move a case to from there. Going back from resolved or
# closed to in_progress is a reopen.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (TRIAGED, ASSIGNED, IN_PROGRESS, RESOLVED, CLOSED),
    TRIAGED: (ASSIGNED, IN_PROGRESS, RESOLVED, CLOSED),
    ASSIGNED: (TRIAGED, IN_PROGRESS, WAITING, RESOLVED),
    IN_PROGRESS: (ASSIGNED, WAITING, RESOLVED),
    WAITING: (IN_PROGRESS, RESOLVED),
    RESOLVED: (CLOSED, IN_PROGRESS),
    CLOSED: (IN_PROGRESS,),
}

# What a customer may do from the tracking page.
CUSTOMER_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": ((RESOLVED,), CLOSED),
    "reopen": ((RESOLVED, CLOSED), IN_PROGRESS),
}

ACTION_LABELS = {"confirm": N_("Yes, it is solved"), "reopen": N_("No, it is not solved")}


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def refusal(current: str, to: str) -> str | None:
    """Why `current` -> `to` is not allowed, or None when it is."""
    if to not in STATES:
        return f"unknown status {to!r}; statuses are {', '.join(STATES)}"
    if to == current:
        return f"the case is already {current}"
    if to not in allowed_next(current):
        allowed = ", ".join(allowed_next(current)) or "none"
        return f"a case cannot go from {current} to {to}; from {current} it can go to: {allowed}"
    return None


def is_reopen(current: str, to: str) -> bool:
    return current in (RESOLVED, CLOSED) and to == IN_PROGRESS
