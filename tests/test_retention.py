"""Retention: anonymizing an archived edition removes its private personal data from the
whole database and changes no figure, count, public participant or published statement.

The edition is built through the API as it would be used: registrations with contact
details and needs, passport details for a visa letter, a delegation registered by its
focal point through the invitation link with an uploaded credential, a head of
delegation, a speaker on the published programme and a published statement. Afterwards
every text, JSON and binary column of every table is searched with SQL for the private
values written."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import sqlalchemy as sa
from _archive import database_state, differences, find_values, row_counts
from _helpers import assert_problem, create_organization, create_series

from eventhub.extensions import db

SLUG = "sfmmc-2026"
URL = f"/api/v1/editions/{SLUG}"
ANONYMIZED = "Anonymized participant"
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
CREDENTIAL = MINIMAL_PDF + b"% Note verbale No. RET-7731 naming the delegation\n"

SPEAKER = "Dr. Public Speaker"
HEAD = "H.E. Ms. Head Of Delegation"
# Private values, by what they are; none may be left anywhere after anonymization.
PRIVATE = {
    "delegate e-mail": "alpha.private@mfa-retention.example",
    "delegate name": "Mr. Alpha Privatedelegate",
    "delegate dietary": "Kosher meals, no shellfish",
    "delegate accessibility": "Wheelchair access to the plenary hall",
    "walk-in e-mail": "bravo.walkin@retention.example",
    "walk-in phone": "+66 2 555 7731",
    "walk-in name": "Ms. Bravo Walkin",
    "walk-in dietary": "Gluten-free",
    "member e-mail": "quiet.member@mfa-retention.example",
    "member name": "Mr. Quiet Memberson",
    "member dietary": "Vegetarian (lacto-ovo)",
    "member accessibility": "Hearing loop",
    "head e-mail": "head.delegation@mfa-retention.example",
    "head dietary": "Halal",
    "speaker e-mail": "public.speaker@institute-retention.example",
    "speaker phone": "+41 22 555 0101",
    "focal point name": "Mr. Focal Retention",
    "focal point e-mail": "focal.point@mfa-retention.example",
}
PASSPORT = {"passport_number": "RT7731009", "nationality": "TH",
            "date_of_birth": "1978-03-14", "passport_expiry": "2036-06-30"}


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:500])
    return response.json


def has_visa_route(app) -> bool:
    return any(rule.rule.endswith("/registrations/<int:registration_id>/visa")
               and "PUT" in rule.methods for rule in app.url_map.iter_rules())


def build_edition(app, organizer_client, admin_client, client) -> dict[str, Any]:
    """An open edition used as in real life, then closed and archived through the API."""
    from eventhub.invitations.models import Invitation
    from eventhub.invitations.tokens import token_for
    from eventhub.mail.models import OutboxMessage

    create_series(organizer_client)
    _ok(organizer_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 1, "slug": SLUG, "title": "Sub-Forum 2026",
        "time_zone": "Asia/Bangkok", "start_date": "2026-11-20", "end_date": "2026-11-21",
        "city": "Bangkok", "country_code": "TH"}), 201)
    _ok(organizer_client.post(f"{URL}/status", json={"status": "open"}))
    ministry = create_organization(organizer_client, "Ministry of Foreign Affairs (Retention)",
                                   country_code="TH")
    institute = create_organization(organizer_client, "Migration Policy Institute (Retention)",
                                    kind="academic", country_code="CH")
    bureau = create_organization(organizer_client, "Immigration Bureau (Retention)",
                                 country_code="VN")
    _ok(organizer_client.post(f"{URL}/participants", json={
        "organization_id": ministry["id"], "role": "participant"}), 201)
    _ok(organizer_client.post(f"{URL}/figures", json={
        "key": "guests", "value": 120, "qualifier": "about", "unit": "guests"}), 201)

    # A speaker on the published programme.
    speaker = _ok(organizer_client.post("/api/v1/people", json={
        "full_name": SPEAKER, "organization_id": institute["id"], "position": "Director",
        "email": PRIVATE["speaker e-mail"], "phone": PRIVATE["speaker phone"]}), 201)
    _ok(organizer_client.post(f"{URL}/registrations", json={
        "person_id": speaker["id"], "role": "speaker"}), 201)
    item = _ok(organizer_client.post(f"{URL}/programme/items", json={
        "kind": "plenary", "title": "Plenary meeting"}), 201)
    _ok(organizer_client.post(f"{URL}/programme/items/{item['id']}/speeches", json={
        "person_id": speaker["id"], "role": "keynote"}), 201)
    _ok(organizer_client.post(f"{URL}/programme/versions", json={"note": "Final"}), 201)

    # Private registrants, one with passport details for a visa letter.
    delegate = _ok(organizer_client.post(f"{URL}/registrations", json={
        "full_name": PRIVATE["delegate name"], "email": PRIVATE["delegate e-mail"],
        "organization_id": bureau["id"], "role": "delegate",
        "dietary": PRIVATE["delegate dietary"],
        "accessibility": PRIVATE["delegate accessibility"], "needs_visa_letter": True}), 201)
    walk_in = _ok(organizer_client.post("/api/v1/people", json={
        "full_name": PRIVATE["walk-in name"], "organization_id": bureau["id"],
        "email": PRIVATE["walk-in e-mail"], "phone": PRIVATE["walk-in phone"]}), 201)
    _ok(organizer_client.post(f"{URL}/registrations", json={
        "person_id": walk_in["id"], "role": "observer", "attendance": "video",
        "dietary": PRIVATE["walk-in dietary"]}), 201)
    visa = has_visa_route(app)
    if visa:
        _ok(organizer_client.put(f"{URL}/registrations/{delegate['id']}/visa", json=PASSPORT))

    # A delegation through the invitation link: head, member, credential.
    invitation = _ok(organizer_client.post(f"{URL}/invitations", json={
        "organization_id": ministry["id"], "focal_point_name": PRIVATE["focal point name"],
        "focal_point_email": PRIVATE["focal point e-mail"], "quota": 3,
        "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()}), 201)
    _ok(organizer_client.post(f"{URL}/invitations/{invitation['id']}/send"))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == PRIVATE["focal point e-mail"])) == 1
        token = token_for(db.session.get(Invitation, invitation["id"]).token_nonce)
    _ok(client.post(f"/api/v1/rsvp/{token}/accept"))
    _ok(client.put(f"/api/v1/rsvp/{token}/delegation", json={"members": [
        {"full_name": HEAD, "email": PRIVATE["head e-mail"], "role": "head_of_delegation",
         "position": "Director-General", "dietary": PRIVATE["head dietary"]},
        {"full_name": PRIVATE["member name"], "email": PRIVATE["member e-mail"],
         "role": "delegate", "dietary": PRIVATE["member dietary"],
         "accessibility": PRIVATE["member accessibility"]}]}))
    upload = client.put(f"/api/v1/rsvp/{token}/credential",
                        data={"file": (io.BytesIO(CREDENTIAL), "note-verbale.pdf")},
                        content_type="multipart/form-data")
    assert upload.status_code in (200, 201), upload.get_data(as_text=True)

    # A published statement naming the public people.
    statement = _ok(admin_client.post(f"{URL}/statements", json={
        "kind": "summary", "content": {"title": "Summary of the Sub-Forum 2026", "sections": [
            {"paragraphs": [f"{SPEAKER} gave the keynote; {HEAD} led the delegation."]}]}}),
        201)
    for status in ("in_review", "approved", "published"):
        _ok(admin_client.post(f"{URL}/statements/{statement['id']}/status",
                              json={"status": status}))

    registrations = _ok(organizer_client.get(f"{URL}/registrations?page_size=100"))
    badges = {r["full_name"]: r["badge_code"] for r in registrations if r["badge_code"]}
    assert len(registrations) == 5
    for status in ("closed", "archived"):
        _ok(organizer_client.post(f"{URL}/status", json={"status": status}))
    with app.app_context():
        from eventhub.registrations.models import VisaRequest

        encrypted = list(db.session.scalars(sa.select(VisaRequest.passport_number_encrypted)))
    assert len(encrypted) == (1 if visa else 0)
    return {"statement_id": statement["id"], "badges": badges, "encrypted": encrypted,
            "visa": visa, "speaker_id": speaker["id"]}


def public_view(client, admin_client, statement_id: int) -> dict[str, Any]:
    """Everything the anonymization must leave as it was."""
    edition = admin_client.get(URL).json
    return {
        "figures": client.get(f"{URL}/figures").json,
        "recorded": edition["recorded"],
        "edition_figures": edition["figures"],
        "counts": admin_client.get(f"{URL}/registration-counts").json,
        "participants": client.get(f"{URL}/participants").json,
        "programme": client.get(f"{URL}/programme").json,
        "statements": client.get(f"{URL}/statements").json,
        "statement": client.get(f"{URL}/statements/{statement_id}").json,
        "history": client.get("/api/v1/history/participation").json,
        "history_figures": client.get("/api/v1/history/figures").json,
    }


def private_needles(built: dict[str, Any]) -> dict[str, str | bytes]:
    needles: dict[str, str | bytes] = dict(PRIVATE)
    needles.update({f"badge of {name}": code for name, code in built["badges"].items()})
    needles["credential content"] = b"RET-7731"
    needles["passport number"] = PASSPORT["passport_number"]
    for n, blob in enumerate(built["encrypted"]):
        needles[f"encrypted passport {n}"] = blob
    return needles


@pytest.fixture
def archived(app, organizer_client, admin_client, client) -> dict[str, Any]:
    return build_edition(app, organizer_client, admin_client, client)


def test_the_edition_holds_the_private_data_before(app, archived):
    # The scan finds what it looks for: every private value is somewhere beforehand.
    found = {finding.split(":")[0] for finding in find_values(app, private_needles(archived))}
    expected = set(private_needles(archived)) - {"passport number"}  # encrypted at rest
    assert found == expected


def test_anonymizing_removes_every_private_field_and_changes_no_public_fact(
        app, archived, admin_client, client):
    before = public_view(client, admin_client, archived["statement_id"])

    response = admin_client.post(f"{URL}/anonymize")

    report = _ok(response)
    assert report["people_anonymized"] == 3  # delegate, walk-in, quiet member
    assert report["credentials_removed"] == 1
    assert report["focal_points_removed"] == 1
    assert report["visa_requests_removed"] == (1 if archived["visa"] else 0)
    assert public_view(client, admin_client, archived["statement_id"]) == before
    assert find_values(app, private_needles(archived)) == []

    # Speakers and heads of delegation keep their names; the others are nameless.
    names = sorted(r["full_name"] for r in admin_client.get(
        f"{URL}/registrations?page_size=100").json)
    assert names == sorted([ANONYMIZED] * 3 + [HEAD, SPEAKER])
    public_people = {p["person"]["full_name"] for p in before["participants"]["people"]}
    assert public_people == {HEAD, SPEAKER}
    edition = admin_client.get(URL).json
    assert edition["status"] == "archived"


def test_only_admins_anonymize_and_only_archived_editions(app, organizer_client,
                                                          admin_client, client):
    create_series(organizer_client)
    _ok(organizer_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 1, "slug": SLUG, "title": "Sub-Forum 2026",
        "time_zone": "Asia/Bangkok", "start_date": "2026-11-20", "end_date": "2026-11-21"}),
        201)
    for status in ("open", "closed"):
        _ok(organizer_client.post(f"{URL}/status", json={"status": status}))
        before = database_state(app)
        body = assert_problem(admin_client.post(f"{URL}/anonymize"), 409)
        assert "archived" in body["detail"]
        assert differences(before, database_state(app)) == []
    _ok(organizer_client.post(f"{URL}/status", json={"status": "archived"}))
    assert_problem(organizer_client.post(f"{URL}/anonymize"), 403)
    assert_problem(client.post(f"{URL}/anonymize"), 401)
    assert_problem(admin_client.post("/api/v1/editions/1999-nowhere/anonymize"), 404)
    _ok(admin_client.post(f"{URL}/anonymize"))


def test_a_contact_still_needed_by_a_live_edition_is_kept(app, archived, organizer_client,
                                                          admin_client):
    # The speaker also registers for the next edition, which is not anonymized: the
    # contact details stay for that edition, the archived one keeps no other trace.
    create = organizer_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 2, "slug": "sfmmc-2027", "title": "Sub-Forum 2027",
        "time_zone": "Asia/Bangkok", "start_date": "2027-11-20", "end_date": "2027-11-21"})
    _ok(create, 201)
    _ok(organizer_client.post("/api/v1/editions/sfmmc-2027/status", json={"status": "open"}))
    _ok(organizer_client.post("/api/v1/editions/sfmmc-2027/registrations", json={
        "person_id": archived["speaker_id"], "role": "speaker"}), 201)

    _ok(admin_client.post(f"{URL}/anonymize"))

    person = admin_client.get(f"/api/v1/people/{archived['speaker_id']}").json
    assert person["email"] == PRIVATE["speaker e-mail"]
    others = {k: v for k, v in private_needles(archived).items()
              if k not in ("speaker e-mail", "speaker phone")}
    assert find_values(app, others) == []


def test_remembered_responses_leave_no_private_data(app, organizer_client, admin_client,
                                                    client):
    # Clients retry safely with an Idempotency-Key; the remembered responses quote e-mails,
    # needs and focal points, and must go with the rest.
    from eventhub.invitations.models import Invitation
    from eventhub.invitations.tokens import token_for
    from eventhub.registrations.models import IdempotentRequest

    create_series(organizer_client)
    _ok(organizer_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 1, "slug": SLUG, "title": "Sub-Forum 2026",
        "time_zone": "Asia/Bangkok", "start_date": "2026-11-20", "end_date": "2026-11-21"}),
        201)
    _ok(organizer_client.post(f"{URL}/status", json={"status": "open"}))
    bureau = create_organization(organizer_client, "Immigration Bureau (Retention)",
                                 country_code="VN")
    _ok(organizer_client.post(f"{URL}/registrations", headers={"Idempotency-Key": "reg-1"},
                              json={"full_name": PRIVATE["delegate name"],
                                    "email": PRIVATE["delegate e-mail"],
                                    "organization_id": bureau["id"], "role": "delegate",
                                    "dietary": PRIVATE["delegate dietary"]}), 201)
    invitation = _ok(organizer_client.post(f"{URL}/invitations", json={
        "organization_id": bureau["id"], "focal_point_name": PRIVATE["focal point name"],
        "focal_point_email": PRIVATE["focal point e-mail"], "quota": 3,
        "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()}), 201)
    _ok(organizer_client.post(f"{URL}/invitations/{invitation['id']}/send",
                              headers={"Idempotency-Key": "send-1"}))
    with app.app_context():
        token = token_for(db.session.get(Invitation, invitation["id"]).token_nonce)
    _ok(client.post(f"/api/v1/rsvp/{token}/accept"))
    _ok(client.put(f"/api/v1/rsvp/{token}/delegation", headers={"Idempotency-Key": "del-1"},
                   json={"members": [
                       {"full_name": PRIVATE["member name"], "email": PRIVATE["member e-mail"],
                        "role": "head_of_delegation", "dietary": PRIVATE["member dietary"]}]}))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            IdempotentRequest)) == 3
    for status in ("closed", "archived"):
        _ok(organizer_client.post(f"{URL}/status", json={"status": status}))
    needles = {k: PRIVATE[k] for k in ("delegate name", "delegate e-mail", "delegate dietary",
                                       "focal point name", "focal point e-mail",
                                       "member e-mail", "member dietary")}
    assert len(find_values(app, needles)) >= len(needles)

    _ok(admin_client.post(f"{URL}/anonymize"))

    assert find_values(app, needles) == []


# The daily retention run ------------------------------------------------------------------

def _archived_days_ago(app, days: float) -> None:
    from eventhub.editions.models import Edition

    with app.app_context():
        db.session.execute(sa.update(Edition).where(Edition.slug == SLUG).values(
            archived_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))
        db.session.commit()


def _anonymized_at(app):
    from eventhub.editions.models import Edition

    with app.app_context():
        return db.session.scalar(sa.select(Edition.anonymized_at).where(Edition.slug == SLUG))


def test_the_retention_run_anonymizes_editions_archived_long_enough(
        app, archived, cli, admin_client, client, monkeypatch):
    monkeypatch.setitem(app.config, "EVENTHUB_RETENTION_DAYS", 1)
    before = public_view(client, admin_client, archived["statement_id"])

    # Archived just now: not due yet.
    counts = row_counts(app)
    result = cli("retention", "run")
    assert result.exit_code == 0, result.output
    assert "Nothing to do." in result.output
    assert _anonymized_at(app) is None
    assert row_counts(app) == counts

    _archived_days_ago(app, 2)
    result = cli("retention", "run")

    assert result.exit_code == 0, result.output
    assert f"Anonymized {SLUG}." in result.output
    assert _anonymized_at(app) is not None
    assert find_values(app, private_needles(archived)) == []
    assert public_view(client, admin_client, archived["statement_id"]) == before

    # Once is enough: the next run finds nothing.
    state = database_state(app)
    again = cli("retention", "run")
    assert again.exit_code == 0 and "Nothing to do." in again.output
    assert differences(state, database_state(app)) == []


def test_with_zero_retention_days_the_run_is_off(app, archived, cli, monkeypatch):
    monkeypatch.setitem(app.config, "EVENTHUB_RETENTION_DAYS", 0)
    _archived_days_ago(app, 400)
    state = database_state(app)

    result = cli("retention", "run")

    assert result.exit_code == 0, result.output
    assert "automatic anonymization is off" in result.output
    assert _anonymized_at(app) is None
    assert differences(state, database_state(app)) == []
    assert len(find_values(app, private_needles(archived))) > 0


def test_the_cli_anonymizes_one_edition_on_demand(app, archived, cli):
    result = cli("retention", "anonymize", SLUG)

    assert result.exit_code == 0, result.output
    assert f"Anonymized {SLUG}:" in result.output
    assert "people_anonymized 3" in result.output
    assert find_values(app, private_needles(archived)) == []
