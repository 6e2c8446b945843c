"""Every write route leaves an audit entry: a walk over app.url_map. And every write
the database receives during the walk, however issued, has its entries.

For each API route and write method there is a case below that makes one successful
write through it (setting up what the write needs first, through the API), and the walk
asserts that the audit trail gained an entry carrying that request's id. A write route
without a case fails the walk, so a route added later cannot escape the trail; routes
whose success writes nothing that is audited would be listed in NOTHING_AUDITED with the
reason (none is today).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from _archive import export_text
from _attendance import MINIMAL_PDF, in_days, set_deadline_passed, token_of
from _audit import WriteLog
from _statements import CONTENT
from conftest import PASSWORD, client_for_role, make_user
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session
from test_route_walk import WRITE_METHODS

from eventhub.audit import recorder
from eventhub.audit.models import AuditEntry
from eventhub.auth.models import Role
from eventhub.extensions import db

SLUG = "walk-2031"
ED = f"/api/v1/editions/{SLUG}"
VISA = {"passport_number": "E7654321", "nationality": "AO", "date_of_birth": "1970-01-01",
        "passport_expiry": "2034-01-01"}

# (endpoint, method) -> why a successful call writes nothing that the trail records.
NOTHING_AUDITED: dict[tuple[str, str], str] = {}


@dataclass
class World:
    """An open edition with the rows the writes need; each case adds what it uses."""

    app: Flask
    admin: Any
    anonymous: Any
    counter: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def ok(self, response, status: int | tuple[int, ...] = (200, 201)) -> Any:
        expected = status if isinstance(status, tuple) else (status,)
        assert response.status_code in expected, (
            response.status_code, response.get_data(as_text=True)[:400])
        return response.json if response.get_data() else None

    # Builders (each through the API) ---------------------------------------------------

    def organization(self) -> int:
        return self.ok(self.admin.post("/api/v1/organizations", json={
            "name": self.unique("Walk Ministry"), "kind": "national_authority",
            "country_code": "TH"}))["id"]

    def person(self) -> int:
        return self.ok(self.admin.post("/api/v1/people", json={
            "full_name": self.unique("Walk Person"),
            "organization_id": self.ids["organization"]}))["id"]

    def registration(self, **fields: Any) -> dict[str, Any]:
        name = self.unique("walker")
        return self.ok(self.admin.post(f"{ED}/registrations", json={
            "full_name": name, "email": f"{name}@walk.example", "role": "delegate",
            **fields}))

    def item(self, **fields: Any) -> int:
        return self.ok(self.admin.post(f"{ED}/programme/items", json={
            "kind": "plenary", "title": self.unique("Session"), **fields}))["id"]

    def speech(self, item_id: int) -> int:
        return self.ok(self.admin.post(f"{ED}/programme/items/{item_id}/speeches", json={
            "person_id": self.person(), "role": "speech"}))["id"]

    def invitation(self) -> dict[str, Any]:
        organization_id = self.organization()
        return self.ok(self.admin.post(f"{ED}/invitations", json={
            "organization_id": organization_id, "focal_point_name": "Ms. Walk Focal",
            "focal_point_email": f"{self.unique('focal')}@walk.example", "quota": 3,
            "deadline": in_days(30)}))

    def sent_invitation(self) -> tuple[dict[str, Any], str]:
        invitation = self.invitation()
        self.ok(self.admin.post(f"{ED}/invitations/{invitation['id']}/send"))
        return invitation, token_of(self.app, invitation["id"])

    def accepted_invitation(self) -> str:
        _, token = self.sent_invitation()
        self.ok(self.anonymous.post(f"/api/v1/rsvp/{token}/accept"))
        return token

    def delegation(self) -> tuple[str, int, int]:
        """An accepted invitation's delegation of one head; returns the link token, the
        delegation's id and the head's registration id."""
        token = self.accepted_invitation()
        name = self.unique("head")
        view = self.ok(self.anonymous.put(f"/api/v1/rsvp/{token}/delegation", json={
            "members": [{"full_name": name, "email": f"{name}@walk.example",
                         "role": "head_of_delegation", "needs_visa_letter": True}]}))
        # The newest delegation of the edition is this one.
        delegation_id = max(d["id"] for d in self.ok(self.admin.get(f"{ED}/delegations")))
        return token, delegation_id, view["members"][0]["registration_id"]

    def credential(self, token: str) -> None:
        self.ok(self.anonymous.put(
            f"/api/v1/rsvp/{token}/credential", content_type="multipart/form-data",
            data={"file": (io.BytesIO(MINIMAL_PDF), "note-verbale.pdf")}))

    def statement(self) -> tuple[int, str]:
        response = self.admin.post(f"{ED}/statements", json={
            "kind": "chairs_statement", "language": "en", "content": CONTENT})
        body = self.ok(response, 201)
        return body["id"], response.headers["ETag"]

    def current(self, statement_id: int) -> tuple[dict[str, Any], str]:
        response = self.admin.get(f"{ED}/statements/{statement_id}")
        return self.ok(response, 200), response.headers["ETag"]

    def statement_status(self, statement_id: int, *statuses: str) -> None:
        for status in statuses:
            _, tag = self.current(statement_id)
            body: dict = {"status": status}
            if status == "published":
                # The walk's texts are not true to the record; publishing them anyway is
                # the confirmed path (recorded with the revision).
                body["confirm"] = {"mismatches": True, "lower_coverage": True,
                                   "reason": "audit walk"}
            self.ok(self.admin.post(f"{ED}/statements/{statement_id}/status",
                                    json=body, headers={"If-Match": tag}))

    def edition(self, *statuses: str) -> str:
        slug = self.unique("walk-edition")
        self.ok(self.admin.post("/api/v1/editions", json={
            "series": "walk", "ordinal": 100 + self.counter, "slug": slug,
            "title": f"Edition {slug}", "time_zone": "UTC", "start_date": "2031-05-01",
            "end_date": "2031-05-02"}))
        for status in statuses:
            self.ok(self.admin.post(f"/api/v1/editions/{slug}/status",
                                    json={"status": status}))
        return slug


Case = Callable[[World], Any]


def _statement_then(path: str, method: str = "POST", body: Any = None,
                    *, status: tuple[str, ...] = ()) -> Case:
    def case(w: World):
        sid, _ = w.statement()
        w.statement_status(sid, *status)
        _, tag = w.current(sid)
        return w.admin.open(f"{ED}/statements/{sid}{path}", method=method,
                            json=body(w, sid) if callable(body) else body,
                            headers={"If-Match": tag})
    return case


def _section_key(w: World, sid: int) -> str:
    return w.current(sid)[0]["sections"][0]["key"]


def _comment(w: World) -> Any:
    sid, _ = w.statement()
    comment = w.ok(w.admin.post(f"{ED}/statements/{sid}/comments", json={
        "section_key": _section_key(w, sid), "body": "Please check."}))
    return w.admin.post(f"{ED}/statements/{sid}/comments/{comment['id']}/resolve")


def _suggestion(decision: str) -> Case:
    def case(w: World):
        sid, _ = w.statement()
        suggestion = w.ok(w.admin.post(f"{ED}/statements/{sid}/suggestions", json={
            "section_key": _section_key(w, sid), "paragraph_index": 0,
            "proposed_text": "Shorter."}))
        return w.admin.post(
            f"{ED}/statements/{sid}/suggestions/{suggestion['id']}/{decision}")
    return case


def _section_edit(w: World) -> Any:
    sid, tag = w.statement()
    return w.admin.put(f"{ED}/statements/{sid}/sections/{_section_key(w, sid)}",
                       json={"paragraphs": ["Rewritten."]}, headers={"If-Match": tag})


def _restore(w: World) -> Any:
    sid, tag = w.statement()
    key = _section_key(w, sid)
    w.ok(w.admin.put(f"{ED}/statements/{sid}/sections/{key}",
                     json={"paragraphs": ["Rewritten."]}, headers={"If-Match": tag}))
    _, tag = w.current(sid)
    return w.admin.post(f"{ED}/statements/{sid}/revisions/1/restore",
                        headers={"If-Match": tag})


def _correction(w: World) -> Any:
    sid, _ = w.statement()
    w.statement_status(sid, "in_review", "approved", "published")
    body, tag = w.current(sid)
    sections = [{"key": s["key"], "paragraphs": s["paragraphs"]} for s in body["sections"]]
    sections[0]["paragraphs"] = ["Corrected."]
    return w.admin.post(f"{ED}/statements/{sid}/corrections",
                        json={"note": "Typo", "sections": sections},
                        headers={"If-Match": tag})


def _import_bundle(w: World) -> Any:
    slug = w.edition()
    bundle = export_text(w.app, slug, include_personal=True)
    w.ok(w.admin.delete(f"/api/v1/editions/{slug}"), 204)
    return w.admin.post("/api/v1/archive/import", data=bundle,
                        content_type="application/json")


def _anonymize(w: World) -> Any:
    """An archived edition with everything anonymization removes or clears: a focal
    point, a delegation with passport details and a credential file, a walk-in's needs."""
    slug = w.edition("open")
    url = f"/api/v1/editions/{slug}"
    invitation = w.ok(w.admin.post(f"{url}/invitations", json={
        "organization_id": w.organization(), "focal_point_name": "Mr. Anon Focal",
        "focal_point_email": f"{w.unique('anon')}@walk.example", "quota": 2,
        "deadline": in_days(30)}))
    w.ok(w.admin.post(f"{url}/invitations/{invitation['id']}/send"))
    token = token_of(w.app, invitation["id"])
    w.ok(w.anonymous.post(f"/api/v1/rsvp/{token}/accept"))
    view = w.ok(w.anonymous.put(f"/api/v1/rsvp/{token}/delegation", json={"members": [
        {"full_name": w.unique("Anon Head"), "email": f"{w.unique('h')}@walk.example",
         "role": "head_of_delegation", "needs_visa_letter": True}]}))
    member = view["members"][0]["registration_id"]
    w.ok(w.anonymous.put(f"/api/v1/rsvp/{token}/members/{member}/visa", json=VISA))
    w.ok(w.anonymous.put(f"/api/v1/rsvp/{token}/credential",
                         content_type="multipart/form-data",
                         data={"file": (io.BytesIO(MINIMAL_PDF), "note-verbale.pdf")}))
    name = w.unique("anon-walker")
    w.ok(w.admin.post(f"{url}/registrations", json={
        "full_name": name, "email": f"{name}@walk.example", "role": "delegate",
        "dietary": "Vegan"}))
    for status in ("closed", "archived"):
        w.ok(w.admin.post(f"{url}/status", json={"status": status}))
    return w.admin.post(f"{url}/anonymize")


