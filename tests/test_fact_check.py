"""Fact check: the figures and names of a statement against the edition's records.

Acceptance: the check finds a mismatch planted in a draft of the 2024 statement and passes
the original.
"""

from __future__ import annotations

import pytest
from _helpers import assert_problem
from statement_fixtures import (
    SEEDED_SLUG,
    build_open_edition,
    replace_in_content,
    seeded_statement_id,
    statement_content,
)

from eventhub.statements.factcheck import looks_like_name, parse_number

KINDS_IN_2024 = {"guests", "countries_and_regions", "breakout_sessions", "breakout_topic",
                 "theme", "speaker_position", "place", "dates", "dateline", "host",
                 "organization"}


def fact_check(client, url: str, **query) -> dict:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert set(report) >= {"revision", "ok", "mismatches", "checked"}
    assert report["ok"] == (report["mismatches"] == [])
    return report


def edit_section(client, built, number: int, paragraphs: list[str]) -> None:
    """Replace section `number` (1-based) of the open edition's draft, as an author would."""
    current = client.get(built.statement_url)
    key = current.get_json()["sections"][number - 1]["key"]
    response = client.put(f"{built.statement_url}/sections/{key}",
                          headers={"If-Match": current.headers["ETag"]},
                          json={"paragraphs": paragraphs})
    assert response.status_code == 200, response.get_json()


# The published 2024 statement -------------------------------------------------------------

def test_the_published_2024_statement_passes(viewer_client, client, seeded):
    url = (f"/api/v1/editions/{SEEDED_SLUG}/statements/{seeded_statement_id(client)}"
           "/fact-check")
    report = fact_check(viewer_client, url)
    assert report["ok"] is True
    assert report["mismatches"] == []
    assert report["revision"] == 1
    assert {entry["kind"] for entry in report["checked"]} >= KINDS_IN_2024
    assert {entry["result"] for entry in report["checked"]} == {"match"}
    by_kind = {}
    for entry in report["checked"]:
        by_kind.setdefault(entry["kind"], []).append(entry)
    assert by_kind["guests"][0]["text_says"] == "About 300 guests"
    assert by_kind["countries_and_regions"][0]["text_says"] == "57 countries and regions"
    assert [e["text_says"] for e in by_kind["breakout_topic"]] == [
        "Regulating and Facilitating Personnel Exchanges",
        "Collaboratively Preventing Security Risks at Ports",
        "Optimizing Management of Cross-Border Movement of Citizens",
        "Application of Information Technologies in Migration Management"]
    # Every named speaker's position was compared: the 14 in the plenary list, the three
    # of the opening, Raouf Mazou, and Xu Ganlu again in section IV.
    assert len(by_kind["speaker_position"]) == 19
    assert [e["section"] for e in report["checked"]][:2] == ["dateline", "dateline"]


def test_fact_check_is_for_staff(client, seeded):
    url = (f"/api/v1/editions/{SEEDED_SLUG}/statements/{seeded_statement_id(client)}"
           "/fact-check")
    assert_problem(client.get(url), 401)


def test_an_unknown_statement_or_revision_is_404(viewer_client, client, seeded):
    statement_id = seeded_statement_id(client)
    base = f"/api/v1/editions/{SEEDED_SLUG}/statements"
    assert_problem(viewer_client.get(f"{base}/{statement_id + 100}/fact-check"), 404)
    assert_problem(viewer_client.get(f"{base}/{statement_id}/fact-check",
                                     query_string={"revision": 7}), 404)
    assert_problem(viewer_client.get(f"{base}/{statement_id}/fact-check",
                                     query_string={"revision": 0}), 422)


# A draft of the 2024 statement in an open edition -------------------------------------

@pytest.fixture
def draft(admin_client):
    """An open edition with the 2024 record, and the 2024 text as a draft (revision 1)."""
    return build_open_edition(admin_client)


def test_the_2024_text_passes_as_a_draft_and_so_do_harmless_variants(secretariat_client,
                                                                        draft):
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert report["ok"] is True, report["mismatches"]
    assert report["revision"] == 1
    assert {entry["kind"] for entry in report["checked"]} >= KINDS_IN_2024

    # No-break spaces count as spaces, typographic quotes as straight ones.
    content = replace_in_content(statement_content(), "57 countries and regions",
                                 "57\u00a0countries and\u00a0regions")
    content = replace_in_content(content, '"Regulating and Facilitating Personnel Exchanges"',
                                 "\u201cRegulating and Facilitating\u00a0Personnel Exchanges"
                                 "\u201d")
    content = replace_in_content(content, "Marvin Sim, Commissioner",
                                 "Marvin\u00a0Sim, Commissioner")
    for number in (1, 2, 3):
        edit_section(secretariat_client, draft, number,
                     content["sections"][number - 1]["paragraphs"])
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert report["ok"] is True, report["mismatches"]
    said = [e["text_says"] for e in report["checked"]]
    assert "Regulating and Facilitating Personnel Exchanges" in said
    assert ("Marvin Sim, Commissioner of the Immigration & Checkpoints Authority of the "
            "Republic of Singapore") in said

    # Capitalised phrases in a semicolon list that are not personal names stay quiet.
    edit_section(secretariat_client, draft, 6, [
        "Attendees discussed three instruments: the Global Compact for Safe, Orderly and "
        "Regular Migration; UNHCR, Geneva; and the 2030 Agenda, New York. China, the host, "
        "delivered a closing speech on ties between the two countries."])
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert report["ok"] is True, report["mismatches"]


