"""What the language acceptance tests share (issue 14): reading the user-facing text of an
HTML page or template, telling data (names, titles, codes, numbers, dates) apart from
interface text, and a walk over every page of every audience on a record seeded with the
2024 edition plus an open edition with an invitation, a delegation, a breakout session
and a statement under revision.

How "data" is decided, explicitly:
- every string stored in the domain tables of the database (names, titles, e-mails,
  statement texts...) and what a test typed into a form, except lower-case identifiers
  such as "pending" or "delegate": those are codes the interface must translate when it
  shows them;
- the words a locale's own CLDR data gives Babel for dates, countries and time zones
  (month and day names, "Ĉinujo", "tempo", ...), and each offered language's own name
  (the language switch);
- e-mail addresses, URLs, Roman section numbers (I., II., ...), and the few names in
  ALLOWED_WORDS;
- on the pages that quote (QUOTING_PAGES: the fact check, quoting a statement's claims),
  a line that is, word for word, a phrase of two words or more from a stored prose text.
What remains after removing data, digits, punctuation and whitespace must hold no word of
3 or more ASCII letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from flask import Flask

from eventhub.extensions import db

# Proper names and codes a translated page still writes in Latin letters.
ALLOWED_WORDS = frozenset({
    "EventHub",  # the product's name, in the header of every page
    # Names of file formats and interfaces, written in Latin letters in Chinese text too
    # ("下载PDF", "API令牌").
    "PDF", "CSV", "API", "PNG", "JPEG",
    # The formats and the program the import page names ("另存为“CSV UTF-8”", "Unicode文本").
    "UTF", "Unicode", "Excel",
    # Keys and systems named in the printing hint (Ctrl+P, and Mac for the Command key).
    "Ctrl", "Mac",
    # The query parameter a hint names literally ("带有 ?lang= 参数的链接").
    "lang",
})

# Attributes a person reads (or hears from a screen reader).
USER_FACING_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label",
                                    "aria-description", "aria-roledescription",
                                    "aria-valuetext", "label"})
SHOWN_VALUE_INPUTS = frozenset({"submit", "button", "reset"})
INVISIBLE_ELEMENTS = frozenset({"script", "style", "template"})
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                           "meta", "param", "source", "track", "wbr"})

ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# Latin words with the spaces and punctuation between them, up to the next CJK character.
LATIN_RUN = re.compile(r"[A-Za-z0-9(À-ɏ][A-Za-z0-9À-ɏ ,.'’&()\-]*[A-Za-z0-9À-ɏ.)]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|(?<![\w)])/)[\w\-./?=&%#:~+]+")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
# The numbers of an English document's sections (I., II., ... VIII.).
ROMAN_NUMERAL = re.compile(r"(?<![A-Za-z])(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})"
                           r"(?:IX|IV|V?I{0,3})(?![A-Za-z])")
# Stored texts this long are prose (a statement's paragraphs), which pages may quote.
PROSE_LENGTH = 30
# Tables whose strings are not shown as data of the pages: the audit trail, queued mails
# (their bodies are whole English sentences that would mask the same sentence on a page),
# secrets and bookkeeping.
NOT_DATA_TABLES = ("audit", "outbox", "mail", "token", "idempotency", "rate_limit",
                   "alembic", "bucket")


# Reading HTML -----------------------------------------------------------------------------

@dataclass
class Text:
    line: int
    where: str  # "text", or the attribute's name, e.g. "placeholder"
    text: str


class UserFacingText(HTMLParser):
    """Text nodes and user-facing attribute values, with their line, skipping scripts,
    styles and elements the page hides."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Text] = []
        self._invisible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        hidden = "hidden" in values or values.get("aria-hidden") == "true"
        if tag in INVISIBLE_ELEMENTS or (hidden and tag not in VOID_ELEMENTS):
            self._invisible.append(tag)
        if self._invisible:
            return
        line = self.getpos()[0]
        for name, value in values.items():
            if name in USER_FACING_ATTRIBUTES and value.strip():
                self.found.append(Text(line, name, value))
        if (tag == "input" and values.get("type", "").lower() in SHOWN_VALUE_INPUTS
                and values.get("value", "").strip()):
            self.found.append(Text(line, "value", values["value"]))
        if tag == "meta" and values.get("name") == "description" and values.get("content"):
            self.found.append(Text(line, "content", values["content"]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._invisible and self._invisible[-1] == tag:
            self._invisible.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._invisible and self._invisible[-1] == tag:
            self._invisible.pop()

    def handle_data(self, data: str) -> None:
        if not self._invisible and data.strip():
            self.found.append(Text(self.getpos()[0], "text", data))


def user_facing_text(html: str) -> list[Text]:
    parser = UserFacingText()
    parser.feed(html)
    parser.close()
    return parser.found


def one_line(text: str) -> str:
    return " ".join(text.split())


# Data -----------------------------------------------------------------------------------

def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)


def database_strings(app: Flask) -> set[str]:
    """Every string the domain tables hold (JSON documents included), one-lined."""
    found: set[str] = set()
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in inspector.get_table_names():
            if any(part in table for part in NOT_DATA_TABLES):
                continue
            columns = [column["name"] for column in inspector.get_columns(table)
                       if isinstance(column["type"], sa.String | sa.Text | sa.JSON)
                       or "json" in str(column["type"]).lower()]
            if not columns:
                continue
            names = ", ".join(f'"{name}"' for name in columns)
            for row in db.session.execute(sa.text(f'SELECT {names} FROM "{table}"')):
                for value in row:
                    if isinstance(value, str) and value[:1] in "[{":
                        try:
                            import json
                            value = json.loads(value)
                        except ValueError:
                            pass
                    found.update(one_line(text) for text in _strings_in(value))
        db.session.remove()
    return {text for text in found if text and not IDENTIFIER.fullmatch(text)}


def locale_words(locale: str, zones: Iterable[str] = ()) -> set[str]:
    """What Babel writes in a locale for dates, places and time zones: month and day
    names, day periods, eras, country and region names, and the names of the given zones."""
    from babel import Locale
    from babel.dates import get_timezone, get_timezone_location, get_timezone_name

    data = Locale.parse(locale)
    words: set[str] = set()

    def collect(tree: Any) -> None:
        if isinstance(tree, str):
            words.add(tree)
        elif hasattr(tree, "values"):
            for item in tree.values():
                collect(item)

    for table in (data.months, data.days, data.quarters, data.periods, data.day_periods,
                  data.eras, data.territories):
        collect(table)
    for zone in zones:
        tz = get_timezone(zone)
        for width in ("long", "short"):
            for generic in (False, True):
                words.add(get_timezone_name(tz, width, uncommon=generic, locale=data))
        words.add(get_timezone_location(tz, locale=data))
    return {one_line(word) for word in words if word}


class DataRecognizer:
    """Removes data from a text; what is left and looks like English is an offender."""

    def __init__(self, strings: Iterable[str]) -> None:
        ordered = sorted({one_line(s) for s in strings if s and s.strip()}, key=len,
                         reverse=True)
        # Whole values only, never a piece of a word: "Hall B" is data, the "all" in
        # "Install" is not. Chinese runs on without spaces ("管理Sub-Forum"), so only a
        # Latin letter or digit next to a value makes it a piece of a word.
        self._pattern = re.compile("|".join(
            rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])" for s in ordered)) \
            if ordered else None
        self._prose = "\n".join(s for s in ordered if len(s) >= PROSE_LENGTH)
        self._quotable = "\n".join(ordered)

    def strip(self, text: str) -> str:
        text = EMAIL.sub(" ", one_line(text))
        if self._pattern is not None:
            text = self._pattern.sub(" ", text)
        return ROMAN_NUMERAL.sub(" ", URL.sub(" ", text))

    def is_quotation(self, text: str) -> bool:
        """A phrase of two words or more taken word for word from a stored text (a fact
        check quotes the claims it found in the statement)."""
        phrase = one_line(text).strip(" .,;:()“”\"'")
        # An excerpt cut short ("… the principle of “Secu…"): the words around a cut may be
        # halves, so only the whole words between the cuts must be found.
        if phrase.endswith("…"):
            phrase = phrase[:-1].rsplit(" ", 1)[0]
        if phrase.startswith("…"):
            phrase = phrase[1:].split(" ", 1)[-1]
        phrase = phrase.strip(" .,;:()“”\"'")
        return len(phrase.split()) >= 2 and re.search(
            rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])", self._prose) is not None

    def english_words(self, text: str, *, quoting: bool = False) -> list[str]:
        """The English words left in a text once data is taken out; on a page that quotes
        stored prose (quoting=True: the fact check, comments), a quoted phrase is data too:
        a whole line taken from a stored text, or a run of Latin words within a line (a
        table row: "会期 September 9 to 10 2024年9月9日至10日") found word for word in one."""
        if quoting and self.is_quotation(text):
            return []
        if quoting:
            text = LATIN_RUN.sub(lambda run: self._unquoted(run.group()), one_line(text))
        return [word for word in ENGLISH_WORD.findall(self.strip(text))
                if word not in ALLOWED_WORDS]

    def _quoted_run(self, run: str) -> bool:
        phrase = run.strip(" .,;:()\"'")
        if phrase.endswith("..."):
            phrase = phrase[:-3].rsplit(" ", 1)[0]
        return len(phrase.split()) >= 2 and re.search(
            rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])", self._quotable,
            re.IGNORECASE) is not None

    def _unquoted(self, run: str) -> str:
        """What is left of a run of Latin words once its longest quoted stretches (two
        words or more, found in a stored text) are taken out: a table row runs a quote
        into the next cell ("September 9 to 10 2024年…")."""
        tokens = run.split(" ")
        for size in range(len(tokens), 1, -1):
            for first in range(len(tokens) - size + 1):
                if self._quoted_run(" ".join(tokens[first:first + size])):
                    return " ".join((self._unquoted(" ".join(tokens[:first])), " ",
                                     self._unquoted(" ".join(tokens[first + size:]))))
        return run