def _sign_out(w: World) -> Any:
    other = client_for_role(w.app, Role.VIEWER)
    return other.delete("/api/v1/auth/token")


def _change_own_password(w: World) -> Any:
    other = client_for_role(w.app, Role.VIEWER)
    return other.put("/api/v1/auth/me/password", json={
        "current_password": PASSWORD, "new_password": "another long passphrase"})


def _sign_in(w: World) -> Any:
    email = make_user(w.app, Role.VIEWER)
    return w.anonymous.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})


def _check_in(w: World) -> Any:
    badge = w.registration()["badge_code"]
    return w.admin.post(f"{ED}/check-in", json={"badge_code": badge})


def _credential_review(w: World) -> Any:
    token, delegation_id, _ = w.delegation()
    w.credential(token)
    return w.admin.post(f"{ED}/delegations/{delegation_id}/credential/review",
                        json={"decision": "accepted"})


def _waitlisted(w: World) -> int:
    """A registration on the waiting list (the edition has no seat left for it)."""
    w.ok(w.admin.patch(ED, json={"capacity": 0}))
    try:
        registration = w.registration()
    finally:
        w.ok(w.admin.patch(ED, json={"capacity": None}))
    assert registration["status"] == "waitlisted"
    return registration["id"]


def _visa_registration(w: World) -> int:
    registration_id = w.registration(needs_visa_letter=True)["id"]
    w.ok(w.admin.put(f"{ED}/registrations/{registration_id}/visa", json=VISA))
    return registration_id


