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
from babel.dates import get_month_names
from babel.lists import format_list
from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventhub import dates
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition, Participation, ReportedFigure
from eventhub.editions.service import get_edition, recorded_counts
from eventhub.editions.snapshot import ShownOrganization, ShownPerson
from eventhub.editions.words import in_language, reported_number
from eventhub.extensions import db
from eventhub.i18n import N_, _, language, ngettext, translate
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
# English month names from CLDR, as the English text writes them.
_MONTH_NUMBERS = {name: number for number, name in get_month_names("wide", locale="en").items()}
MONTH = rf"(?:{'|'.join(_MONTH_NUMBERS)})"
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


# What the records say of a reported figure, by the kind of claim, in the reader's language.
_FIGURE_UNITS = {
    "guests": N_("%(number)s guests"),
    "countries_and_regions": N_("%(number)s countries and regions"),
    "breakout_sessions": N_("%(number)s breakout sessions"),
}


def _records_figure(kind: str, figure: ReportedFigure) -> str:
    counted = translate(_FIGURE_UNITS[kind],
                        {"number": reported_number(figure.qualifier, figure.value)})
    return _("%(figure)s (reported figure)", figure=counted)


def _sessions_in_programme(count: int) -> str:
    return ngettext("%(num)s breakout session in the programme",
                    "%(num)s breakout sessions in the programme", count)


def _topics_in_programme(count: int) -> str:
    return ngettext("%(num)s breakout session topic in the programme",
                    "%(num)s breakout session topics in the programme", count)


def _fold(text: str) -> str:
    """For comparing names and titles: case, spacing, quotes and final punctuation."""
    text = normalize(text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" ,.;:")


def date_text(start: dt.date, end: dt.date | None = None) -> str:
    """"September 9 to 10", "September 30 to October 1", or "September 9"."""
    return dates.prose_span(start, end, "en")


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

# Chinese phrasing ---------------------------------------------------------------------
# The claims the English check reads, as a Chinese version of the statement writes them:
# 约300名嘉宾, 57个国家和地区, 四个分组会议 / 4场分组讨论, 主题为“…”, 由…主办, 于2024年9月9日至
# 10日在中国苏州举行, the organizations by their common Chinese names or acronyms, and the
# speakers by the names the records give.

_CJK_TEXT = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+|[零〇一二两三四五六七八九十百千]+)"
_ZH_QUALIFIERS = {
    "约": "about", "大约": "about", "约有": "about", "近": "nearly", "将近": "nearly",
    "接近": "nearly", "逾": "more", "超过": "more", "多于": "more", "至少": "at least",
    "不少于": "at least", "不到": "less", "少于": "less",
}
# Written after the number: 300余名, 50多个.
_ZH_AFTER = {"余": "more", "多": "more"}
_ZH_QUALIFIER = "|".join(sorted(_ZH_QUALIFIERS, key=len, reverse=True))
# Common Chinese names of organizations, by the acronym (or English name) the records give
# them: a Chinese text names them so, with or without the acronym.
ZH_ORGANIZATIONS: dict[str, tuple[str, ...]] = {
    "IOM": ("国际移民组织",),
    "UNHCR": ("联合国难民事务高级专员公署", "联合国难民事务高级专员办事处", "联合国难民署",
              "联合国难民署驻华代表处", "难民署"),
    "UNODC": ("联合国毒品和犯罪问题办公室", "联合国毒品与犯罪问题办公室", "联合国毒罪办"),
    "INTERPOL": ("国际刑事警察组织", "国际刑警组织"),
    "ASEAN Secretariat": ("东南亚国家联盟秘书处", "东盟秘书处"),
    "LMLECC": ("澜沧江－湄公河综合执法安全合作中心", "澜沧江-湄公河综合执法安全合作中心",
               "澜湄综合执法安全合作中心", "澜湄执法安全合作中心"),
    "NIA": ("中华人民共和国国家移民管理局", "中国国家移民管理局", "国家移民管理局"),
}


def has_chinese(text: str) -> bool:
    return _CJK_TEXT.search(text) is not None


