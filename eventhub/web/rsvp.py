"""Pages for focal points, reached by the link in the invitation e-mail (no account: the
secret token in the URL is the key). They call the same services as /api/v1/rsvp/...:
accept or decline, register and amend the delegation, upload the note verbale, and give
passport details for a visa support letter.

Every page is in the focal point's language (the invitation's, or ?lang=en|zh), and so
are the refusals of dead or forged links (404/410) and of actions no longer possible
(409)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from babel.dates import format_time as format_time_of_day
from babel.dates import get_timezone_name
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from eventhub import dates, i18n
from eventhub.auth.permissions import ANONYMOUS
from eventhub.editions.models import Edition
from eventhub.errors import Conflict, DomainError, NotFound
from eventhub.extensions import db
from eventhub.i18n import N_, _, gettext, ngettext, translate
from eventhub.invitations import service
from eventhub.invitations.schemas import DelegationInputSchema
from eventhub.invitations.service import LinkGone
from eventhub.programme import service as programme
from eventhub.programme.models import ItemKind
from eventhub.programme.schemas import SignupSchema
from eventhub.registrations import credentials, visa
from eventhub.registrations.models import Attendance, RegistrationRole
from eventhub.registrations.visa_api import VisaDetailsInputSchema
from eventhub.web import common, words_text
from eventhub.web.public import item_records

blp = Blueprint("web_rsvp", __name__)

MEMBER_FIELDS = ("full_name", "email", "position", "role", "attendance",
                 "needs_visa_letter", "dietary", "accessibility")
# Boxes that may be emptied to clear what was recorded (the API takes null for them).
CLEARABLE = ("position", "dietary", "accessibility")
VISA_FIELDS = ("passport_number", "nationality", "date_of_birth", "passport_expiry")
_MEMBER_KEY = re.compile(r"members-(\d+)-([a-z_]+)")
_ERROR_KEY = re.compile(r"members\.(\d+)\.([a-z_]+)")

# Words for the values the record stores as codes.
INVITATION_STATUSES = {
    "draft": N_("Draft"), "sent": N_("Awaiting your reply"), "accepted": N_("Accepted"),
    "declined": N_("Declined"), "expired": N_("Expired"), "revoked": N_("Withdrawn"),
}
MEMBER_STATUSES = {
    "pending": N_("Pending confirmation"), "confirmed": N_("Confirmed"),
    "waitlisted": N_("On the waiting list"), "rejected": N_("Not accepted"),
    "cancelled": N_("Cancelled"),
}
ROLES = {
    "head_of_delegation": N_("Head of delegation"), "delegate": N_("Delegate"),
    "speaker": N_("Speaker"), "expert": N_("Expert"), "observer": N_("Observer"),
    "press": N_("Press"), "staff": N_("Staff"), "exhibitor": N_("Exhibitor"),
}
ATTENDANCE = {"in_person": N_("In person"), "video": N_("By video")}
MEMBER_LABELS = {
    "full_name": N_("Full name"), "email": N_("E-mail"), "position": N_("Position"),
    "role": N_("Role"), "attendance": N_("Attendance"),
    "needs_visa_letter": N_("Needs a visa support letter"),
    "dietary": N_("Dietary requirements"), "accessibility": N_("Accessibility needs"),
}
VISA_LABELS = {
    "passport_number": N_("Passport number"), "nationality": N_("Nationality (country code)"),
    "date_of_birth": N_("Date of birth"), "passport_expiry": N_("Passport expiry date"),
}
REFUSAL_TITLES = {
    404: N_("This link is not valid"), 410: N_("This link can no longer be used"),
    409: N_("This cannot be done now"),
}


def _word(mapping: dict[str, str], value: Any) -> str:
    key = getattr(value, "value", value)
    return translate(mapping[key]) if key in mapping else str(key)


# Language and links ------------------------------------------------------------------

def _asked_language() -> str | None:
    """An explicit ?lang= naming an offered language: it overrides the invitation's."""
    return i18n._known(request.args.get("lang"))


def _lang_arg() -> dict[str, str]:
    """Keep an explicit ?lang= on every link and form of these pages."""
    asked = _asked_language()
    return {"lang": asked} if asked else {}


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, **values, **_lang_arg())


def _open(token: str):
    """The invitation behind the link; the rest of the request speaks its focal point's
    language unless ?lang= asks for another. A dead or forged link raises the service's
    404/410 (shown by `_refusal_page` in the language the link was for)."""
    invitation = service.invitation_for_token(token)
    if not _asked_language():
        i18n.use_locale(invitation.focal_point_language)
    g.rsvp_edition = db.session.get(Edition, invitation.edition_id)
    return invitation


