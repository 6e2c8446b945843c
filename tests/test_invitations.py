"""Invitation lists and the focal point's response link, through the HTTP API on the real
database: drafts, bulk creation, sending (the outbox), the lifecycle and its refusals,
what a response link opens, and that no raw token is ever stored."""

from __future__ import annotations

import pytest
from _attendance import (
    EDITION_URL,
    INVITATIONS_URL,
    MINIMAL_PDF,
    RSVP_URL,
    SLUG,
    accepted_invitation,
    in_days,
    invitation_payload,
    invite,
    open_edition,
    organization,
    send,
    sent_invitation,
    set_deadline_passed,
    table_rows,
    token_of,
)
from _helpers import assert_problem, error_fields

from eventhub.extensions import db
from eventhub.invitations.models import Invitation
from eventhub.mail.models import OutboxMessage


def invitation_row(app, invitation_id: int) -> dict:
    return next(row for row in table_rows(app, Invitation) if row["id"] == invitation_id)


def outbox(app) -> list[dict]:
    return table_rows(app, OutboxMessage)


def read(client, invitation_id: int) -> dict:
    response = client.get(f"{INVITATIONS_URL}/{invitation_id}")
    assert response.status_code == 200, response.json
    return response.json


def listed(client, query: str = "") -> list[dict]:
    response = client.get(f"{INVITATIONS_URL}{query}")
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def edition(organizer_client) -> dict:
    return open_edition(organizer_client)


@pytest.fixture
def orgs(organizer_client) -> list[dict]:
    return [organization(organizer_client, "Royal Thai Police", "TH"),
            organization(organizer_client, "Department of Home Affairs", "AU"),
            organization(organizer_client, "Ministry of Interior", "KH")]


# Creating invitations -----------------------------------------------------------------

def test_create_makes_a_draft_without_a_link_or_mail(app, organizer_client, edition, orgs):
    response = organizer_client.post(INVITATIONS_URL, json=invitation_payload(
        orgs[0]["id"], focal_point_name="Pol. Col. Somchai", quota=4,
        focal_point_language="th"))

    assert response.status_code == 201, response.json
    created = response.json
    assert created["status"] == "draft"
    assert created["organization"]["id"] == orgs[0]["id"]
    assert (created["focal_point_name"], created["quota"]) == ("Pol. Col. Somchai", 4)
    assert created["sent_at"] is None
    assert read(organizer_client, created["id"]) == created
    assert [i["id"] for i in listed(organizer_client)] == [created["id"]]
    row = invitation_row(app, created["id"])
    assert row["token_nonce"] is None and row["token_digest"] is None
    assert outbox(app) == []


def test_bulk_create_is_all_or_nothing(app, organizer_client, edition, orgs):
    entries = [{"organization_id": org["id"], "focal_point_name": f"Focal {n}",
                "focal_point_email": f"focal{n}@example.org"} for n, org in enumerate(orgs)]
    bad = [entries[0], {**entries[1], "organization_id": 987654}, entries[2]]

    body = assert_problem(organizer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "defaults": {"quota": 2, "deadline": in_days(10)}, "invitations": bad}), 422)
    assert "987654" in body["detail"]
    assert listed(organizer_client) == []
    assert table_rows(app, Invitation) == []

    response = organizer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "defaults": {"quota": 2, "deadline": in_days(10)},
        "invitations": [entries[0], {**entries[1], "quota": 5}, entries[2]]})
    assert response.status_code == 201, response.json
    assert [(i["organization"]["id"], i["quota"], i["status"]) for i in response.json] == [
        (orgs[0]["id"], 2, "draft"), (orgs[1]["id"], 5, "draft"), (orgs[2]["id"], 2, "draft")]
    assert len(listed(organizer_client)) == 3


def test_bulk_create_refuses_repeats_and_missing_values_creating_none(
        app, organizer_client, edition, orgs):
    entry = {"organization_id": orgs[0]["id"], "focal_point_name": "Focal",
             "focal_point_email": "focal@example.org"}
    defaults = {"quota": 2, "deadline": in_days(10)}

    body = assert_problem(organizer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "defaults": defaults, "invitations": [entry, entry]}), 422)
    assert error_fields(body) == {"invitations.1.organization_id"}

    body = assert_problem(organizer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "invitations": [entry]}), 422)
    assert error_fields(body) == {"invitations.0.quota", "invitations.0.deadline"}

    body = assert_problem(organizer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "defaults": {"quota": 2, "deadline": in_days(-1)}, "invitations": [entry]}), 422)
    assert "deadline" in error_fields(body)

    # One organization already invited: the whole batch is refused.
    invite(organizer_client, orgs[1]["id"])
    assert_problem(organizer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "defaults": defaults, "invitations": [
            entry, {**entry, "organization_id": orgs[1]["id"]}]}), 409)
    assert [i["organization"]["id"] for i in listed(organizer_client)] == [orgs[1]["id"]]


