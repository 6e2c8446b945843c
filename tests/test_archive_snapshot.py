"""An archived edition is a snapshot: what it shows about organizations and people is
frozen when it is archived, and the shared directory keeps changing for the editions to
come (issue 13, finding 1).

The 2024 edition (seeded through `eventhub seed 2024`, which takes it to archived through
the status changes) is read every way it can be read (API, pages, history, export, fact
check) before and after an admin edits the directory as in the finding: NIA renamed, a
2024 speaker's position changed, IOM given a country. Everything reads the same; the
directory shows the new values. An edition that is open or closed shows the live
directory until it is archived.

Bundles carry the snapshot (format 2); a format-1 bundle, written by the code before the
snapshot existed (tests/data/bundle-format-1.json, a small archived edition exported with
personal data from main at 28849eb), still imports. Anonymization removes private
delegates from the snapshot too, and the migration gives editions archived before it a
snapshot of their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _archive import empty_instance, export_text, find_values, import_text, without_export_time
from _helpers import assert_problem, create_organization, create_series
from _web import Page
from statement_fixtures import seeded_statement_id

from eventhub.extensions import db

SLUG = "2024-suzhou"
ED = f"/api/v1/editions/{SLUG}"
NIA = "National Immigration Administration of the People's Republic of China"
SPEAKER = "Xu Ganlu"
NEW_POSITION = "Adviser to the Ministry of Public Security"
FORMAT_1 = Path(__file__).resolve().parent / "data" / "bundle-format-1.json"


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:500])
    return response.json


def _one(client, url: str, **query) -> dict[str, Any]:
    found = _ok(client.get(url, query_string=query))
    assert len(found) == 1, found
    return found[0]


def directory_ids(admin_client) -> dict[str, int]:
    return {"nia": _one(admin_client, "/api/v1/organizations", q=NIA)["id"],
            "iom": _one(admin_client, "/api/v1/organizations",
                        q="International Organization for Migration")["id"],
            "speaker": _one(admin_client, "/api/v1/people", q=SPEAKER)["id"]}


def edit_the_directory(admin_client, ids: dict[str, int]) -> None:
    """The three edits of finding 1, each rightly accepted."""
    _ok(admin_client.patch(f"/api/v1/organizations/{ids['nia']}", json={"name": "Renamed"}))
    _ok(admin_client.patch(f"/api/v1/people/{ids['speaker']}",
                           json={"position": NEW_POSITION}))
    _ok(admin_client.patch(f"/api/v1/organizations/{ids['iom']}", json={"country_code": "CH"}))


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return Page(response).text


def how_2024_reads(client, admin_client, ids: dict[str, int]) -> dict[str, Any]:
    """Every way the 2024 edition is read, as the public and as staff."""
    statement_id = seeded_statement_id(client)
    plenary = next(item for item in _ok(admin_client.get(f"{ED}/programme",
                                                         query_string={"version": "draft"}))
                   ["items"] if item["kind"] == "plenary")
    reads = {
        "edition": _ok(client.get(ED)),
        "edition (staff)": _ok(admin_client.get(ED)),
        "participants": _ok(client.get(f"{ED}/participants")),
        "figures": _ok(client.get(f"{ED}/figures")),
        "programme": _ok(client.get(f"{ED}/programme")),
        "programme draft": _ok(admin_client.get(f"{ED}/programme",
                                                query_string={"version": "draft"})),
        "protocol order": _ok(admin_client.get(
            f"{ED}/programme/items/{plenary['id']}/protocol-order")),
        "agenda": _ok(admin_client.get(f"{ED}/people/{ids['speaker']}/agenda")),
        "exhibitors": _ok(client.get(f"{ED}/exhibitors")),
        "history": _ok(client.get("/api/v1/history/participation")),
        "history of NIA": _ok(client.get(f"/api/v1/history/organizations/{ids['nia']}")),
        "history of IOM": _ok(client.get(f"/api/v1/history/organizations/{ids['iom']}")),
        "figures side by side": _ok(client.get("/api/v1/history/figures")),
        "fact check": _ok(admin_client.get(f"{ED}/statements/{statement_id}/fact-check")),
        "export": without_export_time(admin_client.get(f"{ED}/export").get_data(as_text=True)),
        "export with personal data": without_export_time(admin_client.get(
            f"{ED}/export", query_string={"include_personal": "true"}).get_data(as_text=True)),
    }
    for url in ("/", f"/editions/{SLUG}", f"/editions/{SLUG}/statements/{statement_id}",
                "/history", f"/history/organizations/{ids['nia']}",
                f"/history/organizations/{ids['iom']}"):
        reads[f"page {url}"] = page_text(client, url)
    return reads


# Finding 1 -------------------------------------------------------------------------------

def test_editing_the_directory_does_not_change_the_archived_2024_edition(
        app, seeded, client, admin_client):
    ids = directory_ids(admin_client)
    before = how_2024_reads(client, admin_client, ids)
    assert before["edition"]["recorded"]["countries_and_regions"] == 14
    assert before["fact check"]["ok"] is True
    assert any(entry["kind"] == "speaker_position" and SPEAKER in entry["text_says"]
               for entry in before["fact check"]["checked"])

    edit_the_directory(admin_client, ids)

    after = how_2024_reads(client, admin_client, ids)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == [], f"the archived edition reads differently: {changed}"
    # As the finding saw them, one by one.
    assert after["edition"]["host_organization"]["name"] == NIA
    assert after["edition"]["recorded"]["countries_and_regions"] == 14
    assert f"Host {NIA} (NIA)" in after[f"page /editions/{SLUG}"]
    assert "Renamed" not in after[f"page /editions/{SLUG}"]
    assert after["fact check"]["mismatches"] == []
    speaker = next(p["person"] for p in after["participants"]["people"]
                   if p["person"]["full_name"] == SPEAKER)
    assert speaker["position"] != NEW_POSITION
    assert "Renamed" not in after["export"] and NEW_POSITION not in after["export"]

    # The live directory has the new values, for the editions to come.
    assert _ok(admin_client.get(f"/api/v1/organizations/{ids['nia']}"))["name"] == "Renamed"
    iom = _ok(admin_client.get(f"/api/v1/organizations/{ids['iom']}"))
    assert (iom["country_code"], iom["country_name"]) == ("CH", "Switzerland")
    assert _ok(admin_client.get(f"/api/v1/people/{ids['speaker']}"))["position"] \
        == NEW_POSITION


def test_the_export_is_byte_identical_apart_from_the_export_time(app, seeded, admin_client):
    first = export_text(app, SLUG)
    edit_the_directory(admin_client, directory_ids(admin_client))

    second = export_text(app, SLUG)

    assert without_export_time(second) == without_export_time(first)
    document = json.loads(second)
    assert document["format_version"] == 3
    assert document["content"]["directory"] == "snapshot"


def test_the_next_edition_links_to_the_live_directory(seeded, admin_client):
    ids = directory_ids(admin_client)
    taking_part = {entry["organization"]["id"] for entry in
                   _ok(admin_client.get(f"{ED}/participants"))["organizations"]}
    edit_the_directory(admin_client, ids)

    _ok(admin_client.post(f"{ED}/next", json={
        "slug": "2025-next", "title": "The next Sub-Forum", "start_date": "2025-09-09",
        "end_date": "2025-09-10"}), 201)

    nxt = "/api/v1/editions/2025-next"
    # The new edition is hosted by the directory's NIA, under its new name...
    assert _ok(admin_client.get(nxt))["host_organization"] == {
        **_ok(admin_client.get(f"{ED}"))["host_organization"], "name": "Renamed"}
    # ...and invites the organizations that took part in 2024, as the directory has them.
    invited = _ok(admin_client.get(f"{nxt}/invitations", query_string={"page_size": 100}))
    assert {i["organization"]["id"] for i in invited} == taking_part - {ids["nia"]}
    iom = next(i["organization"] for i in invited if i["organization"]["id"] == ids["iom"])
    assert iom["country_code"] == "CH"
    # 2024 itself still reads as it was.
    assert _ok(admin_client.get(ED))["host_organization"]["name"] == NIA


# Open and closed editions show the live directory ------------------------------------------

EDITION = "/api/v1/editions/sfmmc-2030"


def _open_edition(admin_client) -> dict[str, int]:
    create_series(admin_client)
    ministry = create_organization(admin_client, "Ministry of the Interior", country_code="TH")
    bureau = create_organization(admin_client, "Immigration Bureau", country_code="TH",
                                 acronym="IB", parent_id=ministry["id"])
    agency = create_organization(admin_client, "Migration Agency",
                                 kind="international_organization", acronym="MA")
    _ok(admin_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 1, "slug": "sfmmc-2030", "title": "Sub-Forum 2030",
        "time_zone": "Asia/Bangkok", "start_date": "2030-11-20", "end_date": "2030-11-21",
        "city": "Bangkok", "country_code": "TH", "host_organization_id": bureau["id"]}), 201)
    _ok(admin_client.post(f"{EDITION}/participants",
                          json={"organization_id": agency["id"]}), 201)
    _ok(admin_client.post(f"{EDITION}/status", json={"status": "open"}))
    speaker = _ok(admin_client.post("/api/v1/people", json={
        "full_name": "Anan Speaker", "position": "Commissioner",
        "organization_id": bureau["id"]}), 201)
    item = _ok(admin_client.post(f"{EDITION}/programme/items", json={
        "kind": "plenary", "title": "Plenary"}), 201)
    _ok(admin_client.post(f"{EDITION}/programme/items/{item['id']}/speeches", json={
        "person_id": speaker["id"], "role": "keynote"}), 201)
    _ok(admin_client.post(f"{EDITION}/registrations", json={
        "person_id": speaker["id"], "role": "speaker"}), 201)
    delegate = _ok(admin_client.post(f"{EDITION}/registrations", json={
        "full_name": "Grace Delegate", "position": "Officer", "email": "grace@ma.example",
        "organization_id": agency["id"], "role": "delegate"}), 201)
    return {"ministry": ministry["id"], "bureau": bureau["id"], "agency": agency["id"],
            "speaker": speaker["id"], "item": item["id"], "delegate": delegate["person_id"]}


def _reads(admin_client, ids: dict[str, int]) -> dict[str, Any]:
    return {
        "host": _ok(admin_client.get(EDITION))["host_organization"]["name"],
        "recorded": _ok(admin_client.get(EDITION))["recorded"],
        "participants": _ok(admin_client.get(f"{EDITION}/participants")),
        "draft programme": _ok(admin_client.get(f"{EDITION}/programme",
                                                query_string={"version": "draft"})),
        "registrations": _ok(admin_client.get(f"{EDITION}/registrations")),
        "in Thailand": _ok(admin_client.get(f"{EDITION}/registrations",
                                            query_string={"country_code": "TH"})),
        "by organization": _ok(admin_client.get(
            f"{EDITION}/registrations", query_string={"organization_id": ids["agency"]})),
        "counts": _ok(admin_client.get(f"{EDITION}/registration-counts")),
        "roster": admin_client.get(f"{EDITION}/registrations.csv").get_data(as_text=True),
        "history": _ok(admin_client.get("/api/v1/history/participation")),
        "page": page_text(admin_client, "/editions/sfmmc-2030"),
        "organization page": page_text(admin_client, f"/history/organizations/{ids['bureau']}"),
    }


def test_an_open_or_closed_edition_shows_the_live_directory_an_archived_one_its_snapshot(
        app, admin_client):
    ids = _open_edition(admin_client)

    # Open: people change jobs and organizations their names; the edition says what is
    # true now.
    _ok(admin_client.patch(f"/api/v1/organizations/{ids['bureau']}",
                           json={"name": "Immigration Bureau (renamed while open)"}))
    assert _reads(admin_client, ids)["host"] == "Immigration Bureau (renamed while open)"
    _ok(admin_client.post(f"{EDITION}/status", json={"status": "closed"}))
    _ok(admin_client.patch(f"/api/v1/people/{ids['speaker']}",
                           json={"position": "Commissioner (closed)"}))
    closed = _reads(admin_client, ids)
    assert "Commissioner (closed)" in json.dumps(closed["participants"])

    _ok(admin_client.post(f"{EDITION}/status", json={"status": "archived"}))
    archived = _reads(admin_client, ids)
    # Archiving changes nothing the edition shows (but its status).
    assert archived["page"] == closed["page"].replace("Status Closed", "Status Archived")
    assert {**archived, "page": None} == {**closed, "page": None}

    # Everything the edition shows changes in the directory: names, acronyms, kinds,
    # countries, parents, positions, a person's organization.
    other = create_organization(admin_client, "Other Ministry", country_code="VN")
    for organization_id, changes in (
            (ids["bureau"], {"name": "Bureau, renamed", "acronym": "BR", "parent_id": None,
                             "country_code": "VN"}),
            (ids["agency"], {"kind": "other", "country_code": "CH", "acronym": None}),
            (ids["ministry"], {"name": "Ministry, renamed"})):
        _ok(admin_client.patch(f"/api/v1/organizations/{organization_id}", json=changes))
    _ok(admin_client.patch(f"/api/v1/people/{ids['speaker']}", json={
        "full_name": "Anan Renamed", "honorific": "Dr.", "position": "Retired",
        "organization_id": other["id"]}))
    _ok(admin_client.patch(f"/api/v1/people/{ids['delegate']}", json={
        "full_name": "Grace Moved", "organization_id": other["id"]}))

    assert _reads(admin_client, ids) == archived
    assert "Part of Ministry of the Interior" in archived["organization page"]
    assert [r["full_name"] for r in archived["by organization"]] == ["Grace Delegate"]
    assert [r["full_name"] for r in archived["in Thailand"]] == ["Anan Speaker"]
    assert archived["counts"]["confirmed_by_country"] == {"TH": 1}
    # The organization the archive still names as a parent cannot leave the directory.
    body = assert_problem(admin_client.delete(f"/api/v1/organizations/{ids['ministry']}"), 409)
    assert body["references"] == {"archived edition records": 2}


def test_the_snapshot_keeps_names_out_of_the_audit_trail(app, seeded):
    from eventhub.audit.models import AuditEntry
    from eventhub.audit.recorder import HIDDEN

    with app.app_context():
        entries = list(db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.table_name == "snapshot_people")))
        assert len(entries) == 18
        assert {entry.changes["full_name"]["after"] for entry in entries} == {HIDDEN}
        assert {entry.edition_id for entry in entries} == {1}


# Bundles -----------------------------------------------------------------------------------

def test_a_format_2_bundle_carries_the_snapshot(app, seeded, admin_client, tmp_path):
    """Into an instance whose directory already holds NIA (same name and country, another
    acronym) and an IOM: the imported edition shows the bundle's values, the directory
    keeps its own, and later directory edits there change nothing of the edition."""
    ids = directory_ids(admin_client)
    edit_the_directory(admin_client, ids)
    bundle = export_text(app, SLUG)
    reads = {name: _ok(app.test_client().get(url)) for name, url in (
        ("edition", ED), ("participants", f"{ED}/participants"),
        ("programme", f"{ED}/programme"), ("history", "/api/v1/history/participation"))}

    with empty_instance(tmp_path) as other:
        from conftest import client_for_role

        from eventhub.auth.models import Role

        other_admin = client_for_role(other, Role.ADMIN)
        here = create_organization(other_admin, NIA, country_code="CN", acronym="NIA-HERE")
        assert import_text(other, bundle) == SLUG
        imported = {name: _ok(other.test_client().get(url)) for name, url in (
            ("edition", ED), ("participants", f"{ED}/participants"),
            ("programme", f"{ED}/programme"), ("history", "/api/v1/history/participation"))}
        # The edition links to the directory entry found here, and shows the snapshot.
        assert imported["edition"]["host_organization"]["id"] == here["id"]
        assert imported["edition"]["host_organization"]["acronym"] == "NIA"
        assert _ok(other_admin.get(f"/api/v1/organizations/{here['id']}"))["acronym"] \
            == "NIA-HERE"
        for name in reads:
            assert _without_ids(imported[name]) == _without_ids(reads[name]), name

        _ok(other_admin.patch(f"/api/v1/organizations/{here['id']}",
                              json={"name": "Renamed over there"}))
        again = export_text(other, SLUG)
        assert _ok(other.test_client().get(ED))["host_organization"]["name"] == NIA

    assert "Renamed" not in bundle
    assert json.loads(again)["content"] == json.loads(bundle)["content"]


def _without_ids(value: Any) -> Any:
    """API output with database ids (which differ between instances) left out."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items()
                if k not in ("id", "programme_item_id", "created_at", "updated_at")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_a_format_1_bundle_still_imports_and_its_record_stays_put(app, admin_client,
                                                                   tmp_path):
    text = FORMAT_1.read_text(encoding="utf-8")
    old = json.loads(text)
    assert old["format_version"] == 1 and "directory" not in old["content"]
    slug = old["content"]["edition"]["slug"]

    assert import_text(app, text) == slug

    url = f"/api/v1/editions/{slug}"
    edition = _ok(admin_client.get(url))
    assert edition["status"] == "archived"
    assert edition["host_organization"]["name"] == "Immigration Bureau"
    before = {"participants": _ok(admin_client.get(f"{url}/participants")),
              "recorded": edition["recorded"],
              "registrations": _ok(admin_client.get(f"{url}/registrations"))}
    host = edition["host_organization"]["id"]
    _ok(admin_client.patch(f"/api/v1/organizations/{host}",
                           json={"name": "Bureau, renamed", "country_code": "VN"}))
    for person in before["participants"]["people"]:
        _ok(admin_client.patch(f"/api/v1/people/{person['person']['id']}",
                               json={"position": "Someone else now"}))

    after = {"participants": _ok(admin_client.get(f"{url}/participants")),
             "recorded": _ok(admin_client.get(url))["recorded"],
             "registrations": _ok(admin_client.get(f"{url}/registrations"))}
    assert after == before
    # Exported again, it is a bundle of today's format with the same record, its snapshot
    # marked and no words in other languages (format 1 had none).
    content = json.loads(export_text(app, slug, include_personal=True))["content"]
    assert content.pop("directory") == "snapshot"
    assert content["series"].pop("translations") == {}
    assert content["edition"].pop("translations") == {}
    assert [item.pop("translations") for item in content["programme"]["items"]] == [
        {} for _ in old["content"]["programme"]["items"]]
    assert content == old["content"]


