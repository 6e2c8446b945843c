from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition
from eventhub.extensions import db, utcnow


class ItemKind(enum.StrEnum):
    OPENING_CEREMONY = "opening_ceremony"
    PLENARY = "plenary"
    BREAKOUT_SESSION = "breakout_session"
    EXHIBITION = "exhibition"
    SIDE_EVENT = "side_event"
    SOCIAL = "social"


class SpeechRole(enum.StrEnum):
    OPENING_SPEECH = "opening_speech"
    WELCOME_SPEECH = "welcome_speech"
    KEYNOTE = "keynote"
    PLENARY_SPEECH = "plenary_speech"
    SPEECH = "speech"
    PANELLIST = "panellist"
    MODERATOR = "moderator"


class Delivery(enum.StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    RECORDED = "recorded"


class ProgrammeItem(db.Model):
    __tablename__ = "programme_items"
    __table_args__ = (
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at",
                        name="times_ordered"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "programme_item_kind"))
    title: Mapped[str] = mapped_column(String(400))
    # The title in other languages than English: {"zh": {"title": ...}} (see
    # eventhub.editions.words); replaced as a whole, never changed in place.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'"))
    description: Mapped[str | None] = mapped_column(Text)
    room: Mapped[str | None] = mapped_column(String(200))
    # Unknown times stay NULL: a past record must not guess them.
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    capacity: Mapped[int | None]
    # Chairs or moderators as written on the programme ("Chaired by ...").
    chairs: Mapped[str | None] = mapped_column(String(400))
    position: Mapped[int] = mapped_column(default=0)
    # A published item is cancelled rather than deleted, so the changelog can say so.
    is_cancelled: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship()
    speeches: Mapped[list[Speech]] = relationship(
        back_populates="item", order_by="Speech.position", cascade="all, delete-orphan")
    signups: Mapped[list[SessionSignup]] = relationship(
        back_populates="item", cascade="all, delete-orphan")


class Speech(db.Model):
    """A speaker's slot on a programme item, in running order."""

    __tablename__ = "speeches"
    __table_args__ = (UniqueConstraint("item_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("programme_items.id", ondelete="CASCADE"),
                                         index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"),
                                           index=True)
    role: Mapped[SpeechRole] = mapped_column(enum_column(SpeechRole, "speech_role"))
    position: Mapped[int]
    # None where the record does not say how the speech was given.
    delivery: Mapped[Delivery | None] = mapped_column(enum_column(Delivery, "speech_delivery"))
    talk_title: Mapped[str | None] = mapped_column(String(400))

    item: Mapped[ProgrammeItem] = relationship(back_populates="speeches")
    person: Mapped[Person] = relationship(lazy="joined")

    @property
    def person_as_shown(self):
        """The speaker as the edition shows them (its snapshot once archived)."""
        from eventhub.editions.snapshot import shown_person

        return shown_person(self.item.edition_id, self.person_id, lambda: self.person)


class SessionSignup(db.Model):
    """A confirmed registrant's place in a session (chosen, or assigned by organizers)."""

    __tablename__ = "session_signups"
    __table_args__ = (UniqueConstraint("item_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("programme_items.id", ondelete="CASCADE"),
                                         index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    assigned_by_organizer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[ProgrammeItem] = relationship(back_populates="signups")


class Exhibitor(db.Model):
    """An organization showing devices or services at an edition."""

    __tablename__ = "exhibitors"
    __table_args__ = (UniqueConstraint("edition_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    stand: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def organization_as_shown(self):
        """The exhibitor as the edition shows it (its snapshot once archived)."""
        from eventhub.editions.snapshot import shown_organization

        return shown_organization(self.edition_id, self.organization_id,
                                  lambda: self.organization)


class ProgrammeVersion(db.Model):
    """A published, frozen programme: what the public reads until the next version."""

    __tablename__ = "programme_versions"
    __table_args__ = (UniqueConstraint("edition_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    number: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(500))
    # The items as the public API showed them at publication (ProgrammeItemSchema).
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