def parse_chinese_number(text: str) -> int:
    """300, 1,000, 五十七, 两百, 一百零一, 十二."""
    text = text.strip()
    if text[0].isdigit():
        return int(text.replace(",", ""))
    total, digit = 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        else:
            total += (digit or 1) * _ZH_UNITS[char]
            digit = 0
    return total + digit


def _zh_qualifier(before: str | None, after: str | None) -> str | None:
    if before:
        return _ZH_QUALIFIERS.get(before)
    if after:
        return _ZH_AFTER.get(after)
    return None


def _organization_key(organization: Any) -> str | None:
    if organization.acronym and organization.acronym in ZH_ORGANIZATIONS:
        return organization.acronym
    return organization.name if organization.name in ZH_ORGANIZATIONS else None


class ChineseClaims:
    """The Chinese readings of the checks; mixed into Checker, whose note() reports."""

    records: Records
    edition: Edition

    def chinese_claims(self, paragraph: Paragraph) -> None:
        if not has_chinese(paragraph.text):
            return
        self.zh_attendance(paragraph)
        self.zh_countries(paragraph)
        self.zh_breakouts(paragraph)
        self.zh_topics(paragraph)
        self.zh_theme(paragraph)
        self.zh_place_and_dates(paragraph)
        self.zh_host(paragraph)
        self.zh_organizations(paragraph)
        self.zh_people(paragraph)

    def _zh_figure(self, kind: str, paragraph: Paragraph, match: re.Match,
                   figure: ReportedFigure | None, unit: str,
                   fallback: tuple[int, str] | None = None) -> None:
        said_value = parse_chinese_number(match.group("num"))
        said_class = _zh_qualifier(match.group("qual"), match.group("after"))
        text_says = match.group(0)
        if figure is not None:
            same = (said_value == figure.value
                    and said_class == qualifier_class(figure.qualifier))
            records_say = _records_figure(kind, figure)
        elif fallback is not None:
            value, label = fallback
            same = said_value == value and said_class is None
            records_say = translate(label, {"number": format_decimal(value, locale=language())})
        else:
            self.note(kind, paragraph, text_says, None, UNVERIFIED, match.span())
            return
        self.note(kind, paragraph, text_says, records_say, MATCH if same else MISMATCH,
                  match.span())

    _ZH_GUESTS = re.compile(rf"(?:(?P<qual>{_ZH_QUALIFIER}))?(?P<num>{ZH_NUMBER})"
                            r"(?P<after>[余多])?名(?:中外)?(?P<noun>嘉宾|来宾|代表|与会者|与会代表)")

    def zh_attendance(self, paragraph: Paragraph) -> None:
        for match in self._ZH_GUESTS.finditer(paragraph.text):
            self._zh_figure("guests", paragraph, match, self.records.figures.get("guests"),
                            "guests")

    _ZH_COUNTRIES = re.compile(rf"(?:(?P<qual>{_ZH_QUALIFIER}))?(?P<num>{ZH_NUMBER})"
                               r"(?P<after>[余多])?个国家(?:和|及|与)?(?:地区)?")

    def zh_countries(self, paragraph: Paragraph) -> None:
        count = self.records.counts.get("countries_and_regions", 0)
        fallback = ((count, N_("%(number)s countries and regions (countries of the recorded "
                                "organizations)")) if count else None)
        for match in self._ZH_COUNTRIES.finditer(paragraph.text):
            self._zh_figure("countries_and_regions", paragraph, match,
                            self.records.figures.get("countries_and_regions"),
                            "countries and regions", fallback)

    _ZH_BREAKOUTS = re.compile(rf"(?:(?P<qual>{_ZH_QUALIFIER}))?(?P<num>{ZH_NUMBER})"
                               r"(?P<after>[余多])?(?:个|场)(?:平行)?分组(?:会议|讨论|研讨会?|会)")
    _ZH_TOPIC_COUNT = re.compile(rf"(?P<num>{ZH_NUMBER})(?:个|项)(?:议题|主题)")

    def zh_breakouts(self, paragraph: Paragraph) -> None:
        sessions = self.records.items_of(ItemKind.BREAKOUT_SESSION)
        figure = self.records.figures.get("breakout_sessions")
        for match in self._ZH_BREAKOUTS.finditer(paragraph.text):
            if figure is not None:
                self._zh_figure("breakout_sessions", paragraph, match, figure,
                                "breakout sessions")
            if sessions or figure is None:
                said = parse_chinese_number(match.group("num"))
                self.note("breakout_sessions", paragraph, match.group(0),
                          _sessions_in_programme(len(sessions)),
                          MATCH if said == len(sessions) else MISMATCH, match.span())
        if sessions and "分组" in paragraph.text:
            for match in self._ZH_TOPIC_COUNT.finditer(paragraph.text):
                said = parse_chinese_number(match.group("num"))
                self.note("breakout_sessions", paragraph, match.group(0),
                          _topics_in_programme(len(sessions)),
                          MATCH if said == len(sessions) else MISMATCH, match.span())

    _ZH_QUOTED = re.compile("[\u201c\"]([^\u201d\"]+)[\u201d\"]")

    def zh_topics(self, paragraph: Paragraph) -> None:
        text = paragraph.text
        if "分组" not in text and "议题" not in text:
            return
        cue = re.search(r"议题(?:分别)?(?:为|是|包括)|围绕|就", text)
        if cue is None:
            return
        sessions = self.records.items_of(ItemKind.BREAKOUT_SESSION)
        end = text.find("。", cue.end())
        quoted = list(self._ZH_QUOTED.finditer(text, cue.start(),
                                               end if end >= 0 else len(text)))
        titles: dict[str, str] = {}
        for item in sessions:
            words = in_language(item, "title", "zh")
            titles[_fold(words.text)] = words.text
            titles.setdefault(_fold(item.title), item.title)
        chinese_recorded = any(not in_language(item, "title", "zh").is_fallback
                               for item in sessions)
        for quote in quoted:
            topic = quote.group(1)
            key = _fold(topic)
            if key in titles:
                self.note("breakout_topic", paragraph, topic, titles[key], MATCH, quote.span())
            elif not sessions or (has_chinese(topic) and not chinese_recorded):
                self.note("breakout_topic", paragraph, topic,
                          "no Chinese title of the breakout sessions is recorded"
                          if sessions else None, UNVERIFIED, quote.span())
            else:
                self.note("breakout_topic", paragraph, topic, "not a breakout session; the "
                          "sessions are " + "; ".join(f'"{t}"' for t in titles.values()),
                          MISMATCH, quote.span())

    _ZH_THEME = re.compile("主题(?:为|是)[:：]?[\u201c\"](?P<theme>[^\u201d\"]+)[\u201d\"]"
                           "|以[\u201c\"](?P<theme2>[^\u201d\"]+)[\u201d\"]为(?:主题|题)")

    def zh_theme(self, paragraph: Paragraph) -> None:
        for match in self._ZH_THEME.finditer(paragraph.text):
            said = match.group("theme") or match.group("theme2")
            if not self.edition.theme:
                self.note("theme", paragraph, said, None, UNVERIFIED, match.span())
                continue
            words = in_language(self.edition, "theme", "zh")
            if _fold(said) in (_fold(words.text), _fold(self.edition.theme)):
                self.note("theme", paragraph, said, words.text, MATCH, match.span())
            elif words.is_fallback and has_chinese(said):
                self.note("theme", paragraph, said, f"{self.edition.theme} (no Chinese theme "
                          "is recorded)", UNVERIFIED, match.span())
            else:
                self.note("theme", paragraph, said, words.text, MISMATCH, match.span())

    _ZH_DATE = (r"(?:(?P<y1>\d{4})年)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日"
                r"(?:\s*(?:至|到|—|–|-|～|~)\s*(?:(?P<y2>\d{4})年)?(?:(?P<m2>\d{1,2})月)?"
                r"(?P<d2>\d{1,2})日)?")
    _ZH_HELD = re.compile(rf"{_ZH_DATE}[，,]?(?:在(?P<place>[^，。；、]{{1,30}}?))?"
                          r"(?:隆重)?(?:举行|召开|举办)")
    _ZH_HELD_IN = re.compile(r"在(?P<place>[^，。；、]{1,30}?)(?:隆重)?(?:举行|召开|举办)")

    def _zh_dates(self, match: re.Match) -> tuple[dt.date, dt.date] | None:
        edition = self.edition
        try:
            year1 = int(match.group("y1") or edition.start_date.year)
            start = dt.date(year1, int(match.group("m1")), int(match.group("d1")))
            if match.group("d2") is None:
                return start, start
            month2 = int(match.group("m2") or match.group("m1"))
            year2 = int(match.group("y2") or year1)
            return start, dt.date(year2, month2, int(match.group("d2")))
        except ValueError:
            return None

    def _zh_records_place(self) -> str:
        city = in_language(self.edition, "city", "zh").text if self.edition.city else ""
        country = _zh_country(self.edition.country_code)
        return f"{country or ''}{city}"

    def _zh_place(self, paragraph: Paragraph | str, place: str,
                  span: tuple[int, int]) -> None:
        """中国苏州, 苏州, 中国江苏省苏州市: the country (CLDR's Chinese name) and the city as
        the records give it in Chinese; without a Chinese city name the place is read but
        unverified, since no Chinese value was recorded to compare it with."""
        edition = self.edition
        rest = place.strip()
        country = _zh_country(edition.country_code)
        if country and rest.startswith(country):
            rest = rest[len(country):]
        elif edition.country_code and rest.startswith(tuple(_ZH_COUNTRY_NAMES)) and not (
                country and rest.startswith(country)):
            self.note("place", paragraph, place, self._zh_records_place() or None, MISMATCH,
                      span)
            return
        if edition.region:
            region = in_language(edition, "region", "zh") if hasattr(edition, "region") else None
            if region is not None and not region.is_fallback and rest.startswith(region.text):
                rest = rest[len(region.text):]
        rest = rest.removesuffix("市")
        if not edition.city:
            self.note("place", paragraph, place, self._zh_records_place() or None,
                      UNVERIFIED, span)
            return
        city = in_language(edition, "city", "zh")
        if _fold(rest) == _fold(city.text.removesuffix("市")) or _fold(rest) == _fold(
                edition.city):
            self.note("place", paragraph, place, self._zh_records_place(), MATCH, span)
        elif city.is_fallback and has_chinese(rest):
            self.note("place", paragraph, place, f"{self._zh_records_place()} (no Chinese "
                      "name of the city is recorded)", UNVERIFIED, span)
        else:
            self.note("place", paragraph, place, self._zh_records_place(), MISMATCH, span)

    def zh_place_and_dates(self, paragraph: Paragraph) -> None:
        edition = self.edition
        records_say = dates.prose_span(edition.start_date, edition.end_date, None,
                                       with_year=True)
        dated: list[tuple[int, int]] = []
        for match in self._ZH_HELD.finditer(paragraph.text):
            found = self._zh_dates(match)
            same = found == (edition.start_date, edition.end_date)
            date_span = (match.start(), match.end("d2") if match.group("d2") else
                         match.end("d1") + 1)
            dated.append(match.span())
            self.note("dates", paragraph, paragraph.text[date_span[0]:date_span[1]],
                      records_say, MATCH if same else MISMATCH, date_span)
            if match.group("place"):
                self._zh_place(paragraph, match.group("place"), match.span("place"))
        for match in self._ZH_HELD_IN.finditer(paragraph.text):
            if any(start <= match.start() < end for start, end in dated):
                continue
            self._zh_place(paragraph, match.group("place"), match.span("place"))

    _ZH_DATELINE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
                              r"(?:\s*[，,]\s*(?P<place>[^）)]+))?")

    def chinese_dateline(self) -> None:
        if not has_chinese(self.dateline):
            return
        match = self._ZH_DATELINE.search(self.dateline)
        if match is None:
            return
        edition = self.edition
        try:
            day = dt.date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        except ValueError:
            day = None
        same = day is not None and edition.start_date <= day <= edition.end_date
        self.note("dateline", "dateline", match.group(0).split("，")[0].split(",")[0],
                  dates.prose_span(edition.start_date, edition.end_date, "zh",
                                   with_year=True), MATCH if same else MISMATCH,
                  (match.start(), match.end("d")))
        if match.group("place"):
            self._zh_place("dateline", match.group("place"), match.span("place"))

    _ZH_HOSTED = re.compile(r"由(?P<host>[^，。；、]{2,60}?)(?:主办|举办|承办)")

    def zh_host(self, paragraph: Paragraph) -> None:
        host = self.records.host
        for match in self._ZH_HOSTED.finditer(paragraph.text):
            said = match.group("host")
            if host is None:
                self.note("host", paragraph, said, None, UNVERIFIED, match.span("host"))
                continue
            key = _organization_key(host)
            names = [host.name] + ([host.acronym] if host.acronym else [])
            names += list(ZH_ORGANIZATIONS.get(key, ())) if key else []
            zh_name = in_language(host, "name", "zh") if hasattr(host, "name") else None
            if zh_name is not None and not zh_name.is_fallback:
                names.append(zh_name.text)
            folded = _fold(said)
            same = any(n and _fold(n) in folded for n in names)
            known = any(name in said for names_ in ZH_ORGANIZATIONS.values()
                        for name in names_)
            if same:
                self.note("host", paragraph, said, _organization_label(host), MATCH,
                          match.span("host"))
            elif known or not has_chinese(said):
                self.note("host", paragraph, said, _organization_label(host), MISMATCH,
                          match.span("host"))
            else:
                self.note("host", paragraph, said, f"{_organization_label(host)} (no "
                          "Chinese name recorded to compare with)", UNVERIFIED,
                          match.span("host"))

    def zh_organizations(self, paragraph: Paragraph) -> None:
        """Organizations named in Chinese (with or without their acronym in brackets):
        each must be one the records list for the edition, and an acronym beside a
        Chinese name must be that organization's."""
        text = paragraph.text
        recorded = {key for key in (_organization_key(o) for o in self.records.organizations)
                    if key}
        taken: list[tuple[int, int]] = []
        names = sorted(((name, key) for key, names_ in ZH_ORGANIZATIONS.items()
                        for name in names_), key=lambda pair: len(pair[0]), reverse=True)
        for name, key in names:
            for match in re.finditer(re.escape(name), text):
                if any(start < match.end() and match.start() < end for start, end in taken):
                    continue
                taken.append(match.span())
                span = match.span()
                bracket = re.match(r"\s*[（(]\s*(?P<acronym>[A-Z][A-Za-z-]{1,15})\s*[）)]",
                                   text[match.end():])
                said = name
                if bracket:
                    said = name + text[match.end():match.end() + bracket.end()].strip()
                    span = (match.start(), match.end() + bracket.end())
                    acronym = bracket.group("acronym")
                    if acronym.upper() != key.upper():
                        self.note("organization", paragraph, said,
                                  f"{name}: {key}", MISMATCH, span)
                        continue
                if not self.records.organizations:
                    self.note("organization", paragraph, said, None, UNVERIFIED, span)
                elif key in recorded:
                    organization = next(o for o in self.records.organizations
                                        if _organization_key(o) == key)
                    self.note("organization", paragraph, said,
                              _organization_label(organization), MATCH, span)
                else:
                    self.note("organization", paragraph, said,
                              "not among the organizations recorded for the edition",
                              MISMATCH, span)

    def zh_people(self, paragraph: Paragraph) -> None:
        """A speaker the records name, written in the Latin letters the records hold (a
        Chinese text keeps a foreign name so, often with the Chinese one beside it): read
        and found among the programme's speakers. The position is in English only in the
        records, so a Chinese position is not compared."""
        text = paragraph.text
        for person in self.records.speakers:
            chinese = in_language(person, "full_name", "zh") if hasattr(
                person, "full_name") else None
            spellings = [person.full_name]
            if chinese is not None and not chinese.is_fallback:
                spellings.append(chinese.text)
            for spelling in spellings:
                found = text.find(spelling)
                if found < 0:
                    continue
                self.note("speaker", paragraph, spelling,
                          f"{person.full_name}, {person.position}" if person.position
                          else person.full_name, MATCH, (found, found + len(spelling)))
                break


