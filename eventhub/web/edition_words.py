"""The organizers' page for an edition's own words in every language offered: its series'
name, its title, city, region, theme and venue and its programme items' titles, each in
English (the own fields, changed on the edition's and the programme's pages) and in the
other languages, with the missing ones marked and a form to fill them in.

The routes belong to the organizer pages' blueprint (eventhub.web.manage.blp).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import pgettext

from eventhub.auth.permissions import Permission
from eventhub.editions.service import get_edition, set_words
from eventhub.editions.words import (
    EDITION_FIELDS,
    SERIES_FIELDS,
    edition_items,
    in_language,
    missing_words,
    other_languages,
)
from eventhub.errors import DomainError
from eventhub.extensions import db
from eventhub.i18n import SOURCE_LOCALE, _, language_name
from eventhub.web.common import page_actor, page_requires
from eventhub.web.manage import blp


def field_label(field: str) -> str:
    """The name of an edition's word as the page shows it."""
    return {"title": pgettext("edition word", "Title"),
            "city": pgettext("edition word", "City"),
            "region": pgettext("edition word", "Region"),
            "theme": pgettext("edition word", "Theme"),
            "venue": pgettext("edition word", "Venue")}[field]


def _rows(edition: Any, items: list[Any], typed: dict[str, str] | None) -> list[dict]:
    """One row per word that has a value in some language: the English value and, per
    other language, the value stored (or, after a refused save, the one typed)."""
    typed = typed or {}

    def row(obj: Any, field: str, name: str, label: str) -> dict[str, Any]:
        translations = obj.translations or {}
        values = {code: typed.get(f"{name}.{code}.{field}",
                                  (translations.get(code) or {}).get(field, ""))
                  for code in other_languages()}
        return {"name": name, "field": field, "label": label,
                "english": getattr(obj, field) or "", "values": values,
                "missing": {code for code in other_languages()
                            if getattr(obj, field)
                            and not (translations.get(code) or {}).get(field)}}

    rows = [row(edition, field, "edition", field_label(field))
            for field in EDITION_FIELDS
            if getattr(edition, field) or any(
                (words or {}).get(field) for words in (edition.translations or {}).values())]
    rows.insert(0, row(edition.series, "name", "series",
                       _("Series name (shared by all editions of the series)")))
    rows += [row(item, "title", f"items.{item.id}",
                 _("Programme: %(title)s", title=in_language(item, "title").text))
             for item in items]
    return rows


def _words_page(slug: str, *, typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200):
    edition = get_edition(page_actor(), slug)
    items = edition_items(edition)
    missing = missing_words(edition, items)
    return render_template(
        "manage/edition_words.html", edition=edition, rows=_rows(edition, items, typed),
        languages=[(code, language_name(code)) for code in other_languages()],
        source_language=language_name(SOURCE_LOCALE), missing_count=len(missing),
        errors=errors or {}, in_language=in_language), status


@blp.get("/<slug>/words")
@page_requires(Permission.READ_INTERNAL)
def edition_words(slug: str):
    return _words_page(slug)


def _form_words(slug: str) -> tuple[dict[str, str], dict[str, Any], dict[int, dict[str, Any]],
                                   dict[str, Any]]:
    """The boxes of the form, as typed and as the service takes them: every box of the
    page is sent, so an emptied box removes the word."""
    edition = get_edition(page_actor(), slug)
    item_ids = [item.id for item in edition_items(edition)]
    typed: dict[str, str] = {}
    edition_words: dict[str, dict[str, Any]] = {}
    series_words: dict[str, dict[str, Any]] = {}
    item_words: dict[int, dict[str, dict[str, Any]]] = {}
    for code in other_languages():
        for field in SERIES_FIELDS:
            name = f"series.{code}.{field}"
            if name in request.form:
                typed[name] = request.form[name]
                series_words.setdefault(code, {})[field] = request.form[name]
        for field in EDITION_FIELDS:
            name = f"edition.{code}.{field}"
            if name in request.form:
                typed[name] = request.form[name]
                edition_words.setdefault(code, {})[field] = request.form[name]
        for item_id in item_ids:
            name = f"items.{item_id}.{code}.title"
            if name in request.form:
                typed[name] = request.form[name]
                item_words.setdefault(item_id, {}).setdefault(code, {})["title"] = (
                    request.form[name])
    return typed, edition_words, item_words, series_words


@blp.post("/<slug>/words")
@page_requires(Permission.MANAGE_EDITIONS)
def edition_words_save(slug: str):
    typed, edition_words, item_words, series_words = _form_words(slug)
    try:
        set_words(page_actor(), slug, edition_words, item_words, series_words)
    except DomainError as exc:
        db.session.rollback()
        errors = {entry.get("field", ""): entry["message"] for entry in exc.field_errors()}
        if not errors:
            errors[""] = exc.detail
        return _words_page(slug, typed=typed, errors=errors, status=exc.status)
    flash(_("The edition's words are saved."))
    return redirect(url_for(".edition_words", slug=slug), code=303)
