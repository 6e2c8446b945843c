from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, func, select

from eventhub.auth.models import ApiToken, Role, User
from eventhub.auth.permissions import ANONYMOUS, Actor, Permission, authorize
from eventhub.errors import Conflict, NotAuthenticated, NotFound, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_, available_locales

_hashers: dict[tuple[int, int], tuple[PasswordHasher, str]] = {}


def _password_hasher() -> tuple[PasswordHasher, str]:
    """The argon2 hasher with the configured cost, and a hash of nothing: verified against
    when the e-mail is unknown, so a login takes as long for an unknown address as for a
    wrong password and does not reveal which addresses have accounts."""
    cost = (current_app.config["EVENTHUB_ARGON2_TIME_COST"],
            current_app.config["EVENTHUB_ARGON2_MEMORY_KIB"])
    if cost not in _hashers:
        hasher = PasswordHasher(time_cost=cost[0], memory_cost=cost[1])
        _hashers[cost] = (hasher, hasher.hash("not-a-password-of-anyone"))
    return _hashers[cost]
MIN_PASSWORD_LENGTH = 10


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable.for_field(
            field, N_("Use at least %(min)s characters."), code="auth.password_too_short",
            min=MIN_PASSWORD_LENGTH)


def create_user(actor: Actor, *, email: str, name: str, role: Role, password: str) -> User:
    authorize(actor, Permission.MANAGE_USERS)
    email = _normalise_email(email)
    _check_password_strength(password)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Conflict(N_("A user with e-mail %(email)s already exists."),
                       code="user.duplicate_email", email=email)
    user = User(email=email, name=name.strip(), role=Role(role),
                password_hash=_password_hasher()[0].hash(password))
    db.session.add(user)
    db.session.flush()
    return user


def list_users(actor: Actor):
    authorize(actor, Permission.MANAGE_USERS)
    return select(User).order_by(User.id)


def get_user(actor: Actor, user_id: int) -> User:
    authorize(actor, Permission.MANAGE_USERS)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No user with id %(id)s."), code="user.not_found", id=user_id)
    return user


def find_user_by_email(actor: Actor, email: str) -> User:
    authorize(actor, Permission.MANAGE_USERS)
    user = db.session.scalar(select(User).where(func.lower(User.email)
                                                == _normalise_email(email)))
    if user is None:
        raise NotFound(N_("No user with e-mail %(email)s."), code="user.not_found",
                       email=_normalise_email(email))
    return user


def update_user(actor: Actor, user_id: int, changes: dict) -> User:
    user = get_user(actor, user_id)
    if "password" in changes:
        set_password(actor, user, changes.pop("password"))
    if changes.get("is_active") is False or changes.get("role", user.role) != user.role:
        _refuse_removing_last_admin(user)
    for key, value in changes.items():
        setattr(user, key, value)
    if user.is_active is False:
        revoke_all_tokens(user)
    db.session.flush()
    return user


def set_password(actor: Actor, user: User, password: str, *, field: str = "password") -> None:
    """Give the user a new password and end every session of theirs (API tokens, and the
    page sessions, which hold one) but the one making the change when the user changed
    their own password: whoever knew the old password, or held a token, is signed out.
    Callers check who may change this user's password."""
    _check_password_strength(password, field)
    user.password_hash = _password_hasher()[0].hash(password)
    keep = actor.token_id if actor.user_id == user.id else None
    revoke_all_tokens(user, keep=keep)
    db.session.flush()


def change_own_password(actor: Actor, current_password: str, new_password: str) -> User:
    """A signed-in user changes their own password, proving they know the current one."""
    user = current_user(actor)
    try:
        _password_hasher()[0].verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise Unprocessable.for_field("current_password",
                                      N_("This is not your current password."),
                                      code="auth.wrong_current_password") from None
    set_password(actor, user, new_password, field="new_password")
    return user


def _refuse_removing_last_admin(user: User) -> None:
    if user.role != Role.ADMIN or not user.is_active:
        return
    active_admins = db.session.scalar(
        select(func.count()).select_from(User)
        .where(User.role == Role.ADMIN, User.is_active.is_(True)))
    if active_admins <= 1:
        raise Conflict(N_("This is the last active admin; make another admin first."),
                       code="user.last_admin")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(email: str, password: str, ttl_seconds: int) -> tuple[str, ApiToken]:
    user = db.session.scalar(select(User).where(func.lower(User.email)
                                                == _normalise_email(email)))
    try:
        hasher, dummy_hash = _password_hasher()
        hasher.verify(user.password_hash if user else dummy_hash, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.is_active:
        raise NotAuthenticated(N_("E-mail or password is wrong, or the account is disabled."),
                               code="auth.bad_credentials")
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    token = secrets.token_urlsafe(32)
    api_token = ApiToken(user=user, token_digest=_digest(token),
                         expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds))
    db.session.add(api_token)
    db.session.flush()
    return token, api_token


# Every authenticated request runs this: columns only, no entities to build.
# Of tables, not mapped classes: a Core select skips the ORM's compile and result steps.
_TOKENS, _USERS = ApiToken.__table__, User.__table__
_TOKEN_LOOKUP = (select(_TOKENS.c.id, _TOKENS.c.revoked_at, _TOKENS.c.expires_at, _USERS.c.id,
                        _USERS.c.role, _USERS.c.email, _USERS.c.is_active)
                 .join(_USERS, _TOKENS.c.user_id == _USERS.c.id)
                 .where(_TOKENS.c.token_digest == bindparam("digest")))


def actor_for_token(token: str | None) -> Actor:
    if not token:
        return ANONYMOUS
    row = db.session.execute(_TOKEN_LOOKUP, {"digest": _digest(token)}).first()
    if row is None:
        raise NotAuthenticated(N_("The bearer token is unknown."), code="auth.token_unknown")
    token_id, revoked_at, expires_at, user_id, role, email, is_active = row
    if revoked_at is not None or expires_at <= utcnow():
        raise NotAuthenticated(N_("The bearer token has expired or was revoked."),
                               code="auth.token_expired")
    if not is_active:
        raise NotAuthenticated(N_("The account is disabled."), code="auth.account_disabled")
    return Actor(user_id=user_id, role=role, label=email, token_id=token_id)


def revoke_token(token: str) -> None:
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_digest == _digest(token)))
    if api_token is not None and api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        db.session.flush()


def revoke_all_tokens(user: User, *, keep: int | None = None) -> None:
    """Revoke the user's tokens (but the one with id `keep`): their API clients and page
    sessions end at their next request, in every app process."""
    now = utcnow()
    for api_token in user.tokens:
        if api_token.revoked_at is None and api_token.id != keep:
            api_token.revoked_at = now


def set_own_language(actor: Actor, language: str | None) -> User:
    """The language of the user's own pages: one of the offered languages (their catalogs
    are found at start), or None to follow the browser."""
    offered = available_locales()
    if language is not None and language not in offered:
        raise Unprocessable.for_field(
            "language", N_("Choose one of the languages offered: %(languages)s."),
            code="auth.language_not_offered", languages=", ".join(offered))
    user = current_user(actor)
    user.language = language
    db.session.flush()
    return user


def current_user(actor: Actor) -> User:
    if actor.user_id is None:
        raise NotAuthenticated()
    user = db.session.get(User, actor.user_id)
    if user is None:
        raise NotAuthenticated()
    return user
