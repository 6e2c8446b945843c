"""Invitations: the list per edition, their lifecycle, and the focal point's response link.

draft -> sent -> accepted | declined; a sent invitation past its deadline is expired (a
status computed on read from the deadline, never written: Invitation.status); draft or
sent ones can be revoked. Anything else is refused with 409.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask_babel import pgettext
from sqlalchemy import Select, func, select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization
from eventhub.editions import snapshot
from eventhub.editions.models import Edition, EditionStatus
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import Conflict, DomainError, NotFound, Term, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_
from eventhub.invitations import tokens
from eventhub.invitations.models import Invitation, InvitationStatus
from eventhub.mail import notifications

_S = InvitationStatus
TRANSITIONS: dict[InvitationStatus, frozenset[InvitationStatus]] = {
    _S.DRAFT: frozenset({_S.SENT, _S.REVOKED}),
    # Expiry is no transition: the deadline passing turns a sent invitation expired.
    _S.SENT: frozenset({_S.ACCEPTED, _S.DECLINED, _S.REVOKED, _S.SENT}),
    _S.ACCEPTED: frozenset(),
    _S.DECLINED: frozenset(),
    _S.EXPIRED: frozenset(),
    _S.REVOKED: frozenset(),
}

# The statuses in which an invitation's focal point, quota or deadline can still change.
CHANGEABLE = (_S.DRAFT, _S.SENT, _S.ACCEPTED)


class LinkGone(DomainError):
    status = 410
    title = N_("Gone")
    default_code = "invitation.link_gone"


_STATUS_WORDS = {
    _S.DRAFT: lambda: pgettext("invitation status", "draft"),
    _S.SENT: lambda: pgettext("invitation status", "sent"),
    _S.ACCEPTED: lambda: pgettext("invitation status", "accepted"),
    _S.DECLINED: lambda: pgettext("invitation status", "declined"),
    _S.EXPIRED: lambda: pgettext("invitation status", "expired"),
    _S.REVOKED: lambda: pgettext("invitation status", "revoked"),
}


def status_term(status: InvitationStatus) -> Term:
    """An invitation's status as a parameter of a message (its value, read translated)."""
    return Term(status.value, _STATUS_WORDS[status])


def _move(invitation: Invitation, new_status: InvitationStatus) -> None:
    if new_status not in TRANSITIONS[invitation.status]:
        raise Conflict(
            N_("The invitation is %(status)s; it cannot become %(target)s."),
            code="invitation.transition_refused",
            extra={"current_status": invitation.status.value,
                   "allowed": sorted(s.value for s in TRANSITIONS[invitation.status])},
            status=status_term(invitation.status), target=status_term(new_status))
    invitation.status = new_status


def available_actions(actor: Actor, edition: Edition, invitation: Invitation
                      ) -> tuple[str, ...]:
    """What `actor` may do with `invitation` now (edit, send, resend, revoke), by
    permission, the edition (archived or closed: nothing) and the invitation's status: the
    rules the services enforce, for pages to offer only what will be accepted."""
    if (not actor.can(Permission.MANAGE_ATTENDANCE) or edition.is_read_only
            or edition.status == EditionStatus.CLOSED):
        return ()
    status = invitation.status
    found = []
    if status in CHANGEABLE:
        found.append("edit")
    if _S.SENT in TRANSITIONS[status]:
        found.append("send" if status == _S.DRAFT else "resend")
    if _S.REVOKED in TRANSITIONS[status]:
        found.append("revoke")
    return tuple(found)


def _check_deadline(deadline) -> None:
    if deadline.tzinfo is None:
        raise Unprocessable.for_field("deadline",
                                      N_("Give the deadline with a time zone offset."),
                                      code="invitation.deadline_without_zone")
    if deadline <= utcnow():
        raise Unprocessable.for_field("deadline", N_("The deadline must be in the future."),
                                      code="invitation.deadline_past")


def _writable_edition(actor: Actor, slug: str) -> Edition:
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    if edition.status == EditionStatus.CLOSED:
        raise Conflict(N_("Edition “%(slug)s” is closed; invitations can no longer change."),
                       code="invitation.edition_closed", slug=slug)
    return edition


