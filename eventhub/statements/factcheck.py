"""Fact check: the figures and names in a statement's text against the edition's records.

Before anyone publishes, the secretariat sees every place where the text and the records
disagree ("the text says 57 countries and regions, the records say 55"). What is compared
(English text, in the phrasing of the 2024 Chair's Statement):

- attendance: "About 300 guests" (number and qualifier) against the reported figure
  "guests"; "57 countries and regions" against the figure "countries_and_regions" (or,
  without one, the count of countries of the recorded organizations);
- breakout sessions: "four breakout sessions" against the figure "breakout_sessions" and
  the programme's breakout sessions; the quoted topics after "namely" against their titles;
- the theme quoted after "theme of" against the edition's theme;
- speakers: a programme speaker's name followed by ", <position>" against the position
  the record gives; a "Name, Position" in a list like section II's (or before "delivered a
  speech") of someone the programme does not name is an unknown person;
- organizations written "Name (ACRONYM)" against the recorded name for that acronym, and
  the host after "hosted by";
- place and dates in "took place in <City>, <Country> from <Month> <d> to <d>" and in the
  dateline.

No-break spaces count as spaces and typographic quotes as straight ones. A claim the
records cannot confirm either way (no such figure recorded) is listed as unverified, not
as a mismatch, so a text that follows the records passes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition, Participation, ReportedFigure
from eventhub.editions.service import get_edition, recorded_counts
from eventhub.editions.snapshot import ShownOrganization, ShownPerson
from eventhub.extensions import db
from eventhub.programme.models import ItemKind, ProgrammeItem
from eventhub.statements import service

MATCH, MISMATCH, UNVERIFIED = "match", "mismatch", "unverified"

# Records ----------------------------------------------------------------------------


@dataclass
class Records:
    """What the database holds for an edition, in the order the record gives it; the
    organizations and people as the edition shows them (an archived edition: as they
    were when it was archived, see eventhub.editions.snapshot)."""

    edition: Edition
    figures: dict[str, ReportedFigure]
    counts: dict[str, int]
    items: list[ProgrammeItem]
    organizations: list[Organization | ShownOrganization]
    speakers: list[Person | ShownPerson] = field(default_factory=list)
    host: Organization | ShownOrganization | None = None

    def items_of(self, kind: ItemKind) -> list[ProgrammeItem]:
        return [item for item in self.items if item.kind == kind]


def edition_records(edition: Edition) -> Records:
    items = list(db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.edition_id == edition.id,
                                    ProgrammeItem.is_cancelled.is_(False))
        .options(selectinload(ProgrammeItem.speeches))
        .order_by(ProgrammeItem.starts_at.is_(None), ProgrammeItem.starts_at,
                  ProgrammeItem.position, ProgrammeItem.id)))
    organizations: list[Organization | ShownOrganization] = []
    host = edition.host_as_shown
    if host is not None:
        organizations.append(host)
    participations = db.session.scalars(
        select(Participation).where(Participation.edition_id == edition.id)
        .order_by(Participation.position, Participation.id))
    organizations.extend(p.organization_as_shown for p in participations
                         if p.organization_id != edition.host_organization_id)
    speakers: list[Person | ShownPerson] = []
    seen: set[int] = set()
    for item in items:
        for speech in item.speeches:
            if speech.person_id not in seen:
                seen.add(speech.person_id)
                speakers.append(speech.person_as_shown)
    return Records(edition=edition, figures={f.key: f for f in edition.figures},
                   counts=recorded_counts(edition), items=items,
                   organizations=organizations, speakers=speakers, host=host)


# Reading numbers and words ------------------------------------------------------------

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
         "ninety")
_WORD_VALUES = {word: value for value, word in enumerate(_UNITS)} | {
    word: value * 10 for value, word in enumerate(_TENS) if word}
_NUMBER_WORDS = (rf"(?:{'|'.join(t for t in _TENS if t)})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?"
                 rf"|{'|'.join(sorted(_UNITS[1:], key=len, reverse=True))}")
NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|(?:{_NUMBER_WORDS})\b)"
_QUALIFIER_CLASSES = {
    "about": "about", "approximately": "about", "around": "about", "some": "about",
    "roughly": "about", "an estimated": "about", "nearly": "nearly", "almost": "nearly",
    "close to": "nearly", "more than": "more", "over": "more", "upwards of": "more",
    "at least": "at least", "up to": "up to", "less than": "less", "fewer than": "less",
    "under": "less",
}
_QUALIFIERS = "|".join(sorted(_QUALIFIER_CLASSES, key=len, reverse=True))
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
MONTH = rf"(?:{'|'.join(_MONTHS)})"
_ORDINAL = r"(?:st|nd|rd|th)?"

# One character for one character, so positions found in the normalized text hold in
# the original.
_SAME_LENGTH = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ",
                              "\u2002": " ", "\u2003": " ", "\u201c": '"', "\u201d": '"',
                              "\u201e": '"', "\u2018": "'", "\u2019": "'", "\u2011": "-"})


def normalize(text: str) -> str:
    return text.translate(_SAME_LENGTH)


def parse_number(text: str) -> int:
    text = text.strip().lower()
    if text[0].isdigit():
        return int(text.replace(",", ""))
    parts = re.split(r"[- ]", text)
    return sum(_WORD_VALUES[part] for part in parts)


def number_words(value: int) -> str:
    """One to twenty (and round tens) in words, as the 2024 text writes "four"."""
    if 0 < value < 20:
        return _UNITS[value]
    if value < 100 and value % 10 == 0:
        return _TENS[value // 10]
    return str(value)


def qualifier_class(qualifier: str | None) -> str | None:
    return _QUALIFIER_CLASSES.get(qualifier.lower()) if qualifier else None


def _phrase(qualifier: str | None, value: int, unit: str) -> str:
    return " ".join(part for part in (qualifier, str(value), unit) if part)


def _fold(text: str) -> str:
    """For comparing names and titles: case, spacing, quotes and final punctuation."""
    text = normalize(text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" ,.;:")


def date_text(start: dt.date, end: dt.date | None = None) -> str:
    """"September 9 to 10", "September 30 to October 1", or "September 9"."""
    first = f"{_MONTHS[start.month - 1]} {start.day}"
    if end is None or end == start:
        return first
    if end.month == start.month and end.year == start.year:
        return f"{first} to {end.day}"
    return f"{first} to {_MONTHS[end.month - 1]} {end.day}"


def country_names(code: str | None) -> set[str]:
    if not code:
        return set()
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return set()
    names = {getattr(country, attr, None) for attr in ("name", "common_name",
                                                       "official_name")}
    return {_fold(n) for n in names if n}


def country_name(code: str | None) -> str | None:
    if not code:
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name


# The check --------------------------------------------------------------------------

@dataclass
class Paragraph:
    index: int
    section: str
    text: str  # normalized


class Checker:
    def __init__(self, records: Records, content: dict[str, Any]):
        self.records = records
        self.edition = records.edition
        self.paragraphs = [
            Paragraph(index, service.roman(number), normalize(text))
            for index, (number, text) in enumerate(
                (number, text)
                for number, section in enumerate(content["sections"], start=1)
                for text in section["paragraphs"])]
        self.dateline = normalize(content.get("dateline") or "")
        self.checked: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
        self.mismatches: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
        self._acronyms = {o.acronym: o.name for o in records.organizations if o.acronym}

    def run(self) -> None:
        for paragraph in self.paragraphs:
            self.attendance(paragraph)
            self.countries(paragraph)
            self.breakout_sessions(paragraph)
            self.topics(paragraph)
            self.theme(paragraph)
            self.place_and_dates(paragraph)
            self.host(paragraph)
            self.organizations(paragraph)
            self.people(paragraph)
        if self.dateline:
            self.dateline_check()

    # Reporting ----------------------------------------------------------------------

    def note(self, kind: str, where: Paragraph | str, text_says: str,
             records_say: str | None, result: str, span: tuple[int, int] | None = None
             ) -> None:
        section = where if isinstance(where, str) else where.section
        # Reported in reading order: dateline first, then paragraph by paragraph.
        order = (-1 if isinstance(where, str) else where.index,
                 span[0] if span else 0, len(self.checked))
        entry = {"kind": kind, "section": section, "text_says": text_says,
                 "records_say": records_say, "result": result}
        self.checked.append((order, entry))
        if result == MISMATCH:
            text = self.dateline if isinstance(where, str) else where.text
            excerpt = _excerpt(text, span) if span else text_says
            self.mismatches.append((order, {
                "kind": kind, "section": section, "text_says": text_says,
                "records_say": records_say, "excerpt": excerpt}))

    def report(self) -> dict[str, Any]:
        mismatches = [entry for _, entry in sorted(self.mismatches, key=lambda e: e[0])]
        return {"ok": not mismatches, "mismatches": mismatches,
                "checked": [entry for _, entry in sorted(self.checked, key=lambda e: e[0])]}

    # Figures ------------------------------------------------------------------------

    def _compare_figure(self, kind: str, paragraph: Paragraph, match: re.Match,
                        figure: ReportedFigure | None, unit: str,
                        fallback: tuple[int, str] | None = None) -> None:
        said_value = parse_number(match.groupdict().get("num") or match.group("words"))
        said_qualifier = match.group("qual")
        text_says = " ".join(match.group(0).split())
        if figure is not None:
            same = (said_value == figure.value
                    and qualifier_class(said_qualifier) == qualifier_class(figure.qualifier))
            records_say = _phrase(figure.qualifier, figure.value, unit) + " (reported figure)"
        elif fallback is not None:
            value, label = fallback
            same = said_value == value and said_qualifier is None
            records_say = f"{value} {unit} ({label})"
        else:
            self.note(kind, paragraph, text_says, None, UNVERIFIED)
            return
        self.note(kind, paragraph, text_says, records_say, MATCH if same else MISMATCH,
                  match.span())

    _GUESTS = re.compile(rf"\b(?:(?P<qual>{_QUALIFIERS})\s+)?(?P<num>{NUMBER})\s+"
                         r"(?P<noun>guests|participants|attendees)\b", re.IGNORECASE)

    def attendance(self, paragraph: Paragraph) -> None:
        for match in self._GUESTS.finditer(paragraph.text):
            self._compare_figure("guests", paragraph, match, self.records.figures.get("guests"),
                                 match.group("noun").lower())

    # Digits before "countries"; a number in words only before "countries and regions",
    # so "between the two countries" is not read as a count of participants.
    _COUNTRIES = re.compile(
        rf"\b(?:(?P<qual>{_QUALIFIERS})\s+)?(?:(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)\s+"
        rf"countries(?:\s+and\s+regions)?|(?P<words>{_NUMBER_WORDS})\s+countries\s+and\s+"
        r"regions)\b", re.IGNORECASE)

    def countries(self, paragraph: Paragraph) -> None:
        count = self.records.counts.get("countries_and_regions", 0)
        fallback = (count, "countries of the recorded organizations") if count else None
        for match in self._COUNTRIES.finditer(paragraph.text):
            self._compare_figure("countries_and_regions", paragraph, match,
                                 self.records.figures.get("countries_and_regions"),
                                 "countries and regions", fallback)

    _BREAKOUTS = re.compile(rf"\b(?:(?P<qual>{_QUALIFIERS})\s+)?(?P<num>{NUMBER})\s+"
                            r"(?:parallel\s+)?breakout\s+sessions?\b", re.IGNORECASE)
    _TOPIC_COUNT = re.compile(rf"\b(?P<num>{NUMBER})\s+topics\b", re.IGNORECASE)

    def breakout_sessions(self, paragraph: Paragraph) -> None:
        sessions = self.records.items_of(ItemKind.BREAKOUT_SESSION)
        figure = self.records.figures.get("breakout_sessions")
        for match in self._BREAKOUTS.finditer(paragraph.text):
            said = parse_number(match.group("num"))
            text_says = " ".join(match.group(0).split())
            if figure is not None:
                self._compare_figure("breakout_sessions", paragraph, match, figure,
                                     "breakout sessions")
            if sessions or figure is None:
                records_say = f"{len(sessions)} breakout sessions in the programme"
                self.note("breakout_sessions", paragraph, text_says, records_say,
                          MATCH if said == len(sessions) else MISMATCH, match.span())
        if sessions and "breakout" in paragraph.text.lower():
            for match in self._TOPIC_COUNT.finditer(paragraph.text):
                said = parse_number(match.group("num"))
                self.note("breakout_sessions", paragraph, " ".join(match.group(0).split()),
                          f"{len(sessions)} breakout session topics in the programme",
                          MATCH if said == len(sessions) else MISMATCH, match.span())

    # Topics and theme ----------------------------------------------------------------

    _QUOTED = re.compile(r"\"([^\"]+)\"")

    def topics(self, paragraph: Paragraph) -> None:
        lowered = paragraph.text.lower()
        if "breakout" not in lowered and "topic" not in lowered:
            return
        sessions = self.records.items_of(ItemKind.BREAKOUT_SESSION)
        titles = {_fold(item.title): item.title for item in sessions}
        for listing in _namely_lists(paragraph.text):
            quoted = list(self._QUOTED.finditer(paragraph.text, *listing))
            if not titles:
                for quote in quoted:
                    self.note("breakout_topic", paragraph, quote.group(1), None, UNVERIFIED)
                continue
            mentioned: set[str] = set()
            for quote in quoted:
                topic = quote.group(1)
                key = _fold(topic)
                if key in titles:
                    mentioned.add(key)
                    self.note("breakout_topic", paragraph, topic, titles[key], MATCH,
                              quote.span())
                    continue
                closest = difflib.get_close_matches(key, list(titles), n=1, cutoff=0.5)
                if closest:
                    mentioned.add(closest[0])
                    records_say = titles[closest[0]]
                else:
                    records_say = "not a breakout session; the sessions are " + "; ".join(
                        f'"{t}"' for t in titles.values())
                self.note("breakout_topic", paragraph, topic, records_say, MISMATCH,
                          quote.span())
            for key, title in titles.items():
                if key not in mentioned:
                    self.note("breakout_topic_missing", paragraph,
                              "(not among the topics listed)", title, MISMATCH, listing)

    _THEME = re.compile(r"\b(?:the\s+)?theme\s+(?:of\s+)?\"(?P<theme>[^\"]+)\"",
                        re.IGNORECASE)

    def theme(self, paragraph: Paragraph) -> None:
        for match in self._THEME.finditer(paragraph.text):
            said = match.group("theme")
            theme = self.edition.theme
            if not theme:
                self.note("theme", paragraph, said, None, UNVERIFIED)
                continue
            self.note("theme", paragraph, said.strip(" ,.;"), theme,
                      MATCH if _fold(said) == _fold(theme) else MISMATCH, match.span())

    # Place, dates, host --------------------------------------------------------------

    _TOOK_PLACE = re.compile(
        rf"\b(?:took place|was held|were held|was convened)\s+in\s+(?P<place>[^.;()]+?),?\s+"
        rf"(?:from\s+|on\s+)(?P<m1>{MONTH})\s+(?P<d1>\d{{1,2}}){_ORDINAL}"
        rf"(?:,?\s+(?P<y1>\d{{4}}))?"
        rf"(?:\s*(?:to|until|through|-|\u2013|and)\s*(?:(?P<m2>{MONTH})\s+)?"
        rf"(?P<d2>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<y2>\d{{4}}))?)?")

    def _place_matches(self, place: str) -> bool:
        parts = [p.strip() for p in place.split(",") if p.strip()]
        edition = self.edition
        if not parts or (edition.city and _fold(parts[0]) != _fold(edition.city)):
            return False
        if (len(parts) >= 2 and edition.country_code
                and _fold(parts[-1]) not in country_names(edition.country_code)):
            return False
        for middle in parts[1:-1]:
            if not edition.region or _fold(middle) not in _fold(edition.region):
                return False
        return True

    def _records_place(self) -> str:
        return ", ".join(p for p in (self.edition.city, country_name(self.edition.country_code))
                         if p)

    def place_and_dates(self, paragraph: Paragraph) -> None:
        edition = self.edition
        for match in self._TOOK_PLACE.finditer(paragraph.text):
            place = match.group("place").strip()
            self.note("place", paragraph, place, self._records_place() or None,
                      MATCH if self._place_matches(place) else MISMATCH, match.span("place"))
            try:
                start, end = self._dates(match, edition.start_date.year)
            except ValueError:
                start = end = None
            said = " ".join(match.group(0)[match.start("m1") - match.start():].split())
            records_say = f"{date_text(edition.start_date, edition.end_date)}, " \
                          f"{edition.end_date.year}"
            same = start == edition.start_date and end == edition.end_date
            self.note("dates", paragraph, said, records_say, MATCH if same else MISMATCH,
                      (match.start("m1"), match.end()))

    @staticmethod
    def _dates(match: re.Match, default_year: int) -> tuple[dt.date, dt.date]:
        month1 = _MONTHS.index(match.group("m1")) + 1
        year1 = int(match.group("y1") or match.group("y2") or default_year)
        start = dt.date(year1, month1, int(match.group("d1")))
        if match.group("d2") is None:
            return start, start
        month2 = _MONTHS.index(match.group("m2")) + 1 if match.group("m2") else month1
        year2 = int(match.group("y2") or year1)
        return start, dt.date(year2, month2, int(match.group("d2")))

    _DATELINE = re.compile(rf"(?P<m>{MONTH})\s+(?P<d>\d{{1,2}}){_ORDINAL},\s*(?P<y>\d{{4}})"
                           r"(?:\s*,\s*(?P<place>[^)]+))?")

    def dateline_check(self) -> None:
        edition = self.edition
        match = self._DATELINE.search(self.dateline)
        if match is None:
            return
        try:
            day = dt.date(int(match.group("y")), _MONTHS.index(match.group("m")) + 1,
                          int(match.group("d")))
        except ValueError:
            day = None
        said = f"{match.group('m')} {match.group('d')}, {match.group('y')}"
        records_say = (f"{date_text(edition.start_date, edition.end_date)}, "
                       f"{edition.end_date.year}")
        same = day is not None and edition.start_date <= day <= edition.end_date
        self.note("dateline", "dateline", said, records_say, MATCH if same else MISMATCH,
                  match.span())
        if match.group("place"):
            place = match.group("place").strip()
            self.note("dateline", "dateline", place, self._records_place() or None,
                      MATCH if self._place_matches(place) else MISMATCH, match.span("place"))

    _HOSTED = re.compile(r"\bhosted by\s+(?:the\s+)?(?P<host>[^.;]+)", re.IGNORECASE)

    def host(self, paragraph: Paragraph) -> None:
        host = self.records.host
        for match in self._HOSTED.finditer(paragraph.text):
            said = re.split(r"\s*[,(]", match.group("host"), maxsplit=1)[0].strip()
            if host is None:
                self.note("host", paragraph, said, None, UNVERIFIED)
                continue
            names = [host.name] + ([host.acronym] if host.acronym else [])
            text = _fold(match.group("host"))
            same = any(_starts_with_phrase(text, _fold(_strip_article(n))) for n in names)
            self.note("host", paragraph, said, _organization_label(host),
                      MATCH if same else MISMATCH, match.span("host"))

    def organizations(self, paragraph: Paragraph) -> None:
        for organization in self.records.organizations:
            if not organization.acronym:
                continue
            for match in re.finditer(rf"\(\s*{re.escape(organization.acronym)}\s*\)",
                                     paragraph.text):
                before = _fold(paragraph.text[:match.start()])
                name = _fold(_strip_article(organization.name))
                if before.endswith(name) and (len(before) == len(name)
                                              or not before[-len(name) - 1].isalnum()):
                    self.note("organization", paragraph, _organization_label(organization),
                              _organization_label(organization), MATCH, match.span())
                    continue
                words = paragraph.text[:match.start()].split()
                said = " ".join(words[-len(organization.name.split()):])
                self.note("organization", paragraph, f"{said} ({organization.acronym})",
                          _organization_label(organization), MISMATCH,
                          (max(0, match.start() - len(said) - 1), match.end()))

    # People --------------------------------------------------------------------------

    def _expand(self, text: str) -> str:
        """For comparing positions: acronyms of recorded organizations spelt out, without
        articles, case or extra spaces."""
        for acronym, name in self._acronyms.items():
            text = re.sub(rf"\b{re.escape(acronym)}\b", name, text)
        text = re.sub(r"\bthe\s+", "", text, flags=re.IGNORECASE)
        return _fold(text)

    def _position_matches(self, claim_from_here: str, claimed: str, position: str) -> bool:
        expanded_position = self._expand(position)
        following = self._expand(claim_from_here[:len(position) * 3 + 80])
        if _starts_with_phrase(following, expanded_position):
            return True
        # A shortened position that is part of the recorded one ("Commissioner of NIA").
        expanded_claim = self._expand(claimed)
        return (len(expanded_claim.split()) >= 2
                and re.search(rf"(?:^|\b){re.escape(expanded_claim)}(?:\b|$)",
                              expanded_position) is not None)

    def people(self, paragraph: Paragraph) -> None:
        text = paragraph.text
        known: dict[str, list[Person]] = {}
        for person in self.records.speakers:
            known.setdefault(_fold(person.full_name), []).append(person)
        taken: list[tuple[int, int]] = []
        for name in sorted(known, key=len, reverse=True):
            people = known[name]
            spelled = r"\s+".join(re.escape(part) for part in people[0].full_name.split())
            pattern = re.compile(rf"(?<![\w-]){spelled}(?![\w-])", re.IGNORECASE)
            for match in pattern.finditer(text):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                taken.append(match.span())
                after = text[match.end():]
                if not after.startswith(", ") or not _starts_like_position(after[2:], known):
                    continue
                claimed = _claimed_position(after[2:])
                positions = [p.position for p in people if p.position]
                if not positions:
                    self.note("speaker_position", paragraph,
                              f"{people[0].full_name}, {claimed}", None, UNVERIFIED)
                    continue
                same = any(self._position_matches(after[2:], claimed, p) for p in positions)
                self.note("speaker_position", paragraph, f"{people[0].full_name}, {claimed}",
                          f"{people[0].full_name}, {positions[0]}",
                          MATCH if same else MISMATCH,
                          (match.start(), match.end() + 2 + len(claimed)))
        for name, claimed, span in _named_people(text):
            if _fold(name) in known:
                continue
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            self.note("unknown_person", paragraph, f"{name}, {claimed}",
                      "not among the speakers in the programme", MISMATCH, span)


# Helpers for people and organizations -------------------------------------------------

_PARTICLES = frozenset({"da", "de", "del", "della", "der", "di", "do", "dos", "das", "du",
                        "la", "le", "van", "von", "bin", "binti", "bint", "ibn", "al", "el",
                        "y", "e", "ter", "ten", "den", "af", "zu"})
_NOT_NAMES = frozenset({"the", "all", "among", "china", "sub-forum", "forum", "in", "as",
                        "during", "it", "they", "he", "she", "we", "its", "their", "this",
                        "these", "building", "chair", "secretariat", "attendees", "mr", "ms",
                        "mrs", "dr", "h.e", "his", "her", "and"})
_POSITION_END = re.compile(
    r";|,\s+(?:and\s+)?(?:who|which|delivered|gave|made|noted|said|stated|addressed|"
    r"presented|spoke|chaired|moderated|highlighted|stressed|emphasized|introduced|"
    r"expressed|welcomed|opened|closed)\b|\s+(?:noted|said|stated|delivered|gave|made|"
    r"addressed|stressed|emphasized|highlighted)\b|\.(?=\s+[A-Z\"]|\s*$)(?<!\b[A-Z]\.)"
    r"|\s\(|:")


def _claimed_position(text: str) -> str:
    match = _POSITION_END.search(text)
    claimed = text[:match.start()] if match else text
    return " ".join(claimed.split()).rstrip(" ,.")


def _starts_like_position(text: str, known: dict[str, list[Person]]) -> bool:
    """A capitalised word that does not begin another speaker's name: "Xu Ganlu, Wu
    Qingwen and ..." is a list of names, not a position."""
    if not text or not text[0].isupper():
        return False
    folded = _fold(text[:200])
    return not any(folded.startswith(name) for name in known)


