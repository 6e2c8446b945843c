"""Organizer pages: editions dashboard, invitations, roster, programme editor, check-in.

Each view reads through the services' own selects or calls one service function; forms
are validated with the API's input schemas. A refused write re-renders the page with the
service's status and message (the request then rolls back); a write that succeeds
redirects (303) with a flash message.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import Select, func, select

from eventhub.auth.permissions import Permission
from eventhub.directory.service import list_organizations
from eventhub.editions.service import get_edition, list_editions, recorded_counts
from eventhub.errors import DomainError, NotFound
from eventhub.extensions import db
from eventhub.i18n import N_, _, ngettext, translate
from eventhub.invitations import service as invitations
from eventhub.invitations.models import InvitationStatus
from eventhub.invitations.schemas import InvitationCreateSchema, InvitationFilterSchema
from eventhub.mail.notifications import messages_about
from eventhub.programme import service as programme
from eventhub.programme.models import ItemKind
from eventhub.programme.schemas import (
    CancelSchema,
    ItemCreateSchema,
    ItemUpdateSchema,
    PublishSchema,
)
from eventhub.registrations import service as registrations
from eventhub.registrations import spreadsheets
from eventhub.registrations.models import Attendance, RegistrationRole, RegistrationStatus
from eventhub.registrations.schemas import (
    CheckInSchema,
    RegistrationCreateSchema,
    RegistrationFilterSchema,
)
from eventhub.web.common import (
    FormInvalid,
    choices,
    edition_tab,
    field_errors,
    form_integer,
    form_values,
    label,
    language_choices,
    load,
    page_actor,
    page_requires,
    staff_link,
    staff_page_context,
    when,
    words_text,
)

blp = Blueprint("web_manage", __name__, url_prefix="/manage")

PAGE_SIZE = 50
MAX_PAGE = 100_000
_INVITED = (InvitationStatus.SENT, InvitationStatus.ACCEPTED, InvitationStatus.DECLINED,
            InvitationStatus.EXPIRED)


edition_tab("web_manage.edition", N_("Overview"), 10)
edition_tab("web_manage.invitation_list", N_("Invitations"), 30)
edition_tab("web_manage.registration_list", N_("Registrations"), 40)
edition_tab("web_manage.programme_page", N_("Programme"), 60)
edition_tab("web_manage.check_in_page", N_("Check-in"), 80)
staff_link("web_manage.dashboard", N_("Editions"), 10)


@blp.context_processor
def _permissions() -> dict[str, Any]:
    actor = page_actor()
    return {**staff_page_context(),
            "may_manage_attendance": actor.can(Permission.MANAGE_ATTENDANCE),
            "may_manage_editions": actor.can(Permission.MANAGE_EDITIONS),
            "may_manage_statements": actor.can(Permission.MANAGE_STATEMENTS),
            "may_read_contacts": actor.can(Permission.READ_PRIVATE_CONTACTS)}


# Helpers ---------------------------------------------------------------------------------

def _refused(error: DomainError | FormInvalid) -> dict[str, str]:
    """Messages for the form of a refused write. The request ends with an error status and
    rolls back anyway; rolling back now means the page shown with the message lists what
    is stored, not what the service flushed before it refused."""
    db.session.rollback()
    return field_errors(error)


def _status(error: DomainError | FormInvalid) -> int:
    return error.status if isinstance(error, DomainError) else 422


def _page_number() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    return min(max(page, 1), MAX_PAGE)


def _paginate(query: Select, page: int) -> dict[str, Any]:
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    pages = max(1, -(-total // PAGE_SIZE))
    return {"entries": items, "total": total, "page": page, "pages": pages}


def _aware(value: Any, zone: str, field: str) -> Any:
    """A datetime-local box (no offset) is a wall-clock time in the edition's zone,
    converted as the programme service converts one: a time the clocks skip there is
    refused for the field (DomainError), not moved."""
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return programme.wall_clock_to_utc(parsed, zone, field).isoformat()


def _local_box(value: dt.datetime | str | None, zone: str) -> str:
    """A stored time as a datetime-local box shows it, in the edition's zone."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(zoneinfo.ZoneInfo(zone))
    return value.strftime("%Y-%m-%dT%H:%M")


