"""Secretariat pages: the Chair's statement and its siblings, section by section.

Staff read statements, their revisions, differences between revisions, review comments,
suggestions and the fact check; the secretariat edits sections (with the revision it
started from as If-Match, so the service merges or refuses stale edits), restores
revisions, moves the statement through its workflow and names the chair's approver.
Every rule stays in eventhub.statements.service: a page parses the form, calls one
service function, and redirects or shows the refusal.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from eventhub.auth.permissions import Permission
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unprocessable,
)
from eventhub.i18n import N_, _, translate
from eventhub.mail.notifications import messages_about
from eventhub.schemas import INTEGER_MAX
from eventhub.statements import service
from eventhub.statements.drafting import draft_from_record
from eventhub.statements.factcheck import fact_check as run_fact_check
from eventhub.statements.models import StatementKind, StatementStatus
from eventhub.statements.schemas import (
    ApproverSchema,
    CommentCreateSchema,
    CorrectionInputSchema,
    DiffQuerySchema,
    LanguageCreateSchema,
    SectionEditSchema,
    SectionInsertSchema,
    StatementCreateSchema,
    StatusChangeSchema,
    SuggestionCreateSchema,
)
from eventhub.web.common import (
    FormInvalid,
    choices,
    edition_tab,
    field_errors,
    form_integer,
    label,
    language_name_in_page,
    load,
    page_actor,
    page_requires,
    staff_link,
    staff_page_context,
)

blp = Blueprint("web_secretariat", __name__, url_prefix="/secretariat")

BASE = "/<slug>/statements/<int:statement_id>"

edition_tab("web_secretariat.statements", N_("Statements"), 70, Permission.MANAGE_STATEMENTS)
# The statements of every edition: the secretariat's home, and the approver's. Anyone on
# staff may be named approver, so every reader of internal data sees the link.
staff_link("web_secretariat.home", N_("Statements"), 15, Permission.READ_INTERNAL)

# The button of each status move; which ones a person sees is the service's answer
# (service.status_actions), so nobody is offered a step they may not take.
WORKFLOW_BUTTONS = {
    service.SUBMIT: N_("Submit for review"),
    service.WITHDRAW: N_("Back to draft"),
    service.SEND_BACK: N_("Send back"),
    service.APPROVE: N_("Approve"),
    service.PUBLISH: N_("Publish"),
}
STATUS_DONE = {
    StatementStatus.DRAFT: N_("The statement is back in draft."),
    StatementStatus.IN_REVIEW: N_("The statement was submitted for review."),
    StatementStatus.APPROVED: N_("The statement was approved."),
    StatementStatus.PUBLISHED: N_("The statement was published."),
}
_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


@blp.context_processor
def _page_language() -> dict[str, Any]:
    return staff_page_context()


# Helpers -------------------------------------------------------------------------------

def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by a blank line; single line breaks stay inside a paragraph."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def _revision_on_screen(actor, slug: str, statement_id: int) -> tuple[Any, str | None]:
    """The revision the form was written on (as typed, for showing it again) and the
    If-Match it stands for, so the service merges or refuses a stale change."""
    based_on = form_integer(request.form.get("revision"))
    if not isinstance(based_on, int):
        return based_on, None
    statement = service.get_statement(actor, slug, statement_id)
    return based_on, service.etag_for(statement, based_on)


def _statement_url(slug: str, statement_id: int, anchor: str | None = None) -> str:
    return url_for("web_secretariat.statement", slug=slug, statement_id=statement_id,
                   _anchor=anchor)


def _common(slug: str, statement_id: int) -> dict[str, Any]:
    actor = page_actor()
    edition = get_edition(actor, slug)
    statement = service.get_statement(actor, slug, statement_id)
    # What this person may do here is the service's answer; pages show only those
    # buttons and forms (the service refuses the rest anyway).
    actions = service.allowed_actions(actor, statement, edition)
    return {"edition": edition, "statement": statement, "slug": slug,
            "view": service.current_view(actor, statement),
            "writable": not edition.is_read_only,
            "actions": actions,
            "status_label": label(statement.status),
            "kind_label": label(statement.kind)}


def reviewers_only(view: Callable) -> Callable:
    """Comments and suggestions: whoever the service does not count as a reviewer is
    refused before the form is read (service.review_statement)."""

    @functools.wraps(view)
    def wrapper(slug: str, statement_id: int, **kwargs: Any) -> Any:
        service.review_statement(page_actor(), slug, statement_id)
        return view(slug, statement_id, **kwargs)

    return wrapper


# The secretariat's home -------------------------------------------------------------

@blp.get("/")
@page_requires(Permission.READ_INTERNAL)
def home():
    """The statements of every edition, those awaiting the visitor's approval first."""
    actor = page_actor()
    overview = service.statements_overview(actor)
    editions = [(edition, [{"statement": s, "latest": service.latest_number(s),
                            "status_label": label(s.status), "kind_label": label(s.kind)}
                           for s in statements])
                for edition, statements in overview]
    edition_of = {edition.id: edition for edition, _statements in overview}
    awaiting = [(s, edition_of[s.edition_id]) for s in service.awaiting_approval(actor)
                if s.edition_id in edition_of]
    return render_template(
        "secretariat/home.html", editions=editions, awaiting=awaiting,
        may_create=actor.can(Permission.MANAGE_STATEMENTS))