def _page(template: str, token: str, status: int = 200, **context: Any):
    context.setdefault("errors", {})
    edition = g.rsvp_edition
    return render_template(template, token=token, url=_url, edition=edition,
                           has_calendar=edition is not None
                           and programme.has_calendar(edition),
                           fmt_date=format_date,
                           fmt_time=lambda value: common.moment(value, edition.time_zone),
                           country_name=common.country, session_time=session_time,
                           invitation_status=lambda v: _word(INVITATION_STATUSES, v),
                           member_status=lambda v: _word(MEMBER_STATUSES, v),
                           **context), status


def format_date(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return dates.day(value)


def session_time(starts: dt.datetime, ends: dt.datetime | None) -> str:
    """A session's day and times as the edition's programme gives them, the zone named."""
    locale = i18n.language()
    zone = starts.tzinfo
    if ends is not None and ends.date() != starts.date() and isinstance(zone, zoneinfo.ZoneInfo):
        # Over several days (an exhibition): the span, both days named.
        return _("%(when)s (%(zone)s)", when=common.when_span(starts, ends, zone.key),
                 zone=get_timezone_name(zone, "long", locale=locale))
    shown = f"{dates.day(starts.date())} {format_time_of_day(starts, 'short', locale=locale)}"
    if ends is not None:
        shown += f"\u2013{format_time_of_day(ends, 'short', locale=locale)}"
    zone = starts.tzinfo
    if isinstance(zone, zoneinfo.ZoneInfo):
        shown += f" ({get_timezone_name(zone, 'long', locale=locale)})"
    return shown


# Refusals in the focal point's language ------------------------------------------------

def _refusal_page(error: DomainError):
    if error.extra.get("language") and not _asked_language():
        # A dead link still knows whom it was for.
        i18n.use_locale(error.extra["language"])
    token = (request.view_args or {}).get("token")
    usable = error.status == 409 and token is not None
    body = render_template(
        "rsvp/problem.html", status=error.status, code=error.code,
        title=translate(REFUSAL_TITLES.get(error.status, REFUSAL_TITLES[409])),
        detail=error.detail,
        back=_url("web_rsvp.invitation", token=token) if usable else None)
    return body, error.status


for _error in (NotFound, LinkGone, Conflict):
    blp.register_error_handler(_error, _refusal_page)


# The invitation ----------------------------------------------------------------------

def _invitation_page(token: str, status: int = 200, **context: Any):
    view = service.focal_point_view(token)
    return _page("rsvp/invitation.html", token, status, view=view,
                 role_label=_role_label, **context)


@blp.get("/rsvp/<token>")
def invitation(token: str):
    _open(token)
    return _invitation_page(token)


@blp.post("/rsvp/<token>/accept")
def accept(token: str):
    _open(token)
    service.respond(token, accept=True)
    flash(_("Thank you: the invitation is accepted. Please register your delegation."))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)


@blp.get("/rsvp/<token>/decline")
def decline_confirm(token: str):
    _open(token)
    view = service.focal_point_view(token)
    return _page("rsvp/decline.html", token, view=view)


@blp.post("/rsvp/<token>/decline")
def decline(token: str):
    _open(token)
    service.respond(token, accept=False)
    flash(_("The invitation is declined. Thank you for your reply."))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)


@blp.post("/rsvp/<token>/credential")
def credential(token: str):
    _open(token)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _invitation_page(token, 422,
                                errors={"file": _("Choose the file of the note verbale.")})
    try:
        credentials.upload_credential(token, upload.filename, upload.read())
    except DomainError as exc:
        if exc.status in (404, 410):
            raise
        errors = {k or "file": v for k, v in _messages_by_field(exc).items()}
        return _invitation_page(token, exc.status, errors=errors)
    flash(_("The note verbale is uploaded; the organizers will review it."))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)


# The delegation ----------------------------------------------------------------------

def _role_label(role: Any) -> str:
    return _word(ROLES, role)


def _role_options() -> list[tuple[str, str]]:
    return [(role.value, _role_label(role)) for role in RegistrationRole]


def _attendance_options() -> list[tuple[str, str]]:
    return [(a.value, _word(ATTENDANCE, a)) for a in Attendance]


def _rows_from_members(members: list[Any]) -> list[dict[str, Any]]:
    return [{
        "registration_id": m.id,
        "full_name": m.person_as_shown.full_name, "email": m.person.email or "",
        "position": m.person_as_shown.position or "", "role": m.role.value,
        "attendance": m.attendance.value, "needs_visa_letter": m.needs_visa_letter,
        "dietary": m.dietary or "", "accessibility": m.accessibility or "",
    } for m in members]