def _token_is_name(token: str) -> bool:
    if token.lower() in _PARTICLES:
        return True
    if re.fullmatch(r"[A-Z]\.", token):  # an initial: "Anna P. Makakala"
        return True
    if not token[0].isupper() or not token[0].isalpha():
        return False
    if len(token) > 1 and token.isupper():  # an acronym, not a name
        return False
    return all(c.isalpha() or c in "-'" for c in token)


def looks_like_name(text: str, *, min_tokens: int = 1) -> bool:
    """A personal name as section II writes them: one to six capitalised words, with
    particles (da, bin, van) and initials between them."""
    tokens = text.split()
    if not min_tokens <= len(tokens) <= 6:
        return False
    if tokens[0].lower() in _PARTICLES and not tokens[0][0].isupper():
        return False
    if tokens[-1].lower() in _PARTICLES or re.fullmatch(r"[A-Z]\.", tokens[-1]):
        return False
    if any(t.lower().strip(".") in _NOT_NAMES for t in tokens):
        return False
    return all(_token_is_name(t) for t in tokens)


_SPEECH_SENTENCE = re.compile(
    r"(?:^|(?<=[.!?]\s))(?P<name>[^,.;:]{2,80}), (?P<position>[A-Z][^;]{2,300}?), "
    r"(?:delivered|gave|made) (?:an? |the )?(?:[\w-]+ )?(?:speech|address|remarks|"
    r"statement)")


