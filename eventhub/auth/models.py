from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    SECRETARIAT = "secretariat"
    VIEWER = "viewer"


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a VARCHAR with a CHECK constraint on every database."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True,
                values_callable=lambda members: [m.value for m in members], length=32,
                validate_strings=True)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The language the user's pages are in ("en", "zh", ...); None follows the browser.
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user",
                                                  cascade="all, delete-orphan")


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 digest is stored, so a database leak yields no
    usable tokens; being a row (not a signed blob) it can be revoked at once, and every
    app process sees the revocation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
