"""The 2024 reference record against its only source, the Chair's Statement text.

The expectations are parsed from the source file here, independently of seed_2024, so a
transcription slip in the record fails a test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import SOURCE_FILE

SLUG = "2024-suzhou"
RECORD = Path(__file__).resolve().parents[1] / "seed_2024" / "record.yaml"
FURNITURE_LINES = 7  # title repeated, "Share on wechat", QR-code hint (see sources/README)


def source_lines() -> list[str]:
    return SOURCE_FILE.read_text(encoding="utf-8").split("\n")


def flat_source() -> str:
    """The source with its no-break spaces (web-page typography, 33 of them) as plain
    spaces: names, positions, titles and quotes are stored that way, so that searching
    for "Xu Ganlu" finds him. Statement paragraphs keep them verbatim."""
    return SOURCE_FILE.read_text(encoding="utf-8").replace("\u00a0", " ")


def source_sections() -> list[list[str]]:
    """Sections I-VIII of the source, each a list of paragraphs without the numeral."""
    sections: list[list[str]] = []
    for line in source_lines()[FURNITURE_LINES + 2:]:
        if not line:
            continue
        match = re.match(r"^([IVX]+)\. (.*)$", line)
        if match:
            sections.append([match.group(2)])
        else:
            sections[-1].append(line)
    return sections


def plenary_speakers_in_source() -> list[tuple[str, str]]:
    section_two = source_sections()[1][0].replace("\u00a0", " ")
    listing = section_two.split("during the plenary meeting are: ", 1)[1]
    listing = listing.split(". Raouf Mazou", 1)[0]
    entries = re.split(r"; (?:and )?", listing)
    return [tuple(entry.split(", ", 1)) for entry in entries]  # type: ignore[misc]


def breakout_topics_in_source() -> list[str]:
    section_three = source_sections()[2][0].replace("\u00a0", " ")
    namely = section_three.split("namely ", 1)[1].split(". During", 1)[0]
    return re.findall(r'"([^"]+)"', namely)


@pytest.fixture
def programme(client, seeded):
    response = client.get(f"/api/v1/editions/{SLUG}/programme")
    assert response.status_code == 200
    # The public reads the published version; the record is version 1.
    assert response.json["version"] == 1
    assert response.json["time_zone"] == "Asia/Shanghai"
    return response.json["items"]


@pytest.fixture
def statement(client, seeded):
    listing = client.get(f"/api/v1/editions/{SLUG}/statements")
    assert listing.status_code == 200
    assert len(listing.json) == 1
    response = client.get(f"/api/v1/editions/{SLUG}/statements/{listing.json[0]['id']}")
    assert response.status_code == 200
    return response.json


def test_source_parsing_sees_what_the_issue_describes():
    # Guards the parsers below: fourteen plenary speakers and four topics.
    assert len(source_sections()) == 8
    assert len(plenary_speakers_in_source()) == 14
    assert len(breakout_topics_in_source()) == 4


def test_every_statement_paragraph_equals_the_source(statement):
    sections = source_sections()
    assert [s["number"] for s in statement["sections"]] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    assert [s["paragraphs"] for s in statement["sections"]] == sections
    assert statement["title"] == source_lines()[0]
    assert statement["dateline"] == "(September 10, 2024, Suzhou, China)"
    assert statement["status"] == "published"
    assert statement["kind"] == "chairs_statement"
    # The published page's no-break spaces survive.
    assert "\u00a0" in statement["sections"][5]["paragraphs"][0]


@pytest.mark.parametrize("how", ["query", "accept"])
def test_statement_plain_text_reproduces_the_source_without_page_furniture(client, seeded,
                                                                           statement, how):
    url = f"/api/v1/editions/{SLUG}/statements/{statement['id']}"
    response = (client.get(url + "?format=text") if how == "query"
                else client.get(url, headers={"Accept": "text/plain"}))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = source_lines()
    expected = lines[0] + "\n\n" + "\n".join(lines[FURNITURE_LINES + 1:])
    assert response.get_data(as_text=True) == expected
    assert "wechat" not in response.get_data(as_text=True)


def test_plenary_speakers_names_and_positions_in_the_order_given(programme):
    plenary = [item for item in programme if item["kind"] == "plenary"]
    assert len(plenary) == 1
    speeches = plenary[0]["speeches"]
    expected = plenary_speakers_in_source()
    recorded = [(s["person"]["full_name"], s["person"]["position"]) for s in speeches[:14]]
    assert recorded == expected
    assert [s["position"] for s in speeches] == list(range(1, 16))
    assert all(s["role"] == "plenary_speech" for s in speeches[:14])
    # Raouf Mazou's speech via video closes the plenary list.
    assert speeches[14]["person"]["full_name"] == "Raouf Mazou"
    assert speeches[14]["delivery"] == "video"
    # Surname-only names are kept as written.
    names = [name for name, _ in recorded]
    assert "Samolovac" in names and "Barroso" in names


def test_opening_speeches_and_every_speaker_is_quoted_from_the_source(programme):
    text = flat_source()
    opening = programme[0]
    assert [(s["person"]["full_name"], s["role"], s["delivery"]) for s in opening["speeches"]] == [
        ("Xu Ganlu", "opening_speech", None),
        ("Wu Qingwen", "welcome_speech", None),
        ("Amy Pope", "speech", "video"),
    ]
    for item in programme:
        for speech in item["speeches"]:
            person = speech["person"]
            assert f"{person['full_name']}, {person['position']}" in text


def test_breakout_sessions_have_the_exact_topics(programme):
    breakouts = [item["title"] for item in programme if item["kind"] == "breakout_session"]
    assert breakouts == breakout_topics_in_source()


def test_no_times_rooms_or_unstated_delivery_are_invented(client, seeded, programme):
    for item in programme:
        assert item["starts_at"] is None and item["ends_at"] is None
        assert item["room"] is None and item["capacity"] is None
    video = {s["person"]["full_name"] for item in programme for s in item["speeches"]
             if s["delivery"] is not None}
    # Only the two speeches the text says were given "via video" carry a delivery.
    assert video == {"Amy Pope", "Raouf Mazou"}
    edition = client.get(f"/api/v1/editions/{SLUG}").json
    assert edition["venue"] is None and edition["capacity"] is None


def test_edition_facts(client, seeded):
    edition = client.get(f"/api/v1/editions/{SLUG}").json
    assert edition["ordinal"] == 1
    assert edition["status"] == "archived"
    assert (edition["start_date"], edition["end_date"]) == ("2024-09-09", "2024-09-10")
    assert (edition["city"], edition["region"], edition["country_code"]) == (
        "Suzhou", "Jiangsu Province", "CN")
    assert edition["theme"] == ("Development and Innovation of Migration Governance "
                                "under the Changing Environment")
    assert edition["host_organization"]["acronym"] == "NIA"
    assert edition["title"] in flat_source()


def test_reported_figures_stay_aggregates_with_qualifier_and_source(client, seeded):
    text = flat_source()
    edition = client.get(f"/api/v1/editions/{SLUG}").json
    figures = {f["key"]: f for f in edition["figures"]}
    assert (figures["guests"]["value"], figures["guests"]["qualifier"]) == (300, "about")
    assert (figures["countries_and_regions"]["value"],
            figures["countries_and_regions"]["qualifier"]) == (57, None)
    assert figures["breakout_sessions"]["value"] == 4
    for figure in figures.values():
        assert figure["source_text"] in text
    # Recorded counts are honest counts of records, not the reported 57 or 300.
    recorded = edition["recorded"]
    assert recorded["countries_and_regions"] == 14  # China and the 13 named in section II
    assert recorded["speakers"] == 18
    assert recorded["breakout_sessions"] == 4


def test_participants_are_the_named_organizations_and_speakers(client, seeded):
    text = flat_source()
    response = client.get(f"/api/v1/editions/{SLUG}/participants")
    assert response.status_code == 200
    organizations = response.json["organizations"]
    assert organizations[0]["role"] == "host"
    assert organizations[0]["organization"]["acronym"] == "NIA"
    for entry in organizations:
        org = entry["organization"]
        assert org["name"] in text
        if org["acronym"]:
            assert f"({org['acronym']})" in text
    international = {e["organization"]["acronym"] or e["organization"]["name"]
                     for e in organizations
                     if e["organization"]["kind"] == "international_organization"}
    assert international == {"IOM", "UNHCR", "UNODC", "INTERPOL", "ASEAN Secretariat",
                             "LMLECC"}
    authorities = [e["organization"] for e in organizations
                   if e["organization"]["kind"] == "national_authority"]
    assert sorted(a["country_code"] for a in authorities) == sorted(
        ["CN", "AO", "KH", "EC", "HU", "IR", "MN", "RU", "SA", "RS", "SG", "SB", "ES", "TZ"])
    people = response.json["people"]
    assert len(people) == 18
    assert all(entry["roles"] for entry in people)
    # Public reads never show private contact fields.
    assert all("email" not in entry["person"] for entry in people)


def test_every_quote_in_the_record_file_is_in_the_source():
    text = flat_source()
    record = yaml.safe_load(RECORD.read_text(encoding="utf-8"))

    def quotes(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"source", "source_text"}:
                    yield from (value if isinstance(value, list) else [value])
                else:
                    yield from quotes(value)
        elif isinstance(node, list):
            for value in node:
                yield from quotes(value)

    found = list(quotes(record))
    assert len(found) > 30
    for quote in found:
        assert quote in text, quote
    for person in record["people"]:
        assert f"{person['full_name']}, {person['position']}" in text
    for organization in record["organizations"]:
        assert organization["name"] in text


def test_seeding_twice_changes_nothing(cli, admin_client):
    first = cli("seed", "2024")
    assert first.exit_code == 0
    assert "Loaded edition 2024-suzhou" in first.output

    def totals():
        return {path: admin_client.get(path).headers["X-Pagination"]
                for path in ("/api/v1/organizations", "/api/v1/people", "/api/v1/editions")}

    before = totals()
    second = cli("seed", "2024")
    assert second.exit_code == 0
    assert "Nothing to do" in second.output
    assert totals() == before


def test_the_archived_record_is_read_only(organizer_client, seeded):
    response = organizer_client.patch(f"/api/v1/editions/{SLUG}", json={"venue": "Somewhere"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    figure = organizer_client.patch(f"/api/v1/editions/{SLUG}/figures/guests",
                                    json={"value": 301})
    assert figure.status_code == 409
    edition = organizer_client.get(f"/api/v1/editions/{SLUG}").json
    assert edition["venue"] is None
    assert {f["key"]: f["value"] for f in edition["figures"]}["guests"] == 300
