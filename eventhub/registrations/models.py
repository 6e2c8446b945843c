from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.directory.models import Organization, Person
from eventhub.extensions import db, utcnow


class RegistrationRole(enum.StrEnum):
    HEAD_OF_DELEGATION = "head_of_delegation"
    DELEGATE = "delegate"
    SPEAKER = "speaker"
    EXPERT = "expert"
    OBSERVER = "observer"
    PRESS = "press"
    STAFF = "staff"
    EXHIBITOR = "exhibitor"


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"


class Delegation(db.Model):
    """The people one organization sends to one edition, registered by its focal point."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("edition_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    credential: Mapped[CredentialDocument | None] = relationship(
        back_populates="delegation", cascade="all, delete-orphan", uselist=False)

    @property
    def organization_as_shown(self):
        """The organization as the edition shows it (its snapshot once archived)."""
        from eventhub.editions.snapshot import shown_organization

        return shown_organization(self.edition_id, self.organization_id,
                                  lambda: self.organization)


class CredentialDocument(db.Model):
    """The note verbale or nomination letter naming a delegation. Kept in the database
    (never under the web root) and served to organizers only."""

    __tablename__ = "credential_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    delegation: Mapped[Delegation] = relationship(back_populates="credential")


class Registration(db.Model):
    """One person's participation in one edition."""

    __tablename__ = "registrations"
    # The roster lists an edition's registrations by id: this index reads a page in that
    # order (it serves every lookup by edition too).
    __table_args__ = (UniqueConstraint("edition_id", "person_id"),
                      Index("ix_registrations_edition_id_id", "edition_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"),
                                           index=True)
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL"), index=True)
    role: Mapped[RegistrationRole] = mapped_column(
        enum_column(RegistrationRole, "registration_role"))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"), index=True)
    attendance: Mapped[Attendance] = mapped_column(
        enum_column(Attendance, "registration_attendance"), default=Attendance.IN_PERSON)
    # Private needs: organizers and admins only.
    needs_visa_letter: Mapped[bool] = mapped_column(default=False)
    dietary: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[str | None] = mapped_column(Text)
    badge_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    checked_in_at: Mapped[dt.datetime | None]
    # Arrival order decides who leaves the waiting list first.
    waitlisted_at: Mapped[dt.datetime | None]
    confirmed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
    delegation: Mapped[Delegation | None] = relationship()
    visa_request: Mapped[VisaRequest | None] = relationship(
        back_populates="registration", cascade="all, delete-orphan", uselist=False)

    @property
    def person_as_shown(self):
        """The registrant as the edition shows them (its snapshot once archived); the
        contact details are always the directory's."""
        from eventhub.editions.snapshot import shown_person

        return shown_person(self.edition_id, self.person_id, lambda: self.person)


class VisaRequest(db.Model):
    """Passport details for a visa support letter: the most sensitive data held here.
    Every detail is encrypted at rest (see eventhub.registrations.crypto)."""

    __tablename__ = "visa_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    passport_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    nationality_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    date_of_birth_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    passport_expiry_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    letter_issued_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="visa_request")


class IdempotentRequest(db.Model):
    """A remembered response to a POST that carried an Idempotency-Key header."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who sent it (user, or invitation) and to which route: keys are per caller.
    scope: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    request_digest: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
