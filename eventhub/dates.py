"""Every date EventHub writes out, in one place, from Babel's CLDR data: no module spells
month names itself.

Named styles, because one document keeps one form wherever the date appears:

- ``long`` (pages and mails): the language's CLDR long date, "September 9, 2024",
  "2024年9月9日";
- ``statement`` (a Chair's Statement's dateline and text): "September 10, 2024" in
  English as the 2024 statement writes it, the CLDR long date elsewhere;
- ``day_month_year`` (letters in the international form): "9 September 2024".

Spans write what the two dates share once: ``day_span`` for pages, ``prose_span`` for the
running text of a statement ("September 9 to 10", "9月9日至10日").
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel import Locale
from babel.dates import format_date, format_interval, format_time, get_timezone_name

# Babel patterns by style and language; a language without its own pattern takes the
# CLDR format named in DEFAULTS.
STYLES: dict[str, dict[str, str]] = {
    "long": {},
    "statement": {"en": "MMMM d, y"},
    "day_month_year": {"en": "d MMMM y"},
}
DEFAULTS = {"long": "long", "statement": "long", "day_month_year": "long"}
# Running text: a day of a month without its year, and how a span joins its ends.
_PROSE = {
    "en": {"day": "MMMM d", "same_month": "d", "joiner": " to "},
    "zh": {"day": "M月d日", "same_month": "d日", "joiner": "至"},
}


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    from eventhub.i18n import language

    return language()


def _primary(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0]


def day(value: dt.date, locale: str | None = None, style: str = "long") -> str:
    """A date as the language writes it in full, in a named style (see STYLES)."""
    code = _locale(locale)
    pattern = STYLES[style].get(_primary(code), DEFAULTS[style])
    return format_date(value, pattern, locale=code)


def day_span(start: dt.date, end: dt.date | None = None, locale: str | None = None) -> str:
    """Two dates as one span, shared parts written once (CLDR interval formats)."""
    if end is None or end == start:
        return day(start, locale)
    return format_interval(start, end, "yMMMd", locale=_locale(locale))


def prose_span(start: dt.date, end: dt.date | None = None, locale: str | None = None,
               *, with_year: bool = False) -> str:
    """The dates of a meeting in a sentence: "September 9 to 10", "September 30 to
    October 1", "9月9日至10日"; with the year: "September 9 to 10, 2024",
    "2024年9月9日至10日". Languages without a prose form take the CLDR interval."""
    code = _locale(locale)
    prose = _PROSE.get(_primary(code))
    if prose is None:
        if with_year:
            return day_span(start, end, code)
        if end is None or end == start:
            return format_date(start, "MMMMd", locale=code)
        return format_interval(start, end, "MMMd", locale=code)
    if with_year and end is not None and end.year != start.year:
        return (day(start, code, "statement") + prose["joiner"]
                + day(end, code, "statement"))
    first = format_date(start, prose["day"], locale=code)
    if end is not None and end != start:
        same_month = (end.year, end.month) == (start.year, start.month)
        first += prose["joiner"] + format_date(
            end, prose["same_month"] if same_month else prose["day"], locale=code)
    if not with_year:
        return first
    year = (end or start).year
    if _primary(code) == "zh":
        return f"{start.year}年{first}"
    return f"{first}, {year}"


def zone_name(zone: str, locale: str | None = None) -> str:
    """A time zone's name in the language ("China Time"); UTC, for which CLDR has none
    ("Unknown Region (UTC) Time"), as "UTC"."""
    if zone == "UTC":
        return "UTC"
    return get_timezone_name(zoneinfo.ZoneInfo(zone), "long", locale=_locale(locale))


def moment(value: dt.datetime, zone: str, locale: str | None = None) -> str:
    """A point in time in a named zone, with the zone named, so a focal point abroad and an
    organizer in Beijing read the same deadline the same way."""
    from eventhub.i18n import force_locale, gettext

    tz = zoneinfo.ZoneInfo(zone)
    code = _locale(locale)
    if value.tzinfo is None:  # stored as UTC without its zone (SQLite)
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(tz)
    # The language's own way of joining a date and a time ("{1}, {0}", "{1} {0}"), with
    # the time to the minute: seconds mean nothing in a deadline.
    joined = str(Locale.parse(code).datetime_formats["medium"]).format(
        format_time(local, "short", locale=code), format_date(local, "medium", locale=code))
    with force_locale(code):
        return gettext("%(moment)s (%(zone)s)", moment=joined, zone=zone_name(zone, code))
