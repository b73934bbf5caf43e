"""The customer directory: who gave feedback, when they chose to say."""

from datetime import datetime

from sqlalchemy import Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Customer(TenantMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (Index("uq_customers_org_external_id", "org_id", "external_id", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    segment: Mapped[str | None] = mapped_column(String(40))  # e.g. "vip", "member", "corporate"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # CRM-lite: the id in the company's CRM, tags, value tier and region for segments
    external_id: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str] | None]
    value_tier: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(100))
    # consent and contact preferences: may we email (replies, surveys) or call
    contact_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    contact_phone: Mapped[bool] = mapped_column(default=True, server_default=true())
    erased_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)  # for the analytics store's sync
