"""Delegations, registered by focal points through their response link: members within
the quota with one head of delegation, amendments until the deadline, the credential
document (sniffed, size-limited, organizers only), confirmation after review, check-in
by badge, and what the public participants page may show.

Editions here have no capacity limit unless a test is about capacity, so that what is
proven is the delegation behaviour itself."""

from __future__ import annotations

import pytest
from _attendance import (
    EDITION_URL,
    INVITATIONS_URL,
    MINIMAL_PDF,
    MINIMAL_PNG,
    RSVP_URL,
    accepted_invitation,
    member,
    open_edition,
    organization,
    roster,
    sent_invitation,
    set_deadline_passed,
    statuses_by_name,
    table_rows,
)
from _helpers import assert_problem, error_fields

from eventhub.directory.models import Person
from eventhub.registrations.models import CredentialDocument, Registration

HEAD = member("H.E. Ms. Suda Head", "suda.head@mfa.example", "head_of_delegation",
              position="Director-General")
DEPUTY = member("Mr. Niran Deputy", "niran.deputy@mfa.example", "delegate")
EXPERT = member("Dr. Anong Expert", "anong.expert@mfa.example", "expert",
                attendance="video")
FOURTH = member("Ms. Ploy Fourth", "ploy.fourth@mfa.example", "observer")


def put_members(client, token: str, members: list[dict]):
    return client.put(f"{RSVP_URL}/{token}/delegation", json={"members": members})


def upload(client, token: str, content: bytes, filename: str = "note-verbale.pdf"):
    import io

    return client.put(f"{RSVP_URL}/{token}/credential",
                      data={"file": (io.BytesIO(content), filename)},
                      content_type="multipart/form-data")


def delegations(client) -> list[dict]:
    response = client.get(f"{EDITION_URL}/delegations")
    assert response.status_code == 200, response.json
    return response.json


def credential_url(delegation_id: int) -> str:
    return f"{EDITION_URL}/delegations/{delegation_id}/credential"


def snapshot(app) -> tuple:
    """Everything a delegation change could touch, straight from the database."""
    return (table_rows(app, Registration), table_rows(app, Person),
            table_rows(app, CredentialDocument))


@pytest.fixture
def edition(organizer_client) -> dict:
    return open_edition(organizer_client)


@pytest.fixture
def org(organizer_client) -> dict:
    return organization(organizer_client, "Ministry of Foreign Affairs", "TH")


@pytest.fixture
def accepted(app, organizer_client, client, edition, org) -> tuple[dict, str]:
    """An accepted invitation with quota 3: (invitation, token)."""
    return accepted_invitation(app, organizer_client, client, org["id"], quota=3)


# Registering members ---------------------------------------------------------------------

def test_focal_point_registers_three_members(app, organizer_client, client, org, accepted):
    invitation, token = accepted

    response = put_members(client, token, [HEAD, DEPUTY, EXPERT])

    assert response.status_code == 200, response.json
    view = response.json
    assert [(m["full_name"], m["role"], m["status"], m["attendance"]) for m in
            view["members"]] == [
        (HEAD["full_name"], "head_of_delegation", "confirmed", "in_person"),
        (DEPUTY["full_name"], "delegate", "confirmed", "in_person"),
        (EXPERT["full_name"], "expert", "confirmed", "video")]
    assert client.get(f"{RSVP_URL}/{token}").json["members"] == view["members"]

    [delegation] = delegations(organizer_client)
    assert delegation["organization"]["id"] == org["id"]
    assert delegation["invitation_id"] == invitation["id"]
    registered = roster(organizer_client)
    assert {r["full_name"] for r in registered} == {HEAD["full_name"], DEPUTY["full_name"],
                                                    EXPERT["full_name"]}
    assert {r["delegation_id"] for r in registered} == {delegation["id"]}
    assert {r["organization"]["id"] for r in registered} == {org["id"]}
    assert {r["email"] for r in registered} == {HEAD["email"], DEPUTY["email"],
                                                EXPERT["email"]}


