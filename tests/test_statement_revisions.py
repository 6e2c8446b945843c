"""Chair's Statement drafting: immutable revisions, If-Match editing, per-section merge of
stale edits, section insert/move/delete, diffs to the word, restore, reading revisions.

Acceptance: two edits of the same section based on one revision: one wins, the other
gets 412 and loses nothing; edits of different sections both land; a diff shows exactly
what changed; restore works.
"""

from __future__ import annotations

import datetime as dt

import pytest
from _helpers import assert_problem, error_fields
from _statements import (
    CONTENT,
    SECTION_1,
    SECTION_2,
    SECTION_3,
    current,
    draft,
    etag,
    keys,
    put_section,
    section,
    statement_url,
    texts,
)
from conftest import client_for_role

from eventhub.auth.models import Role

ORIGINAL = [[SECTION_1], SECTION_2, [SECTION_3]]


@pytest.fixture
def created(organizer_client, secretariat_client):
    """The 201 response of a freshly drafted three-section statement."""
    return draft(organizer_client, secretariat_client)


@pytest.fixture
def statement(created) -> dict:
    return created.json


def revisions(client, statement_id: int) -> list[dict]:
    response = client.get(statement_url(statement_id, "/revisions"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def diff(client, statement_id: int, old: int, new: int) -> dict:
    response = client.get(statement_url(statement_id, "/diff"),
                          query_string={"from": old, "to": new})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["from_revision"] == old
    assert response.json["to_revision"] == new
    return response.json


def patch(client, statement_id: int, payload: dict, if_match: str | None):
    headers = {} if if_match is None else {"If-Match": if_match}
    return client.patch(statement_url(statement_id), json=payload, headers=headers)


def insert(client, statement_id: int, payload: dict, if_match: str | None):
    headers = {} if if_match is None else {"If-Match": if_match}
    return client.post(statement_url(statement_id, "/sections"), json=payload, headers=headers)


def all_text(statement: dict) -> str:
    return "\n".join(p for s in statement["sections"] for p in s["paragraphs"])


# Creating and reading -------------------------------------------------------------------

def test_create_gives_revision_one_with_etag_numbered_sections_and_stable_keys(
        created, secretariat_client):
    body = created.json
    assert body["status"] == "draft"
    assert body["kind"] == "chairs_statement"
    assert body["language"] == "en"
    assert body["title"] == CONTENT["title"]
    assert body["dateline"] == CONTENT["dateline"]
    assert body["revision"] == 1
    assert body["latest_revision"] == 1
    assert body["published_revision"] is None
    assert [s["number"] for s in body["sections"]] == ["I", "II", "III"]
    assert texts(body) == ORIGINAL
    assert all(key for key in keys(body)) and len(set(keys(body))) == 3

    again = current(secretariat_client, body["id"])
    assert etag(again) == etag(created)
    assert keys(again.json) == keys(body)


def test_every_save_makes_a_revision_listing_author_time_and_note(app, statement,
                                                                   created,
                                                                   secretariat_client):
    sid = statement["id"]
    colleague = client_for_role(app, Role.SECRETARIAT)
    first = put_section(secretariat_client, sid, keys(statement)[0],
                        ["The Sub-Forum met in Shanghai on 12 June 2025."], etag(created),
                        note="Dates added")
    assert first.status_code == 200, first.get_data(as_text=True)
    second = patch(colleague, sid, {"title": "Chair's Statement", "note": "Shorter title"},
                   etag(first))
    assert second.status_code == 200, second.get_data(as_text=True)

    listed = revisions(secretariat_client, sid)
    assert [r["number"] for r in listed] == [1, 2, 3]
    assert [r["note"] for r in listed] == ["First draft", "Dates added", "Shorter title"]
    me = secretariat_client.get("/api/v1/auth/me").json["email"]
    other = colleague.get("/api/v1/auth/me").json["email"]
    assert [r["author_label"] for r in listed] == [me, me, other]
    times = [dt.datetime.fromisoformat(r["created_at"]) for r in listed]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)
    assert all(r["is_published"] is False for r in listed)
    # The statement itself points at the newest one.
    assert current(secretariat_client, sid).json["latest_revision"] == 3


def test_staff_of_every_role_read_any_revision(app, statement, created, secretariat_client,
                                               viewer_client, organizer_client, admin_client):
    sid = statement["id"]
    key = keys(statement)[1]
    edited = put_section(secretariat_client, sid, key, ["Rewritten."], etag(created))
    assert edited.status_code == 200

    for reader in (secretariat_client, viewer_client, organizer_client, admin_client):
        latest = current(reader, sid)
        assert latest.json["revision"] == 2
        assert etag(latest) == etag(edited)
        old = current(reader, sid, revision=1)
        assert old.json["revision"] == 1
        assert old.json["latest_revision"] == 2
        assert texts(old.json) == ORIGINAL
        assert etag(old) == etag(created)
        assert [r["number"] for r in revisions(reader, sid)] == [1, 2]
        assert_problem(reader.get(statement_url(sid), query_string={"revision": 3}), 404)


def test_only_the_secretariat_and_admins_edit(app, statement, created, viewer_client,
                                              organizer_client, admin_client, client):
    sid, key = statement["id"], keys(statement)[0]
    for outsider in (viewer_client, organizer_client):
        assert_problem(put_section(outsider, sid, key, ["No."], etag(created)), 403)
        assert_problem(patch(outsider, sid, {"title": "No"}, etag(created)), 403)
        assert_problem(insert(outsider, sid, {"paragraphs": ["No."]}, etag(created)), 403)
        assert_problem(outsider.post(statement_url(sid, "/revisions/1/restore")), 403)
    assert_problem(put_section(client, sid, key, ["No."], etag(created)), 401)
    assert_problem(client.post(statement_url(sid, "/revisions/1/restore")), 401)

    edited = put_section(admin_client, sid, key, ["An admin may."], etag(created))
    assert edited.status_code == 200
    assert texts(edited.json)[0] == ["An admin may."]


# If-Match ------------------------------------------------------------------------------

def test_section_edit_without_if_match_is_428_and_saves_nothing(statement,
                                                                 secretariat_client):
    sid = statement["id"]
    body = assert_problem(put_section(secretariat_client, sid, keys(statement)[0],
                                      ["Unconditional."], None), 428)
    assert "If-Match" in body["detail"]
    assert [r["number"] for r in revisions(secretariat_client, sid)] == [1]
    assert texts(current(secretariat_client, sid).json) == ORIGINAL


def test_garbage_if_match_is_412_and_saves_nothing(app, statement, secretariat_client):
    sid = statement["id"]
    key = keys(statement)[0]
    for value in ("nonsense", '"statement-rev-1"', f'"statement-{sid + 1000}-rev-1"',
                  f'"statement-{sid}-rev-abc"', f'"statement-{sid}-rev-0"',
                  f'"statement-{sid}-rev-2"', f'"statement-{sid}-rev-1'):
        response = put_section(secretariat_client, sid, key, ["Garbage based."], value)
        assert_problem(response, 412)
    assert [r["number"] for r in revisions(secretariat_client, sid)] == [1]
    assert texts(current(secretariat_client, sid).json) == ORIGINAL


def test_edit_with_current_etag_makes_new_revision_and_new_etag(statement, created,
                                                                 secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    new_text = ["Participants exchanged views.", "A second paragraph.", "And a third."]
    response = put_section(secretariat_client, sid, k2, new_text, etag(created),
                           note="Section II rewritten")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["revision"] == 2
    assert etag(response) != etag(created)
    assert keys(response.json) == [k1, k2, k3]
    assert [s["number"] for s in response.json["sections"]] == ["I", "II", "III"]
    assert texts(response.json) == [[SECTION_1], new_text, [SECTION_3]]

    latest = current(secretariat_client, sid)
    assert etag(latest) == etag(response)
    assert texts(latest.json) == texts(response.json)
    assert revisions(secretariat_client, sid)[-1]["note"] == "Section II rewritten"

    # The new ETag is the one to edit with next.
    again = put_section(secretariat_client, sid, k1, ["Opening."], etag(response))
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.json["revision"] == 3


def test_section_edit_of_unknown_section_is_404_and_blank_paragraphs_422(statement, created,
                                                                          secretariat_client):
    sid = statement["id"]
    assert_problem(put_section(secretariat_client, sid, "s-nothere", ["Text."],
                               etag(created)), 404)
    body = assert_problem(put_section(secretariat_client, sid, keys(statement)[0], ["  "],
                                      etag(created)), 422)
    assert error_fields(body)
    assert_problem(put_section(secretariat_client, sid, keys(statement)[0], [],
                               etag(created)), 422)
    assert [r["number"] for r in revisions(secretariat_client, sid)] == [1]


# Stale edits: same section refused, different sections merged ----------------------------

def test_stale_edit_of_the_same_section_is_412_and_overwrites_nothing(app, statement,
                                                                       created,
                                                                       secretariat_client):
    sid = statement["id"]
    key = keys(statement)[1]
    base = etag(created)
    rival = client_for_role(app, Role.SECRETARIAT)
    winner_text = ["The winner's wording of section two."]
    loser_text = ["The loser's wording of section two."]

    won = put_section(secretariat_client, sid, key, winner_text, base)
    assert won.status_code == 200
    lost = put_section(rival, sid, key, loser_text, base)

    body = assert_problem(lost, 412)
    assert body["current_revision"] == 2
    assert body["current"]["title"] == CONTENT["title"]
    assert [s["key"] for s in body["current"]["sections"]] == keys(statement)
    assert [s["paragraphs"] for s in body["current"]["sections"]] == [
        [SECTION_1], winner_text, [SECTION_3]]
    assert lost.headers["ETag"] == etag(won)

    latest = current(secretariat_client, sid).json
    assert section(latest, key)["paragraphs"] == winner_text
    assert "loser's" not in all_text(latest)
    assert [r["number"] for r in revisions(secretariat_client, sid)] == [1, 2]

    # Nothing is lost: with the current text and ETag from the 412, the loser re-applies.
    merged = winner_text + loser_text
    retry = put_section(rival, sid, key, merged, lost.headers["ETag"])
    assert retry.status_code == 200, retry.get_data(as_text=True)
    assert section(retry.json, key)["paragraphs"] == merged
    assert retry.json["revision"] == 3


def test_stale_edit_of_a_different_section_merges(app, statement, created,
                                                  secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    base = etag(created)
    rival = client_for_role(app, Role.SECRETARIAT)

    first = put_section(secretariat_client, sid, k1, ["First editor's opening."], base)
    assert first.status_code == 200
    second = put_section(rival, sid, k3, ["Second editor's closing."], base)
    assert second.status_code == 200, second.get_data(as_text=True)

    assert second.json["revision"] == 3
    expected = [["First editor's opening."], SECTION_2, ["Second editor's closing."]]
    assert texts(second.json) == expected
    assert keys(second.json) == [k1, k2, k3]
    assert texts(current(secretariat_client, sid).json) == expected
    # Each revision is what it was when saved.
    assert texts(current(secretariat_client, sid, revision=2).json) == [
        ["First editor's opening."], SECTION_2, [SECTION_3]]
    assert texts(current(secretariat_client, sid, revision=1).json) == ORIGINAL


def test_stale_edit_of_a_section_that_only_moved_meanwhile_merges_and_follows_it(
        statement, created, secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    base = etag(created)
    moved = patch(secretariat_client, sid, {"sections": [
        {"key": k3, "paragraphs": [SECTION_3]}, {"key": k1, "paragraphs": [SECTION_1]},
        {"key": k2, "paragraphs": SECTION_2}]}, base)
    assert moved.status_code == 200, moved.get_data(as_text=True)

    edited = put_section(secretariat_client, sid, k1, ["Opening, edited on revision 1."], base)
    assert edited.status_code == 200, edited.get_data(as_text=True)
    assert keys(edited.json) == [k3, k1, k2]
    assert texts(edited.json) == [[SECTION_3], ["Opening, edited on revision 1."], SECTION_2]


def test_stale_edit_of_a_section_deleted_meanwhile_is_412(statement, created,
                                                          secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    base = etag(created)
    deleted = patch(secretariat_client, sid, {"sections": [
        {"key": k1, "paragraphs": [SECTION_1]}, {"key": k3, "paragraphs": [SECTION_3]}]},
        base)
    assert deleted.status_code == 200, deleted.get_data(as_text=True)

    body = assert_problem(put_section(secretariat_client, sid, k2, ["Revived?"], base), 412)
    assert body["current_revision"] == 2
    assert keys(current(secretariat_client, sid).json) == [k1, k3]


def test_stale_edit_based_on_a_revision_before_an_intermediate_change_of_the_section_is_412(
        statement, created, secretariat_client):
    """The section changed and changed back: still not the text the editor saw last."""
    sid = statement["id"]
    key = keys(statement)[0]
    base = etag(created)
    step = put_section(secretariat_client, sid, key, ["Intermediate."], base)
    back = put_section(secretariat_client, sid, key, ["Another intermediate."], etag(step))
    assert back.status_code == 200
    body = assert_problem(put_section(secretariat_client, sid, key, ["Late edit."], base), 412)
    assert body["current_revision"] == 3
    assert section(current(secretariat_client, sid).json, key)["paragraphs"] == [
        "Another intermediate."]


# Structure: insert, move, delete ---------------------------------------------------------

def test_inserting_a_section_at_position_two_renumbers_the_rest_and_keeps_keys(
        statement, created, secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    response = insert(secretariat_client, sid,
                      {"position": 2, "paragraphs": ["A new second section."],
                       "note": "Inserted section II"}, etag(created))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert body["revision"] == 2
    assert [s["number"] for s in body["sections"]] == ["I", "II", "III", "IV"]
    new_key = body["sections"][1]["key"]
    assert keys(body) == [k1, new_key, k2, k3]
    assert new_key not in (k1, k2, k3)
    assert texts(body) == [[SECTION_1], ["A new second section."], SECTION_2, [SECTION_3]]
    assert etag(response) != etag(created)

    # The sections after it kept their keys, so an edit by key still lands on them.
    edited = put_section(secretariat_client, sid, k2, ["Now numbered III."], etag(response))
    assert edited.status_code == 200
    assert section(edited.json, k2)["number"] == "III"
    assert section(edited.json, k2)["paragraphs"] == ["Now numbered III."]

    # Without a position the section goes last.
    last = insert(secretariat_client, sid, {"paragraphs": ["Closing."]}, etag(edited))
    assert last.status_code == 201
    assert [s["number"] for s in last.json["sections"]] == ["I", "II", "III", "IV", "V"]
    assert last.json["sections"][-1]["paragraphs"] == ["Closing."]


def test_inserting_a_section_needs_the_current_if_match(statement, created,
                                                        secretariat_client):
    sid = statement["id"]
    assert_problem(insert(secretariat_client, sid, {"position": 2, "paragraphs": ["X."]},
                          None), 428)
    edited = put_section(secretariat_client, sid, keys(statement)[2], ["Changed."],
                         etag(created))
    assert edited.status_code == 200
    body = assert_problem(insert(secretariat_client, sid,
                                 {"position": 2, "paragraphs": ["Stale insert."]},
                                 etag(created)), 412)
    assert body["current_revision"] == 2
    assert len(current(secretariat_client, sid).json["sections"]) == 3


def test_patching_the_sections_list_moves_and_deletes_with_the_current_if_match(
        statement, created, secretariat_client):
    sid = statement["id"]
    k1, _, k3 = keys(statement)
    payload = {"sections": [{"key": k3, "paragraphs": [SECTION_3]},
                            {"key": k1, "paragraphs": [SECTION_1]}],
               "note": "Closing first; section II dropped"}

    assert_problem(patch(secretariat_client, sid, payload, None), 428)
    response = patch(secretariat_client, sid, payload, etag(created))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert keys(response.json) == [k3, k1]
    assert [s["number"] for s in response.json["sections"]] == ["I", "II"]
    assert texts(response.json) == [[SECTION_3], [SECTION_1]]
    assert response.json["revision"] == 2


def test_patching_the_sections_list_with_a_stale_if_match_is_412(statement, created,
                                                                  secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    # Someone edits an unrelated section meanwhile: a whole-list change still needs the
    # current revision, since it replaces every section.
    edited = put_section(secretariat_client, sid, k2, ["Edited meanwhile."], etag(created))
    assert edited.status_code == 200
    stale = patch(secretariat_client, sid, {"sections": [
        {"key": k3, "paragraphs": [SECTION_3]}, {"key": k1, "paragraphs": [SECTION_1]},
        {"key": k2, "paragraphs": SECTION_2}]}, etag(created))
    body = assert_problem(stale, 412)
    assert body["current_revision"] == 2
    assert [s["paragraphs"] for s in body["current"]["sections"]] == [
        [SECTION_1], ["Edited meanwhile."], [SECTION_3]]
    latest = current(secretariat_client, sid).json
    assert keys(latest) == [k1, k2, k3]
    assert section(latest, k2)["paragraphs"] == ["Edited meanwhile."]


def test_patching_sections_with_a_duplicate_key_is_422(statement, created,
                                                       secretariat_client):
    sid = statement["id"]
    k1 = keys(statement)[0]
    response = patch(secretariat_client, sid, {"sections": [
        {"key": k1, "paragraphs": ["One."]}, {"key": k1, "paragraphs": ["Two."]}]},
        etag(created))
    assert_problem(response, 422)
    assert [r["number"] for r in revisions(secretariat_client, sid)] == [1]


# Diffs --------------------------------------------------------------------------------

def test_diff_of_a_one_word_change_shows_only_that_section_and_word(statement, created,
                                                                    secretariat_client):
    sid = statement["id"]
    k2 = keys(statement)[1]
    changed = [SECTION_2[0].replace("integrated", "coordinated"), SECTION_2[1]]
    edited = put_section(secretariat_client, sid, k2, changed, etag(created))
    assert edited.status_code == 200

    result = diff(secretariat_client, sid, 1, 2)
    assert result["identical"] is False
    assert result["header"] == {}
    assert result["sections"] == [{
        "key": k2, "change": "edited", "old_number": 2, "new_number": 2,
        "paragraphs": [{"change": "edited", "old_index": 0, "new_index": 0, "words": [
            {"op": "equal", "text": "Participants exchanged views on "},
            {"op": "delete", "text": "integrated"},
            {"op": "insert", "text": "coordinated"},
            {"op": "equal", "text": " border management."}]}]}]


def test_diff_across_several_revisions_shows_exactly_the_changed_sections(
        statement, created, secretariat_client):
    sid = statement["id"]
    k1, _, k3 = keys(statement)
    r2 = put_section(secretariat_client, sid, k1, [SECTION_1 + " It was warm."],
                     etag(created))
    r3 = put_section(secretariat_client, sid, k3, [SECTION_3, "Thanks to the host."],
                     etag(r2))
    r4 = patch(secretariat_client, sid, {"title": "Chair's Statement (draft)"}, etag(r3))
    assert r4.status_code == 200

    result = diff(secretariat_client, sid, 1, 4)
    assert result["identical"] is False
    assert result["header"] == {"title": {"old": CONTENT["title"],
                                          "new": "Chair's Statement (draft)"}}
    by_key = {s["key"]: s for s in result["sections"]}
    assert set(by_key) == {k1, k3}
    assert by_key[k1]["change"] == "edited"
    assert by_key[k1]["paragraphs"] == [{
        "change": "edited", "old_index": 0, "new_index": 0, "words": [
            {"op": "equal", "text": SECTION_1},
            {"op": "insert", "text": " It was warm."}]}]
    assert by_key[k3]["change"] == "edited"
    assert by_key[k3]["paragraphs"] == [
        {"change": "added", "new_index": 1, "text": "Thanks to the host."}]

    # The reverse direction says the opposite.
    back = diff(secretariat_client, sid, 4, 1)
    back_by_key = {s["key"]: s for s in back["sections"]}
    assert set(back_by_key) == {k1, k3}
    assert back_by_key[k3]["paragraphs"] == [
        {"change": "removed", "old_index": 1, "text": "Thanks to the host."}]


def test_diff_of_a_revision_with_itself_is_identical(statement, created, secretariat_client):
    sid = statement["id"]
    edited = put_section(secretariat_client, sid, keys(statement)[0], ["Other."],
                         etag(created))
    assert edited.status_code == 200
    for number in (1, 2):
        result = diff(secretariat_client, sid, number, number)
        assert result == {"from_revision": number, "to_revision": number,
                          "identical": True, "header": {}, "sections": []}


def test_diff_reports_a_moved_section_as_moved(statement, created, secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    moved = patch(secretariat_client, sid, {"sections": [
        {"key": k3, "paragraphs": [SECTION_3]}, {"key": k1, "paragraphs": [SECTION_1]},
        {"key": k2, "paragraphs": SECTION_2}]}, etag(created))
    assert moved.status_code == 200

    result = diff(secretariat_client, sid, 1, 2)
    assert result["identical"] is False
    assert result["header"] == {}
    entry = next(s for s in result["sections"] if s["key"] == k3)
    assert entry == {"key": k3, "change": "moved", "old_number": 3, "new_number": 1,
                     "paragraphs": []}


def test_diff_of_moving_one_section_lists_only_that_section(statement, created,
                                                            secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    moved = patch(secretariat_client, sid, {"sections": [
        {"key": k3, "paragraphs": [SECTION_3]}, {"key": k1, "paragraphs": [SECTION_1]},
        {"key": k2, "paragraphs": SECTION_2}]}, etag(created))
    assert moved.status_code == 200

    result = diff(secretariat_client, sid, 1, 2)
    assert [(s["key"], s["change"]) for s in result["sections"]] == [(k3, "moved")]


def test_diff_of_an_inserted_section_lists_only_the_added_section(statement, created,
                                                                  secretariat_client):
    sid = statement["id"]
    inserted = insert(secretariat_client, sid,
                      {"position": 2, "paragraphs": ["A new second section."]}, etag(created))
    assert inserted.status_code == 201
    new_key = inserted.json["sections"][1]["key"]

    result = diff(secretariat_client, sid, 1, 2)
    assert result["sections"] == [{"key": new_key, "change": "added", "new_number": 2,
                                   "paragraphs": ["A new second section."]}]


def test_diff_reports_added_and_removed_sections_with_their_text(statement, created,
                                                                 secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    inserted = insert(secretariat_client, sid,
                      {"position": 4, "paragraphs": ["A closing section."]}, etag(created))
    assert inserted.status_code == 201
    new_key = inserted.json["sections"][3]["key"]
    dropped = patch(secretariat_client, sid, {"sections": [
        {"key": k1, "paragraphs": [SECTION_1]}, {"key": k2, "paragraphs": SECTION_2},
        {"key": new_key, "paragraphs": ["A closing section."]}]}, etag(inserted))
    assert dropped.status_code == 200

    added = diff(secretariat_client, sid, 1, 2)
    assert added["sections"] == [{"key": new_key, "change": "added", "new_number": 4,
                                  "paragraphs": ["A closing section."]}]
    # The closing section went from IV to III only because III was removed: no move.
    removed = diff(secretariat_client, sid, 2, 3)
    assert removed["sections"] == [
        {"key": k3, "change": "removed", "old_number": 3, "paragraphs": [SECTION_3]}]


def test_diff_of_unknown_revisions_is_404_and_missing_bounds_422(statement,
                                                                 secretariat_client):
    sid = statement["id"]
    assert_problem(secretariat_client.get(statement_url(sid, "/diff"),
                                          query_string={"from": 1, "to": 9}), 404)
    assert_problem(secretariat_client.get(statement_url(sid, "/diff"),
                                          query_string={"from": 9, "to": 1}), 404)
    assert_problem(secretariat_client.get(statement_url(sid, "/diff"),
                                          query_string={"from": 1}), 422)
    assert_problem(secretariat_client.get(statement_url(sid, "/diff"),
                                          query_string={"from": 0, "to": 1}), 422)


# Restore ------------------------------------------------------------------------------

def test_restore_makes_an_old_revision_current_as_a_new_revision(statement, created,
                                                                 secretariat_client,
                                                                 viewer_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    r2 = put_section(secretariat_client, sid, k1, ["Revision two opening."], etag(created))
    r3 = put_section(secretariat_client, sid, k2, ["Revision three body."], etag(r2))
    assert r3.status_code == 200

    restored = secretariat_client.post(statement_url(sid, "/revisions/1/restore"))
    assert restored.status_code == 201, restored.get_data(as_text=True)
    assert restored.json["revision"] == 4
    assert texts(restored.json) == ORIGINAL
    assert keys(restored.json) == [k1, k2, k3]
    assert restored.json["title"] == CONTENT["title"]
    assert etag(restored) == etag(current(secretariat_client, sid))
    assert etag(restored) not in (etag(created), etag(r2), etag(r3))

    listed = revisions(secretariat_client, sid)
    assert [r["number"] for r in listed] == [1, 2, 3, 4]
    assert listed[-1]["note"] == "Restored revision 1"
    assert diff(secretariat_client, sid, 1, 4)["identical"] is True

    # The revisions in between stay readable, unchanged.
    for reader in (secretariat_client, viewer_client):
        two = current(reader, sid, revision=2).json
        assert texts(two) == [["Revision two opening."], SECTION_2, [SECTION_3]]
        three = current(reader, sid, revision=3).json
        assert texts(three) == [["Revision two opening."], ["Revision three body."],
                                [SECTION_3]]

    # Editing continues from the restored text with its ETag.
    onward = put_section(secretariat_client, sid, k3, ["After the restore."], etag(restored))
    assert onward.status_code == 200
    assert texts(onward.json) == [[SECTION_1], SECTION_2, ["After the restore."]]


def test_restoring_an_unknown_revision_is_404(statement, secretariat_client):
    sid = statement["id"]
    assert_problem(secretariat_client.post(statement_url(sid, "/revisions/7/restore")), 404)
    assert [r["number"] for r in revisions(secretariat_client, sid)] == [1]


def test_unknown_statement_is_404(statement, secretariat_client):
    missing = statement["id"] + 1000
    assert_problem(secretariat_client.get(statement_url(missing)), 404)
    assert_problem(secretariat_client.get(statement_url(missing, "/revisions")), 404)
    assert_problem(put_section(secretariat_client, missing, "s-1", ["X."],
                               f'"statement-{missing}-rev-1"'), 404)


def test_author_of_a_revision_is_the_editor(app, statement, created, secretariat_client,
                                             admin_client):
    sid = statement["id"]
    edited = put_section(admin_client, sid, keys(statement)[0], ["By the admin."],
                         etag(created))
    assert edited.status_code == 200
    admin_email = admin_client.get("/api/v1/auth/me").json["email"]
    assert revisions(secretariat_client, sid)[-1]["author_label"] == admin_email
