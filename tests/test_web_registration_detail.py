"""A registration's own page (needs, the delegation's credential with its preview and
review, the visa request and letter, the history) and bulk confirm or reject on the
roster, as organizers and viewers meet them."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pypdf
import pytest
from _attendance import (
    MINIMAL_PDF,
    REGISTRATIONS_URL,
    RSVP_URL,
    SLUG,
    accepted_invitation,
    open_edition,
    organization,
)
from _web import Browser, Page, browser_for_role

from eventhub.auth.models import Role

MANAGE = f"/manage/{SLUG}"
PASSPORT = {"passport_number": "E12345678", "nationality": "TH",
            "date_of_birth": "1980-02-03", "passport_expiry": "2035-01-01"}


@pytest.fixture
def organizer(app) -> Browser:
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


def duplicate_ids(page: Page) -> list[str]:
    counted = Counter(tag["id"] for tag in page.soup.find_all(id=True))
    return [key for key, count in counted.items() if count > 1]


def member(name: str, email: str, role: str = "delegate", **extra: Any) -> dict[str, Any]:
    return {"full_name": name, "email": email, "role": role, **extra}


def delegation(app, organizer_client, *, credential: bool = True) -> dict[str, Any]:
    """An accepted invitation of Thailand with a head (who needs a visa letter and eats no
    pork) and a delegate, and (credential=True) a note verbale uploaded."""
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    client = app.test_client()
    _, token = accepted_invitation(app, organizer_client, client, org["id"])
    response = client.put(f"{RSVP_URL}/{token}/delegation", json={"members": [
        member("Ms. Malee Srisuk", "malee@immigration.go.th", "head_of_delegation",
               dietary="No pork", accessibility="Wheelchair access",
               needs_visa_letter=True),
        member("Mr. Niran Deputy", "niran@immigration.go.th")]})
    assert response.status_code == 200, response.get_data(as_text=True)
    head, deputy = response.json["members"]
    if credential:
        upload = client.put(f"{RSVP_URL}/{token}/credential",
                            data={"file": (io.BytesIO(MINIMAL_PDF), "note-verbale.pdf")},
                            content_type="multipart/form-data")
        assert upload.status_code == 200, upload.get_data(as_text=True)
    response = client.put(f"{RSVP_URL}/{token}/members/{head['registration_id']}/visa",
                          json=PASSPORT)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"head": head["registration_id"], "deputy": deputy["registration_id"],
            "token": token}


def registration(organizer_client, registration_id: int) -> dict[str, Any]:
    response = organizer_client.get(f"{REGISTRATIONS_URL}/{registration_id}")
    assert response.status_code == 200, response.json
    return response.json


def buttons(page: Page) -> list[str]:
    return [b.get_text(strip=True) for b in page.soup.select("main button")]


def test_the_page_shows_everything_and_review_unblocks_confirm(app, organizer_client,
                                                              organizer):
    open_edition(organizer_client, requires_approval=True)
    ids = delegation(app, organizer_client)
    url = f"{MANAGE}/registrations/{ids['head']}"

    roster = organizer.get(f"{MANAGE}/registrations")
    assert roster.soup.find("a", href=url, string="Ms. Malee Srisuk")
    # Confirmed from the roster before the review: refused, with the way to the review.
    refused = organizer.post(f"{url}/confirm")
    assert refused.status == 409
    assert refused.soup.find("a", href=f"{url}#credential")

    page = organizer.get(url)
    assert page.status == 200 and duplicate_ids(page) == []
    text = page.text
    for shown in ("Ms. Malee Srisuk", "Immigration Bureau of Thailand", "head of delegation",
                  "pending", "No pork", "Wheelchair access", "malee@immigration.go.th",
                  "note-verbale.pdf", "not reviewed yet", "E12345678", "not issued yet"):
        assert shown in text, shown
    # Confirming waits for the review: the page says so and leads to it, right there.
    assert "Confirm" not in buttons(page)
    blocked = page.soup.select_one("#confirm-blocked")
    assert blocked is not None and blocked.find("a", href="#credential")
    assert "Mark the credential document as reviewed" in buttons(page)
    # The preview: the document as the browser shows it, for organizers only.
    preview = page.soup.find("a", string="Open the document")
    document = organizer.client.get(preview["href"])
    assert document.status_code == 200 and document.data == MINIMAL_PDF
    assert document.headers["Content-Type"] == "application/pdf"
    assert document.headers["Content-Disposition"].startswith("inline;")
    saved = organizer.client.get(preview["href"] + "?download=1")
    assert saved.headers["Content-Disposition"].startswith("attachment;")
    # No letter before the registration is confirmed.
    assert not any("visa support letter" in b for b in buttons(page))

    review = page.soup.select_one("form[action$='/credential/review']")
    reviewed = organizer.post(review["action"], page.form_values(
        "form[action$='/credential/review']"))
    assert reviewed.status == 303
    assert reviewed.response.headers["Location"] == url
    page = organizer.get(url)
    assert "reviewed" in page.text and "not reviewed yet" not in page.text
    assert page.soup.select_one("#confirm-blocked") is None
    assert "Confirm" in buttons(page)

    confirmed = organizer.post(f"{url}/confirm", page.form_values(
        f"form[action='{url}/confirm']"))
    assert confirmed.status == 303 and confirmed.response.headers["Location"] == url
    assert registration(organizer_client, ids["head"])["status"] == "confirmed"

    page = organizer.get(url)
    assert "confirmed" in page.text and "Confirm" not in buttons(page)
    # The history: who changed what, from the audit trail.
    history = page.soup.select_one("section[aria-labelledby=history] table").get_text(
        " ", strip=True)
    assert "org@example.org" in history
    assert "pending → confirmed" in history
    assert "the focal point, through the invitation link" in history

    # The visa letter, now that the registration is confirmed.
    letter_form = page.soup.select_one(f"form[action='{url}/visa-letter']")
    assert letter_form is not None
    pdf = organizer.client.post(letter_form["action"], data=page.form_values(
        f"form[action='{url}/visa-letter']"))
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "E12345678" in words
    page = organizer.get(url)
    assert "not issued yet" not in page.text
    assert "Issue the visa support letter again (PDF)" in buttons(page)


def test_a_refused_confirm_on_the_page_says_why_there(app, organizer_client, organizer):
    open_edition(organizer_client, requires_approval=True)
    ids = delegation(app, organizer_client, credential=False)
    url = f"{MANAGE}/registrations/{ids['deputy']}"
    page = organizer.get(url)
    assert "has not uploaded its credential document" in page.text
    assert "Confirm" not in buttons(page)
    # Posted anyway (an old page): refused on the same page, with the reason.
    refused = organizer.post(f"{url}/confirm", {"from": "detail"})
    assert refused.status == 409
    assert "Review the delegation's credentials" in refused.text
    assert refused.soup.find("h1").get_text() == "Mr. Niran Deputy"
    assert registration(organizer_client, ids["deputy"])["status"] == "pending"

    # Rejecting from the page asks first, and leads back to the page either way.
    ask_url = page.soup.find("a", string="Reject")["href"]
    ask = organizer.get(ask_url)
    assert ask.soup.find("a", string="Keep it")["href"] == url
    done = organizer.post(f"{url}/reject", ask.form_values(f"form[action='{url}/reject']"))
    assert done.status == 303 and done.response.headers["Location"] == url
    assert registration(organizer_client, ids["deputy"])["status"] == "rejected"
    assert buttons(organizer.get(url)) == [b for b in buttons(page) if b.startswith("Sign")]


def test_a_viewer_reads_the_page_without_private_data_or_actions(app, organizer_client):
    open_edition(organizer_client, requires_approval=True)
    ids = delegation(app, organizer_client)
    viewer = browser_for_role(app, Role.VIEWER)
    page = viewer.get(f"{MANAGE}/registrations/{ids['head']}")
    assert page.status == 200
    assert "Ms. Malee Srisuk" in page.text
    for private in ("No pork", "E12345678", "malee@immigration.go.th", "note-verbale.pdf"):
        assert private not in page.text
    assert buttons(page) == [b for b in buttons(page) if b.startswith("Sign out")]
    assert not page.soup.find("a", string="Reject")
    roster = viewer.get(f"{MANAGE}/registrations")
    assert not roster.soup.select("input[name=ids]")
    assert not roster.soup.find("button", string="Confirm")
    delegation_id = registration(organizer_client, ids["head"])["delegation_id"]
    assert viewer.get(f"{MANAGE}/delegations/{delegation_id}/credential").status == 403
    assert viewer.post(f"{MANAGE}/registrations/bulk",
                       {"action": "confirm", "ids": [str(ids["head"])]}).status == 403
    assert viewer.post(f"{MANAGE}/registrations/{ids['head']}/visa-letter").status == 403


def test_bulk_confirm_confirms_what_it_may_and_says_why_not_for_the_others(
        app, organizer_client, organizer):
    open_edition(organizer_client, requires_approval=True)
    ids = delegation(app, organizer_client)
    response = organizer_client.post(REGISTRATIONS_URL, json={
        "full_name": "Ms. Press Person", "email": "press@example.org", "role": "press"})
    assert response.status_code == 201, response.json
    press = response.json["id"]
    response = organizer_client.post(REGISTRATIONS_URL, json={
        "full_name": "Mr. Rejected Person", "email": "rejected@example.org",
        "role": "observer"})
    rejected = response.json["id"]
    assert organizer_client.post(f"{REGISTRATIONS_URL}/{rejected}/reject").status_code == 200

    roster = organizer.get(f"{MANAGE}/registrations")
    assert roster.status == 200 and duplicate_ids(roster) == []
    ticks = {int(box["value"]) for box in roster.soup.select("input[name=ids]")}
    # Only registrations that can still be confirmed or rejected have a box.
    assert ticks == {ids["head"], ids["deputy"], press}
    for box in roster.soup.select("input[name=ids]"):
        assert box["form"] == "bulk-form"

    form = roster.form_values("#bulk-form")
    result = organizer.post(f"{MANAGE}/registrations/bulk", {
        **form, "action": "confirm",
        "ids": [str(ids["head"]), str(press), str(rejected)]})
    assert result.status == 200, result.text[:500]
    rows = {int(r["data-registration"]): (r["data-result"], r["data-code"])
            for r in result.soup.select("tr[data-registration]")}
    assert rows == {ids["head"]: ("refused", "registration.credentials_unreviewed"),
                    press: ("done", ""),
                    rejected: ("refused", "registration.transition_refused")}
    head_row = result.soup.select_one(f"tr[data-registration='{ids['head']}']")
    assert head_row.find("a", href=f"{MANAGE}/registrations/{ids['head']}#credential")
    assert "1 registration confirmed." in result.text
    press_page = organizer.get(f"{MANAGE}/registrations/{press}")
    assert press_page.status == 200 and "Ms. Press Person" in press_page.text
    assert press_page.soup.select_one("section[aria-labelledby=credential]") is None
    statuses = {i: registration(organizer_client, i)["status"]
                for i in (ids["head"], press, rejected)}
    assert statuses == {ids["head"]: "pending", press: "confirmed", rejected: "rejected"}

    # Nothing ticked, or nothing the page offers: refused, nothing changes.
    organizer.get(f"{MANAGE}/registrations")
    assert organizer.post(f"{MANAGE}/registrations/bulk",
                          {"action": "confirm"}).status == 422
    assert organizer.post(f"{MANAGE}/registrations/bulk",
                          {"action": "cancel", "ids": [str(ids["deputy"])]}).status == 422

    rejected_all = organizer.post(f"{MANAGE}/registrations/bulk", {
        "action": "reject", "ids": [str(ids["deputy"]), str(press)]})
    rows = {int(r["data-registration"]): r["data-result"]
            for r in rejected_all.soup.select("tr[data-registration]")}
    assert rows == {ids["deputy"]: "done", press: "refused"}
    assert registration(organizer_client, ids["deputy"])["status"] == "rejected"


def test_the_registrations_page_has_unique_ids_and_labelled_errors_at_the_top(
        app, organizer_client, organizer):
    open_edition(organizer_client)
    page = organizer.get(f"{MANAGE}/registrations")
    assert duplicate_ids(page) == []
    # Each label of "Register someone" focuses its own field, not a filter.
    section = page.soup.select_one("section[aria-labelledby=new-registration]")
    for label in section.select("label[for]"):
        target = page.soup.find(id=label["for"])
        assert target is not None and target.find_parent("section") is section, label
    # The exports are linked from the page.
    assert page.soup.find("a", href=f"{MANAGE}/registrations.csv")
    assert page.soup.find("a", href=f"{MANAGE}/registrations.csv?status=confirmed")

    form = page.form_values(f"form[action='{MANAGE}/registrations'][method=post]")
    refused = organizer.post(f"{MANAGE}/registrations", {**form, "full_name": "",
                                                         "email": "not an address"})
    assert refused.status == 422
    summary = refused.soup.select_one("#form-errors")
    # At the top, before the roster and its filters.
    assert summary.find_next("form", attrs={"aria-label": "Filter the roster"}) is not None
    texts = [li.get_text(" ", strip=True) for li in summary.select("li")]
    assert any(t.startswith("E-mail:") for t in texts), texts
    assert all(":" not in t.split(" ")[0] or not t.split(":")[0].islower() for t in texts)
    assert "email:" not in summary.get_text() and "full_name" not in summary.get_text()
    assert len(texts) == len(set(texts))
    assert duplicate_ids(refused) == []
    for link in summary.select("a[href^='#']"):
        assert refused.soup.find(id=link["href"][1:]) is not None


# On a phone ----------------------------------------------------------------------------

def test_on_a_phone_the_roster_and_the_registration_page_scroll_only_inside_tables(
        app, browser, live_server, organizer_client):
    from _browser import PHONE, screenshot
    from conftest import PASSWORD, make_user
    from selenium.webdriver.common.by import By

    open_edition(organizer_client, requires_approval=True)
    ids = delegation(app, organizer_client)
    email = make_user(app, Role.ORGANIZER)
    browser.get(f"{live_server}/login")
    browser.find_element(By.ID, "f-email").send_keys(email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Sign out')]")

    browser.set_window_size(*PHONE)
    for path, name in ((f"/manage/{SLUG}/registrations", "organizer-roster-phone"),
                       (f"/manage/{SLUG}/registrations/{ids['head']}",
                        "organizer-registration-phone")):
        browser.get(f"{live_server}{path}")
        assert "Ms. Malee Srisuk" in browser.find_element(By.TAG_NAME, "body").text
        page_width, view_width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        assert page_width <= view_width, (path, page_width, view_width)
        screenshot(browser, name, size=PHONE)
    browser.get(f"{live_server}/manage/{SLUG}/registrations")
    # The roster is wider than the phone: it scrolls inside its wrapper, every column kept.
    wide = browser.execute_script(
        "const w = document.querySelector('.table-scroll');"
        "return [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX]")
    assert wide[2] == "auto"
    assert wide[0] >= wide[1]


def test_a_registration_of_an_archived_edition_reads_without_actions(app, organizer_client,
                                                                     organizer):
    open_edition(organizer_client, requires_approval=True)
    ids = delegation(app, organizer_client)
    for status in ("closed", "archived"):
        response = organizer_client.post(f"/api/v1/editions/{SLUG}/status",
                                         json={"status": status})
        assert response.status_code == 200, response.json
    page = organizer.get(f"{MANAGE}/registrations/{ids['head']}")
    assert page.status == 200, page.text[:300]
    assert "Ms. Malee Srisuk" in page.text and "No pork" in page.text
    assert duplicate_ids(page) == []
    assert [b for b in buttons(page) if not b.startswith("Sign out")] == []
    assert page.soup.select_one("#actions") is None
    roster = organizer.get(f"{MANAGE}/registrations")
    assert not roster.soup.select("input[name=ids]")
    assert organizer.post(f"{MANAGE}/registrations/bulk", {
        "action": "confirm", "ids": [str(ids["head"])]}).status == 409
    assert registration(organizer_client, ids["head"])["status"] == "pending"
