"""A statement view rendered for reading outside the API: plain text, Markdown, a printable
HTML page and PDF. Each reads like the published document: title, dateline, then the
sections with their numbers before the first paragraph ("I." in English, "一、" in
Chinese). What the renderer adds itself (notices, the corrections list, the PDF's
outline) is written in the statement's language through gettext, whatever the language
of the request that asked for it."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from eventhub import dates
from eventhub.i18n import _, force_locale
from eventhub.statements.service import numbered, render_text

MIMETYPES = {
    "text": "text/plain",
    "markdown": "text/markdown",
    "html": "text/html",
    "pdf": "application/pdf",
}

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _language(view: dict[str, Any]) -> str:
    return str(view.get("language") or "en")


def _primary(language: str) -> str:
    return language.replace("-", "_").split("_")[0]


def render(view: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """The statement (as statements.service.view gives it) in a format; returns the body
    and its media type."""
    if fmt == "text":
        return render_text(view).encode(), MIMETYPES["text"]
    if fmt == "markdown":
        return render_markdown(view).encode(), MIMETYPES["markdown"]
    if fmt == "html":
        return render_html(view).encode(), MIMETYPES["html"]
    if fmt == "pdf":
        return render_pdf(view), MIMETYPES["pdf"]
    raise ValueError(f"unknown format {fmt!r}")


# What every format shows besides the text ---------------------------------------------

def _corrections(view: dict[str, Any]) -> list[dict[str, Any]]:
    corrections = []
    for correction in view.get("corrections") or []:
        created = correction.get("created_at")
        day = created.date() if isinstance(created, dt.datetime) else created
        corrections.append({"revision": correction["revision"], "note": correction.get("note"),
                            "date": day.isoformat() if day else None,
                            "date_text": dates.day(day, _primary(_language(view)),
                                                   "statement") if day else None})
    return corrections


def _notice(view: dict[str, Any]) -> str | None:
    """A line saying the text is not the published one, so a printed draft or an older
    revision is never mistaken for the statement as issued."""
    status = str(getattr(view.get("status"), "value", view.get("status")) or "")
    revision, published = view.get("revision"), view.get("published_revision")
    if status and status != "published":
        states = {"draft": _("draft"), "in_review": _("in review"),
                  "approved": _("approved")}
        return _("Draft (revision %(revision)s, %(status)s): not the published text.",
                 revision=revision, status=states.get(status, status.replace("_", " ")))
    if published is not None and revision != published:
        return _("Revision %(revision)s; the current published text is revision "
                 "%(published)s.", revision=revision, published=published)
    return None


def _correction_markup(correction: dict[str, Any]) -> Markup:
    """The correction line for HTML, its date in a <time> element; the text escaped."""
    note = correction["note"] or _("corrected")
    if correction["date_text"]:
        when = Markup('<time datetime="{}">{}</time>').format(correction["date"],
                                                              correction["date_text"])
        return Markup(escape(_("Revision %(revision)s, %(date)s: %(note)s"))) % {
            "revision": correction["revision"], "date": when, "note": note}
    return Markup(escape(_("Revision %(revision)s: %(note)s"))) % {
        "revision": correction["revision"], "note": note}


def _correction_line(correction: dict[str, Any]) -> str:
    note = correction["note"] or _("corrected")
    if correction["date_text"]:
        return _("Revision %(revision)s, %(date)s: %(note)s",
                 revision=correction["revision"], date=correction["date_text"], note=note)
    return _("Revision %(revision)s: %(note)s", revision=correction["revision"], note=note)


# Markdown ---------------------------------------------------------------------------

# Characters that are Markdown syntax anywhere in a line (CommonMark backslash escapes).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# Syntax only at the start of a line: headings, quotes, list markers, rules, fences.
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)](?=\s|$))")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as written: inline syntax escaped everywhere, block syntax
    at line starts, and ampersands that would read as an entity."""
    lines = []
    for line in text.split("\n"):
        line = _MD_INLINE.sub(r"\\\1", line)
        line = _MD_ENTITY.sub("&amp;", line)
        match = _MD_LINE_START.match(line)
        if match:
            lead, marker = match.group(1), match.group(2)
            # "1." becomes "1\.", "#" becomes "\#".
            marker = (marker[:-1] + "\\" + marker[-1] if marker[0].isdigit()
                      else "\\" + marker)
            line = lead + marker + line[match.end():]
        lines.append(line)
    # A line break inside a paragraph stays one (two trailing spaces would be invisible).
    return "\\\n".join(lines)


