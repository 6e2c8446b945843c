"""History across editions (public for non-draft editions), figures beside recorded
counts, and the next edition created from the 2024 record."""

from __future__ import annotations

import pytest
from _helpers import assert_problem, create_organization, error_fields

SLUG = "2024-suzhou"
NEXT = "2025-sfmmc"
NEXT_BODY = {"slug": NEXT, "title": "Second Sub-Forum on Migration Management Cooperation",
             "start_date": "2025-09-15", "end_date": "2025-09-16", "city": "Lianyungang",
             "country_code": "CN"}
BREAKOUT_TOPICS = [
    "Regulating and Facilitating Personnel Exchanges",
    "Collaboratively Preventing Security Risks at Ports",
    "Optimizing Management of Cross-Border Movement of Citizens",
    "Application of Information Technologies in Migration Management",
]
# The countries and regions the 2024 text names through their organizations.
COUNTRIES_2024 = {"CN", "AO", "KH", "EC", "HU", "IR", "MN", "RU", "SA", "RS", "SG", "SB",
                  "ES", "TZ"}
NIA = "National Immigration Administration of the People's Republic of China"


def participants_2024(client) -> list[dict]:
    response = client.get(f"/api/v1/editions/{SLUG}/participants")
    assert response.status_code == 200
    return response.json["organizations"]


def organization_id(client, name: str) -> int:
    return next(o["organization"]["id"] for o in participants_2024(client)
                if o["organization"]["name"] == name)


# History -----------------------------------------------------------------------------------

def test_the_public_reads_who_took_part_in_2024(seeded, client):
    response = client.get("/api/v1/history/participation")

    assert response.status_code == 200, response.json
    history = response.json
    assert history["editions"] == [SLUG]
    organizations = {o["organization"]["name"]: o["editions"] for o in history["organizations"]}
    assert len(organizations) == 21
    assert set(organizations) == {o["organization"]["name"] for o in participants_2024(client)}
    assert set(map(tuple, organizations.values())) == {(SLUG,)}
    assert [o["organization"]["name"] for o in history["organizations"]] == sorted(organizations)
    countries = history["countries_and_regions"]
    assert len(countries) == 14
    assert {c["country_code"] for c in countries} == COUNTRIES_2024
    assert {c["country_code"]: c["country_name"] for c in countries}["TZ"] == "Tanzania"
    assert all(c["editions"] == [SLUG] for c in countries)
    # Public: no contact details in the history.
    assert "@" not in response.get_data(as_text=True)


def test_a_draft_edition_shows_only_to_staff(seeded, client, organizer_client, viewer_client):
    org = create_organization(organizer_client, "Draft-Only Immigration Service",
                              country_code="FJ")
    response = organizer_client.post("/api/v1/editions", json={
        "series": "migration-sub-forum", "ordinal": 5, "slug": "2099-draft",
        "title": "A draft edition", "time_zone": "Pacific/Fiji", "start_date": "2099-01-01",
        "end_date": "2099-01-02"})
    assert response.status_code == 201, response.json
    added = organizer_client.post("/api/v1/editions/2099-draft/participants",
                                  json={"organization_id": org["id"], "role": "participant"})
    assert added.status_code == 201, added.json

    public = client.get("/api/v1/history/participation").json
    assert public["editions"] == [SLUG]
    assert org["id"] not in {o["organization"]["id"] for o in public["organizations"]}
    assert "FJ" not in {c["country_code"] for c in public["countries_and_regions"]}
    assert "2099-draft" not in client.get("/api/v1/history/participation").get_data(
        as_text=True)
    assert_problem(client.get(f"/api/v1/history/organizations/{org['id']}"), 404)
    assert [e["edition"] for e in client.get("/api/v1/history/figures").json] == [SLUG]

    for staff in (viewer_client, organizer_client):
        internal = staff.get("/api/v1/history/participation").json
        assert internal["editions"] == [SLUG, "2099-draft"]
        entry = next(o for o in internal["organizations"] if o["organization"]["id"] == org["id"])
        assert entry["editions"] == ["2099-draft"]
        assert {"country_code": "FJ", "country_name": "Fiji", "editions": ["2099-draft"]} in \
            internal["countries_and_regions"]
        history = staff.get(f"/api/v1/history/organizations/{org['id']}")
        assert history.status_code == 200
        assert [e["slug"] for e in history.json["editions"]] == ["2099-draft"]
        assert [e["edition"] for e in staff.get("/api/v1/history/figures").json] == [
            SLUG, "2099-draft"]


