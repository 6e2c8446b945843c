"""The OpenAPI document as an integrator's generator reads it, and the checker that holds
every response of the suite to it (tests/_openapi_check.py).

What a client generated from /api/openapi.json relies on: unique operationIds named by
resource and action, errors as problem+json with the Problem schema, the media types an
operation really sends (`*/*` gets JSON), a bearer token declared where it changes the
answer, typed nullable fields, and X-Pagination as the JSON it is."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from _helpers import create_edition, create_series
from _openapi_check import Contract, ContractViolation, check_response
from _statements import create_statement, open_edition, statement_url

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return app.test_client().get("/api/openapi.json").get_json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_every_operation_has_a_unique_operation_id_named_by_resource_and_action(spec):
    ids = Counter(operation.get("operationId") for _, _, operation in operations(spec))
    assert None not in ids
    assert [name for name, count in ids.items() if count > 1] == []
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)+", name) for name in ids), sorted(ids)
    by_route = {(method, path): operation["operationId"]
                for method, path, operation in operations(spec)}
    assert by_route[("get", "/api/v1/editions")] == "editions_list"
    assert by_route[("post", "/api/v1/editions")] == "editions_create"
    assert by_route[("get", "/api/v1/editions/{slug}/statements/{statement_id}")] == (
        "statements_get")
    assert by_route[("get", "/api/v1/editions/{slug}/programme.ics")] == "programme_ical"
    assert by_route[("patch", "/api/v1/editions/{slug}/figures/{key}")] == "figures_update"


def test_errors_are_problem_documents_with_the_problem_schema(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["status"]["type"] == "integer"
    assert problem["properties"]["errors"]["type"] == "array"
    assert {"type", "title", "status", "code"} <= set(problem["required"])
    responses = spec["components"]["responses"]
    for method, path, operation in operations(spec):
        errors = {status: response for status, response in operation["responses"].items()
                  if status == "default" or status.startswith(("4", "5"))}
        assert "default" in errors, (method, path)
        for status, response in errors.items():
            if "$ref" in response:
                response = responses[response["$ref"].rsplit("/", 1)[1]]
            assert response["content"] == {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path, status)


def test_error_statuses_follow_what_an_operation_is(spec):
    paths = spec["paths"]
    create = paths["/api/v1/editions"]["post"]["responses"]
    assert {"400", "401", "403", "409", "422"} <= set(create)
    read = paths["/api/v1/editions/{slug}"]["get"]["responses"]
    assert {"401", "404"} <= set(read)
    edit = paths["/api/v1/editions/{slug}/statements/{statement_id}/sections/{key}"]["put"]
    assert {"412", "428"} <= set(edit["responses"])
    assert any(p.get("name") == "If-Match" for p in edit["parameters"])
    sign_in = paths["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "422", "429"} <= set(sign_in)
    assert "401" not in paths["/api/v1/rsvp/{token}"]["get"]["responses"]


def test_security_is_optional_where_a_token_changes_the_answer_and_required_elsewhere(spec):
    paths = spec["paths"]
    optional = [{}, {"bearerAuth": []}]
    assert paths["/api/v1/editions"]["get"]["security"] == optional
    assert paths["/api/v1/editions/{slug}"]["get"]["security"] == optional
    assert paths["/api/v1/editions"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/organizations"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/auth/token"]["post"]["security"] == []
    assert paths["/api/v1/rsvp/{token}"]["get"]["security"] == []
    assert all("security" in operation for _, _, operation in operations(spec))
    assert spec["servers"] and spec["servers"][0]["url"]


def test_a_signed_in_call_as_a_generated_client_makes_it_lists_drafts(organizer_client,
                                                                     client):
    """The document says editions_list takes an optional token; a client that sends it,
    as generated clients do for such operations, sees the organizer's draft."""
    create_series(organizer_client)
    create_edition(organizer_client, slug="draft-2026")
    signed_in = organizer_client.get("/api/v1/editions", headers={"Accept": "*/*"})
    assert "draft-2026" in [edition["slug"] for edition in signed_in.json]
    assert client.get("/api/v1/editions").json == []
    assert organizer_client.get("/api/v1/editions/draft-2026").status_code == 200
    assert client.get("/api/v1/editions/draft-2026").status_code == 404


