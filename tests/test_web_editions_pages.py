"""Organizer pages for editions: create (with a new series), next edition from the last,
settings, status from draft to archived (with a confirmation page), reported figures and
participating organizations, as an organizer or a viewer meets them in a browser."""

from __future__ import annotations

from typing import Any

import pytest
from _attendance import open_edition, organization
from _web import Browser, browser_for_role

from eventhub.auth.models import Role

NEW = {"series": "", "series_slug": "gpscf", "series_name": "Global Public Security Forum",
       "ordinal": "1", "slug": "gpscf-2027", "title": "Global Public Security Forum 2027",
       "theme": "", "host_organization_id": "", "city": "Lianyungang", "region": "Jiangsu",
       "country_code": "CN", "venue": "", "time_zone": "Asia/Shanghai",
       "start_date": "2027-09-15", "end_date": "2027-09-16", "capacity": "300"}


@pytest.fixture
def organizer(app) -> Browser:
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


def edition(client, slug: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/editions/{slug}")
    assert response.status_code == 200, response.json
    return response.json


def editions(client) -> list[str]:
    return [e["slug"] for e in client.get("/api/v1/editions?page_size=100").json]


def errors_on(page) -> str:
    box = page.soup.select_one("#form-errors")
    return box.get_text(" ", strip=True) if box else ""


def test_an_edition_from_creation_to_the_archive(organizer, organizer_client):
    dashboard = organizer.get("/manage/")
    assert dashboard.soup.find("a", href="/manage/editions/new") is not None

    form = organizer.get("/manage/editions/new")
    assert form.status == 200
    assert form.soup.select_one("#f-time_zone")["list"] == "zones"
    assert form.soup.select_one("#f-translations-zh-title") is not None
    created = organizer.post("/manage/editions/new", {
        **NEW, "requires_approval": "on", "translations.zh.title": "全球公共安全合作论坛",
        "translations.zh.city": ""})
    assert created.status == 303, errors_on(created)
    assert created.response.headers["Location"] == "/manage/gpscf-2027/settings"
    stored = edition(organizer_client, "gpscf-2027")
    assert (stored["series"], stored["status"], stored["capacity"], stored["region"],
            stored["requires_approval"]) == ("gpscf", "draft", 300, "Jiangsu", True)
    assert stored["translations"] == {"zh": {"title": "全球公共安全合作论坛"}}

    settings = organizer.get("/manage/gpscf-2027/settings")
    assert settings.status == 200
    nav = settings.soup.select_one("nav[aria-label='This edition']")
    assert "Edition settings" in nav.get_text()
    assert settings.soup.select_one("#f-title")["value"] == NEW["title"]
    buttons = [b.get_text(strip=True)
               for b in settings.soup.select("#status-heading ~ form button")]
    assert buttons == ["Open the edition"]

    for status, button in (("open", "Close the edition"), ("closed", "Archive the edition…")):
        moved = organizer.post("/manage/gpscf-2027/status", {"status": status})
        assert moved.status == 303, errors_on(moved)
        assert edition(organizer_client, "gpscf-2027")["status"] == status
        page = organizer.get("/manage/gpscf-2027/settings")
        assert button in page.text

    # Archiving asks first, on its own page, and says what it means.
    asked = organizer.post("/manage/gpscf-2027/status", {"status": "archived"})
    assert asked.status == 303
    assert asked.response.headers["Location"] == "/manage/gpscf-2027/archive"
    assert edition(organizer_client, "gpscf-2027")["status"] == "closed"
    confirm = organizer.get("/manage/gpscf-2027/archive")
    assert "cannot be undone" in confirm.text
    archived = organizer.post("/manage/gpscf-2027/archive")
    assert archived.status == 303
    assert edition(organizer_client, "gpscf-2027")["status"] == "archived"

    read_only = organizer.get("/manage/gpscf-2027/settings")
    assert read_only.soup.select_one("#edition-form") is None
    assert "read-only" in read_only.text
    assert organizer.post("/manage/gpscf-2027/archive").status == 409


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"end_date": "2027-09-01"}, 422, "end_date"),
    ({"time_zone": "Mars/Olympus_Mons"}, 422, "time_zone"),
    ({"title": "  "}, 422, "title"),
    ({"slug": "Not A Slug"}, 422, "slug"),
    ({"series_slug": ""}, 422, "series_slug"),
    ({"ordinal": "zero"}, 422, "ordinal"),
])
def test_a_refused_new_edition_shows_why_and_creates_nothing(organizer, organizer_client,
                                                            change, status, field):
    page = organizer.post("/manage/editions/new", {**NEW, **change})

    assert page.status == status, page.text[:300]
    assert page.soup.select_one(f"#f-{field}-error") is not None
    assert page.soup.select_one(f"#f-{field}")["aria-invalid"] == "true"
    # What was typed is kept.
    assert page.soup.select_one("#f-city")["value"] == "Lianyungang"
    assert editions(organizer_client) == []
    assert organizer_client.get("/api/v1/series").json == []