def _rows_from_form(form) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for key in form:
        found = _MEMBER_KEY.fullmatch(key)
        if found and found[2] in (*MEMBER_FIELDS, "registration_id"):
            rows.setdefault(int(found[1]), {})[found[2]] = form.get(key, "").strip()
    if not rows:
        return []
    return [rows.get(n, {}) for n in range(max(rows) + 1)]


def _delegation_page(token: str, view: dict[str, Any], rows: list[dict[str, Any]],
                     status: int = 200, errors: dict[str, str] | None = None):
    rows = list(rows)
    # New rows come with a role chosen: the first as head of delegation when no one is
    # yet, the others as delegates (rows left without a name are ignored anyway).
    head = any(row.get("role") == RegistrationRole.HEAD_OF_DELEGATION.value for row in rows)
    while len(rows) < view["quota"]:
        role = RegistrationRole.DELEGATE if head else RegistrationRole.HEAD_OF_DELEGATION
        head = True
        rows.append({"role": role.value, "attendance": Attendance.IN_PERSON.value})
    labels = {field: translate(MEMBER_LABELS[field]) for field in MEMBER_FIELDS}
    return _page("rsvp/delegation.html", token, status, view=view, rows=rows,
                 errors=errors or {}, labels=labels, role_options=_role_options(),
                 attendance_options=_attendance_options())


@blp.get("/rsvp/<token>/delegation")
def delegation(token: str):
    _open(token)
    view = service.focal_point_view(token)
    return _delegation_page(token, view, _rows_from_members(view["members"]))


@blp.post("/rsvp/<token>/delegation")
def delegation_submit(token: str):
    _open(token)
    rows = _rows_from_form(request.form)
    members, row_of = [], []
    for n, row in enumerate(rows):
        if not row.get("full_name"):
            continue
        member = common.form_values(row, [f for f in MEMBER_FIELDS
                                          if f != "needs_visa_letter"])
        for field in CLEARABLE:
            member.setdefault(field, None)
        member["needs_visa_letter"] = bool(row.get("needs_visa_letter"))
        members.append(member)
        row_of.append(n)
    try:
        data = common.load(DelegationInputSchema(), {"members": members})
        service.set_delegation(token, data["members"])
    except (common.FormInvalid, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status in (404, 410):
            raise
        errors = _row_errors(_messages_by_field(exc), row_of)
        view = service.focal_point_view(token)
        status = exc.status if isinstance(exc, DomainError) else 422
        return _delegation_page(token, view, rows, status, errors)
    flash(ngettext("The delegation is saved (%(num)s member).",
                   "The delegation is saved (%(num)s members).", len(members)))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)


def _row_errors(errors: dict[str, str], row_of: list[int]) -> dict[str, str]:
    """Field keys of the API (members.0.email: the first member given) as the names of
    the form's boxes (members-<row>-email), so each message stands next to its box."""
    by_box: dict[str, str] = {}
    for key, message in errors.items():
        found = _ERROR_KEY.fullmatch(key)
        if found and int(found[1]) < len(row_of):
            field = found[2] if found[2] in MEMBER_FIELDS else "full_name"
            name = f"members-{row_of[int(found[1])]}-{field}"
            by_box[name] = message
        else:
            by_box[""] = f"{by_box['']} {message}" if by_box.get("") else message
    if by_box and "" not in by_box:
        by_box[""] = _("The delegation cannot be registered as given.")
    return by_box


def _messages_by_field(error: DomainError | common.FormInvalid) -> dict[str, str]:
    """Messages by form field, in the page's language: validation messages keep their
    field; a service's refusal without a field goes under "" (shown above the form)."""
    if isinstance(error, common.FormInvalid):
        # marshmallow's messages are msgids of the catalog: those not yet translated when
        # they were raised are looked up here (a translated one is left as it is).
        return {field: gettext(message) for field, message in error.errors.items()}
    found: dict[str, str] = {}
    for entry in error.field_errors():
        field = entry.get("field", "")
        found[field] = f"{found[field]} {entry['message']}" if found.get(field) \
            else entry["message"]
    if "" not in found:
        found[""] = error.detail
    return found


# Visa support letters ------------------------------------------------------------------

def _member(view: dict[str, Any], registration_id: int):
    for member in view["members"]:
        if member.id == registration_id:
            return member
    raise NotFound(N_("Your delegation has no member with registration id %(id)s."),
                   code="delegation.member_not_found", id=registration_id)


