"""Organizations and people (the directory), through the HTTP API."""

from __future__ import annotations

import json

import pytest
from _helpers import assert_problem, create_organization, error_fields
from conftest import client_for_role

from eventhub.auth.models import Role

ORGS = "/api/v1/organizations"
PEOPLE = "/api/v1/people"


def org_names(client, query: str = "") -> list[str]:
    response = client.get(f"{ORGS}{query}")
    assert response.status_code == 200, response.json
    return [org["name"] for org in response.json]


# Organizations ------------------------------------------------------------------------

def test_organization_crud(organizer_client):
    created = create_organization(organizer_client, "Ministry of Public Security",
                                  acronym="MPS", country_code="CN",
                                  website="https://www.mps.gov.cn")
    assert created["kind"] == "national_authority"
    assert created["acronym"] == "MPS"
    org_url = f"{ORGS}/{created['id']}"

    read = organizer_client.get(org_url)
    assert read.status_code == 200
    assert read.json == created

    changed = organizer_client.patch(org_url, json={"acronym": "MPS-CN", "kind": "other"})
    assert changed.status_code == 200
    assert changed.json["acronym"] == "MPS-CN"
    assert changed.json["kind"] == "other"
    assert changed.json["name"] == "Ministry of Public Security"
    assert organizer_client.get(org_url).json["acronym"] == "MPS-CN"

    assert organizer_client.delete(org_url).status_code == 204
    assert_problem(organizer_client.get(org_url), 404)
    assert_problem(organizer_client.delete(org_url), 404)
    assert org_names(organizer_client) == []


def test_country_code_is_uppercased_and_country_name_filled(organizer_client):
    created = create_organization(organizer_client, "Suzhou Municipal Government",
                                  kind="local_government", country_code="cn")

    assert created["country_code"] == "CN"
    assert created["country_name"] == "China"
    stored = organizer_client.get(f"{ORGS}/{created['id']}").json
    assert (stored["country_code"], stored["country_name"]) == ("CN", "China")


def test_given_country_name_is_kept(organizer_client):
    created = create_organization(organizer_client, "Immigration Department",
                                  country_code="hk", country_name="Hong Kong SAR, China")
    assert created["country_code"] == "HK"
    assert created["country_name"] == "Hong Kong SAR, China"


def test_changing_country_code_refreshes_country_name(organizer_client):
    created = create_organization(organizer_client, "Border Agency", country_code="CN")
    changed = organizer_client.patch(f"{ORGS}/{created['id']}", json={"country_code": "fr"})
    assert changed.status_code == 200
    assert (changed.json["country_code"], changed.json["country_name"]) == ("FR", "France")


def test_invalid_country_code_is_refused_and_nothing_created(organizer_client):
    body = assert_problem(organizer_client.post(ORGS, json={
        "name": "Nowhere Office", "kind": "other", "country_code": "ZZ"}), 422)

    assert "country_code" in error_fields(body)
    assert org_names(organizer_client) == []


def test_invalid_country_code_on_change_leaves_organization_unchanged(organizer_client):
    created = create_organization(organizer_client, "Border Agency", country_code="CN")
    body = assert_problem(organizer_client.patch(f"{ORGS}/{created['id']}",
                                                 json={"country_code": "ZZ"}), 422)
    assert "country_code" in error_fields(body)
    assert organizer_client.get(f"{ORGS}/{created['id']}").json == created


def test_unknown_field_is_refused_field_by_field(organizer_client):
    body = assert_problem(organizer_client.post(ORGS, json={
        "name": "Typo Org", "kind": "other", "contry_code": "CN"}), 422)

    assert error_fields(body) == {"contry_code"}
    assert body["errors"][0]["location"] == "json"
    assert org_names(organizer_client) == []


def test_missing_required_fields_are_listed(organizer_client):
    body = assert_problem(organizer_client.post(ORGS, json={}), 422)
    assert error_fields(body) == {"name", "kind"}


def test_duplicate_name_and_country_is_a_conflict(organizer_client):
    first = create_organization(organizer_client, "IOM", kind="international_organization",
                                country_code="CH")

    body = assert_problem(organizer_client.post(ORGS, json={
        "name": "iom", "kind": "international_organization", "country_code": "ch"}), 409)

    assert body.get("existing_id") == first["id"]
    assert org_names(organizer_client) == ["IOM"]
    # The same name in another country is a different organization.
    create_organization(organizer_client, "IOM", kind="international_organization",
                        country_code="CN")
    assert org_names(organizer_client) == ["IOM", "IOM"]


def test_renaming_onto_an_existing_name_is_a_conflict(organizer_client):
    create_organization(organizer_client, "Alpha", country_code="CN")
    beta = create_organization(organizer_client, "Beta", country_code="CN")

    assert_problem(organizer_client.patch(f"{ORGS}/{beta['id']}", json={"name": "Alpha"}), 409)

    assert organizer_client.get(f"{ORGS}/{beta['id']}").json["name"] == "Beta"


