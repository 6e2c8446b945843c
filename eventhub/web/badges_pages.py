"""Badges for organizers: a page to print every confirmed registration's badge or a
delegation's, on A6 or four to an A4 sheet, and the PDF downloads behind its links (one
registration's badge is linked from the roster and the check-in page). The routes are on
the organizer pages' blueprint; the PDFs come from the same service as the API's."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from eventhub.auth.permissions import Permission
from eventhub.editions.service import get_edition
from eventhub.errors import DomainError
from eventhub.extensions import db
from eventhub.i18n import N_
from eventhub.registrations import badges
from eventhub.registrations import service as registrations
from eventhub.registrations.badges_api import pdf_response
from eventhub.registrations.models import Registration, RegistrationStatus
from eventhub.web.common import edition_tab, field_errors, page_actor, page_requires
from eventhub.web.manage import blp

edition_tab("web_manage.badges_page", N_("Badges"), 85, Permission.MANAGE_ATTENDANCE)


def _layout() -> str:
    asked = request.args.get("layout", "a6")
    return asked if asked in badges.LAYOUTS else "a6"


def _badges_page(slug: str, *, errors: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    edition = get_edition(actor, slug)
    delegations = registrations.list_delegations(actor, slug)
    confirmed = dict(db.session.execute(
        select(Registration.delegation_id, func.count()).where(
            Registration.edition_id == edition.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.badge_code.is_not(None))
        .group_by(Registration.delegation_id)).all())
    rows = sorted(((d, d.organization_as_shown, confirmed.get(d.id, 0)) for d in delegations),
                  key=lambda row: row[1].name.casefold())
    return render_template("manage/badges.html", edition=edition, rows=rows,
                           total=sum(confirmed.values()), layouts=badges.LAYOUTS,
                           errors=errors or {}), status


@blp.get("/<slug>/badges")
@page_requires(Permission.MANAGE_ATTENDANCE)
def badges_page(slug: str):
    return _badges_page(slug)


def _pdf(slug: str, **chosen: int):
    try:
        pdf = badges.badges_pdf(page_actor(), slug, layout=_layout(), **chosen)
    except DomainError as exc:
        db.session.rollback()
        return _badges_page(slug, errors=field_errors(exc), status=exc.status)
    return pdf_response(pdf, badges.filename(slug, **chosen))


@blp.get("/<slug>/badges.pdf")
@page_requires(Permission.MANAGE_ATTENDANCE)
def badges_pdf(slug: str):
    return _pdf(slug)


@blp.get("/<slug>/delegations/<int:delegation_id>/badges.pdf")
@page_requires(Permission.MANAGE_ATTENDANCE)
def delegation_badges_pdf(slug: str, delegation_id: int):
    return _pdf(slug, delegation_id=delegation_id)


@blp.get("/<slug>/registrations/<int:registration_id>/badge.pdf")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_badge_pdf(slug: str, registration_id: int):
    return _pdf(slug, registration_id=registration_id)