def _registration_import(w: World) -> Any:
    name = w.unique("imported")
    csv = f"full_name,email,role\n{name},{name}@walk.example,delegate\n".encode()
    return w.admin.post(f"{ED}/registrations/import", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(csv), "roster.csv")})


def _member_visa(w: World) -> Any:
    token, _, registration_id = w.delegation()
    return w.anonymous.put(f"/api/v1/rsvp/{token}/members/{registration_id}/visa", json=VISA)


def _delegation_signup(w: World) -> Any:
    token, _, registration_id = w.delegation()
    item_id = w.item(kind="breakout_session", capacity=10)
    return w.anonymous.post(f"/api/v1/rsvp/{token}/sessions/{item_id}",
                            json={"registration_id": registration_id})


def _delegation_signup_removal(w: World) -> Any:
    token, _, registration_id = w.delegation()
    item_id = w.item(kind="breakout_session", capacity=10)
    w.ok(w.anonymous.post(f"/api/v1/rsvp/{token}/sessions/{item_id}",
                          json={"registration_id": registration_id}))
    return w.anonymous.delete(f"/api/v1/rsvp/{token}/sessions/{item_id}/{registration_id}")


def _protocol_order(w: World) -> Any:
    item_id = w.item()
    for _ in range(2):
        w.speech(item_id)
    return w.admin.post(f"{ED}/programme/items/{item_id}/protocol-order")