def test_nullable_fields_are_typed(spec):
    schemas = spec["components"]["schemas"]
    # The brief organization, or null: never an untyped object beside it.
    host = schemas["Edition"]["properties"]["host_organization"]
    assert host["anyOf"] == [{"$ref": "#/components/schemas/OrganizationBrief"},
                             {"type": "object", "nullable": True, "enum": [None]}]

    def untyped_nullables(node, where=""):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                yield where
            for key, value in node.items():
                yield from untyped_nullables(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from untyped_nullables(value, f"{where}/{index}")

    assert list(untyped_nullables(spec)) == []
    delivery = schemas["Speech"]["properties"]["delivery"]
    assert delivery["type"] == "string" and delivery["nullable"] is True


def test_the_pagination_header_is_declared_as_the_json_it_is(spec, organizer_client):
    header = spec["components"]["headers"]["PAGINATION"]
    assert header["content"] == {"application/json": {
        "schema": {"$ref": "#/components/schemas/PaginationMetadata"}}}
    create_series(organizer_client)
    create_edition(organizer_client)
    sent = organizer_client.get("/api/v1/editions?page_size=1").headers["X-Pagination"]
    assert json.loads(sent)["total"] == 1


def test_star_accept_gets_json_from_a_statement_and_renderings_need_asking(
        organizer_client, secretariat_client, spec):
    open_edition(organizer_client)
    statement_id = create_statement(secretariat_client).json["id"]
    url = statement_url(statement_id)
    for accept in ("*/*", "application/json", "*/*;q=0.8, application/json"):
        response = secretariat_client.get(url, headers={"Accept": accept})
        assert response.mimetype == "application/json", accept
        assert response.json["id"] == statement_id
    assert secretariat_client.get(url).mimetype == "application/json"  # no Accept at all
    assert secretariat_client.get(url, headers={"Accept": "text/markdown"}).mimetype == (
        "text/markdown")
    assert secretariat_client.get(url, headers={"Accept": "text/plain"}).mimetype == (
        "text/plain")
    assert secretariat_client.get(f"{url}?format=pdf").data.startswith(b"%PDF-")
    declared = spec["paths"]["/api/v1/editions/{slug}/statements/{statement_id}"]["get"][
        "responses"]["200"]["content"]
    assert next(iter(declared)) == "application/json"
    assert set(declared) == {"application/json", "text/plain", "text/markdown",
                             "text/html", "application/pdf"}


def test_every_file_an_operation_sends_has_its_media_type_declared(spec):
    def content(path, method="get", status="200"):
        return set(spec["paths"][path][method]["responses"][status]["content"])

    assert content("/api/v1/editions/{slug}/programme.ics") == {"text/calendar"}
    assert content("/api/v1/editions/{slug}/people/{person_id}/agenda.ics") == {
        "text/calendar"}
    assert content("/api/v1/editions/{slug}/registrations/{registration_id}/visa/letter",
                   "post") == {"application/pdf"}
    assert content("/api/v1/editions/{slug}/badges.pdf") == {"application/pdf"}
    assert content("/api/v1/editions/{slug}/registrations.csv") == {"text/csv"}


# The checker itself: it must fail on what the document does not say.

class _Response:
    def __init__(self, status: int, mimetype: str, body: bytes, headers=None) -> None:
        self.status_code, self.mimetype, self._body = status, mimetype, body
        self.headers = headers or {}

    def get_data(self) -> bytes:
        return self._body


def test_the_checker_refuses_an_undeclared_status_media_type_or_body(app, spec):
    contract = Contract(spec)
    _, errors = contract.problems("get", "/api/v1/editions/x", 409, "application/problem+json",
                                  b"{}", {})
    assert errors and "status 409 is not declared" in errors[0]
    _, errors = contract.problems("get", "/api/v1/editions/x", 200, "text/plain", b"x", {})
    assert errors and "media type 'text/plain' is not declared" in errors[0]
    problem = {"type": "about:blank", "title": "Not found", "status": "404",
               "code": "not_found", "errors": {}}
    _, errors = contract.problems("get", "/api/v1/editions/x", 404, "application/problem+json",
                                  json.dumps(problem).encode(), {})
    assert any("status" in error for error in errors)
    assert any("errors" in error for error in errors)
    _, errors = contract.problems("get", "/api/v1/editions", 200, "application/json", b"[]",
                                  {"X-Pagination": "page=1,total=0"})
    assert errors and "X-Pagination is not JSON" in errors[0]
    with app.test_request_context(), pytest.raises(ContractViolation) as raised:
        check_response(app, "GET", "/api/v1/editions/x",
                       _Response(200, "text/plain", b"hello"))
    message = str(raised.value)
    assert "editions_get" in message and "status: 200, media type: text/plain" in message


def test_the_checker_passes_a_real_problem_and_a_real_list(app, client):
    response = client.get("/api/v1/editions/nowhere")  # checked on the way, too
    assert response.status_code == 404
    contract = Contract(client.get("/api/openapi.json").get_json())
    _, errors = contract.problems("get", "/api/v1/editions/nowhere", 404,
                                  response.mimetype, response.get_data(), response.headers)
    assert errors == []
