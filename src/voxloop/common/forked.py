"""A large batch worked on in parts by processes forked from this one: they inherit what this
process has loaded (text models, the batch itself) and send back only their results. Where
this process may not fork (a daemon, as Celery's pool processes are), it does the work itself.
"""

import gc
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
PART = 2_000  # items per part
AHEAD = 2  # parts submitted per process beyond the one the caller waits for
_BATCH: dict[str, Any] = {}  # what the forked processes work on, set before they are forked
_LOCK = threading.Lock()


def may_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def in_parts(
    work: Callable[..., list[T]],
    batch: Sequence[Any],
    options: dict[str, Any],
    *,
    processes: int,
    minimum: int,
) -> Iterator[list[T]]:
    """`work(batch[start:end], **options)` for consecutive parts of the batch, in order; done
    by `processes` forked processes when the batch has `minimum` items or more."""
    bounds = [(start, min(start + PART, len(batch))) for start in range(0, len(batch), PART)]
    if processes <= 1 or len(batch) < minimum or not may_fork():
        for start, end in bounds:
            yield work(batch[start:end], **options)
        return
    with _LOCK:
        _BATCH.update(work=work, batch=batch, options=options)
        # What exists now (models, the batch) is left out of the garbage collector's rounds, in
        # the forked processes and here while they work: a round no longer walks millions of
        # long-lived objects (and touches no shared page).
        gc.freeze()
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
                # A few parts ahead of the caller, not all of them: a slow consumer (an import
                # writing) does not end up holding the whole batch's results.
                ahead: deque[Future[list[T]]] = deque()
                for part in bounds:
                    ahead.append(pool.submit(_work_on, part))
                    if len(ahead) > AHEAD * processes:
                        yield ahead.popleft().result()
                while ahead:
                    yield ahead.popleft().result()
        finally:
            gc.unfreeze()
            _BATCH.clear()


def _work_on(bounds: tuple[int, int]) -> list[Any]:
    start, end = bounds
    return _BATCH["work"](_BATCH["batch"][start:end], **_BATCH["options"])  # type: ignore[no-any-return]
