"""The public archive pages, read as an anonymous visitor: the editions list, an edition's
record, its published Chair's Statement (printable), and participation across editions.
What the public may not read (draft editions, unpublished statements) is a 404 page."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from _helpers import create_organization, create_series
from _web import Browser, Page

from tests.test_seed_2024 import (
    breakout_topics_in_source,
    plenary_speakers_in_source,
    source_lines,
    source_sections,
)

SLUG = "2024-suzhou"
EDITIONS = "/api/v1/editions"
INTERNATIONAL = [
    "International Organization for Migration",
    "Office of the UN High Commissioner for Refugees",
    "UN Office on Drugs and Crime",
    "International Criminal Police Organization",
    "ASEAN Secretariat",
    "Lancang-Mekong Integrated Law Enforcement and Security Cooperation Center",
]


def flat(text: str) -> str:
    """Whitespace as one space (no-break spaces included), as a reader sees it."""
    return " ".join(text.split())


@pytest.fixture
def public(app) -> Browser:
    return Browser(app.test_client())


def statement_link(page: Page) -> str:
    link = page.soup.select_one(f"a[href^='/editions/{SLUG}/statements/']")
    assert link is not None, page.text[:500]
    return link["href"]


def assert_one_h1_and_no_inline_code(page: Page) -> None:
    assert len(page.soup.find_all("h1")) == 1
    # The page CSP forbids inline styles and scripts: the markup must not need them.
    assert page.soup.find_all(style=True) == []
    # JSON-LD metadata is a data block, never run: the only script element allowed.
    assert [tag for tag in page.soup.find_all(["script", "style"])
            if tag.get("type") != "application/ld+json"] == []
    assert "style-src 'self'" in page.response.headers["Content-Security-Policy"]


def new_edition(admin_client, slug: str, ordinal: int, *, status: str | None = "open",
                **fields) -> dict:
    payload = {"series": "web-public", "ordinal": ordinal, "slug": slug,
               "title": f"Sub-Forum edition {ordinal}", "time_zone": "Asia/Shanghai",
               "start_date": "2026-06-11", "end_date": "2026-06-12", "city": "Xiamen",
               "country_code": "CN", **fields}
    response = admin_client.post(EDITIONS, json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    if status:
        moved = admin_client.post(f"{EDITIONS}/{slug}/status", json={"status": status})
        assert moved.status_code == 200, moved.get_data(as_text=True)
    return response.json


@pytest.fixture
def series(admin_client):
    return create_series(admin_client, slug="web-public", name="Sub-Forum")


# The editions list --------------------------------------------------------------------

def test_home_lists_the_2024_edition_with_place_dates_and_status(seeded, public):
    page = public.get("/")
    assert page.status == 200
    assert_one_h1_and_no_inline_code(page)
    row = page.soup.select_one(f"a[href='/editions/{SLUG}']").find_parent("tr")
    text = flat(row.get_text(" "))
    assert "Sub-Forum on Migration Management Cooperation" in text
    assert "1st" in text
    assert "Suzhou, Jiangsu Province, China" in text
    assert "Sep 9 \u2013 10, 2024" in text
    assert "Archived" in text
    assert page.soup.select_one("a[href='/history']") is not None


def test_newest_edition_comes_first_and_drafts_stay_hidden(seeded, public, admin_client,
                                                           series):
    new_edition(admin_client, "2026-xiamen", 2, title="Second Sub-Forum, Xiamen")
    new_edition(admin_client, "2027-secret", 3, status=None, title="Secret draft edition",
                start_date="2027-05-01", end_date="2027-05-02")
    page = public.get("/")
    links = [a["href"] for a in page.soup.select("tbody a[href^='/editions/']")]
    assert links == ["/editions/2026-xiamen", f"/editions/{SLUG}"]
    assert "Secret draft edition" not in page.text
    draft = public.get("/editions/2027-secret")
    assert draft.status == 404
    assert "Secret draft edition" not in draft.text
    # Once opened, the same edition is public.
    assert admin_client.post(f"{EDITIONS}/2027-secret/status",
                             json={"status": "open"}).status_code == 200
    assert public.get("/").soup.select_one("a[href='/editions/2027-secret']") is not None
    assert public.get("/editions/2027-secret").status == 200


# An edition's page ----------------------------------------------------------------------

def test_edition_page_shows_the_2024_record(seeded, public):
    page = public.get(f"/editions/{SLUG}")
    assert page.status == 200
    assert_one_h1_and_no_inline_code(page)
    text = page.text
    assert ("Development and Innovation of Migration Governance under the Changing "
            "Environment") in text
    assert "Suzhou, Jiangsu Province, China" in text
    assert "Sep 9 \u2013 10, 2024" in text
    # Reported figures as stated, with their source sentence; recorded counts beside
    # them only where they count the same thing.
    figures = {flat(row.th.get_text(" ")): [flat(td.get_text(" ")) for td in row.find_all("td")]
               for row in page.soup.select("table[aria-labelledby='figures-heading'] tbody tr")}
    assert figures["Guests"][0] == "about 300 guests attended the Sub-Forum"
    assert figures["Guests"][1].startswith("About 300 guests attended the Sub-Forum")
    assert figures["Guests"][2] == "Not counted"
    assert figures["Countries and regions"][0].startswith("57 countries and regions")
    assert figures["Countries and regions"][2].startswith("14 ")
    assert figures["Breakout sessions"][2].startswith("4 ")


def test_edition_page_groups_organizations_by_kind_and_country(seeded, public):
    page = public.get(f"/editions/{SLUG}")
    international = page.soup.find("h3", string=re.compile("International organizations"))
    assert international is not None
    table = international.find_next("table")
    names = [flat(th.get_text(" ")) for th in table.select("tbody th")]
    assert len(names) == 6
    for name in INTERNATIONAL:
        assert any(n.startswith(name) for n in names), name
    national = page.soup.find("h3", string=re.compile("National authorities"))
    rows = national.find_next("table").select("tbody tr")
    countries = [flat(row.td.get_text(" ")) for row in rows]
    assert countries == sorted(countries)
    assert "Angola" in countries and "Tanzania" in countries
    host = next(row for row in rows if "National Immigration Administration" in row.th.text)
    assert "Host" in host.get_text()


def test_edition_page_shows_the_published_programme_in_running_order(seeded, public):
    page = public.get(f"/editions/{SLUG}")
    plenary = page.soup.find("h4", string="Plenary meeting").find_parent("section")
    spoken = [flat(li.get_text(" ")) for li in plenary.select("ol > li")]
    expected = plenary_speakers_in_source()
    assert len(spoken) == 15
    for shown, (name, position) in zip(spoken, expected, strict=False):
        assert shown.startswith(f"{name}, {position}"), (shown, name)
    assert spoken[-1].startswith("Raouf Mazou") and spoken[-1].endswith("(via video)")
    headings = [flat(h.get_text(" ")) for h in page.soup.find_all("h4")]
    breakouts = [h.removeprefix("Breakout session: ") for h in headings
                 if h.startswith("Breakout session: ")]
    assert breakouts == breakout_topics_in_source()
    # Headings go down one level at a time, so a screen reader can walk them.
    levels = [int(h.name[1]) for h in page.soup.find_all(re.compile("^h[1-6]$"))]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_programme_days_and_times_are_in_the_editions_zone(public, admin_client, series):
    new_edition(admin_client, "2026-xiamen", 2)
    items = f"{EDITIONS}/2026-xiamen/programme/items"
    for title, starts, ends in (("Plenary meeting", "2026-06-12T09:30:00", "2026-06-12T11:00:00"),
                                ("Opening ceremony", "2026-06-11T01:00:00Z",
                                 "2026-06-11T01:45:00Z")):
        response = admin_client.post(items, json={"kind": "plenary", "title": title,
                                                  "starts_at": starts, "ends_at": ends})
        assert response.status_code == 201, response.get_data(as_text=True)
    before = public.get("/editions/2026-xiamen")
    assert "The programme has not been published yet." in before.text
    assert "Opening ceremony" not in before.text
    published = admin_client.post(f"{EDITIONS}/2026-xiamen/programme/versions", json={})
    assert published.status_code == 201, published.get_data(as_text=True)
    page = public.get("/editions/2026-xiamen")
    days = [flat(h.get_text(" ")) for h in page.soup.find_all("h3")
            if "June" in h.get_text()]
    assert days == ["June 11, 2026", "June 12, 2026"]
    opening = page.soup.find("h4", string="Opening ceremony").find_parent("section")
    # 01:00 UTC is 09:00 in Shanghai.
    assert "9:00 AM\u20139:45 AM" in flat(opening.get_text())
    plenary = page.soup.find("h4", string="Plenary meeting").find_parent("section")
    assert "9:30 AM\u201311:00 AM" in flat(plenary.get_text())
    assert "Times are local (China Time)" in page.text


def test_what_visitors_type_into_the_record_is_escaped(public, admin_client, series):
    new_edition(admin_client, "2026-xiamen", 2, title="<script>alert(1)</script> Forum",
                theme='"><img src=x onerror=alert(1)>')
    page = public.get("/editions/2026-xiamen")
    assert page.status == 200
    assert "<script>alert(1)</script> Forum" in page.soup.h1.get_text()
    # The JSON-LD block holds the title as data and is not closed early by it.
    (metadata,) = page.soup.find_all("script")
    assert metadata["type"] == "application/ld+json"
    assert json.loads(metadata.string)["name"] == "<script>alert(1)</script> Forum"
    assert "</script>" not in metadata.string
    assert page.soup.find_all("img") == []
    assert "&lt;script&gt;" in page.html
    assert public.get("/").soup.find_all("script") == []


# The Chair's Statement ----------------------------------------------------------------

def test_the_2024_statement_reads_as_the_source(seeded, public):
    edition = public.get(f"/editions/{SLUG}")
    page = public.get(statement_link(edition))
    assert page.status == 200
    assert_one_h1_and_no_inline_code(page)
    assert page.soup.h1.get_text() == source_lines()[0]
    assert page.soup.html["lang"] == "en"
    assert "(September 10, 2024, Suzhou, China)" in page.text
    headings = [h.get_text() for h in page.soup.find_all("h2")]
    numerals = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    assert [h for h in headings if h.startswith("Section ")] == [
        f"Section {n}" for n in numerals]
    shown = flat(page.text)
    for section in source_sections():
        for paragraph in section:
            assert flat(paragraph) in shown, paragraph[:80]


def test_the_statement_is_printable(seeded, public, client):
    page = public.get(statement_link(public.get(f"/editions/{SLUG}")))
    assert "Print" in page.text
    stylesheets = page.soup.select("head link[rel=stylesheet]")
    assert stylesheets
    css = "".join(client.get(link["href"]).get_data(as_text=True) for link in stylesheets)
    print_rules = css.split("@media print", 1)[1]
    assert re.search(r"nav[^{]*\{\s*display:\s*none", print_rules)
    # The navigation and the print hint are inside what print hides.
    hint = page.soup.find(string=re.compile("Print command"))
    assert hint.find_parent(class_="actions") is not None
    pdf = client.get(page.soup.find("a", string="Download as PDF")["href"])
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"


def publish(admin_client, slug: str, statement_id: int) -> None:
    for status in ("in_review", "approved", "published"):
        response = admin_client.post(f"{EDITIONS}/{slug}/statements/{statement_id}/status",
                                     json={"status": status})
        assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def drafted(admin_client, series) -> dict:
    new_edition(admin_client, "2026-xiamen", 2)
    response = admin_client.post(f"{EDITIONS}/2026-xiamen/statements", json={
        "kind": "chairs_statement",
        "content": {"title": "Chair's Statement of the Xiamen Sub-Forum",
                    "dateline": "(June 12, 2026, Xiamen, China)",
                    "sections": [{"paragraphs": ["The Sub-Forum met in Xiamen."]},
                                 {"paragraphs": ["Participants discussed ports.",
                                                 "They agreed to meet again."]}]}})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def test_an_unpublished_statement_is_a_404_page_until_published(public, admin_client,
                                                                 drafted):
    url = f"/editions/2026-xiamen/statements/{drafted['id']}"
    page = public.get(url)
    assert page.status == 404
    assert "Not found" in page.soup.h1.get_text()
    assert "The Sub-Forum met in Xiamen." not in page.text
    edition = public.get("/editions/2026-xiamen")
    assert edition.soup.select_one("a[href^='/editions/2026-xiamen/statements/']") is None
    assert "No statement has been published" in edition.text
    publish(admin_client, "2026-xiamen", drafted["id"])
    assert statement_link_of(public.get("/editions/2026-xiamen")) == url
    shown = public.get(url)
    assert shown.status == 200
    assert shown.soup.h1.get_text() == "Chair's Statement of the Xiamen Sub-Forum"
    assert "They agreed to meet again." in shown.text
    assert public.get("/editions/2026-xiamen/statements/9999").status == 404


def statement_link_of(page: Page) -> str | None:
    link = page.soup.select_one("a[href^='/editions/2026-xiamen/statements/']")
    return link["href"] if link else None


def test_corrections_are_noted_and_earlier_text_stays_readable(public, admin_client,
                                                               drafted):
    sid = drafted["id"]
    publish(admin_client, "2026-xiamen", sid)
    api = f"{EDITIONS}/2026-xiamen/statements/{sid}"
    etag = admin_client.get(api).headers["ETag"]
    corrected = admin_client.post(f"{api}/corrections", headers={"If-Match": etag}, json={
        "note": "Section II: the port named correctly",
        "sections": [{"paragraphs": ["The Sub-Forum met in Xiamen."]},
                     {"paragraphs": ["Participants discussed the port of Xiamen."]}]})
    assert corrected.status_code == 201, corrected.get_data(as_text=True)
    url = f"/editions/2026-xiamen/statements/{sid}"
    page = public.get(url)
    assert "Participants discussed the port of Xiamen." in page.text
    corrections = page.soup.find("h2", string="Corrections").find_parent("section")
    assert "Revision 2" in corrections.get_text()
    assert "Section II: the port named correctly" in corrections.get_text()
    first = public.get(f"{url}?revision=1")
    assert first.status == 200
    assert "Participants discussed ports." in first.text
    assert "Read the current published text (revision 2)." in first.text
    assert public.get(f"{url}?revision=x").status == 404
    assert public.get(f"{url}?revision={2**64}").status == 404  # never reaches the database


def test_language_versions_are_linked_once_published(public, admin_client, drafted):
    sid = drafted["id"]
    publish(admin_client, "2026-xiamen", sid)
    response = admin_client.post(f"{EDITIONS}/2026-xiamen/statements/{sid}/languages",
                                 json={"language": "zh"})
    assert response.status_code == 201, response.get_data(as_text=True)
    zh = response.json["id"]
    english = public.get(f"/editions/2026-xiamen/statements/{sid}")
    assert english.soup.select_one(f"a[href='/editions/2026-xiamen/statements/{zh}']") is None
    assert public.get(f"/editions/2026-xiamen/statements/{zh}").status == 404
    publish(admin_client, "2026-xiamen", zh)
    english = public.get(f"/editions/2026-xiamen/statements/{sid}")
    link = english.soup.select_one(f"a[href='/editions/2026-xiamen/statements/{zh}']")
    assert link is not None and link["hreflang"] == "zh"
    chinese = public.get(link["href"])
    assert chinese.status == 200
    # The text is marked Chinese; the page around it stays in the reader's language.
    assert chinese.soup.find("article")["lang"] == "zh"
    assert chinese.soup.html["lang"] == "en"
    back = chinese.soup.select_one(f"a[href='/editions/2026-xiamen/statements/{sid}']")
    assert back is not None and back["hreflang"] == "en"


# Across editions ----------------------------------------------------------------------

def test_history_lists_organizations_countries_and_figures_side_by_side(seeded, public):
    page = public.get("/history")
    assert page.status == 200
    assert_one_h1_and_no_inline_code(page)
    organizations = page.soup.select("table[aria-labelledby='organizations-heading'] tbody tr")
    assert len(organizations) == 21
    names = [flat(row.th.get_text(" ")) for row in organizations]
    for name in INTERNATIONAL:
        assert any(n.startswith(name) for n in names), name
    iom = next(row for row in organizations if "(IOM)" in row.th.get_text())
    assert iom.select_one(f"a[href='/editions/{SLUG}']") is not None
    countries = [flat(row.th.get_text(" ")) for row in page.soup.select(
        "table[aria-labelledby='countries-heading'] tbody tr")]
    assert len(countries) == 14 and "Angola" in countries and "China" in countries
    figures = {flat(row.th.get_text(" ")): flat(row.td.get_text(" ")) for row in
               page.soup.select("table[aria-labelledby='figures-heading'] tbody tr")}
    assert figures["Guests"].startswith("Reported: about 300")
    assert figures["Countries and regions"] == "Reported: 57 Named in the archive: 14"
    assert figures["Speakers"] == "Not reported Named in the archive: 18"


def test_one_organizations_history(seeded, public):
    history = public.get("/history")
    link = history.soup.find("a", string="International Organization for Migration")
    page = public.get(link["href"])
    assert page.status == 200
    assert_one_h1_and_no_inline_code(page)
    assert page.soup.h1.get_text() == "International Organization for Migration (IOM)"
    row = page.soup.select_one("tbody tr")
    assert row.select_one(f"a[href='/editions/{SLUG}']") is not None
    assert "Amy Pope" in row.get_text()
    assert public.get("/history/organizations/999999").status == 404


def test_organizations_of_draft_editions_stay_out_of_the_history(public, admin_client,
                                                                  series):
    organization = create_organization(admin_client, "Hidden Border Agency",
                                       country_code="IS")
    new_edition(admin_client, "2027-secret", 3, status=None)
    response = admin_client.post(f"{EDITIONS}/2027-secret/participants",
                                 json={"organization_id": organization["id"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "Hidden Border Agency" not in public.get("/history").text
    assert public.get(f"/history/organizations/{organization['id']}").status == 404
    assert admin_client.post(f"{EDITIONS}/2027-secret/status",
                             json={"status": "open"}).status_code == 200
    assert "Hidden Border Agency" in public.get("/history").text
    assert public.get(f"/history/organizations/{organization['id']}").status == 200