def test_nia_hosted_2024(seeded, client):
    nia = organization_id(client, NIA)

    response = client.get(f"/api/v1/history/organizations/{nia}")

    assert response.status_code == 200, response.json
    assert response.json["organization"]["acronym"] == "NIA"
    assert response.json["editions"] == [{
        "slug": SLUG, "start_date": "2024-09-09", "role": "host",
        "title": "Sub-Forum on Migration Management Cooperation of Global Public Security "
                 "Cooperation Forum (Lianyungang)",
        "speakers": [{"full_name": "Xu Ganlu", "role": "opening_speech"}]}]


def test_a_participant_and_an_unknown_organization(seeded, client):
    iom = organization_id(client, "International Organization for Migration")
    response = client.get(f"/api/v1/history/organizations/{iom}")
    assert response.status_code == 200
    [edition] = response.json["editions"]
    assert edition["role"] == "participant"
    assert edition["speakers"] == [{"full_name": "Amy Pope", "role": "speech"}]

    assert_problem(client.get("/api/v1/history/organizations/999999"), 404)


def test_reported_figures_stand_beside_recorded_counts(seeded, client):
    response = client.get("/api/v1/history/figures")

    assert response.status_code == 200, response.json
    [entry] = response.json
    assert entry["edition"] == SLUG
    assert entry["ordinal"] == 1
    assert entry["start_date"] == "2024-09-09"
    reported = {f["key"]: (f["qualifier"], f["value"]) for f in entry["reported"]}
    assert reported == {"guests": ("about", 300), "countries_and_regions": (None, 57),
                        "breakout_sessions": (None, 4)}
    assert entry["recorded"] == {"organizations": 21, "countries_and_regions": 14,
                                 "speakers": 18, "breakout_sessions": 4}


# The next edition --------------------------------------------------------------------------

@pytest.fixture
def next_edition(seeded, organizer_client) -> dict:
    response = organizer_client.post(f"/api/v1/editions/{SLUG}/next", json=NEXT_BODY)
    assert response.status_code == 201, response.json
    return response.json


def test_the_next_edition_is_a_draft_numbered_after_2024(next_edition, organizer_client,
                                                         client):
    assert next_edition["slug"] == NEXT
    assert next_edition["status"] == "draft"
    assert next_edition["ordinal"] == 2
    assert next_edition["series"] == "migration-sub-forum"
    assert next_edition["title"] == NEXT_BODY["title"]
    assert next_edition["city"] == "Lianyungang"
    assert next_edition["country_code"] == "CN"
    assert (next_edition["start_date"], next_edition["end_date"]) == ("2025-09-15",
                                                                      "2025-09-16")
    assert next_edition["time_zone"] == "Asia/Shanghai"
    assert next_edition["host_organization"]["name"] == NIA
    assert next_edition["figures"] == []
    # A draft: invisible to the public.
    assert_problem(client.get(f"/api/v1/editions/{NEXT}"), 404)
    assert organizer_client.get(f"/api/v1/editions/{NEXT}").status_code == 200


def test_the_programme_skeleton_carries_the_four_topics_as_templates(next_edition,
                                                                     organizer_client):
    response = organizer_client.get(f"/api/v1/editions/{NEXT}/programme?version=draft")

    assert response.status_code == 200, response.json
    items = response.json["items"]
    previous = organizer_client.get(f"/api/v1/editions/{SLUG}/programme").json["items"]
    assert [(i["kind"], i["title"]) for i in items] == [(i["kind"], i["title"])
                                                        for i in previous]
    assert [i["title"] for i in items if i["kind"] == "breakout_session"] == BREAKOUT_TOPICS
    for item in items:
        assert item["starts_at"] is None and item["ends_at"] is None
        assert item["room"] is None
        assert item["speeches"] == []
        assert item["chairs"] is None
    # The 2024 programme itself is untouched.
    assert sum(len(i["speeches"]) for i in organizer_client.get(
        f"/api/v1/editions/{SLUG}/programme").json["items"]) == 18


