"""The customer directory: who gave feedback, when they chose to say."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Customer(TenantMixin, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    segment: Mapped[str | None] = mapped_column(String(40))  # e.g. "vip", "member", "corporate"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
