"""Builders shared by the programme, iCalendar and sign-up concurrency tests (no fixtures
here: see conftest). Everything is set up through the HTTP API.

The edition runs in Europe/Madrid from Friday 24 to Tuesday 28 October 2025, across the
end of summer time (Sunday 26 October 2025, 03:00 CEST -> 02:00 CET): before it the
offset is +02:00, after it +01:00.
"""

from __future__ import annotations

from typing import Any

from _helpers import create_organization, create_series

SLUG = "madrid-2025"
ZONE = "Europe/Madrid"
EDITIONS = "/api/v1/editions"


def url(slug: str, path: str = "") -> str:
    return f"{EDITIONS}/{slug}{path}"


def items_url(slug: str = SLUG) -> str:
    return url(slug, "/programme/items")


def item_url(item_id: int, slug: str = SLUG, path: str = "") -> str:
    return url(slug, f"/programme/items/{item_id}{path}")


def at(day: int, clock: str) -> str:
    """A naive wall-clock time in October 2025 (the edition's zone applies)."""
    return f"2025-10-{day:02d}T{clock}:00"


def open_edition(client, *, slug: str = SLUG, ordinal: int = 1, capacity: int | None = None,
                 host_organization_id: int | None = None, requires_approval: bool = False,
                 with_series: bool = True, open_it: bool = True) -> dict[str, Any]:
    if with_series:
        create_series(client, slug="gpscf", name="Global Public Security Cooperation Forum")
    response = client.post(EDITIONS, json={
        "series": "gpscf", "ordinal": ordinal, "slug": slug, "title": f"Sub-Forum {slug}",
        "time_zone": ZONE, "start_date": "2025-10-24", "end_date": "2025-10-28",
        "capacity": capacity, "host_organization_id": host_organization_id,
        "requires_approval": requires_approval,
        "city": "Madrid", "country_code": "ES"})
    assert response.status_code == 201, response.get_data(as_text=True)
    if open_it:
        response = client.post(url(slug, "/status"), json={"status": "open"})
        assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def add_item(client, title: str, start: str | None = None, end: str | None = None, *,
             slug: str = SLUG, kind: str = "plenary", **fields: Any) -> dict[str, Any]:
    payload = {"kind": kind, "title": title, **fields}
    if start is not None:
        payload["starts_at"] = start
    if end is not None:
        payload["ends_at"] = end
    response = client.post(items_url(slug), json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def organization(client, name: str, kind: str = "national_authority",
                 **fields: Any) -> dict[str, Any]:
    return create_organization(client, name, kind, **fields)


def person(client, full_name: str, organization_id: int | None = None,
           position: str | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/people", json={
        "full_name": full_name, "position": position or f"Position of {full_name}",
        "organization_id": organization_id})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def add_speech(client, item_id: int, person_id: int, *, slug: str = SLUG,
               role: str = "speech", **fields: Any):
    return client.post(item_url(item_id, slug, "/speeches"),
                       json={"person_id": person_id, "role": role, **fields})


def register(client, full_name: str, *, slug: str = SLUG, email: str | None = None
             ) -> dict[str, Any]:
    email = email or f"{full_name.lower().replace(' ', '.')}@example.org"
    response = client.post(url(slug, "/registrations"),
                           json={"full_name": full_name, "email": email, "role": "delegate"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def sign_up(client, item_id: int, registration_id: int, *, slug: str = SLUG):
    return client.post(item_url(item_id, slug, "/signups"),
                       json={"registration_id": registration_id})


def draft(client, slug: str = SLUG) -> list[dict[str, Any]]:
    response = client.get(url(slug, "/programme?version=draft"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["version"] is None
    return response.json["items"]


def draft_item(client, item_id: int, slug: str = SLUG) -> dict[str, Any]:
    return next(item for item in draft(client, slug) if item["id"] == item_id)


def publish(client, note: str = "Published", slug: str = SLUG) -> dict[str, Any]:
    response = client.post(url(slug, "/programme/versions"), json={"note": note})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def speaker_names(item: dict[str, Any]) -> list[str]:
    return [speech["person"]["full_name"] for speech in item["speeches"]]


def positions(item: dict[str, Any]) -> list[int]:
    return [speech["position"] for speech in item["speeches"]]


def token_of(client) -> str:
    return client.environ_base["HTTP_AUTHORIZATION"].split(" ", 1)[1]