def test_the_quota_is_enforced_and_nothing_is_registered(app, organizer_client, client,
                                                         edition, org):
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=2)
    before = snapshot(app)

    body = assert_problem(put_members(client, token, [HEAD, DEPUTY, EXPERT]), 422)

    assert "members" in error_fields(body)
    assert any("quota" in e["message"] for e in body["errors"])
    assert snapshot(app) == before
    assert roster(organizer_client) == []
    assert client.get(f"{RSVP_URL}/{token}").json["members"] == []

    assert put_members(client, token, [HEAD, DEPUTY]).status_code == 200
    assert len(roster(organizer_client)) == 2


def test_exactly_one_head_of_delegation(app, organizer_client, client, accepted):
    _, token = accepted
    before = snapshot(app)
    second_head = {**DEPUTY, "role": "head_of_delegation"}

    for members in ([DEPUTY, EXPERT], [HEAD, second_head]):
        body = assert_problem(put_members(client, token, members), 422)
        assert error_fields(body) == {"members"}
        assert "head of delegation" in body["errors"][0]["message"]

    body = assert_problem(put_members(client, token, [
        HEAD, {**DEPUTY, "email": HEAD["email"].upper()}]), 422)
    assert error_fields(body) == {"members.1.email"}
    assert snapshot(app) == before
    assert roster(organizer_client) == []


