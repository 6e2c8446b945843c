"""Organizer views: the roster per edition with its filters, and the counts a statement
quotes (by status, country or region, organization kind, attendance, check-in), through
the HTTP API on the real database."""

from __future__ import annotations

import json

import pytest
from _helpers import assert_problem, create_edition, create_organization, create_series

SLUG = "sfmmc-2025"
BASE = f"/api/v1/editions/{SLUG}"
ROSTER = f"{BASE}/registrations"
COUNTS = f"{BASE}/registration-counts"


def open_edition(client, capacity: int | None = None) -> None:
    create_series(client)
    create_edition(client, ordinal=2, slug=SLUG, title="Sub-Forum 2025",
                   start_date="2025-11-18", end_date="2025-11-19", capacity=capacity)
    response = client.post(f"{BASE}/status", json={"status": "open"})
    assert response.status_code == 200, response.json


def register(client, full_name: str, role: str = "delegate", organization: dict | None = None,
             attendance: str = "in_person", **extra) -> dict:
    payload = {"full_name": full_name, "role": role, "attendance": attendance,
               "email": f"{full_name.split()[0].lower()}@example.org", **extra}
    if organization is not None:
        payload["organization_id"] = organization["id"]
    response = client.post(ROSTER, json=payload)
    assert response.status_code == 201, response.json
    return response.json


def cancel(client, registration: dict) -> dict:
    response = client.post(f"{ROSTER}/{registration['id']}/cancel")
    assert response.status_code == 200, response.json
    return response.json


def listed(client, query: str = "") -> tuple[list[str], dict]:
    response = client.get(f"{ROSTER}?{query}")
    assert response.status_code == 200, response.json
    return [r["full_name"] for r in response.json], json.loads(response.headers["X-Pagination"])


def counts(client) -> dict:
    response = client.get(COUNTS)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def orgs(organizer_client) -> dict[str, dict]:
    return {
        "mps": create_organization(organizer_client, "Ministry of Public Security",
                                   acronym="MPS", country_code="CN"),
        "suzhou": create_organization(organizer_client, "Suzhou Municipal Government",
                                      kind="local_government", country_code="CN"),
        "mjsp": create_organization(organizer_client,
                                    "Ministério da Justiça e Segurança Pública",
                                    country_code="BR"),
        "iom": create_organization(organizer_client, "International Organization for Migration",
                                   kind="international_organization", acronym="IOM"),
        "thai": create_organization(organizer_client, "Immigration Bureau", country_code="TH"),
    }


@pytest.fixture
def people(organizer_client, orgs) -> dict[str, dict]:
    """Five confirmed (one by video, one unaffiliated) and one cancelled registration."""
    open_edition(organizer_client)
    made = {
        "wang": register(organizer_client, "Wang Xiaoming", "head_of_delegation", orgs["mps"]),
        "zhang": register(organizer_client, "Zhang Wei", "speaker", orgs["suzhou"]),
        "joao": register(organizer_client, "João Conceição", "delegate", orgs["mjsp"],
                         attendance="video"),
        "amy": register(organizer_client, "Amy Pope", "expert", orgs["iom"]),
        "press": register(organizer_client, "Reporter Liu", "press"),
        "somchai": register(organizer_client, "Somchai Srisuk", "delegate", orgs["thai"]),
    }
    made["somchai"] = cancel(organizer_client, made["somchai"])
    return made


# The roster ---------------------------------------------------------------------------

def test_roster_lists_everyone_in_order_with_pagination(organizer_client, people):
    names, pagination = listed(organizer_client)
    assert names == ["Wang Xiaoming", "Zhang Wei", "João Conceição", "Amy Pope",
                     "Reporter Liu", "Somchai Srisuk"]
    assert pagination["total"] == 6

    names, pagination = listed(organizer_client, "page_size=4&page=2")
    assert names == ["Reporter Liu", "Somchai Srisuk"]
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (6, 2, 2)


def test_each_roster_row_reads_as_the_registration_itself(organizer_client, people, orgs):
    # The list dumps an organization once for all its rows and looks the people up once
    # per page: every row still says what the registration's own read says.
    register(organizer_client, "Li Na", "delegate", orgs["mps"], dietary="Halal")
    rows = organizer_client.get(ROSTER).json
    assert [r["organization"]["acronym"] for r in rows if r["full_name"] in (
        "Wang Xiaoming", "Li Na")] == ["MPS", "MPS"]
    assert next(r for r in rows if r["full_name"] == "Reporter Liu")["organization"] is None
    for row in rows:
        assert row == organizer_client.get(f"{ROSTER}/{row['id']}").json