_ZH_COUNTRY_NAMES: dict[str, str] = {}


def _zh_country(code: str | None) -> str | None:
    """A country's Chinese name from CLDR (中国 for CN)."""
    if not code:
        return None
    if not _ZH_COUNTRY_NAMES:
        from babel import Locale

        _ZH_COUNTRY_NAMES.update({name: territory for territory, name in
                                  Locale.parse("zh").territories.items()
                                  if len(territory) == 2 and territory.isalpha()})
    return next((name for name, territory in _ZH_COUNTRY_NAMES.items()
                 if territory == code.upper()), None)


@dataclass
class Paragraph:
    index: int
    section: str
    text: str  # normalized


# Where a sentence ends: after a full stop, question or exclamation mark (and a closing
# quote or bracket) before a space in English; after the Chinese full stop, question and
# exclamation marks and semicolon, with no space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])"
                           r"|(?<=[\u3002\uff01\uff1f\uff1b])[\u201d\u2019\uff09\u300b]*")
# A text is read too little to assure anyone when fewer sentences than this share of its
# characters hold a claim the check understood.
LOW_COVERAGE_SHARE = 0.15
# How much less a language version may be read than the English one before publishing it
# needs a confirmation (sentences split a little differently between languages).
COVERAGE_TOLERANCE = 0.05


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a paragraph, blank ones left out."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(text)))
    return [(b, e) for b, e in spans if text[b:e].strip()]