def render_markdown(view: dict[str, Any]) -> str:
    with force_locale(_primary(_language(view))):
        return _render_markdown(view)


def _render_markdown(view: dict[str, Any]) -> str:
    language = _language(view)
    title = escape_markdown(" ".join(view["title"].split()))
    if title.endswith("#"):  # would close the heading and vanish
        title = title[:-1] + "\\#"
    blocks = [f"# {title}"]
    if view.get("dateline"):
        blocks.append(f"*{escape_markdown(view['dateline'].strip())}*")
    if notice := _notice(view):
        blocks.append(f"> {escape_markdown(notice)}")
    for section in view["sections"]:
        for index, paragraph in enumerate(section["paragraphs"]):
            text = escape_markdown(paragraph.strip())
            if index == 0:
                label = numbered(section["number"], language)
                # The label in bold; a space after it only where the language has one.
                text = f"**{label.rstrip()}**{' ' if label.endswith(' ') else ''}{text}"
            blocks.append(text)
    if corrections := _corrections(view):
        blocks.append("## " + escape_markdown(_("Corrections")))
        blocks.append("\n".join(f"- {escape_markdown(_correction_line(c))}"
                                for c in corrections))
    return "\n\n".join(blocks) + "\n"


# HTML -------------------------------------------------------------------------------

@functools.cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                       autoescape=select_autoescape(["html"], default=True),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(view: dict[str, Any]) -> str:
    language = _language(view)
    template = _environment().get_template("statement.html")
    with force_locale(_primary(language)):
        sections = [dict(s, label=numbered(s["number"], language)) for s in view["sections"]]
        corrections = [dict(c, line=_correction_markup(c)) for c in _corrections(view)]
        return template.render(
            language=language, title=view["title"], dateline=view.get("dateline"),
            sections=sections, corrections=corrections, notice=_notice(view),
            corrections_heading=_("Corrections"),
            cjk=_primary(language) in _CJK_LANGUAGES)


# PDF --------------------------------------------------------------------------------

# A Unicode serif font (regular, bold, italic) where the system has one; otherwise the
# PDF core font Times with the text reduced to Latin-1.
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
_FONT_FAMILIES = (
    {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"},
    {"": "LiberationSerif-Regular.ttf", "B": "LiberationSerif-Bold.ttf",
     "I": "LiberationSerif-Italic.ttf"},
)
_FAMILY = "StatementSerif"
_CORE_FAMILY = "Times"
# Chinese, Japanese and Korean text (a statement in Chinese, a name in a Latin text): the
# Noto CJK collections, serif first, used where the main font lacks a character.
_CJK_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"),
                  Path("/usr/share/fonts/google-noto-cjk"), Path("/usr/local/share/fonts"))
_CJK_FONT_FAMILIES = (
    {"": "NotoSerifCJK-Regular.ttc", "B": "NotoSerifCJK-Bold.ttc"},
    {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"},
)
_CJK_FAMILY = "StatementCJK"
# Languages whose statements are set in the CJK font throughout, so that quotes, commas
# and brackets take their full-width Chinese forms; and the face of the Noto CJK
# collection each one wants (the collections hold JP, KR, SC, TC and HK faces, whose
# quotation marks differ in width: the SC face has full-width ones).
_CJK_LANGUAGES = {"zh": "SC", "ja": "JP", "ko": "KR"}
# Characters between which a line may break without a space (CJK scripts), and the
# line-breaking rules of Chinese (kinsoku): closing punctuation never begins a line,
# opening punctuation never ends one.
_CJK = re.compile("[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
                  "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_NO_LINE_START = frozenset("，。、；：？！）》」』】〉〕〗”’…・‥％,.;:?!)]}%")
