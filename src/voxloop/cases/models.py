"""The organization's own wording of messages to customers: the automatic ones and the canned
replies agents start from."""

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class MessageTemplate(TenantMixin, Base):
    """Overrides one default of cases/templates.py for one language."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("org_id", "kind", "locale"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplyTemplate(TenantMixin, Base):
    """A canned reply: a name agents pick it by and its text in Chinese and in English (at least
    one); `{name}` and `{code}` become the customer's name and the tracking code when used."""

    __tablename__ = "reply_templates"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
