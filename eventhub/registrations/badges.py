"""Printable name badges: one registration's, a delegation's or every confirmed one of an
edition, as a PDF made with fpdf2.

Layouts: ``a6`` puts one badge on each A6 page; ``a4`` puts four on each A4 sheet (two by
two) with cut marks in the margins. Each badge shows the edition, the person's name,
organization, country or region (its CLDR name in the badge's language), role, and the
badge code as text and as a QR code whose content is exactly the badge code, so that a
scanner at the check-in desk types the code into the check-in form.

The badge's language is the language of the request (``?lang=zh`` for Chinese); the fonts
are the visa letter's (DejaVu Sans with a Noto CJK fallback where installed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from babel import Locale, UnknownLocaleError
from sqlalchemy import select

from eventhub import dates
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition
from eventhub.editions.service import get_edition
from eventhub.editions.words import in_language
from eventhub.errors import Conflict, NotFound
from eventhub.extensions import db
from eventhub.i18n import N_, language, translate
from eventhub.registrations.letter import _Writer, installed_fonts
from eventhub.registrations.models import (
    Delegation,
    Registration,
    RegistrationRole,
    RegistrationStatus,
)
from eventhub.registrations.service import status_term

LAYOUTS = ("a6", "a4")
# Badge size on an A4 sheet (mm), two by two, and the sheet's margins around the grid.
_SHEET_BADGE = (95.0, 135.0)
_SHEET_COLUMNS, _SHEET_ROWS = 2, 2
_A4 = (210.0, 297.0)
_A6 = (105.0, 148.0)
_PAD = 6.0
_QR_SIZE = 38.0

ROLE_WORDS = {
    RegistrationRole.HEAD_OF_DELEGATION: N_("head of delegation"),
    RegistrationRole.DELEGATE: N_("delegate"), RegistrationRole.SPEAKER: N_("speaker"),
    RegistrationRole.EXPERT: N_("expert"), RegistrationRole.OBSERVER: N_("observer"),
    RegistrationRole.PRESS: N_("press"), RegistrationRole.STAFF: N_("staff"),
    RegistrationRole.EXHIBITOR: N_("exhibitor"),
}


@dataclass(frozen=True)
class BadgeContent:
    full_name: str
    organization: str | None
    country: str | None
    role: str
    code: str
    edition_title: str
    edition_dates: str


# Choosing the badges ---------------------------------------------------------------------

def _confirmed(edition: Edition):
    return (select(Registration).join(Person, Registration.person_id == Person.id)
            .outerjoin(Organization, Person.organization_id == Organization.id)
            .where(Registration.edition_id == edition.id,
                   Registration.status == RegistrationStatus.CONFIRMED,
                   Registration.badge_code.is_not(None))
            .order_by(Organization.name, Person.full_name, Registration.id))


def registrations_for_badges(actor: Actor, slug: str, *, registration_id: int | None = None,
                             delegation_id: int | None = None
                             ) -> tuple[Edition, list[Registration]]:
    """The confirmed registrations to print: one, a delegation's, or all of the edition
    (by organization, then name)."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    if registration_id is not None:
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.edition_id != edition.id:
            raise NotFound(N_("Edition “%(slug)s” has no registration %(id)s."),
                           code="registration.not_found", slug=slug, id=registration_id)
        if registration.status != RegistrationStatus.CONFIRMED or not registration.badge_code:
            raise Conflict(N_("The registration is %(status)s; badges are printed for "
                              "confirmed registrations only."),
                           code="badge.not_confirmed",
                           extra={"current_status": registration.status.value},
                           status=status_term(registration.status))
        return edition, [registration]
    query = _confirmed(edition)
    if delegation_id is not None:
        delegation = db.session.get(Delegation, delegation_id)
        if delegation is None or delegation.edition_id != edition.id:
            raise NotFound(N_("Edition “%(slug)s” has no delegation %(id)s."),
                           code="badge.delegation_not_found", slug=slug, id=delegation_id)
        query = query.where(Registration.delegation_id == delegation.id)
    found = list(db.session.scalars(query))
    if not found:
        raise Conflict(N_("Nobody here is confirmed yet: there are no badges to print."),
                       code="badge.none_confirmed")
    return edition, found


def country_or_region(code: str | None, stored_name: str | None = None) -> str | None:
    """A country or region by its CLDR name in the badge's language."""
    if code:
        try:
            name = Locale.parse(language()).territories.get(code.upper())
        except (UnknownLocaleError, ValueError):
            name = None
        if name:
            return name
    return stored_name or code


def badge_content(edition: Edition, registration: Registration) -> BadgeContent:
    person = registration.person_as_shown
    organization = person.organization
    role = translate(ROLE_WORDS.get(registration.role, registration.role.value))
    return BadgeContent(
        full_name=person.full_name,
        organization=organization.name if organization is not None else None,
        country=(country_or_region(organization.country_code, organization.country_name)
                 if organization is not None else None),
        role=role[:1].upper() + role[1:],
        code=registration.badge_code or "",
        edition_title=in_language(edition, "title").text,
        edition_dates=dates.day_span(edition.start_date, edition.end_date),
    )


