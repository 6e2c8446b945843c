"""A pseudo-locale made at test time from the texts the code marks for translation: every
msgstr is the msgid with its letters accented and wrapped in ⟦…⟧, placeholders (%(name)s,
%s, {name}), HTML tags and entities kept as they are. A page shown in it reveals any text
that does not come from the catalog: it is the text left outside ⟦…⟧.

Babel's CLDR data has no pseudo-locale (en_XA is unknown to Babel 2.19), so the catalog is
written for Esperanto ("eo"): a real locale Babel formats dates and numbers for, and one
EventHub has no catalog of. Adding it through EVENTHUB_TRANSLATION_DIRS, with no change to
the code, is what a deployment adding French or Russian would do.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

PSEUDO_LOCALE = "eo"
OPEN, CLOSE = "⟦", "⟧"

# What must reach the translated text untouched.
_KEPT = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]"  # %(name)s
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]"          # %s, %d, %%
    r"|\{[^{}\s]*\}"                                      # {name} (str.format)
    r"|<[^<>]+>"                                          # HTML tags
    r"|&#?\w+;")                                          # entities
_ACCENTED = str.maketrans(
    "abcdeghiklnorstuwyzABCDEGHIKLNORSTUWYZ",
    "áƀçđéĝĥíķĺñóŕšţúŵýžÁƁÇĐÉĜĤÍĶĹÑÓŔŠŢÚŴÝŽ")
_BRACKETED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


def pseudo(text: str) -> str:
    """"Sign in as %(name)s" -> "⟦Šíĝñ íñ áš %(name)s⟧"."""
    parts = []
    position = 0
    for kept in _KEPT.finditer(text):
        parts.append(text[position:kept.start()].translate(_ACCENTED))
        parts.append(kept.group())
        position = kept.end()
    parts.append(text[position:].translate(_ACCENTED))
    return f"{OPEN}{''.join(parts)}{CLOSE}"


def without_translations(text: str) -> str:
    """The text with every ⟦…⟧ segment removed, innermost first (a translated message may
    carry another translated message as a parameter)."""
    previous = None
    while previous != text:
        previous, text = text, _BRACKETED.sub(" ", text)
    return text


def pseudo_catalog(template: Catalog, locale: str = PSEUDO_LOCALE) -> Catalog:
    catalog = Catalog(locale=locale, domain=template.domain, project="EventHub pseudo-locale",
                      fuzzy=False)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, plural = message.id[0], message.id[1]
            forms = catalog.num_plurals
            string: str | tuple[str, ...] = tuple(
                pseudo(singular if form == 0 and forms > 1 else plural)
                for form in range(forms))
        else:
            string = pseudo(message.id)
        catalog.add(message.id, string, locations=message.locations,
                    flags=message.flags - {"fuzzy"}, context=message.context)
    return catalog


def write_pseudo_catalog(directory: Path, locale: str = PSEUDO_LOCALE) -> Path:
    """Extract the texts of the code now, and write <directory>/<locale>/LC_MESSAGES/
    messages.po, as a translator's finished file would be."""
    from eventhub.i18n_cli import extract_catalog

    path = directory / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, pseudo_catalog(extract_catalog(), locale), width=100)
    return path
