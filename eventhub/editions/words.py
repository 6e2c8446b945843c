"""The edition's own words (title, city, theme, venue, breakout topics) in the language a
page or mail is written in, falling back visibly to another language where a translation
is missing.

The English words are the edition's and the programme item's own columns; the words in
other languages are kept beside them in `translations` ({"zh": {"title": ..., ...}}).
Pages and mails call `in_language(obj, field)` and show `Words.text`; where
`Words.is_fallback` is true they mark the text with its language (`lang` attribute, a note),
so a reader sees that the Chinese page shows an English title because no Chinese one was
given. Organizer pages list what is missing with `missing_words(edition)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eventhub.errors import Unprocessable
from eventhub.i18n import N_, SOURCE_LOCALE, available_locales, language

# The words of an edition that have a value in each language, with the longest value the
# English column takes (a translation may be as long).
EDITION_FIELDS: dict[str, int | None] = {"title": 400, "city": 120, "region": 120,
                                         "theme": 2000, "venue": 300}
ITEM_FIELDS: dict[str, int | None] = {"title": 400}
# The series' name is shown with its editions (public pages, visa letters).
SERIES_FIELDS: dict[str, int | None] = {"name": 400}


@dataclass(frozen=True)
class Words:
    text: str
    language: str  # the language `text` is in
    wanted: str  # the language that was asked for

    @property
    def is_fallback(self) -> bool:
        return self.language != self.wanted

    def __str__(self) -> str:
        return self.text


def _value(obj: Any, name: str) -> Any:
    # Published programme versions hold their items as the API showed them (dicts).
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def in_language(obj: Any, field: str, locale: str | None = None) -> Words:
    """`field` of an edition or programme item (a model, or an item as a published
    programme version holds it) in `locale` (default: the request's). Where it has no
    value in that language: the English value, else the first language that has one."""
    wanted = (locale or language()).split("_")[0]
    translations = _value(obj, "translations") or {}
    english = _value(obj, field) or ""
    if wanted == SOURCE_LOCALE and english:
        return Words(english, SOURCE_LOCALE, wanted)
    if text := (translations.get(wanted) or {}).get(field):
        return Words(text, wanted, wanted)
    if english:
        return Words(english, SOURCE_LOCALE, wanted)
    for other in sorted(translations):
        if text := (translations[other] or {}).get(field):
            return Words(text, other, wanted)
    # Nothing in any language: nothing to mark as another language either.
    return Words("", wanted, wanted)


def other_languages() -> list[str]:
    """The languages offered besides English, in which the edition's words may be given."""
    return [code for code in available_locales() if code != SOURCE_LOCALE]


def missing_words(edition: Any, items: list[Any] | None = None
                  ) -> list[tuple[str, str]]:
    """The words with an English value that have none in one of the other languages
    offered, as (field, language); the series' name is named "series:name", a programme
    item's title "item:<id>:title". `items`: the edition's programme items (default:
    loaded here)."""
    if items is None:
        items = edition_items(edition)
    series = _value(edition, "series")
    missing = []
    for code in other_languages():
        missing += [(field, code) for field in EDITION_FIELDS
                    if _value(edition, field) and not _translated(edition, field, code)]
        if series is not None and not _translated(series, "name", code):
            missing.append(("series:name", code))
        missing += [(f"item:{item.id}:title", code) for item in items
                    if not _translated(item, "title", code)]
    return missing


def _translated(obj: Any, field: str, code: str) -> str | None:
    return ((_value(obj, "translations") or {}).get(code) or {}).get(field)


def edition_items(edition: Any) -> list[Any]:
    from sqlalchemy import select

    from eventhub.extensions import db
    from eventhub.programme.models import ProgrammeItem

    return list(db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.edition_id == edition.id)
        .order_by(ProgrammeItem.starts_at.is_(None), ProgrammeItem.starts_at,
                  ProgrammeItem.position, ProgrammeItem.id)))


def _is_one_line(text: str) -> bool:
    from marshmallow import ValidationError

    from eventhub.schemas import one_line

    try:
        one_line(text)
    except ValidationError:
        return False
    return True


def merged(current: Mapping[str, Any] | None, changes: Mapping[str, Any] | None,
           allowed: Mapping[str, int | None], *, field: str = "translations"
           ) -> dict[str, dict[str, str]]:
    """The translations after `changes` ({"zh": {"title": "...", "city": None}}): a value
    sets the word, null or blank removes it, words and languages not named stay. Refuses
    (422) languages not offered, English (the edition's own columns hold it), unknown
    words and overlong values. A new dict: JSON columns see only replaced values."""
    result = {code: dict(words) for code, words in (current or {}).items()}
    offered = other_languages()
    for code, words in (changes or {}).items():
        place = f"{field}.{code}"
        if code == SOURCE_LOCALE:
            raise Unprocessable.for_field(
                place, N_("English words are the edition's own fields; give them there."),
                code="words.english_in_translations")
        if code not in offered:
            raise Unprocessable.for_field(
                place, N_("%(language)s is not a language offered here (offered: "
                          "%(offered)s)."),
                code="words.language_not_offered", language=code,
                offered=", ".join(offered) or "-")
        entry = result.setdefault(code, {})
        for name, value in (words or {}).items():
            if name not in allowed:
                raise Unprocessable.for_field(
                    f"{place}.{name}", N_("%(name)s has no translation here (words: "
                                          "%(words)s)."),
                    code="words.unknown_field", name=name, words=", ".join(allowed))
            text = value.strip() if isinstance(value, str) else None
            if not text:
                entry.pop(name, None)
                continue
            if not _is_one_line(text):
                raise Unprocessable.for_field(
                    f"{place}.{name}", N_("Must be a single line: no line breaks, tabs or "
                                          "other control characters."),
                    code="words.not_one_line")
            if (limit := allowed[name]) is not None and len(text) > limit:
                raise Unprocessable.for_field(
                    f"{place}.{name}", N_("Longer than %(limit)s characters."),
                    code="words.too_long", limit=limit)
            entry[name] = text
        if not entry:
            del result[code]
    return result


# The qualifiers a reported figure may carry (editions.schemas.QUALIFIERS), with the number.
QUALIFIED = {
    "about": N_("about %(number)s"), "approximately": N_("approximately %(number)s"),
    "more than": N_("more than %(number)s"), "over": N_("over %(number)s"),
    "nearly": N_("nearly %(number)s"), "almost": N_("almost %(number)s"),
    "at least": N_("at least %(number)s"), "up to": N_("up to %(number)s"),
    "less than": N_("less than %(number)s"),
}


def reported_number(qualifier: str | None, value: Any) -> str:
    """A reported figure's number with its qualifier ("about 300", "约300"), in the
    reader's language."""
    from babel.numbers import format_decimal

    from eventhub.i18n import translate

    number = format_decimal(value, locale=language()) \
        if isinstance(value, int | float) else str(value)
    if qualifier in QUALIFIED:
        return translate(QUALIFIED[qualifier], {"number": number})
    return f"{qualifier} {number}" if qualifier else number