def _named_people(text: str) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """ "Name, Position" entries of semicolon lists (section II's speakers) and of
    "Name, Position, delivered a speech" sentences: (name, position, span)."""
    chunks: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer(";", text):
        chunks.append((start, match.start()))
        start = match.end()
    if chunks:
        chunks.append((start, len(text)))
        for index, (begin, end) in enumerate(chunks):
            entry = text[begin:end]
            offset = begin
            if index == 0:
                cut = entry.rfind(":")
                if cut < 0:
                    continue
                offset += cut + 1
                entry = entry[cut + 1:]
            if index == len(chunks) - 1:
                stop = re.search(r"\.(?=\s|$)(?<!\b[A-Z]\.)", entry)
                if stop:
                    entry = entry[:stop.start()]
            lead = len(entry) - len(entry.lstrip())
            entry = entry.strip()
            offset += lead
            if entry.startswith("and "):
                entry, offset = entry[4:], offset + 4
            name, sep, position = entry.partition(", ")
            if sep and position[:1].isupper() and looks_like_name(name):
                yield name, " ".join(position.split()), (offset, offset + len(entry))
    for match in _SPEECH_SENTENCE.finditer(text):
        name = match.group("name").strip()
        if looks_like_name(name, min_tokens=2):
            yield name, " ".join(match.group("position").split()), match.span()


