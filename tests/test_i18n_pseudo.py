"""A third language needs no code change, and every text a person reads comes from the
catalog (issue 14, acceptance).

A pseudo-locale catalog (tests/_pseudo.py: every text of the code wrapped in ⟦…⟧ with its
letters accented) is written at test time into a directory of its own, and a second app
is started on the same database with EVENTHUB_TRANSLATION_DIRS naming it, as a deployment
adding French would. The app must offer the language (switch, Accept-Language, the API),
and every page of every audience shown in it must hold nothing outside ⟦…⟧ but data:
strip the ⟦…⟧ segments, strip the data (tests/_i18n.py says exactly what counts), and no
English word may remain. Failures list each page and the text left over."""

from __future__ import annotations

from collections import Counter

import pytest
from _i18n import (
    ALLOWED_WORDS,
    OPEN_SLUG,
    QUOTING_PAGES,
    SEEDED_SLUG,
    DataRecognizer,
    build_record,
    page_visits,
    recognizer_for,
    unvisited_endpoints,
    user_facing_text,
    with_query,
)
from _pseudo import CLOSE, OPEN, PSEUDO_LOCALE, pseudo, without_translations, write_pseudo_catalog
from _web import Browser, Page
from bs4 import BeautifulSoup
from conftest import PASSWORD
from flask import Flask

from eventhub import create_app


@pytest.fixture(scope="module")
def pseudo_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("translations")
    write_pseudo_catalog(directory)
    return directory


@pytest.fixture(scope="module")
def pseudo_app(app: Flask, database_url: str, pseudo_dir) -> Flask:
    """The application as a deployment with one more catalog directory would start it: no
    code differs, only the setting."""
    overrides = {key.removeprefix("EVENTHUB_"): value for key, value in app.config.items()
                 if key.startswith("EVENTHUB_")}
    overrides.update(DATABASE_URL=database_url, TRANSLATION_DIRS=str(pseudo_dir))
    second = create_app(overrides)
    second.config["TESTING"] = True
    return second


def test_the_pseudo_transformation_keeps_placeholders_tags_and_entities():
    assert pseudo("Hello %(name)s, see <a href=\"%(url)s\">the list</a> &amp; %d more") == (
        f"{OPEN}Ĥéĺĺó %(name)s, šéé <a href=\"%(url)s\">ţĥé ĺíšţ</a> &amp; %d móŕé{CLOSE}")
    assert pseudo("{count} left") == f"{OPEN}{{count}} ĺéfţ{CLOSE}"
    nested = f"{OPEN}Šáʋéđ {OPEN}Ŝéçţíóñ{CLOSE}.{CLOSE} Left"
    assert without_translations(nested).split() == ["Left"]


def test_a_catalog_in_a_translation_directory_is_offered_without_code_change(pseudo_app):
    with pseudo_app.app_context():
        offered = pseudo_app.extensions["eventhub_locales"]
    assert PSEUDO_LOCALE in offered and "zh" in offered and offered[0] == "en"
    client = pseudo_app.test_client()
    page = Page(client.get("/login", headers={"Accept-Language": f"{PSEUDO_LOCALE},en;q=0.5"}))
    assert page.status == 200
    lang = page.soup.html.get("lang", "")
    assert lang.startswith(PSEUDO_LOCALE) and OPEN in page.text, (
        f"/login asked in {PSEUDO_LOCALE} by Accept-Language answers <html lang={lang!r}>: "
        f"{page.text[:200]}")


def _switch_offers(soup: BeautifulSoup, code: str) -> bool:
    return bool(soup.select(f'a[hreflang="{code}"], a[href*="lang={code}"], '
                            f'option[value="{code}"], button[value="{code}"], '
                            f'input[name=lang][value="{code}"]'))


def test_the_language_switch_of_every_audience_lists_the_new_language(
        app, pseudo_app, seeded, organizer_client, secretariat_client, admin_client, client):
    record = build_record(app, organizer_client, secretariat_client, admin_client, client)
    missing = []
    for visit in _first_visit_per_audience(page_visits(app, record)):
        page = _browser_for(pseudo_app, visit.audience, record).get(visit.url)
        if not _switch_offers(page.soup, PSEUDO_LOCALE):
            missing.append(f"{visit.url} ({visit.audience}): no switch to {PSEUDO_LOCALE}")
    assert not missing, "\n".join(missing)