_NO_LINE_END = frozenset("（《「『【〈〔〖“‘([{")
# Replaced by the page count when the PDF is written (fpdf2 measures it as three digits).
_TOTAL_PAGES = "{nb}"
_TRANSLITERATIONS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u2022": "*", "\u2009": " ", "\u202f": "\u00a0", "\u2002": " ",
    "\u2003": " ", "\u200b": "", "\u0141": "L", "\u0142": "l", "\u0110": "D",
    "\u0111": "d", "\u0126": "H", "\u0127": "h", "\u0131": "i", "\u0152": "OE",
    "\u0153": "oe", "\u2212": "-",
})


def _first_family(families: tuple[dict[str, str], ...],
                  directories: tuple[Path, ...]) -> dict[str, Path] | None:
    """The files of the first family whose every style is in one of the directories."""
    for family in families:
        for directory in directories:
            files = {style: directory / name for style, name in family.items()}
            if all(path.is_file() for path in files.values()):
                return files
    return None


@functools.cache
def unicode_font_files() -> dict[str, Path] | None:
    """Regular, bold and italic files of the first serif TTF family found, or None."""
    return _first_family(_FONT_FAMILIES, _FONT_DIRS)


@functools.cache
def cjk_font_files() -> dict[str, Path] | None:
    """Regular and bold files of the first CJK family found, or None."""
    return _first_family(_CJK_FONT_FAMILIES, _CJK_FONT_DIRS)


def to_latin1(text: str) -> str:
    """For the core fonts: typographic punctuation as ASCII, other letters without their
    accents where that makes them Latin-1, and "?" for what remains."""
    text = text.translate(_TRANSLITERATIONS)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        composed = unicodedata.normalize("NFC", char)
        if len(composed) == 1 and ord(composed) < 256:
            out.append(composed)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


@functools.cache
def cjk_face_number(path: Path, region: str) -> int:
    """The index of a region's face (SC, TC, JP, ...) in a CJK font collection; 0 for a
    single font or a collection without that face."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        name = font["name"].getDebugName(4) or ""
        if name.split()[-1:] == [region] or f" {region} " in f" {name} ":
            return index
    return 0


# Parsing a font (a CJK collection above all: 65,000 glyphs) costs most of a PDF's time;
# the parsed metrics are kept per process, and each document gets a copy with a fresh
# handle on the file, because writing the PDF subsets that handle's tables in place.
_PARSED_FONTS: dict[tuple[str, int, str, str], Any] = {}
_FONT_LOCK = threading.Lock()


def _add_font(pdf: Any, family: str, style: str, path: Path, face: int = 0) -> None:
    from fontTools import ttLib
    from fpdf import FPDF
    from fpdf.fonts import SubsetMap

    key = (str(path), face, family, style)
    with _FONT_LOCK:
        template = _PARSED_FONTS.get(key)
        if template is None:
            scratch = FPDF()
            scratch.add_font(family, style, str(path), collection_font_number=face)
            template = _PARSED_FONTS[key] = scratch.fonts[f"{family.lower()}{style}"]
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    # The bounding boxes stay as the whole font has them: recomputing them for the subset
    # would draw every glyph again, and a box too large is harmless.
    font.ttfont = ttLib.TTFont(str(path), recalcTimestamp=False, recalcBBoxes=False,
                               fontNumber=face, lazy=True)
    font._hbfont = None
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


# Finished PDFs of the same text with the same fonts, for the statement pages that many
# people download: (digest of the view and fonts) -> bytes.
_RENDERED: OrderedDict[str, bytes] = OrderedDict()
_RENDERED_MAX = 32


def render_pdf(view: dict[str, Any], *, font_files: dict[str, Path] | None = None,
               use_system_fonts: bool = True,
               cjk_files: dict[str, Path] | None = None) -> bytes:
    """An A4 PDF with the title, dateline, numbered sections, corrections, page numbers
    in the footer, and the title and language in the document metadata; the text the
    renderer adds is in the statement's language."""
    files = font_files or (unicode_font_files() if use_system_fonts else None)
    language = _language(view)
    cjk_region = _CJK_LANGUAGES.get(_primary(language))
    # Loading a CJK collection costs time: only for a text that has such characters.
    needs_cjk = files is not None and (cjk_region is not None
                                       or _CJK.search(repr(view)) is not None)
    cjk = (cjk_files or (cjk_font_files() if use_system_fonts else None)) if needs_cjk else None
    digest = hashlib.sha256(repr((view, files, cjk)).encode()).hexdigest()
    with _FONT_LOCK:
        if digest in _RENDERED:
            _RENDERED.move_to_end(digest)
            return _RENDERED[digest]
    with force_locale(_primary(language)):
        body = _render_pdf(view, files, cjk, cjk_region or "SC")
    with _FONT_LOCK:
        _RENDERED[digest] = body
        while len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return body


