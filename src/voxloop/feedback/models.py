"""Feedback records, their channels, attachments, timeline and idempotency keys."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voxloop.db import Base, BigId, TenantMixin, utcnow

# code -> (Chinese name, English name, entered by staff)
DEFAULT_CHANNELS: dict[str, tuple[str, str, bool]] = {
    "web_form": ("网页表单", "Web form", False),
    "api": ("接口", "API", False),
    "email": ("电子邮件", "Email", False),
    "hotline": ("热线电话", "Hotline call", True),
    "face_to_face": ("当面反馈", "Face to face", True),
    "paper": ("纸质/意见箱", "Paper / suggestion box", True),
    "interview": ("访谈/座谈/观察", "Interview / focus group / observation", True),
    "import": ("导入", "Import", False),
    "survey": ("问卷回访", "Survey follow-up", False),  # a follow-up case opened by a survey answer
}

STATUSES = ("new", "triaged", "assigned", "in_progress", "waiting_customer", "resolved", "closed")


class Channel(TenantMixin, Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("org_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    staff_entry: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(TenantMixin, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_org_received", "org_id", "received_at", "id"),
        Index("ix_feedback_org_external_ref", "org_id", "external_ref"),  # imports find duplicates
        # one follow-up case per survey response, however often or at once it is asked for
        Index("uq_feedback_survey_response", "survey_response_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24), default="new")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    received_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    touchpoint: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(200))
    branch: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    customer_request: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    # The survey response whose answers opened this follow-up case (channel "survey"). No
    # foreign key: survey_responses already refers to feedback, and a cycle would make the
    # two tables impossible to create or empty in order.
    survey_response_id: Mapped[int | None] = mapped_column(BigId)
    # Who recorded it: "web_form", "api:<email>", "web:<email>" for staff entry, "demo", ...
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Triage: filled by the triage task after intake, correctable by agents.
    type: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(40))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[int | None]
    urgency: Mapped[int | None]
    priority: Mapped[int | None]
    scope: Mapped[str | None] = mapped_column(String(16))  # individual | several | widespread
    # The kind of immediate need (gas, fire_smoke, injury, ...; voxloop.text.safety) when the
    # message needs someone now: the case is P1 and pinned in the inbox.
    alarm: Mapped[str | None] = mapped_column(String(32))
    # The triage fields the models were unsure of ("type,category"), left for a person to
    # confirm; a correction of the field clears it.
    review: Mapped[str | None] = mapped_column(String(60))
    # the models' confidence in the least sure of those fields: the review queue shows the
    # least confident first, where a person's answer teaches the models most
    review_confidence: Mapped[float | None]
    flag: Mapped[str | None] = mapped_column(String(16))  # spam | duplicate | invalid
    flag_reason: Mapped[str | None] = mapped_column(String(300))
    triaged_at: Mapped[datetime | None]
    # field -> the rule that set it, so anyone can see why triage said what it said
    triage_reasons: Mapped[dict[str, Any] | None]
    # Routing: the department and the person who own the case.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[datetime | None]
    routed_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="feedback", lazy="selectin", order_by="Attachment.id"
    )


class Attachment(TenantMixin, Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="attachments")


class FeedbackEvent(TenantMixin, Base):
    """One line of a record's timeline; `public` events also show on the tracking page."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200), default="")
    public: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IdempotencyKey(TenantMixin, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FormUploadDay(Base):
    """Attachment bytes one address sent through the anonymous feedback form on one UTC day
    (kept for that day only): the per-address daily limit, shared by every web process."""

    __tablename__ = "form_upload_days"

    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger)


class SavedView(TenantMixin, Base):
    """A person's named inbox filters: the inbox's query string, checked when saved."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