def _signup_removal(w: World) -> Any:
    item_id = w.item(kind="breakout_session", capacity=10)
    registration_id = w.registration()["id"]
    w.ok(w.admin.post(f"{ED}/programme/items/{item_id}/signups",
                      json={"registration_id": registration_id}))
    return w.admin.delete(f"{ED}/programme/items/{item_id}/signups/{registration_id}")


def _exhibitor(w: World) -> int:
    return w.ok(w.admin.post(f"{ED}/exhibitors", json={
        "organization_id": w.organization(), "stand": "A1"}))["id"]


def _figure(w: World) -> str:
    key = w.unique("figure").replace("-", "_")
    w.ok(w.admin.post(f"{ED}/figures", json={"key": key, "value": 3, "unit": "things"}))
    return key


def _participant(w: World) -> int:
    organization_id = w.organization()
    w.ok(w.admin.post(f"{ED}/participants", json={"organization_id": organization_id,
                                                  "role": "observer"}))
    return organization_id


def _user(w: World) -> int:
    return w.ok(w.admin.post("/api/v1/users", json={
        "email": f"{w.unique('user')}@walk.example", "name": "Walk User", "role": "viewer",
        "password": PASSWORD}))["id"]


CASES: dict[tuple[str, str], Case] = {
    # Accounts and tokens.
    ("auth.Token", "POST"): _sign_in,
    ("auth.Token", "DELETE"): _sign_out,
    ("auth.MyPassword", "PUT"): _change_own_password,
    ("auth.Me", "PATCH"): lambda w: client_for_role(w.app, Role.VIEWER).patch(
        "/api/v1/auth/me", json={"language": "zh"}),
    ("users.Users", "POST"): lambda w: w.admin.post("/api/v1/users", json={
        "email": f"{w.unique('user')}@walk.example", "name": "Walk User", "role": "viewer",
        "password": PASSWORD}),
    ("users.UserDetail", "PATCH"): lambda w: w.admin.patch(
        f"/api/v1/users/{_user(w)}", json={"name": "Renamed User"}),
    # Directory.
    ("directory.Organizations", "POST"): lambda w: w.admin.post(
        "/api/v1/organizations", json={"name": w.unique("Org"), "kind": "national_authority",
                                       "country_code": "TH"}),
    ("directory.OrganizationDetail", "PATCH"): lambda w: w.admin.patch(
        f"/api/v1/organizations/{w.organization()}", json={"name": w.unique("Renamed")}),
    ("directory.OrganizationDetail", "DELETE"): lambda w: w.admin.delete(
        f"/api/v1/organizations/{w.organization()}"),
    ("directory.People", "POST"): lambda w: w.admin.post(
        "/api/v1/people", json={"full_name": w.unique("Someone")}),
    ("directory.PersonDetail", "PATCH"): lambda w: w.admin.patch(
        f"/api/v1/people/{w.person()}", json={"position": "Director"}),
    ("directory.PersonDetail", "DELETE"): lambda w: w.admin.delete(
        f"/api/v1/people/{w.person()}"),
    ("directory.OrganizationMerge", "POST"): lambda w: w.admin.post(
        f"/api/v1/organizations/{w.organization()}/merge",
        json={"duplicate_id": w.organization()}),
    ("directory.PersonMerge", "POST"): lambda w: w.admin.post(
        f"/api/v1/people/{w.person()}/merge", json={"duplicate_id": w.person()}),
    # Series, editions, figures, participants.
    ("editions.SeriesCollection", "POST"): lambda w: w.admin.post(
        "/api/v1/series", json={"slug": w.unique("series"), "name": "Another series"}),
    ("editions.SeriesDetail", "PATCH"): lambda w: w.admin.patch(
        "/api/v1/series/walk", json={"name": w.unique("Walk series")}),
    ("editions.Editions", "POST"): lambda w: w.admin.post("/api/v1/editions", json={
        "series": "walk", "ordinal": 500 + w.counter, "slug": w.unique("new-edition"),
        "title": "New", "time_zone": "UTC", "start_date": "2032-01-01",
        "end_date": "2032-01-02"}),
    ("editions.EditionDetail", "PATCH"): lambda w: w.admin.patch(
        ED, json={"theme": w.unique("Theme")}),
    ("editions.EditionDetail", "DELETE"): lambda w: w.admin.delete(
        f"/api/v1/editions/{w.edition()}"),
    ("editions.EditionStatusChange", "POST"): lambda w: w.admin.post(
        f"/api/v1/editions/{w.edition()}/status", json={"status": "open"}),
    ("editions.Figures", "POST"): lambda w: w.admin.post(f"{ED}/figures", json={
        "key": w.unique("count").replace("-", "_"), "value": 5, "unit": "delegations"}),
    ("editions.FigureDetail", "PATCH"): lambda w: w.admin.patch(
        f"{ED}/figures/{_figure(w)}", json={"value": 301}),
    ("editions.FigureDetail", "DELETE"): lambda w: w.admin.delete(
        f"{ED}/figures/{_figure(w)}"),
    ("editions.Participants", "POST"): lambda w: w.admin.post(f"{ED}/participants", json={
        "organization_id": w.organization(), "role": "observer"}),
    ("editions.ParticipantDetail", "DELETE"): lambda w: w.admin.delete(
        f"{ED}/participants/{_participant(w)}"),
    # The archive.
    ("archive.NextEdition", "POST"): lambda w: w.admin.post(f"{ED}/next", json={
        "slug": w.unique("next"), "title": "Next", "start_date": "2032-05-01",
        "end_date": "2032-05-02"}),
    ("archive.Anonymize", "POST"): _anonymize,
    ("archive.Import", "POST"): _import_bundle,
    # Programme.
    ("programme.Items", "POST"): lambda w: w.admin.post(f"{ED}/programme/items", json={
        "kind": "side_event", "title": "Late addition"}),
    ("programme.ItemDetail", "PATCH"): lambda w: w.admin.patch(
        f"{ED}/programme/items/{w.item()}", json={"room": "Hall B"}),
    ("programme.ItemDetail", "DELETE"): lambda w: w.admin.delete(
        f"{ED}/programme/items/{w.item()}"),
    ("programme.ItemCancel", "POST"): lambda w: w.admin.post(
        f"{ED}/programme/items/{w.item()}/cancel", json={"cancelled": True}),
    ("programme.ProtocolOrder", "POST"): _protocol_order,
    ("programme.Speeches", "POST"): lambda w: w.admin.post(
        f"{ED}/programme/items/{w.item()}/speeches", json={"person_id": w.person(),
                                                           "role": "speech"}),
    ("programme.SpeechDetail", "PATCH"): lambda w: (
        lambda item_id: w.admin.patch(
            f"{ED}/programme/items/{item_id}/speeches/{w.speech(item_id)}",
            json={"talk_title": "A new title"}))(w.item()),
    ("programme.SpeechDetail", "DELETE"): lambda w: (
        lambda item_id: w.admin.delete(
            f"{ED}/programme/items/{item_id}/speeches/{w.speech(item_id)}"))(w.item()),
    ("programme.Signups", "POST"): lambda w: w.admin.post(
        f"{ED}/programme/items/{w.item(kind='breakout_session', capacity=10)}/signups",
        json={"registration_id": w.registration()["id"]}),
    ("programme.SignupDetail", "DELETE"): _signup_removal,
    ("programme.Versions", "POST"): lambda w: (w.item(), w.admin.post(
        f"{ED}/programme/versions", json={"note": w.unique("Version")}))[1],
    ("programme.Exhibitors", "POST"): lambda w: w.admin.post(f"{ED}/exhibitors", json={
        "organization_id": w.organization()}),
    ("programme.ExhibitorDetail", "PATCH"): lambda w: w.admin.patch(
        f"{ED}/exhibitors/{_exhibitor(w)}", json={"stand": "B2"}),
    ("programme.ExhibitorDetail", "DELETE"): lambda w: w.admin.delete(
        f"{ED}/exhibitors/{_exhibitor(w)}"),
    # Invitations and the focal point's link.
    ("invitations.Invitations", "POST"): lambda w: w.admin.post(f"{ED}/invitations", json={
        "organization_id": w.organization(), "focal_point_name": "Ms. New",
        "focal_point_email": "new@walk.example", "quota": 2, "deadline": in_days(30)}),
    ("invitations.BulkInvitations", "POST"): lambda w: w.admin.post(
        f"{ED}/invitations/bulk", json={
            "defaults": {"quota": 2, "deadline": in_days(30)},
            "invitations": [{"organization_id": w.organization(),
                             "focal_point_name": "Ms. Bulk",
                             "focal_point_email": "bulk@walk.example"}]}),
    ("invitations.InvitationDetail", "PATCH"): lambda w: w.admin.patch(
        f"{ED}/invitations/{w.invitation()['id']}", json={"quota": 4}),
    ("invitations.SendInvitation", "POST"): lambda w: w.admin.post(
        f"{ED}/invitations/{w.invitation()['id']}/send"),
    ("invitations.SendDrafts", "POST"): lambda w: (w.invitation(), w.admin.post(
        f"{ED}/invitations/send-drafts"))[1],
    ("invitations.RevokeInvitation", "POST"): lambda w: w.admin.post(
        f"{ED}/invitations/{w.sent_invitation()[0]['id']}/revoke"),
    ("rsvp.Accept", "POST"): lambda w: w.anonymous.post(
        f"/api/v1/rsvp/{w.sent_invitation()[1]}/accept"),
    ("rsvp.Decline", "POST"): lambda w: w.anonymous.post(
        f"/api/v1/rsvp/{w.sent_invitation()[1]}/decline"),
    ("rsvp.FocalPointDelegation", "PUT"): lambda w: w.anonymous.put(
        f"/api/v1/rsvp/{w.accepted_invitation()}/delegation", json={"members": [
            {"full_name": "Walk Head", "email": f"{w.unique('h')}@walk.example",
             "role": "head_of_delegation"}]}),
    ("rsvp.FocalPointCredential", "PUT"): lambda w: w.anonymous.put(
        f"/api/v1/rsvp/{w.delegation()[0]}/credential", content_type="multipart/form-data",
        data={"file": (io.BytesIO(MINIMAL_PDF), "note-verbale.pdf")}),
    ("visa.FocalPointVisa", "PUT"): _member_visa,
    ("programme.DelegationSignup", "POST"): _delegation_signup,
    ("programme.DelegationSignupDetail", "DELETE"): _delegation_signup_removal,
    # Registrations.
    ("registrations.Registrations", "POST"): lambda w: w.admin.post(
        f"{ED}/registrations", json={"full_name": "Walk In", "role": "delegate",
                                     "email": f"{w.unique('in')}@walk.example"}),
    ("registrations.RegistrationCancel", "POST"): lambda w: w.admin.post(
        f"{ED}/registrations/{w.registration()['id']}/cancel"),
    ("registrations.RegistrationConfirm", "POST"): lambda w: w.admin.post(
        f"{ED}/registrations/{_waitlisted(w)}/confirm"),
    ("registrations.RegistrationReject", "POST"): lambda w: w.admin.post(
        f"{ED}/registrations/{_waitlisted(w)}/reject"),
    ("registrations.CheckIn", "POST"): _check_in,
    ("registrations.CredentialReview", "POST"): _credential_review,
    ("spreadsheets.RegistrationImport", "POST"): _registration_import,
    ("visa.VisaRequestDetail", "PUT"): lambda w: w.admin.put(
        f"{ED}/registrations/{w.registration(needs_visa_letter=True)['id']}/visa", json=VISA),
    ("visa.VisaRequestDetail", "DELETE"): lambda w: w.admin.delete(
        f"{ED}/registrations/{_visa_registration(w)}/visa"),
    ("visa.VisaLetter", "POST"): lambda w: w.admin.post(
        f"{ED}/registrations/{_visa_registration(w)}/visa/letter"),
    # Statements.
    ("statements.Statements", "POST"): lambda w: w.admin.post(f"{ED}/statements", json={
        "kind": "summary", "language": "en", "content": CONTENT}),
    ("statement_tools.DraftFromRecord", "POST"): lambda w: w.admin.post(
        f"{ED}/statements/draft-from-record", json={"language": "en"}),
    ("statements.StatementDetail", "PATCH"): _statement_then(
        "", "PATCH", {"title": "Another title"}),
    ("statements.Approver", "PUT"): _statement_then(
        "/approver", "PUT", lambda w, sid: {"approver_id": w.admin.get(
            "/api/v1/auth/me").json["id"]}),
    ("statements.Sections", "POST"): _statement_then(
        "/sections", "POST", {"paragraphs": ["A new section."]}),
    ("statements.SectionDetail", "PUT"): _section_edit,
    ("statements.Status", "POST"): _statement_then(
        "/status", "POST", {"status": "in_review"}),
    ("statements.Languages", "POST"): _statement_then(
        "/languages", "POST", {"language": "zh"}),
    ("statements.Comments", "POST"): _statement_then(
        "/comments", "POST", lambda w, sid: {"section_key": _section_key(w, sid),
                                             "body": "One more remark."}),
    ("statements.ResolveComment", "POST"): _comment,
    ("statements.Suggestions", "POST"): _statement_then(
        "/suggestions", "POST", lambda w, sid: {"section_key": _section_key(w, sid),
                                                "paragraph_index": 0,
                                                "proposed_text": "Shorter."}),
    ("statements.AcceptSuggestion", "POST"): _suggestion("accept"),
    ("statements.RejectSuggestion", "POST"): _suggestion("reject"),
    ("statements.Restore", "POST"): _restore,
    ("statements.Corrections", "POST"): _correction,
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str

    def __str__(self) -> str:
        return f"{self.method} {self.rule} ({self.endpoint})"


def api_write_routes(app: Flask) -> list[Route]:
    return sorted((Route(rule.endpoint, method, rule.rule)
                   for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
                   for method in rule.methods & WRITE_METHODS),
                  key=lambda r: (r.rule, r.method))


def entries_of_request(app: Flask, request_id: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.request_id == request_id)))


