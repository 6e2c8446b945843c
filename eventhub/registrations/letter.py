"""The visa support letter: a one-page PDF made with fpdf2 from plain values (no database).

Fonts: a Unicode TrueType font (DejaVu Sans, or another from UNICODE_FONT_CANDIDATES) is
used when one is installed, so names such as "Łukasiewicz" or "Nguyễn" print as written;
CJK fonts, when installed, serve as fallbacks for characters DejaVu lacks. Without any of
them the PDF core font Helvetica is used, which knows Latin-1 only: other characters are
transliterated (NFKD with combining marks dropped, so "Nguyễn" becomes "Nguyen"; a small
table covers letters without a decomposition, such as "Ł") and whatever is left (a CJK
name without a CJK font) becomes "?". Either way no character is ever
missing from the font, so fpdf2 has nothing to warn about in the logs.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from eventhub import dates
from eventhub.i18n import _, force_locale, language

logger = logging.getLogger(__name__)
# fontTools logs the glyph inventory of every subset it embeds (INFO): for a letter, that
# is the set of characters of a person's name and passport number. Keep it out of the logs.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
             Path("/Library/Fonts"), Path("C:/Windows/Fonts"))
# (regular, bold) file names, best first.
UNICODE_FONT_CANDIDATES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
                           ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
                           ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
                           ("FreeSans.ttf", "FreeSansBold.ttf"))
# Fallbacks for the characters the main font lacks (Chinese, Japanese, Korean names).
FALLBACK_FONT_CANDIDATES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf",
                            "NotoSansSC-Regular.ttf", "wqy-microhei.ttc", "wqy-zenhei.ttc",
                            "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf")
# Letters NFKD does not decompose, and typography Latin-1 lacks.
_TRANSLITERATIONS = {
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŀ": "L",
    "ŀ": "l", "Ŋ": "N", "ŋ": "n", "Œ": "OE", "œ": "oe", "Ŧ": "T", "ŧ": "t", "ẞ": "SS",
    "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-",
    "‐": "-", "‑": "-", "…": "...", "€": "EUR", "•": "-", "\u2009": " ", "\u202f": " ",
}


@dataclass(frozen=True)
class LetterContent:
    host_name: str
    issue_date: dt.date
    reference: str
    full_name: str
    nationality: str
    passport_number: str
    date_of_birth: dt.date
    organization: str | None
    position: str | None
    participation: str
    edition_title: str
    city: str | None
    country: str | None
    venue: str | None
    start_date: dt.date
    end_date: dt.date
    # The letter's language; None: the language of the request that asks for it.
    language: str | None = None


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path | None
    fallbacks: tuple[Path, ...] = ()


def _find(name: str) -> Path | None:
    for directory in FONT_DIRS:
        if directory.is_dir():
            found = next(iter(sorted(directory.rglob(name))), None)
            if found is not None:
                return found
    return None


@functools.lru_cache(maxsize=1)
def installed_fonts() -> FontFiles | None:
    """The Unicode fonts on this machine, or None (then the core font Helvetica)."""
    for regular_name, bold_name in UNICODE_FONT_CANDIDATES:
        regular = _find(regular_name)
        if regular is not None:
            fallbacks = tuple(p for p in map(_find, FALLBACK_FONT_CANDIDATES) if p is not None)
            return FontFiles(regular, _find(bold_name), fallbacks[:1])
    logger.warning("no Unicode TrueType font found; visa letters use Helvetica and "
                   "transliterate names outside Latin-1")
    return None


def format_date(value: dt.date) -> str:
    """A date in full in the letter's language (CLDR)."""
    return dates.day(value)


def _transliterate(char: str, covered) -> str:
    if char in _TRANSLITERATIONS and all(covered(c) for c in _TRANSLITERATIONS[char]):
        return _TRANSLITERATIONS[char]
    kept = "".join(c for c in unicodedata.normalize("NFKD", char)
                   if not unicodedata.combining(c) and covered(c))
    return kept or "?"


