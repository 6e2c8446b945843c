"""Spreadsheets: registrations imported from CSV (all or nothing) and the roster exported
as CSV, through the HTTP API on the real database."""

from __future__ import annotations

import csv
import io

import pytest
from _helpers import assert_problem, create_edition, create_organization, create_series

SLUG = "sfmmc-2025"
BASE = f"/api/v1/editions/{SLUG}"
IMPORT = f"{BASE}/registrations/import"
EXPORT = f"{BASE}/registrations.csv"
ROSTER = f"{BASE}/registrations"
PUBLIC_COLUMNS = ["registration_id", "full_name", "position", "organization",
                  "organization_acronym", "country_code", "role", "status", "attendance",
                  "delegation_id", "badge_code", "checked_in_at", "confirmed_at", "created_at"]
PRIVATE_COLUMNS = ["email", "needs_visa_letter", "dietary", "accessibility"]


def open_edition(client, capacity: int | None = None, **overrides) -> dict:
    create_series(client)
    edition = create_edition(client, ordinal=2, slug=SLUG, title="Sub-Forum 2025",
                             start_date="2025-11-18", end_date="2025-11-19",
                             capacity=capacity, **overrides)
    response = client.post(f"{BASE}/status", json={"status": "open"})
    assert response.status_code == 200, response.json
    return edition


@pytest.fixture
def orgs(organizer_client) -> dict[str, dict]:
    return {
        "mps": create_organization(organizer_client, "Ministry of Public Security",
                                   acronym="MPS", country_code="CN"),
        "mjsp": create_organization(organizer_client,
                                    "Ministério da Justiça e Segurança Pública",
                                    acronym="MJSP", country_code="BR"),
        "immigration": create_organization(organizer_client, "Immigration Bureau",
                                           country_code="TH"),
    }


@pytest.fixture
def edition(organizer_client, orgs) -> dict:
    return open_edition(organizer_client)