def language_names(app: Flask) -> set[str]:
    from eventhub.i18n import language_name

    with app.app_context():
        offered = list(app.extensions["eventhub_locales"])
    names = {language_name(code) for code in offered}
    from babel import Locale

    for shown_in in offered:
        for code in offered:
            names.add(Locale.parse(code).get_display_name(shown_in) or code)
    return names


def edition_zones(app: Flask) -> set[str]:
    with app.app_context():
        zones = set(db.session.scalars(sa.text("SELECT time_zone FROM editions")))
        db.session.remove()
    return zones | {"UTC"}


def recognizer_for(app: Flask, locale: str, page_app: Flask | None = None,
                   typed: Iterable[str] = ()) -> DataRecognizer:
    """Data as the module docstring defines it, read now (after the test made its rows),
    and what the test typed into forms."""
    return DataRecognizer(database_strings(app) | language_names(page_app or app)
                          | locale_words(locale, edition_zones(app)) | set(typed))


# The record the walks show ------------------------------------------------------------

OPEN_SLUG = "sfmmc-2025"
SEEDED_SLUG = "2024-suzhou"


@dataclass
class Record:
    token: str
    registration_id: int
    item_id: int
    seeded_item_id: int
    statement_id: int
    section_key: str
    seeded_statement_id: int
    published_statement_id: int
    published_section_key: str
    organization_id: int
    staff: dict[str, str] = field(default_factory=dict)  # role -> e-mail
    invitation_id: int = 0  # the open edition's (accepted) invitation