PLANTED = [
    pytest.param("57 countries and regions", "55 countries and regions",
                 "countries_and_regions", "55 countries and regions", "57 countries and regions",
                 id="countries"),
    pytest.param("About 300 guests", "About 250 guests",
                 "guests", "About 250 guests", "about 300 guests", id="guests"),
    pytest.param('"Collaboratively Preventing Security Risks at Ports"',
                 '"Collaboratively Preventing Security Risks at Airports"',
                 "breakout_topic", "Collaboratively Preventing Security Risks at Airports",
                 "Collaboratively Preventing Security Risks at Ports", id="topic"),
    pytest.param("Marvin Sim, Commissioner of the Immigration",
                 "Marvin Sim, Deputy Commissioner of the Immigration",
                 "speaker_position",
                 "Marvin Sim, Deputy Commissioner of the Immigration & Checkpoints Authority "
                 "of the Republic of Singapore",
                 "Marvin Sim, Commissioner of the Immigration & Checkpoints Authority of the "
                 "Republic of Singapore", id="position"),
    pytest.param("four breakout sessions", "five breakout sessions",
                 "breakout_sessions", "five breakout sessions", "4 breakout sessions",
                 id="breakout-sessions"),
    pytest.param('theme of "Development and Innovation', 'theme of "Progress and Innovation',
                 "theme",
                 "Progress and Innovation of Migration Governance under the Changing "
                 "Environment",
                 "Development and Innovation of Migration Governance under the Changing "
                 "Environment", id="theme"),
    pytest.param("Suzhou, China from September 9 to 10", "Suzhou, China from September 8 to 10",
                 "dates", "September 8 to 10", "September 9 to 10, 2024", id="dates"),
    pytest.param("took place in Suzhou, China", "took place in Nanjing, China",
                 "place", "Nanjing, China", "Suzhou, China", id="place"),
    pytest.param("hosted by the National Immigration Administration",
                 "hosted by the National Migration Administration",
                 "host", "National Migration Administration of the People's Republic of China",
                 "National Immigration Administration of the People's Republic of China (NIA)",
                 id="host"),
    pytest.param("International Criminal Police Organization (INTERPOL)",
                 "International Crime Police Organization (INTERPOL)",
                 "organization", "International Crime Police Organization (INTERPOL)",
                 "International Criminal Police Organization (INTERPOL)", id="organization"),
    pytest.param("Wu Qingwen, Mayor of Suzhou", "Wu Qingwen, Governor of Suzhou",
                 "speaker_position", "Wu Qingwen, Governor of Suzhou, Jiangsu Province",
                 "Wu Qingwen, Mayor of Suzhou, Jiangsu Province", id="opening-speaker"),
    pytest.param("Barroso, First-class", "Jane Doe-Smith, Director of Protocol of Atlantis; "
                 "Barroso, First-class", "unknown_person",
                 "Jane Doe-Smith, Director of Protocol of Atlantis",
                 "not among the speakers in the programme", id="unknown-person"),
    pytest.param("About 300 guests", "More than 300 guests",
                 "guests", "More than 300 guests", "about 300 guests", id="guests-qualifier"),
]


def plant(client, built, old: str, new: str) -> str:
    """Edit the draft so that `old` reads `new` (one section changes); return the
    roman number of the section."""
    planted = replace_in_content(statement_content(), old, new)
    changed = [number for number, (a, b) in enumerate(
        zip(statement_content()["sections"], planted["sections"], strict=True), start=1)
        if a != b]
    assert len(changed) == 1
    edit_section(client, built, changed[0], planted["sections"][changed[0] - 1]["paragraphs"])
    return ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"][changed[0] - 1]