class _Writer:
    """An fpdf2 document with the letter's fonts and a text cleaner matched to them."""

    def __init__(self, fonts: FontFiles | None) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(25, 22, 25)
        self.pdf.set_auto_page_break(True, margin=20)
        self.family = "Helvetica"
        self.has_bold = True
        self.codepoints: set[int] | None = None  # None: Latin-1 (core font)
        if fonts is not None:
            self._load(fonts)

    def _load(self, fonts: FontFiles) -> None:
        pdf = self.pdf
        pdf.add_font("Letter", "", str(fonts.regular))
        self.has_bold = fonts.bold is not None
        if fonts.bold is not None:
            pdf.add_font("Letter", "B", str(fonts.bold))
        self.family = "Letter"
        codepoints = set(pdf.fonts["letter"].cmap)
        names = []
        for index, path in enumerate(fonts.fallbacks):
            name = f"fallback{index}"
            try:
                pdf.add_font(name, "", str(path))
            except Exception:  # an unreadable font must not stop the letter
                logger.warning("cannot load fallback font %s", path)
                continue
            names.append(name)
            codepoints |= set(pdf.fonts[name].cmap)
        if names:
            pdf.set_fallback_fonts(names, exact_match=False)
        self.codepoints = codepoints

    def covered(self, char: str) -> bool:
        if self.codepoints is None:
            return ord(char) < 256 and char.isprintable()
        return ord(char) in self.codepoints

    def clean(self, text: str) -> str:
        out = []
        for char in unicodedata.normalize("NFC", text):
            if char == "\n" or self.covered(char):
                out.append(char)
            else:
                out.append(_transliterate(char, self.covered))
        return "".join(out)

    def style(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold and self.has_bold else "", size)

    def para(self, text: str, size: float = 11, bold: bool = False, align: str = "L",
             after: float = 4) -> None:
        self.style(size, bold)
        self.pdf.multi_cell(0, size * 0.5, self.clean(text), align=align,
                            new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(after)

    def field(self, label: str, value: str) -> None:
        self.style(11, bold=True)
        self.pdf.cell(48, 6.5, self.clean(label))
        self.style(11)
        self.pdf.multi_cell(0, 6.5, self.clean(value), new_x="LMARGIN", new_y="NEXT")


def _the(title: str) -> str:
    """English runs "attend the Sub-Forum"; other languages take the title as it is."""
    if language() != "en" or title.lower().startswith("the "):
        return title
    return f"the {title}"


def _place(content: LetterContent) -> str:
    place = ""
    for part in (content.venue, content.city, content.country):
        if part:
            place = _("%(city)s, %(country)s", city=place, country=part) if place else part
    return place


def render(content: LetterContent, *, fonts: FontFiles | bool | None = True) -> bytes:
    """The letter as PDF bytes, in `content.language` (else the request's language).
    fonts=True: what is installed; False: the core font."""
    if content.language:
        with force_locale(content.language):
            return _render(content, fonts)
    return _render(content, fonts)


def _render(content: LetterContent, fonts: FontFiles | bool | None) -> bytes:
    if fonts is True:
        fonts = installed_fonts()
    elif fonts is False:
        fonts = None
    writer = _Writer(fonts)
    pdf = writer.pdf
    pdf.set_title(_("Visa support letter"))
    pdf.set_author(writer.clean(content.host_name))
    pdf.set_creator("EventHub")
    pdf.add_page()

    # Letterhead
    writer.para(content.host_name, size=16, bold=True, align="C", after=1)
    writer.para(content.edition_title, size=10, align="C", after=2)
    y = pdf.get_y()
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.ln(6)
    writer.para(_("Date: %(date)s", date=format_date(content.issue_date)), align="R", after=0)
    writer.para(_("Ref.: %(reference)s", reference=content.reference), align="R", after=8)

    writer.para(_("VISA SUPPORT LETTER"), size=13, bold=True, align="C", after=6)
    writer.para(_("To whom it may concern,"), after=4)
    place = _place(content)
    values = {"host": content.host_name, "edition": _the(content.edition_title),
              "place": place, "start": format_date(content.start_date),
              "end": format_date(content.end_date)}
    if place:
        writer.para(_("%(host)s hereby confirms that the person named below is invited to "
                      "attend %(edition)s, to be held in %(place)s from %(start)s to %(end)s, "
                      "and is registered as a participant.", **values))
    else:
        writer.para(_("%(host)s hereby confirms that the person named below is invited to "
                      "attend %(edition)s, to be held from %(start)s to %(end)s, and is "
                      "registered as a participant.", **values))

    writer.field(_("Full name:"), content.full_name)
    writer.field(_("Nationality:"), content.nationality)
    writer.field(_("Passport number:"), content.passport_number)
    writer.field(_("Date of birth:"), format_date(content.date_of_birth))
    if content.organization:
        writer.field(_("Organization:"), content.organization)
    if content.position:
        writer.field(_("Position:"), content.position)
    writer.field(_("Participation:"), content.participation)
    pdf.ln(4)

    writer.para(_("Purpose of travel: to take part in %(edition)s, an intergovernmental forum "
                  "on migration management cooperation. The visit is for the purpose of "
                  "attending the meeting and its related official events only.",
                  edition=_the(content.edition_title)))
    writer.para(_("We would be grateful if the competent authorities would issue the "
                  "appropriate visa to enable the above-named person to attend. This letter "
                  "confirms the invitation only; the decision on the visa application rests "
                  "with those authorities."), after=8)
    writer.para(_("Yours faithfully,"), after=12)
    writer.para(_("On behalf of the organizers"), after=0)
    writer.para(content.host_name, bold=True, after=0)
    return bytes(pdf.output())