@pytest.fixture
def world(app, admin_client, client) -> World:
    w = World(app=app, admin=admin_client, anonymous=client)
    w.ok(w.admin.post("/api/v1/series", json={"slug": "walk", "name": "Walk"}))
    w.ok(w.admin.post("/api/v1/editions", json={
        "series": "walk", "ordinal": 1, "slug": SLUG, "title": "Walk 2031",
        "time_zone": "UTC", "start_date": "2031-06-10", "end_date": "2031-06-11"}))
    w.ok(w.admin.post(f"{ED}/status", json={"status": "open"}))
    w.ids["organization"] = w.organization()
    return w


def test_every_write_route_has_a_case_or_a_reason(app):
    routes = {(r.endpoint, r.method) for r in api_write_routes(app)}
    assert len(routes) >= 70
    missing = sorted(str(r) for r in api_write_routes(app)
                     if (r.endpoint, r.method) not in CASES
                     and (r.endpoint, r.method) not in NOTHING_AUDITED)
    assert missing == [], f"write routes without an audit case: {missing}"
    stale = sorted(set(CASES) - routes) + sorted(set(NOTHING_AUDITED) - routes)
    assert stale == [], f"cases for routes that no longer exist: {stale}"
    assert not set(CASES) & set(NOTHING_AUDITED)