def test_an_organization_is_invited_once_per_edition(organizer_client, edition, orgs):
    first = invite(organizer_client, orgs[0]["id"])

    body = assert_problem(organizer_client.post(INVITATIONS_URL, json=invitation_payload(
        orgs[0]["id"], focal_point_email="someone-else@example.org")), 409)
    assert body["organization_id"] == orgs[0]["id"]
    assert [i["id"] for i in listed(organizer_client)] == [first["id"]]
    assert read(organizer_client, first["id"])["focal_point_email"] == first[
        "focal_point_email"]


def test_deadline_must_be_in_the_future_and_carry_a_time_zone(organizer_client, edition,
                                                              orgs):
    body = assert_problem(organizer_client.post(INVITATIONS_URL, json=invitation_payload(
        orgs[0]["id"], deadline=in_days(-0.01))), 422)
    assert error_fields(body) == {"deadline"}

    body = assert_problem(organizer_client.post(INVITATIONS_URL, json=invitation_payload(
        orgs[0]["id"], deadline="2031-01-01T12:00:00")), 422)
    assert error_fields(body) == {"deadline"}

    body = assert_problem(organizer_client.post(INVITATIONS_URL, json=invitation_payload(
        987654)), 422)
    assert error_fields(body) == {"organization_id"}
    assert listed(organizer_client) == []


# Sending ------------------------------------------------------------------------------

def test_send_needs_an_open_edition_then_queues_one_mail(app, organizer_client, orgs):
    open_edition(organizer_client, open_it=False)
    invitation = invite(organizer_client, orgs[0]["id"])
    before = invitation_row(app, invitation["id"])

    body = assert_problem(organizer_client.post(
        f"{INVITATIONS_URL}/{invitation['id']}/send"), 409)
    assert "open" in body["detail"]
    assert invitation_row(app, invitation["id"]) == before
    assert outbox(app) == []

    organizer_client.post(f"{EDITION_URL}/status", json={"status": "open"})
    sent = send(organizer_client, invitation["id"])
    assert sent["sent_at"] is not None
    assert read(organizer_client, invitation["id"])["status"] == "sent"

    [message] = outbox(app)
    assert message["recipient"] == invitation["focal_point_email"]
    assert message["template"] == "invitation"
    assert message["status"] == "pending"
    assert message["params"]["invitation_id"] == invitation["id"]
    row = invitation_row(app, invitation["id"])
    assert row["token_nonce"] and row["token_digest"]


def test_send_drafts_sends_every_draft_and_only_drafts(app, organizer_client, edition, orgs):
    first, second, third = (invite(organizer_client, org["id"]) for org in orgs)
    send(organizer_client, second["id"])
    assert len(outbox(app)) == 1

    response = organizer_client.post(f"{INVITATIONS_URL}/send-drafts")
    assert response.status_code == 200, response.json
    assert sorted(i["id"] for i in response.json) == [first["id"], third["id"]]
    assert {i["status"] for i in listed(organizer_client)} == {"sent"}
    assert sorted(m["params"]["invitation_id"] for m in outbox(app)) == sorted(
        [first["id"], second["id"], third["id"]])

    again = organizer_client.post(f"{INVITATIONS_URL}/send-drafts")
    assert again.status_code == 200
    assert again.json == []
    assert len(outbox(app)) == 3


def test_send_drafts_needs_an_open_edition(app, organizer_client, orgs):
    open_edition(organizer_client, open_it=False)
    invite(organizer_client, orgs[0]["id"])

    assert_problem(organizer_client.post(f"{INVITATIONS_URL}/send-drafts"), 409)
    assert [i["status"] for i in listed(organizer_client)] == ["draft"]
    assert outbox(app) == []


def test_a_draft_past_its_deadline_is_not_sent(app, organizer_client, edition, orgs):
    invitation = invite(organizer_client, orgs[0]["id"])
    set_deadline_passed(app, invitation["id"])

    response = organizer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/send")

    assert response.status_code in (409, 422), response.json
    assert outbox(app) == []
    assert read(organizer_client, invitation["id"])["status"] == "draft"
    assert invitation_row(app, invitation["id"])["token_digest"] is None


# Lifecycle refusals -------------------------------------------------------------------