def _back_query(allowed: tuple[str, ...]) -> dict[str, str]:
    """Filters (and page) of the list a row button was pressed on, to return to the same
    view. Only the list's own parameters are taken from the form."""
    return {key: value for key, value in parse_qsl(request.form.get("back", ""))
            if key in (*allowed, "page")}


def _edition_counts(slug: str) -> dict[str, Any]:
    actor = page_actor()
    edition = get_edition(actor, slug)
    numbers = registrations.counts(actor, slug)
    statuses = invitations.invitation_counts(actor, slug)
    by_status = numbers["by_status"]
    recorded = recorded_counts(edition)
    return {
        "invited": sum(statuses[s] for s in _INVITED),
        "drafts": statuses[InvitationStatus.DRAFT],
        "accepted": statuses[InvitationStatus.ACCEPTED],
        "registered": sum(by_status[s.value] for s in registrations.ACTIVE),
        "pending": by_status[RegistrationStatus.PENDING.value],
        "confirmed": by_status[RegistrationStatus.CONFIRMED.value],
        "waitlisted": by_status[RegistrationStatus.WAITLISTED.value],
        "checked_in": numbers["checked_in"],
        "countries_and_regions": numbers["confirmed_countries_and_regions"],
        "capacity": numbers["capacity"],
        "seats_taken": numbers["seats_taken"],
        "organizations_on_record": recorded["organizations"],
        "countries_on_record": recorded["countries_and_regions"],
    }


# Dashboards ----------------------------------------------------------------------------

@blp.get("/")
@page_requires(Permission.READ_INTERNAL)
def dashboard():
    editions = list(db.session.scalars(list_editions(page_actor(), {})))
    rows = [(edition, _edition_counts(edition.slug)) for edition in editions]
    return render_template("manage/dashboard.html", rows=rows)


@blp.get("/<slug>/")
@page_requires(Permission.READ_INTERNAL)
def edition(slug: str):
    found = get_edition(page_actor(), slug)
    return render_template("manage/edition.html", edition=found,
                           counts=_edition_counts(slug))


# Invitations ---------------------------------------------------------------------------

INVITATION_FILTERS = ("status", "country_code")
INVITATION_FIELDS = ("organization_id", "focal_point_name", "focal_point_email",
                     "focal_point_language", "quota", "deadline")


def _invitations_page(slug: str, *, values: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None,
                      action_errors: dict[str, str] | None = None, status: int = 200,
                      action_code: str | None = None, action_on: int | None = None):
    from eventhub.web.registration_pages import field_labels

    actor = page_actor()
    found = get_edition(actor, slug)
    filter_errors: dict[str, str] = {}
    raw_filters = form_values(request.args, INVITATION_FILTERS)
    try:
        filters = load(InvitationFilterSchema(), raw_filters)
    except FormInvalid as exc:
        filters, filter_errors, status = {}, exc.errors, 422
    listing = _paginate(invitations.list_invitations(actor, slug, filters), _page_number())
    organizations = []
    if actor.can(Permission.MANAGE_ATTENDANCE) and not found.is_read_only:
        organizations = list(db.session.scalars(list_organizations(actor, {})))
    return render_template(
        "manage/invitations.html", edition=found, listing=listing, filters=raw_filters,
        filter_errors=filter_errors,
        statuses=choices("invitation_status", InvitationStatus),
        organizations=organizations, languages=language_choices(),
        values=values or {"focal_point_language": "en"}, errors=errors or {},
        action_errors=action_errors or {}, action_code=action_code, labels=field_labels(),
        # The invitation a refused row button was about, when editing it is the way on.
        action_on=(invitations.get_invitation(actor, slug, action_on)
                   if action_on is not None and action_code in _COMPLETE_FIRST else None),
        drafts=invitations.invitation_counts(actor, slug)[InvitationStatus.DRAFT],
        actions_for=lambda invitation: invitations.available_actions(actor, found,
                                                                     invitation),
        mail_messages=messages_about(edition_id=found.id, limit=20,
                                     attendance_only=True)
        if actor.can(Permission.READ_PRIVATE_CONTACTS) else [],
    ), status


