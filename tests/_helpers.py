"""Small assertions and builders shared by the API tests (no fixtures here: see conftest)."""

from __future__ import annotations

from typing import Any

PROBLEM_MIME = "application/problem+json"


def assert_problem(response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status; return its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM_MIME, response.mimetype
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"]
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


def create_series(client, slug: str = "sfmmc", name: str = "Sub-Forum") -> dict[str, Any]:
    response = client.post("/api/v1/series", json={"slug": slug, "name": name})
    assert response.status_code == 201, response.json
    return response.json


def edition_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "series": "sfmmc",
        "ordinal": 1,
        "slug": "sfmmc-2024",
        "title": "Sub-Forum on Migration Management Cooperation 2024",
        "time_zone": "Asia/Shanghai",
        "start_date": "2024-11-20",
        "end_date": "2024-11-21",
        "city": "Suzhou",
        "country_code": "CN",
    }
    payload.update(overrides)
    return payload


def create_edition(client, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/editions", json=edition_payload(**overrides))
    assert response.status_code == 201, response.json
    return response.json


def create_organization(client, name: str, kind: str = "national_authority",
                        **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/organizations", json={"name": name, "kind": kind, **fields})
    assert response.status_code == 201, response.json
    return response.json