@pytest.mark.parametrize(("query", "expected"), [
    ("status=confirmed", ["Wang Xiaoming", "Zhang Wei", "João Conceição", "Amy Pope",
                          "Reporter Liu"]),
    ("status=cancelled", ["Somchai Srisuk"]),
    ("status=waitlisted", []),
    ("role=delegate", ["João Conceição", "Somchai Srisuk"]),
    ("role=head_of_delegation", ["Wang Xiaoming"]),
    ("country_code=CN", ["Wang Xiaoming", "Zhang Wei"]),
    ("country_code=br", ["João Conceição"]),
    ("attendance=video", ["João Conceição"]),
    ("attendance=in_person&role=delegate", ["Somchai Srisuk"]),
    ("status=confirmed&country_code=CN&role=speaker", ["Zhang Wei"]),
])
def test_roster_filters(organizer_client, people, query, expected):
    names, pagination = listed(organizer_client, query)
    assert names == expected
    assert pagination["total"] == len(expected)


def test_roster_filter_by_organization(organizer_client, people, orgs):
    names, pagination = listed(organizer_client, f"organization_id={orgs['iom']['id']}")
    assert (names, pagination["total"]) == (["Amy Pope"], 1)
    names, pagination = listed(organizer_client, "organization_id=99999")
    assert (names, pagination["total"]) == ([], 0)


def test_roster_filters_are_validated(organizer_client, people):
    for query in ("status=maybe", "role=king", "country_code=CHN", "attendance=radio",
                  "organization_id=abc"):
        assert_problem(organizer_client.get(f"{ROSTER}?{query}"), 422)


def test_roster_hides_contacts_and_needs_from_viewers(organizer_client, viewer_client, orgs):
    open_edition(organizer_client)
    register(organizer_client, "Wang Xiaoming", organization=orgs["mps"],
             needs_visa_letter=True, dietary="halal")

    staff_view = organizer_client.get(ROSTER).json[0]
    assert (staff_view["email"], staff_view["needs_visa_letter"], staff_view["dietary"]) == (
        "wang@example.org", True, "halal")
    viewer_view = viewer_client.get(ROSTER).json[0]
    assert viewer_view["full_name"] == "Wang Xiaoming"
    assert not {"email", "needs_visa_letter", "dietary", "accessibility"} & set(viewer_view)


def test_roster_and_counts_need_a_signed_in_reader(client, viewer_client, people):
    for url in (ROSTER, COUNTS):
        assert_problem(client.get(url), 401)
        assert viewer_client.get(url).status_code == 200
    assert_problem(viewer_client.post(ROSTER, json={"full_name": "X", "role": "delegate"}), 403)
    assert_problem(viewer_client.get("/api/v1/editions/nope/registrations"), 404)


# Counts -------------------------------------------------------------------------------

def test_counts_are_the_numbers_a_statement_quotes(organizer_client, people):
    numbers = counts(organizer_client)

    assert numbers["edition"] == SLUG
    assert numbers["capacity"] is None
    assert numbers["by_status"] == {"pending": 0, "confirmed": 5, "waitlisted": 0,
                                    "rejected": 0, "cancelled": 1}
    # Only confirmed registrations count below; the cancelled Thai delegate does not.
    assert numbers["confirmed_by_country"] == {"BR": 1, "CN": 2}
    assert numbers["confirmed_countries_and_regions"] == 2
    assert numbers["confirmed_by_organization_kind"] == {
        "international_organization": 1, "local_government": 1, "national_authority": 2,
        "unaffiliated": 1}
    assert numbers["confirmed_by_attendance"] == {"in_person": 4, "video": 1}
    assert numbers["seats_taken"] == 4
    assert numbers["checked_in"] == 0


def test_check_in_is_counted_once(organizer_client, people):
    wang, somchai = people["wang"], people["somchai"]
    response = organizer_client.post(f"{BASE}/check-in",
                                     json={"badge_code": wang["badge_code"].lower()})
    assert response.status_code == 200, response.json
    assert response.json["checked_in_at"] is not None
    assert counts(organizer_client)["checked_in"] == 1

    again = assert_problem(organizer_client.post(f"{BASE}/check-in",
                                                 json={"badge_code": wang["badge_code"]}), 409)
    assert again["checked_in_at"] == response.json["checked_in_at"]
    assert_problem(organizer_client.post(f"{BASE}/check-in",
                                         json={"badge_code": somchai["badge_code"]}), 409)
    assert_problem(organizer_client.post(f"{BASE}/check-in",
                                         json={"badge_code": "NOSUCHCODE"}), 404)
    assert counts(organizer_client)["checked_in"] == 1