def test_the_draft_invitation_list_names_the_2024_participants(next_edition,
                                                               organizer_client, client):
    response = organizer_client.get(f"/api/v1/editions/{NEXT}/invitations?page_size=100")

    assert response.status_code == 200, response.json
    invitations = response.json
    participants = {o["organization"]["id"] for o in participants_2024(client)
                    if o["role"] != "host"}
    assert len(participants) == 20
    assert len(invitations) == 20
    assert {i["organization"]["id"] for i in invitations} == participants
    assert organization_id(client, NIA) not in {i["organization"]["id"] for i in invitations}
    for invitation in invitations:
        assert invitation["status"] == "draft"
        # 2024 had no invitations, so no focal point to carry over.
        assert invitation["focal_point_name"] is None
        assert invitation["focal_point_email"] is None
        assert invitation["quota"] is None
        assert invitation["deadline"] is None
        assert invitation["sent_at"] is None


def test_an_invitation_without_a_focal_point_is_not_sent(next_edition, organizer_client):
    invitations = organizer_client.get(
        f"/api/v1/editions/{NEXT}/invitations?page_size=100").json
    opened = organizer_client.post(f"/api/v1/editions/{NEXT}/status", json={"status": "open"})
    assert opened.status_code == 200, opened.json

    body = assert_problem(organizer_client.post(
        f"/api/v1/editions/{NEXT}/invitations/{invitations[0]['id']}/send"), 422)

    assert error_fields(body) == {"focal_point_name", "focal_point_email", "quota",
                                  "deadline"}
    assert invitations[0]["organization"]["name"] in body["detail"]
    after = organizer_client.get(f"/api/v1/editions/{NEXT}/invitations/"
                                 f"{invitations[0]['id']}").json
    assert after["status"] == "draft"

    body = assert_problem(organizer_client.post(
        f"/api/v1/editions/{NEXT}/invitations/send-drafts"), 422)
    assert {"focal_point_name", "focal_point_email"} <= error_fields(body)
    assert {i["status"] for i in organizer_client.get(
        f"/api/v1/editions/{NEXT}/invitations?page_size=100").json} == {"draft"}


def test_only_edition_managers_create_the_next_edition(seeded, client, viewer_client,
                                                       secretariat_client, organizer_client):
    assert_problem(client.post(f"/api/v1/editions/{SLUG}/next", json=NEXT_BODY), 401)
    assert_problem(viewer_client.post(f"/api/v1/editions/{SLUG}/next", json=NEXT_BODY), 403)
    assert_problem(secretariat_client.post(f"/api/v1/editions/{SLUG}/next", json=NEXT_BODY),
                   403)
    assert_problem(client.get(f"/api/v1/editions/{NEXT}"), 404)
    assert organizer_client.get("/api/v1/editions").json == client.get(
        "/api/v1/editions").json


def test_the_next_edition_is_made_once(next_edition, organizer_client):
    again = organizer_client.post(f"/api/v1/editions/{SLUG}/next", json=NEXT_BODY)
    assert_problem(again, 409)
    other_slug = organizer_client.post(f"/api/v1/editions/{SLUG}/next",
                                       json={**NEXT_BODY, "slug": "2025-other"})
    # Edition number 2 of the series exists already.
    body = assert_problem(other_slug, 409)
    assert "2" in body["detail"]


def test_the_next_edition_needs_its_dates_and_slug(seeded, organizer_client):
    body = assert_problem(organizer_client.post(f"/api/v1/editions/{SLUG}/next", json={}),
                          422)
    assert {"slug", "title", "start_date", "end_date"} <= error_fields(body)
    assert_problem(organizer_client.post("/api/v1/editions/1999-nowhere/next",
                                         json=NEXT_BODY), 404)
