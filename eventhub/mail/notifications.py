"""Notification mails: what the focal point and the statement's approver are told, queued
in the same transaction as the change that causes them, in the recipient's language.

The services call one function per event (invitation_accepted, delegation_saved,
registrations_confirmed, registrations_promoted, registrations_released,
programme_published, statement_moved). Each queues through mail.service.queue_message, so
a refused change (rolled back) leaves no mail, and each message names what it is about
(edition, invitation, registration, statement) for the pages that list them
(messages_about).

Stored params hold ids only: names and texts are read when the mail is rendered, and the
focal point's link (a secret) is built at delivery time from the invitation's current
nonce, as the invitation mail does; a message whose focal point changed meanwhile is not
sent (the link would reach the wrong person).

Coalescing: within one transaction, the mails of one kind to one focal point become one
mail listing every registration concerned (a bulk confirmation of a delegation sends one
mail, not one per member). Saving a delegation sends one mail for the whole save; seats
it frees may move other delegations' members off the waiting list, and those focal points
get a mail each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from eventhub import dates
from eventhub.extensions import db
from eventhub.i18n import gettext, ngettext
from eventhub.mail.models import OutboxMessage, OutboxStatus
from eventhub.mail.service import (
    MailContext,
    MessageNoLongerValid,
    focal_point_link,
    public_url,
    queue_message,
    register_template,
    resolve_language,
    shown_words,
)

FOCAL_POINT_CHANGED = "the invitation's focal point changed"
NOT_FOUND = "what the message is about no longer exists"



# ---------------------------------------------------------------------------------------
# What the pages list
# ---------------------------------------------------------------------------------------


def messages_about(*, edition_id: int | None = None, invitation_id: int | None = None,
                   registration_id: int | None = None, statement_id: int | None = None,
                   limit: int | None = None, attendance_only: bool = False
                   ) -> list[OutboxMessage]:
    """The outbox messages about any of the given things, newest first (several ids: a
    message about any of them, e.g. a registration and its delegation's invitation). No
    id given: none. attendance_only leaves out the statements' mail (an edition's
    invitations page lists what its invitations and delegations caused)."""
    about = [column == value for column, value in (
        (OutboxMessage.edition_id, edition_id), (OutboxMessage.invitation_id, invitation_id),
        (OutboxMessage.registration_id, registration_id),
        (OutboxMessage.statement_id, statement_id)) if value is not None]
    if not about:
        return []
    query = select(OutboxMessage).where(or_(*about))
    if attendance_only:
        query = query.where(OutboxMessage.statement_id.is_(None))
    query = (query
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# ---------------------------------------------------------------------------------------
# Coalescing within a transaction
# ---------------------------------------------------------------------------------------

_BATCH_KEY = "eventhub.notifications.batch"
_SAVING_KEY = "eventhub.notifications.saving_delegations"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_batch(session: Session) -> None:
    session.info.pop(_BATCH_KEY, None)
    session.info.pop(_SAVING_KEY, None)


def _this_transaction(key: str, empty) -> Any:
    """A value kept for the current transaction only (a new one starts afresh)."""
    session = db.session()
    transaction = session.get_transaction()
    entry = session.info.get(key)
    if entry is None or entry[0] is not transaction:
        entry = session.info[key] = (transaction, empty())
    return entry[1]


def _batch() -> dict[Any, OutboxMessage]:
    """This transaction's coalescing messages, by (template, invitation id)."""
    return _this_transaction(_BATCH_KEY, dict)


def _saving() -> set[int]:
    """The delegations being saved in this transaction."""
    return _this_transaction(_SAVING_KEY, set)


# ---------------------------------------------------------------------------------------
# Hooks the services call (one line each)
# ---------------------------------------------------------------------------------------


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _to_focal_point(invitation, template: str, params: dict[str, Any], *,
                    registration_id: int | None = None) -> OutboxMessage | None:
    if not invitation.focal_point_email:
        return None
    return queue_message(
        invitation.focal_point_email, template, invitation.focal_point_language,
        {"invitation_id": invitation.id,
         "focal_point": _email_hash(invitation.focal_point_email), **params},
        edition_id=invitation.edition_id, invitation_id=invitation.id,
        registration_id=registration_id)


def invitation_accepted(invitation) -> None:
    """The focal point accepted: what comes next, and the link to their pages."""
    _to_focal_point(invitation, "invitation_accepted", {})


_MEMBER_FIELDS = ("role", "attendance", "needs_visa_letter", "dietary", "accessibility",
                  "status")