def test_counts_follow_a_cancellation(organizer_client, people):
    cancel(organizer_client, people["wang"])
    numbers = counts(organizer_client)
    assert (numbers["by_status"]["confirmed"], numbers["by_status"]["cancelled"]) == (4, 2)
    assert numbers["confirmed_by_country"] == {"BR": 1, "CN": 1}
    assert numbers["confirmed_by_organization_kind"]["national_authority"] == 1
    assert numbers["seats_taken"] == 3
    assert_problem(organizer_client.post(f"{ROSTER}/{people['wang']['id']}/cancel"), 409)


def test_counts_of_an_empty_edition(organizer_client):
    open_edition(organizer_client, capacity=120)
    numbers = counts(organizer_client)
    assert numbers["capacity"] == 120
    assert set(numbers["by_status"].values()) == {0}
    assert numbers["confirmed_by_country"] == {}
    assert numbers["confirmed_countries_and_regions"] == 0
    assert numbers["confirmed_by_attendance"] == {"in_person": 0, "video": 0}


def test_video_registrations_hold_no_seat_even_when_capacity_is_set(organizer_client, orgs):
    open_edition(organizer_client, capacity=1)
    register(organizer_client, "João Conceição", organization=orgs["mjsp"], attendance="video")
    register(organizer_client, "Ana Silva", organization=orgs["mjsp"], attendance="video")
    numbers = counts(organizer_client)
    assert numbers["by_status"]["confirmed"] == 2
    assert numbers["seats_taken"] == 0


def test_regions_without_a_code_count_among_countries_and_regions(organizer_client, orgs):
    open_edition(organizer_client)
    region = organizer_client.post("/api/v1/organizations", json={
        "name": "Ministry of Internal Affairs", "kind": "national_authority",
        "country_name": "Kosovo"})
    assert region.status_code == 201, region.json
    register(organizer_client, "Wang Xiaoming", organization=orgs["mps"])
    register(organizer_client, "Arben Krasniqi", organization=region.json)

    numbers = counts(organizer_client)
    assert numbers["by_status"]["confirmed"] == 2
    assert numbers["confirmed_countries_and_regions"] == 2
    assert numbers["confirmed_by_country"] == {"CN": 1, "Kosovo": 1}


# Capacity and the waiting list --------------------------------------------------------

def test_in_person_registration_with_a_capacity(organizer_client, orgs):
    open_edition(organizer_client, capacity=10)
    response = organizer_client.post(ROSTER, json={
        "full_name": "Wang Xiaoming", "email": "wang@example.org", "role": "delegate",
        "organization_id": orgs["mps"]["id"]})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "confirmed"


def test_cancelling_a_confirmed_registration_promotes_the_first_waitlisted(organizer_client,
                                                                            orgs):
    open_edition(organizer_client, capacity=2)
    first = register(organizer_client, "Wang Xiaoming", organization=orgs["mps"])
    register(organizer_client, "Zhang Wei", organization=orgs["suzhou"])
    waiting = [register(organizer_client, name, organization=orgs[org])
               for name, org in (("Somchai Srisuk", "thai"), ("Ana Silva", "mjsp"))]
    assert [r["status"] for r in waiting] == ["waitlisted", "waitlisted"]
    assert waiting[0]["badge_code"] is None
    before = counts(organizer_client)
    assert before["by_status"] == {"pending": 0, "confirmed": 2, "waitlisted": 2,
                                   "rejected": 0, "cancelled": 0}
    assert before["confirmed_by_country"] == {"CN": 2}

    cancel(organizer_client, first)

    promoted = organizer_client.get(f"{ROSTER}/{waiting[0]['id']}").json
    assert promoted["status"] == "confirmed"
    assert promoted["badge_code"]
    assert organizer_client.get(f"{ROSTER}/{waiting[1]['id']}").json["status"] == "waitlisted"
    after = counts(organizer_client)
    assert after["by_status"] == {"pending": 0, "confirmed": 2, "waitlisted": 1,
                                  "rejected": 0, "cancelled": 1}
    assert after["confirmed_by_country"] == {"CN": 1, "TH": 1}
    assert after["seats_taken"] == 2
    assert listed(organizer_client, "status=waitlisted")[0] == ["Ana Silva"]


def test_registering_with_an_unknown_organization_is_a_field_error(organizer_client):
    open_edition(organizer_client)
    body = assert_problem(organizer_client.post(ROSTER, json={
        "full_name": "Nobody", "role": "delegate", "organization_id": 99999}), 422)
    assert body["errors"][0]["field"] == "organization_id"