class Checker(ChineseClaims):
    def __init__(self, records: Records, content: dict[str, Any],
                 language: str | None = None):
        self.records = records
        self.edition = records.edition
        self.language = language or "en"
        self.paragraphs = [
            Paragraph(index, service.section_number(number, self.language), normalize(text))
            for index, (number, text) in enumerate(
                (number, text)
                for number, section in enumerate(content["sections"], start=1)
                for text in section["paragraphs"])]
        self.dateline = normalize(content.get("dateline") or "")
        self.checked: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
        self.mismatches: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
        # (paragraph index or -1 for the dateline, span) of every claim read.
        self.read: list[tuple[int, tuple[int, int]]] = []
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
            self.chinese_claims(paragraph)
        if self.dateline:
            self.dateline_check()
            self.chinese_dateline()

    # Reporting ----------------------------------------------------------------------

    def note(self, kind: str, where: Paragraph | str, text_says: str,
             records_say: str | None, result: str, span: tuple[int, int] | None = None
             ) -> None:
        section = where if isinstance(where, str) else where.section
        text = self.dateline if isinstance(where, str) else where.text
        if span is None:
            found = text.find(text_says)
            span = (found, found + len(text_says)) if found >= 0 else None
        # Reported in reading order: dateline first, then paragraph by paragraph.
        order = (-1 if isinstance(where, str) else where.index,
                 span[0] if span else 0, len(self.checked))
        if span is not None:
            self.read.append((order[0], span))
        excerpt = _excerpt(text, span) if span else text_says
        entry = {"kind": kind, "section": section, "text_says": text_says,
                 "records_say": records_say, "result": result, "excerpt": excerpt}
        self.checked.append((order, entry))
        if result == MISMATCH:
            self.mismatches.append((order, {
                "kind": kind, "section": section, "text_says": text_says,
                "records_say": records_say, "excerpt": excerpt}))

    def coverage(self) -> dict[str, Any]:
        """How much of the text the check read: a sentence counts as read when a claim
        the check understood lies in it; the others are listed, so nobody takes "no
        mismatch" for more than it is."""
        total_chars = read_chars = total = read = 0
        unread: list[dict[str, str]] = []
        for paragraph in self.paragraphs:
            spans = [span for where, span in self.read if where == paragraph.index]
            for begin, end in sentences(paragraph.text):
                size = len(paragraph.text[begin:end].strip())
                total += 1
                total_chars += size
                if any(begin <= start < end or start <= begin < stop
                       for start, stop in spans):
                    read += 1
                    read_chars += size
                else:
                    sentence = " ".join(paragraph.text[begin:end].split())
                    unread.append({"section": paragraph.section,
                                   "excerpt": sentence if len(sentence) <= 160
                                   else sentence[:157] + "\u2026"})
        share = round(read_chars / total_chars, 3) if total_chars else 0.0
        body_claims = sum(1 for where, _ in self.read if where >= 0)
        return {"sentences": total, "sentences_read": read, "characters": total_chars,
                "characters_read": read_chars, "share": share,
                "claims": len(self.checked), "body_claims": body_claims,
                "dateline_read": any(where == -1 for where, _ in self.read),
                "low": body_claims == 0 or share < LOW_COVERAGE_SHARE,
                "unread": unread}

    def report(self) -> dict[str, Any]:
        mismatches = [entry for _, entry in sorted(self.mismatches, key=lambda e: e[0])]
        coverage = self.coverage()
        if mismatches:
            verdict = "mismatches"
        elif coverage["low"]:
            verdict = "low_coverage"
        else:
            verdict = "no_mismatch"
        return {"ok": verdict == "no_mismatch", "verdict": verdict,
                "language": self.language, "mismatches": mismatches,
                "checked": [entry for _, entry in sorted(self.checked, key=lambda e: e[0])],
                "coverage": coverage}

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
            records_say = _records_figure(kind, figure)
        elif fallback is not None:
            value, label = fallback
            same = said_value == value and said_qualifier is None
            records_say = translate(label, {"number": format_decimal(value, locale=language())})
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
        fallback = ((count, N_("%(number)s countries and regions (countries of the recorded "
                                "organizations)")) if count else None)
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
                records_say = _sessions_in_programme(len(sessions))
                self.note("breakout_sessions", paragraph, text_says, records_say,
                          MATCH if said == len(sessions) else MISMATCH, match.span())
        if sessions and "breakout" in paragraph.text.lower():
            for match in self._TOPIC_COUNT.finditer(paragraph.text):
                said = parse_number(match.group("num"))
                self.note("breakout_sessions", paragraph, " ".join(match.group(0).split()),
                          _topics_in_programme(len(sessions)),
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
                    records_say = _("not a breakout session; the sessions are %(titles)s",
                                    titles=format_list([f"“{t}”" for t in titles.values()],
                                                       locale=language()))
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
            records_say = dates.prose_span(edition.start_date, edition.end_date, None,
                                           with_year=True)
            same = start == edition.start_date and end == edition.end_date
            self.note("dates", paragraph, said, records_say, MATCH if same else MISMATCH,
                      (match.start("m1"), match.end()))

    @staticmethod
    def _dates(match: re.Match, default_year: int) -> tuple[dt.date, dt.date]:
        month1 = _MONTH_NUMBERS[match.group("m1")]
        year1 = int(match.group("y1") or match.group("y2") or default_year)
        start = dt.date(year1, month1, int(match.group("d1")))
        if match.group("d2") is None:
            return start, start
        month2 = _MONTH_NUMBERS[match.group("m2")] if match.group("m2") else month1
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
            day = dt.date(int(match.group("y")), _MONTH_NUMBERS[match.group("m")],
                          int(match.group("d")))
        except ValueError:
            day = None
        said = f"{match.group('m')} {match.group('d')}, {match.group('y')}"
        records_say = dates.prose_span(edition.start_date, edition.end_date, None,
                                       with_year=True)
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
                      _("not among the speakers in the programme"), MISMATCH, span)


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

def check_content(edition: Edition, content: dict[str, Any],
                  language: str | None = None) -> dict[str, Any]:
    checker = Checker(edition_records(edition), content, language)
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
            **check_content(edition, rev.content, statement.language)}