def _walk(app: Flask, world: World) -> list[str]:
    failures = []
    for route in api_write_routes(app):
        case = CASES.get((route.endpoint, route.method))
        if case is None:
            continue  # NOTHING_AUDITED (or missing: the test above fails)
        try:
            response = case(world)
        except AssertionError as error:  # its setup failed
            failures.append(f"{route}: setting up failed: {error}")
            continue
        if not 200 <= response.status_code < 300:
            failures.append(f"{route}: the write failed with {response.status_code} "
                            f"{response.get_data(as_text=True)[:300]}")
            continue
        request_id = response.headers["X-Request-ID"]
        found = entries_of_request(app, request_id)
        if not found:
            failures.append(f"{route}: {response.status_code} but no audit entry")
            continue
        actions = {entry.action for entry in found}
        if not actions <= {"insert", "update", "delete"}:
            failures.append(f"{route}: unexpected audit actions {actions}")
    return failures


def _read_expired_invitation(w: World) -> None:
    """An invitation runs past its deadline; every read shows it expired."""
    invitation, token = w.sent_invitation()
    set_deadline_passed(w.app, invitation["id"])
    assert w.ok(w.admin.get(f"{ED}/invitations/{invitation['id']}"))["status"] == "expired"
    assert invitation["id"] in {i["id"] for i in w.ok(w.admin.get(
        f"{ED}/invitations?status=expired&page_size=100"))}
    assert w.anonymous.get(f"/api/v1/rsvp/{token}").status_code == 410


