"""Edition bundles: export (CLI and admin endpoint), the published JSON Schema, the round
trip into another, empty instance (the 2024 record and a generated edition with 5,000
registrations), the refusals of a bad bundle, and personal data only on request.

"Another instance" is a second app on a database of its own (a SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL), migrated from scratch."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa
from _archive import (
    database_state,
    differences,
    empty_instance,
    export_text,
    import_text,
    without_export_time,
)
from _helpers import assert_problem, create_organization, create_series
from conftest import PASSWORD, login, make_user
from flask import Flask

from eventhub.auth.models import Role
from eventhub.auth.permissions import SYSTEM
from eventhub.extensions import db

SLUG = "2024-suzhou"
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "eventhub" / "archive" / "bundle.schema.json"
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def published_schema() -> dict[str, Any]:
    """The schema as published in the repository (read from the file, not the app)."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validate(document: dict[str, Any]) -> None:
    schema = published_schema()
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator.validate(document)


def canonical_checksum(content: dict[str, Any]) -> str:
    """As the schema describes it: SHA-256 of the content as canonical JSON (sorted keys,
    no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def client_with_token(app: Flask, role: Role):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login(app, make_user(app, role))}"
    return client


# Export ------------------------------------------------------------------------------------

def test_cli_export_writes_a_bundle_that_validates_against_the_published_schema(
        seeded, cli, tmp_path):
    path = tmp_path / "2024.json"

    result = cli("export", SLUG, "-o", str(path))

    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    validate(document)
    assert document["format"] == "eventhub-edition-bundle"
    assert document["format_version"] == 3
    assert document["includes_personal_data"] is False
    # An archived edition carries its snapshot (test_archive_snapshot.py).
    assert document["content"]["directory"] == "snapshot"
    assert document["checksum"] == canonical_checksum(document["content"])
    content = document["content"]
    assert content["edition"]["slug"] == SLUG
    assert content["edition"]["status"] == "archived"
    assert len(content["organizations"]) == 21
    assert len(content["people"]) == 18
    assert [i["title"] for i in content["programme"]["items"]][2:6] == [
        "Regulating and Facilitating Personnel Exchanges",
        "Collaboratively Preventing Security Risks at Ports",
        "Optimizing Management of Cross-Border Movement of Citizens",
        "Application of Information Technologies in Migration Management"]
    assert {f["key"]: f["value"] for f in content["figures"]} == {
        "guests": 300, "countries_and_regions": 57, "breakout_sessions": 4}
    assert len(content["statements"]) == 1
    # Written as documented: stable key order, so the same content is the same text.
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    # Without -o the bundle goes to standard output, the same apart from the export time.
    to_stdout = cli("export", SLUG)
    assert to_stdout.exit_code == 0
    assert without_export_time(to_stdout.stdout) == without_export_time(text)


def test_cli_export_of_an_unknown_edition_fails_with_a_message(app, cli):
    result = cli("export", "1999-nowhere")

    assert result.exit_code != 0
    assert "1999-nowhere" in result.output


def test_admins_export_over_http_and_nobody_else_does(app, seeded, admin_client,
                                                      organizer_client, viewer_client,
                                                      client):
    url = f"/api/v1/editions/{SLUG}/export"

    response = admin_client.get(url)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert f'filename="{SLUG}.eventhub.json"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    # Streamed as compact JSON: the same document as the CLI's file apart from the export
    # time, its checksum (over the canonical content) the last member.
    assert response.is_streamed
    text = response.get_data(as_text=True)
    document = json.loads(text)
    validate(document)
    assert text.startswith('{"exported_at":') and text.count("\n") == 1
    assert list(document)[-2:] == ["content", "checksum"]
    assert document["checksum"] == canonical_checksum(document["content"])
    from_file = json.loads(export_text(app, SLUG))
    for exported in (document, from_file):
        exported.pop("exported_at")
    assert document == from_file

    personal = admin_client.get(url + "?include_personal=true")
    assert personal.status_code == 200
    assert personal.json["includes_personal_data"] is True
    validate(personal.json)

    assert_problem(organizer_client.get(url), 403)
    assert_problem(viewer_client.get(url), 403)
    assert_problem(client.get(url), 401)
    assert_problem(admin_client.get("/api/v1/editions/1999-nowhere/export"), 404)


# Round trips -------------------------------------------------------------------------------

@pytest.mark.parametrize("include_personal", [False, True], ids=["plain", "personal"])
def test_the_2024_record_round_trips_byte_for_byte(app, seeded, tmp_path, include_personal):
    first = export_text(app, SLUG, include_personal=include_personal)
    path = tmp_path / "2024.json"
    path.write_text(first, encoding="utf-8")

    with empty_instance(tmp_path) as other:
        result = other.test_cli_runner().invoke(args=["import", str(path)])
        assert result.exit_code == 0, result.output
        assert f"Imported edition {SLUG} (archived)" in result.output

        second = export_text(other, SLUG, include_personal=include_personal)

        # The other instance serves the imported record like the original.
        public = other.test_client().get(f"/api/v1/editions/{SLUG}/participants").json
        assert public == app.test_client().get(
            f"/api/v1/editions/{SLUG}/participants").json
        assert other.test_client().get(f"/api/v1/editions/{SLUG}/programme").json["items"] \
            == app.test_client().get(f"/api/v1/editions/{SLUG}/programme").json["items"]

    assert second != first  # the export time differs...
    assert without_export_time(second) == without_export_time(first)  # ...nothing else


# A generated edition, built straight in the database -------------------------------------

GENERATED = "generated-2030"
REGISTRATIONS = 5000
BASE = dt.datetime(2030, 4, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
COUNTRIES = ["TH", "VN", "KE", "BR", "FR", "DE", "JP", "MX", "NG", "PK", "PH", "EG", "TR",
             "AR", "CL", "ID", "IN", "MA", "PE", "PL", "RO", "SN", "TN", "UG", "ZA"]


def _at(seconds: float) -> dt.datetime:
    return BASE + dt.timedelta(seconds=seconds, microseconds=int(seconds * 7) % 999_983)


def _insert(model, rows: list[dict[str, Any]]) -> list[int]:
    """Insert in one executemany; the new ids, in the order of the rows (nothing else
    writes meanwhile, so they are the highest ids of the table, in order)."""
    if not rows:
        return []
    table = model.__table__
    keys = {key for row in rows for key in row}
    rows = [{**dict.fromkeys(keys), **row} for row in rows]  # one shape for executemany
    db.session.execute(sa.insert(table), rows)
    ids = db.session.scalars(sa.select(table.c.id).order_by(table.c.id.desc())
                             .limit(len(rows))).all()
    return sorted(ids)


def generate_edition(app: Flask, slug: str = GENERATED, registrations: int = REGISTRATIONS,
                     *, speeches_in_item_order: bool = True) -> dict[str, Any]:
    """A closed edition with everything an edition can hold, inserted in bulk: returns
    some of the private values written, to look for in bundles."""
    from eventhub.directory.models import Organization, OrganizationKind, Person
    from eventhub.editions.models import (
        Edition,
        EditionStatus,
        Participation,
        ParticipationRole,
        ReportedFigure,
        Series,
    )
    from eventhub.invitations.models import Invitation, InvitationStatus
    from eventhub.programme import service as programme
    from eventhub.programme.models import (
        Delivery,
        Exhibitor,
        ItemKind,
        ProgrammeItem,
        SessionSignup,
        Speech,
        SpeechRole,
    )
    from eventhub.registrations.models import (
        Attendance,
        CredentialDocument,
        Delegation,
        Registration,
        RegistrationRole,
        RegistrationStatus,
    )
    from eventhub.statements.models import (
        Statement,
        StatementComment,
        StatementKind,
        StatementRevision,
        StatementStatus,
        StatementSuggestion,
        SuggestionStatus,
    )

    kinds = list(OrganizationKind)
    with app.app_context():
        [series_id] = _insert(Series, [{"slug": "generated-series", "name": "Generated",
                                        "description": "Made by the bundle tests"}])
        parents = _insert(Organization, [
            {"name": f"Ministry of the Interior {code}",
             "kind": OrganizationKind.NATIONAL_AUTHORITY, "country_code": code,
             "country_name": f"Country {code}", "acronym": f"MOI-{code}", "website": f"https://moi.{code.lower()}.example"}
            for code in COUNTRIES])
        children = _insert(Organization, [
            {"name": f"Immigration Department {code}", "kind": kinds[n % len(kinds)],
             "country_code": code, "country_name": f"Country {code}", "parent_id": parent}
            for n, (code, parent) in enumerate(zip(COUNTRIES, parents, strict=True))])
        international = _insert(Organization, [
            {"name": f"International Body {n}",
             "kind": OrganizationKind.INTERNATIONAL_ORGANIZATION, "acronym": f"IB{n}"}
            for n in range(5)])
        organizations = parents + children + international
        host = parents[0]
        [edition_id] = _insert(Edition, [{
            "series_id": series_id, "ordinal": 1, "slug": slug, "title": "Generated edition",
            "theme": "Bulk", "host_organization_id": host, "city": "Bangkok",
            "region": "Bangkok", "country_code": "TH", "venue": "Convention Centre",
            "time_zone": "Asia/Bangkok", "start_date": dt.date(2030, 5, 20),
            "end_date": dt.date(2030, 5, 22), "capacity": 10_000, "requires_approval": True,
            "status": EditionStatus.OPEN, "created_at": _at(0)}])
        _insert(ReportedFigure, [
            {"edition_id": edition_id, "key": "guests", "value": 5000, "qualifier": "about",
             "unit": "guests", "source_text": "About 5,000 guests.", "position": 0},
            {"edition_id": edition_id, "key": "countries_and_regions", "value": 25,
             "qualifier": None, "unit": "countries and regions", "position": 1}])
        _insert(Participation, [
            {"edition_id": edition_id, "organization_id": o, "position": n,
             "role": ParticipationRole.OBSERVER if n % 9 == 0 else ParticipationRole.PARTICIPANT}
            for n, o in enumerate(organizations[1:40], start=1)])

        speakers = _insert(Person, [
            {"full_name": f"Speaker {n}", "honorific": "H.E.", "position": f"Director {n}",
             "organization_id": organizations[n], "email": f"speaker{n}@generated.example",
             "phone": f"+66 2 000 {n:04d}"} for n in range(12)])
        people = _insert(Person, [
            {"full_name": f"Participant {n:05d}", "position": None if n % 4 else "Officer",
             "organization_id": organizations[n % len(organizations)],
             "email": f"participant{n:05d}@generated.example",
             "phone": f"+66 8 {n:08d}" if n % 3 == 0 else None, "created_at": _at(n)}
            for n in range(registrations)])

        starts = dt.datetime(2030, 5, 20, 2, 0, tzinfo=dt.UTC)
        items = _insert(ProgrammeItem, [
            {"edition_id": edition_id, "kind": kind, "title": title, "position": n,
             "room": f"Room {n}", "starts_at": starts + dt.timedelta(hours=2 * n),
             "ends_at": starts + dt.timedelta(hours=2 * n + 1, minutes=30),
             "capacity": 200 if kind == ItemKind.BREAKOUT_SESSION else None,
             "chairs": "Chaired by the host" if n == 2 else None,
             "description": f"Session {n}"}
            for n, (kind, title) in enumerate([
                (ItemKind.OPENING_CEREMONY, "Opening"), (ItemKind.PLENARY, "Plenary"),
                (ItemKind.BREAKOUT_SESSION, "Topic A"), (ItemKind.BREAKOUT_SESSION, "Topic B"),
                (ItemKind.EXHIBITION, "Exhibition"), (ItemKind.SOCIAL, "Reception"),
                (ItemKind.SIDE_EVENT, "Dropped side event")], start=1)])
        roles = list(SpeechRole)
        # Speeches in item order unless asked otherwise (speakers added to a later item
        # first: test_speakers_added_to_a_later_item_first_round_trip).
        _insert(Speech, sorted((
            {"item_id": items[0] if n < 3 else items[1] if n < 9 else items[2 + n % 2],
             "person_id": person, "position": n + 1,
             "role": roles[n % len(roles)],
             "delivery": [None, Delivery.IN_PERSON, Delivery.VIDEO, Delivery.RECORDED][n % 4],
             "talk_title": f"Talk {n}" if n % 2 else None}
            for n, person in enumerate(speakers)),
            key=lambda row: row["item_id"] if speeches_in_item_order else -row["item_id"]))
        _insert(Exhibitor, [{"edition_id": edition_id, "organization_id": international[n],
                             "stand": f"E{n}", "description": "Devices"} for n in range(2)])

        invitations = _insert(Invitation, [
            {"edition_id": edition_id, "organization_id": parents[n + 1],
             "focal_point_name": f"Focal Point {n}",
             "focal_point_email": f"focal{n}@generated.example", "focal_point_language": "en",
             "quota": 10, "deadline": _at(86400 * 30), "status": status, "sent_at": _at(3600),
             "responded_at": _at(7200) if status != InvitationStatus.SENT else None,
             "revoked_at": _at(9000) if status == InvitationStatus.REVOKED else None,
             "created_at": _at(60 + n)}
            for n, status in enumerate([InvitationStatus.ACCEPTED] * 4 + [
                InvitationStatus.SENT, InvitationStatus.DECLINED, InvitationStatus.REVOKED])])
        _insert(Invitation, [{"edition_id": edition_id, "organization_id": parents[10],
                              "status": InvitationStatus.DRAFT, "focal_point_language": "fr"}])
        delegations = _insert(Delegation, [
            {"edition_id": edition_id, "organization_id": parents[n + 1],
             "invitation_id": invitations[n], "created_at": _at(7300 + n)} for n in range(4)])
        credentials = [MINIMAL_PDF + f"% delegation {n}\n".encode() for n in range(2)]
        _insert(CredentialDocument, [
            {"delegation_id": delegations[n], "filename": f"note-verbale-{n}.pdf",
             "content_type": "application/pdf", "size": len(content),
             "sha256": hashlib.sha256(content).hexdigest(), "content": content,
             "uploaded_at": _at(8000 + n), "reviewed_at": _at(9000) if n == 0 else None}
            for n, content in enumerate(credentials)])

        s = RegistrationStatus
        status_cycle = [s.CONFIRMED, s.CONFIRMED, s.PENDING, s.CONFIRMED, s.WAITLISTED,
                        s.CONFIRMED, s.REJECTED, s.CANCELLED, s.CONFIRMED, s.PENDING]
        registration_roles = list(RegistrationRole)
        rows = []
        for n, person in enumerate(people):
            status = status_cycle[n % len(status_cycle)]
            rows.append({
                "edition_id": edition_id, "person_id": person,
                "delegation_id": delegations[n % 4] if n < 40 else None,
                "role": (RegistrationRole.HEAD_OF_DELEGATION if n < 4
                         else registration_roles[1 + n % (len(registration_roles) - 1)]),
                "status": status,
                "attendance": Attendance.VIDEO if n % 6 == 0 else Attendance.IN_PERSON,
                "needs_visa_letter": n % 5 == 0,
                "dietary": f"Dietary need {n}" if n % 7 == 0 else None,
                "accessibility": f"Accessibility need {n}" if n % 11 == 0 else None,
                "badge_code": f"G{n:07d}" if status == RegistrationStatus.CONFIRMED else None,
                "checked_in_at": _at(86400 * 50 + n) if n % 10 == 0
                and status == RegistrationStatus.CONFIRMED else None,
                "waitlisted_at": _at(n) if status == RegistrationStatus.WAITLISTED else None,
                "confirmed_at": _at(n + 1) if status == RegistrationStatus.CONFIRMED else None,
                "cancelled_at": _at(n + 2) if status == RegistrationStatus.CANCELLED else None,
                "created_at": _at(n)})
        registration_ids = _insert(Registration, rows)
        confirmed = [r for r, row in zip(registration_ids, rows, strict=True)
                     if row["status"] == RegistrationStatus.CONFIRMED]
        _insert(SessionSignup, [
            {"item_id": items[2 + n % 2], "registration_id": registration,
             "assigned_by_organizer": n % 3 == 0, "created_at": _at(90000 + n)}
            for n, registration in enumerate(confirmed[:60])])

        content = {"title": "Chair's Statement", "dateline": "(May 22, 2030, Bangkok)",
                   "sections": [{"key": "s-one", "paragraphs": ["First paragraph.",
                                                                "Second paragraph."]},
                                {"key": "s-two", "paragraphs": ["Third paragraph."]}]}
        revised = {**content, "sections": [content["sections"][0],
                                           {"key": "s-two", "paragraphs": ["Third, revised."]}]}
        corrected = {**revised, "title": "Chair's Statement (corrected)"}
        [statement_id, translation_id] = _insert(Statement, [
            {"edition_id": edition_id, "kind": StatementKind.CHAIRS_STATEMENT,
             "title": corrected["title"], "dateline": content["dateline"], "language": "en",
             "status": StatementStatus.PUBLISHED, "approved_revision": 2,
             "published_revision": 3, "published_at": _at(86400 * 52),
             "created_at": _at(86400 * 51)},
            {"edition_id": edition_id, "kind": StatementKind.CHAIRS_STATEMENT,
             "title": "Déclaration", "language": "fr", "status": StatementStatus.DRAFT,
             "created_at": _at(86400 * 53)}])
        db.session.execute(sa.update(Statement).where(Statement.id == translation_id)
                           .values(translation_of_id=statement_id))
        _insert(StatementRevision, [
            {"statement_id": statement_id, "number": n, "content": body, "note": note,
             "author_label": "Secretariat", "is_published": n >= 2,
             "created_at": _at(86400 * 51 + n)}
            for n, (body, note) in enumerate([(content, "First draft"), (revised, "Revised"),
                                              (corrected, "Correction")], start=1)]
            + [{"statement_id": translation_id, "number": 1,
                "content": {"title": "Déclaration", "dateline": None,
                            "sections": [{"key": "s-one", "paragraphs": ["Premier."]}]},
                "note": None, "author_label": "Traduction", "is_published": False,
                "created_at": _at(86400 * 53)}])
        [first_comment] = _insert(StatementComment, [
            {"statement_id": statement_id, "section_key": "s-one", "author_label": "Reviewer",
             "body": "Is the first paragraph final?", "created_at": _at(86400 * 51 + 10),
             "resolved_at": _at(86400 * 51 + 20)}])
        _insert(StatementComment, [
            {"statement_id": statement_id, "section_key": "s-one", "parent_id": first_comment,
             "author_label": "Secretariat", "body": "Yes.", "created_at": _at(86400 * 51 + 15)},
            {"statement_id": statement_id, "section_key": "s-two", "author_label": "Reviewer",
             "body": "Shorter?", "created_at": _at(86400 * 51 + 16)}])
        _insert(StatementSuggestion, [
            {"statement_id": statement_id, "section_key": "s-two", "paragraph_index": 0,
             "base_revision": 1, "original_text": "Third paragraph.",
             "proposed_text": "Third, revised.", "author_label": "Reviewer",
             "status": SuggestionStatus.ACCEPTED, "decided_at": _at(86400 * 51 + 30),
             "resulting_revision": 2, "created_at": _at(86400 * 51 + 25)},
            {"statement_id": statement_id, "section_key": "s-one", "paragraph_index": 1,
             "base_revision": 2, "original_text": "Second paragraph.",
             "proposed_text": "Second.", "author_label": "Reviewer",
             "status": SuggestionStatus.PENDING, "created_at": _at(86400 * 51 + 40)}])
        db.session.commit()

        # Two published programme versions; after the first, a speech and a whole item go
        # away, so the first version names rows the bundle no longer holds.
        programme.publish(SYSTEM, slug, note="First programme")
        dropped_speech = db.session.scalar(sa.select(Speech.id).where(
            Speech.item_id == items[1]).order_by(Speech.position.desc()).limit(1))
        db.session.execute(sa.delete(Speech).where(Speech.id == dropped_speech))
        db.session.execute(sa.delete(ProgrammeItem).where(ProgrammeItem.id == items[6]))
        db.session.execute(sa.update(ProgrammeItem).where(ProgrammeItem.id == items[5])
                           .values(is_cancelled=True))
        programme.publish(SYSTEM, slug, note="Reception cancelled")
        db.session.execute(sa.update(Edition).where(Edition.id == edition_id)
                           .values(status=EditionStatus.CLOSED))
        db.session.commit()
    return {"emails": [f"participant{n:05d}@generated.example" for n in (0, 1, 4999)],
            "phone": "+66 8 00000003", "dietary": "Dietary need 7",
            "accessibility": "Accessibility need 11", "focal_point": "focal0@generated.example",
            "badge": "G0000001",
            "credential": base64.b64encode(credentials[0]).decode()}


@pytest.mark.parametrize("include_personal", [True, False], ids=["personal", "plain"])
def test_a_generated_edition_with_5000_registrations_round_trips(app, seeded, tmp_path,
                                                                  include_personal):
    # The 2024 record is loaded first, so the generated rows have other ids here than in
    # the empty instance: a database id leaking into the bundle would show.
    private = generate_edition(app)

    first = export_text(app, GENERATED, include_personal=include_personal)
    document = json.loads(first)
    if include_personal:
        # Exports are not validated as they are made: every kind of row, with every
        # field, is checked against the published schema here.
        validate(document)
    content = document["content"]
    assert len(content["registrations"]) == REGISTRATIONS
    assert len({r["status"] for r in content["registrations"]}) == 5
    assert len(content["programme"]["versions"]) == 2
    assert any(ref.startswith("gone-") for ref in _refs(content["programme"]["versions"]))
    assert (private["credential"] in first) is include_personal
    with empty_instance(tmp_path) as other:
        assert import_text(other, first) == GENERATED
        second = export_text(other, GENERATED, include_personal=include_personal)
        assert other.test_client().get(f"/api/v1/editions/{GENERATED}").status_code == 200

    assert without_export_time(second) == without_export_time(first), (
        _first_difference(first, second))


def test_speakers_added_to_a_later_item_first_round_trip(app, seeded, tmp_path):
    generate_edition(app, registrations=20, speeches_in_item_order=False)
    first = export_text(app, GENERATED, include_personal=True)
    with empty_instance(tmp_path) as other:
        import_text(other, first)
        second = export_text(other, GENERATED, include_personal=True)
    assert without_export_time(second) == without_export_time(first), (
        _first_difference(first, second))


def test_an_import_leaves_one_audit_entry_per_row_it_writes(app, tmp_path):
    """The import writes its many rows in bulk, and each still has its entry, shaped as
    the flush's: every column that holds a value as "after", personal ones hidden, the
    edition named, under the import request's id."""
    from eventhub.audit.models import AuditEntry
    from eventhub.audit.recorder import HIDDEN

    generate_edition(app, registrations=30)
    bundle = export_text(app, GENERATED, include_personal=True)
    with empty_instance(tmp_path) as other:
        token = login(other, make_user(other, Role.ADMIN), PASSWORD)
        before = _rows_per_table(other)
        response = other.test_client().post(
            "/api/v1/archive/import", data=bundle, content_type="application/json",
            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        written = {table: count - before.get(table, 0)
                   for table, count in _rows_per_table(other).items()}
        with other.app_context():
            entries = db.session.scalars(sa.select(AuditEntry).where(
                AuditEntry.request_id == response.headers["X-Request-ID"])).all()
            registrations = {row.id: row for row in db.session.execute(
                sa.text("SELECT * FROM registrations")).mappings()}
            edition_id = db.session.scalar(sa.text("SELECT id FROM editions"))

    assert {"people", "registrations", "speeches", "session_signups"} <= {
        table for table, count in written.items() if count}
    # (Some rows are then updated: a parent set, a translation linked to its original.)
    inserted = {table: sum(1 for e in entries if e.table_name == table and e.action == "insert")
                for table in written}
    assert inserted == written
    assert {e.action for e in entries} <= {"insert", "update"}
    imported = [e for e in entries if e.table_name == "registrations"]
    assert len(imported) == 30
    for entry in imported:
        row = registrations[int(entry.object_id)]
        assert entry.edition_id == edition_id
        assert set(entry.changes) == {name for name, value in row.items() if value is not None}
        assert entry.changes["id"] == {"after": row["id"]}
        assert entry.changes["person_id"] == {"after": row["person_id"]}
        for private in ("dietary", "accessibility", "badge_code"):
            if private in entry.changes:
                assert entry.changes[private] == {"after": HIDDEN}
    people = [e for e in entries if e.table_name == "people"]
    assert all(e.changes["full_name"] == {"after": HIDDEN} for e in people)
    assert any(e.changes.get("email") == {"after": HIDDEN} for e in people)
    assert {e.edition_id for e in entries
            if e.table_name in ("speeches", "session_signups")} == {edition_id}


def _rows_per_table(app: Flask) -> dict[str, int]:
    from eventhub.audit.recorder import _NOT_AUDITED

    with app.app_context(), db.engine.connect() as conn:
        return {name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in sorted(sa.inspect(conn).get_table_names())
                if name not in _NOT_AUDITED and name != "alembic_version"}


def test_a_plain_round_trip_keeps_the_credential_record(app, tmp_path):
    generate_edition(app, registrations=20)
    first = export_text(app, GENERATED)
    assert '"sha256"' in first
    with empty_instance(tmp_path) as other:
        import_text(other, first)
        second = export_text(other, GENERATED)
    assert without_export_time(second) == without_export_time(first), (
        _first_difference(first, second))


def _refs(versions: list[dict[str, Any]]) -> list[str]:
    found = []
    for version in versions:
        for item in version["items"]:
            found.append(str(item["id"]))
            found.extend(str(s["id"]) for s in item["speeches"])
    return found


def _first_difference(first: str, second: str) -> str:
    for n, (a, b) in enumerate(zip(first.splitlines(), second.splitlines(), strict=False)):
        if a != b and "exported_at" not in a and "checksum" not in a:
            return f"line {n + 1}: {a!r} != {b!r}"
    return "lengths differ"


# Refusals ----------------------------------------------------------------------------------

@pytest.fixture
def bundle_2024(app, seeded) -> dict[str, Any]:
    return json.loads(export_text(app, SLUG))


def _tampered(bundle: dict[str, Any]) -> dict[str, Any]:
    bundle = json.loads(json.dumps(bundle))
    revision = bundle["content"]["statements"][0]["revisions"][0]
    paragraphs = revision["content"]["sections"][0]["paragraphs"]
    paragraphs[0] = paragraphs[0].replace("About 300 guests", "About 3,000 guests")
    assert "About 3,000 guests" in paragraphs[0]
    return bundle


def _with_nul(bundle: dict[str, Any]) -> dict[str, Any]:
    # Checksum recomputed: only the NUL (which PostgreSQL cannot store) is wrong.
    bundle = json.loads(json.dumps(bundle))
    bundle["content"]["edition"]["title"] += "\x00"
    bundle["checksum"] = canonical_checksum(bundle["content"])
    return bundle


def _with_lone_surrogate(bundle: dict[str, Any]) -> dict[str, Any]:
    # Text that is no Unicode has no checksum (it does not encode): the surrogate is named.
    bundle = json.loads(json.dumps(bundle))
    bundle["content"]["people"][0]["full_name"] += "\ud800"
    return bundle


def _version_4(bundle: dict[str, Any]) -> dict[str, Any]:
    return {**bundle, "format_version": 4}


BAD_BUNDLES = {
    "bad checksum": (_tampered, "checksum does not match", "bundle.checksum_mismatch"),
    # Over HTTP a small bundle is refused at the edge; the CLI names the place.
    # (over HTTP the edge's code, not the bundle's: None)
    "NUL character": (_with_nul, "NUL characters (U+0000)", None),
    "unpaired surrogate": (_with_lone_surrogate, "unpaired surrogates (U+D800 to U+DFFF)",
                           None),
    "unknown format version": (_version_4, "Unknown bundle format version 4",
                               "bundle.unknown_version"),
    "not a bundle": (lambda b: {"hello": "world"}, "not an EventHub edition bundle",
                     "bundle.not_a_bundle"),
    "missing content": (lambda b: {k: v for k, v in b.items() if k != "content"},
                        "does not match its schema", "bundle.schema_mismatch"),
}


@pytest.fixture(scope="module")
def other_instance(tmp_path_factory):
    """One empty instance for the refusal tests (each proves it stays as it was)."""
    with empty_instance(tmp_path_factory.mktemp("other")) as other:
        yield other


@pytest.mark.parametrize("case", list(BAD_BUNDLES))
def test_the_cli_refuses_a_bad_bundle_and_changes_nothing(bundle_2024, other_instance,
                                                          tmp_path, case):
    spoil, message, _code = BAD_BUNDLES[case]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spoil(bundle_2024)), encoding="utf-8")
    before = database_state(other_instance)
    assert sum(len(rows) for name, rows in before.items() if name != "alembic_version") == 0

    result = other_instance.test_cli_runner().invoke(args=["import", str(path)])

    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Error:" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert differences(before, database_state(other_instance)) == []


