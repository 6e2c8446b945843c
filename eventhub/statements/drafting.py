"""A first draft of the Chair's Statement from the edition's records, in the style of the
2024 statement's factual sections:

I.   where and when it took place and who hosted it; attendance ("About 300 guests"
     only from a reported figure, with its qualifier; otherwise the recorded count of
     countries and regions, stated as a count); the international organizations taking
     part; the opening and welcome speeches.
II.  the theme; the plenary speakers, "Name, Position; ...; and Name, Position.", in
     running order; other plenary speeches.
III. the breakout sessions and their topics; exhibitions as the programme describes them.

Nothing is written that the records do not hold: a missing fact leaves its sentence out.
The discussion, conclusions and thanks (sections IV to VIII in 2024) are for the chair
to write.
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError

from eventhub import dates
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import OrganizationKind, Person
from eventhub.editions.models import Edition
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.editions.words import in_language
from eventhub.errors import Unprocessable
from eventhub.i18n import N_, _, force_locale
from eventhub.programme.models import Delivery, ItemKind, Speech, SpeechRole
from eventhub.statements import service
from eventhub.statements.factcheck import (
    Records,
    country_name,
    edition_records,
    number_words,
)
from eventhub.statements.models import Statement

LANGUAGES = ("en",)
_SPEECHES = {
    SpeechRole.OPENING_SPEECH: "an opening speech",
    SpeechRole.WELCOME_SPEECH: "a welcome speech",
    SpeechRole.KEYNOTE: "a keynote speech",
    SpeechRole.PLENARY_SPEECH: "a speech",
    SpeechRole.SPEECH: "a speech",
}


def draft_from_record(actor: Actor, slug: str, language: str = "en") -> Statement:
    """Create a draft Chair's Statement (revision 1) from the edition's records."""
    authorize(actor, Permission.MANAGE_STATEMENTS)
    if language not in LANGUAGES:
        raise Unprocessable.for_field(
            "language", N_("A first draft is written in English; start other language "
                           "versions from it."), code="statement.draft_language")
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    content = compose(edition_records(edition))
    return service.create_statement(actor, slug, {
        "kind": "chairs_statement", "language": language, "content": content,
        "note": "First draft generated from the edition's records"})


def compose(records: Records) -> dict[str, Any]:
    edition = records.edition
    short = _short_name(edition.title)
    sections = [
        _section_one(records, short),
        _section_two(records, short),
        _section_three(records, short),
    ]
    title, dateline = heading(edition, "chairs_statement", "en")
    return {
        "title": title,
        "dateline": dateline,
        "sections": [{"paragraphs": [" ".join(s)]} for s in sections if s],
    }


# Title and dateline in a language ----------------------------------------------------

def _country_in(code: str | None, language: str) -> str | None:
    if not code:
        return None
    if language == "en":
        return country_name(code)
    try:
        return Locale.parse(language).territories.get(code.upper()) or country_name(code)
    except (UnknownLocaleError, ValueError):
        return country_name(code)


def heading(edition: Edition, kind: str | None, language: str,
            fallback_title: str | None = None) -> tuple[str, str]:
    """A statement's title and dateline written in its own language from the edition's
    words and dates (never a translation of another version's strings): "Chair's
    Statement at <title>" / "<title>主席声明", "(September 10, 2024, Suzhou, China)" /
    "(2024年9月10日, 中国苏州)" in full-width brackets and comma. The edition's title
    and city come through editions.words, so a missing Chinese value shows the English
    one. Other kinds of
    statement keep `fallback_title` (the version they were made from)."""
    code = language.replace("-", "_").split("_")[0]
    with force_locale(code):
        if kind == "chairs_statement" or fallback_title is None:
            name = in_language(edition, "title", code).text
            title = _("Chair's Statement at %(title)s", title=name)
        else:
            title = fallback_title
        city = in_language(edition, "city", code).text if edition.city else ""
        country = _country_in(edition.country_code, code)
        if city and country:
            place = _("%(city)s, %(country)s", city=city, country=country)
        else:
            place = city or country or ""
        day = dates.day(edition.end_date, code, "statement")
        dateline = (_("(%(date)s, %(place)s)", date=day, place=place) if place
                    else _("(%(date)s)", date=day))
    return title, dateline


# Sections ---------------------------------------------------------------------------

def _section_one(records: Records, short: str) -> list[str]:
    edition = records.edition
    sentences = []
    opening = _capitalize(_with_article(edition.title))
    if short != edition.title:
        opening += f' (hereinafter referred to as the "{short}")'
    opening += " took place"
    place = ", ".join(p for p in (edition.city, country_name(edition.country_code)) if p)
    if place:
        opening += f" in {place}"
    if edition.start_date == edition.end_date:
        opening += f" on {dates.prose_span(edition.start_date, locale='en')}"
    else:
        opening += f" from {dates.prose_span(edition.start_date, edition.end_date, 'en')}"
    if records.host is not None:
        opening += f", hosted by {_with_article(_organization(records.host))}"
    sentences.append(opening + ".")
    if attendance := _attendance(records, short):
        sentences.append(attendance)
    for item in records.items_of(ItemKind.OPENING_CEREMONY):
        sentences.extend(_speech_sentence(speech) for speech in item.speeches
                         if speech.role in _SPEECHES)
    return sentences


def _attendance(records: Records, short: str) -> str | None:
    guests = records.figures.get("guests")
    countries = records.figures.get("countries_and_regions")
    if countries is not None:
        countries_phrase = _figure(countries.qualifier, countries.value,
                                   "countries and regions")
    elif records.counts.get("countries_and_regions"):
        # Counted from the recorded organizations: a count, stated as one.
        countries_phrase = f"{records.counts['countries_and_regions']} countries and regions"
    else:
        countries_phrase = None
    international = [_with_article(_organization(o)) for o in records.organizations
                     if o.kind == OrganizationKind.INTERNATIONAL_ORGANIZATION
                     and o.id != records.edition.host_organization_id]
    officials = f"officials from {_join(international)}" if international else None
    if guests is not None:
        sentence = _capitalize(_figure(guests.qualifier, guests.value, "guests"))
        sentence += f" attended the {short}"
        including = [p for p in (
            f"representatives of {countries_phrase}" if countries_phrase else None,
            officials) if p]
        if including:
            sentence += ", including " + ", and ".join(including)
        return sentence + "."
    if countries_phrase:
        who = ("Representatives of " if countries is not None
               else "Representatives of organizations from ")
        sentence = f"{who}{countries_phrase} took part in the {short}"
        if officials:
            sentence += f", including {officials}"
        return sentence + "."
    if officials:
        return _capitalize(f"{officials} took part in the {short}.")
    return None


def _section_two(records: Records, short: str) -> list[str]:
    sentences = []
    if records.edition.theme:
        sentences.append(f'The {short} was held under the theme of '
                         f'"{records.edition.theme}".')
    plenaries = records.items_of(ItemKind.PLENARY)
    for item in plenaries:
        listed = [s for s in item.speeches if s.role == SpeechRole.PLENARY_SPEECH]
        others = [s for s in item.speeches if s.role != SpeechRole.PLENARY_SPEECH
                  and s.role in _SPEECHES]
        if listed:
            meeting = ("the plenary meeting" if len(plenaries) == 1
                       else f'the plenary meeting "{item.title}"')
            entries = [_name_and_position(s.person_as_shown) for s in listed]
            sentences.append(f"Among the distinguished guests delivering speeches during "
                             f"{meeting} were: {_join(entries, ';')}.")
        sentences.extend(_speech_sentence(speech) for speech in others)
    return sentences


def _section_three(records: Records, short: str) -> list[str]:
    sentences = []
    sessions = records.items_of(ItemKind.BREAKOUT_SESSION)
    figure = records.figures.get("breakout_sessions")
    count = figure.value if figure is not None else len(sessions)
    if count:
        qualifier = f"{figure.qualifier} " if figure is not None and figure.qualifier else ""
        noun = "breakout session" if count == 1 and not qualifier else "breakout sessions"
        sentences.append(f"The {short} had {qualifier}{number_words(count)} {noun}.")
    topics = [f'"{item.title}"' for item in sessions]
    if len(topics) == 1:
        sentences.append(f"The attendees exchanged views on the topic {topics[0]}.")
    elif topics:
        sentences.append(f"The attendees exchanged views on the {number_words(len(topics))} "
                         f"topics, namely {_join(topics)}.")
    if sessions:
        for item in records.items_of(ItemKind.EXHIBITION):
            if item.description and item.description.strip():
                sentences.append(item.description.strip())
    return sentences


# Phrasing ---------------------------------------------------------------------------

def _short_name(title: str) -> str:
    for short in ("Sub-Forum", "Forum", "Conference", "Meeting"):
        if short.lower() in title.lower():
            return short
    return title


def _with_article(name: str) -> str:
    return name if name.lower().startswith("the ") else f"the {name}"


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _organization(organization) -> str:
    return (f"{organization.name} ({organization.acronym})" if organization.acronym
            else organization.name)


def _figure(qualifier: str | None, value: int, unit: str) -> str:
    return " ".join(part for part in (qualifier, str(value), unit) if part)


def _name_and_position(person: Person) -> str:
    return f"{person.full_name}, {person.position}" if person.position else person.full_name


def _speech_sentence(speech: Speech) -> str:
    what = _SPEECHES[speech.role]
    if speech.delivery == Delivery.VIDEO:
        what += " via video"
    elif speech.delivery == Delivery.RECORDED:
        what += " by recorded video"
    person = speech.person_as_shown
    if person.position:
        return f"{person.full_name}, {person.position}, delivered {what}."
    return f"{person.full_name} delivered {what}."


def _join(items: list[str], separator: str = ",") -> str:
    """A, B, and C (2024 puts a comma before the last "and"); with ";" for lists whose
    entries contain commas."""
    if len(items) == 1:
        return items[0]
    if len(items) == 2 and separator == ",":
        return f"{items[0]} and {items[1]}"
    return f"{separator} ".join(items[:-1]) + f"{separator} and {items[-1]}"