def list_invitations(actor: Actor, slug: str, filters: dict[str, Any]) -> Select:
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    query = select(Invitation).where(Invitation.edition_id == edition.id)
    if status := filters.get("status"):
        # The status as of now, expiry included (computed in SQL).
        query = query.where(Invitation.status == status)
    if code := filters.get("country_code"):
        # The country as the edition shows it (an archived edition: as it was then).
        frozen = snapshot.organization_snapshot()
        query = (query.join(Organization).outerjoin(
            frozen, (frozen.edition_id == Invitation.edition_id)
            & (frozen.organization_id == Invitation.organization_id))
            .where(snapshot.as_shown(frozen, Organization, "country_code") == code.upper()))
    return query.order_by(Invitation.id)


def invitation_counts(actor: Actor, slug: str) -> dict[InvitationStatus, int]:
    """How many of the edition's invitations are in each status (every status, 0 if none)."""
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    # Grouped over a subquery: the computed status compares with the clock through a
    # bound parameter, and PostgreSQL would not see two copies of it as one expression.
    current = select(Invitation.status.label("status")).where(
        Invitation.edition_id == edition.id).subquery()
    counts = dict.fromkeys(InvitationStatus, 0)
    counts.update(db.session.execute(
        select(current.c.status, func.count()).group_by(current.c.status)).all())
    return counts


def get_invitation(actor: Actor, slug: str, invitation_id: int) -> Invitation:
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.edition_id != edition.id:
        raise NotFound(N_("Edition “%(slug)s” has no invitation %(id)s."),
                       code="invitation.not_found", slug=slug, id=invitation_id)
    return invitation


def _new_invitation(edition: Edition, values: dict[str, Any]) -> Invitation:
    organization = db.session.get(Organization, values["organization_id"])
    if organization is None:
        raise Unprocessable.for_field("organization_id", N_("No organization with id %(id)s."),
                                      code="organization.not_found",
                                      id=values["organization_id"])
    if db.session.scalar(select(Invitation.id).where(
            Invitation.edition_id == edition.id,
            Invitation.organization_id == organization.id)) is not None:
        raise Conflict(N_("%(organization)s is already on the invitation list of %(slug)s."),
                       code="invitation.duplicate", extra={"organization_id": organization.id},
                       organization=organization.name, slug=edition.slug)
    if values.get("deadline") is not None:
        _check_deadline(values["deadline"])
    invitation = Invitation(edition_id=edition.id, organization=organization,
                            status=_S.DRAFT, **{k: v for k, v in values.items()
                                                if k != "organization_id"})
    db.session.add(invitation)
    return invitation


def create_invitation(actor: Actor, slug: str, values: dict[str, Any]) -> Invitation:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _writable_edition(actor, slug)
    invitation = _new_invitation(edition, values)
    db.session.flush()
    return invitation


def create_invitations(actor: Actor, slug: str, entries: list[dict[str, Any]],
                       defaults: dict[str, Any]) -> list[Invitation]:
    """Several organizations at once, all or nothing; each entry may override the
    shared quota, deadline and language."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _writable_edition(actor, slug)
    seen: set[int] = set()
    created = []
    for index, entry in enumerate(entries):
        values = {**defaults, **entry}
        if values["organization_id"] in seen:
            raise Unprocessable(N_("Organization %(id)s is listed twice."),
                                code="invitation.listed_twice",
                                errors=[{"field": f"invitations.{index}.organization_id",
                                         "location": "json", "message": N_("Listed twice."),
                                         "code": "invitation.listed_twice"}],
                                id=values["organization_id"])
        seen.add(values["organization_id"])
        missing = [f for f in ("quota", "deadline") if values.get(f) is None]
        if missing:
            raise Unprocessable(N_("Each invitation needs a quota and a deadline."),
                                code="invitation.incomplete",
                                errors=[{"field": f"invitations.{index}.{f}",
                                         "location": "json", "message": N_("Missing."),
                                         "code": "validation.required"}
                                        for f in missing])
        created.append(_new_invitation(edition, values))
    db.session.flush()
    return created


def update_invitation(actor: Actor, slug: str, invitation_id: int,
                      changes: dict[str, Any]) -> Invitation:
    """Correct a focal point, quota or deadline; a new deadline also revives nothing that
    has already expired."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    _writable_edition(actor, slug)
    invitation = get_invitation(actor, slug, invitation_id)
    if invitation.status not in CHANGEABLE:
        raise Conflict(N_("An invitation that is %(status)s cannot be changed."),
                       code="invitation.not_changeable", status=status_term(invitation.status))
    if "deadline" in changes:
        _check_deadline(changes["deadline"])
    if "quota" in changes:
        from eventhub.registrations.service import active_delegation_size

        size = active_delegation_size(invitation)
        if changes["quota"] < size:
            raise Conflict(N_("The delegation already has %(size)s registered members."),
                           code="invitation.quota_below_delegation", size=size,
                           quota=changes["quota"])
    for key, value in changes.items():
        setattr(invitation, key, value)
    db.session.flush()
    return invitation


