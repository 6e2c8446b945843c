"""Languages: gettext catalogs (Flask-Babel), which language a request is answered in, and
the commands translators use.

English is the source language: every user-facing text is an English msgid marked with
`_()` (translated now) or `N_()` (marked for extraction, translated where it is shown).
Catalogs live as `.po` files under `eventhub/translations/<locale>/LC_MESSAGES/`; they are
compiled to `.mo` when the application starts (see `compiled_catalogs`), so a translator
edits a `.po` file with any standard tool and nothing else. A new language is a new `.po`
file in a translations directory: the languages offered are the catalogs found, so adding
one needs no code change.

The language of a response, first that applies:
1. one fixed by the code that answers (a focal point's invitation, a mail's recipient:
   `use_locale`, `force_locale`);
2. `?lang=` in the address;
3. a preference the web layer registered (`preference_sources`: a signed-in user's
   setting, then the page switch's cookie);
4. the request's `Accept-Language`;
5. English.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, gettext, ngettext, refresh

__all__ = ["N_", "_", "available_locales", "force_locale", "gettext", "language",
           "ngettext", "use_locale"]

SOURCE_LOCALE = "en"
DOMAIN = "messages"
PACKAGE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
BABEL_CONFIG = Path(__file__).resolve().parent.parent / "config" / "babel.cfg"

babel = Babel()

# The web layer appends functions that return a preferred language (or None) for the
# current request: a cookie set by the language switch, the signed-in user's setting.
preference_sources: list[Callable[[], str | None]] = []


def _(message: str, **params: object) -> str:
    """Translate now, in the request's language."""
    return gettext(message, **params)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def translate(message: str, params: dict[str, object] | None = None) -> str:
    """A message marked with N_ (an error's detail, a title kept in a constant), in the
    request's language, with its parameters filled in."""
    text = gettext(message)
    if params:
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            # A catalog whose placeholders do not match the msgid must not turn an answer
            # into a 500; the source text has the right ones.
            return message % params
    return text


# Catalogs --------------------------------------------------------------------------------

def translation_directories(app: Flask) -> list[Path]:
    """The package's catalogs, then any directories named in EVENTHUB_TRANSLATION_DIRS
    (separated by the OS path separator), e.g. a language added at a deployment."""
    extra = app.config.get("EVENTHUB_TRANSLATION_DIRS") or ""
    found = [PACKAGE_TRANSLATIONS]
    found.extend(Path(part) for part in str(extra).split(os.pathsep) if part.strip())
    return found


def catalog_files(directories: Iterable[Path]) -> dict[str, list[Path]]:
    by_locale: dict[str, list[Path]] = {}
    for directory in directories:
        for po_file in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            by_locale.setdefault(po_file.parent.parent.name, []).append(po_file)
    return by_locale


_compiled: dict[str, Path] = {}


def compiled_catalogs(directories: list[Path]) -> Path:
    """Compile every `.po` file to `.mo` in a cache directory named after their content,
    so each process (and each app in tests) compiles a catalog once, and a read-only
    installation works: the package directory is never written to."""
    files = catalog_files(directories)
    digest = hashlib.sha256()
    for locale in sorted(files):
        for po_file in files[locale]:
            digest.update(locale.encode() + b"\0" + po_file.read_bytes())
    key = digest.hexdigest()[:20]
    if key in _compiled and _compiled[key].exists():
        return _compiled[key]
    root = Path(tempfile.gettempdir()) / f"eventhub-catalogs-{os.getuid()}" / key
    for locale, po_files in files.items():
        target = root / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if target.exists():
            continue
        catalog = None
        for po_file in po_files:  # later directories add to and override earlier ones
            with po_file.open("rb") as handle:
                part = read_po(handle, locale=locale)
            if catalog is None:
                catalog = part
            else:
                for message in part:
                    if message.id and message.string:
                        catalog[message.id] = message
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        partial.replace(target)
    root.mkdir(parents=True, exist_ok=True)
    _compiled[key] = root
    return root


def available_locales() -> list[str]:
    """English, then every language with a catalog, in the order of their codes."""
    return current_app.extensions["eventhub_locales"]


def _known(code: str | None) -> str | None:
    """The offered locale a code asks for: "zh-CN" and "zh_Hans" find "zh"; None if the
    code names no offered language."""
    if not code:
        return None
    offered = available_locales()
    normalized = code.strip().replace("-", "_")
    if normalized in offered:
        return normalized
    primary = normalized.split("_")[0].lower()
    for candidate in offered:
        if candidate.lower() == primary or candidate.split("_")[0].lower() == primary:
            return candidate
    return None


def best_accepted() -> str | None:
    if not has_request_context():
        return None
    offered = available_locales()
    for value, _quality in request.accept_languages:
        found = _known(value)
        if found in offered:
            return found
    return None


def select_locale() -> str:
    if not has_request_context():
        return (g.get("eventhub_locale") if has_app_context() else None) or SOURCE_LOCALE
    fixed = g.get("eventhub_locale")
    if fixed:
        return fixed
    asked = _known(request.args.get("lang"))
    if asked:
        return asked
    for source in preference_sources:
        preferred = _known(source())
        if preferred:
            return preferred
    return best_accepted() or SOURCE_LOCALE


def use_locale(code: str | None) -> str:
    """Answer the rest of this request in the given language (when it is offered); returns
    the language now in use."""
    found = _known(code)
    if found:
        g.eventhub_locale = found
        refresh()
    return language()


def language() -> str:
    """The code of the language in use ("en", "zh", ...)."""
    locale = get_locale()
    return str(locale) if locale is not None else SOURCE_LOCALE


def language_name(code: str) -> str:
    """A language's own name ("English", "中文"), for language switches."""
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code


def init_app(app: Flask) -> None:
    directories = translation_directories(app)
    compiled = compiled_catalogs(directories)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config["BABEL_DEFAULT_LOCALE"] = SOURCE_LOCALE
    app.extensions["eventhub_locales"] = [SOURCE_LOCALE, *sorted(
        code for code in catalog_files(directories) if code != SOURCE_LOCALE)]
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(N_=N_, language=language, available_locales=available_locales,
                                 language_name=language_name)
