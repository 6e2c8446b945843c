from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.extensions import db, utcnow


class OrganizationKind(enum.StrEnum):
    NATIONAL_AUTHORITY = "national_authority"
    INTERNATIONAL_ORGANIZATION = "international_organization"
    HOST_BODY = "host_body"
    LOCAL_GOVERNMENT = "local_government"
    ENTERPRISE = "enterprise"
    ACADEMIC = "academic"
    OTHER = "other"


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("name", "country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"))
    acronym: Mapped[str | None] = mapped_column(String(40))
    # ISO 3166-1 alpha-2 where one exists; country_name also covers regions without a code.
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    country_name: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id])


class Person(db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept exactly as the source writes it: some records give a surname only.
    full_name: Mapped[str] = mapped_column(String(300))
    honorific: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    # Private: shown only to roles allowed to read contact details.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="joined")


# Registrants are matched by e-mail whatever its case (and under the registration lock):
# an index on the lowered address keeps that a lookup, however large the directory grows.
Index("ix_people_email_lower", func.lower(Person.email))