def test_a_taken_slug_is_refused_with_409(organizer, organizer_client):
    open_edition(organizer_client)
    page = organizer.post("/manage/editions/new", {**NEW, "series": "sfmmc", "ordinal": "2",
                                                   "slug": "sfmmc-2025"})
    assert page.status == 409
    assert "sfmmc-2025" in errors_on(page)
    assert editions(organizer_client) == ["sfmmc-2025"]


def test_settings_change_and_clear_fields(organizer, organizer_client):
    open_edition(organizer_client)
    page = organizer.get("/manage/sfmmc-2025/settings")
    values = page.form_values("#edition-form")
    values.update({"title": "Renamed Sub-Forum", "city": "", "capacity": "120"})
    saved = organizer.post("/manage/sfmmc-2025/settings", values)
    assert saved.status == 303, errors_on(saved)
    stored = edition(organizer_client, "sfmmc-2025")
    assert (stored["title"], stored["city"], stored["capacity"]) == (
        "Renamed Sub-Forum", None, 120)

    refused = organizer.post("/manage/sfmmc-2025/settings",
                             {**values, "end_date": "2001-01-01"})
    assert refused.status == 422
    assert refused.soup.select_one("#f-end_date-error") is not None
    assert edition(organizer_client, "sfmmc-2025")["end_date"] == stored["end_date"]

    wrong_move = organizer.post("/manage/sfmmc-2025/status", {"status": "draft"})
    assert wrong_move.status == 409
    assert edition(organizer_client, "sfmmc-2025")["status"] == "open"


def test_the_next_edition_starts_from_the_last(seeded, organizer, organizer_client):
    form = organizer.get("/manage/editions/new")
    assert form.soup.find("a", href="/manage/2024-suzhou/next") is not None
    page = organizer.get("/manage/2024-suzhou/next")
    assert page.status == 200
    assert page.soup.select_one("#f-time_zone")["value"] == "Asia/Shanghai"

    refused = organizer.post("/manage/2024-suzhou/next", {
        "slug": "2025-sfmmc", "title": "Second Sub-Forum", "time_zone": "Asia/Shanghai",
        "start_date": "2025-09-16", "end_date": "2025-09-15"})
    assert refused.status == 422
    assert "2025-sfmmc" not in editions(organizer_client)

    created = organizer.post("/manage/2024-suzhou/next", {
        "slug": "2025-sfmmc", "title": "Second Sub-Forum", "city": "Lianyungang",
        "country_code": "CN", "time_zone": "Asia/Shanghai", "start_date": "2025-09-15",
        "end_date": "2025-09-16"})
    assert created.status == 303, errors_on(created)
    stored = edition(organizer_client, "2025-sfmmc")
    assert (stored["ordinal"], stored["status"], stored["series"]) == (2, "draft",
                                                                      "migration-sub-forum")
    drafts = organizer_client.get("/api/v1/editions/2025-sfmmc/invitations?page_size=100").json
    assert len(drafts) == 20
    assert {d["status"] for d in drafts} == {"draft"}


def test_a_viewer_sees_no_edition_actions(app, organizer_client):
    open_edition(organizer_client)
    viewer = browser_for_role(app, Role.VIEWER)

    dashboard = viewer.get("/manage/")
    assert dashboard.soup.find("a", href="/manage/editions/new") is None
    overview = viewer.get("/manage/sfmmc-2025/")
    assert "Edition settings" not in overview.soup.select_one(
        "nav[aria-label='This edition']").get_text()
    assert "Figures and participants" in overview.text
    assert viewer.get("/manage/editions/new").status == 403
    assert viewer.get("/manage/sfmmc-2025/settings").status == 403
    figures = viewer.get("/manage/sfmmc-2025/figures")
    assert figures.status == 200
    assert figures.soup.select_one("#figure-form") is None
    assert figures.soup.select_one("#participant-form") is None
    assert viewer.post("/manage/sfmmc-2025/status", {"status": "closed"}).status == 403
    assert edition(organizer_client, "sfmmc-2025")["status"] == "open"


