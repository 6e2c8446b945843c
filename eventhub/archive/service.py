"""The record across editions: participation history, figures side by side, the next
edition from the last, and the retention rules for personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions import snapshot
from eventhub.editions.models import Edition, EditionStatus, Participation
from eventhub.editions.service import create_edition, get_edition, recorded_counts_by_edition
from eventhub.errors import Conflict, NotFound
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_
from eventhub.invitations.models import Invitation, InvitationStatus
from eventhub.programme.models import ItemKind, ProgrammeItem, Speech
from eventhub.registrations.models import (
    CredentialDocument,
    Delegation,
    IdempotentRequest,
    Registration,
    RegistrationRole,
    VisaRequest,
)

ANONYMIZED_NAME = "Anonymized participant"


def _public_editions(actor: Actor, *, figures: bool = False) -> list[Edition]:
    query = select(Edition).order_by(Edition.start_date, Edition.id)
    if figures:
        query = query.options(selectinload(Edition.figures))
    if not actor.can(Permission.READ_INTERNAL):
        query = query.where(Edition.status != EditionStatus.DRAFT)
    return list(db.session.scalars(query))


def _organizations_of(edition: Edition) -> set[int]:
    ids = set(db.session.scalars(select(Participation.organization_id).where(
        Participation.edition_id == edition.id)))
    ids |= set(db.session.scalars(select(Delegation.organization_id).where(
        Delegation.edition_id == edition.id)))
    if edition.host_organization_id:
        ids.add(edition.host_organization_id)
    return ids


def participation_history(actor: Actor) -> dict[str, Any]:
    """Which organizations and countries or regions took part in which editions."""
    editions = _public_editions(actor)
    slugs = {e.id: e.slug for e in editions}
    # Two queries for all editions: participations and delegations, plus the hosts.
    pairs = set(db.session.execute(select(Participation.edition_id,
                                          Participation.organization_id)
                                   .where(Participation.edition_id.in_(slugs))).all())
    pairs |= set(db.session.execute(select(Delegation.edition_id, Delegation.organization_id)
                                    .where(Delegation.edition_id.in_(slugs))).all())
    pairs |= {(e.id, e.host_organization_id) for e in editions if e.host_organization_id}
    ordered = [(edition, organization_id) for edition in editions
               for edition_id, organization_id in sorted(pairs) if edition_id == edition.id]
    # Each edition names an organization as it shows it (archived: as it was then); the
    # list names it as the latest of them does.
    as_shown = snapshot.organizations_by_edition(ordered)
    by_organization: dict[int, list[str]] = {}
    organizations: dict[int, Any] = {}
    countries: dict[str, dict[str, Any]] = {}
    for edition, organization_id in ordered:
        by_organization.setdefault(organization_id, []).append(edition.slug)
        organization = organizations[organization_id] = as_shown[(edition.id, organization_id)]
        if organization.country_code:
            entry = countries.setdefault(organization.country_code, {
                "country_code": organization.country_code,
                "country_name": organization.country_name, "editions": set()})
            entry["editions"].add(edition.slug)
    return {
        "editions": [e.slug for e in editions],
        "organizations": [{"organization": organizations[i], "editions": slugs}
                          for i, slugs in sorted(by_organization.items(),
                                                 key=lambda kv: organizations[kv[0]].name)],
        "countries_and_regions": [{**c, "editions": sorted(c["editions"])}
                                  for _, c in sorted(countries.items())],
    }


def organization_history(actor: Actor, organization_id: int) -> dict[str, Any]:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(N_("No organization with id %(organization_id)s."),
                       code="archive.organization_not_found", organization_id=organization_id)
    took_part = [e for e in _public_editions(actor) if organization.id in _organizations_of(e)]
    if not took_part and not actor.can(Permission.READ_INTERNAL):
        # Only organizations of the public record are public.
        raise NotFound(N_("No organization with id %(organization_id)s."),
                       code="archive.organization_not_found", organization_id=organization_id)
    # Speakers of the organization as each edition shows them (archived: as they were).
    frozen = snapshot.person_snapshot()
    speakers = db.session.execute(
        select(Edition.slug, snapshot.as_shown(frozen, Person, "full_name"), Speech.role)
        .select_from(Speech).join(ProgrammeItem).join(Edition)
        .join(Person, Speech.person_id == Person.id)
        .outerjoin(frozen, (frozen.edition_id == Edition.id) & (frozen.person_id == Person.id))
        .where(snapshot.as_shown(frozen, Person, "organization_id") == organization.id,
               Edition.id.in_([e.id for e in took_part]))
        .order_by(Edition.start_date, ProgrammeItem.position, Speech.position)).all()
    if took_part:
        # Named as the latest edition that names it shows it.
        live = organization
        organization = snapshot.shown(took_part[-1]).organization(live.id, lambda: live)
    return {"organization": organization,
            "editions": [{"slug": e.slug, "title": e.title, "start_date": e.start_date,
                          "role": "host" if e.host_organization_id == organization.id
                          else "participant",
                          "speakers": [{"full_name": name, "role": role.value}
                                       for slug, name, role in speakers if slug == e.slug]}
                         for e in took_part]}


def figures_side_by_side(actor: Actor) -> list[dict[str, Any]]:
    """Per edition: what the record reports, and what the database counts (a fixed
    number of queries, whatever the number of editions)."""
    editions = _public_editions(actor, figures=True)
    recorded = recorded_counts_by_edition(editions)
    return [{"edition": e.slug, "ordinal": e.ordinal, "start_date": e.start_date,
             "reported": list(e.figures), "recorded": recorded[e.id]}
            for e in editions]


def next_edition(actor: Actor, slug: str, values: dict[str, Any]) -> Edition:
    """A new draft edition after `slug`: same series, next number, the programme's shape
    (kinds, order, breakout topics as templates, no times, rooms or speakers), and a draft
    invitation list of the organizations that took part, with their last focal points."""
    authorize(actor, Permission.MANAGE_EDITIONS)
    previous = get_edition(actor, slug)
    ordinal = previous.ordinal + 1
    edition = create_edition(actor, {
        "series": previous.series.slug, "ordinal": ordinal,
        "host_organization_id": values.get("host_organization_id",
                                           previous.host_organization_id),
        "theme": values.get("theme"), "capacity": values.get("capacity"),
        "time_zone": values.get("time_zone", previous.time_zone),
        **{k: values[k] for k in ("slug", "title", "city", "region", "country_code", "venue",
                                  "start_date", "end_date") if k in values}})
    for item in db.session.scalars(select(ProgrammeItem).where(
            ProgrammeItem.edition_id == previous.id, ProgrammeItem.is_cancelled.is_(False))
            .order_by(ProgrammeItem.position, ProgrammeItem.id)):
        db.session.add(ProgrammeItem(
            edition_id=edition.id, kind=item.kind, position=item.position,
            title=item.title, translations=dict(item.translations or {}),
            description=item.description
            if item.kind == ItemKind.BREAKOUT_SESSION else None, capacity=item.capacity))
    for organization_id in sorted(_organizations_of(previous) - {edition.host_organization_id}):
        last = db.session.scalar(select(Invitation).where(
            Invitation.organization_id == organization_id,
            Invitation.focal_point_email.is_not(None))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(1))
        db.session.add(Invitation(
            edition_id=edition.id, organization_id=organization_id,
            status=InvitationStatus.DRAFT,
            focal_point_name=last.focal_point_name if last else None,
            focal_point_email=last.focal_point_email if last else None,
            focal_point_language=last.focal_point_language if last else "en",
            quota=last.quota if last else None))
    db.session.flush()
    return edition


def anonymize(actor: Actor, slug: str) -> dict[str, int]:
    """Remove an archived edition's private personal data: contact details, needs, travel
    data, private delegates' names, credential files, focal points. Speakers and heads of
    delegation stay as published; every figure and count stays the same."""
    authorize(actor, Permission.MANAGE_USERS)
    edition = get_edition(actor, slug, for_update=True)
    if edition.status != EditionStatus.ARCHIVED:
        raise Conflict(N_("Only archived editions are anonymized."),
                       code="archive.not_archived")
    speakers = set(db.session.scalars(select(Speech.person_id).join(ProgrammeItem).where(
        ProgrammeItem.edition_id == edition.id)))
    registrations = list(db.session.scalars(select(Registration).where(
        Registration.edition_id == edition.id)))
    counts = {"people_anonymized": 0, "contacts_removed": 0, "visa_requests_removed": 0,
              "credentials_removed": 0, "focal_points_removed": 0}
    for registration in registrations:
        registration.dietary = None
        registration.accessibility = None
        registration.needs_visa_letter = False
        registration.badge_code = None
        public = (registration.person_id in speakers
                  or registration.role == RegistrationRole.HEAD_OF_DELEGATION)
        if not public:
            _detach_private_person(registration, edition)
            counts["people_anonymized"] += 1
    person_ids = speakers | {r.person_id for r in registrations}
    for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids))):
        if (person.email or person.phone) and not _in_other_live_edition(person, edition):
            person.email = None
            person.phone = None
            counts["contacts_removed"] += 1
    counts["visa_requests_removed"] = db.session.execute(delete(VisaRequest).where(
        VisaRequest.registration_id.in_([r.id for r in registrations]))).rowcount or 0
    counts["credentials_removed"] = db.session.execute(delete(CredentialDocument).where(
        CredentialDocument.delegation_id.in_(select(Delegation.id).where(
            Delegation.edition_id == edition.id)))).rowcount or 0
    counts["focal_points_removed"] = db.session.execute(
        update(Invitation).where(Invitation.edition_id == edition.id, or_(
            Invitation.focal_point_name.is_not(None), Invitation.focal_point_email.is_not(None)))
        .values(focal_point_name=None, focal_point_email=None, token_nonce=None,
                token_digest=None)).rowcount or 0
    _forget_mail_and_replays(edition)
    edition.anonymized_at = utcnow()
    db.session.flush()
    return counts


def _detach_private_person(registration: Registration, edition: Edition) -> None:
    """A private delegate's name leaves the record, the edition's snapshot included: the
    registration keeps its place in every count, pointing at a nameless stand-in of the
    organization the edition shows."""
    person = registration.person
    elsewhere = db.session.scalar(select(Registration.id).where(
        Registration.person_id == person.id, Registration.edition_id != edition.id).limit(1))
    if elsewhere is None and not db.session.scalar(
            select(Speech.id).where(Speech.person_id == person.id).limit(1)):
        person.full_name = ANONYMIZED_NAME
        person.position = None
        person.honorific = None
        person.email = None
        person.phone = None
        snapshot.rename_person(edition.id, person.id, ANONYMIZED_NAME)
        return
    shown = snapshot.shown(edition).person(person.id, lambda: person)
    stand_in = Person(full_name=ANONYMIZED_NAME, organization_id=shown.organization_id)
    db.session.add(stand_in)
    db.session.flush()
    registration.person_id = stand_in.id
    snapshot.replace_person(edition.id, person.id, stand_in)


def _in_other_live_edition(person: Person, edition: Edition) -> bool:
    return db.session.scalar(select(Registration.id).join(Edition).where(
        Registration.person_id == person.id, Registration.edition_id != edition.id,
        Edition.anonymized_at.is_(None)).limit(1)) is not None


def _forget_mail_and_replays(edition: Edition) -> None:
    from eventhub.mail.models import OutboxMessage

    invitation_ids = [str(i) for i in db.session.scalars(
        select(Invitation.id).where(Invitation.edition_id == edition.id))]
    for message in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "invitation")):
        if str(message.params.get("invitation_id")) in invitation_ids:
            db.session.delete(message)
    # Every other message about the edition (notifications name their recipients).
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.edition_id == edition.id).execution_options(synchronize_session=False))
    # Remembered responses may quote personal data and only serve retries: forget this
    # edition's, those of invitation links (which cannot be told apart without the
    # token), and any older than a day.
    db.session.execute(delete(IdempotentRequest).where(or_(
        IdempotentRequest.scope.like(f"% edition:{edition.slug}"),
        IdempotentRequest.scope.like("anon:%"),
        IdempotentRequest.created_at < utcnow() - dt.timedelta(days=1))))


def due_for_anonymization(retention_days: int) -> list[Edition]:
    cutoff = utcnow() - dt.timedelta(days=retention_days)
    return list(db.session.scalars(select(Edition).where(
        Edition.status == EditionStatus.ARCHIVED, Edition.anonymized_at.is_(None),
        Edition.archived_at <= cutoff).order_by(Edition.id)))