def test_parent_cycles_are_refused(organizer_client):
    ministry = create_organization(organizer_client, "Ministry", country_code="CN")
    bureau = create_organization(organizer_client, "Bureau", country_code="CN",
                                 parent_id=ministry["id"])
    office = create_organization(organizer_client, "Office", country_code="CN",
                                 parent_id=bureau["id"])
    assert office["parent_id"] == bureau["id"]

    body = assert_problem(organizer_client.patch(f"{ORGS}/{ministry['id']}",
                                                 json={"parent_id": office["id"]}), 422)
    assert error_fields(body) == {"parent_id"}
    body = assert_problem(organizer_client.patch(f"{ORGS}/{ministry['id']}",
                                                 json={"parent_id": ministry["id"]}), 422)
    assert error_fields(body) == {"parent_id"}
    assert organizer_client.get(f"{ORGS}/{ministry['id']}").json["parent_id"] is None

    body = assert_problem(organizer_client.post(ORGS, json={
        "name": "Orphan", "kind": "other", "parent_id": 999999}), 422)
    assert error_fields(body) == {"parent_id"}


def test_filters_and_pagination(organizer_client):
    create_organization(organizer_client, "Zeta Ministry", country_code="CN")
    create_organization(organizer_client, "Alpha Authority", country_code="TH")
    create_organization(organizer_client, "International Organization for Migration",
                        kind="international_organization", acronym="IOM", country_code="CH")
    create_organization(organizer_client, "Beta University", kind="academic",
                        country_code="cn")

    assert org_names(organizer_client) == [
        "Alpha Authority", "Beta University", "International Organization for Migration",
        "Zeta Ministry"]
    assert org_names(organizer_client, "?kind=academic") == ["Beta University"]
    assert org_names(organizer_client, "?country_code=cn") == ["Beta University",
                                                                "Zeta Ministry"]
    assert org_names(organizer_client, "?q=iom") == ["International Organization for Migration"]
    assert org_names(organizer_client, "?q=MINISTRY") == ["Zeta Ministry"]
    assert org_names(organizer_client, "?kind=national_authority&country_code=TH") == [
        "Alpha Authority"]
    assert_problem(organizer_client.get(f"{ORGS}?kind=ministry"), 422)

    first_page = organizer_client.get(f"{ORGS}?page_size=1")
    pagination = json.loads(first_page.headers["X-Pagination"])
    assert pagination["total"] == 4
    assert pagination["total_pages"] == 4
    assert [org["name"] for org in first_page.json] == ["Alpha Authority"]

    second_page = organizer_client.get(f"{ORGS}?page=2&page_size=1")
    assert second_page.status_code == 200
    assert [org["name"] for org in second_page.json] == ["Beta University"]
    assert json.loads(second_page.headers["X-Pagination"])["page"] == 2

    # Walking every page gives each organization exactly once, in the listed order.
    walked = [organizer_client.get(f"{ORGS}?page={page}&page_size=1").json[0]["name"]
              for page in range(1, 5)]
    assert walked == org_names(organizer_client)


def test_pagination_order_is_stable_for_equal_names(organizer_client):
    ids = [create_organization(organizer_client, "Same Name", country_code=code)["id"]
           for code in ("TH", "CN", "FR")]
    walked = [organizer_client.get(f"{ORGS}?page={page}&page_size=1").json[0]["id"]
              for page in range(1, 4)]
    assert walked == sorted(ids)


def test_organization_referenced_by_a_person_cannot_be_deleted(organizer_client):
    org = create_organization(organizer_client, "Ministry", country_code="CN")
    person = organizer_client.post(PEOPLE, json={"full_name": "Li Wei",
                                                 "organization_id": org["id"]})
    assert person.status_code == 201

    body = assert_problem(organizer_client.delete(f"{ORGS}/{org['id']}"), 409)

    assert body.get("references") == {"people": 1}
    assert organizer_client.get(f"{ORGS}/{org['id']}").status_code == 200
    # Once the person is gone, the organization can go too.
    assert organizer_client.delete(f"{PEOPLE}/{person.json['id']}").status_code == 204
    assert organizer_client.delete(f"{ORGS}/{org['id']}").status_code == 204


def test_organization_with_member_organizations_cannot_be_deleted(organizer_client):
    parent = create_organization(organizer_client, "Ministry", country_code="CN")
    create_organization(organizer_client, "Bureau", country_code="CN", parent_id=parent["id"])
    assert_problem(organizer_client.delete(f"{ORGS}/{parent['id']}"), 409)
    assert organizer_client.get(f"{ORGS}/{parent['id']}").status_code == 200


# People -------------------------------------------------------------------------------

