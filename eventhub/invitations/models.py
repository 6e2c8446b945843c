from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    String,
    UniqueConstraint,
    and_,
    case,
    literal,
    type_coerce,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.directory.models import Organization
from eventhub.extensions import db, utcnow


class InvitationStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Invitation(db.Model):
    """A request to an organization to take part in an edition, addressed to its focal
    point, with a delegation quota and a response deadline."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("edition_id", "organization_id"),
                      CheckConstraint("quota >= 1", name="quota_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    # A draft may still lack its focal point, quota or deadline (e.g. one carried over
    # from the last edition); sending requires them.
    focal_point_name: Mapped[str | None] = mapped_column(String(300))
    focal_point_email: Mapped[str | None] = mapped_column(String(254))
    # BCP 47 tag ("en", "zh"); mail falls back to English where no template exists.
    focal_point_language: Mapped[str] = mapped_column(String(16), default="en")
    quota: Mapped[int | None]
    deadline: Mapped[dt.datetime | None]
    # What was last decided (drafted, sent, answered, revoked). Whether a sent invitation
    # has expired depends only on the clock, so it is never written: `status` computes it
    # on every read, in Python and in SQL alike.
    recorded_status: Mapped[InvitationStatus] = mapped_column(
        "status", enum_column(InvitationStatus, "invitation_status"),
        default=InvitationStatus.DRAFT)
    # The response link's token is HMAC(secret key, nonce): the database holds the nonce
    # and the token's SHA-256 digest, never the token, so a copy of the database alone
    # opens no invitation. A new nonce (resend) kills the old link.
    token_nonce: Mapped[str | None] = mapped_column(String(64))
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    sent_at: Mapped[dt.datetime | None]
    responded_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    # When the worker queued the reminder before the deadline (once per sending: a resend
    # with a new link after it may be reminded again).
    reminder_queued_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @hybrid_property
    def status(self) -> InvitationStatus:
        """The status as of now: a sent invitation whose deadline has passed is expired."""
        if (self.recorded_status == InvitationStatus.SENT and self.deadline is not None
                and self.deadline <= utcnow()):
            return InvitationStatus.EXPIRED
        return self.recorded_status

    @status.inplace.setter
    def _status_setter(self, value: InvitationStatus) -> None:
        self.recorded_status = value

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[InvitationStatus]:
        status_type = cls.__table__.c.status.type
        return type_coerce(case(
            (and_(cls.recorded_status == InvitationStatus.SENT, cls.deadline <= utcnow()),
             literal(InvitationStatus.EXPIRED, status_type)),
            else_=cls.recorded_status), status_type)

    @status.inplace.update_expression
    @classmethod
    def _status_update(cls, value: InvitationStatus) -> list[tuple[Any, Any]]:
        return [(cls.recorded_status, value)]

    @property
    def organization_as_shown(self):
        """The organization as the edition shows it (its snapshot once archived)."""
        from eventhub.editions.snapshot import shown_organization

        return shown_organization(self.edition_id, self.organization_id,
                                  lambda: self.organization)
