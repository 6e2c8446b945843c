"""What every page module shares: who is signed in, permission checks that send people to
the sign-in page, form parsing through the API's own schemas, field errors, and HTML
error pages."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton
from babel.lists import format_list
from flask import (
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal
from markupsafe import Markup, escape
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from eventhub import dates
from eventhub.auth.models import Role
from eventhub.auth.permissions import ANONYMOUS, Actor, Permission
from eventhub.directory.service import country_name_for
from eventhub.editions.models import EditionStatus
from eventhub.editions.words import in_language
from eventhub.errors import (
    DomainError,
    NotAuthenticated,
    PermissionDenied,
    flatten_messages,
    problem_title,
)
from eventhub.i18n import N_, _, language, language_name, translate
from eventhub.invitations.models import InvitationStatus
from eventhub.programme.models import ItemKind, SpeechRole
from eventhub.registrations.models import Attendance, RegistrationRole, RegistrationStatus
from eventhub.statements.models import StatementKind, StatementStatus, SuggestionStatus

SESSION_TOKEN = "api_token"
logger = logging.getLogger(__name__)


# Who is signed in ------------------------------------------------------------------------

def page_actor() -> Actor:
    """The signed-in person, from the API token kept in the session cookie. A token that
    was revoked or expired ends the page session quietly."""
    actor = g.get("actor")
    if actor is not None:
        return actor
    from eventhub.auth.service import actor_for_token

    actor = ANONYMOUS
    token = session.get(SESSION_TOKEN)
    if token:
        try:
            actor = actor_for_token(token)
        except NotAuthenticated:
            session.clear()
    g.actor = actor
    return actor


def user_language() -> str | None:
    """The language setting of the signed-in user, if any. Read once per request (the
    language is chosen again after every refresh, and pages ask for it several times)."""
    if "user_language" in g:
        return g.user_language
    actor = page_actor()
    found = None
    if actor.is_authenticated and actor.user_id is not None:
        from sqlalchemy import select

        from eventhub.auth.models import User
        from eventhub.extensions import db

        found = db.session.scalar(select(User.language).where(User.id == actor.user_id))
    g.user_language = found
    return found


def signed_in() -> bool:
    return page_actor().is_authenticated


def page_requires(permission: Permission | None = None) -> Callable:
    """Send anonymous visitors to the sign-in page (and back afterwards); refuse signed-in
    people whose role lacks the permission with a 403 page."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = page_actor()
            if not actor.is_authenticated:
                return redirect(url_for("web_account.login", next=request.full_path.rstrip("?")))
            if permission is not None and not actor.can(permission):
                raise PermissionDenied(N_("Your role (%(role)s) may not %(permission)s."),
                                       role=label(actor.role),
                                       permission=label(permission))
            return view(*args, **kwargs)

        wrapper._page_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


# Forms ---------------------------------------------------------------------------------

def form_values(form: Mapping[str, str], fields: Iterable[str]) -> dict[str, Any]:
    """The named fields that were filled in. An empty box means "not given", as a missing
    key does in the API."""
    values = {}
    for name in fields:
        value = form.get(name, "")
        if isinstance(value, str):
            value = value.strip()
        if value != "":
            values[name] = value
    return values