def test_members_can_be_registered_only_after_accepting(app, organizer_client, client,
                                                        edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    before = snapshot(app)

    assert_problem(put_members(client, token, [HEAD]), 409)
    assert_problem(upload(client, token, MINIMAL_PDF), 409)

    client.post(f"{RSVP_URL}/{token}/decline")
    assert_problem(put_members(client, token, [HEAD]), 409)
    assert snapshot(app) == before
    assert delegations(organizer_client) == []


def test_the_list_can_be_amended_until_the_deadline(app, organizer_client, client, accepted):
    _, token = accepted
    assert put_members(client, token, [HEAD, DEPUTY, EXPERT]).status_code == 200
    ids = {r["full_name"]: r["id"] for r in roster(organizer_client)}

    renamed_head = {**HEAD, "full_name": "H.E. Ms. Suda Renamed", "dietary": "vegetarian"}
    response = put_members(client, token, [renamed_head, EXPERT, FOURTH])

    assert response.status_code == 200, response.json
    assert [(m["full_name"], m["status"]) for m in response.json["members"]] == [
        ("H.E. Ms. Suda Renamed", "confirmed"), (EXPERT["full_name"], "confirmed"),
        (FOURTH["full_name"], "confirmed")]
    by_id = {r["id"]: r for r in roster(organizer_client)}
    # The head kept her registration (matched by e-mail), renamed.
    assert by_id[ids[HEAD["full_name"]]]["full_name"] == "H.E. Ms. Suda Renamed"
    assert by_id[ids[HEAD["full_name"]]]["dietary"] == "vegetarian"
    dropped = by_id[ids[DEPUTY["full_name"]]]
    assert dropped["status"] == "cancelled" and dropped["cancelled_at"] is not None
    assert statuses_by_name(organizer_client) == {
        "H.E. Ms. Suda Renamed": "confirmed", DEPUTY["full_name"]: "cancelled",
        EXPERT["full_name"]: "confirmed", FOURTH["full_name"]: "confirmed"}

    # Sending the same list again changes nothing.
    before = snapshot(app)
    assert put_members(client, token, [renamed_head, EXPERT, FOURTH]).status_code == 200
    assert [r["status"] for r in table_rows(app, Registration)] == [
        r["status"] for r in before[0]]
    assert len(table_rows(app, Registration)) == 4


def test_the_quota_of_an_accepted_invitation_can_change_but_not_below_the_members(
        app, organizer_client, client, accepted):
    invitation, token = accepted
    put_members(client, token, [HEAD, DEPUTY, EXPERT])
    url = f"{INVITATIONS_URL}/{invitation['id']}"

    raised = organizer_client.patch(url, json={"quota": 4})
    assert raised.status_code == 200, raised.json
    assert put_members(client, token, [HEAD, DEPUTY, EXPERT, FOURTH]).status_code == 200

    body = assert_problem(organizer_client.patch(url, json={"quota": 3}), 409)
    assert "4" in body["detail"]
    assert organizer_client.get(url).json["quota"] == 4


def test_a_dropped_member_can_be_put_back(app, organizer_client, client, accepted):
    _, token = accepted
    put_members(client, token, [HEAD, DEPUTY])
    put_members(client, token, [HEAD])

    response = put_members(client, token, [HEAD, DEPUTY])

    assert response.status_code == 200, response.json
    assert [m["full_name"] for m in response.json["members"]] == [HEAD["full_name"],
                                                                  DEPUTY["full_name"]]
    assert statuses_by_name(organizer_client)[DEPUTY["full_name"]] == "confirmed"


def test_after_the_deadline_the_delegation_is_frozen(app, organizer_client, client,
                                                     accepted):
    invitation, token = accepted
    assert put_members(client, token, [HEAD, DEPUTY]).status_code == 200
    assert upload(client, token, MINIMAL_PDF).status_code == 200
    set_deadline_passed(app, invitation["id"])
    before = snapshot(app)

    assert_problem(put_members(client, token, [HEAD, DEPUTY, EXPERT]), 410)
    assert_problem(put_members(client, token, [HEAD]), 410)
    assert_problem(upload(client, token, MINIMAL_PNG, "other.png"), 410)
    assert_problem(client.get(f"{RSVP_URL}/{token}"), 410)

    assert snapshot(app) == before
    assert statuses_by_name(organizer_client) == {HEAD["full_name"]: "confirmed",
                                                  DEPUTY["full_name"]: "confirmed"}
    # Accepted stays accepted: the deadline ends amendments, not the acceptance.
    assert organizer_client.get(
        f"{INVITATIONS_URL}/{invitation['id']}").json["status"] == "accepted"


def test_a_focal_point_cannot_rewrite_the_directory(app, organizer_client, client, accepted):
    _, token = accepted
    other = organization(organizer_client, "Ministry of Public Security", "CN")
    created = organizer_client.post("/api/v1/people", json={
        "full_name": "Mr. Wang Directory", "position": "Deputy Director",
        "organization_id": other["id"], "email": "wang@mps.example"})
    assert created.status_code == 201, created.json

    response = put_members(client, token, [HEAD, member("Somebody Else", "wang@mps.example",
                                                        position="Intern")])
    assert response.status_code in (200, 409, 422), response.json

    person = organizer_client.get(f"/api/v1/people/{created.json['id']}").json
    assert (person["full_name"], person["position"]) == ("Mr. Wang Directory",
                                                         "Deputy Director")


# Capacity with delegations -------------------------------------------------------------

def test_members_beyond_capacity_wait_for_a_seat(app, organizer_client, client):
    open_edition(organizer_client, capacity=2)
    org = organization(organizer_client, "Ministry of Foreign Affairs", "TH")
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=3)

    response = put_members(client, token, [HEAD, DEPUTY, {**FOURTH, "role": "delegate"}])

    assert response.status_code == 200, response.json
    assert [m["status"] for m in response.json["members"]] == [
        "confirmed", "confirmed", "waitlisted"]
    response = put_members(client, token, [HEAD, {**FOURTH, "role": "delegate"}])
    assert [m["status"] for m in response.json["members"]] == ["confirmed", "confirmed"]


# Credentials -----------------------------------------------------------------------------

def test_credential_upload_and_byte_exact_download(app, organizer_client, admin_client,
                                                   client, accepted):
    _, token = accepted

    response = upload(client, token, MINIMAL_PDF, "Note verbale <TH>.pdf")

    assert response.status_code == 200, response.json
    assert response.json["content_type"] == "application/pdf"
    assert response.json["size"] == len(MINIMAL_PDF)
    assert response.json["reviewed_at"] is None
    assert client.get(f"{RSVP_URL}/{token}").json["credential"]["size"] == len(MINIMAL_PDF)
    [delegation] = delegations(organizer_client)
    assert delegation["credential"]["content_type"] == "application/pdf"

    for reader in (organizer_client, admin_client):
        download = reader.get(credential_url(delegation["id"]))
        assert download.status_code == 200
        assert download.data == MINIMAL_PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert "<" not in download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"

    # A PNG replaces it.
    response = upload(client, token, MINIMAL_PNG, "scan.png")
    assert response.status_code == 200, response.json
    assert response.json["content_type"] == "image/png"
    download = organizer_client.get(credential_url(delegation["id"]))
    assert (download.data, download.mimetype) == (MINIMAL_PNG, "image/png")
    assert len(table_rows(app, CredentialDocument)) == 1


