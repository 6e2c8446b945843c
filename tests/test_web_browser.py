"""End to end in a real browser (Debian's Chromium through Selenium), the four journeys of
issue 9, each leaving screenshots of the pages it walks in artifacts/screenshots/:

- a focal point opens the invitation link, accepts, and registers a delegation;
- an organizer signs in, confirms a registration and checks the delegate in by badge code;
- a secretariat officer edits a section of the Chair's Statement and reads the diff;
- the public reads the 2024 edition and its Chair's Statement.

No JavaScript is needed by the pages; the browser proves the forms, CSRF tokens, cookies,
redirects and the strict content security policy work together as a person meets them.
"""

from __future__ import annotations

from _attendance import SLUG, open_edition, organization, sent_invitation
from _browser import PHONE, screenshot, wait_for_next_page
from _statements import SLUG as STATEMENT_SLUG
from _statements import create_statement
from _statements import open_edition as open_statement_edition
from conftest import PASSWORD, make_user
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from eventhub.auth.models import Role


def click_and_wait(driver: WebDriver, element) -> None:
    """Click a submit button or link and wait until the next page has replaced this one."""
    old_page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_for_next_page(driver, old_page)


def button(driver: WebDriver, text: str):
    return driver.find_element(By.XPATH, f"//button[normalize-space()={text!r}]")


def body_text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def no_console_errors(driver: WebDriver) -> None:
    """The content security policy refused nothing the page needs (no inline styles or
    scripts blocked, no missing stylesheet)."""
    try:
        entries = driver.get_log("browser")
    except Exception:  # logs are unavailable in some driver builds; nothing to check then
        return
    # A form refused with 422 is logged as a failed load of the page itself; that is the
    # status the page is meant to answer with, not a broken resource.
    severe = [e for e in entries if e.get("level") == "SEVERE"
              and "the server responded with a status of 4" not in e.get("message", "")]
    assert not severe, severe


def sign_in(driver: WebDriver, base: str, email: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "f-email").send_keys(email)
    driver.find_element(By.ID, "f-password").send_keys(PASSWORD)
    click_and_wait(driver, button(driver, "Sign in"))
    assert "Sign out" in body_text(driver)


def test_a_focal_point_accepts_and_registers_a_delegation(
        app, browser, live_server, organizer_client, client):
    open_edition(organizer_client, requires_approval=True)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    _, token = sent_invitation(app, organizer_client, org["id"], quota=3)

    browser.set_window_size(*PHONE)
    browser.get(f"{live_server}/rsvp/{token}")
    assert "Immigration Bureau of Thailand" in body_text(browser)
    screenshot(browser, "focal-point-invitation-phone", size=PHONE)
    click_and_wait(browser, button(browser, "Accept the invitation"))
    assert "accepted" in body_text(browser).lower()

    browser.get(f"{live_server}/rsvp/{token}/delegation")
    browser.find_element(By.NAME, "members-0-full_name").send_keys("Somchai Rattanakorn")
    browser.find_element(By.NAME, "members-0-email").send_keys("somchai@example.org")
    browser.find_element(By.NAME, "members-1-full_name").send_keys("Malee Srisuk")
    browser.find_element(By.NAME, "members-1-email").send_keys("not-an-email")
    click_and_wait(browser, button(browser, "Save the delegation"))
    # The bad address is refused next to its member, and what was typed is still there.
    assert browser.find_element(By.NAME, "members-0-full_name").get_attribute(
        "value") == "Somchai Rattanakorn"
    assert browser.find_elements(By.CSS_SELECTOR, "[aria-invalid=true]")
    screenshot(browser, "focal-point-delegation-error-phone", size=PHONE)
    email = browser.find_element(By.NAME, "members-1-email")
    email.clear()
    email.send_keys("malee@example.org")
    click_and_wait(browser, button(browser, "Save the delegation"))
    page = body_text(browser)
    assert "Somchai Rattanakorn" in page and "Malee Srisuk" in page
    screenshot(browser, "focal-point-delegation-saved-phone", size=PHONE)

    browser.get(f"{live_server}/rsvp/{token}?lang=zh")
    assert "Somchai Rattanakorn" in body_text(browser)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith("zh")
    screenshot(browser, "focal-point-invitation-zh-phone", size=PHONE)
    no_console_errors(browser)

    roster = organizer_client.get(f"/api/v1/editions/{SLUG}/registrations").json
    assert sorted(r["full_name"] for r in roster) == ["Malee Srisuk", "Somchai Rattanakorn"]
    assert {r["status"] for r in roster} == {"pending"}


