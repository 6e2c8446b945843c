"""An archived edition is read-only: every write route of the URL map that works under an
edition (its rule has <slug>) refuses with 409 problem+json on the archived 2024 edition,
and nothing in the database changes.

The walk is derived from app.url_map, so a write route added later is walked too. Ids in
the URLs are real: the seeded record's programme items, speeches, statement, figure and
participants, plus the rows an edition normally holds before it is archived (invitations,
a delegation with its credential, registrations with a visa request and a session
sign-up, an exhibitor, a statement comment and suggestion), written straight to the
database because the API rightly allows no such write any more. Each request carries a
body that would pass validation, so what answers is the service, not the parser.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from _archive import (
    database_state,
    differences,
    export_text,
    row_counts,
    without_export_time,
)
from _helpers import PROBLEM_MIME
from flask import Flask, url_for

from eventhub.extensions import db

SLUG = "2024-suzhou"
EDITION_URL = f"/api/v1/editions/{SLUG}"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

# Routes whose rule has <slug> but that are no write *to* the archived edition, each
# with its reason; each is covered by a test of its own.
NOT_WRITES_TO_THE_EDITION = {
    ("editions.SeriesDetail", "PATCH"): "<slug> is a series slug there",
    ("archive.NextEdition", "POST"): "creates a new draft edition from the archived one",
    ("archive.Anonymize", "POST"): "the retention rule: removes the archived edition's "
                                   "private data (tests/test_retention.py)",
    ("visa.VisaRequestDetail", "DELETE"): "erasing passport details on request, deliberately "
                                          "allowed on archived editions (visa.erase): "
                                          "personal data, not the record; see below",
}

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


@dataclass
class Archive:
    """Ids of real rows of the archived edition, by URL argument."""

    ids: dict[str, int | str]
    pending_registration_id: int
    token: str
    etag: str
    section_key: str
    paragraph: str


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str

    def __str__(self) -> str:
        return f"{self.method} {self.rule} ({self.endpoint})"


def edition_write_routes(app: Flask) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "<slug>" not in rule.rule or not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & WRITE_METHODS):
            routes.append(Route(rule.endpoint, method, rule.rule))
    return sorted(routes, key=lambda r: (r.rule, r.method))


def token_write_routes(app: Flask) -> list[Route]:
    return sorted((Route(rule.endpoint, method, rule.rule)
                   for rule in app.url_map.iter_rules()
                   if "<token>" in rule.rule and rule.rule.startswith("/api/")
                   for method in rule.methods & WRITE_METHODS),
                  key=lambda r: (r.rule, r.method))


# The archived edition, furnished ---------------------------------------------------------

def furnish(app: Flask, admin_client) -> Archive:
    """Give the seeded, archived 2024 edition the rows an edition holds by the time it is
    archived, straight in the database, and collect real ids for every URL argument."""
    from eventhub.directory.models import Person
    from eventhub.editions.models import Edition, Participation
    from eventhub.invitations.models import Invitation, InvitationStatus
    from eventhub.invitations.tokens import digest_of, new_nonce, token_for
    from eventhub.programme.models import Exhibitor, ItemKind, ProgrammeItem, SessionSignup
    from eventhub.registrations import crypto
    from eventhub.registrations.models import (
        CredentialDocument,
        Delegation,
        Registration,
        RegistrationRole,
        RegistrationStatus,
        VisaRequest,
    )
    from eventhub.statements.models import (
        Statement,
        StatementComment,
        StatementSuggestion,
        SuggestionStatus,
    )

    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        edition = db.session.scalar(sa.select(Edition).where(Edition.slug == SLUG))
        organization_ids = list(db.session.scalars(
            sa.select(Participation.organization_id).where(
                Participation.edition_id == edition.id).order_by(Participation.position)))
        breakout = db.session.scalar(sa.select(ProgrammeItem).where(
            ProgrammeItem.edition_id == edition.id,
            ProgrammeItem.kind == ItemKind.BREAKOUT_SESSION).order_by(ProgrammeItem.id))
        statement = db.session.scalar(sa.select(Statement).where(
            Statement.edition_id == edition.id))
        content = statement.revisions[-1].content
        section_key = content["sections"][0]["key"]
        paragraph = content["sections"][0]["paragraphs"][0]

        nonce = new_nonce()
        token = token_for(nonce)
        accepted = Invitation(
            edition_id=edition.id, organization_id=organization_ids[0],
            focal_point_name="Ms. Archive Focal", focal_point_email="focal@archive.example",
            quota=3, deadline=now + dt.timedelta(days=30), status=InvitationStatus.ACCEPTED,
            token_nonce=nonce, token_digest=digest_of(token), sent_at=now,
            responded_at=now)
        draft = Invitation(
            edition_id=edition.id, organization_id=organization_ids[1],
            focal_point_name="Mr. Draft Focal", focal_point_email="draft@archive.example",
            quota=2, deadline=now + dt.timedelta(days=30), status=InvitationStatus.DRAFT)
        db.session.add_all([accepted, draft])
        db.session.flush()
        delegation = Delegation(edition_id=edition.id, organization_id=organization_ids[0],
                                invitation_id=accepted.id)
        delegation.credential = CredentialDocument(
            filename="note-verbale.pdf", content_type="application/pdf",
            size=len(MINIMAL_PDF), sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
            content=MINIMAL_PDF)
        head = Person(full_name="Archived Head", email="head@archive.example",
                      organization_id=organization_ids[0])
        waiting = Person(full_name="Archived Pending", email="pending@archive.example",
                         organization_id=organization_ids[0])
        db.session.add_all([delegation, head, waiting])
        db.session.flush()
        confirmed = Registration(
            edition_id=edition.id, person_id=head.id, delegation_id=delegation.id,
            role=RegistrationRole.HEAD_OF_DELEGATION, status=RegistrationStatus.CONFIRMED,
            badge_code="ARCH0001", confirmed_at=now, needs_visa_letter=True)
        confirmed.visa_request = VisaRequest(
            passport_number_encrypted=crypto.encrypt("E1234567"),
            nationality_encrypted=crypto.encrypt("AO"),
            date_of_birth_encrypted=crypto.encrypt("1970-01-01"),
            passport_expiry_encrypted=crypto.encrypt("2034-01-01"))
        pending = Registration(
            edition_id=edition.id, person_id=waiting.id, delegation_id=delegation.id,
            role=RegistrationRole.DELEGATE, status=RegistrationStatus.PENDING)
        db.session.add_all([confirmed, pending])
        db.session.flush()
        signup = SessionSignup(item_id=breakout.id, registration_id=confirmed.id,
                               assigned_by_organizer=True)
        exhibitor = Exhibitor(edition_id=edition.id, organization_id=organization_ids[2],
                              stand="A1", description="Border control gates")
        comment = StatementComment(statement_id=statement.id, section_key=section_key,
                                   author_label="Reviewer", body="Checked against the source.")
        suggestion = StatementSuggestion(
            statement_id=statement.id, section_key=section_key, paragraph_index=0,
            base_revision=statement.revisions[-1].number, original_text=paragraph,
            proposed_text=paragraph + " (amended)", author_label="Reviewer",
            status=SuggestionStatus.PENDING)
        db.session.add_all([signup, exhibitor, comment, suggestion])
        db.session.commit()
        ids = {"item_id": breakout.id, "registration_id": confirmed.id,
               "delegation_id": delegation.id, "invitation_id": draft.id,
               "exhibitor_id": exhibitor.id, "statement_id": statement.id,
               "comment_id": comment.id, "suggestion_id": suggestion.id,
               "number": statement.revisions[-1].number, "key": section_key,
               "organization_id": organization_ids[3]}
        archive = Archive(ids=ids, pending_registration_id=pending.id, token=token, etag="",
                          section_key=section_key, paragraph=paragraph)

    # The ids the public API shows for the record itself.
    programme = admin_client.get(f"{EDITION_URL}/programme").json
    plenary = next(i for i in programme["items"] if i["kind"] == "plenary")
    archive.ids["speech_id"] = plenary["speeches"][0]["id"]
    archive.ids["plenary_id"] = plenary["id"]
    response = admin_client.get(f"{EDITION_URL}/statements/{archive.ids['statement_id']}")
    archive.etag = response.headers["ETag"]
    figures = [f["key"] for f in admin_client.get(f"{EDITION_URL}/figures").json]
    assert "guests" in figures
    archive.ids["figure_key"] = "guests"
    return archive


def url_values(route: Route, archive: Archive) -> dict[str, Any]:
    values: dict[str, Any] = {"slug": SLUG}
    for match in _ARGUMENT.finditer(route.rule):
        name = match["name"]
        if name == "slug":
            continue
        if name == "key" and "/figures/" in route.rule:
            values[name] = archive.ids["figure_key"]
        elif name == "item_id" and ("/speeches" in route.rule
                                    or "/protocol-order" in route.rule):
            values[name] = archive.ids["plenary_id"]
        elif name == "registration_id" and route.rule.endswith(("/confirm", "/reject")):
            values[name] = archive.pending_registration_id
        elif name == "token":
            values[name] = archive.token
        else:
            values[name] = archive.ids.get(name, 1)
    return values


def body_for(route: Route, archive: Archive, organization_id: int) -> dict[str, Any]:
    """What the client sends: a body that passes validation, for the routes that take one."""
    rule, method = route.rule, route.method
    sections = [{"paragraphs": ["A paragraph."]}]
    in_a_year = (dt.datetime.now(dt.UTC) + dt.timedelta(days=365)).isoformat()
    visa = {"passport_number": "E7654321", "nationality": "AO", "date_of_birth": "1970-01-01",
            "passport_expiry": "2034-01-01"}
    json_bodies: dict[tuple[str, str], Any] = {
        ("PATCH", "/api/v1/editions/<slug>"): {"title": "Renamed"},
        ("POST", "/api/v1/editions/<slug>/status"): {"status": "open"},
        ("POST", "/api/v1/editions/<slug>/check-in"): {"badge_code": "ARCH0001"},
        ("POST", "/api/v1/editions/<slug>/exhibitors"): {"organization_id": organization_id},
        ("PATCH", "/api/v1/editions/<slug>/exhibitors/<int:exhibitor_id>"): {"stand": "B2"},
        ("POST", "/api/v1/editions/<slug>/figures"): {"key": "delegations", "value": 5,
                                                      "unit": "delegations"},
        ("PATCH", "/api/v1/editions/<slug>/figures/<key>"): {"value": 301},
        ("POST", "/api/v1/editions/<slug>/invitations"): {
            "organization_id": organization_id, "focal_point_name": "Ms. New",
            "focal_point_email": "new@archive.example", "quota": 2, "deadline": in_a_year},
        ("POST", "/api/v1/editions/<slug>/invitations/bulk"): {
            "defaults": {"quota": 2, "deadline": in_a_year},
            "invitations": [{"organization_id": organization_id,
                             "focal_point_name": "Ms. New",
                             "focal_point_email": "new@archive.example"}]},
        ("PATCH", "/api/v1/editions/<slug>/invitations/<int:invitation_id>"): {"quota": 4},
        ("POST", "/api/v1/editions/<slug>/participants"): {"organization_id": organization_id,
                                                           "role": "observer"},
        ("POST", "/api/v1/editions/<slug>/programme/items"): {"kind": "side_event",
                                                              "title": "Late addition"},
        ("PATCH", "/api/v1/editions/<slug>/programme/items/<int:item_id>"): {
            "room": "Hall B"},
        ("POST", "/api/v1/editions/<slug>/programme/items/<int:item_id>/cancel"): {
            "cancelled": True},
        ("POST", "/api/v1/editions/<slug>/programme/items/<int:item_id>/signups"): {
            "registration_id": archive.ids["registration_id"]},
        ("POST", "/api/v1/editions/<slug>/programme/items/<int:item_id>/speeches"): {
            "person_id": 1, "role": "speech"},
        ("PATCH", "/api/v1/editions/<slug>/programme/items/<int:item_id>/speeches/"
                  "<int:speech_id>"): {"talk_title": "A new title"},
        ("POST", "/api/v1/editions/<slug>/programme/versions"): {"note": "Version 2"},
        ("POST", "/api/v1/editions/<slug>/registrations"): {
            "full_name": "Late Comer", "email": "late@archive.example",
            "organization_id": organization_id, "role": "delegate"},
        ("PUT", "/api/v1/editions/<slug>/registrations/<int:registration_id>/visa"): visa,
        ("POST", "/api/v1/editions/<slug>/statements"): {
            "kind": "summary", "content": {"title": "Summary", "sections": sections}},
        ("POST", "/api/v1/editions/<slug>/statements/draft-from-record"): {"language": "en"},
        ("PATCH", "/api/v1/editions/<slug>/statements/<int:statement_id>"): {
            "title": "Another title"},
        ("PUT", "/api/v1/editions/<slug>/statements/<int:statement_id>/approver"): {
            "approver_id": None},
        ("POST", "/api/v1/editions/<slug>/statements/<int:statement_id>/comments"): {
            "section_key": archive.section_key, "body": "One more remark."},
        ("POST", "/api/v1/editions/<slug>/statements/<int:statement_id>/corrections"): {
            "note": "Typo", "sections": [{"key": archive.section_key,
                                          "paragraphs": [archive.paragraph + "."]}]},
        ("POST", "/api/v1/editions/<slug>/statements/<int:statement_id>/languages"): {
            "language": "zh"},
        ("POST", "/api/v1/editions/<slug>/statements/<int:statement_id>/sections"): {
            "paragraphs": ["A new section."]},
        ("PUT", "/api/v1/editions/<slug>/statements/<int:statement_id>/sections/<key>"): {
            "paragraphs": ["Rewritten."]},
        ("POST", "/api/v1/editions/<slug>/statements/<int:statement_id>/status"): {
            "status": "draft"},
        ("POST", "/api/v1/editions/<slug>/statements/<int:statement_id>/suggestions"): {
            "section_key": archive.section_key, "paragraph_index": 0,
            "proposed_text": "Shorter."},
        # Token routes (the focal point's link to the archived edition's invitation).
        ("PUT", "/api/v1/rsvp/<token>/delegation"): {"members": [
            {"full_name": "Late Delegate", "email": "late.delegate@archive.example",
             "role": "head_of_delegation"}]},
        ("PUT", "/api/v1/rsvp/<token>/members/<int:registration_id>/visa"): visa,
        ("POST", "/api/v1/rsvp/<token>/sessions/<int:item_id>"): {
            "registration_id": archive.ids["registration_id"]},
    }
    return json_bodies.get((method, rule), {})


def call(client, route: Route, archive: Archive, organization_id: int):
    with client.application.test_request_context():
        url = url_for(route.endpoint, **url_values(route, archive))
    headers = {"If-Match": archive.etag}
    if route.rule.endswith(("/registrations/import", "/credential")):
        # File uploads: a CSV roster, a credential document.
        upload = (b"full_name,email,role\nLate Comer,late@archive.example,delegate\n"
                  if route.rule.endswith("/import") else MINIMAL_PDF)
        name = "roster.csv" if route.rule.endswith("/import") else "note-verbale.pdf"
        return client.open(url, method=route.method, headers=headers,
                           data={"file": (io.BytesIO(upload), name)},
                           content_type="multipart/form-data")
    return client.open(url, method=route.method, headers=headers,
                       json=body_for(route, archive, organization_id))


def refusal_problem(response) -> str | None:
    """None when the response is the read-only refusal: 409, a problem document, and the
    reason is the archived status (not some other conflict that could hide a write)."""
    if response.status_code != 409:
        return f"{response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.mimetype != PROBLEM_MIME:
        return f"409 but {response.mimetype}, not a problem document"
    body = response.get_json(force=True)
    if "archived" not in (str(body.get("detail")) + str(body.get("edition_status"))
                          + str(body.get("current_status"))):
        return f"409 for another reason: {body.get('detail')}"
    return None


def snapshot(app: Flask) -> tuple:
    return (row_counts(app), database_state(app),
            export_text(app, SLUG, include_personal=True))


def assert_unchanged(app: Flask, before: tuple) -> None:
    counts, state, bundle = before
    now_counts, now_state, now_bundle = snapshot(app)
    assert {k: v for k, v in now_counts.items() if k != "rate_limit_buckets"} == \
        {k: v for k, v in counts.items() if k != "rate_limit_buckets"}
    assert differences(state, now_state) == []
    assert without_export_time(now_bundle) == without_export_time(bundle)


def walk(client, archive: Archive, routes: list[Route]) -> list[str]:
    organization_id = archive.ids["organization_id"]
    failures = []
    for route in routes:
        problem = refusal_problem(call(client, route, archive, organization_id))
        if problem:
            failures.append(f"{route}: {problem}")
    return failures


@pytest.fixture
def archive(app, seeded, admin_client) -> Archive:
    return furnish(app, admin_client)


def test_the_walk_covers_the_edition_write_routes(app):
    routes = {(r.method, r.rule) for r in edition_write_routes(app)}
    for expected in [("PATCH", "/api/v1/editions/<slug>"),
                     ("POST", "/api/v1/editions/<slug>/programme/items"),
                     ("POST", "/api/v1/editions/<slug>/registrations"),
                     ("POST", "/api/v1/editions/<slug>/invitations"),
                     ("POST", "/api/v1/editions/<slug>/statements"),
                     ("DELETE", "/api/v1/editions/<slug>/figures/<key>")]:
        assert expected in routes
    assert len(routes) >= 50
    known = {(r.endpoint, r.method) for r in edition_write_routes(app)}
    assert set(NOT_WRITES_TO_THE_EDITION) <= known


def test_every_write_under_an_archived_edition_is_refused_and_changes_nothing(
        app, admin_client, archive):
    routes = [r for r in edition_write_routes(app)
              if (r.endpoint, r.method) not in NOT_WRITES_TO_THE_EDITION]
    assert len(routes) >= 50
    before = snapshot(app)

    failures = walk(admin_client, archive, routes)

    assert failures == []
    assert_unchanged(app, before)


def test_with_empty_bodies_every_write_is_refused_and_changes_nothing(
        app, admin_client, archive):
    # Without a valid body the parser may answer first (422, or 415 where a file is
    # expected); either way no route writes.
    routes = [r for r in edition_write_routes(app)
              if (r.endpoint, r.method) not in NOT_WRITES_TO_THE_EDITION]
    before = snapshot(app)
    failures = []
    for route in routes:
        with app.test_request_context():
            url = url_for(route.endpoint, **url_values(route, archive))
        response = admin_client.open(url, method=route.method, json={})
        if response.status_code not in (409, 415, 422) or response.mimetype != PROBLEM_MIME:
            failures.append(f"{route}: {response.status_code} "
                            f"{response.get_data(as_text=True)[:200]}")
    assert failures == []
    assert_unchanged(app, before)


def test_the_focal_point_link_of_an_archived_edition_writes_nothing(app, client, archive):
    routes = token_write_routes(app)
    assert {r.rule for r in routes} >= {"/api/v1/rsvp/<token>/accept",
                                        "/api/v1/rsvp/<token>/delegation"}
    before = snapshot(app)
    failures = []
    for route in routes:
        response = call(client, route, archive, archive.ids["organization_id"])
        # The link was real but its edition is over: 410 Gone (or the read-only 409).
        if response.status_code not in (409, 410) or response.mimetype != PROBLEM_MIME:
            failures.append(f"{route}: {response.status_code} "
                            f"{response.get_data(as_text=True)[:200]}")
    assert failures == []
    assert_unchanged(app, before)


def test_erasing_passport_details_on_request_touches_nothing_of_the_record(
        app, admin_client, archive):
    # The one edition write route deliberately open on an archived edition (see
    # NOT_WRITES_TO_THE_EDITION): it removes personal data, never the record.
    from eventhub.registrations.models import VisaRequest

    registration_id = archive.ids["registration_id"]
    record = export_text(app, SLUG)
    counts = row_counts(app)

    response = admin_client.delete(
        f"{EDITION_URL}/registrations/{registration_id}/visa")

    assert response.status_code == 204, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaRequest)) == 0
    after = row_counts(app)
    assert after.pop("visa_requests") == counts.pop("visa_requests") - 1
    after.pop("audit_entries", None), counts.pop("audit_entries", None)
    assert after == counts
    assert without_export_time(export_text(app, SLUG)) == without_export_time(record)


def test_the_next_edition_can_be_made_from_an_archived_one_without_touching_it(
        app, organizer_client, archive):
    before = export_text(app, SLUG, include_personal=True)

    response = organizer_client.post(f"{EDITION_URL}/next", json={
        "slug": "2025-next", "title": "Sub-Forum 2025", "start_date": "2025-09-09",
        "end_date": "2025-09-10"})

    assert response.status_code == 201, response.json
    assert response.json["status"] == "draft"
    after = export_text(app, SLUG, include_personal=True)
    assert without_export_time(after) == without_export_time(before)