def form_integer(value: Any) -> Any:
    """A number box as the API's strict integer fields expect it; anything else is left
    as typed for the schema to report."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate form data with the API's own input schema, so a page accepts exactly what
    the API accepts. Raises FormInvalid with messages by field."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise FormInvalid(messages_by_field(exc.messages)) from exc


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def messages_by_field(messages: Any) -> dict[str, str]:
    """marshmallow's nested messages as one text per field ("members.0.email"); messages
    about the whole form go under "". A message that is a msgid is shown translated."""
    by_field: dict[str, list[str]] = {}
    for entry in flatten_messages(messages, "form"):
        field = "" if entry["field"] == "_schema" else entry["field"]
        by_field.setdefault(field, []).append(translate(entry["message"]))
    return {field: " ".join(texts) for field, texts in by_field.items()}


def field_errors(error: DomainError | FormInvalid) -> dict[str, str]:
    """Messages by field for a form: validation errors keep their field; a refusal by a
    service without a field ("" key) is shown above the form."""
    if isinstance(error, FormInvalid):
        return error.errors
    found = {e.get("field", ""): e.get("message", "") for e in error.field_errors()}
    if not found or "" not in found:
        found.setdefault("", error.detail)
    return found


# Error pages ---------------------------------------------------------------------------

def _error_page(status: int, title: str, detail: str,
                headers: Mapping[str, str] | None = None) -> Response:
    response = Response(render_template("error.html", status=status, title=title,
                                        detail=detail), status=status)
    for key, value in (headers or {}).items():
        if key.lower() != "www-authenticate":
            response.headers[key] = value
    return response


def domain_error_page(error: DomainError) -> Response:
    if isinstance(error, NotAuthenticated):
        session.clear()
        return redirect(url_for("web_account.login", next=request.full_path.rstrip("?")))
    return _error_page(error.status, error.translated_title, error.detail, error.headers)


# What a visitor reads for the statuses pages answer with themselves (werkzeug's own
# descriptions are English and written for programmers).
_HTTP_DETAILS = {
    404: N_("There is no page at this address. Check the address, or start again from "
            "the home page."),
    405: N_("This page does not accept that kind of request."),
}


def http_error_page(error: HTTPException) -> Response:
    status = error.code or 500
    detail = _HTTP_DETAILS.get(status)
    return _error_page(status, problem_title(status),
                       translate(detail) if detail else problem_title(status))


def csrf_error_page(error: HTTPException) -> Response:
    return _error_page(400, _("The form has expired"),
                       _("Reload the page and send the form again. (The security token "
                         "of the form was missing or out of date.)"))


def unexpected_error_page(error: Exception) -> Response:
    if current_app.testing:
        raise error  # tests see the real exception, as with the API
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return _error_page(500, _("Something went wrong"),
                       _("The error has been logged. Please try again in a moment."))


ERROR_HANDLERS: list[tuple[type[Exception], Callable]] = [
    (DomainError, domain_error_page),
    (HTTPException, http_error_page),
    (Exception, unexpected_error_page),
]


# Names of stored values --------------------------------------------------------------

# Every enum value a staff page shows, by the kind of value, as a msgid: the one place
# where "waitlisted" becomes "候补". A value missing here is shown as stored.
LABELS: dict[str, dict[str, str]] = {
    "edition_status": {
        EditionStatus.DRAFT: N_("draft"), EditionStatus.OPEN: N_("open"),
        EditionStatus.CLOSED: N_("closed"), EditionStatus.ARCHIVED: N_("archived")},
    "invitation_status": {
        InvitationStatus.DRAFT: N_("draft"), InvitationStatus.SENT: N_("sent"),
        InvitationStatus.ACCEPTED: N_("accepted"), InvitationStatus.DECLINED: N_("declined"),
        InvitationStatus.EXPIRED: N_("expired"), InvitationStatus.REVOKED: N_("revoked")},
    "registration_status": {
        RegistrationStatus.PENDING: N_("pending"),
        RegistrationStatus.CONFIRMED: N_("confirmed"),
        RegistrationStatus.WAITLISTED: N_("waitlisted"),
        RegistrationStatus.REJECTED: N_("rejected"),
        RegistrationStatus.CANCELLED: N_("cancelled")},
    "registration_role": {
        RegistrationRole.HEAD_OF_DELEGATION: N_("head of delegation"),
        RegistrationRole.DELEGATE: N_("delegate"), RegistrationRole.SPEAKER: N_("speaker"),
        RegistrationRole.EXPERT: N_("expert"), RegistrationRole.OBSERVER: N_("observer"),
        RegistrationRole.PRESS: N_("press"), RegistrationRole.STAFF: N_("staff"),
        RegistrationRole.EXHIBITOR: N_("exhibitor")},
    "attendance": {Attendance.IN_PERSON: N_("in person"), Attendance.VIDEO: N_("video")},
    "item_kind": {
        ItemKind.OPENING_CEREMONY: N_("opening ceremony"), ItemKind.PLENARY: N_("plenary"),
        ItemKind.BREAKOUT_SESSION: N_("breakout session"),
        ItemKind.EXHIBITION: N_("exhibition"), ItemKind.SIDE_EVENT: N_("side event"),
        ItemKind.SOCIAL: N_("social")},
    "item_status": {"scheduled": N_("scheduled"), "cancelled": N_("cancelled")},
    # The fields of a programme item the changelog names as changed.
    "item_field": {
        "kind": N_("kind"), "title": N_("title"), "description": N_("description"),
        "room": N_("room"), "starts_at": N_("start"), "ends_at": N_("end"),
        "capacity": N_("places"), "chairs": N_("chairs"), "speeches": N_("speakers"),
        "position": N_("order")},
    "speech_role": {
        SpeechRole.OPENING_SPEECH: N_("opening speech"),
        SpeechRole.WELCOME_SPEECH: N_("welcome speech"), SpeechRole.KEYNOTE: N_("keynote"),
        SpeechRole.PLENARY_SPEECH: N_("plenary speech"), SpeechRole.SPEECH: N_("speech"),
        SpeechRole.PANELLIST: N_("panellist"), SpeechRole.MODERATOR: N_("moderator")},
    "statement_status": {
        StatementStatus.DRAFT: N_("Draft"), StatementStatus.IN_REVIEW: N_("In review"),
        StatementStatus.APPROVED: N_("Approved"),
        StatementStatus.PUBLISHED: N_("Published")},
    "statement_kind": {
        StatementKind.CHAIRS_STATEMENT: N_("Chair's statement"),
        StatementKind.JOINT_DECLARATION: N_("Joint declaration"),
        StatementKind.SUMMARY: N_("Summary")},
    "suggestion_status": {
        SuggestionStatus.PENDING: N_("Pending"), SuggestionStatus.ACCEPTED: N_("Accepted"),
        SuggestionStatus.REJECTED: N_("Rejected")},
    "user_role": {Role.ADMIN: N_("admin"), Role.ORGANIZER: N_("organizer"),
                  Role.SECRETARIAT: N_("secretariat"), Role.VIEWER: N_("viewer")},
    "permission": {
        Permission.READ_INTERNAL: N_("read internal data (draft editions, unpublished "
                                     "documents)"),
        Permission.READ_PRIVATE_CONTACTS: N_("read private contact details"),
        Permission.MANAGE_EDITIONS: N_("create and change editions"),
        Permission.MANAGE_DIRECTORY: N_("create and change organizations and people"),
        Permission.MANAGE_ATTENDANCE: N_("manage invitations, delegations and "
                                         "registrations"),
        Permission.MANAGE_STATEMENTS: N_("draft and change statements"),
        Permission.MANAGE_USERS: N_("manage user accounts")},
    # What the fact check compared, and what it found.
    "fact_kind": {
        "guests": N_("attendance"), "countries_and_regions": N_("countries and regions"),
        "breakout_sessions": N_("breakout sessions"), "breakout_topic": N_("breakout topic"),
        "breakout_topic_missing": N_("breakout topic not mentioned"), "theme": N_("theme"),
        "place": N_("place"), "dates": N_("dates"), "dateline": N_("dateline"),
        "host": N_("host"), "organization": N_("organization"),
        "speaker_position": N_("speaker and position"),
        "unknown_person": N_("person not on record")},
    "fact_result": {"match": N_("ok"), "mismatch": N_("MISMATCH"),
                    "unverified": N_("unverified")},
    "statement_field": {"title": N_("Title"), "dateline": N_("Dateline")},
    # Where a fact was found, when it is not a numbered section.
    "fact_section": {"dateline": N_("dateline"), "title": N_("title")},
}
_GROUP_OF_ENUM: dict[type, str] = {
    EditionStatus: "edition_status", InvitationStatus: "invitation_status",
    RegistrationStatus: "registration_status", RegistrationRole: "registration_role",
    Attendance: "attendance", ItemKind: "item_kind", SpeechRole: "speech_role",
    StatementStatus: "statement_status", StatementKind: "statement_kind",
    SuggestionStatus: "suggestion_status", Role: "user_role", Permission: "permission",
}


def label(value: Any, group: str | None = None) -> str:
    """A stored value (an enum member, or its value with the group named) as the page's
    language names it."""
    if value is None:
        return ""
    if group is None:
        group = _GROUP_OF_ENUM.get(type(value), "")
    key = value.value if isinstance(value, enum.Enum) else str(value)
    msgid = LABELS.get(group, {}).get(key)
    return translate(msgid) if msgid else key.replace("_", " ")


def choices(group: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """(value, name) pairs for a select."""
    found = []
    for value in values:
        key = value.value if isinstance(value, enum.Enum) else str(value)
        found.append((key, label(key, group)))
    return found


def language_choices() -> list[tuple[str, str]]:
    """The languages offered, each by its own name."""
    from eventhub.i18n import available_locales

    return [(code, language_name(code)) for code in available_locales()]


# The edition's own words -----------------------------------------------------------------

class _Fields:
    """A programme item as the services hand it out (a dict), read like the model."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name)