def csv_text(*rows: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def post_csv(client, text: str | bytes, **headers):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(IMPORT, data=data, content_type="text/csv", headers=headers)


def roster(client, query: str = "") -> list[dict]:
    response = client.get(f"{ROSTER}?page_size=100{query}")
    assert response.status_code == 200, response.json
    return response.json


def exported(client, query: str = "") -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(f"{EXPORT}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


HEADER = ["full_name", "email", "role", "position", "organization", "attendance",
          "needs_visa_letter", "dietary"]
VALID = csv_text(
    HEADER,
    ["Wang Xiaoming 王小明", "wang@example.org", "head_of_delegation", "Director-General",
     "Ministry of Public Security", "in_person", "yes", "halal"],
    ["João Conceição", "JOAO@example.org", "Delegate", "",
     "Ministério da Justiça e Segurança Pública", "video", "no", ""],
    ["Somchai Srisuk", "somchai@example.org", "observer", "", "Immigration Bureau", "", "", ""],
)


# Import -------------------------------------------------------------------------------

def test_a_valid_csv_imports_every_row(organizer_client, edition, orgs):
    response = post_csv(organizer_client, VALID)

    assert response.status_code == 201, response.json
    body = response.json
    assert body["imported"] == 3
    names = [r["full_name"] for r in body["registrations"]]
    assert names == ["Wang Xiaoming 王小明", "João Conceição", "Somchai Srisuk"]
    wang, joao, somchai = body["registrations"]
    assert (wang["role"], wang["status"], wang["attendance"]) == (
        "head_of_delegation", "confirmed", "in_person")
    assert wang["organization"]["id"] == orgs["mps"]["id"]
    assert wang["position"] == "Director-General"
    assert (wang["needs_visa_letter"], wang["dietary"]) == (True, "halal")
    assert wang["badge_code"]
    assert (joao["role"], joao["attendance"], joao["email"]) == (
        "delegate", "video", "joao@example.org")
    assert joao["needs_visa_letter"] is False
    assert (somchai["attendance"], somchai["needs_visa_letter"]) == ("in_person", False)
    assert somchai["organization"]["country_code"] == "TH"

    assert [r["full_name"] for r in roster(organizer_client)] == names
    counts = organizer_client.get(f"{BASE}/registration-counts").json
    assert counts["by_status"]["confirmed"] == 3
    assert counts["seats_taken"] == 2  # the video delegate holds no seat
    assert counts["confirmed_by_attendance"] == {"in_person": 2, "video": 1}
    assert counts["confirmed_by_country"] == {"BR": 1, "CN": 1, "TH": 1}


def test_organization_id_semicolons_bom_and_quoted_newlines(organizer_client, edition, orgs):
    text = ("\ufeffFull Name;Email;Role;Organization_ID;Accessibility\r\n"
            f'Ana Silva;ana@example.org;expert;{orgs["mjsp"]["id"]};"Wheelchair;\r\n'
            'step-free access"\r\n'
            "\r\n"
            "Chen Jing;chen@example.org;speaker;;\r\n")

    response = post_csv(organizer_client, text)

    assert response.status_code == 201, response.json
    ana, chen = response.json["registrations"]
    assert ana["organization"]["id"] == orgs["mjsp"]["id"]
    assert ana["accessibility"] == "Wheelchair;\r\nstep-free access"
    assert chen["organization"] is None
    assert chen["role"] == "speaker"


def test_multipart_upload_is_accepted(organizer_client, edition):
    response = organizer_client.post(
        IMPORT, data={"file": (io.BytesIO(VALID.encode("utf-8")), "roster.csv", "text/csv")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    assert response.json["imported"] == 3


def test_bad_rows_are_all_reported_and_nothing_is_imported(organizer_client, edition):
    before = post_csv(organizer_client, csv_text(
        ["full_name", "email", "role"], ["Already Here", "here@example.org", "delegate"]))
    assert before.status_code == 201
    text = csv_text(
        ["full_name", "email", "role", "organization"],                       # line 1
        ["Good Person", "good@example.org", "delegate", ""],                   # line 2
        ["Bad Role", "badrole@example.org", "minister", ""],                   # line 3
        ["No Such Org", "noorg@example.org", "delegate", "Ministry of Magic"],  # line 4
        ["No Email", "", "delegate", ""],                                      # line 5
        ["Good Again", "GOOD@example.org", "observer", ""],                    # line 6
        ["Returning", "here@example.org", "delegate", ""],                     # line 7
        ["Bad Address", "not-an-email", "expert", ""],                         # line 8
    )

    body = assert_problem(post_csv(organizer_client, text), 422)

    reported = {(error["line"], error["field"]) for error in body["errors"]}
    assert reported == {(3, "role"), (4, "organization"), (5, "email"), (6, "email"),
                        (7, "email"), (8, "email")}
    assert all(error["location"] == "csv" for error in body["errors"])
    by_line = {error["line"]: error["message"] for error in body["errors"]}
    assert "head_of_delegation" in by_line[3]  # the valid roles are listed
    assert "Ministry of Magic" in by_line[4]
    assert "line 2" in by_line[6]
    assert "already registered" in by_line[7]
    assert [error["line"] for error in body["errors"]] == [3, 4, 5, 6, 7, 8]
    assert body["error_count"] == 6
    # Nothing partial: only the registration made before the import exists.
    assert [r["full_name"] for r in roster(organizer_client)] == ["Already Here"]


def test_header_problems(organizer_client, edition):
    body = assert_problem(post_csv(organizer_client, csv_text(
        ["full_name", "role", "passport_number"], ["A", "delegate", "X123"])), 422)
    assert {(e["line"], e["field"], e["code"]) for e in body["errors"]} == {
        (1, "email", "import.missing_column")}

    body = assert_problem(post_csv(organizer_client, ""), 422)
    assert body["errors"][0]["line"] == 1

    body = assert_problem(post_csv(organizer_client, "full_name,email,role\r\n"), 422)
    assert "no registrations" in body["errors"][0]["message"]
    assert roster(organizer_client) == []


def test_files_that_are_not_csv_text_are_refused_with_the_format_to_save_as(
        organizer_client, edition):
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4"
    body = assert_problem(post_csv(organizer_client, workbook), 422)
    assert body["code"] == "import.workbook"
    assert "CSV UTF-8" in body["detail"]
    # UTF-16 without the byte order mark Excel writes: NUL characters, not guessed at.
    body = assert_problem(post_csv(organizer_client, VALID.encode("utf-16-le")), 422)
    assert body["errors"][0]["code"] == "import.nul_characters"
    assert "CSV UTF-8" in body["errors"][0]["message"]
    leading_blank_lines = "\r\n\r\nfull_name;email;role\r\nA;a@example.org;nobody\r\n"
    body = assert_problem(post_csv(organizer_client, leading_blank_lines), 422)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(4, "role")]
    assert roster(organizer_client) == []


def test_unknown_columns_are_ignored_and_named(organizer_client, edition):
    text = csv_text(["full_name", "email", "role", "Shoe size", "status"],
                    ["A", "a@example.org", "delegate", "42", "cancelled"],
                    ["B", "b@example.org", "nobody", "43", ""])
    body = assert_problem(post_csv(organizer_client, text), 422)
    assert {(e["line"], e["field"]) for e in body["errors"]} == {(3, "role")}

    response = post_csv(organizer_client, text.replace("nobody", "observer"))
    assert response.status_code == 201, response.json
    assert response.json["ignored_columns"] == ["Shoe size", "status"]
    [notice] = response.json["notices"]
    assert "Shoe size, status" in notice
    # A status column asks for nothing: the import's own rules decide.
    assert [r["status"] for r in response.json["registrations"]] == ["confirmed"] * 2
    zh = post_csv(organizer_client, csv_text(["full_name", "email", "role", "x"],
                                             ["C", "c@example.org", "delegate", "1"]),
                  **{"Accept-Language": "zh"})
    assert zh.status_code == 201
    assert zh.json["ignored_columns"] == ["x"]
    assert "：x。" in zh.json["notices"][0]


def test_organization_name_and_id_must_agree(organizer_client, edition, orgs):
    text = csv_text(["full_name", "email", "role", "organization_id", "organization"],
                    ["A", "a@example.org", "delegate", str(orgs["mps"]["id"]),
                     "Ministry of Public Security"],
                    ["B", "b@example.org", "delegate", str(orgs["mps"]["id"]),
                     "Immigration Bureau"],
                    ["C", "c@example.org", "delegate", "99999", ""],
                    ["D", "d@example.org", "delegate", "twelve", ""],
                    ["E", "e@example.org", "delegate", "99999999999999999999", ""])
    body = assert_problem(post_csv(organizer_client, text), 422)
    assert {(e["line"], e["field"]) for e in body["errors"]} == {
        (3, "organization"), (4, "organization_id"), (5, "organization_id"),
        (6, "organization_id")}


def test_ambiguous_organization_name_needs_an_id(organizer_client, edition, orgs):
    other = create_organization(organizer_client, "Immigration Bureau", country_code="KH")
    text = csv_text(["full_name", "email", "role", "organization"],
                    ["A", "a@example.org", "delegate", "immigration bureau"])
    body = assert_problem(post_csv(organizer_client, text), 422)
    assert body["errors"][0]["field"] == "organization"
    assert str(other["id"]) in body["errors"][0]["message"]

    text = csv_text(["full_name", "email", "role", "organization_id"],
                    ["A", "a@example.org", "delegate", str(other["id"])])
    assert post_csv(organizer_client, text).status_code == 201


def test_a_row_spanning_lines_is_reported_at_its_first_line(organizer_client, edition):
    text = ('full_name,email,role,dietary\r\n'
            'A,a@example.org,delegate,"no nuts,\r\nno shellfish"\r\n'
            '\r\n'
            'B,b@example.org,chair,\r\n')
    body = assert_problem(post_csv(organizer_client, text), 422)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(5, "role")]


def test_import_respects_capacity_in_file_order(organizer_client, orgs):
    open_edition(organizer_client, capacity=2)
    text = csv_text(["full_name", "email", "role"],
                    ["First", "first@example.org", "delegate"],
                    ["Second", "second@example.org", "delegate"],
                    ["Third", "third@example.org", "delegate"])

    response = post_csv(organizer_client, text)

    assert response.status_code == 201, response.json
    assert [(r["full_name"], r["status"]) for r in response.json["registrations"]] == [
        ("First", "confirmed"), ("Second", "confirmed"), ("Third", "waitlisted")]
    counts = organizer_client.get(f"{BASE}/registration-counts").json
    assert counts["seats_taken"] == 2
    assert counts["by_status"]["waitlisted"] == 1


@pytest.mark.parametrize("requires_approval", [False, True])
def test_imported_video_participants_take_no_seat_and_approval_holds_seats(
        organizer_client, orgs, requires_approval):
    open_edition(organizer_client, capacity=1, requires_approval=requires_approval)
    text = csv_text(["full_name", "email", "role", "attendance"],
                    ["Remote", "remote@example.org", "delegate", "video"],
                    ["Present", "present@example.org", "delegate", "in person"],
                    ["Late", "late@example.org", "delegate", "in_person"])

    response = post_csv(organizer_client, text)

    assert response.status_code == 201, response.json
    admitted = "pending" if requires_approval else "confirmed"
    assert [(r["full_name"], r["status"]) for r in response.json["registrations"]] == [
        ("Remote", admitted), ("Present", admitted), ("Late", "waitlisted")]
    # A registration one by one afterwards sees the same count.
    single = organizer_client.post(f"{BASE}/registrations", json={
        "full_name": "After", "email": "after@example.org", "role": "delegate"})
    assert single.json["status"] == "waitlisted"


def test_import_needs_an_open_edition(organizer_client, orgs):
    create_series(organizer_client)
    create_edition(organizer_client, ordinal=2, slug=SLUG, title="Draft",
                   start_date="2025-11-18", end_date="2025-11-19")
    body = assert_problem(post_csv(organizer_client, VALID), 409)
    assert "not open" in body["detail"]
    assert_problem(organizer_client.post("/api/v1/editions/nope/registrations/import",
                                         data=VALID, content_type="text/csv"), 404)


def test_import_permissions_and_media_types(client, viewer_client, secretariat_client,
                                            organizer_client, edition):
    assert_problem(client.post(IMPORT, data=VALID, content_type="text/csv"), 401)
    assert_problem(viewer_client.post(IMPORT, data=VALID, content_type="text/csv"), 403)
    assert_problem(secretariat_client.post(IMPORT, data=VALID, content_type="text/csv"), 403)
    assert_problem(organizer_client.post(IMPORT, json={"rows": []}), 415)
    body = assert_problem(organizer_client.post(IMPORT, data={"other": "x"},
                                                content_type="multipart/form-data"), 422)
    assert body["errors"][0]["field"] == "file"
    # 0x81 is no character in Windows-1252 either.
    body = assert_problem(post_csv(organizer_client, VALID.encode("cp1252", "replace")
                                   .replace(b"Srisuk", b"Sri\x81uk")), 422)
    assert "UTF-8" in body["detail"]
    assert body["errors"][0]["line"] == 4
    assert roster(organizer_client) == []


def test_too_many_rows_is_refused(organizer_client, edition):
    rows = [["full_name", "email", "role"]] + [
        [f"P{i}", f"p{i}@example.org", "delegate"] for i in range(5001)]
    body = assert_problem(post_csv(organizer_client, csv_text(*rows)), 422)
    assert "5000" in body["detail"]
    assert roster(organizer_client) == []


def test_idempotency_key_replays_the_import(organizer_client, edition):
    first = post_csv(organizer_client, VALID, **{"Idempotency-Key": "import-1"})
    assert first.status_code == 201
    again = post_csv(organizer_client, VALID, **{"Idempotency-Key": "import-1"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert len(roster(organizer_client)) == 3
    assert_problem(post_csv(organizer_client, VALID + "X,x@example.org,delegate\r\n",
                            **{"Idempotency-Key": "import-1"}), 422)
    # Without the key the same file is refused: everyone is registered already.
    body = assert_problem(post_csv(organizer_client, VALID), 422)
    assert {e["line"] for e in body["errors"]} == {2, 3, 4}


def test_idempotency_key_with_a_multipart_retry(organizer_client, edition):
    def send():
        return organizer_client.post(
            IMPORT, headers={"Idempotency-Key": "upload-1"},
            data={"file": (io.BytesIO(VALID.encode()), "roster.csv", "text/csv")},
            content_type="multipart/form-data")

    first = send()
    assert first.status_code == 201, first.json
    again = send()
    assert again.status_code == 201, again.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(roster(organizer_client)) == 3


def test_directory_people_are_matched_by_email_within_their_organization(
        organizer_client, edition, orgs):
    person = organizer_client.post("/api/v1/people", json={
        "full_name": "Li Wei", "email": "Li.Wei@example.org",
        "organization_id": orgs["mps"]["id"]})
    assert person.status_code == 201, person.json
    text = csv_text(["full_name", "email", "role", "organization"],
                    ["Li Wei", "li.wei@EXAMPLE.org", "expert", "Ministry of Public Security"])
    response = post_csv(organizer_client, text)
    assert response.status_code == 201, response.json
    assert response.json["registrations"][0]["person_id"] == person.json["id"]

    # Registered already: the same person again is refused, with the line.
    body = assert_problem(post_csv(organizer_client, text), 422)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(2, "email")]
    assert "already registered" in body["errors"][0]["message"]

    # The same e-mail under another organization is another directory entry (as for a
    # single registration): nobody else's record is taken over.
    other = csv_text(["full_name", "email", "role", "organization"],
                     ["Li Wei (Thai desk)", "li.wei@example.org", "observer",
                      "Immigration Bureau"])
    response = post_csv(organizer_client, other)
    assert response.status_code == 201, response.json
    assert response.json["registrations"][0]["person_id"] != person.json["id"]
    assert organizer_client.get(f"/api/v1/people/{person.json['id']}").json["full_name"] == (
        "Li Wei")


def test_import_of_a_thousand_rows(organizer_client, edition):
    rows = [["full_name", "email", "role", "attendance"]] + [
        [f"Participant {i}", f"p{i}@example.org", "delegate", "video" if i % 3 else "in_person"]
        for i in range(1000)]
    response = post_csv(organizer_client, csv_text(*rows))
    assert response.status_code == 201, response.json
    assert response.json["imported"] == 1000
    counts = organizer_client.get(f"{BASE}/registration-counts").json
    assert counts["seats_taken"] == 334
    assert counts["confirmed_by_attendance"] == {"in_person": 334, "video": 666}
    _, exported_rows = exported(organizer_client)
    assert len(exported_rows) == 1000


# Export -------------------------------------------------------------------------------

def test_export_round_trip(organizer_client, edition, orgs):
    text = csv_text(
        ["full_name", "email", "role", "position", "organization", "dietary"],
        ["Wang Xiaoming 王小明", "wang@example.org", "head_of_delegation", "=1+1",
         "Ministry of Public Security", "@SUM(A1:A2)"],
        ["João Conceição", "joao@example.org", "delegate",
         '=HYPERLINK("http://evil.example","click")',
         "Ministério da Justiça e Segurança Pública", "-2+3"],
        ["Plain Name", "plain@example.org", "observer", "+44 20 7946 0000", "", ""],
    )
    imported = post_csv(organizer_client, text)
    assert imported.status_code == 201, imported.json
    ids = [r["id"] for r in imported.json["registrations"]]

    response = organizer_client.get(EXPORT)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-registrations.csv"')
    columns, rows = exported(organizer_client)

    assert columns == PUBLIC_COLUMNS + PRIVATE_COLUMNS
    assert [int(row["registration_id"]) for row in rows] == ids
    wang, joao, plain = rows
    assert wang["full_name"] == "Wang Xiaoming 王小明"
    assert joao["full_name"] == "João Conceição"
    assert joao["organization"] == "Ministério da Justiça e Segurança Pública"
    assert (joao["organization_acronym"], joao["country_code"]) == ("MJSP", "BR")
    assert wang["position"] == "'=1+1"
    assert wang["dietary"] == "'@SUM(A1:A2)"
    assert joao["position"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert joao["dietary"] == "'-2+3"
    assert plain["position"] == "'+44 20 7946 0000"
    assert (plain["organization"], plain["country_code"]) == ("", "")
    assert wang["email"] == "wang@example.org"
    assert (wang["role"], wang["status"], wang["attendance"]) == (
        "head_of_delegation", "confirmed", "in_person")
    assert wang["badge_code"] == imported.json["registrations"][0]["badge_code"]
    assert wang["needs_visa_letter"] == "no"
    assert wang["confirmed_at"].endswith("+00:00")
    assert wang["checked_in_at"] == "" and wang["delegation_id"] == ""
    assert not any("passport" in column for column in columns)


def test_export_filters_match_the_roster(organizer_client, edition, orgs):
    assert post_csv(organizer_client, VALID).status_code == 201
    for query in ("?attendance=video", "?country_code=cn",
                  f"?organization_id={orgs['immigration']['id']}", "?role=observer",
                  "?status=waitlisted"):
        _, rows = exported(organizer_client, query)
        listed = roster(organizer_client, "&" + query[1:])
        assert [int(row["registration_id"]) for row in rows] == [r["id"] for r in listed]
    _, rows = exported(organizer_client, "?attendance=video")
    assert [row["full_name"] for row in rows] == ["João Conceição"]
    assert_problem(organizer_client.get(f"{EXPORT}?status=nonsense"), 422)


def test_viewer_export_has_no_private_columns(organizer_client, viewer_client,
                                              secretariat_client, edition):
    assert post_csv(organizer_client, VALID).status_code == 201

    for reader_client in (viewer_client, secretariat_client):
        columns, rows = exported(reader_client)
        assert columns == PUBLIC_COLUMNS
        assert len(rows) == 3
        assert all(set(row) == set(PUBLIC_COLUMNS) for row in rows)
        raw = reader_client.get(EXPORT).get_data(as_text=True)
        assert "wang@example.org" not in raw and "halal" not in raw

    columns, _ = exported(organizer_client)
    assert "email" in columns


def test_anonymous_export_is_refused(client, edition):
    response = client.get(EXPORT)
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers


def test_export_of_an_unknown_edition_is_404(organizer_client):
    assert_problem(organizer_client.get("/api/v1/editions/nope/registrations.csv"), 404)


def test_export_of_an_empty_roster_has_the_header(organizer_client, edition):
    columns, rows = exported(organizer_client)
    assert columns == PUBLIC_COLUMNS + PRIVATE_COLUMNS
    assert rows == []


def test_openapi_documents_the_spreadsheet_routes(client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/v1/editions/{slug}/registrations/import"]["post"]
    assert set(post["requestBody"]["content"]) == {"text/csv", "multipart/form-data"}
    assert "201" in post["responses"]
    get = spec["paths"]["/api/v1/editions/{slug}/registrations.csv"]["get"]
    assert "text/csv" in get["responses"]["200"]["content"]
    assert {p["name"] for p in get["parameters"]} >= {"status", "role", "country_code"}


# Round trip and the encodings spreadsheets save in -----------------------------------------

NEXT_SLUG = "sfmmc-2026"
# Values a spreadsheet would mangle: accents, Chinese, formula triggers (the export guards
# them with an apostrophe), an apostrophe that is part of the name, commas, quotes, and
# line breaks where a field may hold them.
TRICKY_PEOPLE = [
    {"full_name": "Zoë Ærøskøbing-Ñúñez", "email": "zoe@example.org", "role": "delegate",
     "position": "Directrice «\u00a0Migrations\u00a0», d’Ornano & Cie", "org": "mjsp",
     "dietary": "Végétarien,\nsans noix", "needs_visa_letter": True},
    {"full_name": "王小明", "email": "wang@example.org", "role": "head_of_delegation",
     "position": "出入境管理局局长", "org": "mps", "attendance": "video"},
    {"full_name": "=HYPERLINK(\"http://evil.example\",\"x\")", "email": "eq@example.org",
     "role": "observer", "position": "+86 10 6620 3000", "org": "immigration_kh",
     "accessibility": "-2+3\r\nstep-free access"},
    {"full_name": "@Handle, \"Quoted\"", "email": "at@example.org", "role": "expert",
     "position": "-Minus", "org": "immigration"},
    {"full_name": "'t Hooft", "email": "hooft@example.org", "role": "speaker",
     "position": "'=Already apostrophed", "org": None, "dietary": "'+ also"},
]
CARRIED = ["full_name", "position", "organization", "organization_acronym", "country_code",
           "role", "attendance", "email", "needs_visa_letter", "dietary", "accessibility"]


def test_export_then_import_is_lossless(organizer_client, edition, orgs):
    """The roster of one edition, exported, imports into the next as it is: every column
    the import reads comes back unchanged (guards taken off, names not renamed), and the
    export's other columns are ignored with a notice."""
    orgs = {**orgs, "immigration_kh": create_organization(
        organizer_client, "Immigration Bureau", acronym="IB-KH", country_code="KH")}
    for person in TRICKY_PEOPLE:
        payload = {key: value for key, value in person.items() if key != "org"}
        if person["org"]:
            payload["organization_id"] = orgs[person["org"]]["id"]
        response = organizer_client.post(f"{BASE}/registrations", json=payload)
        assert response.status_code == 201, response.json
    first = organizer_client.get(EXPORT)
    _columns, rows = exported(organizer_client)
    assert [row["full_name"] for row in rows][2] == "'" + TRICKY_PEOPLE[2]["full_name"]

    create_edition(organizer_client, ordinal=3, slug=NEXT_SLUG, title="Sub-Forum 2026",
                   start_date="2026-11-18", end_date="2026-11-19")
    assert organizer_client.post(f"/api/v1/editions/{NEXT_SLUG}/status",
                                 json={"status": "open"}).status_code == 200
    response = organizer_client.post(f"/api/v1/editions/{NEXT_SLUG}/registrations/import",
                                     data=first.data, content_type="text/csv")

    assert response.status_code == 201, response.json
    result = response.json
    assert result["imported"] == len(TRICKY_PEOPLE)
    assert result["encoding"] == "UTF-8"
    assert result["ignored_columns"] == [
        "registration_id", "organization_acronym", "status", "delegation_id", "badge_code",
        "checked_in_at", "confirmed_at", "created_at"]
    assert len(result["notices"]) == 1
    assert [r["full_name"] for r in result["registrations"]] == [
        p["full_name"] for p in TRICKY_PEOPLE]
    # The same directory entries, not renamed by the import.
    before = {r["email"]: r["person_id"] for r in roster(organizer_client)}
    assert {r["email"]: r["person_id"] for r in result["registrations"]} == before
    for person in TRICKY_PEOPLE:
        shown = organizer_client.get(f"/api/v1/people/{before[person['email']]}").json
        assert (shown["full_name"], shown["position"]) == (person["full_name"],
                                                          person["position"])
    response = organizer_client.get(f"/api/v1/editions/{NEXT_SLUG}/registrations.csv")
    next_rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"),
                                                newline="")))
    assert [{c: row[c] for c in CARRIED} for row in next_rows] == [
        {c: row[c] for c in CARRIED} for row in rows]
    assert next_rows[1]["country_code"] == "CN" and next_rows[2]["country_code"] == "KH"
    assert next_rows[0]["dietary"] == "Végétarien,\nsans noix"
    assert next_rows[2]["accessibility"] == "'-2+3\r\nstep-free access"


def test_excel_csv_in_windows_1252_imports(organizer_client, edition, orgs):
    text = csv_text(["full_name", "email", "role", "position", "organization"],
                    ["José Müller-Ñúñez", "jose@example.org", "delegate",
                     "Chef “Migrations” – Zone €", "Ministério da Justiça e Segurança Pública"],
                    ["Ó Briain", "obriain@example.org", "observer", "", ""])
    response = post_csv(organizer_client, text.encode("cp1252"))
    assert response.status_code == 201, response.json
    assert response.json["encoding"] == "Windows-1252"
    assert "Windows-1252" in response.json["notices"][0]
    jose, obriain = response.json["registrations"]
    assert (jose["full_name"], jose["position"]) == ("José Müller-Ñúñez",
                                                    "Chef “Migrations” – Zone €")
    assert jose["organization"]["id"] == orgs["mjsp"]["id"]
    assert obriain["full_name"] == "Ó Briain"

    # The semicolon variant Excel writes where the decimal separator is a comma.
    semicolons = "full_name;email;role\r\nFrançoise Lefèvre;fl@example.org;expert\r\n"
    response = post_csv(organizer_client, semicolons.encode("cp1252"))
    assert response.status_code == 201, response.json
    assert response.json["registrations"][0]["full_name"] == "Françoise Lefèvre"


def test_excel_unicode_text_imports(organizer_client, edition, orgs):
    """"Unicode Text": UTF-16 little-endian with a byte order mark, tab separated, cells
    with a tab, quote or line break quoted."""
    text = ("full_name\temail\trole\torganization\tdietary\r\n"
            "王小明\twang@example.org\thead_of_delegation\tMinistry of Public Security\t"
            "\"清真,\r\n不吃坚果\"\r\n"
            "João Conceição\tjoao@example.org\tdelegate\t\t\r\n")
    response = post_csv(organizer_client, text.encode("utf-16"))
    assert response.status_code == 201, response.json
    assert response.json["encoding"] == "UTF-16"
    assert response.json["notices"] == []
    wang, joao = response.json["registrations"]
    assert (wang["full_name"], wang["dietary"]) == ("王小明", "清真,\r\n不吃坚果")
    assert wang["organization"]["id"] == orgs["mps"]["id"]
    assert joao["full_name"] == "João Conceição"
    response = post_csv(organizer_client, csv_text(
        ["full_name", "email", "role"], ["A", "a@example.org", "delegate"])
        .encode("utf-16-be").join([b"\xfe\xff", b""]))
    assert response.status_code == 201, response.json


def test_a_legacy_chinese_file_is_refused_naming_the_line_and_the_fix(organizer_client,
                                                                      edition):
    """Excel's "CSV (Comma delimited)" on a Chinese system writes GBK: read as Windows-1252
    it would store garbled names, so it is refused, with the line that shows it."""
    text = csv_text(["full_name", "email", "role"],
                    ["Li Wei", "li@example.org", "delegate"],
                    ["Chen Jing 陈静", "chen@example.org", "delegate"])
    body = assert_problem(post_csv(organizer_client, text.encode("gbk")), 422)
    assert body["code"] == "import.unknown_encoding"
    assert body["params"]["line"] == 3
    assert body["params"]["fix"] == "save_as_csv_utf8"
    assert "CSV UTF-8" in body["detail"]
    [error] = body["errors"]
    assert (error["line"], error["code"], error["params"]["line"]) == (
        3, "import.unknown_encoding", 3)
    assert "Line 3" in error["message"]
    zh = assert_problem(post_csv(organizer_client, text.encode("gbk"),
                                 **{"Accept-Language": "zh"}), 422)
    assert "第3行" in zh["errors"][0]["message"] and "CSV UTF-8" in zh["detail"]
    # A file that says it is UTF-8 (byte order mark) and is not, further down.
    broken = (b"\xef\xbb\xbffull_name,email,role\r\nA,a@example.org,delegate\r\n"
              b"B\xff,b@example.org,delegate\r\n")
    body = assert_problem(post_csv(organizer_client, broken), 422)
    assert (body["code"], body["errors"][0]["line"]) == ("import.not_utf8", 3)
    assert roster(organizer_client) == []


def test_formula_guard_round_trip_at_the_cell_level():
    from eventhub.registrations.spreadsheets import _cell, _unguard

    for value in ("=1+1", "+44", "-3", "@SUM(A1)", "'=x", "''=x", "'t Hooft", "plain", "'",
                  "'-", "\tindented"):
        assert _unguard(_cell(value)) == value, value
    assert _cell("'t Hooft") == "'t Hooft"
    assert _unguard("'t Hooft") == "'t Hooft"


WESTERN_NAMES = ["Zoë Ærøskøbing", "Ñúñez Peña", "Søren Ågård “Sø” – €5", "Ó Briain",
                 "José «\u00a0Pepe\u00a0» García", "Müßig, 25°C", "¿Qué?", "d’Ornano…",
                 "Slavoj Žižek", "Björk Guðmundsdóttir", "Þórður", "Œuvre «Élysée»",
                 "Mª José, 1º", "São Tomé à la Ève", "Café 1990–2000 “Zoë’s”", "50 €"]
# Legacy "CSV (Comma delimited)" of Chinese, Taiwanese, Japanese, Korean and Russian
# systems.
OTHER_SCRIPTS = [(name, encoding) for encoding in ("gbk", "big5", "shift_jis")
                 for name in ("王 Wei", "公安部出入境管理局", "巴西", "山田")] + [
    ("陈静", "gbk"), ("刘", "gbk"), ("김민수", "euc_kr"), ("Иван Петров", "cp1251")]


@pytest.mark.parametrize("name", WESTERN_NAMES)
def test_western_european_legacy_files_are_read(name):
    from eventhub.registrations.spreadsheets import decode_file

    text = f"full_name,email,role\r\n{name},x@example.org,delegate\r\n"
    decoded = decode_file(text.encode("cp1252"))
    assert (decoded.text, decoded.encoding) == (text, "Windows-1252")


@pytest.mark.parametrize(("name", "encoding"), OTHER_SCRIPTS)
def test_legacy_files_of_other_scripts_are_never_read_as_windows_1252(name, encoding):
    from eventhub.errors import Unprocessable
    from eventhub.registrations.spreadsheets import decode_file

    text = f"full_name,email,role\r\nA,a@example.org,delegate\r\n{name},x@example.org,delegate\r\n"
    with pytest.raises(Unprocessable) as refused:
        decode_file(text.encode(encoding))
    assert (refused.value.code, refused.value.params["line"]) == ("import.unknown_encoding", 3)
