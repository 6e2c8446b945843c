"""Merging duplicates in the directory: every reference moves to the entry kept, the
duplicate goes, and merges that would break something (both in one edition, an archived
edition's record, a loop in the hierarchy) are refused and change nothing."""

from __future__ import annotations

from typing import Any

from _attendance import accepted_invitation, roster
from _helpers import assert_problem
from _programme import SLUG, add_item, add_speech, open_edition, organization, person, url

from eventhub.auth.models import Role


def merge_organizations(client, keep_id: int, duplicate_id: int):
    return client.post(f"/api/v1/organizations/{keep_id}/merge",
                       json={"duplicate_id": duplicate_id})


def merge_people(client, keep_id: int, duplicate_id: int):
    return client.post(f"/api/v1/people/{keep_id}/merge", json={"duplicate_id": duplicate_id})


def take_part(client, organization_id: int, slug: str = SLUG) -> None:
    response = client.post(url(slug, "/participants"),
                           json={"organization_id": organization_id})
    assert response.status_code == 201, response.get_data(as_text=True)


def register(client, full_name: str, organization_id: int | None = None,
             slug: str = SLUG) -> dict[str, Any]:
    payload: dict[str, Any] = {"full_name": full_name, "role": "delegate",
                               "email": f"{full_name.split()[0].lower()}@example.org"}
    if organization_id is not None:
        payload["organization_id"] = organization_id
    response = client.post(url(slug, "/registrations"), json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def participant_ids(client, slug: str = SLUG) -> list[int]:
    return [o["organization"]["id"]
            for o in client.get(url(slug, "/participants")).json["organizations"]]


def archive(client, slug: str) -> None:
    for status in ("closed", "archived"):
        response = client.post(url(slug, "/status"), json={"status": status})
        assert response.status_code == 200, response.get_data(as_text=True)


def test_merging_organizations_moves_every_reference(app, organizer_client, client):
    focal_point = client
    client = organizer_client
    keep = organization(client, "Immigration Department of Kenya", country_code="KE")
    duplicate = organization(client, "Kenya Immigration Department", country_code="KE",
                             acronym="KID", website="https://immigration.example.ke")
    open_edition(client, host_organization_id=duplicate["id"])
    member = organization(client, "Border Control Unit", country_code="KE",
                          parent_id=duplicate["id"])
    officer = person(client, "Jane Wanjiru", duplicate["id"])
    take_part(client, duplicate["id"])
    invitation, token = accepted_invitation(app, client, focal_point, duplicate["id"],
                                            slug=SLUG)
    members = focal_point.put(f"/api/v1/rsvp/{token}/delegation", json={"members": [
        {"full_name": "Peter Otieno", "email": "peter@example.org",
         "role": "head_of_delegation"}]})
    assert members.status_code == 200, members.get_data(as_text=True)
    delegate = roster(client, SLUG)[0]
    stand = client.post(url(SLUG, "/exhibitors"), json={"organization_id": duplicate["id"],
                                                         "stand": "A1"})
    assert stand.status_code == 201, stand.json

    response = merge_organizations(client, keep["id"], duplicate["id"])

    assert response.status_code == 200, response.json
    assert response.json["kept"]["id"] == keep["id"]
    assert response.json["kept"]["acronym"] == "KID"  # a blank field filled in
    assert response.json["kept"]["name"] == keep["name"]  # the rest stays
    assert response.json["moved"] == {
        "people": 2, "member organizations": 1, "hosted editions": 1,
        "edition participations": 1, "invitations": 1, "delegations": 1,
        "exhibitor stands": 1}
    assert_problem(client.get(f"/api/v1/organizations/{duplicate['id']}"), 404)
    assert client.get(f"/api/v1/people/{officer['id']}").json["organization_id"] == keep["id"]
    assert client.get(f"/api/v1/organizations/{member['id']}").json["parent_id"] == keep["id"]
    edition = client.get(url(SLUG)).json
    assert edition["host_organization"]["id"] == keep["id"]
    assert keep["id"] in participant_ids(client)
    invitations = client.get(url(SLUG, "/invitations")).json
    assert [(i["id"], i["organization"]["id"]) for i in invitations] == [
        (invitation["id"], keep["id"])]
    registration = client.get(url(SLUG, f"/registrations/{delegate['id']}")).json
    assert registration["organization"]["id"] == keep["id"]
    exhibitors = client.get(url(SLUG, "/exhibitors")).json
    assert [e["organization"]["id"] for e in exhibitors] == [keep["id"]]


def test_two_organizations_in_one_edition_are_not_merged(organizer_client):
    client = organizer_client
    open_edition(client)
    keep = organization(client, "Ministry of Interior of Serbia", country_code="RS")
    duplicate = organization(client, "Serbian Ministry of Interior", country_code="RS")
    take_part(client, keep["id"])
    take_part(client, duplicate["id"])

    body = assert_problem(merge_organizations(client, keep["id"], duplicate["id"]), 409)

    assert body["code"] == "directory.merge_same_edition"
    assert body["editions"] == [SLUG]
    assert SLUG in body["detail"]
    assert client.get(f"/api/v1/organizations/{duplicate['id']}").status_code == 200
    assert sorted(participant_ids(client)) == sorted([keep["id"], duplicate["id"]])


def test_the_archive_keeps_its_record(organizer_client):
    """A duplicate an archived edition names is not merged away; the merge the other way
    round is allowed, and the archived edition reads exactly as before."""
    client = organizer_client
    archived_org = organization(client, "General Directorate of Migration", country_code="EC")
    newer = organization(client, "Directorate General of Migration (Ecuador)",
                         country_code="EC")
    open_edition(client)
    take_part(client, archived_org["id"])
    archive(client, SLUG)
    open_edition(client, slug="madrid-2026", ordinal=2, with_series=False)
    take_part(client, newer["id"], "madrid-2026")
    before = client.get(url(SLUG, "/participants")).json

    body = assert_problem(merge_organizations(client, newer["id"], archived_org["id"]), 409)
    assert body["code"] == "directory.merge_archived"
    assert body["editions"] == [SLUG]
    assert client.get(f"/api/v1/organizations/{archived_org['id']}").status_code == 200

    renamed = client.patch(f"/api/v1/organizations/{archived_org['id']}",
                           json={"name": "Ministry of Government of Ecuador"})
    assert renamed.status_code == 200, renamed.json
    response = merge_organizations(client, archived_org["id"], newer["id"])
    assert response.status_code == 200, response.json
    assert participant_ids(client, "madrid-2026") == [archived_org["id"]]
    assert client.get(url(SLUG, "/participants")).json == before


def test_an_organization_is_not_merged_into_one_below_it(organizer_client):
    client = organizer_client
    parent = organization(client, "Ministry of Public Security", country_code="CN")
    child = organization(client, "National Immigration Administration", country_code="CN",
                         parent_id=parent["id"])

    body = assert_problem(merge_organizations(client, child["id"], parent["id"]), 409)
    assert body["code"] == "directory.merge_ancestor"
    body = assert_problem(merge_organizations(client, child["id"], child["id"]), 422)
    assert body["code"] == "directory.merge_same"
    body = assert_problem(merge_organizations(client, child["id"], 999_999), 404)
    assert body["code"] == "organization.not_found"
    # Merging the member into its parent is fine.
    assert merge_organizations(client, parent["id"], child["id"]).status_code == 200


def test_merging_people_moves_registrations_and_speeches(organizer_client):
    client = organizer_client
    org = organization(client, "Immigration Bureau of Thailand", country_code="TH")
    open_edition(client)
    keep = person(client, "Somchai Rattanakorn", org["id"])
    duplicate_row = register(client, "Somchai R.", org["id"])
    duplicate_id = duplicate_row["person_id"]
    item = add_item(client, "Opening plenary")
    speech = add_speech(client, item["id"], duplicate_id)
    assert speech.status_code == 201, speech.json

    response = merge_people(client, keep["id"], duplicate_id)

    assert response.status_code == 200, response.json
    assert response.json["moved"] == {"registrations": 1, "speeches": 1}
    assert response.json["kept"]["email"] == "somchai@example.org"  # filled in
    assert_problem(client.get(f"/api/v1/people/{duplicate_id}"), 404)
    registration = client.get(url(SLUG, f"/registrations/{duplicate_row['id']}")).json
    assert registration["person_id"] == keep["id"]
    people = client.get(url(SLUG, "/participants")).json["people"]
    assert [p["person"]["id"] for p in people] == [keep["id"]]


def test_two_people_registered_for_one_edition_are_not_merged(organizer_client):
    client = organizer_client
    open_edition(client)
    first = register(client, "Ana Lopez")
    second = register(client, "Anna Lopez")

    body = assert_problem(merge_people(client, first["person_id"], second["person_id"]), 409)
    assert body["code"] == "directory.merge_same_edition"
    assert client.get(f"/api/v1/people/{second['person_id']}").status_code == 200


def test_an_archived_speaker_stays_in_the_record(organizer_client):
    client = organizer_client
    open_edition(client)
    speaker = person(client, "Dr. Li Wei")
    item = add_item(client, "Keynote")
    assert add_speech(client, item["id"], speaker["id"]).status_code == 201
    archive(client, SLUG)
    twin = person(client, "Li Wei")

    body = assert_problem(merge_people(client, twin["id"], speaker["id"]), 409)
    assert body["code"] == "directory.merge_archived"
    assert merge_people(client, speaker["id"], twin["id"]).status_code == 200


def test_only_the_directory_managers_merge(app, organizer_client, viewer_client):
    keep = organization(organizer_client, "Kept", country_code="FR")
    duplicate = organization(organizer_client, "Duplicate", country_code="FR")
    assert_problem(merge_organizations(viewer_client, keep["id"], duplicate["id"]), 403)
    assert_problem(merge_people(viewer_client, 1, 2), 403)
    body = assert_problem(organizer_client.post(
        f"/api/v1/organizations/{keep['id']}/merge", json={}), 422)
    assert "duplicate_id" in {e["field"] for e in body["errors"]}
    assert Role.VIEWER  # the role the refusal names
