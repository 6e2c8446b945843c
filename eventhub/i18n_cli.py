"""`eventhub i18n`: the translator's commands, wrapping pybabel so that extraction always
uses the project's configuration (config/babel.cfg) and keywords.

    eventhub i18n extract            write messages.pot from the code and templates
    eventhub i18n update             merge new and changed texts into every .po file
    eventhub i18n init fr            start a catalog for a new language
    eventhub i18n check              list texts without a translation, or whose
                                     placeholders differ from the msgid's (exit 1 if any)

The same can be done with pybabel directly (see README, "Translations"); catalogs are
compiled when the service starts, so there is no compile step to forget.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from eventhub.i18n import BABEL_CONFIG, DOMAIN, PACKAGE_TRANSLATIONS, SOURCE_LOCALE

PROJECT_ROOT = BABEL_CONFIG.parent.parent
KEYWORDS = ("_", "N_", "gettext", "ngettext", "pgettext", "npgettext")


def extract_catalog() -> Catalog:
    """Every text marked for translation in the package, as pybabel extract finds it."""
    with BABEL_CONFIG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="EventHub", domain=DOMAIN, locale=SOURCE_LOCALE)
    keywords = {name: DEFAULT_KEYWORDS.get(name) for name in KEYWORDS}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=keywords,
            comment_tags=("Translators:",), strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def catalog_paths(directory: Path = PACKAGE_TRANSLATIONS) -> dict[str, Path]:
    return {path.parent.parent.name: path
            for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def untranslated(template: Catalog, po_path: Path) -> list[str]:
    """The msgids of `template` the catalog at po_path lacks, or has only as fuzzy."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = (found.string if found else None)
        done = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if found is None or not done or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]"
                          r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def placeholders(text: str) -> list[str]:
    """The placeholders of a text: named ones by name (a translation may use one twice, as
    Chinese often repeats a noun), positional ones by their place."""
    return sorted({match.group(1) or f"#{index}:{match.group()}"
                   for index, match in enumerate(_PLACEHOLDER.finditer(text))})


def mismatched_placeholders(po_path: Path) -> list[str]:
    """Translations whose placeholders differ from their msgid's: filled in, they would
    fall back to English (eventhub.i18n.translate) or lose a value."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) \
            else (message.string,)
        expected = {tuple(placeholders(text)) for text in ids}
        for string in strings:
            if string and tuple(placeholders(string)) not in expected:
                found.append(f"{ids[0]!r} -> {string!r}")
    return found


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@click.group("i18n", help="Translation catalogs: extract texts, update and check .po files.")
def i18n_group() -> None:
    pass


def _write_template(path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, extract_catalog(), width=100, sort_output=True, include_lineno=False)
    path.write_bytes(buffer.getvalue())


@i18n_group.command("extract", help="Write the template of every text (messages.pot).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default="messages.pot",
              show_default=True)
def extract_command(output: str) -> None:
    _write_template(Path(output))
    click.echo(f"wrote {output}")


@i18n_group.command("update", help="Merge new and changed texts into every catalog.")
def update_command() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        pot = Path(scratch) / "messages.pot"
        _write_template(pot)
        _pybabel("update", "-i", str(pot), "-d", str(PACKAGE_TRANSLATIONS), "-D", DOMAIN,
                 "-w", "100", "--no-fuzzy-matching", "--ignore-obsolete")
    _report_missing()


@i18n_group.command("init", help="Start a catalog for a new language, e.g. fr or ru.")
@click.argument("locale")
def init_command(locale: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        pot = Path(scratch) / "messages.pot"
        _write_template(pot)
        _pybabel("init", "-i", str(pot), "-d", str(PACKAGE_TRANSLATIONS), "-D", DOMAIN,
                 "-l", locale, "-w", "100")
    click.echo(f"created {PACKAGE_TRANSLATIONS / locale / 'LC_MESSAGES' / (DOMAIN + '.po')}")


@i18n_group.command("check", help="List texts that a catalog does not translate yet, "
                    "or translates with other placeholders.")
def check_command() -> None:
    if _report_missing():
        raise SystemExit(1)


def _report_missing() -> int:
    template = extract_catalog()
    total = 0
    for locale, path in catalog_paths().items():
        missing = untranslated(template, path)
        total += len(missing)
        click.echo(f"{locale}: {len(template) - len(missing)} of {len(template)} translated")
        for msgid in missing:
            click.echo(f"  missing: {msgid!r}")
        mismatched = mismatched_placeholders(path)
        total += len(mismatched)
        for entry in mismatched:
            click.echo(f"  placeholders differ: {entry}")
    return total
