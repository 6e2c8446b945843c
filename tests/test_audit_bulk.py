"""The audit trail sees the changes that are made set-wise, not object by object:
anonymization's bulk deletes and updates leave one entry per row, and an invitation
that runs past its deadline reads as expired without any read writing it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from _attendance import (
    EDITION_URL,
    INVITATIONS_URL,
    MINIMAL_PDF,
    RSVP_URL,
    SLUG,
    accepted_invitation,
    open_edition,
    organization,
    sent_invitation,
    set_deadline_passed,
    table_rows,
)
from _audit import WriteLog
from _helpers import assert_problem
from _web import browser_for_role

from eventhub.auth.models import Role
from eventhub.invitations.models import Invitation
from eventhub.registrations.models import CredentialDocument, VisaRequest

HIDDEN = "[personal or secret: not recorded]"
PASSPORT = {"passport_number": "AB1234567", "nationality": "TH",
            "date_of_birth": "1980-02-03", "passport_expiry": "2035-01-01"}


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:400])
    return response.json


def audit(admin_client, **filters: Any) -> list[dict[str, Any]]:
    return _ok(admin_client.get("/api/v1/audit", query_string={
        "page_size": 100, **filters}))


@pytest.fixture
def edition(admin_client) -> dict[str, Any]:
    return open_edition(admin_client)


# Anonymization -----------------------------------------------------------------------

def _archived_edition_with_private_data(app, admin_client, client) -> dict[str, Any]:
    """A delegation registered through its link, with a credential and passport details,
    in an edition then closed and archived."""
    org = organization(admin_client, "Ministry of Interior (Audit)")
    invitation, token = accepted_invitation(app, admin_client, client, org["id"])
    view = _ok(client.put(f"{RSVP_URL}/{token}/delegation", json={"members": [
        {"full_name": "Ms. Head Audit", "email": "head@audit.example",
         "role": "head_of_delegation", "needs_visa_letter": True}]}))
    member_id = view["members"][0]["registration_id"]
    _ok(client.put(f"{RSVP_URL}/{token}/members/{member_id}/visa", json=PASSPORT))
    _ok(client.put(f"{RSVP_URL}/{token}/credential", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(MINIMAL_PDF), "note-verbale.pdf")}))
    for status in ("closed", "archived"):
        _ok(admin_client.post(f"{EDITION_URL}/status", json={"status": status}))
    return {"invitation": invitation, "registration_id": member_id}


def test_anonymization_records_every_row_it_deletes_or_clears(app, admin_client, client,
                                                              edition):
    built = _archived_edition_with_private_data(app, admin_client, client)
    visas = table_rows(app, VisaRequest)
    credentials = table_rows(app, CredentialDocument)
    assert len(visas) == 1 and len(credentials) == 1

    with WriteLog(app) as log:
        response = admin_client.post(f"{EDITION_URL}/anonymize")
    counts = _ok(response)
    request_id = response.headers["X-Request-ID"]
    assert counts["visa_requests_removed"] == 1
    assert counts["credentials_removed"] == 1
    assert counts["focal_points_removed"] == 1
    assert table_rows(app, VisaRequest) == [] and table_rows(app, CredentialDocument) == []

    entries = [e for e in audit(admin_client, edition=SLUG) if e["request_id"] == request_id]
    by_table = {(e["table_name"], e["action"], e["object_id"]): e for e in entries}

    visa = by_table[("visa_requests", "delete", str(visas[0]["id"]))]
    assert visa["changes"]["registration_id"] == {"before": built["registration_id"]}
    assert visa["changes"]["passport_number_encrypted"] == {"before": HIDDEN}
    credential = by_table[("credential_documents", "delete", str(credentials[0]["id"]))]
    assert credential["changes"]["content"] == {"before": HIDDEN}
    assert credential["changes"]["sha256"] == {"before": credentials[0]["sha256"]}
    invitation = by_table[("invitations", "update", str(built["invitation"]["id"]))]
    assert invitation["changes"]["focal_point_email"] == {"before": HIDDEN, "after": HIDDEN}
    assert invitation["changes"]["token_digest"] == {"before": HIDDEN, "after": HIDDEN}
    assert "quota" not in invitation["changes"]  # only what the statement changed
    assert {e["edition_id"] for e in entries} == {edition["id"]}
    # Nothing the anonymization wrote escaped the trail, whatever way it was written.
    assert log.unrecorded() == []


def test_a_bulk_statement_that_matches_nothing_records_nothing(app, admin_client, edition):
    for status in ("closed", "archived"):
        _ok(admin_client.post(f"{EDITION_URL}/status", json={"status": status}))
    response = admin_client.post(f"{EDITION_URL}/anonymize")
    _ok(response)
    entries = audit(admin_client, edition=SLUG)
    assert {e["table_name"] for e in entries
            if e["request_id"] == response.headers["X-Request-ID"]} == {"editions"}


# Expiry is read, not written -------------------------------------------------------------

def test_an_invitation_past_its_deadline_reads_expired_everywhere_without_a_write(
        app, admin_client, client, edition):
    org = organization(admin_client, "Ministry of Labour (Expiry)")
    waiting = organization(admin_client, "Ministry of Justice (Expiry)")
    invitation, token = sent_invitation(app, admin_client, org["id"])
    still_open, _ = sent_invitation(app, admin_client, waiting["id"])
    browser = browser_for_role(app, Role.ORGANIZER)
    set_deadline_passed(app, invitation["id"])
    url = f"{INVITATIONS_URL}/{invitation['id']}"

    with WriteLog(app) as log:
        assert _ok(admin_client.get(url))["status"] == "expired"
        listed = {i["id"]: i["status"] for i in _ok(admin_client.get(INVITATIONS_URL))}
        assert listed == {invitation["id"]: "expired", still_open["id"]: "sent"}
        assert [i["id"] for i in _ok(admin_client.get(f"{INVITATIONS_URL}?status=expired"))
                ] == [invitation["id"]]
        assert [i["id"] for i in _ok(admin_client.get(f"{INVITATIONS_URL}?status=sent"))
                ] == [still_open["id"]]
        assert_problem(client.get(f"{RSVP_URL}/{token}"), 410)
        page = browser.get(f"/manage/{SLUG}/invitations?status=expired")
        assert page.status == 200
        listing = page.soup.find("table")  # the invitations; the mail log comes after
        rows = [" ".join(tr.get_text(" ").split()) for tr in listing.select("tbody tr")]
        assert len(rows) == 1 and "Ministry of Labour (Expiry)" in rows[0], rows
        assert "expired" in rows[0].lower()
        assert browser.get(f"/manage/{SLUG}/").status == 200
        assert browser.get(f"/rsvp/{token}").status == 410

    assert [f"{w.method} {w.sql[:60]}" for w in log.committed
            if w.method == "GET" and w.table == "invitations" and w.rows] == []
    # The stored row still says sent: expiry is computed from the deadline on each read.
    row = next(r for r in table_rows(app, Invitation) if r["id"] == invitation["id"])
    assert row["status"] == "sent"
    # Expired is final all the same: no resend, no revoke, no answer.
    assert admin_client.post(f"{url}/send").status_code in (409, 422)
    assert_problem(admin_client.post(f"{url}/revoke"), 409)
    assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 410)
    assert _ok(admin_client.get(url))["status"] == "expired"


# Orphans ---------------------------------------------------------------------------------

def test_erasing_passport_details_records_the_deleted_row(app, admin_client, edition):
    """The row goes by delete-orphan (the registration lets go of it), which the flush
    deletes without listing it in session.deleted."""
    registration = _ok(admin_client.post(f"{EDITION_URL}/registrations", json={
        "full_name": "Mr. Orphan Visa", "email": "orphan@audit.example", "role": "delegate",
        "needs_visa_letter": True}), 201)
    url = f"{EDITION_URL}/registrations/{registration['id']}/visa"
    _ok(admin_client.put(url, json=PASSPORT))
    [visa] = table_rows(app, VisaRequest)

    response = admin_client.delete(url)
    assert response.status_code == 204
    entries = [e for e in audit(admin_client, table="visa_requests", action="delete")
               if e["request_id"] == response.headers["X-Request-ID"]]
    assert [e["object_id"] for e in entries] == [str(visa["id"])]
    assert entries[0]["changes"]["passport_number_encrypted"] == {"before": HIDDEN}


# Other shapes of bulk statement ------------------------------------------------------------

def test_core_and_by_primary_key_bulk_statements_are_recorded(app, admin_client):
    """Statements the app does not issue today, so that one added later is covered: a
    Core UPDATE on the table, an ORM UPDATE by primary key, an ORM DELETE."""
    import sqlalchemy as sa

    from eventhub.directory.models import Organization
    from eventhub.extensions import db

    ids = [organization(admin_client, f"Bulk Ministry {n}")["id"] for n in range(3)]
    with app.app_context():
        table = Organization.__table__
        db.session.execute(sa.update(table).where(table.c.id.in_(ids[:2]))
                           .values(website="https://bulk.example"))
        db.session.execute(sa.update(Organization), [{"id": ids[2], "acronym": "BM3"}])
        db.session.execute(sa.delete(Organization).where(Organization.id == ids[0]))
        db.session.commit()
    entries = audit(admin_client, table="organizations")
    system = {(e["action"], e["object_id"]): e["changes"] for e in entries
              if e["actor_label"] == "system"}
    for changed in ids[:2]:
        assert system[("update", str(changed))]["website"] == {
            "before": None, "after": "https://bulk.example"}
    assert system[("update", str(ids[2]))]["acronym"] == {"before": None, "after": "BM3"}
    assert "website" not in system[("update", str(ids[2]))]
    deleted = system[("delete", str(ids[0]))]
    assert deleted["name"] == {"before": "Bulk Ministry 0"}
    assert deleted["website"] == {"before": "https://bulk.example"}
