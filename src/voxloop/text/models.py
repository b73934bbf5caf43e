"""An organization's learned category model and the labelled examples it learned from."""

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class CategoryExample(TenantMixin, Base):
    """A labelled text brought in from history (a CSV/XLSX of past feedback)."""

    __tablename__ = "category_examples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextModel(TenantMixin, Base):
    """The current trained model of one kind for an organization, with its measured accuracy."""

    __tablename__ = "text_models"
    __table_args__ = (UniqueConstraint("org_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[dict[str, Any]]
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