def test_revoking_an_accepted_invitation_is_refused(app, organizer_client, client, edition,
                                                    orgs):
    invitation, _ = accepted_invitation(app, organizer_client, client, orgs[0]["id"])
    before = invitation_row(app, invitation["id"])

    body = assert_problem(organizer_client.post(
        f"{INVITATIONS_URL}/{invitation['id']}/revoke"), 409)

    assert body["current_status"] == "accepted"
    assert read(organizer_client, invitation["id"])["status"] == "accepted"
    assert invitation_row(app, invitation["id"]) == before


def test_accepting_a_declined_invitation_is_refused(app, organizer_client, client, edition,
                                                    orgs):
    invitation, token = sent_invitation(app, organizer_client, orgs[0]["id"])
    declined = client.post(f"{RSVP_URL}/{token}/decline")
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    before = invitation_row(app, invitation["id"])

    body = assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 409)

    assert body["current_status"] == "declined"
    assert read(organizer_client, invitation["id"])["status"] == "declined"
    assert invitation_row(app, invitation["id"]) == before
    assert client.get(f"{RSVP_URL}/{token}").json["status"] == "declined"


def test_a_revoked_invitation_cannot_be_sent_again(app, organizer_client, edition, orgs):
    invitation, _ = sent_invitation(app, organizer_client, orgs[0]["id"])
    revoked = organizer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    assert revoked.json["revoked_at"] is not None
    before, mails = invitation_row(app, invitation["id"]), len(outbox(app))

    body = assert_problem(organizer_client.post(
        f"{INVITATIONS_URL}/{invitation['id']}/send"), 409)
    assert body["current_status"] == "revoked"
    assert organizer_client.post(f"{INVITATIONS_URL}/send-drafts").json == []

    assert read(organizer_client, invitation["id"])["status"] == "revoked"
    assert invitation_row(app, invitation["id"]) == before
    assert len(outbox(app)) == mails


def test_a_draft_can_be_revoked_and_then_not_changed(app, organizer_client, edition, orgs):
    invitation = invite(organizer_client, orgs[0]["id"])
    assert organizer_client.post(
        f"{INVITATIONS_URL}/{invitation['id']}/revoke").json["status"] == "revoked"

    assert_problem(organizer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/revoke"), 409)
    assert_problem(organizer_client.patch(f"{INVITATIONS_URL}/{invitation['id']}",
                                          json={"quota": 9}), 409)
    assert read(organizer_client, invitation["id"])["quota"] == invitation["quota"]


# The response link ---------------------------------------------------------------------

def test_the_link_shows_the_invitation_to_its_focal_point(app, organizer_client, client,
                                                          edition, orgs):
    _, token = sent_invitation(app, organizer_client, orgs[0]["id"],
                               focal_point_name="Ms. Dara", quota=4)

    response = client.get(f"{RSVP_URL}/{token}")

    assert response.status_code == 200, response.json
    view = response.json
    assert view["status"] == "sent"
    assert view["edition"]["slug"] == SLUG
    assert view["organization"]["name"] == "Royal Thai Police"
    assert (view["focal_point_name"], view["quota"]) == ("Ms. Dara", 4)
    assert view["members"] == [] and view["credential"] is None


def test_a_forged_or_mangled_link_is_404(app, organizer_client, client, edition, orgs):
    invitation, token = sent_invitation(app, organizer_client, orgs[0]["id"])
    before = invitation_row(app, invitation["id"])
    forged = ("A" if token[0] != "A" else "B") + token[1:]

    for bad in (forged, token[:-1], "not-a-token", "x" * 43):
        assert_problem(client.get(f"{RSVP_URL}/{bad}"), 404)
        assert_problem(client.post(f"{RSVP_URL}/{bad}/accept"), 404)
        assert_problem(client.post(f"{RSVP_URL}/{bad}/decline"), 404)

    assert invitation_row(app, invitation["id"]) == before
    assert read(organizer_client, invitation["id"])["status"] == "sent"


def test_a_draft_has_no_working_link(app, organizer_client, client, edition, orgs):
    from eventhub.invitations.tokens import new_nonce, token_for

    invite(organizer_client, orgs[0]["id"])
    with app.app_context():
        guessed = token_for(new_nonce())
    assert_problem(client.get(f"{RSVP_URL}/{guessed}"), 404)


def test_a_revoked_link_is_gone(app, organizer_client, client, edition, orgs):
    invitation, token = sent_invitation(app, organizer_client, orgs[0]["id"])
    organizer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/revoke")
    before = invitation_row(app, invitation["id"])

    assert_problem(client.get(f"{RSVP_URL}/{token}"), 410)
    assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 410)
    assert_problem(client.post(f"{RSVP_URL}/{token}/decline"), 410)
    assert invitation_row(app, invitation["id"]) == before
    assert read(organizer_client, invitation["id"])["status"] == "revoked"


