"""The OpenAPI document's conventions, applied to every operation as the document is built.

Integrators generate clients from /api/openapi.json, so the document has to say what the
server does: each operation's error statuses (problem documents, RFC 9457), an
operationId named by resource and action, whether a bearer token is required or merely
changes the answer, and every media type an operation can send. The decorators of the
views say what is particular to one operation; the rules common to all live here, read
from the routes and the permission decorators (eventhub.http.requires, requires_login)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask import Flask

from eventhub.errors import PROBLEM_MIME

BEARER = [{"bearerAuth": []}]
# Readable anonymously and signed in, where a token changes the answer (drafts, internal
# data): generated clients send the token when they have one.
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]

TEXT = {"type": "string"}
BINARY = {"type": "string", "format": "binary"}
PDF = {"application/pdf": {"schema": BINARY}}

# Rate-limited requests (eventhub.security): the password checks and the invitation links.
_RATE_LIMITED = {("post", "/api/v1/auth/token"), ("put", "/api/v1/auth/me/password")}

_ACTIONS = {"get": "get", "patch": "update", "put": "replace", "delete": "delete",
            "post": "create"}

# Names the automatic rule (below) gets wrong or makes ambiguous: (method, path) -> name.
OPERATION_IDS = {
    ("post", "/api/v1/auth/token"): "auth_sign_in",
    ("delete", "/api/v1/auth/token"): "auth_sign_out",
    ("get", "/api/v1/auth/me"): "auth_me_get",
    ("patch", "/api/v1/auth/me"): "auth_me_update",
    ("put", "/api/v1/auth/me/password"): "auth_password_change",
    ("get", "/api/v1/editions/{slug}/programme.ics"): "programme_ical",
    ("get", "/api/v1/editions/{slug}/people/{person_id}/agenda"): "agenda_get",
    ("get", "/api/v1/editions/{slug}/people/{person_id}/agenda.ics"): "agenda_ical",
    ("get", "/api/v1/editions/{slug}/programme"): "programme_get",
    ("get", "/api/v1/editions/{slug}/programme/attendance"): "programme_attendance",
    ("get", "/api/v1/editions/{slug}/programme/changes"): "programme_changes",
    ("get", "/api/v1/editions/{slug}/registrations.csv"): "registrations_export_csv",
    ("post", "/api/v1/editions/{slug}/registrations/import"): "registrations_import_csv",
    ("get", "/api/v1/editions/{slug}/registration-counts"): "registrations_counts",
    ("post", "/api/v1/editions/{slug}/check-in"): "registrations_check_in",
    ("get", "/api/v1/editions/{slug}/badges.pdf"): "badges_edition_pdf",
    ("get", "/api/v1/editions/{slug}/delegations/{delegation_id}/badges.pdf"):
        "badges_delegation_pdf",
    ("get", "/api/v1/editions/{slug}/registrations/{registration_id}/badge.pdf"):
        "badges_registration_pdf",
    ("post", "/api/v1/editions/{slug}/registrations/{registration_id}/visa/letter"):
        "visa_letter_issue",
    ("get", "/api/v1/editions/{slug}/registrations/{registration_id}/visa"): "visa_get",
    ("put", "/api/v1/editions/{slug}/registrations/{registration_id}/visa"): "visa_replace",
    ("delete", "/api/v1/editions/{slug}/registrations/{registration_id}/visa"):
        "visa_delete",
    ("put", "/api/v1/rsvp/{token}/members/{registration_id}/visa"): "rsvp_visa_replace",
    ("get", "/api/v1/editions/{slug}/delegations/{delegation_id}/credential"):
        "credentials_download",
    ("post", "/api/v1/editions/{slug}/delegations/{delegation_id}/credential/review"):
        "credentials_review",
    ("put", "/api/v1/rsvp/{token}/credential"): "rsvp_credential_upload",
    ("get", "/api/v1/rsvp/{token}"): "rsvp_get",
    ("put", "/api/v1/rsvp/{token}/delegation"): "rsvp_delegation_replace",
    ("get", "/api/v1/rsvp/{token}/sessions"): "rsvp_sessions_list",
    ("post", "/api/v1/rsvp/{token}/sessions/{item_id}"): "rsvp_sessions_sign_up",
    ("delete", "/api/v1/rsvp/{token}/sessions/{item_id}/{registration_id}"):
        "rsvp_sessions_withdraw",
    ("get", "/api/v1/editions/{slug}/statements/{statement_id}/diff"): "statements_diff",
    ("get", "/api/v1/editions/{slug}/statements/{statement_id}/fact-check"):
        "statements_fact_check",
    ("post", "/api/v1/editions/{slug}/statements/draft-from-record"):
        "statements_draft_from_record",
    ("post", "/api/v1/editions/{slug}/statements/{statement_id}/status"):
        "statements_status_change",
    ("put", "/api/v1/editions/{slug}/statements/{statement_id}/approver"):
        "statements_approver_replace",
    ("post", "/api/v1/editions/{slug}/statements/{statement_id}/languages"):
        "statements_language_create",
    ("post", "/api/v1/editions/{slug}/statements/{statement_id}/corrections"):
        "statements_correction_create",
    ("post", "/api/v1/editions/{slug}/statements/{statement_id}/revisions/{number}/restore"):
        "revisions_restore",
    ("post", "/api/v1/editions/{slug}/status"): "editions_status_change",
    ("post", "/api/v1/editions/{slug}/next"): "editions_next_create",
    ("get", "/api/v1/editions/{slug}/export"): "editions_export",
    ("post", "/api/v1/editions/{slug}/anonymize"): "editions_anonymize",
    ("post", "/api/v1/archive/import"): "editions_import",
    ("get", "/api/v1/history/participation"): "history_participation",
    ("get", "/api/v1/history/organizations/{organization_id}"): "history_organization",
    ("get", "/api/v1/history/figures"): "history_figures",
    ("get", "/api/v1/audit"): "audit_list",
    ("get", "/api/v1/editions/{slug}/participants"): "participants_get",
    ("post", "/api/v1/editions/{slug}/invitations/send-drafts"): "invitations_send_drafts",
    ("post", "/api/v1/editions/{slug}/invitations/bulk"): "invitations_create_bulk",
    ("get", "/api/v1/editions/{slug}/programme/items/{item_id}/protocol-order"):
        "protocol_order_get",
    ("post", "/api/v1/editions/{slug}/programme/items/{item_id}/protocol-order"):
        "protocol_order_apply",
}


# Collections whose bare name would not say what they hold.
_RESOURCE_NAMES = {"items": "programme_items", "versions": "programme_versions",
                   "signups": "session_signups", "speeches": "speeches"}

IF_MATCH = {"in": "header", "name": "If-Match", "required": True,
            "description": "The ETag of the statement as read", "schema": {"type": "string"}}


def _snake(word: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")


def operation_id(method: str, path: str) -> str:
    """`<resource>_<action>`: the last collection named in the path, and what the method
    does to it (list/create on a collection, get/update/replace/delete on one of its
    members); a verb after a member (/items/{id}/cancel) is the action itself."""
    if (method, path) in OPERATION_IDS:
        return OPERATION_IDS[(method, path)]
    parts = [part for part in path.split("/")[3:] if part]  # after /api/v1
    is_param = [part.startswith("{") for part in parts]
    if is_param[-1]:
        resource = parts[-2]
        action = _ACTIONS[method]
    elif len(parts) >= 3 and is_param[-2] and method == "post" and not is_param[-3]:
        # /<collection>/{id}/<verb>, unless the last word is a sub-collection (sections,
        # comments...), which reads as "<sub-collection>_create".
        if parts[-1].endswith("s") and parts[-1] not in ("status",):
            resource, action = parts[-1], "create"
        else:
            resource, action = parts[-3], parts[-1]
    else:
        resource = parts[-1]
        action = {"get": "list", "post": "create"}.get(method, _ACTIONS[method])
    resource = _RESOURCE_NAMES.get(resource, resource)
    return f"{_snake(resource)}_{_snake(action)}"


def _view_method(app: Flask, endpoint: str, method: str) -> Any:
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, method, None) if view_class is not None else None


def _decorated(function: Any, attribute: str) -> Any:
    """An attribute set by a decorator anywhere in the wrapping chain."""
    while function is not None:
        if hasattr(function, attribute):
            return getattr(function, attribute)
        function = getattr(function, "__wrapped__", None)
    return None


def _has_if_match(operation: dict[str, Any]) -> bool:
    return any(isinstance(p, dict) and p.get("in") == "header"
               and p.get("name", "").lower() == "if-match"
               for p in operation.get("parameters", []))


def error_statuses(method: str, path: str, operation: dict[str, Any], *,
                   signed_in: bool, permission: bool) -> list[int]:
    """The error statuses an operation can answer with, from what it is."""
    statuses: set[int] = set()
    if operation.get("security"):
        statuses.add(401)  # required, or an optional token that is unknown or expired
    if permission or signed_in:
        statuses.add(403)
    if "{" in path:
        statuses.add(404)
    if method != "get":
        statuses.update((409, 422))
    if "requestBody" in operation:
        statuses.update((400, 413, 415))
    if any(p.get("in") == "query" for p in operation.get("parameters", [])
           if isinstance(p, dict)):
        statuses.add(422)
    if _has_if_match(operation):
        statuses.update((412, 428))
    if path.startswith("/api/v1/rsvp/"):
        statuses.update((404, 410, 429))
    if (method, path) in _RATE_LIMITED:
        statuses.update((401, 429))  # a wrong password too
    return sorted(statuses)


class ContractPlugin(BasePlugin):
    """Completes each operation of the document (see the module's docstring)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if not operations or path is None:
            return
        # apispec gives the Flask path (<slug>); the document's is /{slug}.
        openapi_path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)
        for method, operation in operations.items():
            if method not in _ACTIONS:
                continue
            function = _view_method(self.app, rule.endpoint, method) if rule else None
            permission = _decorated(function, "_required_permission") is not None
            signed_in = bool(_decorated(function, "_requires_login"))
            if "operationId" not in operation:
                operation["operationId"] = operation_id(method, openapi_path)
            if "security" not in operation:
                operation["security"] = (BEARER if permission or signed_in
                                         else OPTIONAL_BEARER)
            if (openapi_path.startswith("/api/v1/rsvp/")
                    or (openapi_path == "/api/v1/auth/token" and method == "post")):
                # The invitation link's secret (in the path) or the password is the key.
                operation["security"] = []
            responses = operation.setdefault("responses", {})
            extra = _decorated(function, "_openapi_content") or {}
            for status, content in extra.items():
                response = responses.setdefault(status, {"description": HTTPStatus(
                    int(status)).phrase})
                if isinstance(response, dict):
                    response.setdefault("content", {}).update(content)
            refusals = set(_decorated(function, "_openapi_refusals") or ())
            for status in refusals | set(error_statuses(
                    method, openapi_path, operation, signed_in=signed_in,
                    permission=permission)):
                if status not in responses and str(status) not in responses:
                    responses[status] = _response_name(status)


