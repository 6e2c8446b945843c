from __future__ import annotations

import datetime as dt
import enum
import zoneinfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.directory.models import Organization, OrganizationKind
from eventhub.extensions import db, utcnow


class EditionStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


# The only moves allowed; anything else is refused with 409.
STATUS_TRANSITIONS: dict[EditionStatus, frozenset[EditionStatus]] = {
    EditionStatus.DRAFT: frozenset({EditionStatus.OPEN}),
    EditionStatus.OPEN: frozenset({EditionStatus.CLOSED}),
    EditionStatus.CLOSED: frozenset({EditionStatus.ARCHIVED}),
    EditionStatus.ARCHIVED: frozenset(),
}


class Series(db.Model):
    """The recurring forum; editions are its numbered occurrences."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    # The name in other languages than English: {"zh": {"name": ...}} (see
    # eventhub.editions.words); replaced as a whole, never changed in place.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'"))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Edition(db.Model):
    __tablename__ = "editions"
    __table_args__ = (
        UniqueConstraint("series_id", "ordinal"),
        CheckConstraint("ordinal > 0", name="ordinal_positive"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="RESTRICT"),
                                           index=True)
    ordinal: Mapped[int]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(400))
    theme: Mapped[str | None] = mapped_column(Text)
    host_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    # Province, state or other subdivision, as the record names it.
    region: Mapped[str | None] = mapped_column(String(120))
    country_code: Mapped[str | None] = mapped_column(String(2))
    venue: Mapped[str | None] = mapped_column(String(300))
    # The edition's own words in other languages than English, beside the English columns:
    # {"zh": {"title": ..., "city": ...}}; read through eventhub.editions.words. Always
    # replaced as a whole (never changed in place), so the audit trail sees the change.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'"))
    time_zone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    # None: no limit set (or, for a past edition, not recorded).
    capacity: Mapped[int | None]
    # When set, new registrations wait as "pending" for an organizer to confirm them.
    requires_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[EditionStatus] = mapped_column(
        enum_column(EditionStatus, "edition_status"), default=EditionStatus.DRAFT)
    archived_at: Mapped[dt.datetime | None]
    # When the retention rules removed the edition's private personal data.
    anonymized_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    series: Mapped[Series] = relationship(lazy="joined")
    host_organization: Mapped[Organization | None] = relationship(lazy="joined")
    figures: Mapped[list[ReportedFigure]] = relationship(
        back_populates="edition", order_by="ReportedFigure.position",
        cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.status != EditionStatus.DRAFT

    @property
    def is_read_only(self) -> bool:
        """The archive is read-only: every write under the edition is refused."""
        return self.status == EditionStatus.ARCHIVED

    @property
    def host_as_shown(self):
        """The host as the edition shows it: the live directory entry, or once the
        edition is archived, the entry as it was then (see eventhub.editions.snapshot)."""
        from eventhub.editions.snapshot import shown_organization

        return shown_organization(self.id, self.host_organization_id,
                                  lambda: self.host_organization)

    def local_days(self) -> tuple[dt.datetime, dt.datetime]:
        """When the edition's days run where it takes place: from midnight of the first day
        to the midnight after the last (an evening item may run until then, not beyond)."""
        zone = zoneinfo.ZoneInfo(self.time_zone)
        return (dt.datetime.combine(self.start_date, dt.time(), zone),
                dt.datetime.combine(self.end_date + dt.timedelta(days=1), dt.time(), zone))


class ReportedFigure(db.Model):
    """A number the record states ("about 300 guests"), kept with its qualifier and the
    sentence it comes from; distinct from counts of records in the database."""

    __tablename__ = "reported_figures"
    __table_args__ = (UniqueConstraint("edition_id", "key"),
                      CheckConstraint("value >= 0", name="value_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[int]
    # "about", "more than", ...; None when the record states the number plainly.
    qualifier: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(200))
    source_text: Mapped[str | None] = mapped_column(Text)
    source_reference: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="figures")


class ParticipationRole(enum.StrEnum):
    PARTICIPANT = "participant"
    OBSERVER = "observer"


class Participation(db.Model):
    """An organization's recorded part in an edition. The host is the edition's
    host_organization and is not repeated here."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("edition_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    role: Mapped[ParticipationRole] = mapped_column(
        enum_column(ParticipationRole, "participation_role"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def organization_as_shown(self):
        """The organization as the edition shows it (its snapshot once archived)."""
        from eventhub.editions.snapshot import shown_organization

        return shown_organization(self.edition_id, self.organization_id,
                                  lambda: self.organization)


# The archive's snapshot ----------------------------------------------------------------
#
# When an edition is archived, what it shows about organizations and people is copied
# here, keyed by edition and the live row's id; every read of an archived edition uses
# these rows (eventhub.editions.snapshot), while the directory keeps changing for the
# editions to come. Rows exist only for archived editions and never change afterwards,
# except that anonymization removes private delegates' names from them.

class OrganizationSnapshot(db.Model):
    """An organization as an archived edition shows it."""

    __tablename__ = "snapshot_organizations"
    __table_args__ = (
        # The parent as shown is itself part of the same edition's snapshot.
        ForeignKeyConstraint(["edition_id", "parent_id"],
                             ["snapshot_organizations.edition_id",
                              "snapshot_organizations.organization_id"]),
    )

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True)
    # The live directory row it was taken from (the next edition links to that row).
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"))
    acronym: Mapped[str | None] = mapped_column(String(40))
    country_code: Mapped[str | None] = mapped_column(String(2))
    country_name: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None]
    website: Mapped[str | None] = mapped_column(String(500))


class PersonSnapshot(db.Model):
    """A person (name, honorific, position, organization) as an archived edition shows
    them. Contact details are not part of it: they stay with the live directory entry."""

    __tablename__ = "snapshot_people"
    __table_args__ = (
        ForeignKeyConstraint(["edition_id", "organization_id"],
                             ["snapshot_organizations.edition_id",
                              "snapshot_organizations.organization_id"]),
    )

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), primary_key=True, index=True)
    full_name: Mapped[str] = mapped_column(String(300))
    honorific: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[int | None]
