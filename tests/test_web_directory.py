"""Directory pages: organizations and people listed, searched, created, changed and
merged in a browser; refused forms change nothing; viewers read without actions."""

from __future__ import annotations

from typing import Any

import pytest
from _attendance import open_edition, organization
from _web import Browser, browser_for_role

from eventhub.auth.models import Role

ORGS = "/manage/directory/organizations"
PEOPLE = "/manage/directory/people"


@pytest.fixture
def organizer(app) -> Browser:
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


def errors_on(page) -> str:
    box = page.soup.select_one("#form-errors")
    return box.get_text(" ", strip=True) if box else ""


def listed(page, table: str) -> list[str]:
    return [th.get_text(" ", strip=True) for th in page.soup.select(f"#{table} tbody th")]


def person(client, full_name: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/people", json={"full_name": full_name, **fields})
    assert response.status_code == 201, response.json
    return response.json


def test_the_directory_link_and_search(organizer, organizer_client):
    organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    organization(organizer_client, "General Directorate of Migration", "EC")
    organizer_client.post("/api/v1/organizations", json={
        "name": "International Organization for Migration", "kind":
        "international_organization", "acronym": "IOM"})

    home = organizer.get("/manage/")
    assert home.soup.find("a", href=ORGS).get_text(strip=True) == "Directory"
    page = organizer.get(ORGS)
    assert page.status == 200
    assert len(listed(page, "organizations")) == 3
    assert listed(organizer.get(f"{ORGS}?q=iom"), "organizations") == [
        "International Organization for Migration"]
    assert listed(organizer.get(f"{ORGS}?country_code=EC"), "organizations") == [
        "General Directorate of Migration"]
    assert listed(organizer.get(f"{ORGS}?kind=international_organization"),
                  "organizations") == ["International Organization for Migration"]
    bad = organizer.get(f"{ORGS}?country_code=XYZ")
    assert bad.status == 422
    assert bad.soup.select_one("#f-country_code-error") is not None


def test_organizations_are_created_and_changed(organizer, organizer_client):
    form = organizer.get(f"{ORGS}/new")
    assert form.status == 200
    created = organizer.post(f"{ORGS}/new", {"name": "Ministry of Interior", "kind":
                                             "national_authority", "country_code": "RS",
                                             "acronym": "MUP", "website": ""})
    assert created.status == 303, errors_on(created)
    org_id = int(created.response.headers["Location"].rsplit("/", 1)[1])
    stored = organizer_client.get(f"/api/v1/organizations/{org_id}").json
    assert (stored["name"], stored["country_code"], stored["acronym"]) == (
        "Ministry of Interior", "RS", "MUP")

    duplicate = organizer.post(f"{ORGS}/new", {"name": "ministry of interior", "kind":
                                               "national_authority", "country_code": "RS"})
    assert duplicate.status == 409
    assert "already exists" in errors_on(duplicate)
    assert len(organizer_client.get("/api/v1/organizations").json) == 1

    edit = organizer.get(f"{ORGS}/{org_id}")
    values = edit.form_values("#organization-form")
    saved = organizer.post(f"{ORGS}/{org_id}", {**values, "acronym": "",
                                                 "website": "https://mup.example.rs"})
    assert saved.status == 303, errors_on(saved)
    stored = organizer_client.get(f"/api/v1/organizations/{org_id}").json
    assert (stored["acronym"], stored["website"]) == (None, "https://mup.example.rs")

    refused = organizer.post(f"{ORGS}/{org_id}", {**values, "name": " ", "website": "nope"})
    assert refused.status == 422
    assert refused.soup.select_one("#f-name-error") is not None
    assert refused.soup.select_one("#f-website-error") is not None
    assert organizer_client.get(f"/api/v1/organizations/{org_id}").json["name"] == (
        "Ministry of Interior")


def test_people_are_created_searched_and_changed(organizer, organizer_client):
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    created = organizer.post(f"{PEOPLE}/new", {
        "full_name": "Somchai Rattanakorn", "honorific": "Pol. Lt. Gen.",
        "position": "Commissioner", "organization_id": str(org["id"]),
        "email": "somchai@example.org", "phone": ""})
    assert created.status == 303, errors_on(created)
    person_id = int(created.response.headers["Location"].rsplit("/", 1)[1])

    page = organizer.get(f"{PEOPLE}?q=commissioner")
    assert listed(page, "people") == ["Pol. Lt. Gen. Somchai Rattanakorn"]
    assert "somchai@example.org" in page.text
    assert listed(organizer.get(f"{PEOPLE}?organization_id={org['id']}"), "people") == [
        "Pol. Lt. Gen. Somchai Rattanakorn"]

    refused = organizer.post(f"{PEOPLE}/{person_id}", {"full_name": "Somchai",
                                                         "email": "not an e-mail"})
    assert refused.status == 422
    assert refused.soup.select_one("#f-email-error") is not None
    assert organizer_client.get(f"/api/v1/people/{person_id}").json["full_name"] == (
        "Somchai Rattanakorn")

    edit = organizer.get(f"{PEOPLE}/{person_id}")
    values = edit.form_values("#person-form")
    saved = organizer.post(f"{PEOPLE}/{person_id}", {**values, "honorific": "",
                                                       "phone": "+66 2 000 0000"})
    assert saved.status == 303, errors_on(saved)
    stored = organizer_client.get(f"/api/v1/people/{person_id}").json
    assert (stored["honorific"], stored["phone"], stored["organization_id"]) == (
        None, "+66 2 000 0000", org["id"])


def test_merging_organizations_through_the_pages(organizer, organizer_client):
    open_edition(organizer_client)
    keep = organization(organizer_client, "Immigration Department of Kenya", "KE")
    duplicate = organization(organizer_client, "Kenya Immigration Department", "KE")
    person(organizer_client, "Jane Wanjiru", organization_id=duplicate["id"])
    joined = organizer_client.post("/api/v1/editions/sfmmc-2025/participants",
                                   json={"organization_id": duplicate["id"]})
    assert joined.status_code == 201

    edit = organizer.get(f"{ORGS}/{keep['id']}")
    assert edit.soup.find("a", href=f"{ORGS}/{keep['id']}/merge") is not None
    choose = organizer.get(f"{ORGS}/{keep['id']}/merge")
    assert choose.status == 200
    assert choose.soup.select_one("main form[method=post]") is None  # nothing chosen yet
    confirm = organizer.get(f"{ORGS}/{keep['id']}/merge?duplicate_id={duplicate['id']}")
    assert "1 person and 1 edition participation" in confirm.text
    merged = organizer.post(f"{ORGS}/{keep['id']}/merge",
                            confirm.form_values("main form[method=post]"))
    assert merged.status == 303, errors_on(merged)
    notice = organizer.get(merged.response.headers["Location"])
    assert "merged" in notice.text
    assert organizer_client.get(f"/api/v1/organizations/{duplicate['id']}").status_code == 404
    participants = organizer_client.get("/api/v1/editions/sfmmc-2025/participants").json
    assert [o["organization"]["id"] for o in participants["organizations"]] == [keep["id"]]


def test_a_refused_merge_shows_why_and_changes_nothing(organizer, organizer_client):
    open_edition(organizer_client)
    keep = organization(organizer_client, "Ministry of Interior of Serbia", "RS")
    duplicate = organization(organizer_client, "Serbian Ministry of Interior", "RS")
    for org in (keep, duplicate):
        organizer_client.post("/api/v1/editions/sfmmc-2025/participants",
                              json={"organization_id": org["id"]})
    organizer.get(f"{ORGS}/{keep['id']}/merge?duplicate_id={duplicate['id']}")

    refused = organizer.post(f"{ORGS}/{keep['id']}/merge",
                             {"duplicate_id": str(duplicate["id"])})
    assert refused.status == 409
    assert "sfmmc-2025" in errors_on(refused)
    assert organizer_client.get(f"/api/v1/organizations/{duplicate['id']}").status_code == 200
    assert organizer.post(f"{ORGS}/{keep['id']}/merge", {"duplicate_id": ""}).status == 422


def test_merging_people_through_the_pages(organizer, organizer_client):
    keep = person(organizer_client, "Li Wei")
    twin = person(organizer_client, "Dr. Li Wei", email="li.wei@example.org")
    confirm = organizer.get(f"{PEOPLE}/{keep['id']}/merge?duplicate_id={twin['id']}")
    assert confirm.status == 200
    assert "Nothing refers to the duplicate." in confirm.text
    merged = organizer.post(f"{PEOPLE}/{keep['id']}/merge", {"duplicate_id": str(twin["id"])})
    assert merged.status == 303, errors_on(merged)
    assert organizer_client.get(f"/api/v1/people/{keep['id']}").json["email"] == (
        "li.wei@example.org")
    assert organizer_client.get(f"/api/v1/people/{twin['id']}").status_code == 404


def test_a_viewer_reads_the_directory_without_actions(app, organizer_client):
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    someone = person(organizer_client, "Somchai", email="somchai@example.org",
                     organization_id=org["id"])
    viewer = browser_for_role(app, Role.VIEWER)

    page = viewer.get(ORGS)
    assert page.status == 200
    assert page.soup.find("a", href=f"{ORGS}/new") is None
    detail = viewer.get(f"{ORGS}/{org['id']}")
    assert detail.status == 200
    assert detail.soup.select_one("#organization-form") is None
    assert detail.soup.find("a", href=f"{ORGS}/{org['id']}/merge") is None
    people = viewer.get(PEOPLE)
    assert "somchai@example.org" not in people.text
    assert viewer.get(f"{PEOPLE}/{someone['id']}").soup.select_one("#person-form") is None
    for path in (f"{ORGS}/new", f"{ORGS}/{org['id']}/merge", f"{PEOPLE}/new",
                 f"{PEOPLE}/{someone['id']}/merge"):
        assert viewer.get(path).status == 403, path
    assert viewer.post(f"{ORGS}/{org['id']}", {"name": "Renamed"}).status == 403
    assert organizer_client.get(f"/api/v1/organizations/{org['id']}").json["name"] == org["name"]

    secretariat = browser_for_role(app, Role.SECRETARIAT)
    assert secretariat.get(ORGS).status == 200