def _words(obj: Any, field: str):
    return in_language(_Fields(obj) if isinstance(obj, Mapping) else obj, field)


def words(obj: Any, field: str) -> Markup:
    """An edition's or programme item's title, city, theme or venue in the page's language;
    a text shown in another language says so (lang attribute and a note)."""
    found = _words(obj, field)
    if not found.is_fallback:
        return Markup(escape(found.text))
    note = _("(%(language)s)", language=language_name_in_page(found.language))
    return Markup('<span lang="{code}">{text}</span> <small class="fallback">{note}</small>'
                  ).format(code=found.language, text=found.text, note=note)


def words_text(obj: Any, field: str) -> str:
    """The same as plain text, for a page title."""
    return _words(obj, field).text


def language_name_in_page(code: str) -> str:
    """A language's name in the page's language ("英语" on a Chinese page)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name(language()) or code
    except (UnknownLocaleError, ValueError):
        return code


# Dates, times, numbers, lists ----------------------------------------------------------

def moment(value: dt.datetime | None, zone: str) -> str:
    """A point in time in the edition's zone, the zone named: the same text for an
    organizer, the secretariat and a focal point."""
    return dates.moment(value, zone) if value is not None else ""


def country(code: str | None, stored_name: str | None = None) -> str | None:
    """A country or region in the page's language (CLDR); the stored (English) name where
    the record gives no code or CLDR has no name."""
    if code:
        try:
            found = Locale.parse(language()).territories.get(code.upper())
        except (UnknownLocaleError, ValueError):
            found = None
        if found:
            return found
        if stored_name is None:
            try:
                return country_name_for(code)
            except DomainError:
                return code
    return stored_name


def zone_label(zone: str) -> str:
    """A time zone as people name it, with its identifier: "China Standard Time
    (Asia/Shanghai)"."""
    name = dates.zone_name(zone, language())
    return zone if name == zone else _("%(name)s (%(zone)s)", name=name, zone=zone)


