"""What crawlers, search engines and feed readers read of the public archive: schema.org
Event JSON-LD on the edition pages (expanded with pyld against a local copy of the
schema.org context, so no network), the Atom feeds (parsed with feedparser, and for the
elements RFC 4287 requires, with ElementTree), robots.txt and the sitemap (sitemaps.org
protocol). Drafts stay out of all of them, and the 2024 record invents nothing."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from _programme import SLUG, add_item, add_speech, at, open_edition, person, publish, url
from _web import Browser
from pyld import jsonld

SCHEMA = "http://schema.org/"
CONTEXT = json.loads((Path(__file__).parent / "data" / "schemaorg-context.jsonld")
                     .read_text(encoding="utf-8"))
# The properties schema.org defines for the types the pages use (Event, Place,
# PostalAddress, Organization, EventSeries): a misspelt one would expand under @vocab.
KNOWN_PROPERTIES = {f"{SCHEMA}{name}" for name in (
    "name", "url", "startDate", "endDate", "eventStatus", "eventAttendanceMode",
    "description", "location", "address", "addressLocality", "addressRegion",
    "addressCountry", "organizer", "superEvent")}
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _loader(address, options=None):
    assert address.rstrip("/") in ("https://schema.org", "http://schema.org"), address
    return {"contextUrl": None, "documentUrl": address, "document": CONTEXT}


@pytest.fixture
def public(app) -> Browser:
    return Browser(app.test_client())


def _json_ld(page) -> dict:
    (script,) = page.soup.find_all("script", type="application/ld+json")
    return json.loads(script.string)


def _expanded(document: dict) -> dict:
    (node,) = jsonld.expand(document, {"documentLoader": _loader})
    return node


def _properties(node) -> set[str]:
    found = set()
    for key, values in node.items():
        if key.startswith("@"):
            continue
        found.add(key)
        for value in values:
            if isinstance(value, dict) and "@value" not in value and "@id" not in value:
                found |= _properties(value)
    return found


def test_the_2024_edition_page_describes_the_event_with_only_what_the_record_holds(
        public, seeded):
    page = public.get("/editions/2024-suzhou")
    data = _json_ld(page)

    assert data["@type"] == "Event"
    assert (data["startDate"], data["endDate"]) == ("2024-09-09", "2024-09-10")
    assert data["url"].endswith("/editions/2024-suzhou")
    assert data["location"]["address"]["addressLocality"] == "Suzhou"
    assert data["location"]["address"]["addressCountry"] == "CN"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    node = _expanded(data)
    assert node["@type"] == [f"{SCHEMA}Event"]
    assert _properties(node) <= KNOWN_PROPERTIES, _properties(node) - KNOWN_PROPERTIES
    assert node[f"{SCHEMA}startDate"] == [{"@type": f"{SCHEMA}Date", "@value": "2024-09-09"}]
    (location,) = node[f"{SCHEMA}location"]
    assert location["@type"] == [f"{SCHEMA}Place"]
    assert location[f"{SCHEMA}address"][0]["@type"] == [f"{SCHEMA}PostalAddress"]
    # Times the record does not give are not invented: no "T" in the dates.
    assert "T" not in data["startDate"] + data["endDate"]
    # A recorded host is the organizer; nothing is said about what is not recorded.
    assert set(data) <= {"@context", "@type", "name", "url", "startDate", "endDate",
                         "eventStatus", "eventAttendanceMode", "description", "location",
                         "organizer", "superEvent"}
    feed_link = page.soup.find("link", rel="alternate", type="application/atom+xml",
                               href="/editions/2024-suzhou/feed.atom")
    assert feed_link is not None and feed_link["title"]


def test_a_timed_programme_gives_start_and_end_with_the_offset(organizer_client, public):
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    first = add_item(organizer_client, "Welcome", at(24, "09:00"), at(24, "10:00"))
    add_item(organizer_client, "Closing", at(28, "16:00"), at(28, "17:30"))
    assert add_speech(organizer_client, first["id"], speaker["id"], delivery="video"
                      ).status_code == 201
    publish(organizer_client)

    page = public.get(f"/editions/{SLUG}")
    data = _json_ld(page)

    assert data["startDate"] == "2025-10-24T09:00:00+02:00"
    assert data["endDate"] == "2025-10-28T17:30:00+01:00"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    node = _expanded(data)
    assert node[f"{SCHEMA}eventAttendanceMode"] == [
        {"@id": "https://schema.org/MixedEventAttendanceMode"}]
    # The programme's files are linked from the page.
    links = {a.get_text(strip=True): a["href"] for a in page.soup.select("ul.programme-files a")}
    assert links["Calendar (iCalendar)"] == url(SLUG, "/programme.ics")
    assert links["Schedule for conference apps (frab XML)"] == url(
        SLUG, "/programme/schedule.xml")
    assert public.client.get(links["Schedule for conference apps (JSON)"]).status_code == 200


def test_the_atom_feeds_list_published_statements_and_programme_versions(
        organizer_client, client, seeded):
    open_edition(organizer_client, open_it=False)  # a draft: in no feed
    add_item(organizer_client, "Secret", at(24, "09:00"), at(24, "10:00"))
    publish(organizer_client, "Draft edition's version")

    for path in ("/feed.atom", "/editions/2024-suzhou/feed.atom"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "application/atom+xml"
        parsed = feedparser.parse(response.get_data())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        titles = [entry.title for entry in parsed.entries]
        assert any("Chair" in title for title in titles), titles
        assert not any("Draft edition" in (entry.get("summary") or "")
                       for entry in parsed.entries)
        root = ET.fromstring(response.get_data())
        assert root.tag == f"{ATOM}feed"
        for tag in ("id", "title", "updated", "author/" + ATOM + "name"):
            assert root.find(f"{ATOM}{tag}") is not None, tag
        assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith(path)
        ids = []
        for entry in root.findall(f"{ATOM}entry"):
            for tag in ("id", "title", "updated"):
                assert (entry.findtext(f"{ATOM}{tag}") or "").strip(), tag
            assert entry.find(f"{ATOM}link").get("href").startswith("http")
            dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
            ids.append(entry.findtext(f"{ATOM}id"))
        assert len(ids) == len(set(ids)) and all(i.startswith("tag:") for i in ids)
    assert client.get(f"/editions/{SLUG}/feed.atom").status_code == 404


def test_a_new_programme_version_is_a_new_entry_and_the_feed_is_updated(organizer_client,
                                                                        client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Welcome", at(24, "09:00"), at(24, "10:00"))
    publish(organizer_client, "First programme")
    first = feedparser.parse(client.get(f"/editions/{SLUG}/feed.atom").get_data())
    organizer_client.patch(url(SLUG, f"/programme/items/{item['id']}"),
                           json={"room": "Hall B"})
    publish(organizer_client, "Room for the welcome")

    second = feedparser.parse(client.get(f"/editions/{SLUG}/feed.atom").get_data())

    assert [entry.summary for entry in second.entries] == ["Room for the welcome",
                                                           "First programme"]
    assert second.entries[1].id == first.entries[0].id
    assert second.feed.updated_parsed >= first.feed.updated_parsed


def test_robots_txt_opens_the_archive_and_closes_the_rest(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for rule in ("Allow: /", "Disallow: /manage", "Disallow: /secretariat",
                 "Disallow: /rsvp", "Disallow: /api/", "Allow: /api/docs"):
        assert rule in lines, rule
    (sitemap,) = [line for line in lines if line.startswith("Sitemap: ")]
    assert urlsplit(sitemap.split(" ", 1)[1]).path == "/sitemap.xml"


def test_the_sitemap_lists_the_public_archive_only(organizer_client, client, seeded):
    open_edition(organizer_client, open_it=False)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{SITEMAP}urlset"
    entries = root.findall(f"{SITEMAP}url")
    assert 0 < len(entries) <= 50_000
    locations = []
    for entry in entries:
        assert {child.tag for child in entry} <= {f"{SITEMAP}loc", f"{SITEMAP}lastmod"}
        location = entry.findtext(f"{SITEMAP}loc")
        assert urlsplit(location).scheme in ("http", "https") and len(location) < 2048
        if (modified := entry.findtext(f"{SITEMAP}lastmod")) is not None:
            assert dt.datetime.fromisoformat(modified).tzinfo is not None  # W3C datetime
        locations.append(urlsplit(location).path)
    assert "/editions/2024-suzhou" in locations
    assert any(path.startswith("/editions/2024-suzhou/statements/") for path in locations)
    assert f"/editions/{SLUG}" not in locations
    assert len({urlsplit(e.findtext(f"{SITEMAP}loc")).netloc for e in entries}) == 1
    for path in locations:
        assert client.get(path).status_code == 200, path
