"""Every response the suite receives from /api/v1 is held to the app's own OpenAPI document.

`ContractClient` (installed as the app's test client class in conftest.py) checks each
response it receives against /api/openapi.json: the operation declares the status (an
error status explicitly, not through `default`), the media type is declared for that
status, and the body (JSON or problem+json) and the X-Pagination header validate against
the declared schemas. A mismatch fails the test that made the request, naming the
operation, status, media type and what is wrong, so the document or the server can be put
right (never the request left unchecked).

The schemas are OpenAPI 3.0 (with `nullable`); each is turned into JSON Schema draft 4 and
compiled once per process (jsonschema_rs, the Rust validator schemathesis brings), one
validator per operation, status and media type, with every `$ref` resolved inside the
document: checking costs a small fraction of the suite's time."""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from flask.testing import FlaskClient

API_PREFIX = "/api/v1/"
JSON_TYPES = ("application/json", "application/problem+json")


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: `nullable: true` admits null."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _nullable_to_json_schema(value) for key, value in node.items()
                 if key not in ("nullable", "example", "examples", "discriminator",
                                "readOnly", "writeOnly", "deprecated", "xml",
                                "externalDocs")}
    if node.get("nullable") is True:
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        if "type" in converted and not any(k in converted for k in ("allOf", "anyOf",
                                                                      "oneOf", "$ref")):
            types = converted["type"] if isinstance(converted["type"], list) else [
                converted["type"]]
            converted["type"] = [*types, "null"]
        else:
            converted = {"anyOf": [{"type": "null"}, converted]}
    return converted


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    responses: dict[str, Any]


class Contract:
    """The document, its operations found by method and path, and compiled validators."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._components = _nullable_to_json_schema(spec.get("components", {}))
        self._validators: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()
        # Literal paths before templated ones (/registrations.csv before /{id}); fewer
        # parameters first.
        self._routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for path, item in sorted(spec["paths"].items(),
                                 key=lambda entry: (entry[0].count("{"), entry[0])):
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+",
                                              re.escape(path)) + "$")
            self._routes.append((pattern, path, item))

    def operation(self, method: str, path: str) -> Operation | None:
        for pattern, template, item in self._routes:
            if pattern.match(path) and method.lower() in item:
                operation = item[method.lower()]
                return Operation(method.lower(), template, operation.get("operationId", "?"),
                                 operation.get("responses", {}))
        return None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            parts = node["$ref"].removeprefix("#/").split("/")
            target: Any = self.spec
            for part in parts:
                target = target[part]
            node = target
        return node

    def _validator(self, key: tuple[str, ...], schema: dict[str, Any]) -> Any:
        validator = self._validators.get(key)
        if validator is None:
            with self._lock:
                validator = self._validators.get(key)
                if validator is None:
                    document = {**_nullable_to_json_schema(copy.deepcopy(schema)),
                                "components": self._components}
                    validator = jsonschema_rs.Draft4Validator(document)
                    self._validators[key] = validator
        return validator

    def problems(self, method: str, path: str, status: int, mimetype: str,
                 body: bytes, headers: Any) -> tuple[Operation | None, list[str]]:
        operation = self.operation(method, path)
        if operation is None:
            # No such operation: a URL or method the API does not have (its 404/405 is
            # checked by the tests of HTTP basics).
            return None, []
        responses = operation.responses
        declared = responses.get(str(status))
        if declared is None:
            if status >= 500 and "default" in responses:
                declared = responses["default"]
            else:
                return operation, [f"status {status} is not declared (declared: "
                                   f"{', '.join(sorted(responses))})"]
        declared = self._resolve(declared)
        content = declared.get("content") or {}
        errors: list[str] = []
        if not content:
            if body:
                errors.append(f"a body of type {mimetype!r} is sent but the response "
                              f"declares no content")
        elif mimetype not in content:
            errors.append(f"media type {mimetype!r} is not declared (declared: "
                          f"{', '.join(sorted(content))})")
        elif mimetype in JSON_TYPES or mimetype.endswith("+json"):
            schema = content[mimetype].get("schema")
            if schema is not None:
                try:
                    instance = json.loads(body)
                except ValueError as exc:
                    errors.append(f"the body is not JSON: {exc}")
                else:
                    errors += self._schema_errors(
                        (operation.operation_id, str(status), mimetype), schema, instance)
        errors += self._header_errors(operation, str(status), declared, headers)
        return operation, errors

    def _schema_errors(self, key: tuple[str, ...], schema: dict[str, Any],
                       instance: Any) -> list[str]:
        validator = self._validator(key, schema)
        if validator.is_valid(instance):
            return []
        found = []
        for error in list(validator.iter_errors(instance))[:5]:
            where = "/".join(str(part) for part in error.instance_path) or "(the body)"
            found.append(f"at {where}: {error.message} (schema: "
                         f"{'/'.join(str(part) for part in error.schema_path)})")
        return found

    def _header_errors(self, operation: Operation, status: str, declared: dict[str, Any],
                       headers: Any) -> list[str]:
        errors = []
        for name, header in (declared.get("headers") or {}).items():
            header = self._resolve(header)
            value = headers.get(name)
            if value is None:
                continue
            media = header.get("content") or {}
            if "application/json" in media:
                try:
                    instance = json.loads(value)
                except ValueError as exc:
                    errors.append(f"header {name} is not JSON: {exc}")
                    continue
                errors += [f"header {name} {message}" for message in self._schema_errors(
                    (operation.operation_id, status, "header", name),
                    media["application/json"]["schema"], instance)]
        return errors


_contracts: dict[int, Contract] = {}
_contracts_lock = threading.Lock()


def contract_for(app: Any) -> Contract:
    contract = _contracts.get(id(app))
    if contract is None:
        with _contracts_lock:
            contract = _contracts.get(id(app))
            if contract is None:
                response = FlaskClient(app).get("/api/openapi.json")
                assert response.status_code == 200, response.status_code
                contract = _contracts[id(app)] = Contract(response.get_json())
    return contract


class ContractViolation(AssertionError):
    pass


def check_response(app: Any, method: str, path: str, response: Any) -> None:
    if not path.startswith(API_PREFIX):
        return
    body = response.get_data()
    operation, errors = contract_for(app).problems(
        method, path, response.status_code, response.mimetype or "", body, response.headers)
    if errors:
        assert operation is not None
        shown = body[:600].decode("utf-8", "replace") if response.mimetype and (
            response.mimetype.startswith("text/") or "json" in response.mimetype) else (
            f"<{len(body)} bytes>")
        raise ContractViolation(
            f"The response contradicts /api/openapi.json.\n"
            f"  operation: {operation.operation_id} ({method.upper()} {operation.path}; "
            f"requested {path})\n"
            f"  status: {response.status_code}, media type: {response.mimetype}\n"
            + "".join(f"  - {error}\n" for error in errors)
            + f"  body: {shown}\n"
            "Fix the document (the view's decorators, eventhub/openapi.py) or the server.")


class ContractClient(FlaskClient):
    """The Flask test client, checking every /api/v1 response against the document."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        request = response.request
        streamed = response.is_streamed
        check_response(self.application, request.method, request.path, response)
        if streamed:
            # Reading the body made it a list; a test may still ask whether it was streamed.
            response.response = iter([response.get_data()])
        return response