def test_person_crud(organizer_client):
    org = create_organization(organizer_client, "Ministry", country_code="CN")
    response = organizer_client.post(PEOPLE, json={
        "full_name": "Wang", "honorific": "Mr.", "position": "Director-General",
        "organization_id": org["id"], "email": "wang@example.org", "phone": "+86 10 1234"})
    assert response.status_code == 201
    person = response.json
    assert person["full_name"] == "Wang"  # kept exactly as given, surname only
    assert person["organization"]["name"] == "Ministry"
    assert person["organization"]["country_code"] == "CN"
    person_url = f"{PEOPLE}/{person['id']}"

    assert organizer_client.get(person_url).json == person

    changed = organizer_client.patch(person_url, json={"position": "Deputy Director",
                                                       "organization_id": None})
    assert changed.status_code == 200
    assert changed.json["position"] == "Deputy Director"
    assert changed.json["organization_id"] is None
    assert changed.json["full_name"] == "Wang"
    stored = organizer_client.get(person_url).json
    assert stored["organization"] is None
    assert stored["position"] == "Deputy Director"

    listing = organizer_client.get(f"{PEOPLE}?q=deputy")
    assert [p["id"] for p in listing.json] == [person["id"]]
    assert organizer_client.get(f"{PEOPLE}?organization_id={org['id']}").json == []

    assert organizer_client.delete(person_url).status_code == 204
    assert_problem(organizer_client.get(person_url), 404)


def test_patch_person_organization_answers_with_the_new_organization(organizer_client):
    first = create_organization(organizer_client, "First Ministry", country_code="CN")
    second = create_organization(organizer_client, "Second Ministry", country_code="FR")
    person = organizer_client.post(PEOPLE, json={"full_name": "Li",
                                                 "organization_id": first["id"]}).json

    changed = organizer_client.patch(f"{PEOPLE}/{person['id']}",
                                     json={"organization_id": second["id"]})

    assert changed.status_code == 200
    assert changed.json["organization_id"] == second["id"]
    assert organizer_client.get(f"{PEOPLE}/{person['id']}").json["organization"]["name"] == (
        "Second Ministry")
    assert changed.json["organization"]["name"] == "Second Ministry"


def test_person_with_unknown_organization_or_bad_email_is_refused(organizer_client):
    body = assert_problem(organizer_client.post(PEOPLE, json={
        "full_name": "Ghost", "organization_id": 999999}), 422)
    assert error_fields(body) == {"organization_id"}
    body = assert_problem(organizer_client.post(PEOPLE, json={
        "full_name": "Ghost", "email": "not-an-email"}), 422)
    assert error_fields(body) == {"email"}
    body = assert_problem(organizer_client.post(PEOPLE, json={"full_name": "   "}), 422)
    assert error_fields(body) == {"full_name"}
    assert organizer_client.get(PEOPLE).json == []


def test_contact_details_are_shown_only_to_roles_that_may_read_them(app, organizer_client):
    response = organizer_client.post(PEOPLE, json={
        "full_name": "Chen Jing", "email": "chen@example.org", "phone": "+86 512 0000"})
    person_url = f"{PEOPLE}/{response.json['id']}"
    assert response.json["email"] == "chen@example.org"

    for role in (Role.ADMIN,):
        reader = client_for_role(app, role)
        assert reader.get(person_url).json["email"] == "chen@example.org"
        assert reader.get(PEOPLE).json[0]["phone"] == "+86 512 0000"
    assert organizer_client.get(person_url).json["phone"] == "+86 512 0000"

    for role in (Role.VIEWER, Role.SECRETARIAT):
        reader = client_for_role(app, role)
        detail = reader.get(person_url)
        assert detail.status_code == 200
        assert detail.json["full_name"] == "Chen Jing"
        assert "email" not in detail.json and "phone" not in detail.json
        listed = reader.get(PEOPLE).json[0]
        assert "email" not in listed and "phone" not in listed


def test_anonymous_cannot_read_the_directory(client):
    for url in (ORGS, f"{ORGS}/1", PEOPLE, f"{PEOPLE}/1"):
        body = assert_problem(client.get(url), 401)
        assert body["detail"]


@pytest.mark.parametrize("url,payload", [
    (ORGS, {"name": "Viewer Org", "kind": "other"}),
    (PEOPLE, {"full_name": "Viewer Person"}),
])
def test_viewer_cannot_write_the_directory(viewer_client, url, payload):
    assert_problem(viewer_client.post(url, json=payload), 403)
    assert viewer_client.get(url).json == []


def test_text_search_treats_wildcard_characters_literally(organizer_client):
    create_organization(organizer_client, "Ministry of Labour", country_code="CN")
    create_organization(organizer_client, "100% Volunteers Network", kind="other")

    assert org_names(organizer_client, "?q=%25") == ["100% Volunteers Network"]
    assert org_names(organizer_client, "?q=_") == []
