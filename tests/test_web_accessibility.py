"""Accessible markup on every page that answers a GET, found by walking the URL map with
real ids (a page added later is checked too): the language of the page, one <h1> and no
skipped heading level, a label for every field, text on every button and link, header
cells in every table, and an ARIA state on fields with errors. The colours of the
stylesheet are checked for WCAG AA contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _attendance import SLUG, open_edition, organization, sent_invitation
from _statements import create_statement
from _web import Browser, Page, browser_for_role
from statement_fixtures import seeded_statement_id

from eventhub.auth.models import Role

SEEDED = "2024-suzhou"
CSS = Path(__file__).resolve().parent.parent / "eventhub" / "web" / "static" / "eventhub.css"


def problems(page: Page) -> list[str]:
    soup = page.soup
    found = []
    if not (soup.html and soup.html.get("lang")):
        found.append("<html> has no lang")
    if len(soup.find_all("h1")) != 1:
        found.append(f"{len(soup.find_all('h1'))} <h1> elements")
    level = 0
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        new = int(heading.name[1])
        if new > level + 1:
            found.append(f"<{heading.name}> after h{level}: {heading.get_text(strip=True)!r}")
        level = new
    labelled = {label.get("for") for label in soup.find_all("label")}
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        wrapped = field.find_parent("label") is not None
        if not (field.get("id") in labelled or wrapped or field.get("aria-label")
                or field.get("aria-labelledby")):
            found.append(f"unlabelled field {field.get('name')!r}")
    for button in soup.find_all("button"):
        if not (button.get_text(strip=True) or button.get("aria-label")):
            found.append("a button without text")
    for link in soup.find_all("a"):
        if not (link.get_text(strip=True) or link.get("aria-label")):
            found.append(f"a link without text to {link.get('href')}")
    for table in soup.find_all("table"):
        if not table.find("th"):
            found.append("a table without header cells")
    for field in soup.select(".invalid input, .invalid select, .invalid textarea"):
        if field.get("aria-invalid") != "true":
            found.append(f"field {field.get('name')!r} in error without aria-invalid")
    return found


@pytest.fixture
def world(app, seeded, admin_client, client):
    """The 2024 record (archived) and an open edition with an accepted invitation, a
    delegation, a programme item and a drafted statement: real ids for every page."""
    open_edition(admin_client)
    org = organization(admin_client, "Immigration Bureau of Thailand", "TH")
    invitation, token = sent_invitation(app, admin_client, org["id"])
    assert client.post(f"/api/v1/rsvp/{token}/accept").status_code == 200
    members = client.put(f"/api/v1/rsvp/{token}/delegation", json={"members": [
        {"full_name": "Somchai Rattanakorn", "email": "s@example.org",
         "role": "head_of_delegation"}]})
    assert members.status_code == 200, members.json
    item = admin_client.post(f"/api/v1/editions/{SLUG}/programme/items", json={
        "kind": "plenary", "title": "Opening", "starts_at": "2030-11-20T09:00:00",
        "ends_at": "2030-11-20T10:00:00"})
    assert item.status_code == 201, item.json
    statement = create_statement(admin_client, slug=SLUG).json
    figure = admin_client.post(f"/api/v1/editions/{SLUG}/figures", json={
        "key": "guests", "qualifier": "about", "value": 300, "unit": "guests"})
    assert figure.status_code == 201, figure.json
    someone = admin_client.post("/api/v1/people", json={"full_name": "Li Wei"})
    assert someone.status_code == 201, someone.json
    published = create_statement(admin_client, slug=SLUG, kind="summary").json
    for status in ("in_review", "approved", "published"):
        response = admin_client.post(
            f"/api/v1/editions/{SLUG}/statements/{published['id']}/status",
            json={"status": status, **({"confirm": {"mismatches": True, "reason": "test text"}}
                                       if status == "published" else {})})
        assert response.status_code == 200, response.json
    return {
        "published_statement_id": published["id"],
        "published_key": published["sections"][0]["key"],
        "token": token, "registration_id": members.json["members"][0]["registration_id"],
        "item_id": item.json["id"], "statement_id": statement["id"],
        "key": statement["sections"][0]["key"], "number": 1,
        "organization_id": org["id"], "figure_key": "guests", "person_id": someone.json["id"],
        "invitation_id": invitation["id"],
        "seeded_statement_id": seeded_statement_id(client),
    }


def page_urls(app, world) -> list[str]:
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("web_") or "GET" not in rule.methods \
                or rule.rule.endswith((".csv", ".pdf", "/credential", ".atom", ".txt", ".xml")):
            continue
        public = rule.rule.startswith(("/editions", "/history"))
        values = dict(world, slug=SEEDED if public else SLUG)
        if public:
            values["statement_id"] = world["seeded_statement_id"]
        if rule.endpoint == "web_secretariat.correction":  # only published ones take them
            values.update(statement_id=world["published_statement_id"],
                          key=world["published_key"])
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: str(v[m.group(1)]), rule.rule)
        if rule.endpoint == "web_secretariat.diff":
            url += "?old=1&new=1"
        urls.append(url)
    return urls


def test_every_page_has_accessible_markup(app, world):
    staff = browser_for_role(app, Role.ADMIN)
    anonymous = Browser(app.test_client())
    report = {}
    urls = page_urls(app, world)
    assert len(urls) >= 25
    for url in urls:
        browser = anonymous if url.startswith(("/rsvp", "/login")) else staff
        page = browser.get(url)
        assert page.status == 200, (url, page.status, page.text[:300])
        if found := problems(page):
            report[url] = found
    assert not report, report


def test_a_refused_form_marks_its_fields_for_screen_readers(app, world):
    browser = Browser(app.test_client())
    browser.get(f"/rsvp/{world['token']}/delegation")
    page = browser.post(f"/rsvp/{world['token']}/delegation", {
        "members-0-full_name": "Somchai Rattanakorn", "members-0-email": "not-an-email"})
    assert page.status == 422
    invalid = page.soup.select("[aria-invalid=true]")
    assert invalid and not problems(page)
    assert page.soup.find(role="alert")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text()))
    pairs = [("ink", "paper"), ("muted", "paper"), ("accent", "paper"),
             ("accent-ink", "accent"), ("bad", "paper"), ("good", "tint"), ("ink", "tint"),
             ("muted", "tint"), ("accent", "tint")]
    low = {f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
           for fg, bg in pairs if contrast(colours[fg], colours[bg]) < 4.5}
    assert not low, low