def _visa_page(token: str, registration_id: int, status: int = 200,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None):
    view = service.focal_point_view(token)
    member = _member(view, registration_id)
    labels = {field: translate(VISA_LABELS[field]) for field in VISA_FIELDS}
    return _page("rsvp/visa.html", token, status, view=view, member=member,
                 values=values or {}, errors=errors or {}, labels=labels)


@blp.get("/rsvp/<token>/members/<int:registration_id>/visa")
def visa_form(token: str, registration_id: int):
    _open(token)
    return _visa_page(token, registration_id)


@blp.post("/rsvp/<token>/members/<int:registration_id>/visa")
def visa_submit(token: str, registration_id: int):
    _open(token)
    values = common.form_values(request.form, VISA_FIELDS)
    try:
        data = common.load(VisaDetailsInputSchema(), values)
        visa.submit_details_by_focal_point(token, registration_id, data)
    except (common.FormInvalid, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status in (404, 410):
            raise
        errors = _messages_by_field(exc)
        if isinstance(exc, common.FormInvalid) or (errors.keys() - {""}):
            # Above the form, one sentence for the whole; each box has its own message.
            errors[""] = _("The passport details are not valid.")
        status = exc.status if isinstance(exc, DomainError) else 422
        # The passport number is never sent back, not even as typed.
        kept = {k: v for k, v in values.items() if k != "passport_number"}
        return _visa_page(token, registration_id, status, kept, errors)
    flash(_("The passport details are received."))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)



# Breakout sessions -------------------------------------------------------------------

def _sessions_page(token: str, status: int = 200, errors: dict[str, str] | None = None,
                   chosen: dict[str, str] | None = None):
    view = service.focal_point_view(token)
    published = programme.programme(ANONYMOUS, view["edition"]["slug"],
                                     {"kind": ItemKind.BREAKOUT_SESSION.value})
    sessions = [item for item in published["items"] if not item["is_cancelled"]]
    taken = programme.places_taken_for_focal_point(token)
    zone = zoneinfo.ZoneInfo(published["time_zone"])
    records = item_records(item["id"] for item in sessions)
    for item in sessions:
        item["record"] = records[item["id"]]
        if item.get("capacity") is not None:
            item["places_left"] = max(0, item["capacity"] - taken.get(item["id"], 0))
        for key in ("starts_at", "ends_at"):
            item[key + "_local"] = (dt.datetime.fromisoformat(item[key]).astimezone(zone)
                                    if item.get(key) else None)
    confirmed = [m for m in view["members"] if m.status.value == "confirmed"]
    signed_up: dict[int, list[dict[str, Any]]] = {}
    for signup in programme.delegation_signups(token):
        signed_up.setdefault(signup["item_id"], []).append(signup)
    return _page("rsvp/sessions.html", token, status, view=view, sessions=sessions,
                 time_zone=published["time_zone"], confirmed=confirmed,
                 signed_up=signed_up, errors=errors or {}, chosen=chosen or {})


@blp.get("/rsvp/<token>/sessions")
def sessions(token: str):
    _open(token)
    return _sessions_page(token)


def _session_change(token: str, item_id: int, change: Callable[[int], str]):
    """Sign a member up for a session or give up their place: `change` takes the chosen
    registration id and returns the confirmation to show. A refusal redisplays the page
    with the message at the session and the member still chosen."""
    _open(token)
    value = request.form.get("registration_id", "").strip()
    try:
        data = common.load(SignupSchema(), {"registration_id": int(value)}
                           if value.isdigit() else {})
        confirmation = change(data["registration_id"])
    except (common.FormInvalid, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status == 410:
            raise
        if isinstance(exc, common.FormInvalid):
            message, status = _("Choose a member."), 422
        else:
            message, status = exc.detail, exc.status
        return _sessions_page(token, status, {str(item_id): message}, {str(item_id): value})
    flash(confirmation)
    return redirect(_url("web_rsvp.sessions", token=token), code=303)


@blp.post("/rsvp/<token>/sessions/<int:item_id>")
def session_sign_up(token: str, item_id: int):
    def sign_up(registration_id: int) -> str:
        signup = programme.delegation_sign_up(token, item_id, registration_id)
        return _("Signed up for %(title)s.", title=words_text(signup.item, "title"))

    return _session_change(token, item_id, sign_up)


@blp.post("/rsvp/<token>/sessions/<int:item_id>/leave")
def session_leave(token: str, item_id: int):
    def leave(registration_id: int) -> str:
        programme.delegation_leave(token, item_id, registration_id)
        return _("The place is given up.")

    return _session_change(token, item_id, leave)
