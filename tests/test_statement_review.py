"""Chair's Statement review: comments anchored to sections, replies, resolving; suggested
paragraph replacements accepted (a new revision) or rejected (nothing changes); who may
review.
"""

from __future__ import annotations

import pytest
from _helpers import assert_problem, error_fields
from _statements import (
    SECTION_1,
    SECTION_2,
    SECTION_3,
    current,
    draft,
    etag,
    keys,
    put_section,
    section,
    set_status,
    statement_url,
    texts,
    user_id,
)
from conftest import client_for_role

from eventhub.auth.models import Role

ORIGINAL = [[SECTION_1], SECTION_2, [SECTION_3]]


@pytest.fixture
def statement(organizer_client, secretariat_client, viewer_client) -> dict:
    """A draft whose designated approver is the viewer."""
    created = draft(organizer_client, secretariat_client)
    sid = created.json["id"]
    response = secretariat_client.put(statement_url(sid, "/approver"),
                                      json={"approver_id": user_id(viewer_client)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def comment(client, sid: int, **payload):
    return client.post(statement_url(sid, "/comments"), json=payload)


def comments(client, sid: int) -> list[dict]:
    response = client.get(statement_url(sid, "/comments"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def resolve(client, sid: int, comment_id: int):
    return client.post(statement_url(sid, f"/comments/{comment_id}/resolve"))


def suggest(client, sid: int, key: str, index: int, text: str):
    return client.post(statement_url(sid, "/suggestions"), json={
        "section_key": key, "paragraph_index": index, "proposed_text": text})


def suggestions(client, sid: int) -> list[dict]:
    response = client.get(statement_url(sid, "/suggestions"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def decide(client, sid: int, suggestion_id: int, verb: str):
    return client.post(statement_url(sid, f"/suggestions/{suggestion_id}/{verb}"))


def revision_numbers(client, sid: int) -> list[int]:
    return [r["number"] for r in client.get(statement_url(sid, "/revisions")).json]


# Comments -------------------------------------------------------------------------------

def test_comments_anchor_to_sections_and_replies_thread_under_them(
        statement, secretariat_client, viewer_client, organizer_client):
    sid = statement["id"]
    _, k2, k3 = keys(statement)

    first = comment(secretariat_client, sid, section_key=k2,
                    body="Should we name the routes?")
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["section_key"] == k2
    assert first.json["parent_id"] is None
    assert first.json["resolved_at"] is None
    assert first.json["author_label"] == secretariat_client.get(
        "/api/v1/auth/me").json["email"]

    # The designated approver reviews too; a reply sits in its parent's section.
    reply = comment(viewer_client, sid, parent_id=first.json["id"],
                    body="No, keep it general.")
    assert reply.status_code == 201, reply.get_data(as_text=True)
    assert reply.json["parent_id"] == first.json["id"]
    assert reply.json["section_key"] == k2
    other = comment(viewer_client, sid, section_key=k3, body="Confirm the year.")
    assert other.status_code == 201

    # Every staff member reads the thread; comments change no revision.
    for reader in (secretariat_client, viewer_client, organizer_client):
        listed = comments(reader, sid)
        assert [(c["id"], c["section_key"], c["parent_id"], c["body"]) for c in listed] == [
            (first.json["id"], k2, None, "Should we name the routes?"),
            (reply.json["id"], k2, first.json["id"], "No, keep it general."),
            (other.json["id"], k3, None, "Confirm the year.")]
    assert revision_numbers(secretariat_client, sid) == [1]


def test_a_comment_follows_its_section_when_sections_move(statement, secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    made = comment(secretariat_client, sid, section_key=k3, body="About the closing.")
    assert made.status_code == 201
    moved = secretariat_client.patch(statement_url(sid), json={"sections": [
        {"key": k3, "paragraphs": [SECTION_3]}, {"key": k1, "paragraphs": [SECTION_1]},
        {"key": k2, "paragraphs": SECTION_2}]},
        headers={"If-Match": etag(current(secretariat_client, sid))})
    assert moved.status_code == 200
    assert section(moved.json, k3)["number"] == "I"
    assert comments(secretariat_client, sid)[0]["section_key"] == k3
    # Replies still work on it.
    assert comment(secretariat_client, sid, parent_id=made.json["id"],
                   body="Now section I.").status_code == 201


def test_resolving_a_comment_twice_is_409(statement, secretariat_client, viewer_client):
    sid = statement["id"]
    made = comment(secretariat_client, sid, section_key=keys(statement)[0], body="Typo?")
    cid = made.json["id"]

    resolved = resolve(viewer_client, sid, cid)
    assert resolved.status_code == 200, resolved.get_data(as_text=True)
    assert resolved.json["resolved_at"]
    again = assert_problem(resolve(secretariat_client, sid, cid), 409)
    assert "resolved" in again["detail"]
    assert comments(secretariat_client, sid)[0]["resolved_at"] == resolved.json["resolved_at"]


def test_unknown_sections_comments_and_parents_are_refused(statement, secretariat_client,
                                                           organizer_client):
    sid = statement["id"]
    body = assert_problem(comment(secretariat_client, sid, section_key="s-nowhere",
                                  body="Lost."), 422)
    assert error_fields(body) == {"section_key"}
    body = assert_problem(comment(secretariat_client, sid, body="Anchored to nothing."), 422)
    assert "section_key" in error_fields(body)
    assert_problem(comment(secretariat_client, sid, section_key=keys(statement)[0],
                           body="  "), 422)
    body = assert_problem(comment(secretariat_client, sid, parent_id=999_999,
                                  body="Reply to nothing."), 422)
    assert error_fields(body) == {"parent_id"}
    assert_problem(resolve(secretariat_client, sid, 999_999), 404)

    # A comment of another statement is no parent here, and cannot be resolved from here.
    other = secretariat_client.post(statement_url(sid, "/languages"), json={"language": "zh"})
    assert other.status_code == 201
    other_id = other.json["id"]
    foreign = comment(secretariat_client, other_id, section_key=keys(other.json)[0],
                      body="On the zh draft.")
    assert foreign.status_code == 201
    body = assert_problem(comment(secretariat_client, sid, parent_id=foreign.json["id"],
                                  body="Cross-statement reply."), 422)
    assert error_fields(body) == {"parent_id"}
    assert_problem(resolve(secretariat_client, sid, foreign.json["id"]), 404)
    assert comments(secretariat_client, sid) == []


def test_a_section_deleted_from_the_current_text_takes_no_new_comments(statement,
                                                                       secretariat_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    dropped = secretariat_client.patch(statement_url(sid), json={"sections": [
        {"key": k1, "paragraphs": [SECTION_1]}, {"key": k3, "paragraphs": [SECTION_3]}]},
        headers={"If-Match": etag(current(secretariat_client, sid))})
    assert dropped.status_code == 200
    assert_problem(comment(secretariat_client, sid, section_key=k2, body="Gone?"), 422)


def test_who_may_comment(app, statement, secretariat_client, viewer_client, organizer_client,
                         admin_client, client):
    sid = statement["id"]
    key = keys(statement)[0]
    outsider = client_for_role(app, Role.VIEWER)  # a viewer, but not the approver

    assert_problem(comment(outsider, sid, section_key=key, body="May I?"), 403)
    assert_problem(comment(organizer_client, sid, section_key=key, body="May I?"), 403)
    assert_problem(comment(client, sid, section_key=key, body="May I?"), 401)
    assert_problem(client.get(statement_url(sid, "/comments")), 401)

    made = comment(admin_client, sid, section_key=key, body="An admin reviews.")
    assert made.status_code == 201
    assert_problem(resolve(outsider, sid, made.json["id"]), 403)
    assert_problem(resolve(client, sid, made.json["id"]), 401)
    assert comment(viewer_client, sid, section_key=key, body="The approver.").status_code == 201
    # The outsider still reads the review (it is internal data, not a review right).
    assert len(comments(outsider, sid)) == 2
    assert comments(outsider, sid)[0]["resolved_at"] is None


# Suggestions ---------------------------------------------------------------------------

def test_accepting_a_suggestion_replaces_the_paragraph_in_a_new_revision(
        statement, secretariat_client, viewer_client):
    sid = statement["id"]
    k1, k2, k3 = keys(statement)
    proposed = "They agreed to share information on irregular migration and smuggling."

    made = suggest(viewer_client, sid, k2, 1, proposed)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.json["status"] == "pending"
    assert made.json["base_revision"] == 1
    assert made.json["original_text"] == SECTION_2[1]
    assert made.json["proposed_text"] == proposed
    assert made.json["resulting_revision"] is None
    # Proposing changes nothing yet.
    assert revision_numbers(secretariat_client, sid) == [1]

    accepted = decide(secretariat_client, sid, made.json["id"], "accept")
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert accepted.json["status"] == "accepted"
    assert accepted.json["resulting_revision"] == 2

    latest = current(secretariat_client, sid).json
    assert latest["revision"] == 2
    assert texts(latest) == [[SECTION_1], [SECTION_2[0], proposed], [SECTION_3]]
    assert keys(latest) == [k1, k2, k3]
    listed = secretariat_client.get(statement_url(sid, "/revisions")).json
    assert listed[-1]["note"] == f"Accepted suggestion {made.json['id']}"
    assert listed[-1]["author_label"] == secretariat_client.get(
        "/api/v1/auth/me").json["email"]

    diff = secretariat_client.get(statement_url(sid, "/diff"),
                                  query_string={"from": 1, "to": 2}).json
    assert [(s["key"], s["change"]) for s in diff["sections"]] == [(k2, "edited")]
    assert [(p["old_index"], p["new_index"]) for p in diff["sections"][0]["paragraphs"]] == [
        (1, 1)]

    assert suggestions(viewer_client, sid)[0]["status"] == "accepted"
    assert_problem(decide(secretariat_client, sid, made.json["id"], "accept"), 409)
    assert_problem(decide(secretariat_client, sid, made.json["id"], "reject"), 409)


def test_rejecting_a_suggestion_changes_nothing(statement, secretariat_client):
    sid = statement["id"]
    before = current(secretariat_client, sid)
    made = suggest(secretariat_client, sid, keys(statement)[0], 0, "A different opening.")
    assert made.status_code == 201

    rejected = decide(secretariat_client, sid, made.json["id"], "reject")
    assert rejected.status_code == 200, rejected.get_data(as_text=True)
    assert rejected.json["status"] == "rejected"
    assert rejected.json["resulting_revision"] is None

    after = current(secretariat_client, sid)
    assert etag(after) == etag(before)
    assert after.json == before.json
    assert revision_numbers(secretariat_client, sid) == [1]
    assert_problem(decide(secretariat_client, sid, made.json["id"], "accept"), 409)
    assert_problem(decide(secretariat_client, sid, made.json["id"], "reject"), 409)


def test_accepting_after_the_paragraph_was_edited_meanwhile_is_409(statement,
                                                                   secretariat_client,
                                                                   viewer_client):
    sid = statement["id"]
    k2 = keys(statement)[1]
    made = suggest(viewer_client, sid, k2, 0, "Participants exchanged views, at length.")
    assert made.status_code == 201

    edited = put_section(secretariat_client, sid, k2,
                         ["Participants exchanged frank views.", SECTION_2[1]],
                         etag(current(secretariat_client, sid)))
    assert edited.status_code == 200

    body = assert_problem(decide(secretariat_client, sid, made.json["id"], "accept"), 409)
    assert "changed" in body["detail"]
    latest = current(secretariat_client, sid).json
    assert section(latest, k2)["paragraphs"] == ["Participants exchanged frank views.",
                                                 SECTION_2[1]]
    assert revision_numbers(secretariat_client, sid) == [1, 2]
    # The refused suggestion stays pending and can still be rejected.
    assert suggestions(secretariat_client, sid)[0]["status"] == "pending"
    assert decide(secretariat_client, sid, made.json["id"], "reject").status_code == 200


def test_accepting_after_the_paragraph_was_shifted_by_an_insert_is_409(statement,
                                                                       secretariat_client):
    sid = statement["id"]
    k2 = keys(statement)[1]
    made = suggest(secretariat_client, sid, k2, 1, "A replacement for the second paragraph.")
    assert made.status_code == 201
    shifted = put_section(secretariat_client, sid, k2,
                          [SECTION_2[0], "A new paragraph in between.", SECTION_2[1]],
                          etag(current(secretariat_client, sid)))
    assert shifted.status_code == 200
    assert_problem(decide(secretariat_client, sid, made.json["id"], "accept"), 409)
    assert section(current(secretariat_client, sid).json, k2)["paragraphs"] == [
        SECTION_2[0], "A new paragraph in between.", SECTION_2[1]]


def test_accepting_after_another_paragraph_or_section_changed_still_applies(
        statement, secretariat_client):
    sid = statement["id"]
    k1, k2, _ = keys(statement)
    made = suggest(secretariat_client, sid, k2, 1, "They agreed to share data.")
    assert made.status_code == 201
    r2 = put_section(secretariat_client, sid, k2, ["Participants met.", SECTION_2[1]],
                     etag(current(secretariat_client, sid)))
    r3 = put_section(secretariat_client, sid, k1, ["Opening, edited."], etag(r2))
    assert r3.status_code == 200

    accepted = decide(secretariat_client, sid, made.json["id"], "accept")
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert accepted.json["resulting_revision"] == 4
    assert texts(current(secretariat_client, sid).json) == [
        ["Opening, edited."], ["Participants met.", "They agreed to share data."],
        [SECTION_3]]


def test_suggestions_need_an_existing_paragraph(statement, secretariat_client):
    sid = statement["id"]
    k2 = keys(statement)[1]
    assert_problem(suggest(secretariat_client, sid, k2, 2, "Past the end."), 422)
    assert_problem(suggest(secretariat_client, sid, "s-nowhere", 0, "Nowhere."), 422)
    assert_problem(suggest(secretariat_client, sid, k2, -1, "Negative."), 422)
    assert_problem(suggest(secretariat_client, sid, k2, 0, "   "), 422)
    assert_problem(decide(secretariat_client, sid, 999_999, "accept"), 404)
    assert suggestions(secretariat_client, sid) == []


def test_who_may_suggest_and_decide(app, statement, secretariat_client, viewer_client,
                                    organizer_client, admin_client, client):
    sid = statement["id"]
    key = keys(statement)[0]
    outsider = client_for_role(app, Role.VIEWER)

    assert_problem(suggest(outsider, sid, key, 0, "Mine."), 403)
    assert_problem(suggest(organizer_client, sid, key, 0, "Mine."), 403)
    assert_problem(suggest(client, sid, key, 0, "Mine."), 401)
    assert_problem(client.get(statement_url(sid, "/suggestions")), 401)

    by_approver = suggest(viewer_client, sid, key, 0, "The approver's opening.")
    assert by_approver.status_code == 201
    sug_id = by_approver.json["id"]
    # The approver proposes; the secretariat (or an admin) decides.
    for refused in (viewer_client, outsider, organizer_client):
        assert_problem(decide(refused, sid, sug_id, "accept"), 403)
        assert_problem(decide(refused, sid, sug_id, "reject"), 403)
    assert_problem(decide(client, sid, sug_id, "accept"), 401)
    assert suggestions(outsider, sid)[0]["status"] == "pending"

    accepted = decide(admin_client, sid, sug_id, "accept")
    assert accepted.status_code == 200
    assert texts(current(secretariat_client, sid).json)[0] == ["The approver's opening."]


def test_accepting_a_suggestion_after_approval_needs_approval_again(statement,
                                                                    secretariat_client,
                                                                    viewer_client):
    sid = statement["id"]
    made = suggest(viewer_client, sid, keys(statement)[2], 0, "The next one is in 2027.")
    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    assert set_status(viewer_client, sid, "approved").status_code == 200

    # Rejecting leaves the approval in place; accepting changes the text, so it does not.
    other = suggest(viewer_client, sid, keys(statement)[0], 0, "Rejected opening.")
    assert decide(secretariat_client, sid, other.json["id"], "reject").status_code == 200
    assert current(secretariat_client, sid).json["status"] == "approved"

    assert decide(secretariat_client, sid, made.json["id"], "accept").status_code == 200
    latest = current(secretariat_client, sid).json
    assert latest["status"] == "in_review"
    assert_problem(set_status(secretariat_client, sid, "published"), 409)


def test_a_published_statement_takes_no_suggestions_and_pending_ones_cannot_apply(
        statement, secretariat_client, viewer_client):
    sid = statement["id"]
    pending = suggest(viewer_client, sid, keys(statement)[0], 0, "Too late.")
    assert pending.status_code == 201
    for status, actor in (("in_review", secretariat_client), ("approved", viewer_client),
                          ("published", secretariat_client)):
        assert set_status(actor, sid, status).status_code == 200

    assert_problem(suggest(secretariat_client, sid, keys(statement)[0], 0, "New."), 409)
    assert_problem(decide(secretariat_client, sid, pending.json["id"], "accept"), 409)
    assert texts(current(secretariat_client, sid).json) == ORIGINAL
    assert revision_numbers(secretariat_client, sid) == [1]
