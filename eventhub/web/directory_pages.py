"""Organizer pages for the directory: organizations and people, searched, created,
changed, and duplicates merged (after a page that shows what will move).

The routes belong to the organizer pages' blueprint (eventhub.web.manage.blp); each view
parses the form with the API's own schema and calls one service of eventhub.directory.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from eventhub.auth.permissions import Permission
from eventhub.directory import service as directory
from eventhub.directory.models import Organization, OrganizationKind, Person
from eventhub.directory.schemas import (
    MergeSchema,
    OrganizationCreateSchema,
    OrganizationFilterSchema,
    OrganizationUpdateSchema,
    PersonCreateSchema,
    PersonFilterSchema,
    PersonUpdateSchema,
)
from eventhub.errors import DomainError
from eventhub.extensions import db
from eventhub.i18n import N_, _, translate
from eventhub.web.common import (
    FormInvalid,
    form_integer,
    form_values,
    load,
    page_actor,
    page_requires,
    staff_link,
)
from eventhub.web.editions_pages import country_choices
from eventhub.web.manage import _page_number, _paginate, _refused, _status, blp

staff_link("web_manage.organization_list", N_("Directory"), 20, Permission.READ_INTERNAL)

KIND_LABELS = {
    OrganizationKind.NATIONAL_AUTHORITY: N_("national authority"),
    OrganizationKind.INTERNATIONAL_ORGANIZATION: N_("international organization"),
    OrganizationKind.HOST_BODY: N_("host body"),
    OrganizationKind.LOCAL_GOVERNMENT: N_("local government"),
    OrganizationKind.ENTERPRISE: N_("enterprise"),
    OrganizationKind.ACADEMIC: N_("academic institution"),
    OrganizationKind.OTHER: N_("other"),
}

ORGANIZATION_FIELDS = ("name", "kind", "acronym", "country_code", "country_name",
                       "parent_id", "website")
PERSON_FIELDS = ("full_name", "honorific", "position", "organization_id", "email", "phone")
_REQUIRED = ("name", "kind", "full_name")


@blp.app_template_global()
def organization_kind_label(value: Any) -> str:
    key = OrganizationKind(getattr(value, "value", value))
    return translate(KIND_LABELS[key])


@blp.app_template_global()
def references_text(references: dict[str, int]) -> str:
    """What points at an entry ("2 people and 1 invitation"), in the page's language."""
    return str(directory.merge_summary(references)) if references else ""


def _kinds() -> list[tuple[str, str]]:
    return [(kind.value, translate(KIND_LABELS[kind])) for kind in OrganizationKind]


def _organization_choices(exclude: int | None = None) -> list[tuple[str, str]]:
    return [(str(o.id), f"{o.name} ({o.country_code})" if o.country_code else o.name)
            for o in db.session.scalars(directory.list_organizations(page_actor(), {}))
            if o.id != exclude]


def _person_choices(exclude: int | None = None) -> list[tuple[str, str]]:
    return [(str(p.id), f"{p.full_name} ({p.organization.name})" if p.organization
             else p.full_name)
            for p in db.session.scalars(directory.list_people(page_actor(), {}))
            if p.id != exclude]


def _form_data(fields: tuple[str, ...], integers: tuple[str, ...], *, clear: bool
               ) -> tuple[dict[str, str], dict[str, Any]]:
    """What was typed, and what the schema reads: on an edit form an emptied box clears
    its field (a required one is sent empty, for the schema to refuse)."""
    typed = {key: request.form.get(key, "").strip() for key in fields if key in request.form}
    data: dict[str, Any] = {}
    for key, value in typed.items():
        if value != "":
            data[key] = form_integer(value) if key in integers else value
        elif clear:
            data[key] = value if key in _REQUIRED else None
    return typed, data


# Organizations ---------------------------------------------------------------------------

ORGANIZATION_FILTERS = ("q", "kind", "country_code")


@blp.get("/directory/organizations")
@page_requires(Permission.READ_INTERNAL)
def organization_list():
    raw = form_values(request.args, ORGANIZATION_FILTERS)
    status, filter_errors = 200, {}
    try:
        filters = load(OrganizationFilterSchema(), raw)
    except FormInvalid as exc:
        filters, filter_errors, status = {}, exc.errors, 422
    listing = _paginate(directory.list_organizations(page_actor(), filters), _page_number())
    return render_template("directory/organizations.html", listing=listing, filters=raw,
                           filter_errors=filter_errors, kinds=_kinds(),
                           countries=country_choices(),
                           may_edit=page_actor().can(Permission.MANAGE_DIRECTORY)), status


