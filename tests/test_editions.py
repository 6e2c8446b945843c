"""Series, editions, their status workflow, reported figures and participants."""

from __future__ import annotations

import pytest
from _helpers import (
    assert_problem,
    create_edition,
    create_organization,
    create_series,
    edition_payload,
    error_fields,
)

EDITIONS = "/api/v1/editions"
EDITION = f"{EDITIONS}/sfmmc-2024"


def set_status(client, status: str, url: str = EDITION):
    return client.post(f"{url}/status", json={"status": status})


def slugs(client, query: str = "") -> list[str]:
    response = client.get(f"{EDITIONS}{query}")
    assert response.status_code == 200, response.json
    return [edition["slug"] for edition in response.json]


@pytest.fixture
def edition(organizer_client) -> dict:
    """A draft edition of the series 'sfmmc'."""
    create_series(organizer_client)
    return create_edition(organizer_client)


# Series -------------------------------------------------------------------------------

def test_series_create_read_and_rename(organizer_client, client):
    created = create_series(organizer_client, slug="sfmmc", name="Sub-Forum")
    assert created["slug"] == "sfmmc"

    assert [s["slug"] for s in client.get("/api/v1/series").json] == ["sfmmc"]
    assert client.get("/api/v1/series/sfmmc").json["name"] == "Sub-Forum"

    renamed = organizer_client.patch("/api/v1/series/sfmmc",
                                     json={"name": "Sub-Forum on Migration"})
    assert renamed.status_code == 200
    assert client.get("/api/v1/series/sfmmc").json["name"] == "Sub-Forum on Migration"


def test_series_bad_or_duplicate_slug_is_refused(organizer_client, client):
    create_series(organizer_client)

    assert_problem(organizer_client.post("/api/v1/series",
                                         json={"slug": "sfmmc", "name": "Again"}), 409)
    body = assert_problem(organizer_client.post("/api/v1/series",
                                                json={"slug": "Bad Slug", "name": "X"}), 422)
    assert error_fields(body) == {"slug"}

    series = client.get("/api/v1/series").json
    assert [(s["slug"], s["name"]) for s in series] == [("sfmmc", "Sub-Forum")]


# Editions and visibility --------------------------------------------------------------

def test_new_edition_is_a_draft_hidden_from_the_public(organizer_client, client, edition):
    assert edition["status"] == "draft"
    assert edition["series"] == "sfmmc"
    assert edition["country_code"] == "CN"
    assert edition["figures"] == []

    assert slugs(organizer_client) == ["sfmmc-2024"]
    assert slugs(client) == []
    assert_problem(client.get(EDITION), 404)
    assert_problem(client.get(f"{EDITION}/figures"), 404)
    assert_problem(client.get(f"{EDITION}/participants"), 404)


def test_opened_edition_is_public(organizer_client, client, edition):
    response = set_status(organizer_client, "open")

    assert response.status_code == 200
    assert response.json["status"] == "open"
    assert slugs(client) == ["sfmmc-2024"]
    public = client.get(EDITION)
    assert public.status_code == 200
    assert public.json["status"] == "open"
    assert public.json["title"] == edition["title"]


def test_editions_are_listed_newest_first_and_filtered(organizer_client, client):
    create_series(organizer_client)
    create_edition(organizer_client, ordinal=1, slug="sfmmc-2023", start_date="2023-10-10",
                   end_date="2023-10-11", country_code="TH")
    create_edition(organizer_client, ordinal=2, slug="sfmmc-2024")
    for slug in ("sfmmc-2023", "sfmmc-2024"):
        assert set_status(organizer_client, "open", f"{EDITIONS}/{slug}").status_code == 200

    assert slugs(client) == ["sfmmc-2024", "sfmmc-2023"]
    assert slugs(client, "?year=2023") == ["sfmmc-2023"]
    assert slugs(client, "?country_code=th") == ["sfmmc-2023"]
    assert slugs(client, "?series=other") == []


# Status workflow ----------------------------------------------------------------------

def assert_refused_move(client, target: str, current: str, allowed: list[str]) -> None:
    body = assert_problem(set_status(client, target), 409)
    assert body["allowed"] == allowed
    assert body["current_status"] == current
    assert client.get(EDITION).json["status"] == current


def test_illegal_status_moves_are_conflicts(organizer_client, edition):
    assert_refused_move(organizer_client, "closed", "draft", ["open"])
    assert_refused_move(organizer_client, "archived", "draft", ["open"])
    assert_refused_move(organizer_client, "draft", "draft", ["open"])

    assert set_status(organizer_client, "open").status_code == 200
    assert_refused_move(organizer_client, "draft", "open", ["closed"])
    assert_refused_move(organizer_client, "archived", "open", ["closed"])

    assert set_status(organizer_client, "closed").status_code == 200
    assert_refused_move(organizer_client, "open", "closed", ["archived"])

    assert set_status(organizer_client, "archived").status_code == 200
    for target in ("draft", "open", "closed", "archived"):
        assert_refused_move(organizer_client, target, "archived", [])


