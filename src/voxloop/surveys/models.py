"""Surveys, their published versions, invitations and responses."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Survey(TenantMixin, Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)  # in the public link /s/{key}
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | live | closed
    definition: Mapped[dict[str, Any]]  # the working copy; respondents get the latest version
    version: Mapped[int] = mapped_column(default=0)  # the latest published version, 0 before
    anonymous: Mapped[bool] = mapped_column(default=False)
    # "case_resolved": sent by itself after a case is resolved
    trigger: Mapped[str | None] = mapped_column(String(24))
    delay_minutes: Mapped[int] = mapped_column(default=0)
    contact_cap_days: Mapped[int] = mapped_column(default=30)  # at most one invitation per person
    # The scheduler reminds those who have not answered this many days after their invitation
    # (once); 0: only when someone asks.
    remind_after_days: Mapped[int] = mapped_column(default=0, server_default="0")
    close_at: Mapped[datetime | None]
    quota: Mapped[int | None]  # completed responses after which the survey closes
    # Which answers open a follow-up case (voxloop.surveys.follow_up.Rules); keys left out
    # take the defaults, so {} means the defaults.
    follow_up: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyVersion(TenantMixin, Base):
    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    definition: Mapped[dict[str, Any]]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(TenantMixin, Base):
    """A personal invitation: a single-use token in the link."""

    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_email", "org_id", "email", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    # pending -> sent -> answered; or bounced / unsubscribed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    hidden: Mapped[dict[str, Any]] = mapped_column(default=dict)  # hidden fields for the response
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]


class Response(TenantMixin, Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_survey", "survey_id", "completed", "submitted_at"),
        Index("ix_survey_responses_same", "survey_id", "answers_hash"),
        Index("ix_survey_responses_device", "survey_id", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(8))
    # link | email | case | widget | phone | paper | face_to_face (the last three: staff entry)
    mode: Mapped[str] = mapped_column(String(16), default="link")
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="SET NULL"), unique=True
    )
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    # The case following this answer up: the one it opened, or the respondent's open case
    # it was noted on.
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="SET NULL"), index=True
    )
    # A re-survey's answer (or the post-case survey's, of a follow-up case): the answer whose
    # follow-up case it asks about again.
    resurvey_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="SET NULL"), index=True
    )
    hidden: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers_hash: Mapped[str | None] = mapped_column(String(64))  # finds identical responses fast
    completed: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)  # a day only, when anonymous
    duration_seconds: Mapped[float | None]
    quality_flags: Mapped[list[dict[str, str]]] = mapped_column(default=list)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # never kept when anonymous
    resume_token: Mapped[str | None] = mapped_column(String(32), unique=True)


class OptOut(TenantMixin, Base):
    """Someone who asked to get no more survey invitations from this organization."""

    __tablename__ = "survey_optouts"
    __table_args__ = (UniqueConstraint("org_id", "email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
