"""Organizer pages for editions: create one (in a series, or with a new series at once),
the next edition from the last, an edition's settings and its status (open, close, and
archive after a confirmation page, as archiving cannot be undone), and its reported
figures and participating organizations.

The routes belong to the organizer pages' blueprint (eventhub.web.manage.blp); each view
parses the form with the API's own schema and calls one service.
"""

from __future__ import annotations

from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from eventhub.archive import service as archive
from eventhub.archive.schemas import NextEditionSchema
from eventhub.auth.permissions import Permission
from eventhub.directory.service import list_organizations
from eventhub.editions import service as editions
from eventhub.editions.models import STATUS_TRANSITIONS, Edition, EditionStatus, ParticipationRole
from eventhub.editions.schemas import (
    QUALIFIERS,
    EditionCreateSchema,
    EditionStatusChangeSchema,
    EditionUpdateSchema,
    ParticipationCreateSchema,
    ReportedFigureCreateSchema,
    ReportedFigureUpdateSchema,
    SeriesCreateSchema,
)
from eventhub.editions.words import other_languages
from eventhub.errors import DomainError, NotFound
from eventhub.extensions import db
from eventhub.i18n import N_, _, language, language_name, translate
from eventhub.web.common import (
    FormInvalid,
    edition_tab,
    form_integer,
    label,
    load,
    page_actor,
    page_requires,
)
from eventhub.web.manage import _refused, _status, blp

edition_tab("web_manage.edition_settings", N_("Edition settings"), 20,
            Permission.MANAGE_EDITIONS)
edition_tab("web_manage.figures_page", N_("Figures and participants"), 25)

EDITION_FIELDS = ("ordinal", "slug", "title", "theme", "host_organization_id", "city",
                  "region", "country_code", "venue", "time_zone", "start_date", "end_date",
                  "capacity")
NEXT_FIELDS = tuple(f for f in EDITION_FIELDS if f != "ordinal")
# Boxes that may be emptied on the settings page (the field is then cleared).
_CLEARABLE = ("theme", "host_organization_id", "city", "region", "country_code", "venue",
              "capacity")
_INTEGERS = ("ordinal", "host_organization_id", "capacity")

# Qualifiers of reported figures and roles of participants, as the pages name them.
QUALIFIER_LABELS = {
    "about": N_("about"), "approximately": N_("approximately"), "more than": N_("more than"),
    "over": N_("over"), "nearly": N_("nearly"), "almost": N_("almost"),
    "at least": N_("at least"), "up to": N_("up to"), "less than": N_("less than"),
}
ROLE_LABELS = {"host": N_("host"), ParticipationRole.PARTICIPANT.value: N_("participant"),
               ParticipationRole.OBSERVER.value: N_("observer")}
# What each move of the status does, said next to its button.
STATUS_STEPS = {
    EditionStatus.OPEN: (N_("Open the edition"),
                         N_("The edition becomes public; invitations can be sent and focal "
                            "points can register their delegations.")),
    EditionStatus.CLOSED: (N_("Close the edition"),
                           N_("Registration ends; the record (figures, participants, "
                              "programme) can still be completed.")),
    EditionStatus.ARCHIVED: (N_("Archive the edition…"),
                             N_("The edition becomes part of the archive: read-only for "
                                "good. You will be asked to confirm.")),
}


@blp.app_template_global()
def qualifier_label(value: str | None) -> str:
    return translate(QUALIFIER_LABELS[value]) if value in QUALIFIER_LABELS else (value or "")


@blp.app_template_global()
def participation_role_label(value: Any) -> str:
    key = getattr(value, "value", value)
    return translate(ROLE_LABELS[key]) if key in ROLE_LABELS else str(key)


# Choices of the forms ------------------------------------------------------------------

def country_choices() -> list[tuple[str, str]]:
    """ISO 3166-1 countries and regions by their names in the page's language."""
    try:
        names = Locale.parse(language()).territories
    except (UnknownLocaleError, ValueError):
        names = {}
    found = [(c.alpha_2, names[c.alpha_2]) for c in pycountry.countries if c.alpha_2 in names]
    return sorted(found, key=lambda pair: pair[1])


def _organization_choices() -> list[tuple[str, str]]:
    return [(str(o.id), f"{o.name} ({o.country_code})" if o.country_code else o.name)
            for o in db.session.scalars(list_organizations(page_actor(), {}))]


def _form_context(**extra: Any) -> dict[str, Any]:
    return {"countries": country_choices(), "organizations": _organization_choices(),
            "zones": sorted(editions.time_zone_names()),
            "other_languages": [(code, language_name(code)) for code in other_languages()],
            **extra}


# The words a new edition may be given in the other languages at once (the words page
# holds them all afterwards).
TRANSLATED_ON_CREATION = ("title", "city")


