"""The job registry: outbox handlers and periodic jobs, registered by each domain's tasks.py.

It sits at the bottom and imports no domain; jobs/loading.py imports the domains' tasks
modules, which register themselves here (as Dispatch's scheduled.py beside each domain)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

Handler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]
Job = TypeVar("Job", bound=Callable[[], object])
TASKS: dict[str, Handler] = {}
BATCH_TASKS: dict[str, BatchHandler] = {}


@dataclass
class Periodic:
    """A periodic job: how often comes from a setting (seconds; 0 turns it off); its functions
    run one after the other, in the order jobs/loading.py lists their modules, and one that
    fails ends the round."""

    setting: str
    jobs: list[Callable[[], object]] = field(default_factory=list)

    def run(self) -> None:
        for job in self.jobs:
            job()


# The in-process executor runs these itself; in scaled mode `voxloop scheduler` sends their
# names to the Celery workers.
PERIODIC: dict[str, Periodic] = {}


def task(name: str) -> Callable[[Handler], Handler]:
    """Register an outbox handler. Handlers take the payload (IDs, not objects), open their
    own session and must be idempotent: a message can run more than once."""

    def register(fn: Handler) -> Handler:
        TASKS[name] = fn
        return fn

    return register


def batch_task(name: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register a handler that takes every due message of its task at once (a list of
    payloads): many small messages then cost one transaction. It fails or succeeds as a whole."""

    def register(fn: BatchHandler) -> BatchHandler:
        BATCH_TASKS[name] = fn
        return fn

    return register


def periodic(name: str, *, every: str) -> Callable[[Job], Job]:
    """Run the function as (part of) the periodic job `name`, as often as the setting `every`
    says."""

    def register(fn: Job) -> Job:
        job = PERIODIC.setdefault(name, Periodic(setting=every))
        if job.setting != every:
            raise ValueError(f"periodic job {name!r} runs every {job.setting}, not {every}")
        job.jobs.append(fn)
        return fn

    return register


def arrange(modules: Sequence[str]) -> None:
    """Put the periodic jobs, and the functions that share one, in the order of the modules
    that register them, whatever order those were imported in (a page may import one first)."""
    rank = {module: i for i, module in enumerate(modules)}

    def place(fn: Callable[[], object]) -> int:
        return rank.get(fn.__module__, len(rank))

    for job in PERIODIC.values():
        job.jobs.sort(key=place)
    ordered = sorted(PERIODIC.items(), key=lambda item: min(map(place, item[1].jobs)))
    PERIODIC.clear()
    PERIODIC.update(ordered)