def _organization_form(organization: Organization | None, *,
                       values: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, status: int = 200):
    if values is None:
        values = {"kind": OrganizationKind.NATIONAL_AUTHORITY.value}
        if organization is not None:
            values = {key: getattr(organization, key) for key in ORGANIZATION_FIELDS}
            values["kind"] = organization.kind.value
            values = {k: "" if v is None else v for k, v in values.items()}
    return render_template(
        "directory/organization.html", organization=organization, values=values,
        errors=errors or {}, kinds=_kinds(), countries=country_choices(),
        parents=_organization_choices(organization.id if organization else None),
        references=directory.organization_references(organization.id)
        if organization else {},
        may_edit=page_actor().can(Permission.MANAGE_DIRECTORY)), status


@blp.get("/directory/organizations/new")
@page_requires(Permission.MANAGE_DIRECTORY)
def organization_new():
    return _organization_form(None)


@blp.post("/directory/organizations/new")
@page_requires(Permission.MANAGE_DIRECTORY)
def organization_create():
    typed, data = _form_data(ORGANIZATION_FIELDS, ("parent_id",), clear=False)
    try:
        created = directory.create_organization(page_actor(),
                                                load(OrganizationCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _organization_form(None, values=typed, errors=_refused(exc),
                                  status=_status(exc))
    flash(_("Organization added: %(name)s", name=created.name))
    return redirect(url_for(".organization_edit", organization_id=created.id), code=303)


@blp.get("/directory/organizations/<int:organization_id>")
@page_requires(Permission.READ_INTERNAL)
def organization_edit(organization_id: int):
    return _organization_form(directory.get_organization(page_actor(), organization_id))


@blp.post("/directory/organizations/<int:organization_id>")
@page_requires(Permission.MANAGE_DIRECTORY)
def organization_update(organization_id: int):
    typed, data = _form_data(ORGANIZATION_FIELDS, ("parent_id",), clear=True)
    try:
        changed = directory.update_organization(page_actor(), organization_id,
                                                load(OrganizationUpdateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        found = directory.get_organization(page_actor(), organization_id)
        return _organization_form(found, values=typed, errors=_refused(exc),
                                  status=_status(exc))
    flash(_("Saved: %(name)s", name=changed.name))
    return redirect(url_for(".organization_edit", organization_id=organization_id), code=303)


def _merge_page(kind: str, kept: Organization | Person, *, errors: dict[str, str] | None = None,
                status: int = 200):
    """The page that merges a duplicate into `kept`: choose the duplicate, see what would
    move, confirm."""
    raw = request.values.get("duplicate_id", "").strip()
    duplicate, references = None, {}
    if raw and raw.isdigit() and int(raw) != kept.id:
        model = Organization if kind == "organization" else Person
        duplicate = db.session.get(model, int(raw))
        if duplicate is not None:
            references = (directory.organization_references(duplicate.id)
                          if kind == "organization"
                          else directory.person_references(duplicate.id))
    choices = (_organization_choices(kept.id) if kind == "organization"
               else _person_choices(kept.id))
    return render_template("directory/merge.html", kind=kind, kept=kept, duplicate=duplicate,
                           references=references, choices=choices, chosen=raw,
                           errors=errors or {}), status


@blp.get("/directory/organizations/<int:organization_id>/merge")
@page_requires(Permission.MANAGE_DIRECTORY)
def organization_merge_confirm(organization_id: int):
    return _merge_page("organization", directory.get_organization(page_actor(),
                                                                  organization_id))


@blp.post("/directory/organizations/<int:organization_id>/merge")
@page_requires(Permission.MANAGE_DIRECTORY)
def organization_merge(organization_id: int):
    data = {"duplicate_id": form_integer(request.form.get("duplicate_id", "").strip())}
    try:
        merged = directory.merge_organizations(page_actor(), organization_id,
                                               load(MergeSchema(), data)["duplicate_id"])
    except (FormInvalid, DomainError) as exc:
        kept = directory.get_organization(page_actor(), organization_id)
        return _merge_page("organization", kept, errors=_refused(exc), status=_status(exc))
    _merged_notice(merged["kept"].name, merged["moved"])
    return redirect(url_for(".organization_edit", organization_id=organization_id), code=303)


def _merged_notice(name: str, moved: dict[str, int]) -> None:
    flash(_("The duplicate is merged into %(name)s, which now has %(moved)s more.",
            name=name, moved=str(directory.merge_summary(moved))) if moved
          else _("The duplicate is merged into %(name)s.", name=name))


# People --------------------------------------------------------------------------------

PERSON_FILTERS = ("q", "organization_id")


@blp.get("/directory/people")
@page_requires(Permission.READ_INTERNAL)
def person_list():
    raw = form_values(request.args, PERSON_FILTERS)
    status, filter_errors = 200, {}
    data = {k: form_integer(v) if k == "organization_id" else v for k, v in raw.items()}
    try:
        filters = load(PersonFilterSchema(), data)
    except FormInvalid as exc:
        filters, filter_errors, status = {}, exc.errors, 422
    listing = _paginate(directory.list_people(page_actor(), filters), _page_number())
    return render_template("directory/people.html", listing=listing, filters=raw,
                           filter_errors=filter_errors,
                           organizations=_organization_choices(),
                           may_edit=page_actor().can(Permission.MANAGE_DIRECTORY),
                           may_read_contacts=page_actor().can(
                               Permission.READ_PRIVATE_CONTACTS)), status


def _person_fields() -> tuple[str, ...]:
    """Contact details are shown and changed only by those who may read them."""
    if page_actor().can(Permission.READ_PRIVATE_CONTACTS):
        return PERSON_FIELDS
    return tuple(f for f in PERSON_FIELDS if f not in ("email", "phone"))


def _person_form(person: Person | None, *, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200):
    if values is None:
        values = {}
        if person is not None:
            values = {key: getattr(person, key) for key in _person_fields()}
            values = {k: "" if v is None else v for k, v in values.items()}
    return render_template(
        "directory/person.html", person=person, values=values, errors=errors or {},
        organizations=_organization_choices(),
        references=directory.person_references(person.id) if person else {},
        may_edit=page_actor().can(Permission.MANAGE_DIRECTORY),
        may_read_contacts=page_actor().can(Permission.READ_PRIVATE_CONTACTS)), status


@blp.get("/directory/people/new")
@page_requires(Permission.MANAGE_DIRECTORY)
def person_new():
    return _person_form(None)


@blp.post("/directory/people/new")
@page_requires(Permission.MANAGE_DIRECTORY)
def person_create():
    typed, data = _form_data(_person_fields(), ("organization_id",), clear=False)
    try:
        created = directory.create_person(page_actor(), load(PersonCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _person_form(None, values=typed, errors=_refused(exc), status=_status(exc))
    flash(_("Person added: %(name)s", name=created.full_name))
    return redirect(url_for(".person_edit", person_id=created.id), code=303)


@blp.get("/directory/people/<int:person_id>")
@page_requires(Permission.READ_INTERNAL)
def person_edit(person_id: int):
    return _person_form(directory.get_person(page_actor(), person_id))


@blp.post("/directory/people/<int:person_id>")
@page_requires(Permission.MANAGE_DIRECTORY)
def person_update(person_id: int):
    typed, data = _form_data(_person_fields(), ("organization_id",), clear=True)
    try:
        changed = directory.update_person(page_actor(), person_id,
                                          load(PersonUpdateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _person_form(directory.get_person(page_actor(), person_id), values=typed,
                            errors=_refused(exc), status=_status(exc))
    flash(_("Saved: %(name)s", name=changed.full_name))
    return redirect(url_for(".person_edit", person_id=person_id), code=303)


@blp.get("/directory/people/<int:person_id>/merge")
@page_requires(Permission.MANAGE_DIRECTORY)
def person_merge_confirm(person_id: int):
    return _merge_page("person", directory.get_person(page_actor(), person_id))


@blp.post("/directory/people/<int:person_id>/merge")
@page_requires(Permission.MANAGE_DIRECTORY)
def person_merge(person_id: int):
    data = {"duplicate_id": form_integer(request.form.get("duplicate_id", "").strip())}
    try:
        merged = directory.merge_people(page_actor(), person_id,
                                        load(MergeSchema(), data)["duplicate_id"])
    except (FormInvalid, DomainError) as exc:
        kept = directory.get_person(page_actor(), person_id)
        return _merge_page("person", kept, errors=_refused(exc), status=_status(exc))
    _merged_notice(merged["kept"].full_name, merged["moved"])
    return redirect(url_for(".person_edit", person_id=person_id), code=303)