def test_an_expired_link_is_gone_and_reads_expired(app, organizer_client, client, edition,
                                                   orgs):
    invitation, token = sent_invitation(app, organizer_client, orgs[0]["id"])
    set_deadline_passed(app, invitation["id"])
    before = invitation_row(app, invitation["id"])

    body = assert_problem(client.get(f"{RSVP_URL}/{token}"), 410)
    assert "deadline" in body
    assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 410)
    assert_problem(client.post(f"{RSVP_URL}/{token}/decline"), 410)
    assert invitation_row(app, invitation["id"]) == before

    assert read(organizer_client, invitation["id"])["status"] == "expired"
    # Expired is final: no resend (refused as expired, or for its past deadline), no revoke.
    resend = organizer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/send")
    assert resend.status_code in (409, 422), resend.json
    assert_problem(organizer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/revoke"), 409)
    assert read(organizer_client, invitation["id"])["status"] == "expired"


def test_the_invitation_list_shows_expired_invitations_as_expired(app, organizer_client,
                                                                  edition, orgs):
    invitation, _ = sent_invitation(app, organizer_client, orgs[0]["id"])
    set_deadline_passed(app, invitation["id"])

    assert [i["status"] for i in listed(organizer_client)] == ["expired"]
    assert [i["id"] for i in listed(organizer_client, "?status=expired")] == [invitation["id"]]
    assert listed(organizer_client, "?status=sent") == []


def test_sending_again_kills_the_old_link(app, organizer_client, client, edition, orgs):
    invitation, old_token = sent_invitation(app, organizer_client, orgs[0]["id"])

    send(organizer_client, invitation["id"])
    new_token = token_of(app, invitation["id"])

    assert new_token != old_token
    assert_problem(client.get(f"{RSVP_URL}/{old_token}"), 404)
    assert_problem(client.post(f"{RSVP_URL}/{old_token}/accept"), 404)
    assert read(organizer_client, invitation["id"])["status"] == "sent"
    assert client.get(f"{RSVP_URL}/{new_token}").status_code == 200
    accepted = client.post(f"{RSVP_URL}/{new_token}/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    # Two invitation mails, then the acceptance's (tests/test_notifications.py).
    assert [m["template"] for m in outbox(app)] == ["invitation", "invitation",
                                                    "invitation_accepted"]


def test_a_retried_send_with_the_same_idempotency_key_keeps_the_link(
        app, organizer_client, client, edition, orgs):
    invitation = invite(organizer_client, orgs[0]["id"])
    url = f"{INVITATIONS_URL}/{invitation['id']}/send"
    headers = {"Idempotency-Key": "send-once-7f3a"}

    first = organizer_client.post(url, headers=headers)
    token = token_of(app, invitation["id"])
    retry = organizer_client.post(url, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json == first.json
    assert token_of(app, invitation["id"]) == token
    assert client.get(f"{RSVP_URL}/{token}").status_code == 200
    assert len(outbox(app)) == 1


def test_accept_then_decline_is_refused_and_changes_nothing(app, organizer_client, client,
                                                            edition, orgs):
    invitation, token = accepted_invitation(app, organizer_client, client, orgs[0]["id"])
    accepted = read(organizer_client, invitation["id"])
    assert accepted["responded_at"] is not None
    before = invitation_row(app, invitation["id"])

    body = assert_problem(client.post(f"{RSVP_URL}/{token}/decline"), 409)
    assert body["current_status"] == "accepted"
    # Accepting twice is no more allowed than changing one's mind.
    assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 409)
    # Nor can the organizer send it again (which would issue a new link).
    body = assert_problem(organizer_client.post(
        f"{INVITATIONS_URL}/{invitation['id']}/send"), 409)
    assert body["current_status"] == "accepted"

    assert read(organizer_client, invitation["id"]) == accepted
    assert invitation_row(app, invitation["id"]) == before
    assert client.get(f"{RSVP_URL}/{token}").json["status"] == "accepted"


def test_a_closed_edition_closes_the_links(app, organizer_client, client, edition, orgs):
    invitation, token = sent_invitation(app, organizer_client, orgs[0]["id"])
    organizer_client.post(f"{EDITION_URL}/status", json={"status": "closed"})
    before = invitation_row(app, invitation["id"])

    assert_problem(client.get(f"{RSVP_URL}/{token}"), 410)
    assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 410)
    assert invitation_row(app, invitation["id"]) == before


# Secrets at rest ------------------------------------------------------------------------

def test_the_database_never_holds_a_raw_token(app, organizer_client, client, edition, orgs):
    """Send (with an Idempotency-Key, whose stored response could carry it), resend,
    accept, decline, upload a credential and try forged links: no table holds any token
    issued, in any column."""
    import io

    first = invite(organizer_client, orgs[0]["id"])
    sent = organizer_client.post(f"{INVITATIONS_URL}/{first['id']}/send",
                                 headers={"Idempotency-Key": "send-first"})
    assert sent.status_code == 200
    token_1 = token_of(app, first["id"])
    send(organizer_client, first["id"])
    token_2 = token_of(app, first["id"])
    _, token_3 = sent_invitation(app, organizer_client, orgs[1]["id"])
    assert client.post(f"{RSVP_URL}/{token_2}/accept").status_code == 200
    assert client.post(f"{RSVP_URL}/{token_3}/decline").status_code == 200
    uploaded = client.put(f"{RSVP_URL}/{token_2}/credential",
                          data={"file": (io.BytesIO(MINIMAL_PDF), "nv.pdf")},
                          content_type="multipart/form-data")
    assert uploaded.status_code == 200, uploaded.json
    client.get(f"{RSVP_URL}/{token_1}")
    tokens = {token_1, token_2, token_3}

    with app.app_context():
        dumps = {table.name: [str(tuple(row)) for row in
                              db.session.execute(table.select())]
                 for table in db.metadata.sorted_tables}
    assert dumps["invitations"] and dumps["outbox_messages"] and dumps["idempotent_requests"]
    for name, rows in dumps.items():
        for row in rows:
            for token in tokens:
                assert token not in row, f"raw token stored in {name}: {row}"

    for row in table_rows(app, Invitation):
        assert row["token_digest"] not in tokens and row["token_nonce"] not in tokens
    for message in outbox(app):
        assert not any(token in str(message["params"]) for token in tokens)


# Who may do what -----------------------------------------------------------------------

def test_viewer_reads_but_may_not_change_invitations(organizer_client, viewer_client,
                                                     edition, orgs):
    invitation = invite(organizer_client, orgs[0]["id"])

    assert [i["id"] for i in listed(viewer_client)] == [invitation["id"]]
    assert viewer_client.get(f"{INVITATIONS_URL}/{invitation['id']}").status_code == 200
    assert_problem(viewer_client.post(INVITATIONS_URL,
                                      json=invitation_payload(orgs[1]["id"])), 403)
    assert_problem(viewer_client.post(f"{INVITATIONS_URL}/bulk", json={
        "invitations": [invitation_payload(orgs[1]["id"])]}), 403)
    assert_problem(viewer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/send"), 403)
    assert_problem(viewer_client.post(f"{INVITATIONS_URL}/send-drafts"), 403)
    assert_problem(viewer_client.post(f"{INVITATIONS_URL}/{invitation['id']}/revoke"), 403)
    assert_problem(viewer_client.patch(f"{INVITATIONS_URL}/{invitation['id']}",
                                       json={"quota": 9}), 403)
    assert [(i["id"], i["status"], i["quota"]) for i in listed(organizer_client)] == [
        (invitation["id"], "draft", invitation["quota"])]


def test_anonymous_callers_get_401(organizer_client, client, edition, orgs):
    invitation = invite(organizer_client, orgs[0]["id"])

    for response in (client.get(INVITATIONS_URL),
                     client.get(f"{INVITATIONS_URL}/{invitation['id']}"),
                     client.post(INVITATIONS_URL, json=invitation_payload(orgs[1]["id"])),
                     client.post(f"{INVITATIONS_URL}/{invitation['id']}/send"),
                     client.post(f"{INVITATIONS_URL}/{invitation['id']}/revoke")):
        assert_problem(response, 401)
    assert [i["status"] for i in listed(organizer_client)] == ["draft"]


def test_focal_point_emails_are_private_contacts(organizer_client, viewer_client, edition,
                                                 orgs):
    invitation = invite(organizer_client, orgs[0]["id"],
                        focal_point_email="private.focal@example.org")

    assert "private.focal@example.org" in organizer_client.get(INVITATIONS_URL).get_data(
        as_text=True)
    for response in (viewer_client.get(INVITATIONS_URL),
                     viewer_client.get(f"{INVITATIONS_URL}/{invitation['id']}")):
        assert response.status_code == 200
        assert "private.focal@example.org" not in response.get_data(as_text=True)
