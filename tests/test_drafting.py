"""A first draft of the Chair's Statement generated from the edition's records, in the
style of 2024: dates and place, attendance, organizations, plenary speakers in order,
breakout topics. Nothing that is not in the records."""

from __future__ import annotations

import re

import pytest
from _helpers import assert_problem, error_fields
from statement_fixtures import (
    SEEDED_SLUG,
    breakout_topics,
    build_open_edition,
    plenary_speakers,
)

from eventhub.statements import rendering


def draft_url(slug: str) -> str:
    return f"/api/v1/editions/{slug}/statements/draft-from-record"


def make_draft(client, slug: str, **body) -> dict:
    response = client.post(draft_url(slug), json=body)
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert response.headers["ETag"] == f'"statement-{draft["id"]}-rev-1"'
    return draft


@pytest.fixture
def edition(admin_client):
    """An open edition holding the 2024 record, without a statement."""
    return build_open_edition(admin_client, statement=False)


def plenary_list(paragraph: str) -> list[tuple[str, str]]:
    listing = paragraph.split("during the plenary meeting were: ", 1)[1]
    listing = listing.split(". Raouf Mazou", 1)[0]
    return [tuple(entry.split(", ", 1)) for entry in re.split(r"; (?:and )?", listing)]


def test_a_draft_from_the_2024_record_passes_the_fact_check(secretariat_client,
                                                             viewer_client, edition):
    draft = make_draft(secretariat_client, edition.slug)
    assert draft["status"] == "draft"
    assert draft["revision"] == 1
    assert draft["kind"] == "chairs_statement"
    assert draft["language"] == "en"
    assert draft["title"] == ("Chair's Statement at Sub-Forum on Migration Management "
                              "Cooperation of Global Public Security Cooperation Forum "
                              "(Lianyungang)")
    assert draft["dateline"] == "(September 10, 2024, Suzhou, China)"
    assert [s["number"] for s in draft["sections"]] == ["I", "II", "III"]
    one, two, three = (s["paragraphs"] for s in draft["sections"])
    assert len(one) == len(two) == len(three) == 1

    # I: dates, place and host; attendance from the reported figures; organizations;
    # the opening speeches.
    assert one[0].startswith(
        "The Sub-Forum on Migration Management Cooperation of Global Public Security "
        "Cooperation Forum (Lianyungang) (hereinafter referred to as the \"Sub-Forum\") "
        "took place in Suzhou, China from September 9 to 10, hosted by the National "
        "Immigration Administration of the People's Republic of China (NIA). About 300 "
        "guests attended the Sub-Forum, including representatives of 57 countries and "
        "regions, and officials from the International Organization for Migration (IOM), "
        "the Office of the UN High Commissioner for Refugees (UNHCR), the UN Office on Drugs "
        "and Crime (UNODC), the International Criminal Police Organization (INTERPOL), the "
        "ASEAN Secretariat, and the Lancang-Mekong Integrated Law Enforcement and Security "
        "Cooperation Center (LMLECC).")
    assert one[0].endswith(
        "Xu Ganlu, Vice Minister of Public Security of the People's Republic of China and "
        "Commissioner of NIA, delivered an opening speech. Wu Qingwen, Mayor of Suzhou, "
        "Jiangsu Province, delivered a welcome speech. Amy Pope, Director General of IOM, "
        "delivered a speech via video.")

    # II: the theme, then the plenary speakers in running order, then the speech by video.
    assert two[0].startswith('The Sub-Forum was held under the theme of "Development and '
                             'Innovation of Migration Governance under the Changing '
                             'Environment".')
    assert plenary_list(two[0]) == plenary_speakers()
    assert len(plenary_list(two[0])) == 14
    assert "; and Sultan Bin Sumaida, Assistant Director of the Operational Support" in two[0]
    assert two[0].endswith("Raouf Mazou, Assistant High Commissioner for Operations of "
                           "UNHCR, delivered a speech via video.")

    # III: the breakout sessions with their four topics, in order.
    assert three[0].startswith("The Sub-Forum had four breakout sessions. The attendees "
                               "exchanged views on the four topics, namely ")
    assert re.findall(r'"([^"]+)"', three[0]) == breakout_topics()
    assert len(breakout_topics()) == 4
    assert "During these sessions, China invited relevant enterprises" in three[0]

    # The draft passes the fact check: every figure and name in it is in the records.
    response = viewer_client.get(
        f"/api/v1/editions/{edition.slug}/statements/{draft['id']}/fact-check")
    assert response.status_code == 200
    report = response.get_json()
    assert report["ok"] is True, report["mismatches"]
    kinds = {entry["kind"] for entry in report["checked"]}
    assert kinds >= {"guests", "countries_and_regions", "breakout_sessions", "breakout_topic",
                     "theme", "speaker_position", "place", "dates", "dateline", "host",
                     "organization"}
    assert {entry["result"] for entry in report["checked"]} == {"match"}