def test_the_type_is_sniffed_from_the_content(app, organizer_client, client, accepted):
    _, token = accepted
    assert upload(client, token, MINIMAL_PDF).status_code == 200
    before = snapshot(app)

    for content, name in ((b"Dear colleagues, this is plain text.\n", "note-verbale.pdf"),
                          (b"<html><script>alert(1)</script></html>", "letter.png"),
                          (b"GIF89a\x01\x00\x01\x00", "letter.jpg"),
                          (b"", "empty.pdf")):
        body = assert_problem(upload(client, token, content, name), 422)
        assert error_fields(body) == {"file"}

    body = assert_problem(client.put(f"{RSVP_URL}/{token}/credential",
                                     data={"document": "x"},
                                     content_type="multipart/form-data"), 422)
    assert error_fields(body) == {"file"}
    assert snapshot(app) == before
    [delegation] = delegations(organizer_client)
    assert organizer_client.get(credential_url(delegation["id"])).data == MINIMAL_PDF


def test_a_credential_larger_than_the_limit_is_refused(app, organizer_client, client,
                                                      accepted):
    _, token = accepted
    limit = app.config["EVENTHUB_CREDENTIAL_MAX_BYTES"]
    app.config["EVENTHUB_CREDENTIAL_MAX_BYTES"] = 1024
    try:
        exactly = MINIMAL_PDF + b"%" * (1024 - len(MINIMAL_PDF))
        too_big = exactly + b"%"
        body = assert_problem(upload(client, token, too_big), 422)
        assert error_fields(body) == {"file"}
        assert "1024" in body["detail"]
        assert table_rows(app, CredentialDocument) == []

        assert upload(client, token, exactly).status_code == 200
    finally:
        app.config["EVENTHUB_CREDENTIAL_MAX_BYTES"] = limit
    [delegation] = delegations(organizer_client)
    assert organizer_client.get(credential_url(delegation["id"])).data == exactly


def test_only_organizers_and_admins_download_credentials(organizer_client, viewer_client,
                                                         secretariat_client, client,
                                                         accepted):
    _, token = accepted
    upload(client, token, MINIMAL_PDF)
    [delegation] = delegations(organizer_client)
    url = credential_url(delegation["id"])

    assert_problem(viewer_client.get(url), 403)
    assert_problem(secretariat_client.get(url), 403)
    assert_problem(client.get(url), 401)
    assert_problem(viewer_client.post(f"{url}/review"), 403)
    assert_problem(client.post(f"{url}/review"), 401)
    assert_problem(organizer_client.get(f"{EDITION_URL}/delegations/987654/credential"), 404)
    assert delegations(organizer_client)[0]["credential"]["reviewed_at"] is None


# Approval, confirmation and check-in ------------------------------------------------------

@pytest.fixture
def approval_delegation(app, organizer_client, client, org) -> dict:
    """An edition requiring approval; a delegation of three, pending, with a PDF
    credential not reviewed yet."""
    open_edition(organizer_client, requires_approval=True)
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=3)
    response = put_members(client, token, [HEAD, DEPUTY, EXPERT])
    assert response.status_code == 200, response.json
    assert {m["status"] for m in response.json["members"]} == {"pending"}
    upload(client, token, MINIMAL_PDF)
    [delegation] = delegations(organizer_client)
    ids = {r["full_name"]: r["id"] for r in roster(organizer_client)}
    return {"token": token, "delegation": delegation, "ids": ids}