def assert_found(report: dict, section: str, new: str, kind: str, text_says: str,
                 records_say: str) -> None:
    assert report["ok"] is False
    found = [m for m in report["mismatches"] if m["kind"] == kind]
    assert len(found) >= 1, report["mismatches"]
    mismatch = found[0]
    assert mismatch["text_says"] == text_says
    assert records_say in mismatch["records_say"]
    assert mismatch["section"] == section
    assert " ".join(new.split()[:2]) in mismatch["excerpt"]
    # Nothing else is reported: one planted error, one mismatch. Two where the error shows
    # twice: a breakout count disagrees with the reported figure and the programme alike,
    # and a wrong host name is also a wrong name for its acronym (NIA).
    expected = 2 if kind in ("breakout_sessions", "host") else 1
    assert len(report["mismatches"]) == expected, report["mismatches"]


# The examples, each in a draft of its own.
@pytest.mark.parametrize(("old", "new", "kind", "text_says", "records_say"), PLANTED[:4])
def test_a_planted_mismatch_is_found(secretariat_client, draft, old, new, kind, text_says,
                                     records_say):
    section = plant(secretariat_client, draft, old, new)
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert report["revision"] == 2
    assert_found(report, section, new, kind, text_says, records_say)
    # The revision before the edit still passes.
    assert fact_check(secretariat_client, draft.fact_check_url, revision=1)["ok"] is True


def test_more_planted_mismatches_are_found(secretariat_client, draft):
    # One draft for the rest (building an edition takes a while): plant one error, check,
    # restore the original text, plant the next.
    for case in PLANTED[4:]:
        old, new, kind, text_says, records_say = case.values
        section = plant(secretariat_client, draft, old, new)
        report = fact_check(secretariat_client, draft.fact_check_url)
        try:
            assert_found(report, section, new, kind, text_says, records_say)
        except AssertionError as exc:
            raise AssertionError(f"planted {case.id}: {exc}") from exc
        restored = secretariat_client.post(f"{draft.statement_url}/revisions/1/restore")
        assert restored.status_code == 201
        assert fact_check(secretariat_client, draft.fact_check_url)["ok"] is True

    # A dateline outside the edition's dates.
    current = secretariat_client.get(draft.statement_url)
    response = secretariat_client.patch(draft.statement_url,
                                        headers={"If-Match": current.headers["ETag"]},
                                        json={"dateline": "(September 12, 2024, Suzhou, China)"})
    assert response.status_code == 200, response.get_json()
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert [(m["section"], m["kind"], m["text_says"]) for m in report["mismatches"]] == [
        ("dateline", "dateline", "September 12, 2024")]


def test_several_planted_mismatches_are_all_listed_in_reading_order(secretariat_client,
                                                                    draft):
    content = statement_content()
    for old, new in [("57 countries", "55 countries"), ("About 300", "About 250"),
                     ("Marvin Sim, Commissioner", "Marvin Sim, Deputy Commissioner"),
                     ("Information Technologies in Migration", "Digital Technologies in "
                                                               "Migration")]:
        content = replace_in_content(content, old, new)
    for number in (1, 2, 3):
        edit_section(secretariat_client, draft, number,
                     content["sections"][number - 1]["paragraphs"])
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert [(m["section"], m["kind"]) for m in report["mismatches"]] == [
        ("I", "guests"), ("I", "countries_and_regions"), ("II", "speaker_position"),
        ("III", "breakout_topic")]


def test_the_records_changing_makes_the_text_wrong(admin_client, secretariat_client, draft):
    # The example: the text says 57 countries and regions, the records say 55.
    response = admin_client.patch(f"/api/v1/editions/{draft.slug}/figures/"
                                  "countries_and_regions", json={"value": 55})
    assert response.status_code == 200, response.get_json()
    report = fact_check(secretariat_client, draft.fact_check_url)
    assert [(m["kind"], m["text_says"], m["records_say"]) for m in report["mismatches"]] == [
        ("countries_and_regions", "57 countries and regions",
         "55 countries and regions (reported figure)")]


def test_without_reported_figures_claims_are_unverified_not_wrong(admin_client,
                                                                  secretariat_client):
    built = build_open_edition(admin_client, figures=False)
    report = fact_check(secretariat_client, built.fact_check_url)
    by_kind = {e["kind"]: e for e in report["checked"]}
    assert by_kind["guests"]["result"] == "unverified"
    # Countries fall back to the countries of the recorded organizations (14, not 57).
    assert [(m["kind"], m["records_say"]) for m in report["mismatches"]] == [
        ("countries_and_regions",
         "14 countries and regions (countries of the recorded organizations)")]


def test_number_and_name_readers():
    assert [parse_number(t) for t in ("four", "Twenty-one", "57", "1,200", "thirty")] == [
        4, 21, 57, 1200, 30]
    assert looks_like_name("João António da Costa Dias")
    assert looks_like_name("Anna P. Makakala")
    assert looks_like_name("Saleh bin Saad Al-Murabba")
    assert looks_like_name("Samolovac")
    assert not looks_like_name("the Global Compact for Safe")
    assert not looks_like_name("UNHCR")
    assert not looks_like_name("Among the distinguished guests")