def test_the_draft_is_an_ordinary_statement(secretariat_client, edition):
    draft = make_draft(secretariat_client, edition.slug, language="en")
    url = f"/api/v1/editions/{edition.slug}/statements/{draft['id']}"
    listing = secretariat_client.get(f"/api/v1/editions/{edition.slug}/statements").get_json()
    assert [s["id"] for s in listing] == [draft["id"]]
    revisions = secretariat_client.get(url + "/revisions").get_json()
    assert [r["number"] for r in revisions] == [1]
    assert "records" in revisions[0]["note"]
    text = secretariat_client.get(url, query_string={"format": "text"}).get_data(as_text=True)
    assert text.startswith(draft["title"] + "\n\n(September 10, 2024, Suzhou, China)\n\nI. ")
    # It renders like any statement, marked as a draft.
    body, _ = rendering.render(secretariat_client.get(url).get_json(), "html")
    assert "Draft (revision 1, draft)" in body.decode()


def test_without_reported_figures_only_recorded_counts_are_stated(secretariat_client,
                                                                  admin_client):
    built = build_open_edition(admin_client, figures=False, theme=False, statement=False)
    draft = make_draft(secretariat_client, built.slug)
    text = " ".join(p for s in draft["sections"] for p in s["paragraphs"])
    # No "about 300", no 57: those are reported figures, and there are none.
    assert "guests attended" not in text
    assert "About" not in text and "300" not in text and "57" not in text
    assert ("Representatives of organizations from 14 countries and regions took part in "
            "the Sub-Forum, including officials from the International Organization for "
            "Migration (IOM)") in text
    assert "theme" not in text
    # The breakout sessions are counted from the programme.
    assert "The Sub-Forum had four breakout sessions." in text
    report = secretariat_client.get(
        f"/api/v1/editions/{built.slug}/statements/{draft['id']}/fact-check").get_json()
    assert report["ok"] is True, report["mismatches"]


@pytest.fixture
def sparse(admin_client) -> str:
    """A one-day edition with no host, place, theme, figures or programme."""
    response = admin_client.post("/api/v1/series", json={"slug": "sparse", "name": "Sparse"})
    assert response.status_code == 201
    response = admin_client.post("/api/v1/editions", json={
        "series": "sparse", "ordinal": 1, "slug": "sparse-2025",
        "title": "Regional Meeting on Border Management", "time_zone": "Europe/Vienna",
        "start_date": "2025-03-04", "end_date": "2025-03-04"})
    assert response.status_code == 201
    return "sparse-2025"


def test_a_sparse_edition_gets_a_short_draft(secretariat_client, sparse):
    draft = make_draft(secretariat_client, sparse)
    assert draft["title"] == "Chair's Statement at Regional Meeting on Border Management"
    assert draft["dateline"] == "(March 4, 2025)"
    assert [s["paragraphs"] for s in draft["sections"]] == [[
        'The Regional Meeting on Border Management (hereinafter referred to as the '
        '"Meeting") took place on March 4.']]


def test_who_may_draft(client, organizer_client, viewer_client, sparse):
    assert_problem(client.post(draft_url(sparse), json={}), 401)
    assert_problem(organizer_client.post(draft_url(sparse), json={}), 403)
    assert_problem(viewer_client.post(draft_url(sparse), json={}), 403)


def test_bad_requests_are_refused(secretariat_client, sparse):
    body = assert_problem(secretariat_client.post(draft_url(sparse),
                                                  json={"language": "fr"}), 422)
    assert error_fields(body) == {"language"}
    body = assert_problem(secretariat_client.post(draft_url(sparse),
                                                  json={"language": "English"}), 422)
    assert error_fields(body) == {"language"}
    assert_problem(secretariat_client.post(draft_url(sparse), json={"title": "x"}), 422)
    assert_problem(secretariat_client.post(draft_url("no-such-edition"), json={}), 404)


def test_an_archived_edition_takes_no_draft(secretariat_client, seeded):
    body = assert_problem(secretariat_client.post(draft_url(SEEDED_SLUG), json={}), 409)
    assert "archived" in body["detail"]