def _first_visit_per_audience(visits):
    seen: dict[str, object] = {}
    for visit in visits:
        seen.setdefault(visit.audience, visit)
    return list(seen.values())


def _browser_for(pseudo_app: Flask, audience: str, record) -> Browser:
    browser = Browser(pseudo_app.test_client())
    if audience in record.staff:
        browser.sign_in(record.staff[audience], PASSWORD)
    return browser


# The API ----------------------------------------------------------------------------------

API_ERRORS = [
    ("GET", "/api/v1/editions/no-such-edition", None),                      # 404
    ("GET", "/api/v1/auth/me", None),                                       # 401
    ("POST", "/api/v1/auth/token", {"email": "x"}),                         # 422, fields
    ("POST", "/api/v1/auth/token", {"email": "nobody@example.org",
                                    "password": "wrong password"}),         # 401
    ("DELETE", "/api/v1/editions", None),                                   # 405
]


def _problem_texts(body: dict) -> list[tuple[str, str]]:
    texts = [("title", body.get("title") or ""), ("detail", body.get("detail") or "")]
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            texts.append((f"errors[{error.get('field')}]", str(error.get("message", ""))))
    return [(name, text) for name, text in texts if text]


def test_the_api_answers_in_the_new_language_by_accept_language(pseudo_app):
    client = pseudo_app.test_client()
    data = DataRecognizer(["no-such-edition", "nobody@example.org"])
    offenders = []
    for method, url, body in API_ERRORS:
        response = client.open(url, method=method, json=body,
                               headers={"Accept-Language": PSEUDO_LOCALE})
        problem = response.get_json(silent=True) or {}
        where = f"{method} {url} ({response.status_code})"
        if response.headers.get("Content-Language") != PSEUDO_LOCALE:
            offenders.append(f"{where}: Content-Language is "
                             f"{response.headers.get('Content-Language')!r}")
        if not problem.get("code"):
            offenders.append(f"{where}: the problem document has no code: {problem}")
        for name, text in _problem_texts(problem):
            if OPEN not in text or data.english_words(without_translations(text)):
                offenders.append(f"{where}: {name} not translated: {text!r}")
    assert not offenders, "\n".join(offenders)


# Every page -------------------------------------------------------------------------------

def page_offenders(html: str, data: DataRecognizer, *, quoting: bool = False) -> list[str]:
    """Text left once the ⟦…⟧ segments and the data are taken out, one entry per line of
    text (text nodes joined in document order, so a message holding a link is one)."""
    found = user_facing_text(html)
    nodes = "\n".join(" ".join(t.text.split()) for t in found if t.where == "text")
    offenders: list[str] = []
    for line in without_translations(nodes).split("\n"):
        words = data.english_words(line, quoting=quoting)
        if words:
            offenders.append(f"“{' '.join(line.split())}” ({', '.join(words)})")
    for text in found:
        if text.where == "text":
            continue
        words = data.english_words(without_translations(text.text))
        if words:
            offenders.append(f"[{text.where}] “{' '.join(text.text.split())}”")
    return counted(offenders)


def counted(entries: list[str]) -> list[str]:
    """Each entry once, in order, with how often it was found."""
    counts = Counter(entries)
    return [entry if counts[entry] == 1 else f"{entry} ×{counts[entry]}"
            for entry in dict.fromkeys(entries)]


def test_the_walk_visits_every_page(app, seeded, organizer_client, secretariat_client,
                                    admin_client, client):
    record = build_record(app, organizer_client, secretariat_client, admin_client, client)
    assert unvisited_endpoints(app, record) == set()


def test_every_page_in_the_pseudo_locale_shows_only_translated_text_and_data(
        app, pseudo_app, seeded, organizer_client, secretariat_client, admin_client, client):
    record = build_record(app, organizer_client, secretariat_client, admin_client, client)
    data = recognizer_for(app, PSEUDO_LOCALE, pseudo_app)
    browsers = {audience: _browser_for(pseudo_app, audience, record)
                for audience in ("organizer", "secretariat", "focal point", "public")}
    report = []
    pages = 0
    for visit in page_visits(app, record):
        pages += 1
        try:
            page = browsers[visit.audience].get(with_query(visit.url, lang=PSEUDO_LOCALE))
        except Exception as exc:  # the test client re-raises a view's error: report it
            report.append(f"{visit.url} ({visit.audience}): server error {exc!r}")
            continue
        where = f"{visit.url} ({visit.audience}, {page.status})"
        if page.status >= 500:
            report.append(f"{where}: server error")
            continue
        offenders = page_offenders(page.html, data,
                                   quoting=visit.endpoint in QUOTING_PAGES)
        report.extend(f"{where}: {offender}" for offender in offenders)
    assert pages >= 30
    assert not report, (f"{len(report)} texts on {pages} pages are not from the catalog "
                        f"(shown with ?lang={PSEUDO_LOCALE}; data and {sorted(ALLOWED_WORDS)} "
                        "aside):\n" + "\n".join(report))