def _send(invitation: Invitation) -> None:
    from eventhub.mail.service import queue_message

    missing = [field for field in ("focal_point_name", "focal_point_email", "quota",
                                   "deadline") if getattr(invitation, field) is None]
    if missing:
        raise Unprocessable(
            N_("Complete the invitation to %(organization)s before sending it."),
            code="invitation.incomplete",
            errors=[{"field": field, "location": "invitation", "message": N_("Missing."),
                     "code": "validation.required"} for field in missing],
            organization=invitation.organization.name)
    if invitation.deadline <= utcnow():
        raise Unprocessable.for_field("deadline", N_("The deadline has passed; set a new one."),
                                      code="invitation.deadline_past")
    _move(invitation, _S.SENT)
    nonce = tokens.new_nonce()
    invitation.token_nonce = nonce
    invitation.token_digest = tokens.digest_of(tokens.token_for(nonce))
    invitation.sent_at = utcnow()
    queue_message(invitation.focal_point_email, "invitation", invitation.focal_point_language,
                  {"invitation_id": invitation.id,
                   "token_nonce_hash": hashlib.sha256(nonce.encode()).hexdigest()[:16]},
                  edition_id=invitation.edition_id, invitation_id=invitation.id)


def _require_open(edition: Edition) -> None:
    if edition.status != EditionStatus.OPEN:
        raise Conflict(N_("Edition “%(slug)s” is not open; open it before sending "
                          "invitations, so that delegations can register."),
                       code="invitation.edition_not_open", slug=edition.slug,
                       edition_status=edition.status.value)


def send_invitation(actor: Actor, slug: str, invitation_id: int) -> Invitation:
    """Send a draft, or send a sent one again with a new link (the old link dies)."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _writable_edition(actor, slug)
    _require_open(edition)
    invitation = get_invitation(actor, slug, invitation_id)
    _send(invitation)
    db.session.flush()
    return invitation


def send_all_drafts(actor: Actor, slug: str) -> list[Invitation]:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _writable_edition(actor, slug)
    _require_open(edition)
    drafts = list(db.session.scalars(select(Invitation).where(
        Invitation.edition_id == edition.id, Invitation.status == _S.DRAFT)
        .order_by(Invitation.id)))
    for invitation in drafts:
        _send(invitation)
    db.session.flush()
    return drafts


def revoke_invitation(actor: Actor, slug: str, invitation_id: int) -> Invitation:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    _writable_edition(actor, slug)
    invitation = get_invitation(actor, slug, invitation_id)
    _move(invitation, _S.REVOKED)
    # The digest stays, so the dead link answers 410 (withdrawn) rather than 404.
    invitation.revoked_at = utcnow()
    db.session.flush()
    return invitation


# The focal point's side: the response link ---------------------------------------------

def invitation_for_token(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation a response link opens. Unknown or forged links are 404; revoked,
    expired or answered-and-closed ones are 410, so the focal point knows the link was
    real but is no longer usable."""
    query = select(Invitation).where(Invitation.token_digest == tokens.digest_of(token))
    if for_update:
        query = query.with_for_update(of=Invitation)
    invitation = db.session.scalar(query)
    if invitation is None or not tokens.matches(token, invitation.token_digest):
        raise NotFound(N_("This invitation link is not valid. Check that the whole link was "
                          "copied from the e-mail."), code="invitation.link_invalid")
    # The focal point's language travels with the refusal, so the page saying the link
    # is gone speaks it.
    language = {"language": invitation.focal_point_language}
    if invitation.status == _S.EXPIRED or invitation.deadline <= utcnow():
        raise LinkGone(N_("The response deadline of this invitation has passed."),
                       code="invitation.deadline_passed",
                       extra={"deadline": invitation.deadline.isoformat(), **language})
    if invitation.status == _S.REVOKED:
        raise LinkGone(N_("This invitation has been withdrawn by the organizers."),
                       code="invitation.withdrawn", extra=language)
    edition = db.session.get(Edition, invitation.edition_id)
    if edition is not None and edition.status in (EditionStatus.CLOSED,
                                                  EditionStatus.ARCHIVED):
        raise LinkGone(N_("Registration for this edition has closed."),
                       code="invitation.registration_closed", extra=language)
    return invitation


