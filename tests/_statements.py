"""Builders shared by the statement tests (no fixtures here: see conftest). Everything is
set up through the HTTP API: an open edition, a three-section Chair's Statement drafted by
the secretariat, and small wrappers for the If-Match editing calls.
"""

from __future__ import annotations

import copy
from typing import Any

from _helpers import create_series

SLUG = "shanghai-2025"
EDITIONS = "/api/v1/editions"

SECTION_1 = "The Sub-Forum on Migration Management Cooperation met in Shanghai."
SECTION_2 = ["Participants exchanged views on integrated border management.",
             "They agreed to share information on irregular migration routes."]
SECTION_3 = "The next Sub-Forum will be held in 2026."

CONTENT: dict[str, Any] = {
    "title": "Chair's Statement of the Sub-Forum on Migration Management Cooperation",
    "dateline": "(June 12, 2025, Shanghai, China)",
    "sections": [{"paragraphs": [SECTION_1]},
                 {"paragraphs": list(SECTION_2)},
                 {"paragraphs": [SECTION_3]}],
}


def statements_url(slug: str = SLUG) -> str:
    return f"{EDITIONS}/{slug}/statements"


def statement_url(statement_id: int, path: str = "", slug: str = SLUG) -> str:
    return f"{statements_url(slug)}/{statement_id}{path}"


def section_url(statement_id: int, key: str, slug: str = SLUG) -> str:
    return statement_url(statement_id, f"/sections/{key}", slug)


def open_edition(organizer_client, slug: str = SLUG) -> dict[str, Any]:
    """A series and an open edition in Asia/Shanghai."""
    create_series(organizer_client, slug="sfmmc", name="Sub-Forum")
    response = organizer_client.post(EDITIONS, json={
        "series": "sfmmc", "ordinal": 2, "slug": slug,
        "title": "Sub-Forum on Migration Management Cooperation 2025",
        "time_zone": "Asia/Shanghai", "start_date": "2025-06-12", "end_date": "2025-06-13"})
    assert response.status_code == 201, response.get_data(as_text=True)
    response = organizer_client.post(f"{EDITIONS}/{slug}/status", json={"status": "open"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def content(sections: list[list[str]] | None = None, **fields: Any) -> dict[str, Any]:
    """The standard content, or one with the given sections (lists of paragraphs)."""
    result = copy.deepcopy(CONTENT)
    if sections is not None:
        result["sections"] = [{"paragraphs": list(p)} for p in sections]
    result.update(fields)
    return result


def create_statement(secretariat_client, slug: str = SLUG, **fields: Any):
    """POST a Chair's Statement; return the 201 response."""
    payload = {"kind": "chairs_statement", "content": content(), **fields}
    response = secretariat_client.post(statements_url(slug), json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response


def draft(organizer_client, secretariat_client, **fields: Any):
    """An open edition with one drafted statement; return the 201 response."""
    open_edition(organizer_client)
    return create_statement(secretariat_client, **fields)


def etag(response) -> str:
    value = response.headers.get("ETag")
    assert value, f"no ETag on {response.status_code} {response.get_data(as_text=True)}"
    return value


def keys(statement: dict[str, Any]) -> list[str]:
    return [s["key"] for s in statement["sections"]]


def texts(statement: dict[str, Any]) -> list[list[str]]:
    return [s["paragraphs"] for s in statement["sections"]]


def section(statement: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in statement["sections"] if s["key"] == key)


def put_section(client, statement_id: int, key: str, paragraphs: list[str],
                if_match: str | None, note: str | None = None, slug: str = SLUG):
    headers = {} if if_match is None else {"If-Match": if_match}
    payload: dict[str, Any] = {"paragraphs": paragraphs}
    if note is not None:
        payload["note"] = note
    return client.put(section_url(statement_id, key, slug), json=payload, headers=headers)


def current(client, statement_id: int, slug: str = SLUG, **query: Any):
    response = client.get(statement_url(statement_id, slug=slug), query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def set_status(client, statement_id: int, status: str, slug: str = SLUG):
    return client.post(statement_url(statement_id, "/status", slug), json={"status": status})


def user_id(client) -> int:
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["id"]


def token_of(client) -> str:
    return client.environ_base["HTTP_AUTHORIZATION"].split(" ", 1)[1]