def delegation_state(delegation) -> dict[int, tuple]:
    """The delegation's active members before a save (call delegation_saved after it).
    While it is being saved, its own members leaving the waiting list are told in the
    save's mail, not in one of their own."""
    from eventhub.registrations.service import delegation_members

    _saving().add(delegation.id)
    return {registration.id: _member_state(registration)
            for registration in delegation_members(delegation)}


def _member_state(registration) -> tuple:
    person = registration.person
    return (person.full_name, person.position,
            *(getattr(registration, key) for key in _MEMBER_FIELDS))


def delegation_saved(invitation, delegation, before: dict[int, tuple]) -> None:
    """One mail for one save of the delegation: who was added, removed or changed."""
    from eventhub.registrations.service import delegation_members

    _saving().discard(delegation.id)
    after = {registration.id: _member_state(registration)
             for registration in delegation_members(delegation)}
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(i for i in set(before) & set(after) if before[i] != after[i])
    if not (added or removed or changed):
        return
    single = added + removed + changed
    # Each member's role, attendance and status as the save left them (the mail may go
    # out after a later change); names are read when it is sent, never stored here.
    states = {str(i): {"role": after[i][2].value, "attendance": after[i][3].value,
                       "status": after[i][-1].value} for i in added + changed}
    _to_focal_point(invitation, "delegation_changed",
                    {"added": added, "removed": removed, "changed": changed,
                     "states": states},
                    registration_id=single[0] if len(single) == 1 else None)


def _per_focal_point(template: str, registrations: Iterable[Any]) -> None:
    """One mail per focal point for these registrations (their delegations' invitations),
    merged into the mail of the same kind already queued in this transaction."""
    from eventhub.invitations.models import Invitation

    batch = _batch()
    saving = _saving()
    for registration in registrations:
        delegation = registration.delegation
        if delegation is None or delegation.invitation_id is None:
            continue  # registered by the organizers: no focal point to tell
        if template == "registration_promoted" and delegation.id in saving:
            continue  # told in the mail of the delegation's save
        key = (template, delegation.invitation_id)
        message = batch.get(key)
        if message is not None and message.status == OutboxStatus.PENDING:
            ids = list(message.params.get("registration_ids", []))
            if registration.id not in ids:
                ids.append(registration.id)
                message.params = {**message.params, "registration_ids": ids}
                message.registration_id = None
            continue
        invitation = db.session.get(Invitation, delegation.invitation_id)
        if invitation is None:
            continue
        message = _to_focal_point(invitation, template, {"registration_ids": [registration.id]},
                                  registration_id=registration.id)
        if message is not None:
            batch[key] = message
    db.session.flush()


def registrations_confirmed(registrations: Iterable[Any]) -> None:
    _per_focal_point("registration_confirmed", registrations)


def registrations_promoted(registrations: Iterable[Any]) -> None:
    _per_focal_point("registration_promoted", registrations)


def registrations_released(registrations: Iterable[Any]) -> None:
    """Rejected or cancelled by the organizers (each mail says which)."""
    from eventhub.registrations.models import RegistrationStatus

    by_status: dict[str, list[Any]] = {}
    for registration in registrations:
        if registration.status == RegistrationStatus.REJECTED:
            by_status.setdefault("registration_rejected", []).append(registration)
        elif registration.status == RegistrationStatus.CANCELLED:
            by_status.setdefault("registration_cancelled", []).append(registration)
    for template, found in by_status.items():
        _per_focal_point(template, found)


def programme_published(edition, version) -> None:
    """Every focal point who accepted gets the new programme's links."""
    from eventhub.invitations.models import Invitation, InvitationStatus

    for invitation in db.session.scalars(select(Invitation).where(
            Invitation.edition_id == edition.id,
            Invitation.status == InvitationStatus.ACCEPTED,
            Invitation.focal_point_email.is_not(None)).order_by(Invitation.id)):
        _to_focal_point(invitation, "programme_published", {"version": version.number})


def statement_moved(statement) -> None:
    """A statement submitted for review awaits its approver (no approver named, or one
    no longer active: every active admin, who may approve any statement)."""
    from eventhub.auth.models import Role, User
    from eventhub.statements.models import StatementStatus

    if statement.status != StatementStatus.IN_REVIEW:
        return
    approver = (db.session.get(User, statement.approver_id)
                if statement.approver_id is not None else None)
    if approver is not None and approver.is_active:
        recipients = [approver]
    else:
        recipients = list(db.session.scalars(select(User).where(
            User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)))
    for user in recipients:
        queue_message(user.email, "statement_submitted", resolve_language(user.language),
                      {"statement_id": statement.id, "user_id": user.id},
                      edition_id=statement.edition_id, statement_id=statement.id)


