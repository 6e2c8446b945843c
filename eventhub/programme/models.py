from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.directory.models import Person
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
    description: Mapped[str | None] = mapped_column(Text)
    room: Mapped[str | None] = mapped_column(String(200))
    # Unknown times stay NULL: a past record must not guess them.
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    capacity: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    speeches: Mapped[list[Speech]] = relationship(
        back_populates="item", order_by="Speech.position", cascade="all, delete-orphan")


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
