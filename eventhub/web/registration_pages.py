"""Organizer pages for invitations and registrations beyond the lists (web/manage.py):
an invitation's edit page, the table that completes every draft at once, the result of
sending drafts, a registration's own page (needs, credential with preview and review,
visa request and letter, history) and bulk confirm or reject.

The routes are on the organizer blueprint (web_manage.*). Views parse the form, call one
service, and render or redirect; which action is allowed where is the services' rule
(registrations.service.available_actions, visa.visa_state, credentials.credential_state).
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from eventhub.auth.permissions import Permission
from eventhub.editions.service import get_edition
from eventhub.errors import DomainError
from eventhub.extensions import db
from eventhub.i18n import N_, _, ngettext, translate
from eventhub.invitations import service as invitations
from eventhub.invitations.models import InvitationStatus
from eventhub.invitations.schemas import InvitationUpdateSchema
from eventhub.mail.notifications import messages_about
from eventhub.registrations import credentials, visa
from eventhub.registrations import service as registrations
from eventhub.web.common import (
    FormInvalid,
    form_integer,
    form_values,
    label,
    language_choices,
    load,
    page_actor,
    page_requires,
)
from eventhub.web.manage import _aware, _local_box, blp

# Errors with the field they belong to, by its label --------------------------------------

# The name of each field a refusal on these pages can point at, as its form labels it.
FIELD_LABELS: dict[str, str] = {
    "organization_id": N_("Organization"),
    "focal_point_name": N_("Focal point name"),
    "focal_point_email": N_("Focal point e-mail"),
    "focal_point_language": N_("Language of the invitation"),
    "quota": N_("Quota"),
    "deadline": N_("Response deadline"),
    "full_name": N_("Full name"),
    "email": N_("E-mail"),
    "position": N_("Position"),
    "role": N_("Role"),
    "attendance": N_("Attendance"),
    "person_id": N_("Person"),
    "status": N_("Status"),
    "country_code": N_("Country or region code"),
    "ids": N_("Registrations"),
}


def field_labels() -> dict[str, str]:
    """The labels above, in the page's language (for the error summaries)."""
    return {field: translate(msgid) for field, msgid in FIELD_LABELS.items()}


_SEE_THE_FIELDS = ("validation.invalid_fields", "validation.failed")


def error_messages(error: DomainError | FormInvalid) -> dict[str, str]:
    """Messages by field (the field's own, translated); the refusal's own sentence under
    "" unless it only repeats a field's message (a refusal about one field says it once)."""
    if isinstance(error, FormInvalid):
        return dict(error.errors)
    found: dict[str, str] = {}
    for entry in error.field_errors():
        field = entry.get("field", "")
        field = "" if field == "_schema" else field
        message = entry.get("message", "")
        found[field] = f"{found[field]} {message}" if field in found else message
    # "The row has invalid fields; see errors" adds nothing above the fields' own words.
    if found and error.code in _SEE_THE_FIELDS:
        return found
    if "" not in found and error.detail not in found.values():
        found = {"": error.detail, **found}
    return found


def error_lines(error: DomainError | FormInvalid) -> list[str]:
    """A refusal as lines to read on their own (a row of a result table): the sentence,
    then each field's message after the field's label ("Focal point name: Missing.")."""
    labels = field_labels()
    lines = []
    for field, message in error_messages(error).items():
        name = labels.get(field.rsplit(".", 1)[-1]) if field else None
        lines.append(_("%(label)s: %(text)s", label=name, text=message) if name
                     else message)
    return lines


def _refused(error: DomainError | FormInvalid) -> dict[str, str]:
    db.session.rollback()
    return error_messages(error)


def _status(error: DomainError | FormInvalid) -> int:
    return error.status if isinstance(error, DomainError) else 422


# Invitations: edit one ---------------------------------------------------------------------

INVITATION_EDIT_FIELDS = ("focal_point_name", "focal_point_email", "focal_point_language",
                          "quota", "deadline")


def _invitation_values(invitation, zone: str) -> dict[str, Any]:
    return {"focal_point_name": invitation.focal_point_name or "",
            "focal_point_email": invitation.focal_point_email or "",
            "focal_point_language": invitation.focal_point_language or "en",
            "quota": "" if invitation.quota is None else str(invitation.quota),
            "deadline": _local_box(invitation.deadline, zone)}