def test_an_organizer_confirms_a_registration_and_checks_the_delegate_in(
        app, browser, live_server, organizer_client):
    open_edition(organizer_client, requires_approval=True)
    org = organization(organizer_client, "Department of Immigration, Malaysia", "MY")
    response = organizer_client.post(f"/api/v1/editions/{SLUG}/registrations", json={
        "full_name": "Aisyah Rahman", "email": "aisyah@example.org", "role": "delegate",
        "organization_id": org["id"]})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    email = make_user(app, Role.ORGANIZER)

    sign_in(browser, live_server, email)
    browser.get(f"{live_server}/manage/")
    screenshot(browser, "organizer-dashboard")
    browser.get(f"{live_server}/manage/{SLUG}/registrations")
    assert "Aisyah Rahman" in body_text(browser)
    click_and_wait(browser, button(browser, "Confirm"))
    screenshot(browser, "organizer-roster")
    registration = organizer_client.get(
        f"/api/v1/editions/{SLUG}/registrations/{response.json['id']}").json
    assert registration["status"] == "confirmed"
    badge = registration["badge_code"]
    assert badge in body_text(browser)

    browser.get(f"{live_server}/manage/{SLUG}/check-in")
    browser.find_element(By.NAME, "badge_code").send_keys(badge)
    click_and_wait(browser, button(browser, "Check in"))
    assert "Checked in: Aisyah Rahman" in body_text(browser)
    screenshot(browser, "organizer-check-in")
    no_console_errors(browser)
    checked = organizer_client.get(
        f"/api/v1/editions/{SLUG}/registrations/{response.json['id']}").json
    assert checked["checked_in_at"]


def test_a_secretariat_officer_edits_a_section_and_reads_the_diff(
        app, browser, live_server, organizer_client, secretariat_client):
    open_statement_edition(organizer_client)
    statement = create_statement(secretariat_client).json
    key = statement["sections"][1]["key"]
    email = make_user(app, Role.SECRETARIAT)
    base = f"{live_server}/secretariat/{STATEMENT_SLUG}/statements/{statement['id']}"

    sign_in(browser, live_server, email)
    browser.get(base)
    assert "integrated border management" in body_text(browser)
    screenshot(browser, "secretariat-statement")
    browser.get(f"{base}/sections/{key}")
    paragraphs = browser.find_element(By.NAME, "paragraphs")
    paragraphs.clear()
    paragraphs.send_keys("Participants exchanged views on coordinated border management.\n\n"
                         "They agreed to share information on irregular migration routes.")
    click_and_wait(browser, button(browser, "Save section"))
    assert "revision 2" in body_text(browser).lower()

    browser.get(f"{base}/diff?old=1&new=2")
    deleted = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".diff del")]
    inserted = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".diff ins")]
    assert any("integrated" in text for text in deleted), deleted
    assert any("coordinated" in text for text in inserted), inserted
    screenshot(browser, "secretariat-diff")
    no_console_errors(browser)
    saved = secretariat_client.get(
        f"/api/v1/editions/{STATEMENT_SLUG}/statements/{statement['id']}").json
    assert saved["sections"][1]["paragraphs"][0] == (
        "Participants exchanged views on coordinated border management.")


def test_the_public_reads_the_2024_edition_and_its_chairs_statement(
        seeded, browser, live_server, source_text):
    browser.get(f"{live_server}/")
    screenshot(browser, "public-editions")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR,
                                                 "a[href='/editions/2024-suzhou']"))
    page = body_text(browser)
    assert "Suzhou" in page
    screenshot(browser, "public-edition-2024")
    link = browser.find_element(By.CSS_SELECTOR, "a[href^='/editions/2024-suzhou/statements/']")
    click_and_wait(browser, link)
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Chair's Statement")
    statement = body_text(browser)
    first_paragraph = next(line for line in source_text.splitlines() if line.startswith("I. "))
    assert " ".join(first_paragraph[3:].split())[:120] in " ".join(statement.split())
    screenshot(browser, "public-statement-2024")
    no_console_errors(browser)