def build_record(app: Flask, organizer_client, secretariat_client, admin_client,
                 anonymous_client) -> Record:
    """The seeded 2024 edition (archived) plus an open edition: a sent and accepted
    invitation whose delegation has two members, a published breakout session, and a
    Chair's Statement with two revisions and a comment, a published summary (to be
    corrected). Everything through the API."""
    from _attendance import accepted_invitation, member, open_edition, organization
    from _statements import content, etag, put_section
    from conftest import make_user

    from eventhub.auth.models import Role

    open_edition(organizer_client, requires_approval=True)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    invitation, token = accepted_invitation(app, organizer_client, anonymous_client,
                                            org["id"], quota=3)
    members = [member("H.E. Ms. Suda Head", "suda.head@mfa.example", "head_of_delegation",
                      position="Director-General"),
               member("Mr. Niran Deputy", "niran.deputy@mfa.example", "delegate")]
    response = anonymous_client.put(f"/api/v1/rsvp/{token}/delegation",
                                    json={"members": members})
    assert response.status_code == 200, response.get_data(as_text=True)
    registration_id = response.json["members"][0]["registration_id"]
    edition = f"/api/v1/editions/{OPEN_SLUG}"
    response = admin_client.post(f"{edition}/programme/items", json={
        "kind": "breakout_session", "title": "Breakout I: Border management",
        "starts_at": "2030-11-20T14:00:00", "ends_at": "2030-11-20T15:30:00",
        "room": "Hall B", "capacity": 5})
    assert response.status_code == 201, response.get_data(as_text=True)
    item_id = response.json["id"]
    response = admin_client.post(f"{edition}/programme/versions",
                                 json={"note": "Published for the delegations"})
    assert response.status_code == 201, response.get_data(as_text=True)

    response = secretariat_client.post(f"{edition}/statements", json={
        "kind": "chairs_statement", "content": content(
            dateline="(November 20, 2030, Suzhou, China)")})
    assert response.status_code == 201, response.get_data(as_text=True)
    statement = response.json
    key = statement["sections"][1]["key"]
    edited = put_section(secretariat_client, statement["id"], key,
                         ["Participants exchanged views on coordinated border management."],
                         etag(response), slug=OPEN_SLUG)
    assert edited.status_code == 200, edited.get_data(as_text=True)
    response = secretariat_client.post(f"{edition}/statements/{statement['id']}/comments",
                                       json={"section_key": key, "body": "Check the term."})
    assert response.status_code == 201, response.get_data(as_text=True)

    response = secretariat_client.post(f"{edition}/statements", json={
        "kind": "summary", "content": content(title="Summary of the Sub-Forum")})
    assert response.status_code == 201, response.get_data(as_text=True)
    published = response.json
    for client, status in ((secretariat_client, "in_review"), (admin_client, "approved"),
                           (secretariat_client, "published")):
        body: dict[str, Any] = {"status": status}
        if status == "published":  # the made-up summary is not true to the record
            body["confirm"] = {"mismatches": True, "lower_coverage": True,
                               "reason": "test text"}
        response = client.post(f"{edition}/statements/{published['id']}/status", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)

    listed = admin_client.get(f"/api/v1/editions/{SEEDED_SLUG}/statements").json[0]
    seeded_statement = admin_client.get(
        f"/api/v1/editions/{SEEDED_SLUG}/statements/{listed['id']}").json
    seeded_items = admin_client.get(
        f"/api/v1/editions/{SEEDED_SLUG}/programme?version=draft").json["items"]
    staff = {role.value: make_user(app, role) for role in (Role.ORGANIZER, Role.SECRETARIAT)}
    return Record(token=token, registration_id=registration_id, item_id=item_id,
                  seeded_item_id=seeded_items[0]["id"], statement_id=statement["id"],
                  section_key=key, seeded_statement_id=seeded_statement["id"],
                  published_statement_id=published["id"],
                  published_section_key=published["sections"][0]["key"],
                  organization_id=org["id"], staff=staff, invitation_id=invitation["id"])