def _invitation_form(slug: str, invitation_id: int, *, values: dict[str, Any] | None = None,
                     errors: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    edition = get_edition(actor, slug)
    invitation = invitations.get_invitation(actor, slug, invitation_id)
    if values is None:
        values = _invitation_values(invitation, edition.time_zone)
    return render_template(
        "manage/invitation_edit.html", edition=edition, invitation=invitation,
        values=values, errors=errors or {}, labels=field_labels(),
        languages=language_choices(),
        editable="edit" in invitations.available_actions(actor, edition, invitation),
    ), status


@blp.get("/<slug>/invitations/<int:invitation_id>")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_edit(slug: str, invitation_id: int):
    return _invitation_form(slug, invitation_id)


@blp.post("/<slug>/invitations/<int:invitation_id>")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_update(slug: str, invitation_id: int):
    actor = page_actor()
    edition = get_edition(actor, slug)
    typed = {key: request.form.get(key, "").strip() for key in INVITATION_EDIT_FIELDS}
    data = form_values(request.form, INVITATION_EDIT_FIELDS)
    if "quota" in data:
        data["quota"] = form_integer(data["quota"])
    try:
        if "deadline" in data:
            data["deadline"] = _aware(data["deadline"], edition.time_zone, "deadline")
        invitation = invitations.update_invitation(
            actor, slug, invitation_id, load(InvitationUpdateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _invitation_form(slug, invitation_id, values=typed, errors=_refused(exc),
                                status=_status(exc))
    flash(_("Invitation to %(name)s saved.", name=invitation.organization.name))
    return redirect(url_for("web_manage.invitation_list", slug=slug), code=303)


# Invitations: complete the drafts in one table -------------------------------------------

DRAFT_FIELDS = ("focal_point_name", "focal_point_email", "focal_point_language", "quota",
                "deadline")


def _drafts(slug: str) -> list[Any]:
    return list(db.session.scalars(invitations.list_invitations(
        page_actor(), slug, {"status": InvitationStatus.DRAFT})))


def _drafts_page(slug: str, *, typed: dict[int, dict[str, str]] | None = None,
                 row_errors: dict[int, list[str]] | None = None,
                 row_fields: dict[int, set[str]] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    edition = get_edition(actor, slug)
    drafts = _drafts(slug)
    rows = []
    for invitation in drafts:
        values = _invitation_values(invitation, edition.time_zone)
        values.update((typed or {}).get(invitation.id, {}))
        rows.append({"invitation": invitation, "values": values,
                     "errors": (row_errors or {}).get(invitation.id, []),
                     "invalid": (row_fields or {}).get(invitation.id, set())})
    return render_template(
        "manage/invitation_drafts.html", edition=edition, rows=rows,
        languages=language_choices(), errors=errors or {}, labels=field_labels(),
        writable=not edition.is_read_only), status


@blp.get("/<slug>/invitations/drafts")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_drafts(slug: str):
    return _drafts_page(slug)


def _typed_rows(zone: str, typed: dict[int, dict[str, str]]
                ) -> tuple[list[dict[str, Any]], dict[int, dict[str, str]]]:
    """The rows of the drafts table as sent: what to save (boxes left empty are not
    changes) and what was typed (into `typed`, shown again if anything is refused, even
    when a deadline the clocks skip stops the reading half way)."""
    rows: list[dict[str, Any]] = []
    for key in request.form:
        raw_id = key.removeprefix("row-")
        if not key.startswith("row-") or not raw_id.isdigit():
            continue
        invitation_id = int(raw_id)
        shown = {key: request.form.get(f"{key}-{invitation_id}", "").strip()
                 for key in DRAFT_FIELDS}
        typed[invitation_id] = shown
        row: dict[str, Any] = {"id": invitation_id}
        for key, value in shown.items():
            if value == "":
                continue
            if key == "quota":
                value = form_integer(value)
            elif key == "deadline":
                value = _aware(value, zone, "deadline")
            row[key] = value
        rows.append(row)
    return rows, typed


@blp.post("/<slug>/invitations/drafts")
@page_requires(Permission.MANAGE_ATTENDANCE)
def invitation_drafts_save(slug: str):
    actor = page_actor()
    edition = get_edition(actor, slug)
    typed: dict[int, dict[str, str]] = {}
    try:
        rows, typed = _typed_rows(edition.time_zone, typed)
        outcomes = invitations.update_invitations(actor, slug, rows)
    except DomainError as exc:
        return _drafts_page(slug, typed=typed, errors=_refused(exc), status=exc.status)
    refused = [outcome for outcome in outcomes if outcome.error is not None]
    if refused:
        row_errors = {o.invitation_id: error_lines(o.error) for o in refused}
        row_fields = {o.invitation_id: {entry.get("field", "").rsplit(".", 1)[-1]
                                        for entry in o.error.field_errors()}
                      for o in refused}
        db.session.rollback()
        summary = ngettext("%(num)s row could not be saved; nothing was saved. Correct it "
                           "and save again.",
                           "%(num)s rows could not be saved; nothing was saved. Correct "
                           "them and save again.", len(refused))
        return _drafts_page(slug, typed=typed, row_errors=row_errors, row_fields=row_fields,
                            errors={"": summary}, status=422)
    flash(ngettext("%(num)s invitation saved.", "%(num)s invitations saved.", len(outcomes))
          if outcomes else _("Nothing was changed."))
    if request.form.get("then") == "send":
        return _send_drafts(slug, None, after_saving=True)
    return redirect(url_for("web_manage.invitation_drafts", slug=slug), code=303)


# Invitations: send drafts, each with its own result -----------------------------------

def _send_drafts(slug: str, ids: list[int] | None, *, after_saving: bool = False):
    """Send drafts (all, or `ids`) and show what became of each. Nothing sent: the answer
    has a refusal's status, so nothing is kept either, unless the same request saved the
    drafts table first (`after_saving`: that is kept)."""
    actor = page_actor()
    edition = get_edition(actor, slug)
    try:
        outcomes = invitations.send_drafts(actor, slug, ids)
    except DomainError as exc:
        if after_saving:
            errors = error_messages(exc)
            db.session.expire_all()
        else:
            errors = _refused(exc)
        return render_template(
            "manage/invitation_send_results.html", edition=edition, outcomes=[],
            errors=errors, labels=field_labels(), refusal_code=exc.code,
            lines={}), 200 if after_saving else exc.status
    lines = {o.invitation_id: error_lines(o.error) for o in outcomes if o.error is not None}
    sent = sum(1 for o in outcomes if o.done)
    status = 200 if sent or not outcomes or after_saving else 422
    return render_template(
        "manage/invitation_send_results.html", edition=edition, outcomes=outcomes,
        lines=lines, sent=sent, errors={}, labels=field_labels(), refusal_code=None
    ), status


def send_drafts_page(slug: str):
    """The page's "Send all drafts" (or the drafts ticked in the table, `ids`)."""
    ids = [int(value) for value in request.form.getlist("ids") if value.isdigit()]
    return _send_drafts(slug, ids or None)


# A registration's own page -------------------------------------------------------------

# How the history names what changed (tables and the columns people care about).
HISTORY_TABLES = {"registrations": N_("Registration"),
                  "visa_requests": N_("Passport details"),
                  "credential_documents": N_("Credential document")}
HISTORY_ACTIONS = {"insert": N_("created"), "update": N_("changed"), "delete": N_("removed")}
HISTORY_FIELDS = {
    "status": N_("status"), "role": N_("role"), "attendance": N_("attendance"),
    "needs_visa_letter": N_("visa letter needed"), "dietary": N_("dietary needs"),
    "accessibility": N_("accessibility needs"), "badge_code": N_("badge code"),
    "checked_in_at": N_("checked in"), "confirmed_at": N_("confirmed at"),
    "cancelled_at": N_("cancelled at"), "waitlisted_at": N_("waitlisted at"),
    "delegation_id": N_("delegation"), "person_id": N_("person"),
    "letter_issued_at": N_("letter issued"), "reviewed_at": N_("reviewed"),
    "reviewed_by_id": N_("reviewed by"), "uploaded_at": N_("uploaded"),
    "filename": N_("file name"), "content": N_("file"), "size": N_("size"),
    "content_type": N_("file type"), "sha256": N_("checksum"),
    "passport_number_encrypted": N_("passport number"),
    "nationality_encrypted": N_("nationality"),
    "date_of_birth_encrypted": N_("date of birth"),
    "passport_expiry_encrypted": N_("passport expiry"),
}
# Bookkeeping columns the history leaves out.
_HISTORY_SKIPPED = {"id", "created_at", "updated_at", "edition_id", "registration_id"}


def _who(entry: Any) -> str:
    """A member of staff by their name in the trail; anyone else in the page's words."""
    if entry.actor_user_id is not None:
        return entry.actor_label
    if entry.actor_label == "system":
        return _("the system (a command or a scheduled job)")
    return _("the focal point, through the invitation link")


def _history_rows(entries: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        # A new record is "created" (its values are the page above); a change names the
        # fields it changed.
        fields = [] if entry.action == "insert" else [
            field for field in entry.changes if field not in _HISTORY_SKIPPED]
        status_change = entry.changes.get("status") if entry.table_name == (
            "registrations") else None
        rows.append({
            "at": entry.at, "who": _who(entry),
            "what": _("%(record)s %(action)s", record=translate(
                HISTORY_TABLES.get(entry.table_name, entry.table_name)),
                action=translate(HISTORY_ACTIONS.get(entry.action, entry.action))),
            "fields": [translate(HISTORY_FIELDS[f]) if f in HISTORY_FIELDS
                       else f.replace("_", " ") for f in fields],
            "status_from": label(status_change.get("before"), "registration_status")
            if status_change else "",
            "status_to": label(status_change.get("after"), "registration_status")
            if status_change else "",
        })
    return rows


def registration_page(slug: str, registration_id: int, *,
                      errors: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    edition = get_edition(actor, slug)
    registration = registrations.get_registration(actor, slug, registration_id)
    actions = registrations.available_actions(actor, edition, registration)
    private = actor.can(Permission.READ_PRIVATE_CONTACTS)
    credential = credentials.credential_state(registration)
    return render_template(
        "manage/registration_detail.html", edition=edition, registration=registration,
        person=registration.person_as_shown, actions=actions, private=private,
        credential=credential if private else None,
        credential_exists=credential is not None,
        confirm_blocked=("confirm" in actions
                         and registrations.credentials_unreviewed(registration)),
        may_review=(actor.can(Permission.MANAGE_ATTENDANCE) and not edition.is_read_only),
        visa=visa.visa_state(actor, edition, registration) if private else None,
        history=_history_rows(registrations.registration_history(actor, slug,
                                                                 registration_id)),
        errors=errors or {}, labels=field_labels(),
        # The delegation's mails (about its invitation) concern this delegate too.
        messages=messages_about(
            registration_id=registration.id,
            invitation_id=registration.delegation.invitation_id
            if registration.delegation else None, limit=20) if private else None,
    ), status


@blp.get("/<slug>/registrations/<int:registration_id>")
@page_requires(Permission.READ_INTERNAL)
def registration_detail(slug: str, registration_id: int):
    return registration_page(slug, registration_id)


@blp.get("/<slug>/delegations/<int:delegation_id>/credential")
@page_requires(Permission.READ_PRIVATE_CONTACTS)
def credential_file(slug: str, delegation_id: int):
    """The delegation's credential document, shown in the browser (?download=1: saved)."""
    document = credentials.credential_document(page_actor(), slug, delegation_id)
    inline = request.args.get("download") != "1"
    return Response(document.content, mimetype=document.content_type, headers={
        "Content-Disposition": credentials.content_disposition(document, inline=inline),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@blp.post("/<slug>/delegations/<int:delegation_id>/credential/review")
@page_requires(Permission.MANAGE_ATTENDANCE)
def credential_review(slug: str, delegation_id: int):
    registration_id = form_integer(request.form.get("registration_id", ""))
    try:
        credentials.review_credential(page_actor(), slug, delegation_id)
    except DomainError as exc:
        if isinstance(registration_id, int):
            return registration_page(slug, registration_id, errors=_refused(exc),
                                     status=exc.status)
        raise
    flash(_("The credential document is marked as reviewed; the delegation's members can "
            "be confirmed."))
    if isinstance(registration_id, int):
        return redirect(url_for("web_manage.registration_detail", slug=slug,
                                registration_id=registration_id), code=303)
    return redirect(url_for("web_manage.registration_list", slug=slug), code=303)


@blp.post("/<slug>/registrations/<int:registration_id>/visa-letter")
@page_requires(Permission.MANAGE_ATTENDANCE)
def visa_letter(slug: str, registration_id: int):
    try:
        pdf = visa.issue_letter(page_actor(), slug, registration_id)
    except DomainError as exc:
        return registration_page(slug, registration_id, errors=_refused(exc),
                                 status=exc.status)
    filename = f"visa-support-letter-{slug}-{registration_id}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


# Bulk confirm and reject ---------------------------------------------------------------

_BULK = {"confirm": registrations.confirm_many, "reject": registrations.reject_many}


@blp.post("/<slug>/registrations/bulk")
@page_requires(Permission.MANAGE_ATTENDANCE)
def registration_bulk(slug: str):
    from eventhub.web.manage import registrations_page

    action = request.form.get("action", "")
    ids = [int(value) for value in request.form.getlist("ids") if value.isdigit()]
    if action not in _BULK:
        return registrations_page(slug, errors={"action": _("Choose what to do with the "
                                                            "ticked registrations.")},
                                  status=422)
    if not ids:
        return registrations_page(slug, errors={"ids": _("Tick the registrations first.")},
                                  status=422)
    try:
        outcomes = _BULK[action](page_actor(), slug, ids)
    except DomainError as exc:
        return registrations_page(slug, errors=_refused(exc), status=exc.status)
    done = sum(1 for outcome in outcomes if outcome.done)
    edition = get_edition(page_actor(), slug)
    return render_template(
        "manage/registration_bulk_results.html", edition=edition, action=action,
        outcomes=outcomes, done=done,
        lines={o.registration_id: error_lines(o.error) for o in outcomes
               if o.error is not None},
        back=request.form.get("back", ""),
    ), 200 if done else 409
