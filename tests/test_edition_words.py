"""The edition's own words in every language offered (issue 14): an edition's title, city,
region, theme and venue and its programme items' titles have values in other languages
than English beside the English ones, set through the API and the organizers' words
page, read through `in_language` (falling back visibly to English), listed where missing,
frozen with an archived edition, and carried by bundles. The 2024 record has no Chinese
source, so it has no Chinese words and shows them all as missing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _archive import empty_instance, export_text, import_text
from _helpers import assert_problem
from _programme import SLUG, add_item, item_url, items_url, open_edition, url
from _web import Browser, browser_for_role

from eventhub.auth.models import Role
from eventhub.editions.models import Edition
from eventhub.editions.words import in_language, missing_words
from eventhub.extensions import db
from eventhub.programme.models import ProgrammeItem

FORMAT_2 = Path(__file__).resolve().parent / "data" / "bundle-format-2.json"
WORDS_PAGE = f"/manage/{SLUG}/words"
WORDS_FORM = "form[action$=\"/words\"]"
CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)[:600]
    return response.json


@pytest.fixture
def organizer(app) -> Browser:
    return browser_for_role(app, Role.ORGANIZER)


# The API ---------------------------------------------------------------------------------

def test_chinese_words_are_set_read_back_and_merged(organizer_client):
    open_edition(organizer_client)

    changed = _ok(organizer_client.patch(url(SLUG), json={
        "translations": {"zh": {"title": "  马德里分论坛 ", "city": "马德里"}}}))

    assert changed["translations"] == {"zh": {"title": "马德里分论坛", "city": "马德里"}}
    assert changed["title"] == f"Sub-Forum {SLUG}"  # the English word stays its own field
    # A later change names only what changes: null or blank removes, the rest stays.
    changed = _ok(organizer_client.patch(url(SLUG), json={
        "translations": {"zh": {"city": None, "venue": "会议中心", "theme": " "}}}))
    assert changed["translations"] == {"zh": {"title": "马德里分论坛", "venue": "会议中心"}}
    assert _ok(organizer_client.get(url(SLUG)))["translations"] == changed["translations"]
    listed = _ok(organizer_client.get("/api/v1/editions"))
    assert [e["translations"] for e in listed if e["slug"] == SLUG] == [
        changed["translations"]]


def test_the_series_name_has_words_in_chinese(organizer_client):
    open_edition(organizer_client)

    changed = _ok(organizer_client.patch("/api/v1/series/gpscf", json={
        "translations": {"zh": {"name": "全球公共安全合作论坛"}}}))

    assert changed["translations"] == {"zh": {"name": "全球公共安全合作论坛"}}
    created = _ok(organizer_client.post("/api/v1/series", json={
        "slug": "other", "name": "Other Forum", "translations": {"zh": {"name": "其他论坛"}}}),
        201)
    assert created["translations"] == {"zh": {"name": "其他论坛"}}
    body = assert_problem(organizer_client.patch("/api/v1/series/gpscf", json={
        "translations": {"fr": {"name": "Forum"}}}), 422)
    assert body["code"] == "words.language_not_offered"


def test_a_new_edition_may_come_with_its_words(organizer_client):
    open_edition(organizer_client)
    created = _ok(organizer_client.post("/api/v1/editions", json={
        "series": "gpscf", "ordinal": 2, "slug": "rome-2026", "title": "Sub-Forum Rome",
        "city": "Rome", "time_zone": "Europe/Rome", "start_date": "2026-05-04",
        "end_date": "2026-05-05", "translations": {"zh": {"city": "罗马"}}}), 201)

    assert created["translations"] == {"zh": {"city": "罗马"}}


@pytest.mark.parametrize(("translations", "code", "field"), [
    ({"fr": {"title": "Sous-forum"}}, "words.language_not_offered", "translations.fr"),
    ({"en": {"title": "Sub-Forum"}}, "words.english_in_translations", "translations.en"),
    ({"zh": {"title": "长" * 401}}, "words.too_long", "translations.zh.title"),
])
def test_words_in_a_language_not_offered_or_too_long_are_refused(organizer_client,
                                                                  translations, code, field):
    open_edition(organizer_client)

    body = assert_problem(organizer_client.patch(url(SLUG), json={
        "translations": translations}), 422)

    assert body["code"] == code
    assert [e["field"] for e in body["errors"]] == [field]
    assert _ok(organizer_client.get(url(SLUG)))["translations"] == {}


def test_a_word_without_translations_is_refused_by_the_schema(organizer_client):
    open_edition(organizer_client)

    body = assert_problem(organizer_client.patch(url(SLUG), json={
        "translations": {"zh": {"time_zone": "亚洲/上海"}}}), 422)

    assert "translations" in json.dumps(body["errors"])


def test_the_api_answers_a_refusal_of_words_in_chinese(organizer_client):
    open_edition(organizer_client)

    body = assert_problem(organizer_client.patch(
        url(SLUG), json={"translations": {"fr": {"title": "x"}}},
        headers={"Accept-Language": "zh"}), 422)

    assert body["params"] == {"language": "fr", "offered": "zh"}
    assert CJK.search(body["detail"]), body["detail"]


def test_a_programme_item_title_has_words_in_chinese(organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Breakout 1: Document fraud",
                    translations={"zh": {"title": "分组讨论一：证件欺诈"}})
    plain = add_item(organizer_client, "Closing")

    assert item["translations"] == {"zh": {"title": "分组讨论一：证件欺诈"}}
    # An item without words in other languages reads as before they existed (published
    # versions from then hold none, and the changelog must not find a change).
    assert "translations" not in plain
    changed = _ok(organizer_client.patch(item_url(plain["id"]), json={
        "translations": {"zh": {"title": "闭幕式"}}}))
    assert changed["translations"] == {"zh": {"title": "闭幕式"}}
    assert_problem(organizer_client.patch(item_url(plain["id"]), json={
        "translations": {"zh": {"room": "A厅"}}}), 422)
    body = assert_problem(organizer_client.post(items_url(), json={
        "kind": "plenary", "title": "Plenary", "translations": {"de": {"title": "Plenum"}}}),
        422)
    assert body["code"] == "words.language_not_offered"


def test_publishing_freezes_the_item_words_with_the_version(organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Opening", translations={"zh": {"title": "开幕式"}})
    _ok(organizer_client.post(url(SLUG, "/programme/versions"), json={}), 201)

    _ok(organizer_client.patch(item_url(item["id"]), json={
        "translations": {"zh": {"title": "开幕仪式"}}}))

    published = _ok(organizer_client.get(url(SLUG, "/programme")))["items"]
    assert [i["translations"] for i in published] == [{"zh": {"title": "开幕式"}}]
    changes = _ok(organizer_client.get(url(SLUG, "/programme/changes"),
                                       query_string={"from": 1, "to": "draft"}))
    assert [c["fields"] for c in changes["changed"]] == [["translations"]]


def test_changes_of_words_are_in_the_audit_trail(organizer_client, admin_client):
    edition = open_edition(organizer_client)

    _ok(organizer_client.patch(url(SLUG), json={"translations": {"zh": {"city": "马德里"}}}))

    entries = _ok(admin_client.get("/api/v1/audit", query_string={
        "table": "editions", "page_size": 100}))
    updates = [e for e in entries if e["action"] == "update"
               and e["object_id"] == str(edition["id"]) and "translations" in e["changes"]]
    assert updates, entries[:3]
    assert updates[0]["changes"]["translations"] == {
        "before": {}, "after": {"zh": {"city": "马德里"}}}


# Reading in a language -------------------------------------------------------------------

def test_in_language_gives_the_stored_words_or_marks_the_fallback(app):
    edition = SimpleNamespace(title="Sub-Forum", city="Suzhou", theme=None,
                              translations={"zh": {"title": "分论坛"}, "ru": {"theme": "Тема"}})
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        title = in_language(edition, "title")
        city = in_language(edition, "city")
        theme = in_language(edition, "theme")
        english = in_language(edition, "title", "en")

    assert (title.text, title.language, title.is_fallback) == ("分论坛", "zh", False)
    assert (city.text, city.language, city.is_fallback) == ("Suzhou", "en", True)
    # No English word: the first language that has one, marked as such.
    assert (theme.text, theme.language, theme.is_fallback) == ("Тема", "ru", True)
    assert (english.text, english.is_fallback) == ("Sub-Forum", False)
    nothing = in_language(SimpleNamespace(venue=None, translations={}), "venue", "zh")
    assert (nothing.text, nothing.is_fallback) == ("", False)


def test_in_language_reads_items_of_a_published_version(app):
    item = {"title": "Opening", "translations": {"zh": {"title": "开幕式"}}}
    with app.app_context():
        assert str(in_language(item, "title", "zh")) == "开幕式"
        assert in_language({"title": "Closing"}, "title", "zh").is_fallback


def test_missing_words_lists_each_word_without_a_value_in_each_language(app,
                                                                        organizer_client):
    open_edition(organizer_client)
    _ok(organizer_client.patch(url(SLUG), json={"translations": {"zh": {"title": "分论坛"}}}))
    item = add_item(organizer_client, "Opening")
    add_item(organizer_client, "Closing", translations={"zh": {"title": "闭幕式"}})

    with app.app_context():
        edition = db.session.scalar(db.select(Edition).where(Edition.slug == SLUG))
        missing = missing_words(edition)

    # City is set in English (Madrid), title in both; theme, venue and region in neither.
    assert missing == [("city", "zh"), ("series:name", "zh"),
                       (f"item:{item['id']}:title", "zh")]


# The organizers' page --------------------------------------------------------------------

def _row_cells(page, label: str) -> list[Any]:
    for row in page.soup.select("#words tbody tr"):
        if row.th.get_text(strip=True) == label:
            return row.find_all("td")
    raise AssertionError(f"no row {label!r} in {page.text[:400]}")


def test_the_words_page_marks_the_missing_ones_and_saves_the_form(organizer,
                                                                  organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Opening")

    page = organizer.get(WORDS_PAGE)

    assert page.status == 200, page.text[:400]
    english, chinese = _row_cells(page, "City")
    assert english.get_text(strip=True) == "Madrid"
    assert "missing" in chinese["class"] and chinese.find("strong", class_="status")
    assert "4 words are missing" in page.soup.select_one("#missing-count").get_text()
    form = page.form_values(WORDS_FORM)
    assert set(form) == {"csrf_token", "series.zh.name", "edition.zh.title",
                         "edition.zh.city", f"items.{item['id']}.zh.title"}

    saved = organizer.post(WORDS_PAGE, {**form, "edition.zh.title": "马德里分论坛",
                                        "edition.zh.city": "马德里",
                                        "series.zh.name": "全球公共安全合作论坛",
                                        f"items.{item['id']}.zh.title": "开幕式"})

    assert saved.status == 303, saved.text[:400]
    edition = _ok(organizer_client.get(url(SLUG)))
    assert edition["translations"] == {"zh": {"title": "马德里分论坛", "city": "马德里"}}
    assert _ok(organizer_client.get("/api/v1/series/gpscf"))["translations"] == {
        "zh": {"name": "全球公共安全合作论坛"}}
    assert _ok(organizer_client.get(url(SLUG, "/programme"), query_string={
        "version": "draft"}))["items"][0]["translations"] == {"zh": {"title": "开幕式"}}
    again = organizer.get(WORDS_PAGE)
    assert not again.soup.select("td.missing")
    assert again.form_values(WORDS_FORM)["edition.zh.city"] == "马德里"

    # An emptied box removes the word, which shows as missing again.
    organizer.post(WORDS_PAGE, {**again.form_values(WORDS_FORM), "edition.zh.city": ""})
    assert _ok(organizer_client.get(url(SLUG)))["translations"] == {
        "zh": {"title": "马德里分论坛"}}
    assert "missing" in _row_cells(organizer.get(WORDS_PAGE), "City")[1]["class"]


def test_the_words_page_shows_a_refused_word_by_its_box(organizer, organizer_client):
    open_edition(organizer_client)
    form = organizer.get(WORDS_PAGE).form_values(WORDS_FORM)

    refused = organizer.post(WORDS_PAGE, {**form, "edition.zh.title": "第一行\n第二行",
                                          "edition.zh.city": "马德里"})

    assert refused.status == 422
    assert refused.soup.select_one("#f-edition-zh-title-error")
    # What was typed is kept; nothing was stored.
    assert refused.form_values(WORDS_FORM)["edition.zh.city"] == "马德里"
    assert _ok(organizer_client.get(url(SLUG)))["translations"] == {}


def test_the_words_page_speaks_chinese(organizer, organizer_client):
    open_edition(organizer_client)

    page = organizer.get(WORDS_PAGE, headers={"Accept-Language": "zh"})

    assert page.status == 200
    assert "缺少" in page.soup.select_one("#missing-count").get_text()
    assert page.soup.h1.get_text().startswith("各语言")
    # The edition has no Chinese title yet: the English one, marked as English.
    assert page.soup.select_one('h1 span[lang="en"]').get_text() == f"Sub-Forum {SLUG}"
    assert "(English)" in page.soup.h1.get_text()


def test_viewers_read_the_words_page_but_may_not_save(app, organizer_client):
    open_edition(organizer_client)
    viewer = browser_for_role(app, Role.VIEWER)

    page = viewer.get(WORDS_PAGE)
    assert page.status == 200 and page.soup.select_one("#words")
    assert not page.soup.select("#words input")
    assert viewer.post(WORDS_PAGE, {"edition.zh.city": "马德里"}).status == 403
    assert _ok(organizer_client.get(url(SLUG)))["translations"] == {}


def test_the_words_form_needs_its_csrf_token(organizer, organizer_client):
    open_edition(organizer_client)
    organizer.get(WORDS_PAGE)

    refused = organizer.post(WORDS_PAGE, {"edition.zh.city": "马德里"}, csrf=False)

    assert refused.status == 400
    assert _ok(organizer_client.get(url(SLUG)))["translations"] == {}


# An archived edition ---------------------------------------------------------------------

def test_an_archived_editions_words_are_frozen(organizer, organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Opening", translations={"zh": {"title": "开幕式"}})
    _ok(organizer_client.patch(url(SLUG), json={"translations": {"zh": {"title": "分论坛"}}}))
    for status in ("closed", "archived"):
        _ok(organizer_client.post(url(SLUG, "/status"), json={"status": status}))

    body = assert_problem(organizer_client.patch(url(SLUG), json={
        "translations": {"zh": {"title": "改了"}}}), 409)
    assert body["code"] == "edition.read_only"
    assert_problem(organizer_client.patch(item_url(item["id"]), json={
        "translations": {"zh": {"title": "改了"}}}), 409)
    page = organizer.get(WORDS_PAGE)
    assert not page.soup.select("#words input")
    assert organizer.post(WORDS_PAGE, {"edition.zh.title": "改了"}).status == 409

    assert _ok(organizer_client.get(url(SLUG)))["translations"] == {"zh": {"title": "分论坛"}}
    assert _ok(organizer_client.get(url(SLUG, "/programme"), query_string={
        "version": "draft"}))["items"][0]["translations"] == {"zh": {"title": "开幕式"}}


def test_the_next_edition_takes_the_breakout_topics_with_their_words(organizer_client):
    open_edition(organizer_client)
    add_item(organizer_client, "Breakout 1: Document fraud", kind="breakout_session",
             translations={"zh": {"title": "分组讨论一：证件欺诈"}})
    _ok(organizer_client.patch(url(SLUG), json={"translations": {"zh": {"city": "马德里"}}}))
    for status in ("closed", "archived"):
        _ok(organizer_client.post(url(SLUG, "/status"), json={"status": status}))

    following = _ok(organizer_client.post(url(SLUG, "/next"), json={
        "slug": "lisbon-2026", "title": "Sub-Forum Lisbon", "city": "Lisbon",
        "start_date": "2026-10-01", "end_date": "2026-10-02"}), 201)

    # A new place is a new word: the old city's Chinese name does not follow it.
    assert following["translations"] == {}
    items = _ok(organizer_client.get(url("lisbon-2026", "/programme"), query_string={
        "version": "draft"}))["items"]
    assert [i["translations"] for i in items] == [{"zh": {"title": "分组讨论一：证件欺诈"}}]


# Bundles ---------------------------------------------------------------------------------

def test_a_bundle_carries_the_words_to_another_instance(app, organizer_client, tmp_path):
    open_edition(organizer_client)
    add_item(organizer_client, "Opening", translations={"zh": {"title": "开幕式"}})
    _ok(organizer_client.patch(url(SLUG), json={
        "translations": {"zh": {"title": "分论坛", "venue": "会议中心"}}}))
    _ok(organizer_client.patch("/api/v1/series/gpscf", json={
        "translations": {"zh": {"name": "全球公共安全合作论坛"}}}))
    text = export_text(app, SLUG)
    document = json.loads(text)
    assert document["format_version"] == 3
    assert document["content"]["series"]["translations"] == {
        "zh": {"name": "全球公共安全合作论坛"}}
    assert document["content"]["edition"]["translations"] == {
        "zh": {"title": "分论坛", "venue": "会议中心"}}

    with empty_instance(tmp_path) as other:
        assert import_text(other, text) == SLUG
        with other.app_context():
            edition = db.session.scalar(db.select(Edition).where(Edition.slug == SLUG))
            items = db.session.scalars(db.select(ProgrammeItem).where(
                ProgrammeItem.edition_id == edition.id)).all()
            assert edition.translations == {"zh": {"title": "分论坛", "venue": "会议中心"}}
            assert edition.series.translations == {"zh": {"name": "全球公共安全合作论坛"}}
            assert [i.translations for i in items] == [{"zh": {"title": "开幕式"}}]
        # The copy exports as the original did.
        assert json.loads(export_text(other, SLUG))["content"] == document["content"]


def test_a_bundle_with_malformed_words_is_refused(app, organizer_client, tmp_path):
    open_edition(organizer_client)
    document = json.loads(export_text(app, SLUG))
    document["content"]["edition"]["translations"] = {"zh": {"room": "A厅"}}

    with empty_instance(tmp_path) as other, other.app_context():
        from eventhub.archive.bundle import BundleError, import_bundle
        from eventhub.auth.permissions import SYSTEM

        with pytest.raises(BundleError):
            import_bundle(SYSTEM, document)


def test_a_format_2_bundle_without_words_still_imports(tmp_path):
    text = FORMAT_2.read_text(encoding="utf-8")
    old = json.loads(text)
    assert old["format_version"] == 2 and "translations" not in text

    with empty_instance(tmp_path) as other:
        slug = import_text(other, text)
        with other.app_context():
            edition = db.session.scalar(db.select(Edition).where(Edition.slug == slug))
            assert edition.translations == {}
        again = json.loads(export_text(other, slug))
        assert again["format_version"] == 3
        assert again["content"]["edition"]["translations"] == {}


# The 2024 record -------------------------------------------------------------------------

def test_the_2024_record_invents_no_chinese_words(app, seeded, organizer):
    with app.app_context():
        edition = db.session.scalar(db.select(Edition).where(Edition.slug == "2024-suzhou"))
        items = db.session.scalars(db.select(ProgrammeItem).where(
            ProgrammeItem.edition_id == edition.id)).all()
        assert edition.translations == {} and edition.series.translations == {}
        assert items and all(item.translations == {} for item in items)
        missing = missing_words(edition)
        assert {("title", "zh"), ("city", "zh"), ("series:name", "zh")} <= set(missing)
        assert {f"item:{item.id}:title" for item in items} <= {field for field, _ in missing}
        with app.test_request_context(headers={"Accept-Language": "zh"}):
            title = in_language(edition, "title")
        assert title.is_fallback and title.text == edition.title

    page = organizer.get("/manage/2024-suzhou/words")
    assert page.status == 200
    assert len(page.soup.select("td.missing")) == len(missing)
    assert not page.soup.select("#words input")  # archived: read-only
