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


@functools.cache
def unicode_font_files() -> dict[str, Path] | None:
    """Regular, bold and italic files of the first serif TTF family found, or None."""
    for family in _FONT_FAMILIES:
        for directory in _FONT_DIRS:
            files = {style: directory / name for style, name in family.items()}
            if all(path.is_file() for path in files.values()):
                return files
    return None


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
               use_system_fonts: bool = True) -> bytes:
    """An A4 PDF with the title, dateline, numbered sections, corrections, page numbers
    in the footer, and the title and language in the document metadata."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    files = font_files or (unicode_font_files() if use_system_fonts else None)
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


def _wrap(pdf: Any, text: str) -> list[str]:
    """Lines of at most the page's text width, broken at ordinary spaces only (a no-break
    space keeps its words together). fpdf2's own line breaking measures every line again
    for each character, which makes a long statement take seconds; this measures words."""
    limit = pdf.epw
    lines: list[str] = []
    for hard_line in text.split("\n"):
        space = pdf.get_string_width(" ")
        current, current_width = "", 0.0
        for word in hard_line.split(" "):
            word_width = pdf.get_string_width(word)
            if current and current_width + space + word_width <= limit:
                current, current_width = f"{current} {word}", current_width + space + word_width
                continue
            if current or (lines and not hard_line):
                lines.append(current)
            while word_width > limit and len(word) > 1:
                # A word longer than a line (a long link): break it where it must break.
                cut = len(word) - 1
                while cut > 1 and pdf.get_string_width(word[:cut]) > limit:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_width = pdf.get_string_width(word)
            current, current_width = word, word_width
        lines.append(current)
    return lines


def _paragraph(pdf: Any, text: str, line_height: float) -> None:
    from fpdf.enums import XPos, YPos

    for line in _wrap(pdf, text):
        pdf.cell(pdf.epw, line_height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
