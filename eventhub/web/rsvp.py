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
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from eventhub import dates
from eventhub.auth.permissions import ANONYMOUS
from eventhub.errors import Conflict, DomainError, NotFound
from eventhub.invitations import service
from eventhub.invitations.schemas import DelegationInputSchema
from eventhub.invitations.service import LinkGone
from eventhub.programme import service as programme
from eventhub.programme.models import ItemKind
from eventhub.programme.schemas import SignupSchema
from eventhub.registrations import credentials, visa
from eventhub.registrations.models import Attendance, RegistrationRole
from eventhub.registrations.visa_api import VisaDetailsInputSchema
from eventhub.web import common, i18n
from eventhub.web.i18n import translate as t

blp = Blueprint("web_rsvp", __name__)

MEMBER_FIELDS = ("full_name", "email", "position", "role", "attendance",
                 "needs_visa_letter", "dietary", "accessibility")
# Boxes that may be emptied to clear what was recorded (the API takes null for them).
CLEARABLE = ("position", "dietary", "accessibility")
VISA_FIELDS = ("passport_number", "nationality", "date_of_birth", "passport_expiry")
_MEMBER_KEY = re.compile(r"members-(\d+)-([a-z_]+)")
_ERROR_KEY = re.compile(r"members\.(\d+)\.([a-z_]+)")

# The services' messages to focal points, by their English text.
SERVICE_MESSAGES = {
    "This invitation link is not valid. Check that the whole link was copied from the "
    "e-mail.": "rsvp.error.link_invalid",
    "The response deadline of this invitation has passed.": "rsvp.error.deadline_passed",
    "This invitation has been withdrawn by the organizers.": "rsvp.error.withdrawn",
    "Registration for this edition has closed.": "rsvp.error.edition_closed",
    "Accept the invitation before uploading the delegation's credentials.":
        "rsvp.error.accept_first",
    "The file is empty.": "rsvp.error.file_empty",
    "Upload a PDF, PNG or JPEG document.": "rsvp.error.file_type",
    "Name exactly one head of delegation.": "rsvp.error.one_head",
    "The delegation cannot be registered as given.": "rsvp.error.delegation_refused",
    "The passport details are not valid; see errors.": "rsvp.error.passport_invalid",
    "Shorter than minimum length 1.": "rsvp.error.no_members",
    "Not a valid email address.": "rsvp.error.email",
    "Missing data for required field.": "rsvp.error.required",
    "Must be one of: head_of_delegation, delegate, speaker, expert, observer, press, "
    "staff, exhibitor.": "rsvp.error.role",
    "Not a valid date.": "rsvp.error.date",
    "Give 5 to 20 characters, capital letters A-Z and digits 0-9 only.":
        "rsvp.error.passport_number",
    "Give an ISO 3166-1 alpha-2 country code (e.g. CN, FR, KE).": "rsvp.error.nationality",
}


# Language and links ------------------------------------------------------------------

def _set_language(preferred: str | None = None) -> str:
    g.page_language = i18n.choose_language(preferred)
    return g.page_language


def _lang_arg() -> dict[str, str]:
    """Keep an explicit ?lang= on every link and form of these pages."""
    asked = request.args.get("lang", "").lower().split("-")[0]
    return {"lang": asked} if asked in i18n.LANGUAGES else {}


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, **values, **_lang_arg())


def _open(token: str):
    """The invitation behind the link, and the page language from it. A dead or forged
    link raises the service's 404/410 (shown by `_refusal_page` in the chosen language)."""
    _set_language()
    invitation = service.invitation_for_token(token)
    _set_language(invitation.focal_point_language)
    return invitation


def _message(text: str) -> str:
    key = SERVICE_MESSAGES.get(text)
    if key:
        return t(key)
    quota = re.fullmatch(r"The quota is (\d+) people; (\d+) were given\.", text)
    if quota:
        return t("rsvp.error.over_quota", quota=quota[1], given=quota[2])
    same = re.fullmatch(r"Same e-mail as member (\d+)\.", text)
    if same:
        return t("rsvp.error.same_email", member=same[1])
    for pattern, key, name in _PATTERNS:
        found = re.fullmatch(pattern, text)
        if found:
            return t(key, **{name: found[1]})
    return text


_PATTERNS = (
    (r"The file is larger than (\d+) bytes\.", "rsvp.error.file_too_large", "limit"),
    (r"Must be a date in the past \(after ([\d-]+)\)\.", "rsvp.error.birth_date", "earliest"),
    (r"The passport must be valid beyond the last day of the edition \(([\d-]+)\)\.",
     "rsvp.error.expiry", "end"),
)


def _page(template: str, token: str, status: int = 200, **context: Any):
    context.setdefault("errors", {})
    return render_template(template, token=token, page_lang=g.page_language,
                           url=_url, fmt_date=format_date, fmt_time=format_time,
                           country_name=visa.country_name,
                           lang_links=_language_links(), **context), status


def _language_links() -> list[tuple[str, str, str]]:
    args = {k: v for k, v in request.view_args.items()} if request.view_args else {}
    endpoint = request.endpoint if request.method == "GET" and request.endpoint else None
    links = []
    for code, label in (("en", "English"), ("zh", "中文")):
        if endpoint:
            href = url_for(endpoint, **args, lang=code)
        else:
            href = url_for("web_rsvp.invitation", token=args.get("token", ""), lang=code) \
                if args.get("token") else f"?lang={code}"
        links.append((code, label, href))
    return links


