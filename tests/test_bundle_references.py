"""Bundle import checks references before it writes anything: a crafted bundle (checksum
recomputed, so only its references are wrong) is refused with 422, each problem named with
the reference and its place in the bundle, and the database stays as it was. Then the
importer is fuzzed with mutated real bundles: every answer is 201 or a 4xx problem, a
refusal changes nothing, and what is taken round-trips.

The bundles come from the seeded 2024 record and from the generated edition of
test_bundles (registrations, delegations, invitations, sign-ups, exhibitors, statements with
translations, comments and suggestions, two published programme versions naming rows
deleted since). They are imported into another, empty instance."""

from __future__ import annotations

import copy
import json
import math
import random
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from _archive import database_state, differences, empty_instance, export_text
from _helpers import PROBLEM_MIME, assert_problem
from conftest import PASSWORD, login, make_user
from flask import Flask
from test_bundles import GENERATED, generate_edition

from eventhub.archive import bundle
from eventhub.auth.models import Role
from eventhub.extensions import db

SLUG = "2024-suzhou"
IMPORT = "/api/v1/archive/import"
_SOURCES: dict[str, str] = {}


@pytest.fixture
def sources(app: Flask) -> dict[str, dict[str, Any]]:
    """The exported 2024 record (without personal data) and the generated edition (with),
    made once for the module; the tables are emptied after each test as usual."""
    if not _SOURCES:
        result = app.test_cli_runner().invoke(args=["seed", "2024"])
        assert result.exit_code == 0, result.output
        _SOURCES["2024"] = export_text(app, SLUG)
        generate_edition(app, registrations=12)
        _SOURCES["generated"] = export_text(app, GENERATED, include_personal=True)
    return {name: json.loads(text) for name, text in _SOURCES.items()}


class Instance:
    """Another, empty instance and an admin's client for it."""

    def __init__(self, app: Flask):
        self.app = app
        token = login(app, make_user(app, Role.ADMIN), PASSWORD)
        self.client = app.test_client()
        self.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        with app.app_context(), warnings.catch_warnings():
            # SQLAlchemy cannot reflect the expression index on people's e-mail; unneeded.
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            self.metadata = sa.MetaData()
            self.metadata.reflect(db.engine)

    def post(self, document: dict[str, Any]):
        return self.client.post(IMPORT, json=document)

    def state(self) -> dict[str, list[tuple]]:
        """Every row of every table (rate-limit counters aside), as sorted tuples."""
        with self.app.app_context(), db.engine.connect() as conn:
            return {name: sorted((tuple(map(repr, row)) for row in conn.execute(
                        sa.select(table))), key=repr)
                    for name, table in sorted(self.metadata.tables.items())
                    if name != "rate_limit_buckets"}

    def counts(self) -> dict[str, int]:
        with self.app.app_context(), db.engine.connect() as conn:
            return {name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                    for name in ("series", "editions", "organizations", "people")}

    def empty_but_accounts(self) -> None:
        """Back to the state before any import: only the user accounts stay."""
        keep = {"users", "api_tokens", "alembic_version", "rate_limit_buckets"}
        with self.app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                for table in reversed(self.metadata.sorted_tables):
                    if table.name not in keep:
                        conn.execute(table.delete())


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> Iterator[Instance]:
    """One empty instance for the refusals (each proves it stays as it was)."""
    with empty_instance(tmp_path_factory.mktemp("references")) as app:
        yield Instance(app)


def crafted(source: dict[str, Any], change: Callable[[dict[str, Any]], Any]
            ) -> dict[str, Any]:
    """The bundle with its content changed and the checksum recomputed (with the module's
    own checksum()), so only what the change broke is wrong."""
    document = copy.deepcopy(source)
    change(document["content"])
    document["checksum"] = bundle.checksum(document["content"])
    return document