def refused_forms(record) -> list[tuple[str, str, str, dict[str, str]]]:
    """(audience, page with the form, the form's action, what is typed): forms sent with
    input each service refuses, so that validation messages and refusals are shown."""
    rsvp = f"/rsvp/{record.token}"
    statement = f"/secretariat/{OPEN_SLUG}/statements/{record.statement_id}"
    section = f"{statement}/sections/{record.section_key}"
    return [
        ("public", "/login", "/login",
         {"email": "nobody@example.org", "password": "wrong password"}),
        ("organizer", "/account/password", "/account/password",
         {"current_password": "wrong password", "new_password": "short",
          "new_password_again": "other"}),
        ("organizer", f"/manage/{OPEN_SLUG}/check-in", f"/manage/{OPEN_SLUG}/check-in",
         {"badge_code": "NO-SUCH-BADGE"}),
        ("organizer", f"/manage/{OPEN_SLUG}/invitations", f"/manage/{OPEN_SLUG}/invitations",
         {"organization_id": "", "quota": "-1"}),
        ("focal point", f"{rsvp}/delegation", f"{rsvp}/delegation",
         {"members-0-full_name": "x" * 300, "members-0-email": "not-an-email"}),
        ("focal point", f"{rsvp}/sessions", f"{rsvp}/sessions/{record.item_id}",
         {"registration_id": str(record.registration_id)}),
        ("secretariat", section, section, {"paragraphs": ""}),
        ("secretariat", f"{statement}/comments", f"{statement}/comments", {"body": ""}),
    ]


def test_refusals_on_pages_in_the_pseudo_locale_come_from_the_catalog(
        app, pseudo_app, seeded, organizer_client, secretariat_client, admin_client, client):
    record = build_record(app, organizer_client, secretariat_client, admin_client, client)
    forms = refused_forms(record)
    data = recognizer_for(app, PSEUDO_LOCALE, pseudo_app,
                          typed=[value for *_, typed in forms for value in typed.values()])
    report = []
    for audience, form_page, action, typed in forms:
        browser = _browser_for(pseudo_app, audience, record)
        page = browser.get(with_query(form_page, lang=PSEUDO_LOCALE))
        selector = f'form[action="{action}"]'
        values = page.form_values(selector) if page.soup.select_one(selector) else {}
        try:
            refused = browser.post(with_query(action, lang=PSEUDO_LOCALE),
                                   {**values, **typed})
        except Exception as exc:  # the test client re-raises a view's error: report it
            report.append(f"POST {action} ({audience}): server error {exc!r}")
            continue
        where = f"POST {action} ({audience}, {refused.status})"
        if not 400 <= refused.status < 500:
            report.append(f"{where}: expected a refusal shown on the page")
            continue
        report.extend(f"{where}: {offender}" for offender in page_offenders(refused.html, data))
    assert not report, (f"{len(report)} texts on refused forms are not from the catalog:\n"
                        + "\n".join(report))


def test_the_data_recognizer_takes_out_data_and_leaves_interface_words(app, seeded):
    data = recognizer_for(app, PSEUDO_LOCALE)
    title = data_title(app)
    assert data.english_words(f"{title} · 20 Novembro 2024, ĉina tempo (Asia/Shanghai) · "
                              "a@example.org /editions/2024-suzhou · Ĉinujo") == []
    assert data.english_words(f"{OPEN}Šáʋé{CLOSE} Save the delegation") == [
        "Save", "the", "delegation"]
    # Stored codes are not data: a page must translate them.
    assert data.english_words("Status: archived") == ["Status", "archived"]
    # Data is taken out whole, never from inside a word.
    assert data.english_words(f"{title}s") != []


def data_title(app) -> str:
    import sqlalchemy as sa

    from eventhub.extensions import db

    with app.app_context():
        title = db.session.scalar(sa.text(f"SELECT title FROM editions WHERE slug = "
                                          f"'{SEEDED_SLUG}'"))
        db.session.remove()
    return title