def _as_datetime(value: dt.datetime | str | None, zone: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return value.astimezone(zoneinfo.ZoneInfo(zone))


def when(value: dt.datetime | str | None, zone: str) -> str:
    """A programme time (day with weekday, hour) in the edition's zone, which the page
    names once."""
    start = _as_datetime(value, zone)
    if start is None:
        return _("no time")
    code = language()
    return _("%(day)s, %(time)s", day=format_skeleton("yMMMEd", start, locale=code),
             time=format_skeleton("Hm", start, locale=code))


def when_span(start_value: dt.datetime | str | None, end_value: dt.datetime | str | None,
              zone: str) -> str:
    """A programme item's day and hours (in English "Fri, Oct 24, 2025, 09:00 - 10:30")."""
    start = _as_datetime(start_value, zone)
    end = _as_datetime(end_value, zone)
    if start is None:
        return _("Time to be announced")
    if end is None:
        return when(start, zone)
    code = language()
    if end.date() != start.date():
        return _("%(start)s to %(end)s", start=when(start, zone), end=when(end, zone))
    return _("%(day)s, %(time)s", day=format_skeleton("yMMMEd", start, locale=code),
             time=format_interval(start, end, "Hm", locale=code))


def number(value: Any) -> str:
    return format_decimal(value) if isinstance(value, int | float) else str(value or "")


def listing(values: Iterable[str]) -> str:
    """Words joined as the language joins a list ("a, b and c", "a、b和c")."""
    items = [str(v) for v in values]
    return format_list(items, locale=language()) if items else ""


@dataclass(frozen=True)
class NavLink:
    """A link in a staff menu: `endpoint`, its label (an N_ msgid, translated when shown),
    its place in the menu, and the permission it needs (None: any signed-in member of
    staff). Each page module registers its own links, so no menu lists endpoints that a
    module it does not own defines."""

    endpoint: str
    label: str
    order: int
    permission: Permission | None = None


EDITION_TABS: list[NavLink] = []
STAFF_LINKS: list[NavLink] = []


def edition_tab(endpoint: str, label_msgid: str, order: int,
                permission: Permission | None = None) -> None:
    """Add a tab to every edition's menu (manage/_counts.html: edition_nav); the endpoint
    takes `slug`."""
    EDITION_TABS.append(NavLink(endpoint, label_msgid, order, permission))
    EDITION_TABS.sort(key=lambda link: link.order)


def staff_link(endpoint: str, label_msgid: str, order: int,
               permission: Permission | None = None) -> None:
    """Add a link to the main menu of signed-in staff (base.html); no parameters."""
    STAFF_LINKS.append(NavLink(endpoint, label_msgid, order, permission))
    STAFF_LINKS.sort(key=lambda link: link.order)


def _visible(links: list[NavLink]) -> list[tuple[str, str]]:
    actor = page_actor()
    seen: set[str] = set()
    shown = []
    for link in links:
        if link.endpoint in seen or (link.permission is not None
                                     and not actor.can(link.permission)):
            continue
        seen.add(link.endpoint)
        shown.append((link.endpoint, translate(link.label)))
    return shown


def edition_tabs() -> list[tuple[str, str]]:
    """(endpoint, label) of the edition tabs the signed-in actor may use."""
    return _visible(EDITION_TABS)


def staff_links() -> list[tuple[str, str]]:
    """(endpoint, label) of the main menu links the signed-in actor may use."""
    return _visible(STAFF_LINKS)


def staff_page_context() -> dict[str, Any]:
    """What the staff templates share: the page's language for <html lang>."""
    return {"page_lang": language()}


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(moment=moment,
                                 day=dates.day, day_span=dates.day_span, number=number,
                                 listing=listing)
    from eventhub.statements.service import numbered
    app.jinja_env.globals.update(page_actor=page_actor, label=label,
                                 words=words, words_text=words_text, when=when,
                                 when_span=when_span, zone_label=zone_label,
                                 country=country, numbered=numbered,
                                 edition_tabs=edition_tabs, staff_links=staff_links)