def _render_pdf(view: dict[str, Any], files: dict[str, Path] | None,
                cjk: dict[str, Path] | None, cjk_region: str) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    language = _language(view)
    clean = (lambda text: text) if files else to_latin1
    # A Chinese statement is set in the CJK font throughout (its Latin letters too), so
    # every quote and comma is the full-width Chinese one; other texts take it only for
    # the characters their font lacks.
    cjk_throughout = cjk is not None and _primary(language) in _CJK_LANGUAGES
    family = _CJK_FAMILY if cjk_throughout else (_FAMILY if files else _CORE_FAMILY)
    italic = "" if cjk_throughout else "I"  # CJK faces have no italic
    # The page-count placeholder would be replaced in the text too: a text that contains
    # it gets page numbers without the total, and its "{nb}" stays as written.
    count_pages = _TOTAL_PAGES not in repr(view)
    page_label = (_("%(page)s / %(total)s", page="%(page)s", total=_TOTAL_PAGES)
                  if count_pages else _("Page %(page)s", page="%(page)s"))

    class StatementPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, "", 9)
            self.set_text_color(90)
            self.cell(0, 8, clean(page_label.replace("%(page)s", str(self.page_no()))),
                      align="C")

    pdf = StatementPDF(orientation="portrait", unit="mm", format="A4")
    if files and not cjk_throughout:
        for style, path in files.items():
            _add_font(pdf, _FAMILY, style, path)
    if cjk:
        for style, path in cjk.items():
            _add_font(pdf, _CJK_FAMILY, style, path, cjk_face_number(path, cjk_region))
        if not cjk_throughout:
            # No italic CJK face exists: italic text (the dateline) takes the upright one.
            pdf.set_fallback_fonts([_CJK_FAMILY], exact_match=False)
    pdf.set_margins(left=25, top=25, right=25)
    pdf.set_auto_page_break(auto=True, margin=22)
    # fpdf2 substitutes "{nb}" by default; only the footer is to have it.
    pdf.alias_nb_pages(_TOTAL_PAGES if count_pages else None)  # type: ignore[arg-type]
    title = " ".join(view["title"].split())
    pdf.set_title(clean(title))
    pdf.set_lang(language)
    if view.get("dateline"):
        pdf.set_subject(clean(view["dateline"]))
    pdf.set_creator("EventHub")
    pdf.set_display_mode(zoom="fullwidth")
    pdf.add_page()

    width = pdf.epw
    pdf.set_font(family, "B", 14)
    _paragraph(pdf, clean(title), 7, align="C")
    pdf.ln(3)
    if view.get("dateline"):
        pdf.set_font(family, italic, 11.5)
        _paragraph(pdf, clean(view["dateline"]), 6, align="C")
        pdf.ln(5)
    if notice := _notice(view):
        pdf.set_font(family, italic, 10)
        pdf.multi_cell(width, 5.5, clean(notice), border=1, align="L", padding=2,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    pdf.set_font(family, "", 11.5)
    for section in view["sections"]:
        pdf.start_section(clean(_("Section %(number)s", number=section["number"])))
        for index, paragraph in enumerate(section["paragraphs"]):
            text = clean(paragraph.strip())
            if index == 0:
                text = clean(numbered(section["number"], language)) + text
            _paragraph(pdf, text, 6)
            pdf.ln(3)

    if corrections := _corrections(view):
        pdf.ln(2)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(width, 6, clean(_("Corrections")), new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_font(family, "", 10.5)
        for correction in corrections:
            _paragraph(pdf, clean(_correction_line(correction)), 5.5)
    return bytes(pdf.output())


def _units(hard_line: str) -> list[tuple[str, str]]:
    """A line's units of wrapping, each with what joins it to the one before: words after
    a space, and each character of CJK text (which breaks without spaces), punctuation
    such as “ ” included."""
    units: list[tuple[str, str]] = []
    for index, word in enumerate(hard_line.split(" ")):
        joiner = " " if index else ""
        if not _CJK.search(word):
            units.append((joiner, word))
            continue
        start = 0
        for match in _CJK.finditer(word):
            if match.start() > start:
                units.extend(_latin_run(joiner, word[start:match.start()]))
                joiner = ""
            units.append((joiner, match.group()))
            joiner, start = "", match.end()
        if start < len(word):
            units.extend(_latin_run(joiner, word[start:]))
    return units


def _latin_run(joiner: str, run: str) -> list[tuple[str, str]]:
    """A run of non-CJK characters inside CJK text: a word, with the quotation marks at
    its ends as units of their own, so the line-breaking rules see them."""
    lead = len(run) - len(run.lstrip("“‘"))
    trail = len(run) - len(run.rstrip("”’"))
    core = run[lead:len(run) - trail]
    units = [(joiner if i == 0 else "", c) for i, c in enumerate(run[:lead])]
    if core:
        units.append((joiner if not units else "", core))
    units.extend(("", c) for c in run[len(run) - trail:])
    return units


def _may_start(unit: str) -> bool:
    return unit[:1] not in _NO_LINE_START


def _may_end(unit: str) -> bool:
    return unit[-1:] not in _NO_LINE_END


def _wrap(pdf: Any, text: str) -> list[str]:
    """Lines of at most the page's text width, broken at ordinary spaces and between CJK
    characters (a no-break space keeps its words together), by the Chinese rules: a
    closing mark (_NO_LINE_START: full-width comma, full stop, closing quote...) never
    begins a line and an opening one (_NO_LINE_END) never ends one; the characters
    around such a break move to the next line together. fpdf2's own line breaking
    measures every line again for each character, which makes a long statement take
    seconds, and knows none of these rules; this measures each unit once."""
    limit = pdf.epw
    measure = functools.lru_cache(maxsize=None)(pdf.get_string_width)
    lines: list[str] = []
    for hard_line in text.split("\n"):
        line: list[tuple[str, str]] = []  # (joiner, unit) on the current line
        line_width = 0.0

        def width_of(units: list[tuple[str, str]]) -> float:
            return sum(measure(j + u) if i else measure(u) for i, (j, u) in enumerate(units))

        for joiner, unit in _units(hard_line):
            if not line:
                line, line_width = [(joiner, unit)], measure(unit)
            elif line_width + measure(joiner + unit) <= limit:
                line.append((joiner, unit))
                line_width += measure(joiner + unit)
                continue
            else:
                carried = [(joiner, unit)]
                # Take units back from the end of the line while the next line would
                # begin with a closing mark or this one end with an opening mark; keep
                # at least one unit (a line of nothing but punctuation hangs instead).
                while len(line) > 1 and (not _may_start(carried[0][1])
                                         or not _may_end(line[-1][1])):
                    carried.insert(0, line.pop())
                if not _may_start(carried[0][1]) or not _may_end(line[-1][1]):
                    line.extend(carried)  # nothing to move: the mark hangs in the margin
                    line_width = width_of(line)
                    continue
                lines.append("".join(j + u if i else u for i, (j, u) in enumerate(line)))
                line, line_width = carried, width_of(carried)
            # A unit longer than a line (a long link): break it where it must break.
            while line_width > limit and len(line) == 1 and len(line[0][1]) > 1:
                unit = line[0][1]
                low, high = 1, len(unit) - 1
                while low < high:
                    middle = (low + high + 1) // 2
                    if measure(unit[:middle]) <= limit:
                        low = middle
                    else:
                        high = middle - 1
                lines.append(unit[:low])
                line = [("", unit[low:])]
                line_width = measure(unit[low:])
        lines.append("".join(j + u if i else u for i, (j, u) in enumerate(line)))
    return lines


def _paragraph(pdf: Any, text: str, line_height: float, align: str = "L") -> None:
    from fpdf.enums import XPos, YPos

    for line in _wrap(pdf, text):
        pdf.cell(pdf.epw, line_height, line, align=align, new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