def test_every_successful_write_leaves_an_audit_entry(app, world):
    """Each write route's case leaves an entry; and, counted from the SQL the database
    received during the whole walk (setup and reads included), every INSERT, UPDATE and
    DELETE on an audited table has as many entries as it changed rows, however it was
    issued (flush, bulk statement, Core), and no read (GET) writes anything."""
    with WriteLog(app) as log:
        failures = _walk(app, world)
        _read_expired_invitation(world)
    assert not failures, "\n".join(failures)
    assert log.unrecorded() == []
    assert [f"{w.request_id}: {w.sql[:80]}" for w in log.writes_during("GET")] == []
    written = log.rows_written()
    # The walk did exercise the bulk paths: anonymization deletes and clears rows.
    for table, action in (("visa_requests", "delete"), ("credential_documents", "delete"),
                          ("invitations", "update")):
        assert any(t == table and a == action for _, t, a in written), (table, action)


def test_the_write_log_catches_a_bulk_statement_the_trail_misses(app, world):
    """Control: with the recorder's bulk hook switched off, the anonymization case's
    bulk deletes and updates are caught as unrecorded."""
    with WriteLog(app) as log:
        event.remove(Session, "do_orm_execute", recorder._record_bulk)
        try:
            world.ok(CASES[("archive.Anonymize", "POST")](world))
        finally:
            recorder.install()
    missing = log.unrecorded()
    assert any("visa_requests" in line for line in missing), missing
    assert any("credential_documents" in line for line in missing), missing
    assert any("invitations" in line for line in missing), missing


def test_the_walk_names_who_wrote(app, world, admin_client):
    admin = admin_client.get("/api/v1/auth/me").json
    response = CASES[("editions.EditionDetail", "PATCH")](world)
    found = entries_of_request(app, response.headers["X-Request-ID"])
    assert found and {entry.actor_user_id for entry in found} == {admin["id"]}
    assert all(entry.at <= dt.datetime.now(dt.UTC) for entry in found)