def test_unknown_status_is_a_validation_error(organizer_client, edition):
    body = assert_problem(set_status(organizer_client, "published"), 422)
    assert error_fields(body) == {"status"}
    assert organizer_client.get(EDITION).json["status"] == "draft"


def test_archived_edition_is_read_only(organizer_client, edition):
    org = create_organization(organizer_client, "Ministry", country_code="CN")
    for status in ("open", "closed", "archived"):
        assert set_status(organizer_client, status).status_code == 200
    before = organizer_client.get(EDITION).json

    body = assert_problem(organizer_client.patch(EDITION, json={"title": "Rewritten"}), 409)
    assert body.get("edition_status") == "archived"
    assert_problem(organizer_client.post(f"{EDITION}/figures", json={
        "key": "guests", "value": 300, "unit": "guests"}), 409)
    assert_problem(organizer_client.post(f"{EDITION}/participants",
                                         json={"organization_id": org["id"]}), 409)
    assert_problem(organizer_client.delete(EDITION), 409)

    assert organizer_client.get(EDITION).json == before
    assert organizer_client.get(f"{EDITION}/participants").json["organizations"] == []


# Validation of edition data -----------------------------------------------------------

def test_end_before_start_is_refused_and_nothing_created(organizer_client):
    create_series(organizer_client)

    body = assert_problem(organizer_client.post(EDITIONS, json=edition_payload(
        start_date="2024-11-21", end_date="2024-11-20")), 422)

    assert error_fields(body) == {"end_date"}
    assert slugs(organizer_client) == []
    assert_problem(organizer_client.get(EDITION), 404)


def test_end_before_start_on_change_leaves_edition_unchanged(organizer_client, edition):
    body = assert_problem(organizer_client.patch(EDITION, json={"end_date": "2024-11-19"}), 422)
    assert error_fields(body) == {"end_date"}
    body = assert_problem(organizer_client.patch(EDITION, json={"start_date": "2024-11-22"}),
                          422)
    assert error_fields(body) == {"end_date"}

    stored = organizer_client.get(EDITION).json
    assert (stored["start_date"], stored["end_date"]) == ("2024-11-20", "2024-11-21")


def test_bad_time_zone_is_refused(organizer_client):
    create_series(organizer_client)

    body = assert_problem(organizer_client.post(EDITIONS, json=edition_payload(
        time_zone="Asia/Suzhou")), 422)
    assert error_fields(body) == {"time_zone"}
    assert slugs(organizer_client) == []

    create_edition(organizer_client)
    body = assert_problem(organizer_client.patch(EDITION, json={"time_zone": "Mars/Olympus"}),
                          422)
    assert error_fields(body) == {"time_zone"}
    assert organizer_client.get(EDITION).json["time_zone"] == "Asia/Shanghai"


def test_unknown_country_and_unknown_field_are_refused(organizer_client):
    create_series(organizer_client)

    body = assert_problem(organizer_client.post(EDITIONS, json=edition_payload(
        country_code="ZZ")), 422)
    assert error_fields(body) == {"country_code"}
    body = assert_problem(organizer_client.post(EDITIONS, json=edition_payload(
        attendance=300)), 422)
    assert error_fields(body) == {"attendance"}

    assert slugs(organizer_client) == []


def test_series_cannot_be_changed_after_creation(organizer_client, edition):
    create_series(organizer_client, slug="other", name="Other")
    body = assert_problem(organizer_client.patch(EDITION, json={"series": "other"}), 422)
    assert error_fields(body) == {"series"}
    assert organizer_client.get(EDITION).json["series"] == "sfmmc"


def test_duplicate_slug_is_a_conflict(organizer_client, edition):
    response = organizer_client.post(EDITIONS, json=edition_payload(ordinal=2,
                                                                    title="Another"))
    assert_problem(response, 409)

    assert slugs(organizer_client) == ["sfmmc-2024"]
    assert organizer_client.get(EDITION).json["title"] == edition["title"]


def test_duplicate_ordinal_in_a_series_is_a_conflict(organizer_client, edition):
    assert_problem(organizer_client.post(EDITIONS, json=edition_payload(
        slug="sfmmc-2024-bis")), 409)
    assert slugs(organizer_client) == ["sfmmc-2024"]

    # The same ordinal in another series is fine.
    create_series(organizer_client, slug="other", name="Other")
    create_edition(organizer_client, series="other", slug="other-1")
    assert sorted(slugs(organizer_client)) == ["other-1", "sfmmc-2024"]

    # Renumbering onto a taken ordinal is refused too.
    create_edition(organizer_client, ordinal=2, slug="sfmmc-2025", start_date="2025-11-20",
                   end_date="2025-11-21")
    assert_problem(organizer_client.patch(f"{EDITIONS}/sfmmc-2025", json={"ordinal": 1}), 409)
    assert organizer_client.get(f"{EDITIONS}/sfmmc-2025").json["ordinal"] == 2


