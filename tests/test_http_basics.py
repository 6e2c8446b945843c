"""Health checks, the API documents and HTTP-level errors."""

from __future__ import annotations

from _helpers import assert_problem, create_series, error_fields


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["worker"]["status"] in {"none", "running", "stale"}


def test_readyz_names_the_database(client, is_postgres):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert response.json["database"] == ("postgresql" if is_postgres else "sqlite")


def test_openapi_document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "EventHub API"
    for path in ("/api/v1/editions", "/api/v1/editions/{slug}", "/api/v1/organizations",
                 "/api/v1/auth/token"):
        assert path in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/editions"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_swagger_ui_is_served_with_its_local_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in html
    assert "/api/openapi.json" in html

    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert "javascript" in asset.mimetype
    assert len(asset.data) > 10_000
    asset.close()


def test_unknown_url_is_a_404_problem(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["instance"] == "/api/v1/no-such-thing"
    assert body["type"] == "about:blank"


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.put("/api/v1/editions", json={})
    assert_problem(response, 405)
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "PUT" not in allowed


def test_oversized_body_is_a_413_problem(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/auth/token", data=b"x" * (limit + 1),
                           content_type="application/json")
    assert_problem(response, 413)


def test_malformed_json_is_a_problem(client):
    response = client.post("/api/v1/auth/token", data=b"{not json",
                           content_type="application/json")
    body = assert_problem(response, 400)
    assert body["errors"][0]["message"] == "Invalid JSON body."


def test_numbers_beyond_the_id_range_are_refused_before_the_database(organizer_client):
    # 2**64 - 1 is what fuzzers try first; SQLite cannot bind it and PostgreSQL's integer
    # keys stop at 2**31 - 1.
    huge = 2**64 - 1
    for path in (f"/api/v1/organizations/{huge}", "/api/v1/organizations/2147483648",
                 "/api/v1/organizations/0", f"/api/v1/people/{huge}"):
        assert_problem(organizer_client.patch(path, json={"country_code": None}), 404)
    body = assert_problem(organizer_client.post("/api/v1/people", json={
        "full_name": "Ana Example", "organization_id": huge}), 422)
    assert body["errors"][0]["field"] == "organization_id"
    body = assert_problem(organizer_client.get(f"/api/v1/editions?year={huge}"), 422)
    assert body["errors"][0]["field"] == "year"
    assert organizer_client.get("/api/v1/people").json == []


def test_nul_characters_are_refused_wherever_they_are_sent(organizer_client):
    # PostgreSQL cannot store U+0000; before this check such text was a server error there.
    body = assert_problem(organizer_client.post("/api/v1/people", json={
        "full_name": "Ana\x00 Example", "contacts": [{"note": "fine"}, {"note": "x\x00"}]}), 422)
    assert {(e["field"], e["location"]) for e in body["errors"]} == {
        ("full_name", "json"), ("contacts.1.note", "json")}
    body = assert_problem(organizer_client.get("/api/v1/people?q=a%00b"), 422)
    assert body["errors"][0]["field"] == "q"
    assert_problem(organizer_client.get("/api/v1/editions/a%00b"), 404)
    assert organizer_client.get("/api/v1/people").json == []

    page = organizer_client.post("/login", data={"email": "a\x00b@example.org",
                                                 "password": "x"})
    assert page.status_code == 400
    assert "NUL characters" in page.get_data(as_text=True)


def test_unpaired_surrogates_and_deeply_nested_json_are_refused(organizer_client):
    # JSON may escape a lone surrogate; it is no character and could not be encoded for
    # the database (a server error before this check).
    body = assert_problem(organizer_client.post(
        "/api/v1/people", data='{"full_name": "Ana \\ud800 Example"}',
        content_type="application/json"), 422)
    assert error_fields(body) == {"full_name"}
    assert "unpaired surrogates" in body["detail"]
    deep = "[" * 50_000 + "]" * 50_000
    body = assert_problem(organizer_client.post(
        "/api/v1/people", data='{"full_name": ' + deep + "}",
        content_type="application/json"), 400)
    assert "nested too deeply" in body["detail"]
    assert organizer_client.get("/api/v1/people").json == []


def test_dates_at_the_ends_of_the_calendar_are_refused_with_the_field_named(organizer_client):
    # Found by hand after the fuzzer's id overflow: converting 9999-12-31T23:00-05:00 to
    # UTC, or adding a day to 9999-12-31, overflowed into a server error.
    create_series(organizer_client, slug="years", name="Years")
    edition = {"series": "years", "ordinal": 1, "slug": "years-2030", "title": "Years",
               "time_zone": "Asia/Shanghai", "start_date": "2030-05-06",
               "end_date": "2030-05-07"}
    assert organizer_client.post("/api/v1/editions", json=edition).status_code == 201
    refusals = [
        ("POST", "/api/v1/editions", {**edition, "slug": "years-9999", "ordinal": 2,
                                      "end_date": "9999-12-31"}, "end_date"),
        ("PATCH", "/api/v1/editions/years-2030", {"start_date": "0001-01-01"}, "start_date"),
        ("POST", "/api/v1/editions/years-2030/programme/items", {
            "kind": "plenary", "title": "Late", "starts_at": "9999-12-31T23:00:00-05:00",
            "ends_at": "9999-12-31T23:30:00-05:00"}, "starts_at"),
        ("GET", "/api/v1/editions/years-2030/programme?version=draft&day=0001-01-01", None,
         "day"),
    ]
    for method, path, body, field in refusals:
        response = organizer_client.open(path, method=method, json=body)
        problem = assert_problem(response, 422)
        assert field in error_fields(problem), (path, problem)
        assert "between the years 1900 and 2199" in str(problem["errors"])
    assert [e["slug"] for e in organizer_client.get("/api/v1/editions").json] == ["years-2030"]
    assert organizer_client.get("/api/v1/editions/years-2030").json["start_date"] == "2030-05-06"


def test_a_form_part_without_a_name_is_an_ordinary_refusal(organizer_client):
    # Found by schemathesis: the check for unstorable text choked on a nameless part.
    body = b"--xx\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--xx--\r\n"
    response = organizer_client.post("/api/v1/editions/none/registrations/import", data=body,
                                     content_type="multipart/form-data; boundary=xx")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
