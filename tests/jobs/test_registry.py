"""The job registry sits at the bottom: domains register into it, the executor imports no domain,
and one entry point loads every domain's handlers and periodic jobs."""

import subprocess
import sys

import pytest
from sqlalchemy import select

from tests.factories import make_account
from voxloop.accounts.models import Organization
from voxloop.db import session_scope, writing
from voxloop.jobs import registry
from voxloop.jobs.loading import load_all

# What ran before the registry moved out of the executor (recorded then): the same handlers,
# and the same periodic jobs with the settings that say how often, in the same order.
HANDLERS = {
    "cases.customer_wrote": "voxloop.cases.tasks.customer_wrote",
    "cases.mentioned": "voxloop.cases.tasks.mentioned",
    "cases.reply": "voxloop.cases.tasks.send_reply",
    "cases.thank_you": "voxloop.cases.tasks.thank_you",
    "commitments.notify": "voxloop.commitments.tasks.notify",
    "commitments.remedy_delivered": "voxloop.commitments.tasks.remedy_delivered",
    "customers.erase_analytics": "voxloop.customers.tasks.erase_analytics",
    "feedback.acknowledge": "voxloop.feedback.tasks.acknowledge",
    "imports.run": "voxloop.imports.tasks.run_import",
    "reports.send": "voxloop.reports.tasks.send",
    "surveys.follow_up": "voxloop.cases.tasks.follow_up",
    "surveys.invite": "voxloop.surveys.tasks.send_invitation",
    "surveys.open_follow_up": "voxloop.surveys.tasks.open_follow_up",
    "surveys.remind": "voxloop.surveys.tasks.send_reminder",
    "text.learn_categories": "voxloop.text.tasks.learn_categories",
    "themes.alert": "voxloop.themes.tasks.alert_email",
    "themes.discover": "voxloop.themes.tasks.discover",
    "triage.safety_alert": "voxloop.triage.tasks.safety_email",
    "webhooks.deliver": "voxloop.webhooks.tasks.deliver",
}
BATCH_HANDLERS = {"feedback.triage": "voxloop.triage.tasks.triage"}
PERIODIC = [
    ("sweep", "sweep_seconds", ["voxloop.commitments.tasks.sweep_commitments"]),
    ("analytics_sync", "analytics_sync_seconds", ["voxloop.analytics.tasks.sync_analytics"]),
    ("retraining", "text_retrain_seconds", ["voxloop.text.tasks.schedule_retraining"]),
    (
        "daily",
        "themes_seconds",
        [
            "voxloop.themes.tasks.schedule_themes",
            "voxloop.reports.tasks.schedule_reports",
            "voxloop.privacy.tasks.apply_retention",
        ],
    ),
    ("reminders", "reminders_seconds", ["voxloop.surveys.tasks.send_reminders"]),
]
LOW = {"voxloop", "voxloop.config", "voxloop.db", "voxloop.jobs"}


def _name(fn: object) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"  # type: ignore[attr-defined]


def _imported_by(statement: str) -> set[str]:
    """The voxloop modules a fresh interpreter has loaded after running `statement`."""
    code = f"import sys; {statement}; print(' '.join(m for m in sys.modules if m.startswith('voxloop')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["voxloop.jobs.registry", "voxloop.jobs.executor"])
def test_the_registry_and_the_executor_import_no_domain(module):
    loaded = _imported_by(f"import {module}")
    assert module in loaded
    assert {m for m in loaded if m not in LOW and not m.startswith("voxloop.jobs.")} == set()


def test_every_domain_registers_the_same_handlers_and_periodic_jobs_as_before():
    load_all()
    handlers = {k: _name(v) for k, v in registry.TASKS.items() if not k.startswith("test.")}
    assert handlers == HANDLERS
    batch = {k: _name(v) for k, v in registry.BATCH_TASKS.items() if not k.startswith("test.")}
    assert batch == BATCH_HANDLERS
    periodic = [(k, p.setting, [_name(f) for f in p.jobs]) for k, p in registry.PERIODIC.items()]
    assert periodic == PERIODIC


def test_the_tasks_modules_import_no_web_layer():
    loaded = _imported_by("from voxloop.jobs.loading import load_all; load_all()")
    assert {"voxloop.cases.tasks", "voxloop.webhooks.tasks"} <= loaded  # every domain's, loaded
    assert {m for m in loaded if m == "voxloop.web" or m.startswith("voxloop.web.")} == set()


def test_writing_commits_the_block_and_leaves_a_failed_one_uncommitted():
    acct = make_account()
    with session_scope() as db:
        org = db.get(Organization, acct.org_id)
        assert org is not None
        with writing(db):
            org.name = "Written"
        with pytest.raises(RuntimeError), writing(db):
            org.name = "Not written"
            raise RuntimeError("boom")
        db.rollback()
    with session_scope(readonly=True) as db:
        assert db.scalar(select(Organization.name).where(Organization.id == acct.org_id)) == "Written"