# Which pages, as whom ---------------------------------------------------------------------

@dataclass(frozen=True)
class PageVisit:
    audience: str  # "organizer", "secretariat", "focal point", "public"
    endpoint: str
    url: str


# Pages that show phrases quoted from stored texts (see DataRecognizer.is_quotation).
QUOTING_PAGES = frozenset({"web_secretariat.fact_check", "web_secretariat.review"})

# Pages that are not HTML for a person to read in the browser.
NOT_PAGES = frozenset({"web_manage.registration_csv", "web_manage.credential_file",
                       "web_manage.badges_pdf", "web_manage.delegation_badges_pdf",
                       "web_manage.registration_badge_pdf",
                       "web_manage.registration_import_template",
                       # Crawlers' and feed readers' files (tests/test_public_metadata.py).
                       "web_public.robots_txt", "web_public.sitemap_xml",
                       "web_public.archive_feed", "web_public.edition_feed"})


def page_visits(app: Flask, record: Record) -> list[PageVisit]:
    """Every GET page of the URL map, with real values: the open edition and the seeded
    2024 one for staff and the public, the focal point's real invitation link."""
    statement = {"slug": OPEN_SLUG, "statement_id": record.statement_id}
    seeded_statement = {"slug": SEEDED_SLUG, "statement_id": record.seeded_statement_id}
    published = {"slug": OPEN_SLUG, "statement_id": record.published_statement_id}
    values: dict[str, list[dict[str, Any]]] = {
        "web_public.home": [{}],
        "web_public.history": [{}],
        "web_public.edition": [{"slug": SEEDED_SLUG}],
        "web_public.statement": [seeded_statement, published],
        "web_public.organization": [{"organization_id": record.organization_id}],
        "web_account.login": [{}],
        "web_account.password": [{}],
        "web_account.account": [{}],
        "web_manage.dashboard": [{}],
        "web_manage.outbox_page": [{}],
        "web_manage.edition": [{"slug": OPEN_SLUG}, {"slug": SEEDED_SLUG}],
        "web_manage.check_in_page": [{"slug": OPEN_SLUG}],
        "web_manage.badges_page": [{"slug": OPEN_SLUG}],
        "web_manage.edition_words": [{"slug": OPEN_SLUG}, {"slug": SEEDED_SLUG}],
        "web_manage.invitation_list": [{"slug": OPEN_SLUG}],
        "web_manage.programme_page": [{"slug": OPEN_SLUG}, {"slug": SEEDED_SLUG}],
        "web_manage.item_edit": [{"slug": OPEN_SLUG, "item_id": record.item_id}],
        "web_manage.registration_list": [{"slug": OPEN_SLUG}],
        "web_manage.registration_import_page": [{"slug": OPEN_SLUG}],
        "web_manage.registration_ask_cancel": [
            {"slug": OPEN_SLUG, "registration_id": record.registration_id}],
        "web_manage.registration_ask_reject": [
            {"slug": OPEN_SLUG, "registration_id": record.registration_id}],
        "web_manage.registration_detail": [
            {"slug": OPEN_SLUG, "registration_id": record.registration_id}],
        "web_manage.invitation_edit": [
            {"slug": OPEN_SLUG, "invitation_id": record.invitation_id}],
        "web_manage.invitation_drafts": [{"slug": OPEN_SLUG}],
        "web_rsvp.invitation": [{"token": record.token}],
        "web_rsvp.decline_confirm": [{"token": record.token}],
        "web_rsvp.delegation": [{"token": record.token}],
        "web_rsvp.visa_form": [{"token": record.token,
                                "registration_id": record.registration_id}],
        "web_rsvp.sessions": [{"token": record.token}],
        "web_secretariat.home": [{}],
        "web_secretariat.statements": [{"slug": OPEN_SLUG}],
        "web_secretariat.statement": [statement, seeded_statement],
        "web_secretariat.review": [statement],
        "web_secretariat.diff": [statement],
        "web_secretariat.fact_check": [statement, seeded_statement],
        "web_secretariat.revisions": [statement],
        "web_secretariat.revision": [{**statement, "number": 1}],
        "web_secretariat.section": [{**statement, "key": record.section_key}],
        "web_secretariat.correction": [{**published, "key": record.published_section_key}],
    }
    # Directory and edition pages (issue 15): real rows of the record.
    from eventhub.directory.models import Organization, Person
    from eventhub.editions.models import ReportedFigure

    with app.app_context():
        person_id = db.session.scalar(sa.select(sa.func.min(Person.id)))
        other_person = db.session.scalar(sa.select(sa.func.max(Person.id)))
        other_organization = db.session.scalar(sa.select(sa.func.max(Organization.id)))
        figure_key = db.session.scalar(sa.select(ReportedFigure.key).order_by(
            ReportedFigure.id).limit(1))
        db.session.remove()
    organization = {"organization_id": record.organization_id}
    values.update({
        "web_manage.edition_new": [{}],
        "web_manage.edition_next": [{"slug": SEEDED_SLUG}],
        "web_manage.edition_settings": [{"slug": OPEN_SLUG}, {"slug": SEEDED_SLUG}],
        "web_manage.edition_archive_confirm": [{"slug": OPEN_SLUG}],
        "web_manage.figures_page": [{"slug": OPEN_SLUG}, {"slug": SEEDED_SLUG}],
        "web_manage.figure_edit": [{"slug": SEEDED_SLUG, "figure_key": figure_key}],
        "web_manage.organization_list": [{}],
        "web_manage.organization_new": [{}],
        "web_manage.organization_edit": [organization],
        "web_manage.organization_merge_confirm": [organization],
        "web_manage.person_list": [{}],
        "web_manage.person_new": [{}],
        "web_manage.person_edit": [{"person_id": person_id}],
        "web_manage.person_merge_confirm": [{"person_id": person_id}],
    })
    query = {"web_secretariat.diff": "old=1&new=2",
             "web_manage.organization_merge_confirm": f"duplicate_id={other_organization}",
             "web_manage.person_merge_confirm": f"duplicate_id={other_person}"}
    adapter = app.url_map.bind("localhost")
    visits = []
    for endpoint, value_sets in values.items():
        audience = ("focal point" if endpoint.startswith("web_rsvp") else
                    "secretariat" if endpoint.startswith("web_secretariat") else
                    "organizer" if endpoint.startswith(("web_manage", "web_account.password",
                                                         "web_account.account"))
                    else "public")
        for value_set in value_sets:
            url = adapter.build(endpoint, value_set)
            if endpoint in query:
                url = f"{url}?{query[endpoint]}"
            visits.append(PageVisit(audience, endpoint, url))
    return visits


def unvisited_endpoints(app: Flask, record: Record) -> set[str]:
    """GET pages of the URL map the walk does not visit (a page added later)."""
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("web_") and "GET" in rule.methods}
    return pages - {visit.endpoint for visit in page_visits(app, record)} - NOT_PAGES


def with_query(url: str, **params: str) -> str:
    extra = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"