def format_date(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if g.get("page_language") == "zh":
        return dates.date_zh(value)
    return dates.long_date_en(value)


def format_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    value = value.astimezone(dt.UTC)
    return f"{format_date(value.date())} {value.strftime('%H:%M')} UTC"


# Refusals in the focal point's language ------------------------------------------------

def _refusal_page(error: DomainError):
    if error.extra.get("language"):  # a dead link still knows whom it was for
        language = _set_language(error.extra["language"])
    else:
        language = g.get("page_language") or _set_language()
    g.page_language = language
    titles = {404: "rsvp.error.title_404", 410: "rsvp.error.title_410",
              409: "rsvp.error.title_409"}
    token = (request.view_args or {}).get("token")
    usable = error.status == 409 and token is not None
    body = render_template(
        "rsvp/problem.html", page_lang=language, status=error.status,
        title=t(titles.get(error.status, "rsvp.error.title_409")),
        detail=_message(error.detail), original=error.detail,
        back=_url("web_rsvp.invitation", token=token) if usable else None,
        lang_links=_language_links())
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
    flash(t("rsvp.flash.accepted"))
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
    flash(t("rsvp.flash.declined"))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)


@blp.post("/rsvp/<token>/credential")
def credential(token: str):
    _open(token)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _invitation_page(token, 422, errors={"file": t("rsvp.error.choose_file")})
    try:
        credentials.upload_credential(token, upload.filename, upload.read())
    except DomainError as exc:
        if exc.status in (404, 410):
            raise
        errors = {k or "file": _message(v) for k, v in common.field_errors(exc).items()}
        return _invitation_page(token, exc.status, errors=errors)
    flash(t("rsvp.flash.credential"))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)


# The delegation ----------------------------------------------------------------------

def _role_label(role: Any) -> str:
    value = getattr(role, "value", role)
    return t(f"rsvp.role.{value}")


def _role_options() -> list[tuple[str, str]]:
    return [(role.value, _role_label(role)) for role in RegistrationRole]


def _attendance_options() -> list[tuple[str, str]]:
    return [(a.value, t(f"rsvp.attendance.{a.value}")) for a in Attendance]


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
    labels = {field: t(f"rsvp.field.{field}") for field in MEMBER_FIELDS}
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
        errors = _row_errors(common.field_errors(exc), row_of)
        view = service.focal_point_view(token)
        status = exc.status if isinstance(exc, DomainError) else 422
        return _delegation_page(token, view, rows, status, errors)
    flash(t("rsvp.flash.delegation", count=len(members)))
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
            by_box[name] = _message(message)
        else:
            top = _message(message)
            by_box[""] = f"{by_box[''] } {top}" if by_box.get("") else top
    if by_box and "" not in by_box:
        by_box[""] = t("rsvp.error.delegation_refused")
    return by_box


# Visa support letters ------------------------------------------------------------------

def _member(view: dict[str, Any], registration_id: int):
    for member in view["members"]:
        if member.id == registration_id:
            return member
    raise NotFound(f"Your delegation has no member with registration id {registration_id}.")


def _visa_page(token: str, registration_id: int, status: int = 200,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None):
    view = service.focal_point_view(token)
    member = _member(view, registration_id)
    labels = {field: t(f"rsvp.visa.{field}") for field in VISA_FIELDS}
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
        errors = {key: _message(message) for key, message in common.field_errors(exc).items()}
        if isinstance(exc, common.FormInvalid) or (errors.keys() - {""}):
            errors.setdefault("", t("rsvp.error.passport_invalid"))
        status = exc.status if isinstance(exc, DomainError) else 422
        # The passport number is never sent back, not even as typed.
        kept = {k: v for k, v in values.items() if k != "passport_number"}
        return _visa_page(token, registration_id, status, kept, errors)
    flash(t("rsvp.flash.visa"))
    return redirect(_url("web_rsvp.invitation", token=token), code=303)



# Breakout sessions -------------------------------------------------------------------

def _sessions_page(token: str, status: int = 200, errors: dict[str, str] | None = None,
                   chosen: dict[str, str] | None = None):
    view = service.focal_point_view(token)
    published = programme.programme(ANONYMOUS, view["edition"]["slug"],
                                     {"kind": ItemKind.BREAKOUT_SESSION.value})
    sessions = [item for item in published["items"] if not item["is_cancelled"]]
    taken = programme.places_taken_for_focal_point(token)
    for item in sessions:
        if item.get("capacity") is not None:
            item["places_left"] = max(0, item["capacity"] - taken.get(item["id"], 0))
        for key in ("starts_at", "ends_at"):
            item[key + "_local"] = (dt.datetime.fromisoformat(item[key])
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
            message, status = t("rsvp.sessions.choose_member"), 422
        else:
            message, status = _message(exc.detail), exc.status
        return _sessions_page(token, status, {str(item_id): message}, {str(item_id): value})
    flash(confirmation)
    return redirect(_url("web_rsvp.sessions", token=token), code=303)


@blp.post("/rsvp/<token>/sessions/<int:item_id>")
def session_sign_up(token: str, item_id: int):
    def sign_up(registration_id: int) -> str:
        signup = programme.delegation_sign_up(token, item_id, registration_id)
        return t("rsvp.flash.session", title=signup.item.title)

    return _session_change(token, item_id, sign_up)


@blp.post("/rsvp/<token>/sessions/<int:item_id>/leave")
def session_leave(token: str, item_id: int):
    def leave(registration_id: int) -> str:
        programme.delegation_leave(token, item_id, registration_id)
        return t("rsvp.flash.session_left")

    return _session_change(token, item_id, leave)
