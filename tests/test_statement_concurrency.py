"""Statement edits under real concurrency, on SQLite and on PostgreSQL: the threaded server
of tests/_live_server.py, requests released together (tests/_concurrency.py), each in its
own thread, session and transaction.

Acceptance: concurrent edits of the same section based on one revision: exactly one
wins, the others get 412 and nothing is overwritten; edits of different sections all
land; revision numbers stay dense 1..n. Without the statement's lock (the control runs)
the same edits collide.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from _concurrency import Call, fire_together, guards_off, slow_commits
from _statements import (
    create_statement,
    current,
    etag,
    keys,
    open_edition,
    section,
    section_url,
    statement_url,
    statements_url,
    token_of,
)
from conftest import client_for_role

from eventhub.auth.models import Role
from eventhub.extensions import db
from eventhub.statements.models import StatementRevision

MANY = 6
CONTROL_ATTEMPTS = 10

Request = tuple[str, str, dict[str, Any], dict[str, str], str]


def fire(server: str, requests: list[Request]) -> list[tuple[int, dict[str, Any], str | None]]:
    """Send every (method, path, payload, headers, token) at the same moment; return
    (status, body, ETag) for each, in order."""
    burst = fire_together(server, [Call(method, path, payload, token, headers)
                                   for method, path, payload, headers, token in requests])
    return [(a.status, a.json or {}, a.headers.get("ETag")) for a in burst]


def stored_revision_numbers(app, statement_id: int) -> list[int]:
    """Straight from the table, so a duplicate number would show."""
    with app.app_context():
        numbers = list(db.session.scalars(sa.select(StatementRevision.number).where(
            StatementRevision.statement_id == statement_id).order_by(StatementRevision.number)))
        db.session.remove()
    return numbers


def all_text(statement: dict[str, Any]) -> str:
    return "\n".join(p for s in statement["sections"] for p in s["paragraphs"])


@pytest.fixture
def editors(app, secretariat_client) -> list[str]:
    """Tokens of several secretariat users, used in turn by the concurrent requests."""
    return [token_of(secretariat_client)] + [
        token_of(client_for_role(app, Role.SECRETARIAT)) for _ in range(2)]


def drafted(organizer_client, secretariat_client, sections: int = 3):
    open_edition(organizer_client)
    payload = {"title": "Chair's Statement", "dateline": "(June 12, 2025, Shanghai, China)",
               "sections": [{"paragraphs": [f"Original text of section {n}."]}
                            for n in range(1, sections + 1)]}
    return create_statement(secretariat_client, content=payload)


@pytest.mark.parametrize("writers", [2, MANY])
def test_concurrent_edits_of_the_same_section_let_exactly_one_win(
        app, live_server, organizer_client, secretariat_client, editors, writers):
    created = drafted(organizer_client, secretariat_client)
    sid = created.json["id"]
    key = keys(created.json)[1]
    base = etag(created)
    address = section_url(sid, key)
    wording = [f"Editor {n}'s wording of section two." for n in range(writers)]

    # Slow commits as in the control run below: a burst of two on a loaded machine
    # otherwise may not overlap at all (one request done before the other starts).
    with slow_commits(app):
        results = fire(live_server, [
            ("PUT", address, {"paragraphs": [wording[n]]}, {"If-Match": base},
             editors[n % len(editors)]) for n in range(writers)])

    codes = [status for status, _, _ in results]
    assert Counter(codes) == {200: 1, 412: writers - 1}, results
    winner = codes.index(200)
    won_body, won_etag = results[winner][1], results[winner][2]
    assert won_body["revision"] == 2
    assert section(won_body, key)["paragraphs"] == [wording[winner]]

    for n, (_, body, tag) in enumerate(results):
        if n == winner:
            continue
        # Each loser is told the current revision and text: the winner's.
        assert body["current_revision"] == 2
        current_section = next(s for s in body["current"]["sections"] if s["key"] == key)
        assert current_section["paragraphs"] == [wording[winner]]
        assert tag == won_etag

    latest = current(secretariat_client, sid)
    assert etag(latest) == won_etag
    assert section(latest.json, key)["paragraphs"] == [wording[winner]]
    text = all_text(latest.json)
    assert [n for n in range(writers) if wording[n] in text] == [winner]
    assert "Original text of section 1." in text
    assert "Original text of section 3." in text
    assert stored_revision_numbers(app, sid) == [1, 2]


def test_concurrent_edits_of_different_sections_all_land(app, live_server,
                                                         organizer_client, secretariat_client,
                                                         editors):
    created = drafted(organizer_client, secretariat_client, sections=MANY)
    sid = created.json["id"]
    section_keys = keys(created.json)
    base = etag(created)
    wording = {key: f"Section {n + 1}, edited concurrently." for n, key in
               enumerate(section_keys)}

    results = fire(live_server, [
        ("PUT", section_url(sid, key), {"paragraphs": [wording[key]]},
         {"If-Match": base}, editors[n % len(editors)])
        for n, key in enumerate(section_keys)])

    assert [status for status, _, _ in results] == [200] * MANY, results
    assert sorted(body["revision"] for _, body, _ in results) == list(range(2, MANY + 2))
    assert len({tag for _, _, tag in results}) == MANY

    latest = current(secretariat_client, sid).json
    assert latest["revision"] == MANY + 1
    assert keys(latest) == section_keys
    assert [s["paragraphs"] for s in latest["sections"]] == [[wording[k]] for k in
                                                             section_keys]
    assert stored_revision_numbers(app, sid) == list(range(1, MANY + 2))

    # Each revision is the previous one plus exactly one edit: nothing was dropped on the way.
    for number in range(2, MANY + 2):
        text = current(secretariat_client, sid, revision=number).json
        edited = [s["key"] for s in text["sections"] if s["paragraphs"] == [wording[s["key"]]]]
        assert len(edited) == number - 1


def test_without_the_statements_lock_edits_based_on_one_revision_collide(
        app, live_server, organizer_client, secretariat_client, editors):
    """The control runs of the two tests above: with the lock switched off, two edits of
    one section, or edits of different sections, sent at once from the same revision are
    no longer refused with 412 or merged; they collide (on the revision number)."""
    created = drafted(organizer_client, secretariat_client, sections=MANY)
    sid = created.json["id"]
    section_keys = keys(created.json)
    same, different = [], []
    with guards_off(app, "statements"), slow_commits(app):
        for attempt in range(CONTROL_ATTEMPTS):
            base = etag(current(secretariat_client, sid))
            results = fire(live_server, [
                ("PUT", section_url(sid, section_keys[0]),
                 {"paragraphs": [f"Attempt {attempt}, editor {n}."]}, {"If-Match": base},
                 editors[n]) for n in range(2)])
            same.append(sorted(status for status, _, _ in results))
            if same[-1] != [200, 412]:
                break
        for attempt in range(CONTROL_ATTEMPTS):
            base = etag(current(secretariat_client, sid))
            results = fire(live_server, [
                ("PUT", section_url(sid, key), {"paragraphs": [f"Attempt {attempt}."]},
                 {"If-Match": base}, editors[n % len(editors)])
                for n, key in enumerate(section_keys)])
            different.append(sorted(status for status, _, _ in results))
            if different[-1] != [200] * MANY:
                break
    assert same[-1] != [200, 412], f"same section: always one 200 and one 412: {same}"
    assert different[-1] != [200] * MANY, f"different sections: always merged: {different}"


def test_mixed_concurrent_edits_merge_other_sections_and_refuse_the_same_section(
        app, live_server, organizer_client, secretariat_client, editors):
    created = drafted(organizer_client, secretariat_client, sections=6)
    sid = created.json["id"]
    contested, *others = keys(created.json)
    base = etag(created)
    requests: list[Request] = []
    for n in range(5):
        requests.append(("PUT", section_url(sid, contested),
                         {"paragraphs": [f"Contested wording {n}."]}, {"If-Match": base},
                         editors[n % len(editors)]))
    for n, key in enumerate(others):
        requests.append(("PUT", section_url(sid, key),
                         {"paragraphs": [f"Uncontested edit of {key}."]}, {"If-Match": base},
                         editors[n % len(editors)]))

    results = fire(live_server, requests)

    contested_codes = [status for status, _, _ in results[:5]]
    assert Counter(contested_codes) == {200: 1, 412: 4}, results
    assert [status for status, _, _ in results[5:]] == [200] * len(others), results
    winner = contested_codes.index(200)

    latest = current(secretariat_client, sid).json
    assert section(latest, contested)["paragraphs"] == [f"Contested wording {winner}."]
    for key in others:
        assert section(latest, key)["paragraphs"] == [f"Uncontested edit of {key}."]
    text = all_text(latest)
    assert sum(f"Contested wording {n}." in text for n in range(5)) == 1
    assert stored_revision_numbers(app, sid) == list(range(1, 2 + 1 + len(others)))


def test_concurrent_structure_changes_with_one_etag_let_exactly_one_through(
        app, live_server, organizer_client, secretariat_client, editors):
    created = drafted(organizer_client, secretariat_client)
    sid = created.json["id"]
    base = etag(created)
    k1, _, k3 = keys(created.json)
    requests: list[Request] = [
        ("POST", statement_url(sid, '/sections'),
         {"position": 2, "paragraphs": [f"Inserted by editor {n}."]}, {"If-Match": base},
         editors[n % len(editors)]) for n in range(MANY // 2)]
    requests += [
        ("PATCH", statement_url(sid),
         {"sections": [{"key": k3, "paragraphs": ["Original text of section 3."]},
                       {"key": k1, "paragraphs": ["Original text of section 1."]}],
          "note": f"Restructured by editor {n}"}, {"If-Match": base},
         editors[n % len(editors)]) for n in range(MANY // 2)]

    results = fire(live_server, requests)

    codes = Counter(status for status, _, _ in results)
    assert codes[412] == MANY - 1, results
    assert codes[200] + codes[201] == 1, results
    assert stored_revision_numbers(app, sid) == [1, 2]
    latest = current(secretariat_client, sid).json
    if codes[201]:
        assert len(latest["sections"]) == 4
        assert [s["number"] for s in latest["sections"]] == ["I", "II", "III", "IV"]
    else:
        assert keys(latest) == [k3, k1]


def test_concurrent_acceptance_of_one_suggestion_applies_it_once(
        app, live_server, organizer_client, secretariat_client, editors):
    created = drafted(organizer_client, secretariat_client)
    sid = created.json["id"]
    key = keys(created.json)[0]
    made = secretariat_client.post(statement_url(sid, "/suggestions"), json={
        "section_key": key, "paragraph_index": 0, "proposed_text": "Suggested opening."})
    assert made.status_code == 201
    suggestion_id = made.json["id"]
    address = statement_url(sid, f'/suggestions/{suggestion_id}/accept')

    results = fire(live_server, [("POST", address, {}, {}, editors[n % len(editors)])
                             for n in range(MANY)])

    assert Counter(status for status, _, _ in results) == {200: 1, 409: MANY - 1}, results
    assert stored_revision_numbers(app, sid) == [1, 2]
    assert section(current(secretariat_client, sid).json, key)["paragraphs"] == [
        "Suggested opening."]



def test_concurrent_language_versions_of_one_statement_create_exactly_one(
        app, live_server, organizer_client, secretariat_client, editors):
    created = drafted(organizer_client, secretariat_client)
    sid = created.json["id"]
    address = statement_url(sid, '/languages')

    results = fire(live_server, [("POST", address, {"language": "zh"}, {},
                              editors[n % len(editors)]) for n in range(MANY)])

    assert Counter(status for status, _, _ in results) == {201: 1, 409: MANY - 1}, results
    listed = secretariat_client.get(statements_url()).json
    assert sorted(s["language"] for s in listed) == ["en", "zh"]


def test_concurrent_resolution_of_one_comment_resolves_it_once(
        app, live_server, organizer_client, secretariat_client, editors):
    created = drafted(organizer_client, secretariat_client)
    sid = created.json["id"]
    # Several rounds, so that one lucky serialised round cannot hide the race.
    for round_number in range(3):
        made = secretariat_client.post(statement_url(sid, "/comments"), json={
            "section_key": keys(created.json)[0], "body": f"Check the date ({round_number})."})
        assert made.status_code == 201
        comment_id = made.json["id"]
        address = statement_url(sid, f'/comments/{comment_id}/resolve')

        results = fire(live_server, [("POST", address, {}, {}, editors[n % len(editors)])
                                 for n in range(MANY)])

        assert Counter(status for status, _, _ in results) == {200: 1, 409: MANY - 1}, (
            round_number, results)