def respond(token: str, accept: bool) -> dict[str, Any]:
    invitation = invitation_for_token(token, for_update=True)
    _move(invitation, _S.ACCEPTED if accept else _S.DECLINED)
    invitation.responded_at = utcnow()
    if accept:
        from eventhub.registrations.service import delegation_for_invitation

        delegation_for_invitation(invitation, create=True)
        notifications.invitation_accepted(invitation)
    db.session.flush()
    return focal_point_view(token)


def set_delegation(token: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    from eventhub.registrations.service import register_delegation

    register_delegation(token, members)
    return focal_point_view(token)


def focal_point_view(token: str) -> dict[str, Any]:
    """The invitation as its focal point sees it, with the delegation registered so far."""
    from eventhub.registrations.service import delegation_for_invitation, delegation_members

    invitation = invitation_for_token(token)
    edition = db.session.get(Edition, invitation.edition_id)
    delegation = delegation_for_invitation(invitation)
    return {
        "edition": {"slug": edition.slug, "title": edition.title, "city": edition.city,
                    "country_code": edition.country_code,
                    "start_date": edition.start_date.isoformat(),
                    "end_date": edition.end_date.isoformat()},
        "organization": invitation.organization_as_shown,
        "focal_point_name": invitation.focal_point_name,
        "quota": invitation.quota, "deadline": invitation.deadline,
        "status": invitation.status,
        "members": delegation_members(delegation) if delegation else [],
        "credential": delegation.credential if delegation else None,
    }


# Several invitations at once, each with its own outcome (organizer pages) ----------------

@dataclass
class RowOutcome:
    """What became of one invitation of a bulk request: `done` (saved, or sent), or the
    refusal that kept it as it was. `changes`: what the row asked for, as loaded."""

    invitation_id: int
    invitation: Invitation | None
    done: bool
    error: DomainError | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        return self.error.code if self.error is not None else None


def _invitations_by_id(edition: Edition, ids: list[int]) -> dict[int, Invitation]:
    if not ids:
        return {}
    return {invitation.id: invitation for invitation in db.session.scalars(
        select(Invitation).where(Invitation.edition_id == edition.id,
                                 Invitation.id.in_(ids)))}


def _not_found(slug: str, invitation_id: int) -> NotFound:
    return NotFound(N_("Edition “%(slug)s” has no invitation %(id)s."),
                    code="invitation.not_found", slug=slug, id=invitation_id)


def _change_refusal(invitation: Invitation, changes: dict[str, Any]) -> DomainError | None:
    """Why `changes` cannot be made to `invitation` (the rules of update_invitation), or
    None. Changes nothing."""
    if invitation.status not in CHANGEABLE:
        return Conflict(N_("An invitation that is %(status)s cannot be changed."),
                        code="invitation.not_changeable", status=status_term(invitation.status))
    try:
        if "deadline" in changes:
            _check_deadline(changes["deadline"])
    except DomainError as exc:
        return exc
    if "quota" in changes:
        from eventhub.registrations.service import active_delegation_size

        size = active_delegation_size(invitation)
        if changes["quota"] < size:
            return Unprocessable.for_field(
                "quota", N_("The delegation already has %(size)s registered members."),
                code="invitation.quota_below_delegation", size=size, quota=changes["quota"])
    return None


def update_invitations(actor: Actor, slug: str, rows: list[dict[str, Any]]
                       ) -> list[RowOutcome]:
    """Correct or complete several invitations at once (the drafts table): each row is
    {"id": invitation id, field: value...} with the fields update_invitation takes, as
    typed (they are validated here, row by row, with the API's update schema).

    All or nothing: every row is checked first and each refused row gets its own error;
    if any row is refused nothing is saved (what was typed stays on the page to correct),
    otherwise every row is saved. Rows that change nothing are left out of the outcome."""
    from marshmallow import ValidationError

    from eventhub.errors import flatten_messages
    from eventhub.invitations.schemas import InvitationUpdateSchema

    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _writable_edition(actor, slug)
    found = _invitations_by_id(edition, [row["id"] for row in rows])
    outcomes = []
    for row in rows:
        invitation = found.get(row["id"])
        raw = {key: value for key, value in row.items() if key != "id"}
        if invitation is None:
            outcomes.append(RowOutcome(row["id"], None, False, _not_found(slug, row["id"])))
            continue
        try:
            changes = InvitationUpdateSchema().load(raw)
        except ValidationError as exc:
            outcomes.append(RowOutcome(invitation.id, invitation, False, Unprocessable(
                N_("The row has invalid fields; see errors."),
                code="validation.invalid_fields",
                errors=flatten_messages(exc.messages, "form"))))
            continue
        changes = {key: value for key, value in changes.items()
                   if getattr(invitation, key) != value}
        if not changes:
            continue
        outcomes.append(RowOutcome(invitation.id, invitation, False,
                                   _change_refusal(invitation, changes), changes))
    if any(outcome.error is not None for outcome in outcomes):
        return outcomes
    for outcome in outcomes:
        for key, value in outcome.changes.items():
            setattr(outcome.invitation, key, value)
        outcome.done = True
    db.session.flush()
    return outcomes


def send_drafts(actor: Actor, slug: str, ids: list[int] | None = None) -> list[RowOutcome]:
    """Send the edition's drafts (all of them, or those in `ids`), each on its own: a draft
    that cannot go (no focal point, a deadline passed...) is reported with its refusal and
    stays a draft, and the others are sent. The edition must be open (else nothing is
    sent: invitation.edition_not_open)."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _writable_edition(actor, slug)
    _require_open(edition)
    if ids is None:
        drafts = list(db.session.scalars(select(Invitation).where(
            Invitation.edition_id == edition.id, Invitation.status == _S.DRAFT)
            .order_by(Invitation.id)))
        wanted = [(invitation.id, invitation) for invitation in drafts]
    else:
        found = _invitations_by_id(edition, ids)
        wanted = [(invitation_id, found.get(invitation_id))
                  for invitation_id in dict.fromkeys(ids)]
    outcomes = []
    for invitation_id, invitation in wanted:
        if invitation is None:
            outcomes.append(RowOutcome(invitation_id, None, False,
                                       _not_found(slug, invitation_id)))
            continue
        if invitation.status != _S.DRAFT:
            outcomes.append(RowOutcome(invitation_id, invitation, False, Conflict(
                N_("The invitation is %(status)s, not a draft; it was left as it is."),
                code="invitation.not_a_draft", status=status_term(invitation.status))))
            continue
        try:
            # _send checks everything before it changes anything: a refusal leaves the
            # draft as it was.
            _send(invitation)
        except DomainError as exc:
            outcomes.append(RowOutcome(invitation_id, invitation, False, exc))
            continue
        outcomes.append(RowOutcome(invitation_id, invitation, True))
    db.session.flush()
    return outcomes
