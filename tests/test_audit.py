"""The audit trail: every successful write leaves an entry (who, what, before and after)
with the request id, personal and secret values never enter it, and it is read-only and
for admins only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from _helpers import assert_problem, create_series
from test_route_walk import WRITE_METHODS

SLUG = "audit-2030"
ED = f"/api/v1/editions/{SLUG}"
PERSON_EMAIL = "private.person@secret.example"
FOCAL_EMAIL = "focal.point@secret.example"
DELEGATE_EMAIL = "delegate@secret.example"
USER_PASSWORD = "a very secret passphrase 42"
SECRETS = (PERSON_EMAIL, FOCAL_EMAIL, DELEGATE_EMAIL, USER_PASSWORD, "Ms. Hidden Focal")


def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.json


def entries(admin_client, **filters: Any) -> list[dict[str, Any]]:
    filters.setdefault("page_size", 100)
    response = admin_client.get("/api/v1/audit", query_string=filters)
    return _ok(response, 200)


OBJECT_ID_BUG = (
    "Insert entries once carried object_id '?' (recorded in after_flush before the rows "
    "had their identity key); test_the_object_id_filter_finds_the_creation_of_a_row guards "
    "the fix")


def the_entry(admin_client, table: str, object_id: Any, action: str) -> dict[str, Any]:
    """The newest entry for the row, by its object_id (or, for inserts, by the id in its
    changes: see OBJECT_ID_BUG)."""
    found = [e for e in entries(admin_client, table=table) if e["action"] == action
             and (e["object_id"] == str(object_id)
                  or e["changes"].get("id", {}).get("after") == object_id)]
    assert found, f"no {action} entry for {table} {object_id}"
    return found[0]  # newest first


@pytest.fixture
def admin_id(admin_client) -> int:
    return admin_client.get("/api/v1/auth/me").json["id"]


@pytest.fixture
def world(admin_client) -> dict[str, Any]:
    """One successful write of each domain, made by the admin; returns the ids."""
    c = admin_client
    ids: dict[str, Any] = {}
    create_series(c)
    ids["organization"] = _ok(c.post("/api/v1/organizations", json={
        "name": "Ministry of Audits", "kind": "national_authority", "country_code": "TH"}))["id"]
    ids["person"] = _ok(c.post("/api/v1/people", json={
        "full_name": "Private Person", "position": "Director", "email": PERSON_EMAIL,
        "organization_id": ids["organization"]}))["id"]
    ids["edition"] = _ok(c.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 1, "slug": SLUG, "title": "Audit 2030",
        "time_zone": "UTC", "start_date": "2030-06-10", "end_date": "2030-06-11"}))["id"]
    _ok(c.post(f"{ED}/status", json={"status": "open"}), 200)
    _ok(c.post(f"{ED}/figures", json={"key": "delegations", "value": 7, "unit": "delegations"}))
    ids["item"] = _ok(c.post(f"{ED}/programme/items", json={
        "kind": "plenary", "title": "Opening", "starts_at": "2030-06-10T09:00:00",
        "ends_at": "2030-06-10T10:00:00"}))["id"]
    ids["speech"] = _ok(c.post(f"{ED}/programme/items/{ids['item']}/speeches", json={
        "person_id": ids["person"], "role": "speech", "talk_title": "Welcome"}))["id"]
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    ids["invitation"] = _ok(c.post(f"{ED}/invitations", json={
        "organization_id": ids["organization"], "focal_point_name": "Ms. Hidden Focal",
        "focal_point_email": FOCAL_EMAIL, "quota": 3, "deadline": deadline}))["id"]
    _ok(c.post(f"{ED}/invitations/{ids['invitation']}/send"), 200)
    ids["registration"] = _ok(c.post(f"{ED}/registrations", json={
        "full_name": "Del Egate", "email": DELEGATE_EMAIL, "role": "delegate",
        "organization_id": ids["organization"]}))["id"]
    response = c.post(f"{ED}/statements", json={
        "kind": "summary", "content": {"title": "Summary",
                                       "sections": [{"paragraphs": ["One."]}]}})
    ids["statement"] = _ok(response)["id"]
    etag = c.get(f"{ED}/statements/{ids['statement']}").headers["ETag"]
    _ok(c.patch(f"{ED}/statements/{ids['statement']}", json={"title": "Renamed summary"},
                headers={"If-Match": etag}), 200)
    ids["user"] = _ok(c.post("/api/v1/users", json={
        "email": "new.user@example.org", "name": "New User", "role": "viewer",
        "password": USER_PASSWORD}))["id"]
    return ids


@pytest.mark.parametrize(("table", "key", "action", "field", "after"), [
    ("organizations", "organization", "insert", "name", "Ministry of Audits"),
    ("people", "person", "insert", "organization_id", None),
    ("editions", "edition", "insert", "slug", SLUG),
    ("editions", "edition", "update", "status", "open"),
    ("programme_items", "item", "insert", "title", "Opening"),
    ("speeches", "speech", "insert", "talk_title", "Welcome"),
    ("invitations", "invitation", "insert", "quota", 3),
    ("invitations", "invitation", "update", "status", "sent"),
    ("registrations", "registration", "insert", "role", "delegate"),
    ("statements", "statement", "insert", "kind", "summary"),
    ("users", "user", "insert", "role", "viewer"),
])
def test_each_write_leaves_an_entry_with_actor_and_values(admin_client, admin_id, world,
                                                          table, key, action, field, after):
    entry = the_entry(admin_client, table, world[key], action)
    assert entry["actor_user_id"] == admin_id
    assert entry["table_name"] == table
    assert field in entry["changes"], entry["changes"]
    expected = world["organization"] if after is None else after
    assert entry["changes"][field]["after"] == expected
    if action == "update":
        assert "before" in entry["changes"][field]
        assert entry["changes"][field]["before"] != entry["changes"][field]["after"]
    if table != "users":
        assert entry["edition_id"] in (None, world["edition"])


@pytest.mark.parametrize(("table", "key"), [
    ("organizations", "organization"), ("people", "person"), ("editions", "edition"),
    ("invitations", "invitation"), ("registrations", "registration"),
    ("statements", "statement"), ("users", "user")])
def test_the_object_id_filter_finds_the_creation_of_a_row(admin_client, world, table, key):
    found = entries(admin_client, table=table, object_id=str(world[key]), action="insert")
    assert len(found) == 1


def test_update_entries_carry_the_object_id(admin_client, world):
    found = entries(admin_client, table="editions", object_id=str(world["edition"]),
                    action="update")
    assert found and found[0]["changes"]["status"]["after"] == "open"


def test_a_figure_entry_is_recorded(admin_client, admin_id, world):
    found = [e for e in entries(admin_client, table="reported_figures")
             if e["changes"].get("key", {}).get("after") == "delegations"]
    assert found and found[0]["actor_user_id"] == admin_id
    assert found[0]["changes"]["value"]["after"] in (7, "7")
    assert found[0]["edition_id"] == world["edition"]


def test_a_statement_edit_records_before_and_after(admin_client, admin_id, world):
    updates = [e for e in entries(admin_client, table="statements", action="update")
               if e["object_id"] == str(world["statement"])]
    assert updates, "the PATCH of a statement left no update entry"
    changed = {k: v for e in updates for k, v in e["changes"].items()}
    assert all(e["actor_user_id"] == admin_id for e in updates)
    assert any(v.get("after") != v.get("before") for v in changed.values())


def test_the_edition_filter_finds_the_edition_entries(admin_client, world):
    listed = entries(admin_client, edition=SLUG)
    tables = {e["table_name"] for e in listed}
    assert {"editions", "programme_items", "invitations", "registrations"} <= tables
    assert all(e["edition_id"] == world["edition"] for e in listed)


def test_personal_and_secret_values_never_enter_the_trail(app, admin_client, world):
    from eventhub.audit.models import AuditEntry
    from eventhub.extensions import db

    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry)).all()
        dumped = [json.dumps(row.changes, ensure_ascii=False) for row in rows]
    assert len(rows) > 10
    leaks = [(secret, text[:200]) for text in dumped for secret in SECRETS if secret in text]
    assert leaks == []
    # Also through the API, with every page.
    page, seen = 1, 0
    while True:
        response = admin_client.get("/api/v1/audit", query_string={"page": page,
                                                                   "page_size": 100})
        body = _ok(response, 200)
        seen += len(body)
        text = json.dumps(body, ensure_ascii=False)
        assert not [s for s in SECRETS if s in text]
        assert "password_hash" not in text or "$argon2" not in text
        if len(body) < 100:
            break
        page += 1
    assert seen == len(rows)


def test_hidden_fields_say_only_that_they_changed(admin_client, world):
    from eventhub.audit.recorder import HIDDEN

    person = the_entry(admin_client, "people", world["person"], "insert")
    assert person["changes"]["email"]["after"] == HIDDEN
    assert person["changes"]["full_name"]["after"] == HIDDEN
    invitation = the_entry(admin_client, "invitations", world["invitation"], "insert")
    assert invitation["changes"]["focal_point_email"]["after"] == HIDDEN
    user = the_entry(admin_client, "users", world["user"], "insert")
    assert user["changes"]["password_hash"]["after"] == HIDDEN


def test_the_audit_trail_has_no_write_routes(app):
    writes = [(rule.rule, sorted(rule.methods & WRITE_METHODS))
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/audit") and rule.methods & WRITE_METHODS]
    assert writes == []


@pytest.mark.parametrize("method", sorted(WRITE_METHODS))
def test_writing_to_the_audit_trail_is_not_allowed(admin_client, method):
    response = admin_client.open("/api/v1/audit", method=method, json={})
    assert_problem(response, 405)


@pytest.mark.parametrize("fixture", ["viewer_client", "secretariat_client",
                                     "organizer_client"])
def test_non_admins_are_refused(request, fixture):
    assert_problem(request.getfixturevalue(fixture).get("/api/v1/audit"), 403)


def test_anonymous_callers_are_refused(client):
    assert_problem(client.get("/api/v1/audit"), 401)


def test_an_entry_carries_the_request_id(admin_client, admin_id):
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Traced Ministry", "kind": "national_authority"},
        headers={"X-Request-ID": "trace-me-42"})
    organization = _ok(response)
    assert response.headers["X-Request-ID"] == "trace-me-42"
    entry = the_entry(admin_client, "organizations", organization["id"], "insert")
    assert entry["request_id"] == "trace-me-42"
    assert entry["actor_user_id"] == admin_id


def test_a_generated_request_id_is_recorded_too(admin_client):
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Untraced Ministry", "kind": "national_authority"})
    organization = _ok(response)
    entry = the_entry(admin_client, "organizations", organization["id"], "insert")
    assert entry["request_id"] == response.headers["X-Request-ID"] != ""


def test_a_failed_write_leaves_no_entry(admin_client):
    before = len(entries(admin_client, table="organizations"))
    response = admin_client.post("/api/v1/organizations", json={"name": "", "kind": "nope"})
    assert response.status_code == 422
    assert len(entries(admin_client, table="organizations")) == before