def confirm(client, registration_id: int):
    return client.post(f"{EDITION_URL}/registrations/{registration_id}/confirm")


def test_members_are_confirmed_only_after_the_credential_is_reviewed(
        app, organizer_client, client, approval_delegation):
    head_id = approval_delegation["ids"][HEAD["full_name"]]
    review_url = f"{credential_url(approval_delegation['delegation']['id'])}/review"

    body = assert_problem(confirm(organizer_client, head_id), 409)
    assert "credential" in body["detail"]
    assert statuses_by_name(organizer_client)[HEAD["full_name"]] == "pending"

    reviewed = organizer_client.post(review_url)
    assert reviewed.status_code == 200, reviewed.json
    assert reviewed.json["reviewed_at"] is not None

    response = confirm(organizer_client, head_id)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "confirmed"
    assert response.json["badge_code"]
    assert_problem(confirm(organizer_client, head_id), 409)

    # A replaced document must be reviewed again before anyone else is confirmed.
    upload(client, approval_delegation["token"], MINIMAL_PNG, "scan.png")
    assert delegations(organizer_client)[0]["credential"]["reviewed_at"] is None
    assert_problem(confirm(organizer_client, approval_delegation["ids"][
        DEPUTY["full_name"]]), 409)
    assert statuses_by_name(organizer_client) == {
        HEAD["full_name"]: "confirmed", DEPUTY["full_name"]: "pending",
        EXPERT["full_name"]: "pending"}


def test_check_in_by_badge_once(app, organizer_client, approval_delegation):
    organizer_client.post(f"{credential_url(approval_delegation['delegation']['id'])}/review")
    ids = approval_delegation["ids"]
    head = confirm(organizer_client, ids[HEAD["full_name"]]).json
    deputy = confirm(organizer_client, ids[DEPUTY["full_name"]]).json

    response = organizer_client.post(f"{EDITION_URL}/check-in",
                                     json={"badge_code": head["badge_code"].lower()})
    assert response.status_code == 200, response.json
    assert response.json["id"] == head["id"]
    assert response.json["checked_in_at"] is not None
    checked_in_at = response.json["checked_in_at"]

    body = assert_problem(organizer_client.post(f"{EDITION_URL}/check-in",
                                                json={"badge_code": head["badge_code"]}), 409)
    assert body["checked_in_at"]
    assert_problem(organizer_client.post(f"{EDITION_URL}/check-in",
                                         json={"badge_code": "ZZZZ9999ZZ"}), 404)

    cancelled = organizer_client.post(
        f"{EDITION_URL}/registrations/{deputy['id']}/cancel")
    assert cancelled.json["status"] == "cancelled"
    assert_problem(organizer_client.post(f"{EDITION_URL}/check-in",
                                         json={"badge_code": deputy["badge_code"]}), 409)

    by_id = {r["id"]: r for r in roster(organizer_client)}
    assert by_id[head["id"]]["checked_in_at"] == checked_in_at
    assert by_id[deputy["id"]]["checked_in_at"] is None
    counts = organizer_client.get(f"{EDITION_URL}/registration-counts").json
    assert counts["checked_in"] == 1


def test_the_public_never_sees_members_emails(app, organizer_client, client,
                                              approval_delegation):
    organizer_client.post(f"{credential_url(approval_delegation['delegation']['id'])}/review")
    for name in (HEAD["full_name"], DEPUTY["full_name"]):
        assert confirm(organizer_client, approval_delegation["ids"][name]).status_code == 200

    response = client.get(f"{EDITION_URL}/participants")

    assert response.status_code == 200, response.json
    text = response.get_data(as_text=True)
    assert HEAD["full_name"] in text
    for secret in (HEAD["email"], DEPUTY["email"], EXPERT["email"], "@"):
        assert secret not in text
    # Only the head of a delegation takes a public role; other delegates stay private.
    assert DEPUTY["full_name"] not in text and EXPERT["full_name"] not in text
    # The public has no roster at all.
    assert_problem(client.get(f"{EDITION_URL}/registrations"), 401)
    assert_problem(client.get(f"{EDITION_URL}/delegations"), 401)