# ---------------------------------------------------------------------------------------
# Rendering (at delivery time, in the recipient's language)
# ---------------------------------------------------------------------------------------


def _page_link(endpoint: str, **values: Any) -> str:
    """An absolute link to one of our pages on the public base URL (no request needed)."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return public_url(adapter.build(endpoint, values))


def _edition_values(edition) -> dict[str, Any]:
    from eventhub.editions.words import in_language

    return {"edition_title": shown_words(in_language(edition, "title")),
            "dates": dates.day_span(edition.start_date, edition.end_date)}


def _deadline(invitation, edition) -> str:
    deadline = invitation.deadline
    if deadline.tzinfo is None:  # stored as UTC without a zone (SQLite)
        deadline = deadline.replace(tzinfo=dt.UTC)
    return dates.moment(deadline, edition.time_zone)


def _focal_point_context(params: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], tuple]:
    """The invitation, its edition, the common values and the secrets (the link)."""
    from eventhub.editions.models import Edition
    from eventhub.invitations import tokens
    from eventhub.invitations.models import Invitation

    invitation = db.session.get(Invitation, params.get("invitation_id"))
    if invitation is None:
        raise MessageNoLongerValid(NOT_FOUND)
    if (not invitation.focal_point_email
            or _email_hash(invitation.focal_point_email) != params.get("focal_point")):
        raise MessageNoLongerValid(FOCAL_POINT_CHANGED)
    edition = db.session.get(Edition, invitation.edition_id)
    if edition is None:
        raise MessageNoLongerValid(NOT_FOUND)
    link, secrets = None, ()
    if invitation.token_nonce:
        token = tokens.token_for(invitation.token_nonce)
        link = focal_point_link(token)
        secrets = (link, token, invitation.token_nonce)
    values = {**_edition_values(edition),
              "focal_point_name": invitation.focal_point_name or "",
              "organization_name": invitation.organization.name,
              "quota": invitation.quota, "deadline": _deadline(invitation, edition),
              "link": link}
    return invitation, edition, values, secrets


def _members(ids: Iterable[int], states: dict[str, dict[str, str]] | None = None
             ) -> list[dict[str, Any]]:
    """Registrations as a mail lists them: name, role, attendance, status (as `states`
    gives them for it, else as they are now; deleted registrations are left out)."""
    from eventhub.registrations.models import Registration
    from eventhub.web.common import label

    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return []
    found = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.id.in_(wanted)))}
    rows = []
    for registration_id in wanted:
        registration = found.get(registration_id)
        if registration is None:
            continue
        state = {"role": registration.role.value,
                 "attendance": registration.attendance.value,
                 "status": registration.status.value,
                 **(states or {}).get(str(registration_id), {})}
        status = state["status"]
        rows.append({"name": registration.person_as_shown.full_name,
                     "role": label(state["role"], "registration_role"),
                     "attendance": label(state["attendance"], "attendance"),
                     "status": label(status, "registration_status"),
                     "confirmed": status == "confirmed", "pending": status == "pending",
                     "waitlisted": status == "waitlisted"})
    return rows


def _accepted_context(params: dict[str, Any]) -> MailContext:
    invitation, _edition, values, secrets = _focal_point_context(params)
    # Jinja's ngettext fills in only the number: sentences with more values are made here.
    values["register_line"] = ngettext(
        "- Register the members of your delegation (up to %(num)s person), naming its "
        "head, by %(deadline)s.",
        "- Register the members of your delegation (up to %(num)s persons), naming its "
        "head, by %(deadline)s.", invitation.quota or 0, deadline=values["deadline"])
    return MailContext(values=values, secrets=secrets)


def _delegation_context(params: dict[str, Any]) -> MailContext:
    invitation, _edition, values, secrets = _focal_point_context(params)
    from eventhub.registrations.service import delegation_for_invitation, delegation_members

    delegation = delegation_for_invitation(invitation)
    current = [r.id for r in delegation_members(delegation)] if delegation else []
    states = params.get("states") or {}
    values.update(added=_members(params.get("added", []), states),
                  removed=_members(params.get("removed", [])),
                  changed=_members(params.get("changed", []), states),
                  current=_members(current))
    return MailContext(values=values, secrets=secrets)


def _confirmed_texts(count: int, values: dict[str, Any]) -> tuple[str, str]:
    return (ngettext("Registration confirmed: %(title)s", "Registrations confirmed: %(title)s",
                     count, title=values["edition_title"]),
            ngettext("The organizers of %(edition)s (%(dates)s) have confirmed the "
                     "registration of this member of the delegation of %(organization)s:",
                     "The organizers of %(edition)s (%(dates)s) have confirmed the "
                     "registration of these members of the delegation of %(organization)s:",
                     count, edition=values["edition_title"], dates=values["dates"],
                     organization=values["organization_name"]))


def _promoted_texts(count: int, values: dict[str, Any]) -> tuple[str, str]:
    return (gettext("A seat is free for your delegation: %(title)s",
                    title=values["edition_title"]),
            ngettext("A seat has become free at %(edition)s (%(dates)s), and this member of "
                     "the delegation of %(organization)s has left the waiting list:",
                     "Seats have become free at %(edition)s (%(dates)s), and these members "
                     "of the delegation of %(organization)s have left the waiting list:",
                     count, edition=values["edition_title"], dates=values["dates"],
                     organization=values["organization_name"]))


def _rejected_texts(count: int, values: dict[str, Any]) -> tuple[str, str]:
    return (ngettext("Registration declined: %(title)s", "Registrations declined: %(title)s",
                     count, title=values["edition_title"]),
            ngettext("We regret that the organizers of %(edition)s could not accept the "
                     "registration of this member of the delegation of %(organization)s:",
                     "We regret that the organizers of %(edition)s could not accept the "
                     "registration of these members of the delegation of %(organization)s:",
                     count, edition=values["edition_title"],
                     organization=values["organization_name"]))


def _cancelled_texts(count: int, values: dict[str, Any]) -> tuple[str, str]:
    return (ngettext("Registration cancelled: %(title)s", "Registrations cancelled: %(title)s",
                     count, title=values["edition_title"]),
            ngettext("The organizers of %(edition)s have cancelled the registration of this "
                     "member of the delegation of %(organization)s:",
                     "The organizers of %(edition)s have cancelled the registration of these "
                     "members of the delegation of %(organization)s:",
                     count, edition=values["edition_title"],
                     organization=values["organization_name"]))


_REGISTRATION_TEXTS = {
    "registration_confirmed": _confirmed_texts, "registration_promoted": _promoted_texts,
    "registration_rejected": _rejected_texts, "registration_cancelled": _cancelled_texts,
}


def _registrations_context(template: str):
    def build(params: dict[str, Any]) -> MailContext:
        _invitation, _edition, values, secrets = _focal_point_context(params)
        members = _members(params.get("registration_ids", []))
        if not members:
            raise MessageNoLongerValid(NOT_FOUND)
        subject, intro = _REGISTRATION_TEXTS[template](len(members), values)
        values.update(members=members, subject=subject, intro=intro)
        return MailContext(values=values, secrets=secrets)

    return build


def _programme_context(params: dict[str, Any]) -> MailContext:
    _invitation, edition, values, secrets = _focal_point_context(params)
    from eventhub.programme.service import has_calendar

    # A programme with no timed item has no calendar file (its address answers 404).
    calendar_link = (_page_link("programme.ProgrammeCalendar", slug=edition.slug)
                     if has_calendar(edition) else None)
    values.update(version=params.get("version"),
                  programme_link=_page_link("web_public.edition", slug=edition.slug),
                  calendar_link=calendar_link)
    return MailContext(values=values, secrets=secrets)


def _statement_context(params: dict[str, Any]) -> MailContext:
    from eventhub.auth.models import User
    from eventhub.editions.models import Edition
    from eventhub.statements.models import Statement, StatementStatus
    from eventhub.statements.service import latest_number

    statement = db.session.get(Statement, params.get("statement_id"))
    user = db.session.get(User, params.get("user_id"))
    if statement is None or user is None or not user.is_active:
        raise MessageNoLongerValid(NOT_FOUND)
    if statement.status != StatementStatus.IN_REVIEW:
        raise MessageNoLongerValid("the statement no longer awaits approval")
    edition = db.session.get(Edition, statement.edition_id)
    return MailContext(values={
        **_edition_values(edition), "name": user.name, "title": statement.title,
        "revision": latest_number(statement),
        "link": _page_link("web_secretariat.statement", slug=edition.slug,
                           statement_id=statement.id)})


register_template("invitation_accepted", _accepted_context)
register_template("delegation_changed", _delegation_context)
for _name in _REGISTRATION_TEXTS:
    register_template(_name, _registrations_context(_name))
register_template("programme_published", _programme_context)
register_template("statement_submitted", _statement_context)
