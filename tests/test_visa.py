"""Visa support letters: passport details encrypted at rest, readable by organizers and
admins only, never in rosters, exports, logs or error messages; the letter PDF; erasure;
and the focal point entering details for their own delegation through the invitation link.

Everything is set up through the HTTP API; the database is only read directly, to prove
that it holds no plaintext.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from _helpers import assert_problem, create_edition, create_organization, create_series
from cryptography.fernet import Fernet

from eventhub.extensions import db
from eventhub.registrations import crypto, letter

SLUG = "sfmmc-2030"
TODAY = dt.date.today()
START = TODAY + dt.timedelta(days=60)
END = START + dt.timedelta(days=1)
PASSPORT = "E12345678"
DETAILS = {"passport_number": PASSPORT, "nationality": "PL", "date_of_birth": "1980-02-03",
           "passport_expiry": (END + dt.timedelta(days=400)).isoformat()}
TITLE = "Sub-Forum on Migration Management Cooperation 2030"


def registrations_url(slug: str = SLUG) -> str:
    return f"/api/v1/editions/{slug}/registrations"


def visa_url(registration_id: int, slug: str = SLUG) -> str:
    return f"{registrations_url(slug)}/{registration_id}/visa"


def open_edition(client, *, slug: str = SLUG, ordinal: int = 1, capacity: int | None = None,
                 requires_approval: bool = False, series: bool = True) -> dict[str, Any]:
    if series:
        create_series(client)
    host = create_organization(client, f"Suzhou Municipal People's Government {ordinal}",
                               kind="host_body", country_code="CN")
    edition = create_edition(client, slug=slug, ordinal=ordinal, title=TITLE,
                             start_date=START.isoformat(), end_date=END.isoformat(),
                             capacity=capacity, requires_approval=requires_approval,
                             host_organization_id=host["id"], venue="Jinji Lake Hotel")
    response = client.post(f"/api/v1/editions/{slug}/status", json={"status": "open"})
    assert response.status_code == 200, response.json
    return edition


def register(client, full_name: str, email: str, *, slug: str = SLUG,
             **fields: Any) -> dict[str, Any]:
    response = client.post(registrations_url(slug), json={
        "full_name": full_name, "email": email, "role": "delegate", **fields})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def confirmed(organizer_client) -> dict[str, Any]:
    """An open edition (no capacity limit) and one confirmed registration."""
    open_edition(organizer_client)
    registration = register(organizer_client, "Zofia Łukasiewicz", "zofia@example.org",
                            position="Director, Office for Foreigners")
    assert registration["status"] == "confirmed"
    return registration


def submit(client, registration_id: int, slug: str = SLUG, **changes: Any):
    return client.put(visa_url(registration_id, slug), json={**DETAILS, **changes})


def raw_visa_rows(app) -> list[dict[str, bytes]]:
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT passport_number_encrypted, nationality_encrypted, "
            "date_of_birth_encrypted, passport_expiry_encrypted FROM visa_requests "
            "ORDER BY id")).all()
        return [{key: bytes(value) for key, value in row._mapping.items()} for row in rows]


def has_route(app, rule: str) -> bool:
    return rule in {r.rule for r in app.url_map.iter_rules()}


def pdf_text(content: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces as single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# Organizers enter and read details -----------------------------------------------------

def test_organizer_submits_details_and_reads_them_back(organizer_client, confirmed):
    response = submit(organizer_client, confirmed["id"])
    assert response.status_code == 200, response.json
    # The receipt says details are on file, not what they are.
    assert PASSPORT not in response.get_data(as_text=True)
    assert response.json["passport_details_received"] is True
    assert response.json["needs_visa_letter"] is True
    assert response.headers["Cache-Control"] == "no-store"

    response = organizer_client.get(visa_url(confirmed["id"]))
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["passport_number"] == PASSPORT
    assert body["nationality"] == "PL"
    assert body["nationality_name"] == "Poland"
    assert body["date_of_birth"] == DETAILS["date_of_birth"]
    assert body["passport_expiry"] == DETAILS["passport_expiry"]
    assert body["letter_issued_at"] is None
    assert body["full_name"] == "Zofia Łukasiewicz"

    registration = organizer_client.get(f"{registrations_url()}/{confirmed['id']}").json
    assert registration["needs_visa_letter"] is True


def test_details_are_normalized(organizer_client, confirmed):
    response = submit(organizer_client, confirmed["id"], passport_number=" e1234 5678 ",
                      nationality="pl")
    assert response.status_code == 200, response.json
    body = organizer_client.get(visa_url(confirmed["id"])).json
    assert (body["passport_number"], body["nationality"]) == ("E12345678", "PL")


def test_the_database_holds_no_plaintext(app, organizer_client, confirmed):
    other = register(organizer_client, "Second Person", "second@example.org")
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    assert submit(organizer_client, other["id"]).status_code == 200

    rows = raw_visa_rows(app)
    assert len(rows) == 2
    # (Values long enough that random ciphertext cannot contain them by chance.)
    plaintexts = [PASSPORT, "Poland", DETAILS["date_of_birth"], DETAILS["passport_expiry"]]
    for row in rows:
        for column, value in row.items():
            assert value.startswith(b"gAAAAA"), column  # a Fernet token
            decoded = base64.urlsafe_b64decode(value)
            for plaintext in plaintexts:
                assert plaintext.encode() not in value, (column, plaintext)
                assert plaintext.encode() not in decoded, (column, plaintext)
    # Same values, different ciphertexts: a random IV per encryption.
    first, second = rows
    for column in first:
        assert first[column] != second[column], column


def test_replacing_details_voids_the_issued_letter(app, organizer_client, confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    before = raw_visa_rows(app)[0]
    assert organizer_client.post(f"{visa_url(confirmed['id'])}/letter").status_code == 200
    assert organizer_client.get(visa_url(confirmed["id"])).json["letter_issued_at"]

    response = submit(organizer_client, confirmed["id"], passport_number="F7654321")
    assert response.status_code == 200
    body = organizer_client.get(visa_url(confirmed["id"])).json
    assert body["passport_number"] == "F7654321"
    assert body["letter_issued_at"] is None
    after = raw_visa_rows(app)
    assert len(after) == 1  # replaced, not added
    assert after[0]["nationality_encrypted"] != before["nationality_encrypted"]


@pytest.mark.parametrize("role_client", ["secretariat_client", "viewer_client"])
def test_other_roles_may_not_read_details(request, organizer_client, confirmed, role_client):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    client = request.getfixturevalue(role_client)
    body = assert_problem(client.get(visa_url(confirmed["id"])), 403)
    assert PASSPORT not in str(body)
    assert_problem(submit(client, confirmed["id"]), 403)
    assert_problem(client.post(f"{visa_url(confirmed['id'])}/letter"), 403)
    assert_problem(client.delete(visa_url(confirmed["id"])), 403)


def test_anonymous_callers_are_refused(client, organizer_client, confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    response = client.get(visa_url(confirmed["id"]))
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers
    assert_problem(submit(client, confirmed["id"]), 401)
    assert_problem(client.post(f"{visa_url(confirmed['id'])}/letter"), 401)


def test_admins_may_read_details(admin_client, organizer_client, confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    assert admin_client.get(visa_url(confirmed["id"])).json["passport_number"] == PASSPORT


def test_no_details_yet_is_404(organizer_client, confirmed):
    assert_problem(organizer_client.get(visa_url(confirmed["id"])), 404)
    assert_problem(organizer_client.post(f"{visa_url(confirmed['id'])}/letter"), 404)
    assert_problem(organizer_client.delete(visa_url(confirmed["id"])), 404)
    assert_problem(organizer_client.get(visa_url(9999)), 404)


# Validation never echoes what was sent --------------------------------------------------

def test_unknown_nationality_is_422_without_echoing_the_details(organizer_client, confirmed):
    body = assert_problem(submit(organizer_client, confirmed["id"], nationality="ZZ"), 422)
    assert {e["field"] for e in body["errors"]} == {"nationality"}
    text = str(body)
    assert PASSPORT not in text and "ZZ" not in text and DETAILS["date_of_birth"] not in text
    assert_problem(organizer_client.get(visa_url(confirmed["id"])), 404)  # nothing stored


def test_every_invalid_field_is_reported_without_its_value(organizer_client, confirmed):
    bad = {"passport_number": "AB-12?", "nationality": "Poland",
           "date_of_birth": (TODAY + dt.timedelta(days=1)).isoformat(),
           "passport_expiry": START.isoformat()}
    body = assert_problem(organizer_client.put(visa_url(confirmed["id"]), json=bad), 422)
    assert {e["field"] for e in body["errors"]} == set(bad)
    text = str(body)
    for value in bad.values():
        assert value not in text


@pytest.mark.parametrize("number", ["A123", "A" * 21, "a1234?", ""])
def test_passport_number_rules(organizer_client, confirmed, number):
    body = assert_problem(submit(organizer_client, confirmed["id"], passport_number=number),
                          422)
    assert {e["field"] for e in body["errors"]} == {"passport_number"}
    if number:
        assert number not in str(body)


def test_passport_must_outlast_the_edition(organizer_client, confirmed):
    body = assert_problem(submit(organizer_client, confirmed["id"],
                                 passport_expiry=END.isoformat()), 422)
    assert {e["field"] for e in body["errors"]} == {"passport_expiry"}
    response = submit(organizer_client, confirmed["id"],
                      passport_expiry=(END + dt.timedelta(days=1)).isoformat())
    assert response.status_code == 200


def test_unknown_fields_and_missing_fields_are_422(organizer_client, confirmed):
    body = assert_problem(organizer_client.put(visa_url(confirmed["id"]),
                                               json={**DETAILS, "surname": "X"}), 422)
    assert "surname" in {e["field"] for e in body["errors"]}
    assert PASSPORT not in str(body)
    body = assert_problem(organizer_client.put(visa_url(confirmed["id"]),
                                               json={"passport_number": PASSPORT}), 422)
    assert {"nationality", "date_of_birth", "passport_expiry"} <= {
        e["field"] for e in body["errors"]}
    assert PASSPORT not in str(body)


def test_unknown_registration_or_edition_is_404(organizer_client, confirmed):
    assert_problem(submit(organizer_client, 9999), 404)
    assert_problem(submit(organizer_client, confirmed["id"], slug="no-such-edition"), 404)


def test_cancelled_registrations_take_no_details(organizer_client, confirmed):
    response = organizer_client.post(f"{registrations_url()}/{confirmed['id']}/cancel")
    assert response.status_code == 200, response.json
    body = assert_problem(submit(organizer_client, confirmed["id"]), 409)
    assert PASSPORT not in str(body)


# The letter ------------------------------------------------------------------------------

def test_letter_for_a_confirmed_registration(organizer_client, confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    response = organizer_client.post(f"{visa_url(confirmed['id'])}/letter")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF-")

    text = pdf_text(response.data)
    # As written with a Unicode font; transliterated with the core font.
    name = "Zofia Łukasiewicz" if letter.installed_fonts() else "Zofia Lukasiewicz"
    assert name in text
    assert PASSPORT in text
    assert TITLE in text
    assert "Poland" in text
    assert "February 3, 1980" in text
    assert "Suzhou Municipal People's Government 1" in text
    assert "To whom it may concern" in text
    assert "Director, Office for Foreigners" in text
    assert letter.format_date(START) in text and letter.format_date(END) in text
    assert "Jinji Lake Hotel" in text

    issued = organizer_client.get(visa_url(confirmed["id"])).json["letter_issued_at"]
    assert issued is not None


def test_a_letter_asked_for_in_chinese_is_written_in_chinese(organizer_client, confirmed):
    if letter.installed_fonts() is None or not letter.installed_fonts().fallbacks:
        pytest.skip("no CJK font installed to write a Chinese letter with")
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    response = organizer_client.post(f"{visa_url(confirmed['id'])}/letter",
                                     headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    # pypdf reads the CJK fallback font's two-byte codes with a NUL before each character.
    text = pdf_text(response.data).replace("\x00", "")
    for expected in ("签证邀请函", "敬启者", "出生日期", "1980年2月3日", "护照号码",
                     "特此确认", "代表主办方"):
        assert expected in text, expected
    for english in ("VISA SUPPORT LETTER", "To whom it may concern", "Date of birth",
                    "February", "hereby confirms", "Yours faithfully"):
        assert english not in text, english
    assert PASSPORT in text and "Zofia Łukasiewicz" in text


def test_letter_for_a_waitlisted_registration_is_409(organizer_client):
    open_edition(organizer_client, capacity=1)
    register(organizer_client, "First Person", "first@example.org")
    waitlisted = register(organizer_client, "Second Person", "second@example.org")
    assert waitlisted["status"] == "waitlisted"
    assert submit(organizer_client, waitlisted["id"]).status_code == 200
    body = assert_problem(organizer_client.post(f"{visa_url(waitlisted['id'])}/letter"), 409)
    assert body["current_status"] == "waitlisted"
    assert PASSPORT not in str(body)
    assert organizer_client.get(visa_url(waitlisted["id"])).json["letter_issued_at"] is None


def test_letter_for_a_pending_registration_is_409(organizer_client):
    open_edition(organizer_client, requires_approval=True)
    pending = register(organizer_client, "Pending Person", "pending@example.org")
    assert pending["status"] == "pending"
    assert submit(organizer_client, pending["id"]).status_code == 200
    body = assert_problem(organizer_client.post(f"{visa_url(pending['id'])}/letter"), 409)
    assert body["current_status"] == "pending"
    # Once confirmed, the letter is issued.
    response = organizer_client.post(f"{registrations_url()}/{pending['id']}/confirm")
    assert response.status_code == 200, response.json
    assert organizer_client.post(f"{visa_url(pending['id'])}/letter").status_code == 200


def test_letter_without_a_unicode_font_transliterates(app):
    content = letter.LetterContent(
        host_name="Host", issue_date=TODAY, reference="x/VISA/1",
        full_name="Zofia Łukasiewicz-Nguyễn 王伟", nationality="Poland",
        passport_number=PASSPORT, date_of_birth=dt.date(1980, 2, 3),
        organization="Office “for” Foreigners", position=None, participation="Delegate",
        edition_title=TITLE, city="Suzhou", country="China", venue=None,
        start_date=START, end_date=END)
    core = pdf_text(letter.render(content, fonts=False))
    assert "Zofia Lukasiewicz-Nguyen ??" in core
    assert 'Office "for" Foreigners' in core
    assert PASSPORT in core
    if letter.installed_fonts() is not None:
        unicode_text = pdf_text(letter.render(content))
        assert "Zofia Łukasiewicz-Nguyễn" in unicode_text


# Erasure ---------------------------------------------------------------------------------

def test_erase_removes_the_details(app, organizer_client, confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    response = organizer_client.delete(visa_url(confirmed["id"]))
    assert response.status_code == 204
    assert_problem(organizer_client.get(visa_url(confirmed["id"])), 404)
    assert raw_visa_rows(app) == []
    registration = organizer_client.get(f"{registrations_url()}/{confirmed['id']}").json
    assert registration["needs_visa_letter"] is False
    assert registration["status"] == "confirmed"  # the registration itself stays


def test_archived_editions_are_read_only_but_erasable(organizer_client, confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    for status in ("closed", "archived"):
        response = organizer_client.post(f"/api/v1/editions/{SLUG}/status",
                                         json={"status": status})
        assert response.status_code == 200, response.json
    body = assert_problem(submit(organizer_client, confirmed["id"]), 409)
    assert PASSPORT not in str(body)
    assert_problem(organizer_client.post(f"{visa_url(confirmed['id'])}/letter"), 409)
    assert organizer_client.get(visa_url(confirmed["id"])).status_code == 200
    # Retention must still be able to erase personal data in the archive.
    assert organizer_client.delete(visa_url(confirmed["id"])).status_code == 204
    assert_problem(organizer_client.get(visa_url(confirmed["id"])), 404)


def test_retention_anonymization_erases_details(app, organizer_client, admin_client,
                                                 confirmed):
    if not has_route(app, "/api/v1/editions/<slug>/anonymize"):
        pytest.skip("the archive's anonymize endpoint is not registered in this app")
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    for status in ("closed", "archived"):
        response = organizer_client.post(f"/api/v1/editions/{SLUG}/status",
                                         json={"status": status})
        assert response.status_code == 200, response.json
    response = admin_client.post(f"/api/v1/editions/{SLUG}/anonymize")
    assert response.status_code == 200, response.json
    assert response.json["visa_requests_removed"] == 1
    assert raw_visa_rows(app) == []
    assert_problem(organizer_client.get(visa_url(confirmed["id"])), 404)


def test_erase_for_edition_clears_every_request(app, organizer_client, confirmed):
    from eventhub.editions.models import Edition
    from eventhub.registrations import visa

    other = register(organizer_client, "Second Person", "second@example.org")
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    assert submit(organizer_client, other["id"]).status_code == 200
    with app.app_context():
        edition = db.session.scalar(sa.select(Edition).where(Edition.slug == SLUG))
        assert visa.erase_for_edition(edition) == 2
        db.session.commit()
    assert raw_visa_rows(app) == []
    assert not any(r["needs_visa_letter"] for r in
                   organizer_client.get(registrations_url()).json)


# Never in rosters, exports or logs -------------------------------------------------------

def test_roster_and_export_never_contain_details(app, organizer_client, admin_client,
                                                 confirmed):
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    for client in (organizer_client, admin_client):
        for url in (registrations_url(), f"{registrations_url()}/{confirmed['id']}",
                    f"/api/v1/editions/{SLUG}/registration-counts"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.json)
            text = response.get_data(as_text=True)
            assert PASSPORT not in text and DETAILS["date_of_birth"] not in text, url
    assert organizer_client.get(registrations_url()).json[0]["needs_visa_letter"] is True
    # Exports (registered by other parts of the app, hence the checks): the edition
    # bundle, even with personal data, and the roster spreadsheet carry no details.
    if has_route(app, "/api/v1/editions/<slug>/export"):
        response = admin_client.get(f"/api/v1/editions/{SLUG}/export?include_personal=true")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert "zofia@example.org" in response.get_data(as_text=True)
        assert PASSPORT not in response.get_data(as_text=True)
        assert DETAILS["date_of_birth"] not in response.get_data(as_text=True)
    if has_route(app, "/api/v1/editions/<slug>/registrations.csv"):
        response = organizer_client.get(f"{registrations_url()}.csv")
        assert response.status_code == 200
        assert "Zofia" in response.get_data(as_text=True)
        assert PASSPORT not in response.get_data(as_text=True)


def test_details_never_reach_the_logs(app, caplog, organizer_client, confirmed):
    caplog.set_level(logging.DEBUG)
    # SQL with its parameters and result rows too: only ciphertext may show there.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    assert submit(organizer_client, confirmed["id"], nationality="ZZ").status_code == 422
    assert submit(organizer_client, confirmed["id"]).status_code == 200
    assert organizer_client.get(visa_url(confirmed["id"])).json["passport_number"] == PASSPORT
    assert organizer_client.post(f"{visa_url(confirmed['id'])}/letter").status_code == 200
    assert organizer_client.delete(visa_url(confirmed["id"])).status_code == 204

    assert caplog.records, "logging was captured"
    assert any("visa_requests" in record.getMessage() for record in caplog.records), (
        "SQL logging was on, so the check below saw the parameters")
    secrets = [PASSPORT, DETAILS["date_of_birth"], DETAILS["passport_expiry"]]
    for record in caplog.records:
        message = record.getMessage() + (record.exc_text or "")
        for secret in secrets:
            assert secret not in message, (record.name, secret)
    for secret in secrets:
        assert secret not in caplog.text


# Encryption keys -------------------------------------------------------------------------

def test_configured_keys_rotate(app, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with app.app_context():
        monkeypatch.setitem(app.config, "EVENTHUB_DATA_ENCRYPTION_KEY", old)
        token = crypto.encrypt(PASSPORT)
        assert Fernet(old.encode()).decrypt(token).decode() == PASSPORT
        # New key first, old kept: old values still read, new ones use the new key.
        monkeypatch.setitem(app.config, "EVENTHUB_DATA_ENCRYPTION_KEY", f"{new}, {old}")
        assert crypto.decrypt(token) == PASSPORT
        assert Fernet(new.encode()).decrypt(crypto.encrypt("x")) == b"x"
        rotated = crypto.reencrypt(token)
        monkeypatch.setitem(app.config, "EVENTHUB_DATA_ENCRYPTION_KEY", new)
        assert crypto.decrypt(rotated) == PASSPORT
        with pytest.raises(crypto.DecryptionError) as excinfo:
            crypto.decrypt(token)
        assert PASSPORT not in str(excinfo.value)


def test_an_invalid_key_is_refused_clearly(app, monkeypatch):
    with app.app_context():
        good = Fernet.generate_key().decode()
        monkeypatch.setitem(app.config, "EVENTHUB_DATA_ENCRYPTION_KEY",
                            f"{good},not-a-fernet-key")
        with pytest.raises(crypto.EncryptionKeyError) as excinfo:
            crypto.encrypt(PASSPORT)
        message = str(excinfo.value)
        assert "EVENTHUB_DATA_ENCRYPTION_KEY" in message and "key 2 of 2" in message
        assert "not-a-fernet-key" not in message and good not in message


def test_development_key_is_derived_from_the_secret_key(app):
    with app.app_context():
        assert not app.config["EVENTHUB_DATA_ENCRYPTION_KEY"]
        token = crypto.encrypt(PASSPORT)
        derived = crypto.derive_development_key(app.config["EVENTHUB_SECRET_KEY"])
        assert Fernet(derived).decrypt(token).decode() == PASSPORT


def test_production_without_a_key_is_refused(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "EVENTHUB_ENV", "production")
        with pytest.raises(crypto.EncryptionKeyError):
            crypto.encrypt(PASSPORT)


# The focal point, through the invitation link ------------------------------------------

def _invite_and_accept(app, organizer_client, client, organization_id: int, email: str
                       ) -> str:
    from eventhub.invitations.models import Invitation
    from eventhub.invitations.tokens import token_for

    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).isoformat()
    response = organizer_client.post(f"/api/v1/editions/{SLUG}/invitations", json={
        "organization_id": organization_id, "focal_point_name": "Focal Point",
        "focal_point_email": email, "quota": 3, "deadline": deadline})
    assert response.status_code == 201, response.json
    invitation_id = response.json["id"]
    response = organizer_client.post(
        f"/api/v1/editions/{SLUG}/invitations/{invitation_id}/send")
    assert response.status_code == 200, response.json
    with app.app_context():
        token = token_for(db.session.get(Invitation, invitation_id).token_nonce)
    response = client.post(f"/api/v1/rsvp/{token}/accept")
    assert response.status_code == 200, response.json
    return token


def _register_delegation(client, token: str, name: str, email: str) -> int:
    response = client.put(f"/api/v1/rsvp/{token}/delegation", json={"members": [
        {"full_name": name, "email": email, "role": "head_of_delegation"}]})
    assert response.status_code == 200, response.json
    (member,) = response.json["members"]
    return member["registration_id"]


def _two_accepted_invitations(app, client, organizer_client) -> tuple[str, str]:
    """An open edition and two accepted invitations (Poland, Kenya): their link tokens."""
    open_edition(organizer_client)
    poland = create_organization(organizer_client, "Office for Foreigners",
                                 country_code="PL")
    kenya = create_organization(organizer_client, "Department of Immigration",
                                country_code="KE")
    return (_invite_and_accept(app, organizer_client, client, poland["id"], "fp@pl.example"),
            _invite_and_accept(app, organizer_client, client, kenya["id"], "fp@ke.example"))


def _check_focal_point_path(client, organizer_client, token: str, own: int,
                            others: list[int]) -> None:
    url = f"/api/v1/rsvp/{token}/members/{own}/visa"
    response = client.put(url, json=DETAILS)
    assert response.status_code == 200, response.json
    assert response.json["registration_id"] == own
    assert response.json["passport_details_received"] is True
    assert response.json["needs_visa_letter"] is True
    assert PASSPORT not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert organizer_client.get(visa_url(own)).json["passport_number"] == PASSPORT

    # Another delegation's member, or someone in no delegation: as if they did not exist.
    for registration_id in [*others, 9999]:
        body = assert_problem(
            client.put(f"/api/v1/rsvp/{token}/members/{registration_id}/visa", json=DETAILS),
            404)
        assert PASSPORT not in str(body)
        assert_problem(organizer_client.get(visa_url(registration_id)), 404)

    # Invalid details: 422 without the values; a forged link: 404 before the body is read.
    body = assert_problem(client.put(url, json={**DETAILS, "nationality": "ZZ"}), 422)
    assert PASSPORT not in str(body)
    assert_problem(client.put(f"/api/v1/rsvp/forged-token/members/{own}/visa",
                              json={"nonsense": True}), 404)
    # The link reads nothing back.
    assert client.get(url).status_code == 405


def test_focal_point_submits_details_for_own_delegation(app, client, organizer_client):
    token, other_token = _two_accepted_invitations(app, client, organizer_client)
    own = _register_delegation(client, token, "Jan Kowalski", "jan@pl.example")
    foreign = _register_delegation(client, other_token, "Amina Otieno", "amina@ke.example")
    unaffiliated = register(organizer_client, "No Delegation", "none@example.org")["id"]
    _check_focal_point_path(client, organizer_client, token, own, [foreign, unaffiliated])


def test_focal_point_details_for_members_registered_by_organizers(app, client,
                                                                  organizer_client):
    """The same rules when an organizer, not the focal point, put the members into the
    delegations."""
    token, _ = _two_accepted_invitations(app, client, organizer_client)
    delegations = organizer_client.get(f"/api/v1/editions/{SLUG}/delegations").json
    by_country = {d["organization"]["country_code"]: d["id"] for d in delegations}
    own = register(organizer_client, "Jan Kowalski", "jan@pl.example", role="head_of_delegation",
                   delegation_id=by_country["PL"])["id"]
    foreign = register(organizer_client, "Amina Otieno", "amina@ke.example",
                       delegation_id=by_country["KE"])["id"]
    unaffiliated = register(organizer_client, "No Delegation", "none@example.org")["id"]
    _check_focal_point_path(client, organizer_client, token, own, [foreign, unaffiliated])
