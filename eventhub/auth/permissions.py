"""Who may do what. One table, read by both the HTTP layer (to refuse early) and the
services (so the CLI and any future caller obey the same rules)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import pgettext

from eventhub.auth.models import Role
from eventhub.errors import NotAuthenticated, PermissionDenied, Term
from eventhub.i18n import N_


class Permission(enum.StrEnum):
    READ_INTERNAL = "read internal data (draft editions, unpublished documents)"
    READ_PRIVATE_CONTACTS = "read private contact details"
    MANAGE_EDITIONS = "create and change editions"
    MANAGE_DIRECTORY = "create and change organizations and people"
    MANAGE_ATTENDANCE = "manage invitations, delegations and registrations"
    MANAGE_STATEMENTS = "draft and change statements"
    MANAGE_USERS = "manage user accounts"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ORGANIZER: frozenset({Permission.READ_INTERNAL, Permission.READ_PRIVATE_CONTACTS,
                               Permission.MANAGE_EDITIONS, Permission.MANAGE_DIRECTORY,
                               Permission.MANAGE_ATTENDANCE}),
    Role.SECRETARIAT: frozenset({Permission.READ_INTERNAL, Permission.MANAGE_STATEMENTS}),
    Role.VIEWER: frozenset({Permission.READ_INTERNAL}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, the anonymous public, or the system (CLI, seed)."""

    user_id: int | None
    role: Role | None
    label: str
    # The API token the request was signed in with (a page session holds one too): the
    # session a password change by the user themself keeps.
    token_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    def can(self, permission: Permission) -> bool:
        return self.role is not None and permission in _GRANTS[self.role]


# The refusal of each permission, a whole sentence for translators.
_REFUSALS: dict[Permission, str] = {
    Permission.READ_INTERNAL: N_("Your role (%(role)s) may not read internal data (draft "
                                 "editions, unpublished documents)."),
    Permission.READ_PRIVATE_CONTACTS: N_("Your role (%(role)s) may not read private contact "
                                         "details."),
    Permission.MANAGE_EDITIONS: N_("Your role (%(role)s) may not create and change "
                                   "editions."),
    Permission.MANAGE_DIRECTORY: N_("Your role (%(role)s) may not create and change "
                                    "organizations and people."),
    Permission.MANAGE_ATTENDANCE: N_("Your role (%(role)s) may not manage invitations, "
                                     "delegations and registrations."),
    Permission.MANAGE_STATEMENTS: N_("Your role (%(role)s) may not draft and change "
                                     "statements."),
    Permission.MANAGE_USERS: N_("Your role (%(role)s) may not manage user accounts."),
}

_ROLE_NAMES = {
    Role.ADMIN: lambda: pgettext("role", "admin"),
    Role.ORGANIZER: lambda: pgettext("role", "organizer"),
    Role.SECRETARIAT: lambda: pgettext("role", "secretariat"),
    Role.VIEWER: lambda: pgettext("role", "viewer"),
}


def role_term(role: Role) -> Term:
    """A role as a parameter of a message: its value for programs, its name for readers."""
    return Term(Role(role).value, _ROLE_NAMES[Role(role)])


ANONYMOUS = Actor(user_id=None, role=None, label="anonymous")
SYSTEM = Actor(user_id=None, role=Role.ADMIN, label="system")


def authorize(actor: Actor, permission: Permission) -> None:
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if not actor.can(permission):
        raise PermissionDenied(_REFUSALS[permission], code="permission.denied",
                               role=role_term(actor.role), permission=permission.name.lower())
