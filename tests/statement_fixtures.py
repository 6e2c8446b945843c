"""Builders for the Chair's Statement tools tests (no fixtures here: see conftest).

The 2024 edition is archived and read-only, so drafting and checking a draft needs an open
edition holding the same data. `build_open_edition` reads seed_2024/record.yaml and builds
one through the HTTP API, as an organizer and the secretariat would: series,
organizations, people, edition, reported figures, participants, programme items with their
speeches in running order, then (optionally) the 2024 statement text as a draft.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RECORD_FILE = Path(__file__).resolve().parents[1] / "seed_2024" / "record.yaml"
SOURCE_FILE = (Path(__file__).resolve().parents[2] / "shared" / "sources"
               / "suzhou-2024-chairs-statement.txt")
SEEDED_SLUG = "2024-suzhou"
OPEN_SLUG = "2024-suzhou-open"
API = "/api/v1"


def read_record() -> dict[str, Any]:
    with RECORD_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def statement_content(record: dict[str, Any] | None = None) -> dict[str, Any]:
    """The 2024 statement as a create/edit payload (paragraphs verbatim, no-break spaces
    included)."""
    record = record or read_record()
    statement = record["statement"]
    return {"title": statement["title"], "dateline": statement["dateline"],
            "sections": [{"paragraphs": list(s["paragraphs"])} for s in statement["sections"]]}


def plenary_speakers(record: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(name, position) of the plenary_speech speakers, in running order."""
    record = record or read_record()
    people = {p["key"]: p for p in record["people"]}
    plenary = next(item for item in record["programme"] if item["kind"] == "plenary")
    return [(people[s["person"]]["full_name"], people[s["person"]]["position"])
            for s in plenary["speeches"] if s["role"] == "plenary_speech"]


def breakout_topics(record: dict[str, Any] | None = None) -> list[str]:
    record = record or read_record()
    return [item["title"] for item in record["programme"]
            if item["kind"] == "breakout_session"]


@dataclass
class OpenEdition:
    slug: str
    organizations: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    statement: dict[str, Any] | None = None
    etag: str | None = None

    @property
    def statement_url(self) -> str:
        assert self.statement is not None
        return f"{API}/editions/{self.slug}/statements/{self.statement['id']}"

    @property
    def fact_check_url(self) -> str:
        return self.statement_url + "/fact-check"


def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:500])
    return response.get_json()


def _organization(client, entry: dict[str, Any]) -> int:
    payload = {"name": entry["name"], "kind": entry["kind"],
               "acronym": entry.get("acronym"), "country_code": entry.get("country_code")}
    response = client.post(f"{API}/organizations", json=payload)
    if response.status_code == 409:  # the seeded record already holds it
        found = _ok(client.get(f"{API}/organizations", query_string={
            "q": entry["name"], "page_size": 100}), 200)
        return next(o["id"] for o in found if o["name"] == entry["name"]
                    and o["country_code"] == entry.get("country_code"))
    return _ok(response)["id"]


def build_open_edition(client, *, slug: str = OPEN_SLUG, series: str = "sfmmc-open",
                       ordinal: int = 2, figures: bool = True, theme: bool = True,
                       statement: dict[str, Any] | bool | None = True,
                       record: dict[str, Any] | None = None) -> OpenEdition:
    """An open edition with the 2024 record's data, built through the API by `client`
    (an admin: it needs both the organizer's and the secretariat's rights).

    figures=False leaves the reported figures out, theme=False the theme; statement=True
    adds the 2024 text as a draft, a dict adds that content, False none."""
    record = copy.deepcopy(record or read_record())
    built = OpenEdition(slug=slug)
    _ok(client.post(f"{API}/series", json={"slug": series, "name": record["series"]["name"]}))
    for entry in record["organizations"]:
        built.organizations[entry["key"]] = _organization(client, entry)
    for entry in record["people"]:
        built.people[entry["key"]] = _ok(client.post(f"{API}/people", json={
            "full_name": entry["full_name"], "position": entry["position"],
            "organization_id": built.organizations[entry["organization"]]}))["id"]
    edition = record["edition"]
    _ok(client.post(f"{API}/editions", json={
        "series": series, "ordinal": ordinal, "slug": slug, "title": edition["title"],
        "theme": edition["theme"] if theme else None,
        "host_organization_id": built.organizations[edition["host"]],
        "city": edition["city"], "region": edition["region"],
        "country_code": edition["country_code"], "venue": edition["venue"],
        "time_zone": edition["time_zone"], "start_date": str(edition["start_date"]),
        "end_date": str(edition["end_date"]), "capacity": edition["capacity"]}))
    _ok(client.post(f"{API}/editions/{slug}/status", json={"status": "open"}), 200)
    if figures:
        for figure in record["figures"]:
            _ok(client.post(f"{API}/editions/{slug}/figures", json={
                k: figure[k] for k in ("key", "value", "qualifier", "unit", "source_text",
                                       "source_reference")}))
    for entry in record["organizations"]:
        if entry["key"] != edition["host"]:
            _ok(client.post(f"{API}/editions/{slug}/participants", json={
                "organization_id": built.organizations[entry["key"]],
                "role": "participant"}))
    for entry in record["programme"]:
        item = _ok(client.post(f"{API}/editions/{slug}/programme/items", json={
            "kind": entry["kind"], "title": entry["title"],
            "description": entry.get("description")}))
        for speech in entry.get("speeches", []):
            _ok(client.post(f"{API}/editions/{slug}/programme/items/{item['id']}/speeches",
                            json={"person_id": built.people[speech["person"]],
                                  "role": speech["role"], "delivery": speech["delivery"]}))
        built.items.append(item)
    if statement:
        content = statement_content(record) if statement is True else statement
        response = client.post(f"{API}/editions/{slug}/statements",
                               json={"kind": "chairs_statement", "content": content})
        built.statement = _ok(response)
        built.etag = response.headers["ETag"]
    return built


def replace_in_content(content: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """A copy of the content with the first occurrence of `old` replaced; no-break spaces
    count as spaces when looking for it (the replaced paragraph keeps its others)."""
    content = copy.deepcopy(content)
    pattern = re.compile(r"[ \u00a0]".join(re.escape(w) for w in old.split(" ")))
    for section in content["sections"]:
        for index, paragraph in enumerate(section["paragraphs"]):
            if pattern.search(paragraph):
                section["paragraphs"][index] = pattern.sub(lambda _: new, paragraph, count=1)
                return content
    raise AssertionError(f"{old!r} is not in the statement")


def seeded_statement_id(client) -> int:
    listing = _ok(client.get(f"{API}/editions/{SEEDED_SLUG}/statements"), 200)
    assert len(listing) == 1
    return listing[0]["id"]