def badges_pdf(actor: Actor, slug: str, *, layout: str = "a6",
               registration_id: int | None = None, delegation_id: int | None = None
               ) -> bytes:
    """The badges as one PDF, in the request's language."""
    edition, chosen = registrations_for_badges(
        actor, slug, registration_id=registration_id, delegation_id=delegation_id)
    return render([badge_content(edition, registration) for registration in chosen],
                  layout=layout)


# Drawing ---------------------------------------------------------------------------------

def qr_png(code: str) -> bytes:
    """The QR code of a badge code (its content is the code and nothing else)."""
    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


class _BadgeWriter(_Writer):
    def fit(self, text: str, width: float, size: float, max_lines: int,
            bold: bool = False, smallest: float = 7) -> tuple[float, str]:
        """The largest size (down to `smallest`) at which `text` takes at most
        `max_lines` lines of `width`."""
        text = self.clean(text)
        while size > smallest:
            self.style(size, bold)
            lines = self.pdf.multi_cell(width, size * 0.45, text, dry_run=True,
                                        output="LINES")
            if len(lines) <= max_lines:
                break
            size -= 1
        return size, text

    def block(self, x: float, y: float, width: float, text: str, size: float,
              max_lines: int, bold: bool = False) -> float:
        """Centred text from (x, y); returns the y below it."""
        size, text = self.fit(text, width, size, max_lines, bold)
        self.style(size, bold)
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(width, size * 0.45, text, align="C", new_x="LMARGIN",
                            new_y="NEXT")
        return self.pdf.get_y()

    def badge(self, content: BadgeContent, x: float, y: float, width: float,
              height: float) -> None:
        pdf = self.pdf
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(x, y, width, height)
        inner = width - 2 * _PAD
        left = x + _PAD
        top = self.block(left, y + _PAD, inner, content.edition_title, 10, 2)
        top = self.block(left, top, inner, content.edition_dates, 8, 1)
        pdf.set_draw_color(0, 0, 0)
        pdf.line(left, top + 2, left + inner, top + 2)
        top = self.block(left, top + 7, inner, content.full_name, 22, 2, bold=True)
        if content.organization:
            top = self.block(left, top + 3, inner, content.organization, 12, 3)
        if content.country:
            top = self.block(left, top + 2, inner, content.country, 12, 1, bold=True)
        # The bottom: role band, QR code and the code as text.
        code_y = y + height - _PAD - 5
        qr_y = code_y - _QR_SIZE - 1
        role_y = qr_y - 11
        pdf.set_fill_color(30, 60, 110)
        pdf.set_text_color(255, 255, 255)
        pdf.rect(x, role_y, width, 9, style="F")
        size, role = self.fit(content.role, inner, 14, 1, bold=True)
        self.style(size, True)
        pdf.set_xy(left, role_y)
        pdf.cell(inner, 9, role, align="C")
        pdf.set_text_color(0, 0, 0)
        pdf.image(io.BytesIO(qr_png(content.code)), x=x + (width - _QR_SIZE) / 2, y=qr_y,
                  w=_QR_SIZE, h=_QR_SIZE)
        self.style(11, True)
        pdf.set_xy(left, code_y)
        pdf.cell(inner, 5, content.code, align="C")


def _cut_marks(pdf, xs: list[float], ys: list[float], page: tuple[float, float]) -> None:
    """Short lines in the margins where the sheet is cut."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    width, height = page
    for x in xs:
        pdf.line(x, 2, x, ys[0] - 2)
        pdf.line(x, ys[-1] + 2, x, height - 2)
    for y in ys:
        pdf.line(2, y, xs[0] - 2, y)
        pdf.line(xs[-1] + 2, y, width - 2, y)


def render(badges: list[BadgeContent], *, layout: str = "a6") -> bytes:
    """The badges as PDF bytes: one per A6 page, or four per A4 sheet with cut marks."""
    if layout not in LAYOUTS:
        raise ValueError(layout)
    writer = _BadgeWriter(installed_fonts())
    pdf = writer.pdf
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(badges[0].edition_title if badges else "Badges")
    if layout == "a6":
        for content in badges:
            pdf.add_page(format=_A6)
            writer.badge(content, 0, 0, *_A6)
        return bytes(pdf.output())
    width, height = _SHEET_BADGE
    left = (_A4[0] - _SHEET_COLUMNS * width) / 2
    top = (_A4[1] - _SHEET_ROWS * height) / 2
    per_sheet = _SHEET_COLUMNS * _SHEET_ROWS
    for start in range(0, len(badges), per_sheet):
        pdf.add_page(format=_A4)
        for index, content in enumerate(badges[start:start + per_sheet]):
            row, column = divmod(index, _SHEET_COLUMNS)
            writer.badge(content, left + column * width, top + row * height, width, height)
        _cut_marks(pdf, [left + c * width for c in range(_SHEET_COLUMNS + 1)],
                   [top + r * height for r in range(_SHEET_ROWS + 1)], _A4)
    return bytes(pdf.output())


def filename(slug: str, *, registration_id: int | None = None,
             delegation_id: int | None = None) -> str:
    if registration_id is not None:
        return f"{slug}-badge-{registration_id}.pdf"
    if delegation_id is not None:
        return f"{slug}-badges-delegation-{delegation_id}.pdf"
    return f"{slug}-badges.pdf"
