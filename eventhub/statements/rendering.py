"""A statement view rendered for reading outside the API: plain text, Markdown, a printable
HTML page and PDF. Each reads like the published document: title, dateline, then the
sections with their roman numbers before the first paragraph."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from eventhub.statements.service import render_text

MIMETYPES = {
    "text": "text/plain",
    "markdown": "text/markdown",
    "html": "text/html",
    "pdf": "application/pdf",
}

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


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

def _date_text(value: dt.date) -> str:
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def _corrections(view: dict[str, Any]) -> list[dict[str, Any]]:
    corrections = []
    for correction in view.get("corrections") or []:
        created = correction.get("created_at")
        day = created.date() if isinstance(created, dt.datetime) else created
        corrections.append({"revision": correction["revision"], "note": correction.get("note"),
                            "date": day.isoformat() if day else None,
                            "date_text": _date_text(day) if day else None})
    return corrections


def _notice(view: dict[str, Any]) -> str | None:
    """A line saying the text is not the published one, so a printed draft or an older
    revision is never mistaken for the statement as issued."""
    status = str(getattr(view.get("status"), "value", view.get("status")) or "")
    revision, published = view.get("revision"), view.get("published_revision")
    if status and status != "published":
        return (f"Draft (revision {revision}, {status.replace('_', ' ')}): "
                "not the published text.")
    if published is not None and revision != published:
        return (f"Revision {revision}; the current published text is revision "
                f"{published}.")
    return None


def _correction_line(correction: dict[str, Any]) -> str:
    when = f", {correction['date_text']}" if correction["date_text"] else ""
    return f"Revision {correction['revision']}{when}: {correction['note'] or 'corrected'}"


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
            blocks.append(f"**{section['number']}.** {text}" if index == 0 else text)
    if corrections := _corrections(view):
        blocks.append("## Corrections")
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
    template = _environment().get_template("statement.html")
    return template.render(
        language=view.get("language") or "en", title=view["title"],
        dateline=view.get("dateline"), sections=view["sections"],
        corrections=_corrections(view), notice=_notice(view))


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
# Characters between which a line may break without a space (CJK scripts), and the
# punctuation that must not begin a line (it stays at the end of the previous one).
_CJK = re.compile("[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
                  "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_NO_LINE_START = frozenset("，。、；：？！）》」』】〉”’…・,.;:?!)")
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


def render_pdf(view: dict[str, Any], *, font_files: dict[str, Path] | None = None,
               use_system_fonts: bool = True,
               cjk_files: dict[str, Path] | None = None) -> bytes:
    """An A4 PDF with the title, dateline, numbered sections, corrections, page numbers
    in the footer, and the title and language in the document metadata."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    files = font_files or (unicode_font_files() if use_system_fonts else None)
    # Loading a CJK collection costs seconds: only for a text that has such characters.
    needs_cjk = files is not None and _CJK.search(repr(view)) is not None
    cjk = (cjk_files or (cjk_font_files() if use_system_fonts else None)) if needs_cjk else None
    clean = (lambda text: text) if files else to_latin1
    family = _FAMILY if files else _CORE_FAMILY
    # The page-count placeholder would be replaced in the text too: a text that contains
    # it gets page numbers without the total, and its "{nb}" stays as written.
    count_pages = _TOTAL_PAGES not in repr(view)

    class StatementPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, "", 9)
            self.set_text_color(90)
            total = f" / {_TOTAL_PAGES}" if count_pages else ""
            self.cell(0, 8, f"{self.page_no()}{total}", align="C")

    pdf = StatementPDF(orientation="portrait", unit="mm", format="A4")
    if files:
        for style, path in files.items():
            pdf.add_font(_FAMILY, style, str(path))
    if cjk:
        for style, path in cjk.items():
            pdf.add_font(_CJK_FAMILY, style, str(path))
        # No italic CJK face exists: italic text (the dateline) takes the upright one.
        pdf.set_fallback_fonts([_CJK_FAMILY], exact_match=False)
    pdf.set_margins(left=25, top=25, right=25)
    pdf.set_auto_page_break(auto=True, margin=22)
    # fpdf2 substitutes "{nb}" by default; only the footer is to have it.
    pdf.alias_nb_pages(_TOTAL_PAGES if count_pages else None)  # type: ignore[arg-type]
    title = " ".join(view["title"].split())
    pdf.set_title(clean(title))
    pdf.set_lang(view.get("language") or "en")
    if view.get("dateline"):
        pdf.set_subject(clean(view["dateline"]))
    pdf.set_creator("EventHub")
    pdf.set_display_mode(zoom="fullwidth")
    pdf.add_page()

    width = pdf.epw
    pdf.set_font(family, "B", 14)
    pdf.multi_cell(width, 7, clean(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if view.get("dateline"):
        pdf.set_font(family, "I", 11.5)
        pdf.multi_cell(width, 6, clean(view["dateline"]), align="C",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(5)
    if notice := _notice(view):
        pdf.set_font(family, "I", 10)
        pdf.multi_cell(width, 5.5, clean(notice), border=1, align="L", padding=2,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    pdf.set_font(family, "", 11.5)
    for section in view["sections"]:
        pdf.start_section(f"Section {section['number']}")
        for index, paragraph in enumerate(section["paragraphs"]):
            text = clean(paragraph.strip())
            if index == 0:
                text = f"{section['number']}. {text}"
            _paragraph(pdf, text, 6)
            pdf.ln(3)

    if corrections := _corrections(view):
        pdf.ln(2)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(width, 6, "Corrections", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(family, "", 10.5)
        for correction in corrections:
            pdf.multi_cell(width, 5.5, clean(_correction_line(correction)), align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _units(hard_line: str) -> list[tuple[str, str]]:
    """A line's units of wrapping, each with what joins it to the one before: words after
    a space, and each character of CJK text (which breaks without spaces)."""
    units: list[tuple[str, str]] = []
    for index, word in enumerate(hard_line.split(" ")):
        joiner = " " if index else ""
        if not _CJK.search(word):
            units.append((joiner, word))
            continue
        start = 0
        for match in _CJK.finditer(word):
            if match.start() > start:
                units.append((joiner, word[start:match.start()]))
                joiner = ""
            units.append((joiner, match.group()))
            joiner, start = "", match.end()
        if start < len(word):
            units.append((joiner, word[start:]))
    return units


def _wrap(pdf: Any, text: str) -> list[str]:
    """Lines of at most the page's text width, broken at ordinary spaces and between CJK
    characters (a no-break space keeps its words together). fpdf2's own line breaking
    measures every line again for each character, which makes a long statement take
    seconds; this measures each unit once."""
    limit = pdf.epw
    lines: list[str] = []
    for hard_line in text.split("\n"):
        current, current_width = "", 0.0
        for joiner, unit in _units(hard_line):
            joined = joiner + unit
            width = pdf.get_string_width(joined)
            if current and (current_width + width <= limit or unit in _NO_LINE_START):
                current, current_width = current + joined, current_width + width
                continue
            if current or (lines and not hard_line):
                lines.append(current)
            unit_width = pdf.get_string_width(unit)
            while unit_width > limit and len(unit) > 1:
                # A word longer than a line (a long link): break it where it must break.
                low, high = 1, len(unit) - 1
                while low < high:
                    middle = (low + high + 1) // 2
                    if pdf.get_string_width(unit[:middle]) <= limit:
                        low = middle
                    else:
                        high = middle - 1
                lines.append(unit[:low])
                unit = unit[low:]
                unit_width = pdf.get_string_width(unit)
            current, current_width = unit, unit_width
        lines.append(current)
    return lines


def _paragraph(pdf: Any, text: str, line_height: float) -> None:
    from fpdf.enums import XPos, YPos

    for line in _wrap(pdf, text):
        pdf.cell(pdf.epw, line_height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
