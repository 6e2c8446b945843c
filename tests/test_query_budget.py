"""Query budgets: the number of SQL statements a list or detail GET runs must not grow
with the number of rows it shows (no N+1 queries).

Each test builds a world with N rows of everything through the API, counts the statements
each endpoint runs, grows the world to 3N rows and counts again: the counts must match.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from _helpers import create_series
from conftest import client_for_role
from sqlalchemy import event

from eventhub.auth.models import Role
from eventhub.extensions import db

SLUG = "budget-2030"
ED = f"/api/v1/editions/{SLUG}"
N = 2
_counter = itertools.count(1)


@contextmanager
def counting(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def count_queries(app, client, url: str) -> int:
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return len(statements)


def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.json


class World:
    """An open edition that grows by k rows of each kind per call to grow()."""

    def __init__(self, client) -> None:
        self.client = client
        create_series(client)
        _ok(client.post("/api/v1/editions", json={
            "series": "sfmmc", "ordinal": 1, "slug": SLUG, "title": "Budget 2030",
            "time_zone": "UTC", "start_date": "2030-06-10", "end_date": "2030-06-12",
            "city": "Geneva", "country_code": "CH"}))
        _ok(client.post(f"{ED}/status", json={"status": "open"}), 200)
        self.ordinal = 1
        self.plenary = _ok(client.post(f"{ED}/programme/items", json={
            "kind": "plenary", "title": "Opening plenary",
            "starts_at": "2030-06-10T09:00:00", "ends_at": "2030-06-10T12:00:00"}))
        self.statement_ids: list[int] = []

    def grow(self, k: int) -> None:
        client = self.client
        deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
        for _ in range(k):
            n = next(_counter)
            org = _ok(client.post("/api/v1/organizations", json={
                "name": f"Ministry {n}", "kind": "national_authority", "country_code": "TH"}))
            person = _ok(client.post("/api/v1/people", json={
                "full_name": f"Person {n}", "position": "Director",
                "organization_id": org["id"], "email": f"person{n}@example.org"}))
            _ok(client.post(f"{ED}/participants", json={
                "organization_id": org["id"], "role": "participant"}))
            _ok(client.post(f"{ED}/exhibitors", json={
                "organization_id": org["id"], "stand": f"A{n}"}))
            invitation = _ok(client.post(f"{ED}/invitations", json={
                "organization_id": org["id"], "focal_point_name": f"Focal {n}",
                "focal_point_email": f"focal{n}@example.org", "quota": 3,
                "deadline": deadline}))
            _ok(client.post(f"{ED}/invitations/{invitation['id']}/send"), 200)
            _ok(client.post(f"{ED}/registrations", json={
                "full_name": f"Delegate {n}", "email": f"delegate{n}@example.org",
                "organization_id": org["id"], "role": "delegate"}))
            _ok(client.post(f"{ED}/figures", json={
                "key": f"figure_{n}", "value": n, "unit": "things"}))
            item = _ok(client.post(f"{ED}/programme/items", json={
                "kind": "side_event", "title": f"Side event {n}",
                "starts_at": "2030-06-11T09:00:00", "ends_at": "2030-06-11T10:00:00"}))
            for item_id in (item["id"], self.plenary["id"]):
                _ok(client.post(f"{ED}/programme/items/{item_id}/speeches", json={
                    "person_id": person["id"], "role": "speech",
                    "talk_title": f"Talk {n}"}))
            statement = _ok(client.post(f"{ED}/statements", json={
                "kind": "summary", "content": {
                    "title": f"Summary {n}",
                    "sections": [{"paragraphs": [f"Paragraph {n}.{i}"]}
                                 for i in range(1 + len(self.statement_ids))]}}))
            self.statement_ids.append(statement["id"])
            # Another edition where the organization took part (participation history).
            self.ordinal += 1
            slug = f"budget-{2030 + self.ordinal}"
            _ok(client.post("/api/v1/editions", json={
                "series": "sfmmc", "ordinal": self.ordinal, "slug": slug,
                "title": f"Budget {slug}", "time_zone": "UTC",
                "start_date": "2031-06-10", "end_date": "2031-06-11"}))
            _ok(client.post(f"/api/v1/editions/{slug}/participants", json={
                "organization_id": org["id"], "role": "observer"}))
        _ok(client.post(f"{ED}/programme/versions", json={"note": f"After {n}"}))

    def statement_detail(self, index: int) -> str:
        return f"{ED}/statements/{self.statement_ids[index]}"


ENDPOINTS = [
    "/api/v1/editions",
    ED,
    f"{ED}/participants",
    f"{ED}/programme",
    f"{ED}/programme?version=draft",
    f"{ED}/statements",
    "/api/v1/organizations",
    "/api/v1/people",
    f"{ED}/invitations",
    f"{ED}/registrations",
    f"{ED}/registration-counts",
    f"{ED}/exhibitors",
    f"{ED}/figures",
    f"{ED}/delegations",
    "/api/v1/audit",
    "/api/v1/history/participation",
    "/api/v1/history/figures",
]
STATEMENT_DETAIL = f"{ED}/statements/<id>"

# Endpoints whose statement count grows with rows: N+1 bugs, for the lead to fix.
KNOWN_N_PLUS_ONE: dict[str, str] = {}


def _params(urls):
    for url in urls:
        marks = []
        if url in KNOWN_N_PLUS_ONE:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_N_PLUS_ONE[url]))
        yield pytest.param(url, id=url.replace(ED, "<ed>"), marks=marks)


@pytest.fixture(scope="module")
def measurements(app) -> dict[str, tuple[int, int]]:
    """Statement counts per endpoint with N and with 3N rows, measured once per module
    (building the world is the slow part). The autouse cleanup empties the database after
    the first test; the counts stay here."""
    client = client_for_role(app, Role.ADMIN)
    world = World(client)
    world.grow(N)
    before = {url: count_queries(app, client, url) for url in ENDPOINTS}
    small_statement = world.statement_detail(0)  # one section
    before[STATEMENT_DETAIL] = count_queries(app, client, small_statement)
    world.grow(2 * N)  # N -> 3N rows
    after = {url: count_queries(app, client, url) for url in ENDPOINTS}
    after[STATEMENT_DETAIL] = count_queries(app, client, world.statement_detail(-1))  # 3N
    return {url: (before[url], after[url]) for url in before}


@pytest.mark.parametrize("url", list(_params([*ENDPOINTS, STATEMENT_DETAIL])))
def test_statement_count_does_not_grow_with_rows(measurements, url):
    before, after = measurements[url]
    assert before >= 1  # the listener saw the request
    assert after == before, f"GET {url}: {before} statements with {N} rows, {after} with {3 * N}"
