"""Texts of the pages a focal point sees, in English and Chinese.

Staff pages are in English. A page's language comes from ?lang=, else from the invitation
(its focal point's language), else from the browser's Accept-Language; English is the
fallback for any text not yet translated.
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"en": "Sub-Forum on Migration Management Cooperation",
                  "zh": "移民管理合作分论坛"},
    "skip_to_content": {"en": "Skip to content", "zh": "跳到正文"},
    "language": {"en": "Language", "zh": "语言"},
}


def choose_language(preferred: str | None = None) -> str:
    asked = request.args.get("lang")
    for candidate in (asked, preferred):
        if candidate:
            primary = candidate.lower().split("-")[0]
            if primary in LANGUAGES:
                return primary
    return request.accept_languages.best_match(LANGUAGES) or "en"


def current_language() -> str:
    return g.get("page_language", "en")


def translate(key: str, **values: object) -> str:
    texts = MESSAGES.get(key)
    if texts is None:
        return key.format(**values) if values else key
    text = texts.get(current_language()) or texts["en"]
    return text.format(**values) if values else text