def _typed_translations() -> dict[str, str]:
    return {f"translations.{code}.{field}": request.form.get(
        f"translations.{code}.{field}", "").strip()
        for code in other_languages() for field in TRANSLATED_ON_CREATION}


def _translations(typed: dict[str, str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name, value in typed.items():
        if value:
            _prefix, code, field = name.split(".")
            found.setdefault(code, {})[field] = value
    return found


def _typed(fields: tuple[str, ...]) -> dict[str, Any]:
    typed: dict[str, Any] = {key: request.form.get(key, "").strip()
                             for key in (*fields, "series", "series_slug", "series_name")}
    typed["requires_approval"] = "requires_approval" in request.form
    return typed


def _data(typed: dict[str, Any], fields: tuple[str, ...], *, clear: bool) -> dict[str, Any]:
    """What the schema reads: a filled box, and on the settings page an emptied box that
    may be cleared (None); an emptied required box is sent empty, for the schema to
    refuse."""
    data: dict[str, Any] = {}
    for key in fields:
        value = typed.get(key, "")
        if value != "":
            data[key] = form_integer(value) if key in _INTEGERS else value
        elif clear:
            data[key] = None if key in _CLEARABLE else value
    return data


def _edition_values(edition: Edition) -> dict[str, Any]:
    """An edition as its settings form shows it."""
    values = {key: getattr(edition, key) for key in EDITION_FIELDS}
    values["requires_approval"] = edition.requires_approval
    return {key: ("" if value is None else value) for key, value in values.items()}


# A new edition -----------------------------------------------------------------------

def _latest_of_each_series() -> list[Edition]:
    """The last edition of each series: where "next edition" starts from."""
    latest: dict[int, Edition] = {}
    for edition in db.session.scalars(editions.list_editions(page_actor(), {})):
        if edition.series_id not in latest or edition.ordinal > latest[edition.series_id].ordinal:
            latest[edition.series_id] = edition
    return sorted(latest.values(), key=lambda e: e.start_date, reverse=True)


def _new_page(*, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
              status: int = 200):
    series = list(db.session.scalars(editions.list_series(page_actor())))
    return render_template(
        "manage/edition_form.html", mode="new", edition=None,
        series=[(s.slug, s.name) for s in series], latest=_latest_of_each_series(),
        values=values or {"series": series[0].slug if series else "",
                          "time_zone": "Asia/Shanghai"},
        errors=errors or {}, **_form_context()), status


@blp.get("/editions/new")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_new():
    return _new_page()


def _series_values(typed: dict[str, Any]) -> dict[str, Any] | None:
    """The new series to create with the edition, when no existing one was chosen."""
    if typed["series"]:
        return None
    data = {key: typed[f"series_{key}"] for key in ("slug", "name") if typed[f"series_{key}"]}
    try:
        return load(SeriesCreateSchema(), data)
    except FormInvalid as exc:
        raise FormInvalid({f"series_{key}": message
                           for key, message in exc.errors.items()}) from exc


@blp.post("/editions/new")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_create():
    typed = {**_typed(EDITION_FIELDS), **_typed_translations()}
    data = _data(typed, EDITION_FIELDS, clear=False)
    data["requires_approval"] = typed["requires_approval"]
    if translations := _translations(_typed_translations()):
        data["translations"] = translations
    try:
        new_series = _series_values(typed)
        data["series"] = typed["series"] or new_series["slug"]  # type: ignore[index]
        created = editions.create_edition(page_actor(), load(EditionCreateSchema(), data),
                                          new_series=new_series)
    except (FormInvalid, DomainError) as exc:
        return _new_page(values=typed, errors=_refused(exc), status=_status(exc))
    flash(_("Edition created as a draft: %(title)s. Open it when invitations may go out.",
            title=created.title))
    return redirect(url_for(".edition_settings", slug=created.slug), code=303)


def _next_page(slug: str, *, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, status: int = 200):
    previous = editions.get_edition(page_actor(), slug)
    if values is None:
        values = {"time_zone": previous.time_zone,
                  "host_organization_id": previous.host_organization_id or "",
                  "country_code": previous.country_code or "",
                  "capacity": previous.capacity if previous.capacity is not None else ""}
    return render_template(
        "manage/edition_form.html", mode="next", edition=previous, values=values,
        errors=errors or {}, next_ordinal=previous.ordinal + 1, **_form_context()), status


@blp.get("/<slug>/next")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_next(slug: str):
    return _next_page(slug)


@blp.post("/<slug>/next")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_next_create(slug: str):
    typed = _typed(NEXT_FIELDS)
    data = _data(typed, NEXT_FIELDS, clear=False)
    try:
        created = archive.next_edition(page_actor(), slug, load(NextEditionSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _next_page(slug, values=typed, errors=_refused(exc), status=_status(exc))
    flash(_("Edition created as a draft from %(previous)s: %(title)s. Its programme and "
            "draft invitations are ready to be completed.", previous=slug,
            title=created.title))
    return redirect(url_for(".edition_settings", slug=created.slug), code=303)


# Settings and status -------------------------------------------------------------------

def _settings_page(slug: str, *, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None,
                   status_errors: dict[str, str] | None = None, status: int = 200):
    found = editions.get_edition(page_actor(), slug)
    steps = [(target.value, translate(STATUS_STEPS[target][0]),
              translate(STATUS_STEPS[target][1]))
             for target in sorted(STATUS_TRANSITIONS[found.status])]
    return render_template(
        "manage/edition_form.html", mode="settings", edition=found,
        values=values if values is not None else _edition_values(found),
        errors=errors or {}, status_errors=status_errors or {}, steps=steps,
        **_form_context()), status


@blp.get("/<slug>/settings")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_settings(slug: str):
    return _settings_page(slug)


@blp.post("/<slug>/settings")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_update(slug: str):
    typed = _typed(EDITION_FIELDS)
    data = _data(typed, EDITION_FIELDS, clear=True)
    data["requires_approval"] = typed["requires_approval"]
    try:
        changed = editions.update_edition(page_actor(), slug,
                                          load(EditionUpdateSchema(partial=True), data))
    except (FormInvalid, DomainError) as exc:
        return _settings_page(slug, values=typed, errors=_refused(exc), status=_status(exc))
    flash(_("Saved: %(title)s", title=changed.title))
    return redirect(url_for(".edition_settings", slug=changed.slug), code=303)


@blp.post("/<slug>/status")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_status(slug: str):
    try:
        wanted = load(EditionStatusChangeSchema(), {"status": request.form.get("status", "")})
        if wanted["status"] == EditionStatus.ARCHIVED:
            # Archiving is asked on its own page first.
            return redirect(url_for(".edition_archive_confirm", slug=slug), code=303)
        changed = editions.change_status(page_actor(), slug, wanted["status"])
    except (FormInvalid, DomainError) as exc:
        return _settings_page(slug, status_errors=_refused(exc), status=_status(exc))
    flash(_("The edition is now %(status)s.", status=label(changed.status)))
    return redirect(url_for(".edition_settings", slug=slug), code=303)


def _archive_page(slug: str, *, errors: dict[str, str] | None = None, status: int = 200):
    found = editions.get_edition(page_actor(), slug)
    return render_template("manage/edition_archive.html", edition=found,
                           errors=errors or {},
                           may_archive=EditionStatus.ARCHIVED in STATUS_TRANSITIONS[found.status]
                           ), status


@blp.get("/<slug>/archive")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_archive_confirm(slug: str):
    return _archive_page(slug)


@blp.post("/<slug>/archive")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_archive(slug: str):
    try:
        editions.change_status(page_actor(), slug, EditionStatus.ARCHIVED)
    except DomainError as exc:
        return _archive_page(slug, errors=_refused(exc), status=exc.status)
    flash(_("The edition is archived. Its record is read-only from now on."))
    return redirect(url_for(".edition", slug=slug), code=303)


# Figures and participants --------------------------------------------------------------

FIGURE_FIELDS = ("key", "value", "qualifier", "unit", "source_text", "source_reference",
                 "position")


def _figure_data(*, editing: bool) -> tuple[dict[str, str], dict[str, Any]]:
    fields = FIGURE_FIELDS[1:] if editing else FIGURE_FIELDS
    typed = {key: request.form.get(key, "").strip() for key in fields}
    data: dict[str, Any] = {}
    for key, value in typed.items():
        if value != "":
            data[key] = form_integer(value) if key in ("value", "position") else value
        elif editing and key in ("qualifier", "source_text", "source_reference"):
            data[key] = None
        elif editing and key in ("value", "unit"):
            data[key] = value  # an emptied required box is refused, not kept
    return typed, data


def _figures_page(slug: str, *, figure_values: dict[str, Any] | None = None,
                  figure_errors: dict[str, str] | None = None,
                  participant_values: dict[str, Any] | None = None,
                  participant_errors: dict[str, str] | None = None,
                  action_errors: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    found = editions.get_edition(actor, slug)
    taking_part = editions.participants(actor, slug)["organizations"]
    shown = {entry["organization"].id for entry in taking_part}
    writable = actor.can(Permission.MANAGE_EDITIONS) and not found.is_read_only
    return render_template(
        "manage/edition_figures.html", edition=found, figures=editions.list_figures(actor, slug),
        recorded=editions.recorded_counts(found), participants=taking_part,
        writable=writable, qualifiers=[(q, qualifier_label(q)) for q in QUALIFIERS],
        roles=[(r.value, participation_role_label(r)) for r in ParticipationRole],
        organizations=[pair for pair in _organization_choices() if int(pair[0]) not in shown]
        if writable else [],
        figure_values=figure_values or {}, figure_errors=figure_errors or {},
        participant_values=participant_values or {"role": "participant"},
        participant_errors=participant_errors or {},
        action_errors=action_errors or {}), status


@blp.get("/<slug>/figures")
@page_requires(Permission.READ_INTERNAL)
def figures_page(slug: str):
    return _figures_page(slug)


@blp.post("/<slug>/figures")
@page_requires(Permission.MANAGE_EDITIONS)
def figure_create(slug: str):
    typed, data = _figure_data(editing=False)
    try:
        figure = editions.add_figure(page_actor(), slug, load(ReportedFigureCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _figures_page(slug, figure_values=typed, figure_errors=_refused(exc),
                             status=_status(exc))
    flash(_("Figure added: %(key)s", key=figure.key))
    return redirect(url_for(".figures_page", slug=slug), code=303)


def _figure_form(slug: str, key: str, *, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200):
    actor = page_actor()
    found = editions.get_edition(actor, slug)
    figure = next((f for f in editions.list_figures(actor, slug) if f.key == key), None)
    if figure is None:
        raise NotFound(N_("Edition “%(slug)s” has no reported figure “%(key)s”."),
                       code="figure.not_found", slug=slug, key=key)
    if values is None:
        values = {field: getattr(figure, field) for field in FIGURE_FIELDS}
        values = {k: "" if v is None else v for k, v in values.items()}
    return render_template(
        "manage/edition_figure.html", edition=found, figure=figure, values=values,
        errors=errors or {}, qualifiers=[(q, qualifier_label(q)) for q in QUALIFIERS],
        writable=actor.can(Permission.MANAGE_EDITIONS) and not found.is_read_only), status


@blp.get("/<slug>/figures/<figure_key>")
@page_requires(Permission.READ_INTERNAL)
def figure_edit(slug: str, figure_key: str):
    return _figure_form(slug, figure_key)


@blp.post("/<slug>/figures/<figure_key>")
@page_requires(Permission.MANAGE_EDITIONS)
def figure_update(slug: str, figure_key: str):
    key = figure_key
    typed, data = _figure_data(editing=True)
    try:
        editions.update_figure(page_actor(), slug, key,
                               load(ReportedFigureUpdateSchema(partial=True), data))
    except (FormInvalid, DomainError) as exc:
        return _figure_form(slug, key, values={**typed, "key": key}, errors=_refused(exc),
                            status=_status(exc))
    flash(_("Figure saved: %(key)s", key=key))
    return redirect(url_for(".figures_page", slug=slug), code=303)


@blp.post("/<slug>/figures/<figure_key>/delete")
@page_requires(Permission.MANAGE_EDITIONS)
def figure_delete(slug: str, figure_key: str):
    key = figure_key
    try:
        editions.delete_figure(page_actor(), slug, key)
    except DomainError as exc:
        return _figures_page(slug, action_errors=_refused(exc), status=exc.status)
    flash(_("Figure removed: %(key)s", key=key))
    return redirect(url_for(".figures_page", slug=slug), code=303)


@blp.post("/<slug>/participants")
@page_requires(Permission.MANAGE_EDITIONS)
def participation_create(slug: str):
    typed = {key: request.form.get(key, "").strip() for key in ("organization_id", "role")}
    data = {key: form_integer(value) if key == "organization_id" else value
            for key, value in typed.items() if value != ""}
    try:
        added = editions.add_participation(page_actor(), slug,
                                           load(ParticipationCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _figures_page(slug, participant_values=typed, participant_errors=_refused(exc),
                             status=_status(exc))
    flash(_("Taking part: %(name)s", name=added.organization.name))
    return redirect(url_for(".figures_page", slug=slug), code=303)


@blp.post("/<slug>/participants/<int:organization_id>/remove")
@page_requires(Permission.MANAGE_EDITIONS)
def participation_remove(slug: str, organization_id: int):
    try:
        editions.remove_participation(page_actor(), slug, organization_id)
    except DomainError as exc:
        return _figures_page(slug, action_errors=_refused(exc), status=exc.status)
    flash(_("No longer listed as taking part: %(name)s",
            name=_organization_name(organization_id)))
    return redirect(url_for(".figures_page", slug=slug), code=303)


def _organization_name(organization_id: int) -> str:
    from eventhub.directory.models import Organization

    return db.session.scalar(select(Organization.name).where(
        Organization.id == organization_id)) or str(organization_id)

