"""The one entry point that loads every domain's jobs: importing a tasks module registers its
handlers and periodic jobs in jobs/registry.py."""

import importlib
import threading

from voxloop.jobs import registry

# Their order is the order of the periodic jobs in a round, and of the functions that share
# one (the daily round: themes, then reports, then retention).
TASK_MODULES = (
    "voxloop.commitments.tasks",
    "voxloop.analytics.tasks",
    "voxloop.text.tasks",
    "voxloop.themes.tasks",
    "voxloop.reports.tasks",
    "voxloop.privacy.tasks",
    "voxloop.surveys.tasks",
    "voxloop.cases.tasks",
    "voxloop.customers.tasks",
    "voxloop.feedback.tasks",
    "voxloop.imports.tasks",
    "voxloop.triage.tasks",
    "voxloop.webhooks.tasks",
)


_loading = threading.Lock()
_loaded = threading.Event()


def load_all() -> None:
    """Import every domain's tasks module, then order their periodic jobs as TASK_MODULES does
    (once: the executor asks before each round)."""
    if _loaded.is_set():
        return
    with _loading:
        if not _loaded.is_set():
            for name in TASK_MODULES:
                importlib.import_module(name)
            registry.arrange(TASK_MODULES)
            _loaded.set()