def test_figures_and_participants(organizer, organizer_client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    page = organizer.get("/manage/sfmmc-2025/figures")
    assert page.status == 200
    assert "No reported figures yet." in page.text

    added = organizer.post("/manage/sfmmc-2025/figures", {
        "key": "guests", "qualifier": "about", "value": "300", "unit": "guests",
        "source_text": "about 300 guests attended"})
    assert added.status == 303, errors_on(added)
    shown = organizer.get("/manage/sfmmc-2025/figures")
    assert "about 300" in shown.soup.select_one("#figures").get_text(" ", strip=True)

    refused = organizer.post("/manage/sfmmc-2025/figures", {
        "key": "Guests!", "value": "-1", "unit": "guests"})
    assert refused.status == 422
    assert refused.soup.select_one("#f-key-error") is not None
    taken = organizer.post("/manage/sfmmc-2025/figures", {
        "key": "guests", "value": "3", "unit": "guests"})
    assert taken.status == 409
    figures = organizer_client.get("/api/v1/editions/sfmmc-2025/figures").json
    assert [(f["key"], f["value"]) for f in figures] == [("guests", 300)]

    edit = organizer.get("/manage/sfmmc-2025/figures/guests")
    assert edit.status == 200
    values = edit.form_values("form.narrow")
    saved = organizer.post("/manage/sfmmc-2025/figures/guests",
                           {**values, "qualifier": "", "value": "312"})
    assert saved.status == 303, errors_on(saved)
    figures = organizer_client.get("/api/v1/editions/sfmmc-2025/figures").json
    assert [(f["key"], f["value"], f["qualifier"]) for f in figures] == [("guests", 312, None)]
    assert organizer.get("/manage/sfmmc-2025/figures/nothing").status == 404

    joined = organizer.post("/manage/sfmmc-2025/participants",
                            {"organization_id": str(org["id"]), "role": "observer"})
    assert joined.status == 303, errors_on(joined)
    listed = organizer.get("/manage/sfmmc-2025/figures")
    assert "Immigration Bureau of Thailand" in listed.soup.select_one("#participants").text
    assert organizer.post("/manage/sfmmc-2025/participants",
                          {"organization_id": ""}).status == 422
    removed = organizer.post(f"/manage/sfmmc-2025/participants/{org['id']}/remove")
    assert removed.status == 303
    assert organizer_client.get(
        "/api/v1/editions/sfmmc-2025/participants").json["organizations"] == []

    deleted = organizer.post("/manage/sfmmc-2025/figures/guests/delete")
    assert deleted.status == 303
    assert organizer_client.get("/api/v1/editions/sfmmc-2025/figures").json == []


def test_an_archived_editions_figures_are_read_only(seeded, organizer):
    page = organizer.get("/manage/2024-suzhou/figures")
    assert page.status == 200
    assert page.soup.select_one("#figures") is not None
    assert page.soup.select_one("#figure-form") is None
    key = page.soup.select_one("#figures tbody th a")["href"].rsplit("/", 1)[1]
    figure = organizer.get(f"/manage/2024-suzhou/figures/{key}")
    assert figure.status == 200
    assert figure.soup.select_one("form.narrow") is None
    assert organizer.post(f"/manage/2024-suzhou/figures/{key}/delete").status == 409


def test_anonymous_visitors_are_sent_to_sign_in(app):
    for path in ("/manage/editions/new", "/manage/sfmmc-2025/settings",
                 "/manage/sfmmc-2025/figures", "/manage/sfmmc-2025/archive"):
        page = Browser(app.test_client()).get(path)
        assert page.status == 302
        assert page.response.headers["Location"].startswith("/login?next=")


def test_in_a_browser_an_organizer_creates_and_opens_an_edition(
        app, browser, live_server, organizer_client):
    """The one browser journey of these pages: dashboard button, the form (a date box, the
    zone list), the draft's settings and the open button, with screenshots."""
    from _browser import screenshot, wait_for_next_page
    from conftest import PASSWORD, make_user
    from selenium.webdriver.common.by import By

    def click(element) -> None:
        old = browser.find_element(By.TAG_NAME, "html")
        element.click()
        wait_for_next_page(browser, old)

    create_series = organizer_client.post("/api/v1/series",
                                          json={"slug": "sfmmc", "name": "Sub-Forum"})
    assert create_series.status_code == 201
    email = make_user(app, Role.ORGANIZER, "browser-org@example.org")
    browser.get(f"{live_server}/login")
    browser.find_element(By.ID, "f-email").send_keys(email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    click(browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
    browser.get(f"{live_server}/manage/")
    click(browser.find_element(By.LINK_TEXT, "New edition"))
    for field, value in (("ordinal", "3"), ("slug", "sfmmc-2031"),
                         ("title", "Third Sub-Forum"), ("city", "Suzhou")):
        browser.find_element(By.ID, f"f-{field}").send_keys(value)
    # Date boxes take the date as the browser's locale types it; set them as values.
    for field, value in (("start_date", "2031-05-06"), ("end_date", "2031-05-07")):
        browser.execute_script("arguments[0].value = arguments[1]",
                               browser.find_element(By.ID, f"f-{field}"), value)
    screenshot(browser, "organizer-new-edition")
    click(browser.find_element(By.CSS_SELECTOR, "#edition-form button[type=submit]"))
    assert browser.current_url.endswith("/manage/sfmmc-2031/settings"), browser.current_url
    click(browser.find_element(By.XPATH, "//button[normalize-space()='Open the edition']"))
    assert "The edition is now open." in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "organizer-edition-settings")
    assert edition(organizer_client, "sfmmc-2031")["status"] == "open"