def refused(instance: Instance, document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Import over HTTP: 422, nothing written. Returns the problems by place."""
    before, counts = instance.state(), instance.counts()
    body = assert_problem(instance.post(document), 422)
    assert instance.counts() == counts  # no series, edition, organization or person added
    assert differences(before, instance.state()) == []
    assert "Nothing was imported" in body["detail"], body["detail"]
    problems = {error["field"]: error for error in body["errors"]}
    assert len(problems) == len(body["errors"]), "one problem per place"
    return problems


def assert_names(problems: dict[str, dict[str, str]], place: str, ref: str,
                 *words: str) -> None:
    assert place in problems, sorted(problems)
    problem = problems[place]
    assert problem["ref"] == ref, problem
    assert ref in problem["message"], problem
    for word in words:
        assert word in problem["message"], problem


def child_org(content: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """An organization with a parent (the generated edition's departments)."""
    return next((n, o) for n, o in enumerate(content["organizations"]) if o["parent"])


# The crafted bundles of the finding --------------------------------------------------------

def test_a_registration_naming_a_person_not_in_the_bundle_is_refused(sources, other):
    def change(content):
        content["registrations"][3]["person"] = "person-999"

    problems = refused(other, crafted(sources["generated"], change))

    assert list(problems) == ["content.registrations[3].person"]
    assert_names(problems, "content.registrations[3].person", "person-999",
                 "not a person of this bundle")


def test_a_dangling_participation_is_refused(sources, other):
    def change(content):
        content["participations"][2]["organization"] = "organization-99"

    problems = refused(other, crafted(sources["2024"], change))

    assert list(problems) == ["content.participations[2].organization"]
    assert_names(problems, "content.participations[2].organization", "organization-99",
                 "not an organization")


def test_a_speech_by_a_person_not_in_the_bundle_is_refused(sources, other):
    def change(content):
        content["programme"]["items"][1]["speeches"][0]["person"] = "person-77"

    problems = refused(other, crafted(sources["2024"], change))

    assert list(problems) == ["content.programme.items[1].speeches[0].person"]
    assert_names(problems, "content.programme.items[1].speeches[0].person", "person-77")


def test_a_dangling_parent_is_refused(sources, other):
    content = sources["generated"]["content"]
    n, _ = child_org(content)

    def change(content):
        content["organizations"][n]["parent"] = "organization-999"

    problems = refused(other, crafted(sources["generated"], change))

    assert list(problems) == [f"content.organizations[{n}].parent"]
    assert_names(problems, f"content.organizations[{n}].parent", "organization-999")


def test_two_organizations_with_the_same_ref_are_refused(sources, other):
    def change(content):
        content["organizations"][4]["ref"] = content["organizations"][3]["ref"]

    problems = refused(other, crafted(sources["2024"], change))

    assert_names(problems, "content.organizations[4].ref", "organization-4",
                 "already the reference of content.organizations[3]")
    # What named the organization whose reference was taken now names nothing: listed too.
    dangling = {place for place, p in problems.items() if p.get("ref") == "organization-5"}
    assert dangling, problems
    assert all(problems[place]["message"].startswith("organization-5 is not an organization")
               for place in dangling)


def test_an_organization_that_is_its_own_parent_is_refused(sources, other):
    def change(content):
        content["organizations"][0]["parent"] = content["organizations"][0]["ref"]

    problems = refused(other, crafted(sources["2024"], change))

    assert list(problems) == ["content.organizations[0].parent"]
    assert_names(problems, "content.organizations[0].parent", "organization-1",
                 "names itself as its parent")


def test_parents_in_a_cycle_are_refused(sources, other):
    content = sources["generated"]["content"]
    n, child = child_org(content)
    parent = next(m for m, o in enumerate(content["organizations"])
                  if o["ref"] == child["parent"])

    def change(content):
        content["organizations"][parent]["parent"] = child["ref"]

    problems = refused(other, crafted(sources["generated"], change))

    assert sorted(problems) == sorted([f"content.organizations[{n}].parent",
                                       f"content.organizations[{parent}].parent"])
    cycle = f"{child['ref']} → {child['parent']} → {child['ref']}"
    assert cycle in problems[f"content.organizations[{n}].parent"]["message"]


def test_a_dangling_host_organization_is_refused_not_dropped(sources, other):
    def change(content):
        content["edition"]["host_organization"] = "organization-404"

    problems = refused(other, crafted(sources["2024"], change))

    assert list(problems) == ["content.edition.host_organization"]
    assert_names(problems, "content.edition.host_organization", "organization-404")


def test_a_dangling_person_organization_is_refused_not_dropped(sources, other):
    def change(content):
        content["people"][2]["organization"] = "organization-404"

    problems = refused(other, crafted(sources["2024"], change))

    assert list(problems) == ["content.people[2].organization"]
    assert_names(problems, "content.people[2].organization", "organization-404")


# Beyond the finding ------------------------------------------------------------------------

def test_a_parent_that_closes_a_cycle_with_the_directory_here_is_refused(app, admin_client):
    """Organizations that exist here are reused and keep their parents: a bundle making a
    ministry the child of its own department here would put the directory in a cycle."""
    generate_edition(app, registrations=4)
    source = json.loads(export_text(app, GENERATED))
    n, department = child_org(source["content"])
    ministry = next(m for m, o in enumerate(source["content"]["organizations"])
                    if o["ref"] == department["parent"])

    def change(content):
        content["edition"].update(slug="generated-again", ordinal=2)
        content["organizations"][n]["parent"] = None
        content["organizations"][ministry]["parent"] = department["ref"]

    before = database_state(app)
    body = assert_problem(admin_client.post(IMPORT, json=crafted(source, change)), 422)

    assert differences(before, database_state(app)) == []
    assert [e["field"] for e in body["errors"]] == [
        f"content.organizations[{ministry}].parent"]
    assert body["errors"][0]["ref"] == department["ref"]
    assert "cycle" in body["errors"][0]["message"]


def test_a_bundle_shaped_unlike_the_import_reads_it_is_refused(sources, other):
    def change(content):
        content["programme"]["items"][1]["speeches"][0]["ref"] = ["speech-2"]
        content["programme"]["versions"][0]["items"][0]["speeches"][0] = "a speech"
        content["programme"]["versions"][0]["items"][1]["speeches"] = {"id": "speech-2"}
        content["statements"][0]["comments"] = None
        del content["people"][0]["organization"]

    problems = refused(other, crafted(sources["2024"], change))

    assert problems["content.programme.items[1].speeches[0].ref"]["message"] == (
        "must be a speech reference such as speech-1")
    snapshot = "content.programme.versions[0].items"
    assert problems[f"{snapshot}[0].speeches[0]"]["message"] == "must be an object"
    assert problems[f"{snapshot}[1].speeches"]["message"] == "must be a list"
    assert problems["content.statements[0].comments"]["message"] == "must be a list"
    assert problems["content.people[0].organization"]["message"] == (
        "is missing (null for none)")


def test_a_reference_to_an_object_of_another_kind_is_refused(sources, other):
    def change(content):
        content["registrations"][0]["person"] = "organization-1"
        content["programme"]["signups"][0]["item"] = content["registrations"][5]["ref"]

    problems = refused(other, crafted(sources["generated"], change))

    assert_names(problems, "content.registrations[0].person", "organization-1",
                 "is an organization, not a person")
    assert_names(problems, "content.programme.signups[0].item", "registration-6",
                 "is a registration, not an item")


def test_every_problem_is_listed_at_once(sources, other):
    def change(content):
        content["edition"]["host_organization"] = "organization-404"
        content["people"][1]["organization"] = "person-1"
        content["programme"]["items"][0]["speeches"][0]["person"] = "person-404"
        del content["people"][3]["organization"]
        content["organizations"][0]["parent"] = "organization-1"

    problems = refused(other, crafted(sources["2024"], change))

    assert sorted(problems) == sorted([
        "content.edition.host_organization", "content.people[1].organization",
        "content.programme.items[0].speeches[0].person",
        "content.people[3].organization", "content.organizations[0].parent"])
    assert problems["content.people[3].organization"]["message"] == (
        "is missing (null for none)")


def test_statement_references_are_checked(sources, other):
    def change(content):
        statement, translation = content["statements"]
        translation["translation_of"] = "statement-9"
        statement["approved_revision"] = 7
        statement["comments"][1]["parent"] = statement["comments"][2]["ref"]
        statement["suggestions"][0]["base_revision"] = 12

    problems = refused(other, crafted(sources["generated"], change))

    assert_names(problems, "content.statements[1].translation_of", "statement-9")
    assert_names(problems, "content.statements[0].approved_revision", "7",
                 "revision 7 is not a revision of this statement")
    assert_names(problems, "content.statements[0].comments[1].parent", "comment-3",
                 "later comment")
    assert_names(problems, "content.statements[0].suggestions[0].base_revision", "12")


def test_a_published_programme_names_rows_of_the_bundle_or_gone_ones(sources, other):
    def change(content):
        first = content["programme"]["versions"][0]["items"][0]
        first["id"] = "item-99"
        first["speeches"][0]["person"]["id"] = "speech-1"

    problems = refused(other, crafted(sources["generated"], change))

    where = "content.programme.versions[0].items[0]"
    assert_names(problems, f"{where}.id", "item-99", "gone-item-<number>")
    assert_names(problems, f"{where}.speeches[0].person.id", "speech-1",
                 "is a speech, not a person")


def test_rows_the_database_keeps_unique_are_unique(sources, other):
    def change(content):
        content["registrations"][4]["person"] = content["registrations"][1]["person"]
        content["organizations"][6]["name"] = content["organizations"][2]["name"]
        content["organizations"][6]["country_code"] = content["organizations"][2][
            "country_code"]

    problems = refused(other, crafted(sources["generated"], change))

    person = sources["generated"]["content"]["registrations"][1]["person"]
    assert_names(problems, "content.registrations[4].person", person,
                 f"the same person ({person}) as content.registrations[1]")
    assert "one organization per name and country" in problems[
        "content.organizations[6].name"]["message"]


def test_values_the_database_cannot_store_are_refused_with_their_place(sources, other):
    def change(content):
        content["edition"]["start_date"] = "next spring"
        content["edition"]["time_zone"] = "Mars/Olympus_Mons"
        content["participations"][0]["role"] = "spectator"
        content["programme"]["items"][0]["speeches"][0]["position"] = "first"
        content["organizations"][0]["acronym"] = "N" * 41
        content["edition"]["created_at"] = "0001-01-01T00:00:00+05:00"  # year 0 in UTC
        content["programme"]["versions"][0]["items"][0]["capacity"] = math.nan

    problems = refused(other, crafted(sources["2024"], change))

    assert problems["content.edition.start_date"]["message"] == "must be a date (YYYY-MM-DD)"
    assert "time zone" in problems["content.edition.time_zone"]["message"]
    assert "participant, observer" in problems["content.participations[0].role"]["message"]
    assert problems["content.programme.items[0].speeches[0].position"]["message"] == (
        "must be an integer")
    assert "at most 40" in problems["content.organizations[0].acronym"]["message"]
    assert "UTC offset" in problems["content.edition.created_at"]["message"]
    assert problems["content.programme.versions[0].items[0].capacity"]["message"] == (
        "nan is no number a database stores")


def test_the_cli_refuses_with_the_references_and_places_and_changes_nothing(
        sources, other, tmp_path):
    def change(content):
        content["registrations"][3]["person"] = "person-999"
        content["organizations"][0]["parent"] = content["organizations"][0]["ref"]

    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(crafted(sources["generated"], change)), encoding="utf-8")
    before = other.state()

    result = other.app.test_cli_runner().invoke(args=["import", str(path)])

    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert ("Error: The bundle does not hold together. Problems with its references or "
            "values: 2," in result.output)
    assert "content.registrations[3].person: person-999 is not a person" in result.output
    assert "content.organizations[0].parent: organization-1 names itself" in result.output
    assert differences(before, other.state()) == []


def test_the_original_bundles_still_import(sources, tmp_path):
    with empty_instance(tmp_path) as app:
        instance = Instance(app)
        for name, document in sources.items():
            response = instance.post(document)
            assert response.status_code == 201, (name, response.get_data(as_text=True))


# The tables cover the bundle ---------------------------------------------------------------

REF_LIKE = re.compile(r"(gone-)?([a-z]+)-[0-9]+")
# The fields that hold references in a bundle (other fields may hold text like them).
REF_FIELDS = frozenset({"ref", "id", "parent", "organization", "host_organization", "person",
                        "item", "registration", "invitation", "delegation", "translation_of"})


def _leaves(value: Any, pattern: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path of the row as in bundle.py, field, value) for every value in the content."""
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, dict | list):
                inner = f"{pattern}.{key}".lstrip(".")
                yield from _leaves(child, inner + ("[]" if isinstance(child, list) else ""))
            else:
                yield pattern, key, child
    elif isinstance(value, list):
        for child in value:
            yield from _leaves(child, pattern)


# Fields whose values may look like references but are names: slugs ("generated-2030"),
# figure keys, and the random keys of statement sections ("s-7305").
NAMES = frozenset({"slug", "key", "section_key"})


def _tabled(path: str) -> str:
    return path.replace("?", "")


def test_every_reference_in_an_exported_bundle_is_in_the_tables(sources):
    """A field that holds references ("organization-3", "gone-item-7") is checked: a new
    one added to the export without an entry in _REFERS (or _DEFINES) fails here."""
    tabled = ({(_tabled(r.path), r.field) for r in bundle._REFERS}
              | {(_tabled(d.path), d.key) for d in bundle._DEFINES})
    found = {(path, field) for source in sources.values()
             for path, field, value in _leaves(source["content"])
             if isinstance(value, str) and REF_LIKE.fullmatch(value) and field not in NAMES}
    # Revision numbers are references too, by name.
    found |= {(path, field) for source in sources.values()
              for path, field, _ in _leaves(source["content"])
              if field.endswith("_revision") or (path.endswith("revisions[]")
                                                 and field == "number")}
    assert found - tabled == set()
    assert {r.kind for r in bundle._REFERS} <= {d.kind for d in bundle._DEFINES}
    # An archived edition's organizations and people are exported from its snapshot
    # (ShownOrganization, ShownPerson) with the live directory's columns, and checked as
    # those rows.
    snapshot_twins = {model for model, columns in bundle._COLUMNS.items()
                      if model not in {m for _, m in bundle._ROWS}
                      and columns in (bundle._COLUMNS[bundle.Organization],
                                      bundle._COLUMNS[bundle.Person])}
    assert {model for _, model in bundle._ROWS} == set(bundle._COLUMNS) - snapshot_twins
    assert len(snapshot_twins) == 2


@pytest.mark.parametrize("refers", bundle._REFERS, ids=lambda r: f"{r.path}.{r.field}")
def test_each_reference_field_is_checked(sources, other, refers):
    """Every entry of the table, made to dangle where the generated edition last uses it."""
    content = sources["generated"]["content"]
    place, row = _last_row(content, refers.path)
    dangling = 9999 if refers.kind == "revision" else f"{refers.kind}-9999"

    def change(content):
        _last_row(content, refers.path)[1][refers.field] = dangling

    problems = refused(other, crafted(sources["generated"], change))

    assert_names(problems, f"{place}.{refers.field}", str(dangling))
    assert list(problems) == [f"{place}.{refers.field}"], row


def _last_row(content: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    rows: list[tuple[str, Any]] = [("content", content)]
    for segment in path.split("."):
        name = segment.removesuffix("[]").removesuffix("?")
        if segment.endswith("[]"):
            rows = [(f"{place}.{name}[{n}]", child) for place, row in rows
                    for n, child in enumerate(row[name])]
        else:
            rows = [(f"{place}.{name}", row[name]) for place, row in rows if row[name]]
    return rows[-1]


# Fuzzing -----------------------------------------------------------------------------------

FUZZ_SEED = 20241109
FUZZ_RUNS = 300


def _slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every value in the content (keys of dicts, indices of lists)."""
    pending = [value]
    while pending:
        node = pending.pop()
        entries = (node.items() if isinstance(node, dict)
                   else enumerate(node) if isinstance(node, list) else ())
        for key, child in entries:
            yield node, key
            pending.append(child)


def _refs_in(content: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(node, key) for node, key in _slots(content)
            if key in REF_FIELDS and isinstance(node[key], str)
            and REF_LIKE.fullmatch(node[key])]


def _defined(content: dict[str, Any]) -> list[str]:
    return [node[key] for node, key in _slots(content)
            if key == "ref" and isinstance(node[key], str)]


def _mutations(rng: random.Random) -> dict[str, Callable[[dict[str, Any]], str]]:
    """Ways to spoil (or, sometimes, harmlessly change) a bundle; each says what it did."""

    def dangle(content):
        node, key = rng.choice(_refs_in(content))
        kind = REF_LIKE.fullmatch(node[key]).group(2)
        node[key] = f"{kind}-{rng.randint(500, 99999)}"
        return f"dangle {key}"

    def null(content):
        node, key = rng.choice(_refs_in(content))
        node[key] = None
        return f"null {key}"

    def drop(content):
        node, key = rng.choice(_refs_in(content))
        del node[key]
        return f"drop {key}"

    def swap_kinds(content):
        node, key = rng.choice(_refs_in(content))
        kind = REF_LIKE.fullmatch(node[key]).group(2)
        node[key] = rng.choice([r for r in _defined(content)
                                if not r.startswith(f"{kind}-")])
        return f"swap {key} to {node[key]}"

    def same_kind(content):
        node, key = rng.choice(_refs_in(content))
        kind = REF_LIKE.fullmatch(node[key]).group(2)
        same = [r for r in _defined(content) if r.startswith(f"{kind}-")] or [node[key]]
        node[key] = rng.choice(same)
        return f"repoint {key} to {node[key]}"

    def gone(content):
        snapshot = [(node, key) for node, key in _refs_in(content["programme"]["versions"])]
        if not snapshot:
            return "nothing"
        node, key = rng.choice(snapshot)
        kind = REF_LIKE.fullmatch(node[key]).group(2)
        node[key] = f"gone-{kind}-{rng.randint(1, 9999)}"
        return f"gone {node[key]}"

    def rename(content):
        old = rng.choice(_defined(content))
        new = f"{old.split('-')[0]}-{rng.randint(500, 99999)}"
        for node, key in _refs_in(content):
            if node[key] == old:
                node[key] = new
        return f"rename {old} to {new}"

    def rename_definition(content):
        nodes = [(node, key) for node, key in _slots(content) if key == "ref"]
        node, key = rng.choice(nodes)
        node[key] = f"{node[key].split('-')[0]}-{rng.randint(500, 99999)}"
        return f"rename only {node[key]}"

    def lists(content):
        return [node[key] for node, key in _slots(content)
                if isinstance(node[key], list) and node[key]]

    def duplicate(content):
        rows = rng.choice(lists(content))
        rows.append(copy.deepcopy(rng.choice(rows)))
        return "duplicate a row"

    def delete(content):
        rows = rng.choice(lists(content))
        del rows[rng.randrange(len(rows))]
        return "delete a row"

    def reorder(content):
        rows = rng.choice(lists(content))
        rng.shuffle(rows)
        return "reorder rows"

    def cycle(content):
        organizations = content["organizations"]
        members = rng.sample(organizations, min(len(organizations), rng.randint(1, 3)))
        for member, parent in zip(members, members[1:] + members[:1], strict=True):
            member["parent"] = parent["ref"]
        return f"cycle of {len(members)} parents"

    def retype(content):
        node, key = rng.choice(list(_slots(content)))
        node[key] = rng.choice([None, True, False, 0, -1, 2**40, 1.5, math.nan, -math.inf,
                                "", "x" * 500, "2024-13-45", "0001-01-01T00:00:00+05:00",
                                [], {}, "organization-1", "gone-item-1"])
        return f"retype {key} to {str(node[key])[:20]}"

    return {f.__name__: f for f in (dangle, null, drop, swap_kinds, same_kind, gone, rename,
                                    rename_definition, duplicate, delete, reorder, cycle,
                                    retype)}


def expected_export(content: dict[str, Any]) -> dict[str, Any]:
    """What an export of the imported content must be: the same, apart from what an export
    never holds (people nobody speaks or registers as, organizations nothing names) and its
    references, numbered again in the order the import creates the rows. A published
    programme naming a row the export leaves out names it gone ("gone-person-*")."""
    c = copy.deepcopy(content)
    programme = c["programme"]

    def number(ref: str) -> int:
        return int(ref.rsplit("-", 1)[1])

    for item in programme["items"]:
        item["speeches"].sort(key=lambda s: number(s["ref"]))
    for statement in c["statements"]:
        statement["revisions"].sort(key=lambda r: r["number"])
    speakers = {s["person"] for i in programme["items"] for s in i["speeches"]}
    c["people"] = [p for p in c["people"]
                   if p["ref"] in speakers | {r["person"] for r in c["registrations"]}]
    wanted = ({c["edition"]["host_organization"]} | {p["organization"] for p in c["people"]}
              | {row["organization"] for rows in (c["participations"], programme["exhibitors"],
                                                  c["invitations"], c["delegations"])
                 for row in rows})
    parents = {o["ref"]: o["parent"] for o in c["organizations"]}
    pending = set(wanted) - {None}
    kept: set[str] = set()
    while pending:
        kept |= pending
        pending = {parents[ref] for ref in pending} - kept - {None}
    c["organizations"] = [o for o in c["organizations"] if o["ref"] in kept]

    new: dict[str, str] = {}
    speeches = sorted((s["ref"] for i in programme["items"] for s in i["speeches"]),
                      key=number)
    for kind, refs in (("organization", [o["ref"] for o in c["organizations"]]),
                       ("person", [p["ref"] for p in c["people"]]),
                       ("item", [i["ref"] for i in programme["items"]]),
                       ("speech", speeches),
                       ("invitation", [i["ref"] for i in c["invitations"]]),
                       ("delegation", [d["ref"] for d in c["delegations"]]),
                       ("registration", [r["ref"] for r in c["registrations"]]),
                       ("statement", [s["ref"] for s in c["statements"]])):
        new.update({ref: f"{kind}-{n}" for n, ref in enumerate(refs, start=1)})
    for statement in c["statements"]:
        comments = {m["ref"]: f"comment-{n}"
                    for n, m in enumerate(statement["comments"], start=1)}
        for node, key in _refs_in(statement["comments"]):
            node[key] = comments[node[key]]
    versions = programme["versions"]
    for node, key in _refs_in({k: v for k, v in c.items() if k != "programme"}) + _refs_in(
            {k: v for k, v in programme.items() if k != "versions"}):
        if not node[key].startswith("comment-"):
            node[key] = new[node[key]]
    for node, key in _refs_in(versions):
        if not node[key].startswith("gone-"):
            node[key] = new.get(node[key]) or f"gone-{node[key].split('-')[0]}-*"
    return c


def _with_gone_wildcards(actual: Any, expected: Any) -> Any:
    """The actual export with the database numbers of rows left out turned into the
    expected wildcard, where one is expected."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: _with_gone_wildcards(v, expected.get(k)) for k, v in actual.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(actual) == len(
            expected):
        return [_with_gone_wildcards(a, e) for a, e in zip(actual, expected, strict=True)]
    if (isinstance(expected, str) and expected.endswith("-*") and isinstance(actual, str)
            and re.fullmatch(re.escape(expected[:-1]) + "[0-9]+", actual)):
        return expected
    return actual


def test_mutated_bundles_are_imported_whole_or_refused_cleanly(sources, tmp_path):
    rng = random.Random(FUZZ_SEED)
    mutations = _mutations(rng)
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    with empty_instance(tmp_path) as app:
        instance = Instance(app)
        instance.empty_but_accounts()  # what the accounts' creation wrote too
        baseline = instance.state()
        for run in range(FUZZ_RUNS):
            name = rng.choice(sorted(sources))
            # A fresh copy of the source (parsing its text again is quicker than deepcopy).
            document = json.loads(_SOURCES[name])
            done = [mutations[m](document["content"])
                    for m in rng.choices(sorted(mutations), k=rng.choice([1, 1, 1, 2, 3]))]
            document["checksum"] = bundle.checksum(document["content"])
            case = f"run {run} (seed {FUZZ_SEED}) on {name}: {done}"

            response = instance.post(document)

            status = response.status_code
            outcomes[str(status)] += 1
            assert status == 201 or 400 <= status < 500, (case, response.get_data(as_text=True))
            if status != 201:
                assert response.mimetype == PROBLEM_MIME, case
                assert differences(baseline, instance.state()) == [], case
                continue
            slug = response.json["slug"]
            exported = instance.client.get(
                f"/api/v1/editions/{slug}/export",
                query_string={"include_personal": document["includes_personal_data"]})
            assert exported.status_code == 200, case
            expected = expected_export(document["content"])
            actual = _with_gone_wildcards(exported.json["content"], expected)
            assert actual == expected, (case, _first_difference(expected, actual))
            assert instance.client.get(f"/api/v1/editions/{slug}").status_code == 200, case
            instance.empty_but_accounts()
            assert differences(baseline, instance.state()) == [], case
    elapsed = time.monotonic() - started
    # The mutations must both pass and fail the checks, or the fuzzing proves little.
    assert outcomes["201"] >= FUZZ_RUNS // 20, outcomes
    assert outcomes["422"] >= FUZZ_RUNS // 2, outcomes
    print(f"{FUZZ_RUNS} mutated bundles in {elapsed:.1f}s: {dict(outcomes)}")


def _first_difference(expected: Any, actual: Any, place: str = "content") -> str:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if expected.get(key, "<absent>") != actual.get(key, "<absent>"):
                return _first_difference(expected.get(key, "<absent>"),
                                         actual.get(key, "<absent>"), f"{place}.{key}")
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{place}: {len(expected)} rows expected, {len(actual)} exported"
        for n, (e, a) in enumerate(zip(expected, actual, strict=True)):
            if e != a:
                return _first_difference(e, a, f"{place}[{n}]")
    return f"{place}: expected {str(expected)[:200]!r}, exported {str(actual)[:200]!r}"