def test_unknown_series_is_a_field_error(organizer_client):
    create_series(organizer_client)
    body = assert_problem(organizer_client.post(EDITIONS, json=edition_payload(
        series="no-such-series")), 422)
    assert error_fields(body) == {"series"}


def test_only_drafts_can_be_deleted(organizer_client):
    create_series(organizer_client)
    create_edition(organizer_client, ordinal=1, slug="draft-one")
    create_edition(organizer_client, ordinal=2, slug="open-one")
    assert set_status(organizer_client, "open", f"{EDITIONS}/open-one").status_code == 200

    body = assert_problem(organizer_client.delete(f"{EDITIONS}/open-one"), 409)
    assert body["current_status"] == "open"
    assert organizer_client.get(f"{EDITIONS}/open-one").status_code == 200

    assert organizer_client.delete(f"{EDITIONS}/draft-one").status_code == 204
    assert_problem(organizer_client.get(f"{EDITIONS}/draft-one"), 404)
    assert slugs(organizer_client) == ["open-one"]


# Reported figures ---------------------------------------------------------------------

def test_reported_figures_lifecycle(organizer_client, client, edition):
    guests = organizer_client.post(f"{EDITION}/figures", json={
        "key": "guests", "value": 300, "qualifier": "about", "unit": "guests",
        "source_text": "about 300 guests attended"})
    assert guests.status_code == 201
    assert guests.json["position"] == 0
    countries = organizer_client.post(f"{EDITION}/figures", json={
        "key": "countries", "value": 30, "qualifier": "more than",
        "unit": "countries and regions"})
    assert countries.status_code == 201
    assert countries.json["position"] == 1

    listed = organizer_client.get(f"{EDITION}/figures").json
    assert [(f["key"], f["value"], f["qualifier"]) for f in listed] == [
        ("guests", 300, "about"), ("countries", 30, "more than")]
    assert [f["key"] for f in organizer_client.get(EDITION).json["figures"]] == [
        "guests", "countries"]

    changed = organizer_client.patch(f"{EDITION}/figures/guests",
                                     json={"value": 320, "qualifier": None})
    assert changed.status_code == 200
    assert (changed.json["value"], changed.json["qualifier"]) == (320, None)
    assert changed.json["unit"] == "guests"

    assert organizer_client.delete(f"{EDITION}/figures/countries").status_code == 204
    assert_problem(organizer_client.delete(f"{EDITION}/figures/countries"), 404)
    assert_problem(organizer_client.patch(f"{EDITION}/figures/countries",
                                          json={"value": 1}), 404)

    assert set_status(organizer_client, "open").status_code == 200
    public = client.get(f"{EDITION}/figures")
    assert public.status_code == 200
    assert [(f["key"], f["value"]) for f in public.json] == [("guests", 320)]


def test_bad_figures_are_refused_and_nothing_changes(organizer_client, edition):
    assert organizer_client.post(f"{EDITION}/figures", json={
        "key": "guests", "value": 300, "qualifier": "about", "unit": "guests"}).status_code == 201

    def figures():
        return organizer_client.get(f"{EDITION}/figures").json

    before = figures()
    body = assert_problem(organizer_client.post(f"{EDITION}/figures", json={
        "key": "speakers", "value": 40, "qualifier": "roughly", "unit": "speakers"}), 422)
    assert error_fields(body) == {"qualifier"}
    body = assert_problem(organizer_client.patch(f"{EDITION}/figures/guests",
                                                 json={"qualifier": "roughly"}), 422)
    assert error_fields(body) == {"qualifier"}
    body = assert_problem(organizer_client.post(f"{EDITION}/figures", json={
        "key": "speakers", "value": -1, "unit": "speakers"}), 422)
    assert error_fields(body) == {"value"}
    body = assert_problem(organizer_client.post(f"{EDITION}/figures", json={
        "key": "Speakers Count", "value": 1, "unit": "speakers"}), 422)
    assert error_fields(body) == {"key"}
    body = assert_problem(organizer_client.patch(f"{EDITION}/figures/guests",
                                                 json={"key": "visitors"}), 422)
    assert error_fields(body) == {"key"}
    assert_problem(organizer_client.post(f"{EDITION}/figures", json={
        "key": "guests", "value": 1, "unit": "guests"}), 409)

    assert figures() == before


# Participants and recorded counts -----------------------------------------------------