@blp.get("/<slug>/invitations")
@page_requires(Permission.READ_INTERNAL)
def invitation_list(slug: str):
    return _invitations_page(slug)


@blp.post("/<slug>/invitations")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_create(slug: str):
    found = get_edition(page_actor(), slug)
    typed = form_values(request.form, INVITATION_FIELDS)
    data = dict(typed)
    for key in ("organization_id", "quota"):
        if key in data:
            data[key] = form_integer(data[key])
    try:
        if "deadline" in data:
            data["deadline"] = _aware(data["deadline"], found.time_zone, "deadline")
        invitation = invitations.create_invitation(
            page_actor(), slug, load(InvitationCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _invitations_page(slug, values=typed, errors=_labelled(exc),
                                 status=_status(exc))
    flash(_("Invitation to %(name)s created as a draft.",
            name=invitation.organization.name))
    return redirect(url_for(".invitation_list", slug=slug), code=303)


# Refusals of a send that editing the invitation resolves.
_COMPLETE_FIRST = ("invitation.incomplete", "invitation.deadline_past")


def _invitation_action(slug: str, action, done, invitation_id: int | None = None):
    """`done(invitation)` words the notice shown after `action` succeeded."""
    try:
        invitation = action()
    except DomainError as exc:
        return _invitations_page(slug, action_errors=_labelled(exc), status=exc.status,
                                 action_code=exc.code, action_on=invitation_id)
    notice = done(invitation)
    flash(notice)
    return redirect(url_for(".invitation_list", slug=slug,
                            **_back_query(INVITATION_FILTERS)), code=303)


@blp.post("/<slug>/invitations/<int:invitation_id>/send")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_send(slug: str, invitation_id: int):
    return _invitation_action(
        slug, lambda: invitations.send_invitation(page_actor(), slug, invitation_id),
        lambda sent: _("Invitation to %(name)s sent.", name=sent.organization.name),
        invitation_id)


@blp.post("/<slug>/invitations/<int:invitation_id>/revoke")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_revoke(slug: str, invitation_id: int):
    return _invitation_action(
        slug, lambda: invitations.revoke_invitation(page_actor(), slug, invitation_id),
        lambda revoked: _("Invitation to %(name)s revoked; its link no longer works.",
                          name=revoked.organization.name))


@blp.post("/<slug>/invitations/send-drafts")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_send_drafts(slug: str):
    # Each draft on its own, with a table of what became of each (registration_pages).
    from eventhub.web.registration_pages import send_drafts_page

    return send_drafts_page(slug)


def _labelled(error: DomainError | FormInvalid) -> dict[str, str]:
    """A refusal's messages for the pages of this section: each once, by field."""
    from eventhub.web.registration_pages import error_messages

    db.session.rollback()
    return error_messages(error)


# Registrations -------------------------------------------------------------------------

REGISTRATION_FILTERS = ("status", "role", "organization_id", "country_code", "attendance")


def _roster_filters() -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    raw = form_values(request.args, REGISTRATION_FILTERS)
    try:
        return load(RegistrationFilterSchema(), raw), raw, {}
    except FormInvalid as exc:
        return {}, raw, exc.errors


REGISTRATION_FIELDS = ("full_name", "email", "position", "organization_id", "role",
                       "attendance")


def _registrations_page(slug: str, *, errors: dict[str, str] | None = None,
                        values: dict[str, Any] | None = None,
                        form_errors: dict[str, str] | None = None, status: int = 200,
                        review_first: int | None = None):
    """`review_first`: a registration whose confirmation waits for its delegation's
    credential review (the page leads to it)."""
    from eventhub.web.registration_pages import field_labels

    actor = page_actor()
    found = get_edition(actor, slug)
    filters, raw, filter_errors = _roster_filters()
    if filter_errors and status == 200:
        status = 422
    listing = _paginate(registrations.list_registrations(actor, slug, filters),
                        _page_number())
    organizations = list(db.session.scalars(list_organizations(actor, {})))
    return render_template(
        "manage/registrations.html", edition=found, listing=listing, filters=raw,
        filter_errors=filter_errors, errors=errors or {},
        statuses=choices("registration_status", RegistrationStatus),
        roles=choices("registration_role", RegistrationRole),
        attendances=choices("attendance", Attendance), organizations=organizations,
        organization_choices=[(str(o.id), o.name) for o in organizations],
        role_choices=choices("registration_role", RegistrationRole),
        attendance_choices=choices("attendance", Attendance),
        values=values or {"role": RegistrationRole.DELEGATE.value,
                          "attendance": Attendance.IN_PERSON.value},
        form_errors=form_errors or {}, labels=field_labels(), review_first=review_first,
        actions_for=lambda registration: registrations.available_actions(
            actor, found, registration),
    ), status


registrations_page = _registrations_page


@blp.get("/<slug>/registrations")
@page_requires(Permission.READ_INTERNAL)
def registration_list(slug: str):
    return _registrations_page(slug)


@blp.post("/<slug>/registrations")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_create(slug: str):
    typed = form_values(request.form, REGISTRATION_FIELDS)
    data = dict(typed)
    if "organization_id" in data:
        data["organization_id"] = form_integer(data["organization_id"])
    try:
        registration = registrations.register(page_actor(), slug,
                                              load(RegistrationCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _registrations_page(slug, values=typed, form_errors=_labelled(exc),
                                   status=_status(exc))
    flash(_("Registered: %(name)s (%(status)s).", name=registration.person.full_name,
            status=label(registration.status)))
    return redirect(url_for(".registration_list", slug=slug), code=303)


@blp.get("/<slug>/registrations.csv")
@page_requires(Permission.READ_INTERNAL)
def registration_csv(slug: str):
    filters, _typed, filter_errors = _roster_filters()
    if filter_errors:
        return _registrations_page(slug)
    # The same export as the API's roster download; contacts only for those allowed.
    text = spreadsheets.export_roster_csv(page_actor(), slug, filters)
    return Response(text.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{slug}-registrations.csv"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _import_page(slug: str, *, problem: str | None = None,
                 file_errors: list[dict[str, Any]] | None = None, status: int = 200):
    found = get_edition(page_actor(), slug)
    return render_template(
        "manage/registration_import.html", edition=found, problem=problem,
        file_errors=file_errors or [], limit=spreadsheets.MAX_IMPORT_ROWS), status


@blp.get("/<slug>/registrations/import")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_import_page(slug: str):
    return _import_page(slug)


@blp.get("/<slug>/registrations/import-template.csv")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_import_template(slug: str):
    get_edition(page_actor(), slug)
    return Response(spreadsheets.import_template_csv().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="{slug}-registrations-import.csv"',
                             "X-Content-Type-Options": "nosniff"})


@blp.post("/<slug>/registrations/import")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_import(slug: str):
    # The same import as the API's: everyone in the file, or nobody and every problem.
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(slug, problem=_("Choose the CSV file to import."), status=422)
    try:
        result = spreadsheets.import_registrations_csv(page_actor(), slug, upload.read())
    except DomainError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        return _import_page(slug, problem=exc.detail, file_errors=exc.field_errors(),
                            status=_status(exc))
    flash(ngettext("%(num)s registration imported.", "%(num)s registrations imported.",
                   len(result.registrations)))
    # The notices of the API's answer (spreadsheets.ImportResult.notices), flashed.
    if result.ignored_columns:
        flash(_("These columns were not read (an import reads only %(known)s): %(columns)s.",
                **result.ignored_columns_params()), "info")
    if result.read_legacy_encoding:
        flash(_("The file was read as Western European text (Windows-1252, Excel's older "
                "“CSV (Comma delimited)”). Check the accented names; next time save as "
                "“CSV UTF-8”."), "info")
    return redirect(url_for(".registration_list", slug=slug), code=303)


_REGISTRATION_ACTIONS = {"confirm": registrations.confirm, "reject": registrations.reject,
                         "cancel": registrations.cancel}
_REGISTRATION_DONE = {
    "confirm": N_("Confirmed: %(name)s (badge %(badge)s)."),
    "reject": N_("Rejected: %(name)s."),
    "cancel": N_("Cancelled: %(name)s."),
}


def _registration_action(slug: str, registration_id: int, name: str):
    """A row button of the roster, or a button of the registration's own page (the form
    says `from=detail`: the answer is that page again)."""
    from eventhub.web.registration_pages import registration_page

    from_detail = request.form.get("from") == "detail"
    action = _REGISTRATION_ACTIONS[name]
    try:
        registration = action(page_actor(), slug, registration_id)
    except DomainError as exc:
        if from_detail:
            return registration_page(slug, registration_id, errors=_labelled(exc),
                                     status=exc.status)
        blocked = registration_id if exc.code == (
            "registration.credentials_unreviewed") else None
        return _registrations_page(slug, errors=_labelled(exc), status=exc.status,
                                   review_first=blocked)
    flash(translate(_REGISTRATION_DONE[name], {"name": registration.person.full_name,
                                               "badge": registration.badge_code}))
    if from_detail:
        return redirect(url_for(".registration_detail", slug=slug,
                                registration_id=registration_id), code=303)
    return redirect(url_for(".registration_list", slug=slug,
                            **_back_query(REGISTRATION_FILTERS)), code=303)


@blp.post("/<slug>/registrations/<int:registration_id>/confirm")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_confirm(slug: str, registration_id: int):
    return _registration_action(slug, registration_id, "confirm")


# The question, the button and the consequence of each step that cannot be undone.
_ASK_FIRST = {
    "reject": (N_("Reject the registration of %(name)s?"), N_("Reject the registration"),
               N_("It leaves the roster and cannot be confirmed afterwards.")),
    "cancel": (N_("Cancel the registration of %(name)s?"), N_("Cancel the registration"),
               N_("Its seat goes to the first person on the waiting list.")),
}


def _ask_first(slug: str, registration_id: int, action: str):
    """Rejecting or cancelling cannot be undone: the row button asks on a page first."""
    registration = registrations.get_registration(page_actor(), slug, registration_id)
    question, button, consequence = _ASK_FIRST[action]
    return render_template("manage/registration_confirm.html", edition=get_edition(
        page_actor(), slug), registration=registration, action=action,
        question=translate(question, {"name": registration.person_as_shown.full_name}),
        button=translate(button), consequence=translate(consequence),
        back=request.args.get("back", ""), from_detail=request.args.get("from") == "detail")


@blp.get("/<slug>/registrations/<int:registration_id>/reject")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_ask_reject(slug: str, registration_id: int):
    return _ask_first(slug, registration_id, "reject")


@blp.get("/<slug>/registrations/<int:registration_id>/cancel")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_ask_cancel(slug: str, registration_id: int):
    return _ask_first(slug, registration_id, "cancel")


@blp.post("/<slug>/registrations/<int:registration_id>/reject")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_reject(slug: str, registration_id: int):
    return _registration_action(slug, registration_id, "reject")


@blp.post("/<slug>/registrations/<int:registration_id>/cancel")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_cancel(slug: str, registration_id: int):
    return _registration_action(slug, registration_id, "cancel")


# Check-in ------------------------------------------------------------------------------

LATEST_CHECK_INS = 20


def _check_in_page(slug: str, *, badge_code: str = "", errors: dict[str, str] | None = None,
                   status: int = 200):
    actor = page_actor()
    found = get_edition(actor, slug)
    latest = registrations.latest_check_ins(actor, slug, LATEST_CHECK_INS)
    return render_template("manage/check_in.html", edition=found, latest=latest,
                           badge_code=badge_code, errors=errors or {},
                           counts=registrations.counts(actor, slug)), status


@blp.get("/<slug>/check-in")
@page_requires(Permission.READ_INTERNAL)
def check_in_page(slug: str):
    return _check_in_page(slug)


@blp.post("/<slug>/check-in")
@page_requires(Permission.MANAGE_ATTENDANCE)
def check_in(slug: str):
    typed = request.form.get("badge_code", "").strip()
    try:
        data = load(CheckInSchema(), form_values(request.form, ("badge_code",)))
        registration = registrations.check_in(page_actor(), slug, data["badge_code"])
    except (FormInvalid, DomainError) as exc:
        return _check_in_page(slug, badge_code=typed, errors=_refused(exc),
                              status=_status(exc))
    flash(_("Checked in: %(name)s", name=registration.person.full_name))
    return redirect(url_for(".check_in_page", slug=slug), code=303)


# Programme -----------------------------------------------------------------------------

ITEM_FIELDS = ("kind", "title", "description", "room", "starts_at", "ends_at", "capacity",
               "chairs")
_NULLABLE_ITEM_FIELDS = ("description", "room", "starts_at", "ends_at", "capacity", "chairs")


def _item_view(item: dict[str, Any]) -> dict[str, Any]:
    def parse(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value else None

    return {**item, "starts": parse(item["starts_at"]), "ends": parse(item["ends_at"])}


def _change_view(changes: dict[str, Any] | None, zone: str) -> dict[str, Any] | None:
    """Moves in the changelog with their times as people read them, changed fields by
    their names."""
    if changes is None:
        return None
    moved = [{**entry, "from_text": _place_text(entry["from"], zone),
              "to_text": _place_text(entry["to"], zone)} for entry in changes["moved"]]
    changed = [{**entry, "field_names": [label(f, "item_field") for f in entry["fields"]]}
               for entry in changes["changed"]]
    return {**changes, "moved": moved, "changed": changed}


def _place_text(where: dict[str, Any], zone: str) -> str:
    text = when(where.get("starts_at"), zone)
    return _("%(time)s, %(room)s", time=text, room=where["room"]) if where.get("room") \
        else text


def _item_values(item: dict[str, Any], zone: str) -> dict[str, Any]:
    """An item as its edit form shows it."""
    values = {key: item.get(key) for key in ITEM_FIELDS}
    values["starts_at"] = _local_box(item.get("starts_at"), zone)
    values["ends_at"] = _local_box(item.get("ends_at"), zone)
    return {k: ("" if v is None else v) for k, v in values.items()}


def _item_data(*, partial: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """What was typed (to show again) and the data for the schema. When editing, an
    emptied box clears the field."""
    typed = {key: request.form.get(key, "").strip() for key in ITEM_FIELDS}
    data = form_values(request.form, ITEM_FIELDS)
    if partial:
        # Editing: an emptied title or kind is refused (not kept), other boxes clear.
        for key in ("kind", "title"):
            data.setdefault(key, typed[key])
        for key in _NULLABLE_ITEM_FIELDS:
            data.setdefault(key, None)
    if "capacity" in data:
        data["capacity"] = form_integer(data["capacity"])
    return typed, data


def _programme_page(slug: str, *, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200,
                    note: str = "", publish_errors: dict[str, str] | None = None):
    actor = page_actor()
    found = get_edition(actor, slug)
    working = programme.programme(actor, slug, {"version": "draft"})
    versions = programme.list_versions(actor, slug)
    last = versions[-1] if versions else None
    changes = programme.changelog(actor, slug, last.number, "draft") if last else None
    return render_template(
        "manage/programme.html", edition=found,
        items=[_item_view(item) for item in working["items"]], versions=versions,
        last=last, changes=_change_view(changes, found.time_zone),
        has_calendar=programme.has_calendar(found),
        kinds=choices("item_kind", ItemKind),
        values=values or {"kind": ItemKind.PLENARY.value}, errors=errors or {},
        note=note, publish_errors=publish_errors or {},
    ), status


@blp.get("/<slug>/programme")
@page_requires(Permission.READ_INTERNAL)
def programme_page(slug: str):
    return _programme_page(slug)


@blp.post("/<slug>/programme/items")
@page_requires(Permission.MANAGE_EDITIONS)
def item_create(slug: str):
    typed, data = _item_data(partial=False)
    try:
        item = programme.create_item(page_actor(), slug, load(ItemCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _programme_page(slug, values=typed, errors=_refused(exc),
                               status=_status(exc))
    flash(_("Added to the programme: %(title)s", title=words_text(item, "title")))
    return redirect(url_for(".programme_page", slug=slug), code=303)


def _item_form(slug: str, item_id: int, *, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, status: int = 200,
               speech_values: dict[str, Any] | None = None,
               speech_errors: dict[str, str] | None = None):
    from eventhub.web.programme_pages import speaker_context

    actor = page_actor()
    found = get_edition(actor, slug)
    working = programme.programme(actor, slug, {"version": "draft"})
    item = next((i for i in working["items"] if i["id"] == item_id), None)
    if item is None:
        raise NotFound(N_("Edition %(slug)s has no programme item %(item)s."),
                       code="programme.item_not_found", slug=slug, item=item_id)
    return render_template(
        "manage/item.html", edition=found, item=_item_view(item),
        values=values if values is not None else _item_values(item, found.time_zone),
        errors=errors or {}, kinds=choices("item_kind", ItemKind),
        speech_values=speech_values or {"role": "speech"},
        speech_errors=speech_errors or {}, **speaker_context(slug, item)), status


@blp.get("/<slug>/programme/items/<int:item_id>")
@page_requires(Permission.READ_INTERNAL)
def item_edit(slug: str, item_id: int):
    return _item_form(slug, item_id)


@blp.post("/<slug>/programme/items/<int:item_id>")
@page_requires(Permission.MANAGE_EDITIONS)
def item_update(slug: str, item_id: int):
    typed, data = _item_data(partial=True)
    try:
        item = programme.update_item(page_actor(), slug, item_id,
                                     load(ItemUpdateSchema(partial=True), data))
    except (FormInvalid, DomainError) as exc:
        return _item_form(slug, item_id, values=typed, errors=_refused(exc),
                          status=_status(exc))
    flash(_("Saved: %(title)s", title=words_text(item, "title")))
    return redirect(url_for(".programme_page", slug=slug), code=303)


@blp.post("/<slug>/programme/items/<int:item_id>/cancel")
@page_requires(Permission.MANAGE_EDITIONS)
def item_cancel(slug: str, item_id: int):
    try:
        data = load(CancelSchema(), form_values(request.form, ("cancelled",)))
        item = programme.set_cancelled(page_actor(), slug, item_id, data["cancelled"])
    except (FormInvalid, DomainError) as exc:
        return _programme_page(slug, errors=_refused(exc), status=_status(exc))
    flash(_("Cancelled: %(title)s", title=words_text(item, "title")) if item.is_cancelled
          else _("Restored: %(title)s", title=words_text(item, "title")))
    return redirect(url_for(".programme_page", slug=slug), code=303)


@blp.post("/<slug>/programme/publish")
@page_requires(Permission.MANAGE_EDITIONS)
def programme_publish(slug: str):
    typed = request.form.get("note", "").strip()
    try:
        data = load(PublishSchema(), form_values(request.form, ("note",)))
        version = programme.publish(page_actor(), slug, data.get("note"))
    except (FormInvalid, DomainError) as exc:
        return _programme_page(slug, note=typed, publish_errors=_refused(exc),
                               status=_status(exc))
    flash(_("Published version %(number)s of the programme.", number=version.number))
    return redirect(url_for(".programme_page", slug=slug), code=303)
