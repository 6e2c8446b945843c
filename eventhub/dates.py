"""Dates as people write them in English and Chinese, for mails and pages alike:
"9 September 2024", "9-10 September 2024" (with an en dash), "2024年9月9日至10日"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date, format_datetime, format_interval, get_timezone_name


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    from eventhub.i18n import language

    return language()


def day(value: dt.date, locale: str | None = None) -> str:
    """A date as the language writes it in full: "September 9, 2024", "2024年9月9日"."""
    return format_date(value, "long", locale=_locale(locale))


def day_span(start: dt.date, end: dt.date | None = None, locale: str | None = None) -> str:
    """Two dates as one span, shared parts written once (CLDR interval formats)."""
    if end is None or end == start:
        return day(start, locale)
    return format_interval(start, end, "yMMMd", locale=_locale(locale))


def moment(value: dt.datetime, zone: str, locale: str | None = None) -> str:
    """A point in time in a named zone, with the zone named, so a focal point abroad and an
    organizer in Beijing read the same deadline the same way."""
    tz = zoneinfo.ZoneInfo(zone)
    code = _locale(locale)
    when = format_datetime(value, "medium", tzinfo=tz, locale=code)
    return f"{when} ({get_timezone_name(tz, 'long', locale=code)})"

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def long_date_en(value: dt.date) -> str:
    # Month names spelled out here, not by strftime, so no locale changes them.
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def date_range_en(start: dt.date, end: dt.date | None = None) -> str:
    if end is None or end == start:
        return long_date_en(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{end.day} {_MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} \u2013 {long_date_en(end)}"
    return f"{long_date_en(start)} \u2013 {long_date_en(end)}"


def date_zh(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def date_range_zh(start: dt.date, end: dt.date | None = None) -> str:
    if end is None or end == start:
        return date_zh(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{date_zh(start)}至{end.day}日"
    if start.year == end.year:
        return f"{date_zh(start)}至{end.month}月{end.day}日"
    return f"{date_zh(start)}至{date_zh(end)}"