def test_the_cli_refuses_a_text_file_that_is_not_json(app, cli, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Sub-Forum 2024: see the shared drive.\n", encoding="utf-8")
    before = database_state(app)

    result = cli("import", str(path))

    assert result.exit_code != 0
    assert "is not JSON" in result.output and "notes.txt" in result.output
    assert differences(before, database_state(app)) == []


def test_the_cli_refuses_a_binary_file_with_a_message(app, seeded, tmp_path):
    path = tmp_path / "2024.json.gz"
    path.write_bytes(gzip.compress(export_text(app, SLUG).encode()))
    before = database_state(app)

    result = app.test_cli_runner().invoke(args=["import", str(path)])

    assert differences(before, database_state(app)) == []
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), type(result.exception).__name__
    assert "not JSON" in result.output or "not a" in result.output, result.output


def test_the_cli_refuses_an_edition_that_already_exists(app, cli, bundle_2024, tmp_path):
    path = tmp_path / "2024.json"
    path.write_text(json.dumps(bundle_2024), encoding="utf-8")
    before = database_state(app)

    result = cli("import", str(path))

    assert result.exit_code != 0
    assert f"Edition {SLUG} already exists here; nothing was imported." in result.output
    assert differences(before, database_state(app)) == []


def test_the_cli_refuses_a_missing_file(app, cli, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", str(tmp_path / "nowhere.json")])

    assert result.exit_code != 0
    assert "nowhere.json" in result.output


def _renamed(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same edition under another slug, checksum recomputed: a valid bundle whose
    edition number is taken in its series."""
    bundle = json.loads(json.dumps(bundle))
    bundle["content"]["edition"]["slug"] = "2024-suzhou-copy"
    bundle["checksum"] = canonical_checksum(bundle["content"])
    return bundle


@pytest.mark.parametrize("case", [*BAD_BUNDLES, "already exists", "number taken"])
def test_the_import_endpoint_refuses_with_a_problem_and_changes_nothing(
        app, admin_client, bundle_2024, case):
    if case == "already exists":
        document, status, message = bundle_2024, 409, "already exists here"
        code = "bundle.edition_exists"
    elif case == "number taken":
        document, status = _renamed(bundle_2024), 409
        message = "Edition number 1 of series migration-sub-forum already exists here"
        code = "bundle.ordinal_exists"
    else:
        spoil, message, code = BAD_BUNDLES[case]
        document, status = spoil(bundle_2024), 422
    before = database_state(app)

    body = assert_problem(admin_client.post("/api/v1/archive/import", json=document), status)

    assert message in body["detail"]
    if code is not None:
        assert body["code"] == code, body
    assert differences(before, database_state(app)) == []


def test_the_import_endpoint_is_for_admins_and_wants_json(app, admin_client,
                                                          organizer_client, client,
                                                          bundle_2024):
    assert_problem(client.post("/api/v1/archive/import", json=bundle_2024), 401)
    assert_problem(organizer_client.post("/api/v1/archive/import", json=bundle_2024), 403)
    body = assert_problem(admin_client.post("/api/v1/archive/import", data="not json",
                                            content_type="text/plain"), 422)
    assert "JSON" in body["detail"]


def test_the_import_endpoint_loads_a_bundle_into_another_instance(app, bundle_2024,
                                                                  tmp_path):
    with empty_instance(tmp_path) as other:
        token = login(other, make_user(other, Role.ADMIN), PASSWORD)
        response = other.test_client().post(
            "/api/v1/archive/import", json=bundle_2024,
            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.json["slug"] == SLUG
        assert response.json["status"] == "archived"
        again = export_text(other, SLUG)
    assert without_export_time(again) == without_export_time(export_text(app, SLUG))


def test_the_import_endpoint_takes_back_an_exported_bundle_with_credentials(app, tmp_path):
    from eventhub.registrations.models import CredentialDocument

    generate_edition(app, registrations=10)
    with app.app_context():
        for n, document in enumerate(db.session.scalars(sa.select(CredentialDocument))):
            scan = MINIMAL_PDF + f"% scan {n}\n".encode() + b"0" * 2_500_000 + b"\n"
            document.content = scan
            document.size = len(scan)
            document.sha256 = hashlib.sha256(scan).hexdigest()
        db.session.commit()
    admin = client_with_token(app, Role.ADMIN)
    exported = admin.get(f"/api/v1/editions/{GENERATED}/export?include_personal=true")
    assert exported.status_code == 200

    with empty_instance(tmp_path) as other:
        token = login(other, make_user(other, Role.ADMIN), PASSWORD)
        response = other.test_client().post(
            "/api/v1/archive/import", data=exported.get_data(),
            content_type="application/json", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_data(as_text=True)[:300]


# Personal data -----------------------------------------------------------------------------

def test_personal_data_travels_only_on_request_and_passports_never(
        app, admin_client, organizer_client, client, cli, tmp_path):
    from eventhub.invitations.models import Invitation
    from eventhub.invitations.tokens import token_for

    slug = "sfmmc-2031"
    create_series(organizer_client)
    response = organizer_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 1, "slug": slug, "title": "Sub-Forum 2031",
        "time_zone": "Asia/Bangkok", "start_date": "2031-05-20", "end_date": "2031-05-21"})
    assert response.status_code == 201, response.json
    assert organizer_client.post(f"/api/v1/editions/{slug}/status",
                                 json={"status": "open"}).status_code == 200
    org = create_organization(organizer_client, "Immigration Bureau of Thailand",
                              country_code="TH")
    person = organizer_client.post("/api/v1/people", json={
        "full_name": "Ms. Private Person", "organization_id": org["id"],
        "email": "private.person@bureau.example", "phone": "+66 2 555 0199"})
    assert person.status_code == 201, person.json
    registration = organizer_client.post(f"/api/v1/editions/{slug}/registrations", json={
        "person_id": person.json["id"], "role": "delegate",
        "dietary": "Strictly vegan, no honey", "accessibility": "Step-free seat near aisle",
        "needs_visa_letter": True})
    assert registration.status_code == 201, registration.json
    registration_id = registration.json["id"]

    invitation = organizer_client.post(f"/api/v1/editions/{slug}/invitations", json={
        "organization_id": org["id"], "focal_point_name": "Mr. Focal Unique",
        "focal_point_email": "focal.unique@bureau.example", "quota": 3,
        "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=20)).isoformat()})
    assert invitation.status_code == 201, invitation.json
    sent = organizer_client.post(
        f"/api/v1/editions/{slug}/invitations/{invitation.json['id']}/send")
    assert sent.status_code == 200, sent.json
    with app.app_context():
        token = token_for(db.session.get(Invitation, invitation.json["id"]).token_nonce)
    assert client.post(f"/api/v1/rsvp/{token}/accept").status_code == 200
    credential = MINIMAL_PDF + b"% credential of the Thai delegation\n"
    upload = client.put(f"/api/v1/rsvp/{token}/credential",
                        data={"file": (io.BytesIO(credential), "note.pdf")},
                        content_type="multipart/form-data")
    assert upload.status_code in (200, 201), upload.get_data(as_text=True)

    passport = "P12345678"
    visa_rules = {r.rule for r in app.url_map.iter_rules()}
    has_visa = "/api/v1/editions/<slug>/registrations/<int:registration_id>/visa" in visa_rules
    if has_visa:
        visa = organizer_client.put(
            f"/api/v1/editions/{slug}/registrations/{registration_id}/visa",
            json={"passport_number": passport, "nationality": "TH",
                  "date_of_birth": "1980-02-29", "passport_expiry": "2035-01-31"})
        assert visa.status_code == 200, visa.json

    private = {"e-mail": "private.person@bureau.example", "phone": "+66 2 555 0199",
               "dietary": "Strictly vegan, no honey",
               "accessibility": "Step-free seat near aisle",
               "focal point name": "Mr. Focal Unique",
               "focal point e-mail": "focal.unique@bureau.example",
               "credential content": base64.b64encode(credential).decode()}
    plain_path, personal_path = tmp_path / "plain.json", tmp_path / "personal.json"
    assert cli("export", slug, "-o", str(plain_path)).exit_code == 0
    assert cli("export", slug, "-o", str(personal_path), "--include-personal").exit_code == 0
    plain = plain_path.read_text(encoding="utf-8")
    personal = personal_path.read_text(encoding="utf-8")
    over_http = admin_client.get(f"/api/v1/editions/{slug}/export").get_data(as_text=True)

    assert json.loads(plain)["includes_personal_data"] is False
    assert [label for label, value in private.items() if value in plain] == []
    assert [label for label, value in private.items() if value in over_http] == []
    assert "needs_visa_letter" not in plain and '"email"' not in plain
    assert json.loads(personal)["includes_personal_data"] is True
    assert [label for label, value in private.items() if value not in personal] == []
    validate(json.loads(plain))
    validate(json.loads(personal))

    for text in (plain, personal):
        assert passport not in text
        assert "passport" not in text.lower()
        assert "1980-02-29" not in text
    if has_visa:
        from eventhub.registrations.models import VisaRequest

        with app.app_context():
            encrypted = db.session.scalar(sa.select(VisaRequest.passport_number_encrypted))
        assert encrypted
        for text in (plain, personal):
            assert base64.b64encode(encrypted).decode() not in text
            assert encrypted.decode(errors="ignore") not in text

    # The schema forbids passport data in a bundle: adding it fails validation.
    document = json.loads(personal)
    document["content"]["registrations"][0]["passport_number"] = passport
    with pytest.raises(jsonschema.ValidationError):
        validate(document)