def test_participants_and_recorded_counts(organizer_client, client):
    host = create_organization(organizer_client, "Suzhou Government", kind="host_body",
                               country_code="CN")
    thai = create_organization(organizer_client, "Thai Immigration Bureau", country_code="TH")
    iom = create_organization(organizer_client, "IOM China Office",
                              kind="international_organization", country_code="CN")
    create_series(organizer_client)
    create_edition(organizer_client, host_organization_id=host["id"])

    def recorded():
        return organizer_client.get(EDITION).json["recorded"]

    assert recorded()["organizations"] == 1
    assert recorded()["countries_and_regions"] == 1

    added = organizer_client.post(f"{EDITION}/participants",
                                  json={"organization_id": thai["id"]})
    assert added.status_code == 201
    assert added.json["role"] == "participant"
    assert added.json["organization"]["name"] == "Thai Immigration Bureau"
    assert (recorded()["organizations"], recorded()["countries_and_regions"]) == (2, 2)

    observer = organizer_client.post(f"{EDITION}/participants",
                                     json={"organization_id": iom["id"], "role": "observer"})
    assert observer.status_code == 201
    assert (recorded()["organizations"], recorded()["countries_and_regions"]) == (3, 2)

    participants = organizer_client.get(f"{EDITION}/participants").json
    assert participants["edition"] == "sfmmc-2024"
    assert [(p["organization"]["name"], p["role"]) for p in participants["organizations"]] == [
        ("Suzhou Government", "host"), ("Thai Immigration Bureau", "participant"),
        ("IOM China Office", "observer")]

    assert organizer_client.delete(
        f"{EDITION}/participants/{thai['id']}").status_code == 204
    assert (recorded()["organizations"], recorded()["countries_and_regions"]) == (2, 1)
    assert_problem(organizer_client.delete(f"{EDITION}/participants/{thai['id']}"), 404)

    assert set_status(organizer_client, "open").status_code == 200
    public = client.get(f"{EDITION}/participants")
    assert public.status_code == 200
    assert [p["role"] for p in public.json["organizations"]] == ["host", "observer"]


def test_bad_participations_are_refused_and_nothing_changes(organizer_client, edition):
    org = create_organization(organizer_client, "Ministry", country_code="CN")
    assert organizer_client.post(f"{EDITION}/participants",
                                 json={"organization_id": org["id"]}).status_code == 201

    def organizations():
        return organizer_client.get(f"{EDITION}/participants").json["organizations"]

    before = organizations()
    assert_problem(organizer_client.post(f"{EDITION}/participants",
                                         json={"organization_id": org["id"]}), 409)
    body = assert_problem(organizer_client.post(f"{EDITION}/participants",
                                                json={"organization_id": 999999}), 422)
    assert error_fields(body) == {"organization_id"}
    body = assert_problem(organizer_client.post(f"{EDITION}/participants", json={
        "organization_id": org["id"], "role": "host"}), 422)
    assert error_fields(body) == {"role"}

    assert organizations() == before
    assert organizer_client.get(EDITION).json["recorded"]["organizations"] == 1


def test_organization_taking_part_cannot_be_deleted(organizer_client, edition):
    org = create_organization(organizer_client, "Ministry", country_code="CN")
    organizer_client.post(f"{EDITION}/participants", json={"organization_id": org["id"]})

    body = assert_problem(organizer_client.delete(f"/api/v1/organizations/{org['id']}"), 409)
    assert body["references"] == {"edition participations": 1}
    assert organizer_client.get(f"/api/v1/organizations/{org['id']}").status_code == 200


def test_deleting_a_draft_edition_drops_its_participations(organizer_client):
    org = create_organization(organizer_client, "Ministry", country_code="CN")
    create_series(organizer_client)
    create_edition(organizer_client)
    assert organizer_client.post(f"{EDITION}/participants",
                                 json={"organization_id": org["id"]}).status_code == 201

    assert organizer_client.delete(EDITION).status_code == 204

    replacement = create_edition(organizer_client, slug="sfmmc-2024-new")
    assert replacement["recorded"]["organizations"] == 0
    assert organizer_client.delete(f"/api/v1/organizations/{org['id']}").status_code == 204


def test_patch_host_answers_with_the_new_host(organizer_client):
    first = create_organization(organizer_client, "First Host", country_code="CN")
    second = create_organization(organizer_client, "Second Host", country_code="TH")
    create_series(organizer_client)
    create_edition(organizer_client, host_organization_id=first["id"])

    changed = organizer_client.patch(EDITION, json={"host_organization_id": second["id"]})

    assert changed.status_code == 200
    assert organizer_client.get(EDITION).json["host_organization"]["name"] == "Second Host"
    assert changed.json["host_organization"]["name"] == "Second Host"
    assert changed.json["recorded"]["countries_and_regions"] == 1
