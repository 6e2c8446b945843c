"""Visa support letters: passport details per registration, and the letter itself.

Passport details (number, nationality, date of birth, expiry) are the most sensitive data
EventHub holds. They are encrypted at rest (eventhub.registrations.crypto), readable by
organizers and admins only (READ_PRIVATE_CONTACTS), never part of a roster, and no log
record or error message of this module contains them: a validation error says what is
wrong with a field, never what was sent. Retention erases them with `erase_request` /
`erase_for_edition`.

Services flush, never commit, and raise DomainError subclasses.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

import pycountry
from sqlalchemy import select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.editions.models import Edition
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import Conflict, NotFound, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_
from eventhub.registrations import crypto
from eventhub.registrations.letter import LetterContent, render
from eventhub.registrations.models import (
    Registration,
    RegistrationRole,
    RegistrationStatus,
    VisaRequest,
)
from eventhub.registrations.service import status_term

logger = logging.getLogger(__name__)

PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
# Cancelled or rejected registrations travel nowhere: no passport details for them.
_ACCEPTS_DETAILS = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
                    RegistrationStatus.WAITLISTED)
_ROLE_LABELS = {role: role.value.replace("_", " ").capitalize() for role in RegistrationRole}


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country is not None else code


def _error(field: str, message: str, code: str, **params: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"field": field, "location": "json", "message": message,
                             "code": code}
    if params:
        entry["params"] = params
    return entry


def _validated(values: dict[str, Any], edition: Edition) -> dict[str, str]:
    """Normalized details as strings, or 422 listing every problem. Messages describe the
    rule that failed and never repeat the value."""
    errors = []
    number = re.sub(r"\s+", "", str(values.get("passport_number") or "")).upper()
    if not PASSPORT_NUMBER.fullmatch(number):
        errors.append(_error("passport_number", N_("Give 5 to 20 characters, capital letters "
                                                   "A-Z and digits 0-9 only."),
                             "visa.passport_number"))
    nationality = str(values.get("nationality") or "").strip().upper()
    if len(nationality) != 2 or pycountry.countries.get(alpha_2=nationality) is None:
        errors.append(_error("nationality", N_("Give an ISO 3166-1 alpha-2 country code "
                                               "(e.g. CN, FR, KE)."), "visa.nationality"))
    birth = values.get("date_of_birth")
    if not isinstance(birth, dt.date) or not EARLIEST_BIRTH_DATE <= birth < utcnow().date():
        errors.append(_error("date_of_birth", N_("Must be a date in the past (after "
                                                 "%(earliest)s)."), "visa.date_of_birth",
                             earliest=EARLIEST_BIRTH_DATE.isoformat()))
    expiry = values.get("passport_expiry")
    if not isinstance(expiry, dt.date) or expiry <= edition.end_date:
        errors.append(_error("passport_expiry", N_("The passport must be valid beyond the "
                                                   "last day of the edition (%(end)s)."),
                             "visa.passport_expiry", end=edition.end_date.isoformat()))
    if errors:
        raise Unprocessable(N_("The passport details are not valid; see errors."),
                            code="visa.invalid_details", errors=errors)
    return {"passport_number": number, "nationality": nationality,
            "date_of_birth": birth.isoformat(), "passport_expiry": expiry.isoformat()}


def _registration(edition: Edition, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.edition_id != edition.id:
        raise NotFound(N_("Edition “%(slug)s” has no registration %(id)s."),
                       code="registration.not_found", slug=edition.slug, id=registration_id)
    return registration


def _visa_request(registration: Registration) -> VisaRequest:
    visa_request = registration.visa_request
    if visa_request is None:
        raise NotFound(N_("Registration %(id)s has no passport details."),
                       code="visa.no_details", id=registration.id)
    return visa_request


def _store(edition: Edition, registration: Registration, values: dict[str, Any]
           ) -> Registration:
    ensure_writable(edition)
    if registration.status not in _ACCEPTS_DETAILS:
        raise Conflict(N_("The registration is %(status)s; passport details are kept for "
                          "active registrations only."), code="visa.registration_inactive",
                       extra={"current_status": registration.status.value},
                       status=status_term(registration.status))
    details = _validated(values, edition)
    visa_request = registration.visa_request or VisaRequest(registration=registration)
    visa_request.passport_number_encrypted = crypto.encrypt(details["passport_number"])
    visa_request.nationality_encrypted = crypto.encrypt(details["nationality"])
    visa_request.date_of_birth_encrypted = crypto.encrypt(details["date_of_birth"])
    visa_request.passport_expiry_encrypted = crypto.encrypt(details["passport_expiry"])
    # A letter issued before names the old details: it has to be issued again.
    visa_request.letter_issued_at = None
    visa_request.updated_at = utcnow()
    registration.needs_visa_letter = True
    db.session.add(visa_request)
    db.session.flush()
    logger.info("passport details stored for registration %s", registration.id)
    return registration


def submit_details(actor: Actor, slug: str, registration_id: int,
                   values: dict[str, Any]) -> Registration:
    """An organizer enters (or replaces) a registrant's passport details."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    return _store(edition, _registration(edition, registration_id), values)


def submit_details_by_focal_point(token: str, registration_id: int,
                                  values: dict[str, Any]) -> Registration:
    """The focal point enters passport details for a member of their own delegation;
    any other registration is 404, so the link discloses nothing about others."""
    from eventhub.invitations.service import invitation_for_token
    from eventhub.registrations.service import delegation_for_invitation

    invitation = invitation_for_token(token)
    edition = db.session.get(Edition, invitation.edition_id)
    delegation = delegation_for_invitation(invitation)
    registration = db.session.get(Registration, registration_id)
    if (delegation is None or registration is None
            or registration.delegation_id != delegation.id
            or registration.edition_id != edition.id):
        raise NotFound(N_("Your delegation has no member with registration id %(id)s."),
                       code="delegation.member_not_found", id=registration_id)
    return _store(edition, registration, values)


