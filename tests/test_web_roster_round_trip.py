"""In a real browser, in Chinese: an organizer downloads one edition's roster as CSV from the
roster page and imports that very file into the next edition through the import page
(issue 16, the CSV round trip as a person does it). Everyone arrives unchanged, the names a
spreadsheet would take for formulas included, and the page names the columns it left out."""

from __future__ import annotations

import urllib.request

from _attendance import SLUG, open_edition
from _browser import screenshot, wait_for_next_page
from conftest import PASSWORD, make_user
from selenium.webdriver.common.by import By

from eventhub.auth.models import Role

NEXT = "sfmmc-2026"
PEOPLE = [
    ("José Ñúñez-Müller", "jose@example.org", "head_of_delegation"),
    ("陈静", "chen@example.cn", "delegate"),
    ("=Ahmed, \"Sam\" Ali", "sam@example.org", "observer"),
    ("'t Hooft", "hooft@example.nl", "delegate"),
]


def download(driver, url: str) -> bytes:
    """The file behind a link, fetched with the browser's session (headless Chromium keeps
    downloads out of reach of the test)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookies}),
                                timeout=30) as answer:
        assert answer.status == 200
        assert answer.headers.get_content_type() == "text/csv"
        return answer.read()


def roster(client, slug: str) -> list[tuple[str, str, str]]:
    answer = client.get(f"/api/v1/editions/{slug}/registrations?per_page=100")
    assert answer.status_code == 200, answer.json
    return sorted((r["full_name"], r["email"], r["role"]) for r in answer.json)


def submit(driver, form) -> None:
    old_page = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_next_page(driver, old_page)


def test_a_roster_downloaded_in_chinese_imports_into_the_next_edition_unchanged(
        app, browser, live_server, organizer_client, tmp_path):
    open_edition(organizer_client)
    for name, email, role in PEOPLE:
        answer = organizer_client.post(f"/api/v1/editions/{SLUG}/registrations", json={
            "full_name": name, "email": email, "role": role})
        assert answer.status_code == 201, answer.json
    open_edition(organizer_client, slug=NEXT, ordinal=2, series=False)
    email = make_user(app, Role.ORGANIZER)

    browser.get(f"{live_server}/login?lang=zh")
    browser.find_element(By.ID, "f-email").send_keys(email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action$='/login']"))

    browser.get(f"{live_server}/manage/{SLUG}/registrations")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith("zh")
    link = browser.find_element(
        By.CSS_SELECTOR, f"a[href$='/manage/{SLUG}/registrations.csv']").get_attribute("href")
    data = download(browser, link)
    assert "陈静".encode() in data
    saved = tmp_path / f"{SLUG}-roster.csv"
    saved.write_bytes(data)

    browser.get(f"{live_server}/manage/{NEXT}/registrations")
    import_page = browser.find_element(
        By.CSS_SELECTOR, f"a[href$='/manage/{NEXT}/registrations/import']")
    old_page = browser.find_element(By.TAG_NAME, "html")
    import_page.click()
    wait_for_next_page(browser, old_page)
    form = browser.find_element(By.CSS_SELECTOR, "form[enctype='multipart/form-data']")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(saved))
    submit(browser, form)

    # Back on the roster: the count and the columns left out are told (in Chinese, so the
    # test reads the column names, which are data), and everyone is there as they were.
    notices = [n.text for n in browser.find_elements(By.CSS_SELECTOR, "p.notice")]
    assert len(notices) >= 2, notices
    assert any("status" in notice and "badge_code" in notice for notice in notices), notices
    screenshot(browser, "organizer-roster-imported-zh")
    assert roster(organizer_client, NEXT) == roster(organizer_client, SLUG) == sorted(PEOPLE)
    for name, _, _ in PEOPLE:
        assert name in browser.find_element(By.TAG_NAME, "body").text
