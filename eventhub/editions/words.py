"""The edition's own words (title, city, theme, venue, breakout topics) in the language a
page or mail is written in, falling back visibly to another language where a translation
is missing.

Pages and mails call `in_language(obj, field)` and show `Words.text`; where
`Words.is_fallback` is true they mark the text with its language (`lang` attribute, a note),
so a reader sees that the Chinese page shows an English title because no Chinese one was
given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventhub.i18n import SOURCE_LOCALE, language


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


def in_language(obj: Any, field: str, locale: str | None = None) -> Words:
    """`field` of an edition or programme item in `locale` (default: the request's)."""
    wanted = (locale or language()).split("_")[0]
    value = getattr(obj, field) or ""
    return Words(value, SOURCE_LOCALE, wanted if value else SOURCE_LOCALE)