# The list and one statement ------------------------------------------------------------

def _render_statements(slug: str, *, errors: dict[str, str] | None = None,
                       typed: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    edition = get_edition(actor, slug)
    rows = [{"statement": s, "latest": service.latest_number(s),
             "status_label": label(s.status), "kind_label": label(s.kind)}
            for s in service.list_statements(actor, slug)]
    return render_template(
        "secretariat/statements.html", edition=edition, rows=rows, slug=slug,
        can_create=actor.can(Permission.MANAGE_STATEMENTS) and not edition.is_read_only,
        kinds=choices("statement_kind", StatementKind), errors=errors or {},
        typed=typed or {"kind": "chairs_statement", "language": "en"}), status


@blp.get("/<slug>/statements")
@page_requires(Permission.READ_INTERNAL)
def statements(slug: str):
    return _render_statements(slug)


@blp.post("/<slug>/statements")
@page_requires(Permission.MANAGE_STATEMENTS)
def create_statement(slug: str):
    """A new statement: title, dateline and the text of its first section."""
    typed = {key: request.form.get(key, "").strip()
             for key in ("kind", "language", "title", "dateline", "paragraphs")}
    content: dict[str, Any] = {"title": typed["title"],
                               "sections": [{"paragraphs": split_paragraphs(
                                   request.form.get("paragraphs", ""))}]}
    if typed["dateline"]:
        content["dateline"] = typed["dateline"]
    try:
        data = load(StatementCreateSchema(), {"kind": typed["kind"],
                                              "language": typed["language"] or "en",
                                              "content": content})
        created = service.create_statement(page_actor(), slug, data)
    except (FormInvalid, Conflict, Unprocessable) as exc:
        errors = {("paragraphs" if field.startswith("content.sections") else
                   field.removeprefix("content.")): message
                  for field, message in field_errors(exc).items()}
        if errors.get("paragraphs") and not split_paragraphs(request.form.get("paragraphs",
                                                                              "")):
            errors["paragraphs"] = _("Write at least one paragraph.")
        typed["paragraphs"] = request.form.get("paragraphs", "")
        return _render_statements(slug, errors=errors, typed=typed,
                                  status=getattr(exc, "status", 422))
    flash(_("The statement was created as a draft (revision 1)."))
    return redirect(_statement_url(slug, created.id), code=303)


@blp.post("/<slug>/statements/draft-from-record")
@page_requires(Permission.MANAGE_STATEMENTS)
def draft_statement_from_record(slug: str):
    """A first draft of the Chair's Statement written from the edition's records."""
    try:
        created = draft_from_record(page_actor(), slug)
    except (Conflict, Unprocessable) as exc:
        return _render_statements(slug, errors=field_errors(exc), status=exc.status)
    flash(_("A first draft was written from the edition's records (revision 1). "
            "Check every sentence before submitting it for review."))
    return redirect(_statement_url(slug, created.id), code=303)


def _render_statement(slug: str, statement_id: int, errors: dict[str, str] | None = None,
                      status: int = 200, approver_value: Any = None,
                      new_section: dict[str, str] | None = None, new_language: str = "",
                      needs_confirmation: dict[str, Any] | None = None):
    context = _common(slug, statement_id)
    statement = context["statement"]
    actor = page_actor()
    candidates = []
    if service.EDIT in context["actions"]:
        candidates = service.approver_candidates(actor)
    approver = service.approver_of(statement)
    return render_template(
        "secretariat/statement.html", **context, errors=errors or {},
        buttons=[(target, translate(WORKFLOW_BUTTONS[action])) for action, target in
                 service.status_actions(actor, statement, context["edition"])],
        candidates=candidates, approver=approver,
        approver_value=statement.approver_id if approver_value is None else approver_value,
        new_section=new_section or {"paragraphs": "", "position": ""},
        new_language=new_language, needs_confirmation=needs_confirmation,
        mail_messages=messages_about(statement_id=statement.id, limit=10),
    ), status


@blp.get(BASE)
@page_requires(Permission.READ_INTERNAL)
def statement(slug: str, statement_id: int):
    return _render_statement(slug, statement_id)


@blp.post(f"{BASE}/status")
@page_requires(Permission.READ_INTERNAL)
def change_status(slug: str, statement_id: int):
    """Submit, approve, send back or publish; the service says who may."""
    form = {"status": request.form.get("status", "")}
    if form["status"] == StatementStatus.PUBLISHED.value and any(
            request.form.get(f"confirm_{key}") for key in ("mismatches", "lower_coverage")):
        form["confirm"] = {"mismatches": bool(request.form.get("confirm_mismatches")),
                           "lower_coverage": bool(request.form.get("confirm_lower_coverage")),
                           "reason": request.form.get("confirm_reason", "")}
    try:
        data = load(StatusChangeSchema(), form)
        service.change_status(page_actor(), slug, statement_id, data["status"],
                              data.get("confirm"))
    except (FormInvalid, Conflict, Unprocessable, PermissionDenied) as exc:
        errors = {"": " ".join(field_errors(exc).values())}
        extra = getattr(exc, "extra", None) or {}
        return _render_statement(slug, statement_id, errors,
                                 getattr(exc, "status", 422),
                                 needs_confirmation=extra.get("needs_confirmation"))
    flash(translate(STATUS_DONE[data["status"]]))
    return redirect(_statement_url(slug, statement_id), code=303)


@blp.post(f"{BASE}/approver")
@page_requires(Permission.MANAGE_STATEMENTS)
def set_approver(slug: str, statement_id: int):
    raw = request.form.get("approver_id", "").strip()
    try:
        data = load(ApproverSchema(), {"approver_id": form_integer(raw) if raw else None})
        service.set_approver(page_actor(), slug, statement_id, data["approver_id"])
    except (FormInvalid, Unprocessable) as exc:
        return _render_statement(slug, statement_id, field_errors(exc),
                                 getattr(exc, "status", 422), approver_value=raw)
    flash(_("The approver was saved.") if data["approver_id"] is not None
          else _("No approver is named now: an admin approves."))
    return redirect(_statement_url(slug, statement_id), code=303)


# Editing a section ---------------------------------------------------------------------

def _section(view: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((s for s in view["sections"] if s["key"] == key), None)


def _render_section(context: dict[str, Any], key: str, *, paragraphs: str, note: str,
                    revision: Any, errors: dict[str, str], status: int = 200,
                    current: dict[str, Any] | None = None, stale: bool = False):
    return render_template("secretariat/section.html", **context, key=key,
                           section=_section(context["view"], key), paragraphs=paragraphs,
                           note=note, revision=revision, errors=errors, current=current,
                           stale=stale), status


@blp.get(f"{BASE}/sections/<key>")
@page_requires(Permission.MANAGE_STATEMENTS)
def section(slug: str, statement_id: int, key: str):
    context = _common(slug, statement_id)
    ensure_writable(context["edition"])
    if context["statement"].status not in service.EDITABLE:
        raise Conflict(N_("The statement is published and frozen; issue a correction "
                          "instead."), code="statement.frozen")
    found = _section(context["view"], key)
    if found is None:
        raise NotFound(N_("The statement has no section %(key)s."),
                       code="statement.section_not_found", key=key)
    return _render_section(context, key, paragraphs=join_paragraphs(found["paragraphs"]),
                           note="", revision=context["view"]["revision"], errors={})


@blp.post(f"{BASE}/sections/<key>")
@page_requires(Permission.MANAGE_STATEMENTS)
def save_section(slug: str, statement_id: int, key: str):
    actor = page_actor()
    typed = request.form.get("paragraphs", "")
    note = request.form.get("note", "").strip()
    based_on, if_match = _revision_on_screen(actor, slug, statement_id)
    try:
        payload: dict[str, Any] = {"paragraphs": split_paragraphs(typed)}
        if note:
            payload["note"] = note
        data = load(SectionEditSchema(), payload)
        saved = service.edit_section(actor, slug, statement_id, key, data["paragraphs"],
                                     data.get("note"), if_match)
    except FormInvalid as exc:
        errors = _paragraph_messages(exc.errors, typed)
        return _render_section(_common(slug, statement_id), key, paragraphs=typed,
                               note=note, revision=based_on, errors=errors, status=422)
    except (service.StaleRevision, PreconditionFailed) as exc:
        context = _common(slug, statement_id)
        current_content = exc.extra.get("current") or {}
        current_sections = current_content.get("sections", [])
        current = next(({"number": service.section_number(i, context["statement"].language), **s}
                        for i, s in enumerate(current_sections, start=1)
                        if s["key"] == key), None)
        return _render_section(
            context, key, paragraphs=typed, note=note,
            revision=exc.extra.get("current_revision", context["view"]["revision"]),
            errors={"": _("Someone else changed this section while you were editing it. "
                          "Nothing was saved. Compare your text with the current text "
                          "below, merge them, and save again.")},
            status=exc.status, current=current, stale=True)
    except (service.PreconditionRequired, Unprocessable) as exc:
        return _render_section(_common(slug, statement_id), key, paragraphs=typed,
                               note=note, revision=based_on,
                               errors=_paragraph_messages(field_errors(exc), typed),
                               status=exc.status)
    flash(_("Saved as revision %(number)s.", number=saved.number))
    return redirect(_statement_url(slug, statement_id, f"section-{key}"), code=303)


@blp.post(f"{BASE}/sections")
@page_requires(Permission.MANAGE_STATEMENTS)
def add_section(slug: str, statement_id: int):
    """A new section at a position (default: last), based on the revision on screen."""
    actor = page_actor()
    typed = request.form.get("new_paragraphs", "")
    raw_position = request.form.get("position", "").strip()
    _based_on, if_match = _revision_on_screen(actor, slug, statement_id)
    try:
        payload: dict[str, Any] = {"paragraphs": split_paragraphs(typed)}
        if raw_position:
            payload["position"] = form_integer(raw_position)
        data = load(SectionInsertSchema(), payload)
        saved = service.insert_section(actor, slug, statement_id, data.get("position"),
                                       data["paragraphs"], _("Section added"), if_match)
    except (FormInvalid, Unprocessable, PreconditionFailed, service.StaleRevision,
            service.PreconditionRequired) as exc:
        errors = {("new_paragraphs" if field.startswith("paragraphs") else
                   "position" if field == "position" else field): message
                  for field, message in _paragraph_messages(field_errors(exc),
                                                            typed).items()}
        if isinstance(exc, PreconditionFailed | service.StaleRevision):
            errors = {"": _("The statement changed while you were writing; nothing was "
                            "saved. Your text is still below: add it again.")}
        return _render_statement(slug, statement_id, errors, getattr(exc, "status", 422),
                                 new_section={"paragraphs": typed, "position": raw_position})
    flash(_("Section added; saved as revision %(number)s.", number=saved.number))
    return redirect(_statement_url(slug, statement_id), code=303)


# Corrections of a published statement, and language versions -----------------------------

def _render_correction(context: dict[str, Any], key: str, *, paragraphs: str, note: str,
                       revision: Any, errors: dict[str, str], status: int = 200):
    return render_template("secretariat/correction.html", **context, key=key,
                           section=_section(context["view"], key), paragraphs=paragraphs,
                           note=note, revision=revision, errors=errors), status


@blp.get(f"{BASE}/sections/<key>/correction")
@page_requires(Permission.MANAGE_STATEMENTS)
def correction(slug: str, statement_id: int, key: str):
    context = _common(slug, statement_id)
    ensure_writable(context["edition"])
    if context["statement"].status != StatementStatus.PUBLISHED:
        raise Conflict(N_("Only a published statement takes corrections; edit the "
                          "draft."), code="statement.not_published")
    found = _section(context["view"], key)
    if found is None:
        raise NotFound(N_("The statement has no section %(key)s."),
                       code="statement.section_not_found", key=key)
    return _render_correction(context, key, paragraphs=join_paragraphs(found["paragraphs"]),
                              note="", revision=context["view"]["revision"], errors={})


@blp.post(f"{BASE}/sections/<key>/correction")
@page_requires(Permission.MANAGE_STATEMENTS)
def publish_correction(slug: str, statement_id: int, key: str):
    """A corrected section published at once as a new revision, with a public note."""
    actor = page_actor()
    typed = request.form.get("paragraphs", "")
    note = request.form.get("note", "").strip()
    based_on, if_match = _revision_on_screen(actor, slug, statement_id)
    context = _common(slug, statement_id)
    sections = [{"key": s["key"], "paragraphs": split_paragraphs(typed) if s["key"] == key
                 else s["paragraphs"]} for s in context["view"]["sections"]]
    try:
        data = load(CorrectionInputSchema(), {"sections": sections, "note": note})
        saved = service.publish_correction(actor, slug, statement_id, data["sections"], None,
                                           data["note"], if_match)
    except (FormInvalid, Conflict, Unprocessable, PreconditionFailed,
            service.StaleRevision, service.PreconditionRequired) as exc:
        errors = {("paragraphs" if field.startswith("sections") else field): message
                  for field, message in field_errors(exc).items()}
        if errors.get("paragraphs") and not split_paragraphs(typed):
            errors["paragraphs"] = _("Write at least one paragraph.")
        if isinstance(exc, PreconditionFailed | service.StaleRevision):
            errors = {"": _("The statement changed while you were writing; nothing was "
                            "published. Reload the page and apply your correction again.")}
        return _render_correction(_common(slug, statement_id), key, paragraphs=typed,
                                  note=note, revision=based_on, errors=errors,
                                  status=getattr(exc, "status", 422))
    flash(_("The correction was published as revision %(number)s.", number=saved.number))
    return redirect(_statement_url(slug, statement_id, f"section-{key}"), code=303)


@blp.post(f"{BASE}/languages")
@page_requires(Permission.MANAGE_STATEMENTS)
def add_language(slug: str, statement_id: int):
    """A linked draft in another language, starting from this text, to translate."""
    language = request.form.get("new_language", "").strip()
    try:
        data = load(LanguageCreateSchema(), {"language": language})
        created = service.create_language_version(page_actor(), slug, statement_id,
                                                  data["language"])
    except (FormInvalid, Conflict, Unprocessable) as exc:
        errors = {("new_language" if field == "language" else field): message
                  for field, message in field_errors(exc).items()}
        return _render_statement(slug, statement_id, errors, getattr(exc, "status", 422),
                                 new_language=language)
    flash(_("A version in %(language)s was started from this text; translate it section "
            "by section.", language=language_name_in_page(created.language)))
    return redirect(_statement_url(slug, created.id), code=303)


def _paragraph_messages(errors: dict[str, str], typed: str) -> dict[str, str]:
    """Messages about single paragraphs ("paragraphs.0") belong to the one text box; an
    empty box is told what it lacks."""
    result: dict[str, str] = {}
    for field, message in errors.items():
        if field == "paragraphs" and not split_paragraphs(typed):
            message = _("Write at least one paragraph.")
        if field.startswith("paragraphs"):
            result.setdefault("paragraphs", message)
        else:
            result[field] = message
    return result


# Revisions, differences, restoring -------------------------------------------------------

@blp.get(f"{BASE}/revisions")
@page_requires(Permission.READ_INTERNAL)
def revisions(slug: str, statement_id: int):
    context = _common(slug, statement_id)
    items = list(reversed(service.list_revisions(page_actor(), slug, statement_id)))
    return render_template("secretariat/revisions.html", **context, revisions=items)


@blp.get(f"{BASE}/revisions/<int:number>")
@page_requires(Permission.READ_INTERNAL)
def revision(slug: str, statement_id: int, number: int):
    context = _common(slug, statement_id)
    shown = service.statement_view(page_actor(), slug, statement_id, number)
    rev = service.revision(context["statement"], number)
    return render_template("secretariat/revision.html", **context, shown=shown, rev=rev)


@blp.post(f"{BASE}/revisions/<int:number>/restore")
@page_requires(Permission.MANAGE_STATEMENTS)
def restore(slug: str, statement_id: int, number: int):
    saved = service.restore(page_actor(), slug, statement_id, number)
    flash(_("Revision %(number)s was restored as revision %(new)s.", number=number,
            new=saved.number))
    return redirect(_statement_url(slug, statement_id), code=303)


@blp.get(f"{BASE}/diff")
@page_requires(Permission.READ_INTERNAL)
def diff(slug: str, statement_id: int):
    try:
        query = load(DiffQuerySchema(), {"from": request.args.get("old", ""),
                                         "to": request.args.get("new", "")})
    except FormInvalid as exc:
        raise Unprocessable(N_("Choose two revisions to compare: %(problems)s"),
                            code="statement.diff_revisions",
                            problems="; ".join(exc.errors.values())) from exc
    old, new = query["from_revision"], query["to_revision"]
    context = _common(slug, statement_id)
    changes = service.diff(page_actor(), slug, statement_id, old, new)
    return render_template("secretariat/diff.html", **context, changes=changes,
                           old=old, new=new,
                           roman=lambda place: service.section_number(
                               place, context["statement"].language))


# Comments and suggestions --------------------------------------------------------------

def _render_review(slug: str, statement_id: int, *, errors: dict[str, str] | None = None,
                   form: str | None = None, typed: dict[str, str] | None = None,
                   status: int = 200):
    actor = page_actor()
    context = _common(slug, statement_id)
    comments = service.list_comments(actor, slug, statement_id)
    suggestions = service.list_suggestions(actor, slug, statement_id)
    keys = [s["key"] for s in context["view"]["sections"]]
    replies: dict[int, list] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    threads: dict[str, list] = {}
    for comment in comments:
        if comment.parent_id is None:
            threads.setdefault(comment.section_key, []).append(comment)
    by_section: dict[str, list] = {}
    for suggestion in suggestions:
        by_section.setdefault(suggestion.section_key, []).append(suggestion)
    gone = [k for k in list(threads) + list(by_section) if k not in keys]
    return render_template("secretariat/review.html", **context, threads=threads,
                           replies=replies, suggestions=by_section,
                           changes=service.suggestion_changes(context["statement"],
                                                              suggestions),
                           gone=list(dict.fromkeys(gone)), errors=errors or {},
                           form=form, typed=typed or {}), status


def _review_url(slug: str, statement_id: int, anchor: str | None = None) -> str:
    return url_for("web_secretariat.review", slug=slug, statement_id=statement_id,
                   _anchor=anchor)


@blp.get(f"{BASE}/comments")
@page_requires(Permission.READ_INTERNAL)
def review(slug: str, statement_id: int):
    return _render_review(slug, statement_id)


@blp.post(f"{BASE}/comments")
@page_requires(Permission.READ_INTERNAL)
@reviewers_only
def add_comment(slug: str, statement_id: int):
    """A comment on a section (section_key) or a reply (parent_id)."""
    body = request.form.get("body", "")
    parent = request.form.get("parent_id", "").strip()
    key = request.form.get("section_key", "").strip()
    form = f"reply-{parent}" if parent else f"comment-{key}"
    values: dict[str, Any] = {"body": body}
    if parent:
        values["parent_id"] = form_integer(parent)
    elif key:
        values["section_key"] = key
    try:
        data = load(CommentCreateSchema(), values)
        if not data.get("section_key") and data.get("parent_id") is None:
            raise Unprocessable.for_field("section_key",
                                          N_("Choose a section to comment on."),
                                          code="statement.comment_section_required")
        comment = service.add_comment(page_actor(), slug, statement_id, data)
    except (FormInvalid, Unprocessable) as exc:
        return _render_review(slug, statement_id, errors=field_errors(exc), form=form,
                              typed={"body": body}, status=getattr(exc, "status", 422))
    flash(_("Your reply was added.") if parent else _("Your comment was added."))
    return redirect(_review_url(slug, statement_id, f"comment-{comment.id}"), code=303)


@blp.post(f"{BASE}/comments/<int:comment_id>/resolve")
@page_requires(Permission.READ_INTERNAL)
@reviewers_only
def resolve_comment(slug: str, statement_id: int, comment_id: int):
    service.resolve_comment(page_actor(), slug, statement_id, comment_id)
    flash(_("The comment was marked resolved."))
    return redirect(_review_url(slug, statement_id, f"comment-{comment_id}"), code=303)


@blp.post(f"{BASE}/suggestions")
@page_requires(Permission.READ_INTERNAL)
@reviewers_only
def suggest(slug: str, statement_id: int):
    key = request.form.get("section_key", "").strip()
    proposed = request.form.get("proposed_text", "")
    paragraph = request.form.get("paragraph", "").strip()
    # People count paragraphs from 1; the API from 0.
    index = form_integer(paragraph)
    values = {"section_key": key, "proposed_text": proposed.strip(),
              "paragraph_index": index - 1 if isinstance(index, int) else index}
    try:
        data = load(SuggestionCreateSchema(), values)
        made = service.suggest(page_actor(), slug, statement_id, data)
    except (FormInvalid, Unprocessable, Conflict) as exc:
        # Each paragraph has its own form (prefilled with its text): a message about the
        # text goes to that form's box; one about the paragraph itself (gone, or never
        # there) to the top of the page, since no form stands for it.
        errors = {("" if f in ("paragraph_index", "section_key") else f): m
                  for f, m in field_errors(exc).items()}
        return _render_review(slug, statement_id, errors=errors,
                              form=f"suggest-{key}-{paragraph}",
                              typed={"proposed_text": proposed},
                              status=getattr(exc, "status", 422))
    flash(_("Your suggestion was added."))
    return redirect(_review_url(slug, statement_id, f"suggestion-{made.id}"), code=303)


@blp.post(f"{BASE}/suggestions/<int:suggestion_id>/accept")
@page_requires(Permission.MANAGE_STATEMENTS)
def accept_suggestion(slug: str, statement_id: int, suggestion_id: int):
    return _decide(slug, statement_id, suggestion_id, "accept")


@blp.post(f"{BASE}/suggestions/<int:suggestion_id>/reject")
@page_requires(Permission.MANAGE_STATEMENTS)
def reject_suggestion(slug: str, statement_id: int, suggestion_id: int):
    return _decide(slug, statement_id, suggestion_id, "reject")


def _decide(slug: str, statement_id: int, suggestion_id: int, decision: str):
    try:
        decided = service.decide_suggestion(page_actor(), slug, statement_id,
                                            suggestion_id, accept=decision == "accept")
    except Conflict as exc:
        return _render_review(slug, statement_id, errors={"": exc.detail},
                              form=f"suggestion-{suggestion_id}", status=exc.status)
    if decision == "accept":
        flash(_("The suggestion was accepted: saved as revision %(number)s.",
                number=decided.resulting_revision))
    else:
        flash(_("The suggestion was rejected."))
    return redirect(_review_url(slug, statement_id), code=303)


# Fact check ----------------------------------------------------------------------------

@blp.get(f"{BASE}/fact-check")
@page_requires(Permission.READ_INTERNAL)
def fact_check(slug: str, statement_id: int):
    context = _common(slug, statement_id)
    number = form_integer(request.args.get("revision")) if request.args.get("revision") else None
    if number is not None and not (isinstance(number, int) and 1 <= number <= INTEGER_MAX):
        raise Unprocessable.for_field("revision",
                                      N_("The revision to check is a number from 1."),
                                      code="statement.revision_number")
    report = run_fact_check(page_actor(), slug, statement_id, number)
    return render_template("secretariat/fact_check.html", **context, report=report)