def _namely_lists(text: str) -> Iterator[tuple[int, int]]:
    """Spans from "namely" to the end of its sentence (a full stop outside quotes)."""
    for match in re.finditer(r"\bnamely\b", text):
        inside = False
        end = len(text)
        for index in range(match.end(), len(text)):
            char = text[index]
            if char == '"':
                inside = not inside
            elif char == "." and not inside and (index + 1 == len(text)
                                                  or text[index + 1].isspace()):
                end = index
                break
        yield match.end(), end


def _strip_article(name: str) -> str:
    return re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)


def _starts_with_phrase(text: str, phrase: str) -> bool:
    return text.startswith(phrase) and (len(text) == len(phrase)
                                        or not text[len(phrase)].isalnum())


def _organization_label(organization: Organization) -> str:
    return (f"{organization.name} ({organization.acronym})" if organization.acronym
            else organization.name)


def _excerpt(text: str, span: tuple[int, int], context: int = 70) -> str:
    start, end = span
    begin = max(0, start - context)
    finish = min(len(text), end + context)
    if begin > 0:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < start else begin
    if finish < len(text):
        space = text.rfind(" ", end, finish)
        finish = space if space > end else finish
    excerpt = " ".join(text[begin:finish].split())
    return ("\u2026" if begin > 0 else "") + excerpt + ("\u2026" if finish < len(text) else "")


# Entry point ------------------------------------------------------------------------

def check_content(edition: Edition, content: dict[str, Any]) -> dict[str, Any]:
    checker = Checker(edition_records(edition), content)
    checker.run()
    return checker.report()


def fact_check(actor: Actor, slug: str, statement_id: int,
               revision: int | None = None) -> dict[str, Any]:
    """Compare a revision of the statement (default: the latest) with the edition's
    records: {"revision", "ok", "mismatches", "checked"}."""
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    statement, rev = service.readable_revision(actor, slug, statement_id, revision)
    return {"statement_id": statement.id, "revision": rev.number,
            **check_content(edition, rev.content)}