def read_details(actor: Actor, slug: str, registration_id: int) -> dict[str, Any]:
    """The decrypted details: organizers and admins only."""
    authorize(actor, Permission.READ_PRIVATE_CONTACTS)
    edition = get_edition(actor, slug)
    registration = _registration(edition, registration_id)
    visa_request = _visa_request(registration)
    nationality = crypto.decrypt(visa_request.nationality_encrypted)
    return {
        "registration_id": registration.id,
        "full_name": registration.person_as_shown.full_name,
        "passport_number": crypto.decrypt(visa_request.passport_number_encrypted),
        "nationality": nationality,
        "nationality_name": country_name(nationality),
        "date_of_birth": dt.date.fromisoformat(
            crypto.decrypt(visa_request.date_of_birth_encrypted)),
        "passport_expiry": dt.date.fromisoformat(
            crypto.decrypt(visa_request.passport_expiry_encrypted)),
        "letter_issued_at": visa_request.letter_issued_at,
        "created_at": visa_request.created_at,
        "updated_at": visa_request.updated_at,
    }


def _issue_date(edition: Edition) -> dt.date:
    try:
        return utcnow().astimezone(ZoneInfo(edition.time_zone)).date()
    except (KeyError, ValueError):  # an unknown zone: the date in UTC is close enough
        return utcnow().date()


def letter_content(edition: Edition, registration: Registration,
                   details: dict[str, Any]) -> LetterContent:
    person = registration.person_as_shown
    host = edition.host_as_shown
    return LetterContent(
        host_name=host.name if host is not None else edition.series.name,
        issue_date=_issue_date(edition),
        reference=f"{edition.slug}/VISA/{registration.id}",
        full_name=person.full_name,
        nationality=details["nationality_name"],
        passport_number=details["passport_number"],
        date_of_birth=details["date_of_birth"],
        organization=person.organization.name if person.organization is not None else None,
        position=person.position,
        participation=_ROLE_LABELS[registration.role],
        edition_title=edition.title,
        city=edition.city,
        country=country_name(edition.country_code) if edition.country_code else None,
        venue=edition.venue,
        start_date=edition.start_date,
        end_date=edition.end_date,
    )


def issue_letter(actor: Actor, slug: str, registration_id: int) -> bytes:
    """The visa support letter as a PDF, for a confirmed registration only."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    authorize(actor, Permission.READ_PRIVATE_CONTACTS)  # the letter shows the details
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    registration = _registration(edition, registration_id)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict(N_("The registration is %(status)s; a visa support letter is issued "
                          "for confirmed registrations only."),
                       code="visa.registration_not_confirmed",
                       extra={"current_status": registration.status.value},
                       status=status_term(registration.status))
    details = read_details(actor, slug, registration_id)
    pdf = render(letter_content(edition, registration, details))
    registration.visa_request.letter_issued_at = utcnow()
    db.session.flush()
    logger.info("visa support letter issued for registration %s", registration.id)
    return pdf


def erase_request(registration: Registration) -> bool:
    """Delete the registration's passport details (retention, or on request); the
    registration no longer needs a letter. True when there was something to erase."""
    registration.needs_visa_letter = False
    visa_request = registration.visa_request
    if visa_request is None:
        db.session.flush()
        return False
    registration.visa_request = None  # delete-orphan removes the row
    db.session.flush()
    logger.info("passport details erased for registration %s", registration.id)
    return True


def erase(actor: Actor, slug: str, registration_id: int) -> None:
    """Erase on request. Allowed on archived editions too: the archive keeps the record,
    not personal data past its purpose."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    registration = _registration(edition, registration_id)
    _visa_request(registration)
    erase_request(registration)


def erase_for_edition(edition: Edition) -> int:
    """Erase every passport detail of an edition (for the retention rules); the count."""
    registrations = db.session.scalars(
        select(Registration).join(VisaRequest, VisaRequest.registration_id == Registration.id)
        .where(Registration.edition_id == edition.id)).all()
    return sum(erase_request(registration) for registration in registrations)


def visa_state(actor: Actor, edition: Edition, registration: Registration) -> dict[str, Any]:
    """What a registration's page shows of its visa request: whether a letter is needed,
    whether passport details are on file and when a letter was issued; the details
    themselves only for roles that may read them (`details`, else None); and whether
    `actor` may issue the letter now (`may_issue`, with `blocked_by`: the code of what
    stands in the way, for a role that could otherwise issue it)."""
    visa_request = registration.visa_request
    readable = actor.can(Permission.READ_PRIVATE_CONTACTS)
    details = (read_details(actor, edition.slug, registration.id)
               if readable and visa_request is not None else None)
    could_issue = (readable and actor.can(Permission.MANAGE_ATTENDANCE)
                   and not edition.is_read_only)
    blocked_by = None
    if visa_request is None:
        blocked_by = "visa.no_details"
    elif registration.status != RegistrationStatus.CONFIRMED:
        blocked_by = "visa.registration_not_confirmed"
    return {"needed": registration.needs_visa_letter, "on_file": visa_request is not None,
            "letter_issued_at": visa_request.letter_issued_at if visa_request else None,
            "details": details, "may_issue": could_issue and blocked_by is None,
            "blocked_by": blocked_by if could_issue else None}