def _response_name(status: int) -> str:
    # flask-smorest registers a problem response per status, named as HTTPStatus names it
    # (Python 3.13 renamed a few; the names of 3.11 are used throughout).
    return {413: "REQUEST_ENTITY_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY"}.get(
        status, HTTPStatus(status).name)


def also_returns(status: int, content: dict[str, Any]):
    """Declare more media types for a response than its schema's (e.g. the renderings of a
    statement beside its JSON)."""

    def decorator(function: Any) -> Any:
        existing = dict(getattr(function, "_openapi_content", {}))
        existing.setdefault(status, {}).update(content)
        function._openapi_content = existing
        return function

    return decorator


def may_refuse(*statuses: int):
    """Declare error statuses beyond those the route implies (eventhub.openapi's rules),
    e.g. a 409 from a read whose result cannot be made in the resource's state."""

    def decorator(function: Any) -> Any:
        function._openapi_refusals = (*getattr(function, "_openapi_refusals", ()), *statuses)
        return function

    return decorator


def nullable_types(converter: Any, field: Any, ret: dict[str, Any], **kwargs: Any
                   ) -> dict[str, Any]:
    """OpenAPI 3.0.3 for nullable fields as generators and strict linters read them.

    A nullable reference is "the referenced schema, or null": `anyOf` of the reference and
    a branch that admits null only (`enum: [null]`), where apispec's branch was an untyped
    object that generators turned into a dict. (`allOf` + `nullable` does not do: 3.0.3
    gives `nullable` no effect without a `type`, and with `type: object` beside it
    openapi-python-client drops the null.) A nullable enum gets its type."""
    any_of = ret.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2:
        refs = [item for item in any_of if "$ref" in item]
        nulls = [item for item in any_of if item.get("nullable") and "$ref" not in item]
        if len(refs) == 1 and len(nulls) == 1:
            ret["anyOf"] = [refs[0], NULL_ONLY]
    if ret.get("nullable") and "type" not in ret and "enum" in ret:
        values = [value for value in ret["enum"] if value is not None]
        if all(isinstance(value, str) for value in values):
            ret["type"] = "string"
    return {}


# The branch of a nullable reference that admits null and nothing else.
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def problem_content(schema_ref: str = "#/components/schemas/Problem") -> dict[str, Any]:
    return {PROBLEM_MIME: {"schema": {"$ref": schema_ref}}}
