"""Completeness of the translations (issue 14, acceptance): every text the code marks is
translated in every catalog with the same placeholders; no template holds user-facing text
outside gettext; no Python module hands a person an unmarked sentence; and the
translator's `eventhub i18n check` agrees.

Each test lists every offender (file:line and text), so the list is the to-do."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from _i18n import ALLOWED_WORDS, user_facing_text
from babel.messages.pofile import read_po
from click.testing import CliRunner
from jinja2 import Environment

from eventhub.i18n_cli import catalog_paths, extract_catalog, i18n_group, placeholders

PACKAGE = Path(__file__).resolve().parent.parent / "eventhub"
LETTER = re.compile(r"[^\W\d_]")


@pytest.fixture(scope="module")
def template():
    return extract_catalog()


def _where(message) -> str:
    return ", ".join(f"{file}:{line}" for file, line in message.locations[:3]) or "?"


def test_the_code_marks_texts_and_there_is_a_catalog(template):
    assert len(template) > 20
    assert "zh" in catalog_paths()


@pytest.mark.parametrize("locale", sorted(catalog_paths()))
def test_every_marked_text_is_translated_with_the_same_placeholders(template, locale):
    with catalog_paths()[locale].open("rb") as handle:
        catalog = read_po(handle)
    offenders = []
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        found = catalog.get(message.id, context=message.context)
        if found is None:
            offenders.append(f"{_where(message)}: no entry for {ids[0]!r}")
            continue
        strings = found.string if isinstance(found.string, tuple | list) else (found.string,)
        if found.fuzzy or not all(s and s.strip() for s in strings):
            state = "fuzzy" if found.fuzzy else "untranslated"
            offenders.append(f"{_where(message)}: {state} {ids[0]!r}")
            continue
        expected = {tuple(placeholders(text)) for text in ids}
        for string in strings:
            if tuple(placeholders(string)) not in expected:
                offenders.append(f"{_where(message)}: placeholders of {ids[0]!r} are "
                                 f"{placeholders(ids[-1])}, the {locale} text {string!r} "
                                 f"has {placeholders(string)}")
    assert not offenders, (f"{len(offenders)} of {len(template)} texts lack a {locale} "
                           "translation:\n" + "\n".join(offenders))


def test_the_check_command_refuses_a_translation_that_loses_a_placeholder(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from eventhub.i18n_cli import mismatched_placeholders

    catalog = Catalog(locale="zh")
    catalog.add("The quota of %(quota)s people is reached.", "名额已满。")
    catalog.add("%(count)s left", "剩余%(count)s个")
    path = tmp_path / "messages.po"
    with path.open("wb") as handle:
        write_po(handle, catalog)
    assert mismatched_placeholders(path) == [
        "'The quota of %(quota)s people is reached.' -> '名额已满。'"]


def test_the_translators_check_command_passes():
    result = CliRunner().invoke(i18n_group, ["check"])
    assert result.exit_code == 0, result.output


# Templates --------------------------------------------------------------------------------

TEMPLATES = sorted(path for pattern in ("*.html", "*.txt")
                   for path in PACKAGE.rglob(f"templates/**/{pattern}"))
# A mail template's first line names its subject for eventhub.mail, which reads the
# header and sends only its (translated) value.
MAIL_HEADER = re.compile(r"^\s*Subject:")
# What a Jinja construct ({{ ... }}, {% ... %}) is replaced with before the HTML is read:
# a character that is neither a letter nor markup.
CONSTRUCT = "\u2042"


def literal_html(env: Environment, source: str) -> str:
    """The template with every Jinja construct replaced by CONSTRUCT and the text of
    {% trans %} blocks (which gettext translates) left out; lines stay where they were."""
    out: list[str] = []
    line = 1
    in_trans = False
    expect_block_name = False
    for lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            expect_block_name = True
            continue
        if expect_block_name and kind == "name":
            expect_block_name = False
            if value in ("trans", "pluralize"):
                in_trans = True
            elif value == "endtrans":
                in_trans = False
            continue
        if kind not in ("data", "variable_begin", "raw_begin"):
            continue
        if lineno > line:
            out.append("\n" * (lineno - line))
            line = lineno
        if kind == "data" and not in_trans:
            out.append(value)
        else:
            out.append(CONSTRUCT)
            if kind == "data":
                out.append("\n" * value.count("\n"))
        line += value.count("\n") if kind == "data" else 0
    return "".join(out)


def _shows_letters(text: str) -> bool:
    words = re.sub(rf"{CONSTRUCT}", " ", text)
    for allowed in ALLOWED_WORDS:
        words = re.sub(rf"(?<!\w){re.escape(allowed)}(?!\w)", " ", words)
    return bool(LETTER.search(words))


def template_offenders(env: Environment) -> list[str]:
    offenders = []
    for path in TEMPLATES:
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(PACKAGE.parent)
        for found in user_facing_text(literal_html(env, source)):
            where = "" if found.where == "text" else f" [{found.where}]"
            # A text node may run over lines (a mail template is one): report each line.
            parts = found.text.split("\n") if found.where == "text" else [found.text]
            for offset, part in enumerate(parts):
                if path.suffix == ".txt" and found.line + offset == 1:
                    part = MAIL_HEADER.sub("", part)
                if _shows_letters(part):
                    shown = " ".join(part.replace(CONSTRUCT, "{…}").split())
                    offenders.append(f"{relative}:{found.line + offset}{where}: {shown}")
    return offenders


def test_the_template_reader_finds_literal_text_and_spares_translated_text(app):
    env = app.jinja_env
    source = ('<p>{{ _("Hello %(name)s", name=user) }}</p>\n'
              '<p title="Edit">{{ count }} · {% trans %}Saved{% endtrans %}</p>\n'
              '<button>Save {{ x }}</button><input type="submit" value="{{ _("Go") }}">\n'
              '<script>var a = "code";</script><option>{{ o }}</option><p>EventHub</p>\n'
              '<p>中文</p>')
    found = [(t.line, t.where, t.text.strip()) for t in user_facing_text(
        literal_html(env, source)) if _shows_letters(t.text)]
    assert found == [(2, "title", "Edit"), (3, "text", f"Save {CONSTRUCT}"),
                     (5, "text", "中文")]


def test_templates_hold_no_text_outside_gettext(app):
    assert TEMPLATES, "no templates found"
    offenders = template_offenders(app.jinja_env)
    assert not offenders, (f"{len(offenders)} texts in templates are not translated "
                           "(wrap them in _() or {% trans %}):\n" + "\n".join(offenders))


# Python modules ---------------------------------------------------------------------------

MARKERS = {"_", "N_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext",
           "translate"}


def _error_classes() -> set[str]:
    """Every exception class a person reads the message of: DomainError and its
    subclasses, marshmallow's ValidationError."""
    import eventhub.models  # noqa: F401  (imports the domain modules and their errors)
    from eventhub.errors import DomainError

    names = {"ValidationError"}
    pending = [DomainError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return names


def _is_unmarked_text(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LETTER.search(node.value)) and " " in node.value.strip()
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_unmarked_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "format":
        return _is_unmarked_text(node.func.value)
    return False


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else ""


def python_offenders() -> list[str]:
    """Sentences handed to a person without gettext: the message of an error raised to a
    user, a flashed notice, a marshmallow validator's error=."""
    errors = _error_classes()
    shown_by = {"flash", "for_field"} | errors
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _callee(node) in MARKERS:
                continue
            candidates: list[tuple[str, ast.AST]] = []
            name = _callee(node)
            if name in shown_by:
                positional = node.args[1:2] if name == "for_field" else node.args[:1]
                candidates.extend(("", arg) for arg in positional)
                candidates.extend((f"{k.arg}=", k.value) for k in node.keywords
                                  if k.arg in ("message", "detail", "title"))
            candidates.extend(("error=", k.value) for k in node.keywords if k.arg == "error")
            for keyword, candidate in candidates:
                if _is_unmarked_text(candidate):
                    text = ast.get_source_segment(source, candidate) or ""
                    offenders.append(f"{relative}:{candidate.lineno}: {name}({keyword}"
                                     f"{' '.join(text.split())[:110]})")
    return offenders


def test_python_modules_hand_no_unmarked_sentence_to_a_person():
    offenders = python_offenders()
    assert not offenders, (f"{len(offenders)} user-facing messages in Python are not "
                           "marked with _() or N_():\n" + "\n".join(offenders))
