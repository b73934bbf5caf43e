"""Imports every table so metadata is complete (Alembic, tests)."""

from voxloop.accounts.models import ApiToken, Department, Organization, User
from voxloop.audit.models import AuditEntry
from voxloop.cases.models import MessageTemplate
from voxloop.commitments.models import Calendar, CalendarVersion, CaseClock, Commitment, Remedy
from voxloop.customers.models import Customer
from voxloop.db import Base
from voxloop.feedback.models import (
    Attachment,
    Channel,
    Feedback,
    FeedbackEvent,
    FormUploadDay,
    IdempotencyKey,
    SavedView,
)
from voxloop.imports.models import ImportRun, ImportSource
from voxloop.initiatives.models import Initiative, InitiativeAction, InitiativeLink
from voxloop.jobs.models import OutboxMessage
from voxloop.mail.models import InboundMail
from voxloop.reports.models import ReportSchedule
from voxloop.routing.models import RoutingRule
from voxloop.surveys.models import Invitation, OptOut, Response, Survey, SurveyVersion
from voxloop.text.models import CategoryExample, TextModel
from voxloop.themes.models import Alert, Theme, ThemeMember, ThemeRun
from voxloop.triage.models import Category, PriorityMatrix, TriageLabel, TriageRule, VocabularyName
from voxloop.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "Alert",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Base",
    "Calendar",
    "CalendarVersion",
    "CaseClock",
    "Commitment",
    "Category",
    "CategoryExample",
    "Channel",
    "Customer",
    "Department",
    "Feedback",
    "FeedbackEvent",
    "FormUploadDay",
    "IdempotencyKey",
    "ImportRun",
    "ImportSource",
    "Initiative",
    "InitiativeAction",
    "InitiativeLink",
    "Initiative",
    "InitiativeAction",
    "InitiativeLink",
    "InboundMail",
    "Invitation",
    "MessageTemplate",
    "Organization",
    "OptOut",
    "OutboxMessage",
    "PriorityMatrix",
    "Remedy",
    "ReportSchedule",
    "Response",
    "RoutingRule",
    "SavedView",
    "Survey",
    "SurveyVersion",
    "TextModel",
    "Theme",
    "ThemeMember",
    "ThemeRun",
    "TriageLabel",
    "TriageRule",
    "User",
    "VocabularyName",
    "Webhook",
    "WebhookDelivery",
]