def test_a_format_2_bundle_must_say_whose_directory_it_carries(app, seeded, admin_client):
    from eventhub.archive.bundle import checksum

    document = json.loads(export_text(app, SLUG))
    document["content"]["directory"] = "live"
    document["content"]["edition"]["slug"] = "2024-elsewhere"
    document["content"]["edition"]["ordinal"] = 7
    document["checksum"] = checksum(document["content"])

    body = assert_problem(admin_client.post("/api/v1/archive/import", json=document), 422)
    assert "directory" in body["detail"]
    del document["content"]["directory"]
    document["checksum"] = checksum(document["content"])
    body = assert_problem(admin_client.post("/api/v1/archive/import", json=document), 422)
    assert "directory" in body["detail"]
    assert_problem(admin_client.get("/api/v1/editions/2024-elsewhere"), 404)


# Anonymization -----------------------------------------------------------------------------

def test_anonymizing_removes_private_delegates_from_the_snapshot(
        app, organizer_client, admin_client, client):
    from test_retention import PRIVATE, build_edition, private_needles

    retention = "/api/v1/editions/sfmmc-2026"
    built = build_edition(app, organizer_client, admin_client, client)
    delegate = PRIVATE["delegate name"]
    with app.app_context():
        names = set(db.session.scalars(sa.text("SELECT full_name FROM snapshot_people")))
    assert {delegate, PRIVATE["walk-in name"], PRIVATE["member name"]} <= names
    # The walk-in also registers for a later edition, so anonymizing puts a stand-in in
    # their place; meanwhile they moved to another organization.
    walk_in = next(r for r in _ok(organizer_client.get(f"{retention}/registrations"))
                   if r["full_name"] == PRIVATE["walk-in name"])
    shown_organization = walk_in["organization"]
    other = create_organization(organizer_client, "Elsewhere Ministry", country_code="FR")
    _ok(organizer_client.patch(f"/api/v1/people/{walk_in['person_id']}",
                               json={"organization_id": other["id"]}))
    _ok(organizer_client.post("/api/v1/editions", json={
        "series": "sfmmc", "ordinal": 2, "slug": "sfmmc-2027", "title": "Sub-Forum 2027",
        "time_zone": "Asia/Bangkok", "start_date": "2027-11-20", "end_date": "2027-11-21"}),
        201)
    _ok(organizer_client.post("/api/v1/editions/sfmmc-2027/status", json={"status": "open"}))
    _ok(organizer_client.post("/api/v1/editions/sfmmc-2027/registrations", json={
        "person_id": walk_in["person_id"], "role": "observer"}), 201)
    counts = _ok(admin_client.get(f"{retention}/registration-counts"))
    participants = _ok(client.get(f"{retention}/participants"))

    _ok(admin_client.post(f"{retention}/anonymize"))

    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT person_id, full_name, honorific, position, organization_id "
            "FROM snapshot_people")).all()
    names = {row.full_name for row in rows}
    assert not names & {delegate, PRIVATE["walk-in name"], PRIVATE["member name"]}
    anonymized = [row for row in rows if row.full_name == "Anonymized participant"]
    assert len(anonymized) == 3
    assert {(row.honorific, row.position) for row in anonymized} == {(None, None)}
    # The stand-in is of the organization the edition showed, not the one of today.
    stand_in = next(r for r in _ok(admin_client.get(f"{retention}/registrations"))
                    if r["id"] == walk_in["id"])
    assert stand_in["person_id"] != walk_in["person_id"]
    assert stand_in["organization"] == shown_organization
    assert not any(row.person_id == walk_in["person_id"] for row in rows)
    # Every count and public participant stays; nothing private is left anywhere.
    assert _ok(admin_client.get(f"{retention}/registration-counts")) == counts
    assert _ok(client.get(f"{retention}/participants")) == participants
    leftovers = {k: v for k, v in private_needles(built).items()
                 if k not in ("walk-in e-mail", "walk-in phone", "walk-in name")}
    assert find_values(app, leftovers) == []
    exported = export_text(app, "sfmmc-2026", include_personal=True)
    assert delegate not in exported and PRIVATE["walk-in name"] not in exported


# The migration -------------------------------------------------------------------------------

def test_the_migration_gives_editions_archived_before_it_their_snapshot(tmp_path):
    from flask_migrate import downgrade, upgrade

    from seed_2024.loader import load_reference_record

    with empty_instance(tmp_path) as other, other.app_context():
        load_reference_record()
        db.session.commit()
        taken = _snapshot_rows()
        assert len(taken["snapshot_organizations"]) == 21
        assert len(taken["snapshot_people"]) == 18
        db.session.remove()
        downgrade(revision="9824c7922b25")
        assert "snapshot_people" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert _snapshot_rows() == taken


def _snapshot_rows() -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        return {table: sorted(tuple(row) for row in conn.execute(
                    sa.text(f"SELECT * FROM {table}")))
                for table in ("snapshot_organizations", "snapshot_people")}

