"""Chair's Statement workflow: draft -> in_review -> approved -> published, the designated
approver, re-approval after an edit, frozen published text, corrections, what the public
sees, language versions, and the archived 2024 statement.
"""

from __future__ import annotations

import pytest
from _helpers import assert_problem
from _statements import (
    CONTENT,
    SECTION_1,
    SECTION_2,
    SECTION_3,
    content,
    current,
    draft,
    etag,
    keys,
    open_edition,
    put_section,
    set_status,
    statement_url,
    statements_url,
    texts,
    user_id,
)
from conftest import client_for_role

from eventhub.auth.models import Role

ORIGINAL = [[SECTION_1], SECTION_2, [SECTION_3]]
SEEDED_SLUG = "2024-suzhou"


@pytest.fixture
def statement(organizer_client, secretariat_client, viewer_client) -> dict:
    """A draft whose designated approver is the viewer (the chair's representative)."""
    created = draft(organizer_client, secretariat_client)
    sid = created.json["id"]
    response = secretariat_client.put(statement_url(sid, "/approver"),
                                      json={"approver_id": user_id(viewer_client)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def advance(secretariat_client, approver_client, sid: int, target: str) -> dict:
    """Walk the statement from draft to the target status."""
    path = ["in_review", "approved", "published"]
    body = current(secretariat_client, sid).json
    for status in path[:path.index(target) + 1]:
        actor = approver_client if status == "approved" else secretariat_client
        response = set_status(actor, sid, status)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.json
    return body


def publish(secretariat_client, approver_client, sid: int) -> dict:
    return advance(secretariat_client, approver_client, sid, "published")


def correction(client, sid: int, payload: dict, if_match: str | None, slug: str | None = None):
    headers = {} if if_match is None else {"If-Match": if_match}
    url = statement_url(sid, "/corrections") if slug is None else statement_url(
        sid, "/corrections", slug)
    return client.post(url, json=payload, headers=headers)


def revision_numbers(client, sid: int, slug: str | None = None) -> list[int]:
    url = statement_url(sid, "/revisions") if slug is None else statement_url(
        sid, "/revisions", slug)
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["number"] for r in response.json]


# The happy path and illegal moves --------------------------------------------------------

def test_draft_goes_to_review_approval_and_publication(statement, secretariat_client,
                                                       viewer_client, client):
    sid = statement["id"]
    assert statement["status"] == "draft"
    assert statement["approver_id"] == user_id(viewer_client)

    reviewed = set_status(secretariat_client, sid, "in_review")
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)
    assert reviewed.json["status"] == "in_review"
    approved = set_status(viewer_client, sid, "approved")
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.json["status"] == "approved"
    assert approved.json["published_revision"] is None
    published = set_status(secretariat_client, sid, "published")
    assert published.status_code == 200, published.get_data(as_text=True)
    body = published.json
    assert body["status"] == "published"
    assert body["published_revision"] == 1
    assert body["published_at"]

    public = client.get(statement_url(sid))
    assert public.status_code == 200
    assert public.json["status"] == "published"
    assert public.json["revision"] == 1
    assert texts(public.json) == ORIGINAL
    assert [s["number"] for s in public.json["sections"]] == ["I", "II", "III"]
    assert public.json["corrections"] == []
    assert public.json["latest_revision"] is None
    assert [s["id"] for s in client.get(statements_url()).json] == [sid]


def test_review_can_send_a_text_back_to_draft(statement, secretariat_client):
    sid = statement["id"]
    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    back = set_status(secretariat_client, sid, "draft")
    assert back.status_code == 200
    assert back.json["status"] == "draft"


@pytest.mark.parametrize(("reached", "target"), [
    ("draft", "published"), ("draft", "approved"), ("draft", "draft"),
    ("in_review", "published"), ("in_review", "in_review"),
    ("approved", "draft"), ("approved", "in_review"), ("approved", "approved"),
    ("published", "draft"), ("published", "in_review"), ("published", "approved"),
    ("published", "published"),
])
def test_illegal_status_moves_are_409(statement, secretariat_client, viewer_client,
                                      admin_client, reached, target):
    sid = statement["id"]
    if reached != "draft":
        advance(secretariat_client, viewer_client, sid, reached)
    # Not even an admin (who may do every legal move) can skip or reverse a step.
    body = assert_problem(set_status(admin_client, sid, target), 409)
    assert body["current_status"] == reached
    assert current(secretariat_client, sid).json["status"] == reached


def test_unknown_status_is_422_and_anonymous_401(statement, secretariat_client, client):
    sid = statement["id"]
    assert_problem(set_status(secretariat_client, sid, "withdrawn"), 422)
    assert_problem(set_status(client, sid, "in_review"), 401)
    assert current(secretariat_client, sid).json["status"] == "draft"


# Approval -----------------------------------------------------------------------------

def test_only_the_designated_approver_or_an_admin_approves(app, statement,
                                                           secretariat_client,
                                                           viewer_client, organizer_client,
                                                           admin_client, client):
    sid = statement["id"]
    assert set_status(secretariat_client, sid, "in_review").status_code == 200

    other_viewer = client_for_role(app, Role.VIEWER)
    for refused in (secretariat_client, organizer_client, other_viewer):
        assert_problem(set_status(refused, sid, "approved"), 403)
    assert_problem(set_status(client, sid, "approved"), 401)
    assert current(secretariat_client, sid).json["status"] == "in_review"

    # The approver approves but does not publish: that is the secretariat's job.
    approved = set_status(viewer_client, sid, "approved")
    assert approved.status_code == 200
    assert_problem(set_status(viewer_client, sid, "published"), 403)
    assert set_status(secretariat_client, sid, "published").status_code == 200


def test_an_admin_approves_without_being_designated(statement, secretariat_client,
                                                    admin_client):
    sid = statement["id"]
    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    assert set_status(admin_client, sid, "approved").status_code == 200


def test_without_a_designated_approver_only_an_admin_approves(statement, secretariat_client,
                                                              viewer_client, admin_client):
    sid = statement["id"]
    cleared = secretariat_client.put(statement_url(sid, "/approver"),
                                     json={"approver_id": None})
    assert cleared.status_code == 200
    assert cleared.json["approver_id"] is None
    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    assert_problem(set_status(viewer_client, sid, "approved"), 403)
    assert_problem(set_status(secretariat_client, sid, "approved"), 403)
    assert set_status(admin_client, sid, "approved").status_code == 200


def test_naming_the_approver_is_the_secretariats_and_needs_an_existing_user(
        statement, secretariat_client, viewer_client, organizer_client):
    sid = statement["id"]
    url = statement_url(sid, "/approver")
    assert_problem(viewer_client.put(url, json={"approver_id": user_id(viewer_client)}), 403)
    assert_problem(organizer_client.put(url, json={"approver_id": 1}), 403)
    body = assert_problem(secretariat_client.put(url, json={"approver_id": 999_999}), 422)
    assert body["errors"][0]["field"] == "approver_id"
    assert_problem(secretariat_client.put(url, json={"approver_id": "7"}), 422)
    assert current(secretariat_client, sid).json["approver_id"] == user_id(viewer_client)


def test_creating_a_statement_with_an_unknown_approver_is_422(organizer_client,
                                                              secretariat_client):
    open_edition(organizer_client)
    response = secretariat_client.post(statements_url(), json={
        "kind": "chairs_statement", "content": content(), "approver_id": 999_999})
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "approver_id"


def test_the_secretariat_cannot_make_itself_the_approver(app, statement,
                                                         secretariat_client,
                                                         organizer_client, viewer_client):
    """The approver stands outside the drafting secretariat, so no drafter approves."""
    sid = statement["id"]
    colleague = client_for_role(app, Role.SECRETARIAT)
    for drafter in (secretariat_client, colleague):
        named = secretariat_client.put(statement_url(sid, "/approver"),
                                       json={"approver_id": user_id(drafter)})
        body = assert_problem(named, 422)
        assert body["errors"][0]["field"] == "approver_id"
    # Nor at creation.
    made = secretariat_client.post(statements_url(), json={
        "kind": "summary", "content": content(), "approver_id": user_id(secretariat_client)})
    assert_problem(made, 422)
    assert current(secretariat_client, sid).json["approver_id"] == user_id(viewer_client)

    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    assert_problem(set_status(secretariat_client, sid, "approved"), 403)
    # Someone outside the secretariat (here an organizer) may be named.
    named = secretariat_client.put(statement_url(sid, "/approver"),
                                   json={"approver_id": user_id(organizer_client)})
    assert named.status_code == 200
    assert set_status(organizer_client, sid, "approved").status_code == 200


def test_an_edit_after_approval_sends_it_back_to_review_and_needs_approval_again(
        statement, secretariat_client, viewer_client):
    sid = statement["id"]
    approved = advance(secretariat_client, viewer_client, sid, "approved")
    assert approved["status"] == "approved"

    edited = put_section(secretariat_client, sid, keys(approved)[0],
                         ["A late change after approval."], etag(current(secretariat_client,
                                                                         sid)))
    assert edited.status_code == 200, edited.get_data(as_text=True)
    assert edited.json["status"] == "in_review"
    assert edited.json["revision"] == 2

    body = assert_problem(set_status(secretariat_client, sid, "published"), 409)
    assert body["current_status"] == "in_review"
    assert current(secretariat_client, sid).json["published_revision"] is None

    assert set_status(viewer_client, sid, "approved").status_code == 200
    published = set_status(secretariat_client, sid, "published")
    assert published.status_code == 200
    assert published.json["published_revision"] == 2
    assert texts(published.json)[0] == ["A late change after approval."]


def test_a_title_change_or_restore_after_approval_also_needs_approval_again(
        statement, secretariat_client, viewer_client):
    sid = statement["id"]
    advance(secretariat_client, viewer_client, sid, "approved")
    patched = secretariat_client.patch(statement_url(sid), json={"title": "New title"},
                                       headers={"If-Match": etag(current(secretariat_client,
                                                                         sid))})
    assert patched.status_code == 200
    assert patched.json["status"] == "in_review"

    assert set_status(viewer_client, sid, "approved").status_code == 200
    restored = secretariat_client.post(statement_url(sid, "/revisions/1/restore"))
    assert restored.status_code == 201
    assert restored.json["status"] == "in_review"
    assert_problem(set_status(secretariat_client, sid, "published"), 409)


# Published text is frozen ----------------------------------------------------------------

def test_published_text_is_frozen(statement, secretariat_client, viewer_client,
                                  admin_client):
    sid = statement["id"]
    published = publish(secretariat_client, viewer_client, sid)
    tag = etag(current(secretariat_client, sid))
    k1, _, k3 = keys(published)

    for editor in (secretariat_client, admin_client):
        assert_problem(put_section(editor, sid, k1, ["Changed after publication."], tag), 409)
        assert_problem(put_section(editor, sid, k1, ["No If-Match either."], None), 409)
        assert_problem(editor.patch(statement_url(sid), json={"title": "Changed"},
                                    headers={"If-Match": tag}), 409)
        assert_problem(editor.patch(statement_url(sid), json={"sections": [
            {"key": k3, "paragraphs": [SECTION_3]}, {"key": k1, "paragraphs": [SECTION_1]}]},
            headers={"If-Match": tag}), 409)
        assert_problem(editor.post(statement_url(sid, "/sections"),
                                   json={"position": 2, "paragraphs": ["Inserted."]},
                                   headers={"If-Match": tag}), 409)
        assert_problem(editor.post(statement_url(sid, "/revisions/1/restore")), 409)
        assert_problem(editor.put(statement_url(sid, "/approver"),
                                  json={"approver_id": None}), 409)

    after = current(secretariat_client, sid)
    assert etag(after) == tag
    assert texts(after.json) == ORIGINAL
    assert revision_numbers(secretariat_client, sid) == [1]
    assert after.json["status"] == "published"


# Corrections ----------------------------------------------------------------------------

def test_a_correction_is_a_new_published_revision_with_a_public_note(
        statement, secretariat_client, viewer_client, client):
    sid = statement["id"]
    published = publish(secretariat_client, viewer_client, sid)
    k1, k2, k3 = keys(published)
    tag = etag(current(secretariat_client, sid))
    fixed = SECTION_3.replace("2026", "2027")

    response = correction(secretariat_client, sid, {
        "note": "Corrected the year of the next Sub-Forum.",
        "sections": [{"key": k1, "paragraphs": [SECTION_1]},
                     {"key": k2, "paragraphs": SECTION_2},
                     {"key": k3, "paragraphs": [fixed]}]}, tag)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert body["status"] == "published"
    assert body["revision"] == 2
    assert body["published_revision"] == 2
    assert keys(body) == [k1, k2, k3]
    assert texts(body) == [[SECTION_1], SECTION_2, [fixed]]
    assert etag(response) != tag

    public = client.get(statement_url(sid))
    assert public.status_code == 200
    assert public.json["revision"] == 2
    assert texts(public.json) == [[SECTION_1], SECTION_2, [fixed]]
    assert [(c["revision"], c["note"]) for c in public.json["corrections"]] == [
        (2, "Corrected the year of the next Sub-Forum.")]
    assert public.json["corrections"][0]["created_at"]

    # The text as first published stays readable, by anyone.
    for reader in (client, viewer_client, secretariat_client):
        old = reader.get(statement_url(sid), query_string={"revision": 1})
        assert old.status_code == 200, old.get_data(as_text=True)
        assert old.json["revision"] == 1
        assert texts(old.json) == ORIGINAL
    assert revision_numbers(client, sid) == [1, 2]
    listed = client.get(statement_url(sid, "/revisions")).json
    assert [r["is_published"] for r in listed] == [True, True]
    assert listed[1]["note"] == "Corrected the year of the next Sub-Forum."

    # The public diff between the two published texts shows the one-word fix.
    changed = client.get(statement_url(sid, "/diff"), query_string={"from": 1, "to": 2})
    assert changed.status_code == 200
    assert [s["key"] for s in changed.json["sections"]] == [k3]


def test_corrections_accumulate_and_each_stays_readable(statement, secretariat_client,
                                                        viewer_client, client):
    sid = statement["id"]
    publish(secretariat_client, viewer_client, sid)
    first = correction(secretariat_client, sid, {"note": "Title typo fixed.",
                                                 "title": "Chair's Statement, corrected"},
                       etag(current(secretariat_client, sid)))
    assert first.status_code == 201, first.get_data(as_text=True)
    assert texts(first.json) == ORIGINAL
    second = correction(secretariat_client, sid, {"note": "Title typo fixed again.",
                                                  "title": "Chair's Statement, final"},
                        etag(first))
    assert second.status_code == 201

    public = client.get(statement_url(sid)).json
    assert public["title"] == "Chair's Statement, final"
    assert [(c["revision"], c["note"]) for c in public["corrections"]] == [
        (2, "Title typo fixed."), (3, "Title typo fixed again.")]
    for number, title in ((1, CONTENT["title"]), (2, "Chair's Statement, corrected"),
                          (3, "Chair's Statement, final")):
        old = client.get(statement_url(sid), query_string={"revision": number})
        assert old.status_code == 200
        assert old.json["title"] == title


def test_a_correction_needs_if_match_a_note_and_a_published_statement(
        statement, secretariat_client, viewer_client, client):
    sid = statement["id"]
    tag = etag(current(secretariat_client, sid))
    # A draft is edited, not corrected.
    assert_problem(correction(secretariat_client, sid, {"note": "Too early."}, tag), 409)

    publish(secretariat_client, viewer_client, sid)
    tag = etag(current(secretariat_client, sid))
    assert_problem(correction(secretariat_client, sid, {"note": "No If-Match."}, None), 428)
    assert_problem(correction(secretariat_client, sid, {"title": "Without a note"}, tag), 422)
    assert_problem(correction(secretariat_client, sid, {"note": "  "}, tag), 422)
    assert_problem(correction(viewer_client, sid, {"note": "Not mine to make."}, tag), 403)
    assert_problem(correction(client, sid, {"note": "Anonymous."}, tag), 401)

    made = correction(secretariat_client, sid, {"note": "First fix.", "title": "Fixed"}, tag)
    assert made.status_code == 201
    stale = correction(secretariat_client, sid, {"note": "Stale fix.", "title": "Stale"}, tag)
    body = assert_problem(stale, 412)
    assert body["current_revision"] == 2
    assert client.get(statement_url(sid)).json["title"] == "Fixed"
    assert revision_numbers(secretariat_client, sid) == [1, 2]


# What the public sees --------------------------------------------------------------------

def test_the_public_sees_no_draft(statement, secretariat_client, viewer_client, client):
    sid = statement["id"]
    assert client.get(statements_url()).json == []
    assert_problem(client.get(statement_url(sid)), 404)
    assert_problem(client.get(statement_url(sid), query_string={"revision": 1}), 404)
    assert_problem(client.get(statement_url(sid, "/revisions")), 404)
    assert_problem(client.get(statement_url(sid, "/diff"),
                              query_string={"from": 1, "to": 1}), 404)
    assert_problem(client.get(statement_url(sid), query_string={"format": "text"}), 404)

    # Nor an approved, not yet published one.
    advance(secretariat_client, viewer_client, sid, "approved")
    assert client.get(statements_url()).json == []
    assert_problem(client.get(statement_url(sid)), 404)


def test_the_public_sees_only_published_revisions(statement, secretariat_client,
                                                  viewer_client, client):
    sid = statement["id"]
    k1 = keys(statement)[0]
    r2 = put_section(secretariat_client, sid, k1, ["Second draft."],
                     etag(current(secretariat_client, sid)))
    r3 = put_section(secretariat_client, sid, k1, ["Third draft, the one published."],
                     etag(r2))
    assert r3.status_code == 200
    publish(secretariat_client, viewer_client, sid)

    public = client.get(statement_url(sid))
    assert public.status_code == 200
    assert public.json["revision"] == 3
    assert public.json["published_revision"] == 3
    assert texts(public.json)[0] == ["Third draft, the one published."]
    assert etag(public) == etag(r3)

    listed = client.get(statement_url(sid, "/revisions"))
    assert listed.status_code == 200
    assert [(r["number"], r["is_published"]) for r in listed.json] == [(3, True)]
    for number in (1, 2):
        assert_problem(client.get(statement_url(sid), query_string={"revision": number}), 404)
    assert_problem(client.get(statement_url(sid, "/diff"),
                              query_string={"from": 1, "to": 3}), 404)
    # Staff still see every revision.
    assert revision_numbers(viewer_client, sid) == [1, 2, 3]
    assert current(viewer_client, sid, revision=1).json["revision"] == 1


def test_the_public_revision_list_does_not_disclose_staff_e_mail_addresses(
        statement, secretariat_client, viewer_client, client):
    sid = statement["id"]
    publish(secretariat_client, viewer_client, sid)
    email = secretariat_client.get("/api/v1/auth/me").json["email"]
    listed = client.get(statement_url(sid, "/revisions"))
    assert listed.status_code == 200
    assert email not in listed.get_data(as_text=True)
    assert [set(r) for r in listed.json] == [{"number", "note", "is_published", "created_at"}]
    # Staff still see who wrote each revision.
    staff = viewer_client.get(statement_url(sid, "/revisions")).json
    assert staff[0]["author_label"] == email


# Language versions ----------------------------------------------------------------------

def test_language_versions_are_linked_drafts_the_public_sees_when_published(
        statement, secretariat_client, viewer_client, client):
    sid = statement["id"]
    made = secretariat_client.post(statement_url(sid, "/languages"), json={"language": "zh"})
    assert made.status_code == 201, made.get_data(as_text=True)
    zh = made.json
    zh_id = zh["id"]
    assert zh_id != sid
    assert zh["language"] == "zh"
    assert zh["status"] == "draft"
    assert zh["revision"] == 1
    assert zh["kind"] == "chairs_statement"
    assert texts(zh) == ORIGINAL  # the text to translate, section by section
    assert etag(made)
    assert {(v["id"], v["language"]) for v in zh["languages"]} == {(sid, "en"), (zh_id, "zh")}
    en = current(secretariat_client, sid).json
    assert {(v["id"], v["language"]) for v in en["languages"]} == {(sid, "en"),
                                                                    (zh_id, "zh")}

    # Translating a section of the zh draft leaves the en text alone.
    zh_key = keys(zh)[0]
    translated = put_section(secretariat_client, zh_id, zh_key, ["移民管理合作分论坛在上海举行。"],
                             etag(made))
    assert translated.status_code == 200, translated.get_data(as_text=True)
    assert texts(current(secretariat_client, sid).json) == ORIGINAL

    # The public sees the en version once published, and no unpublished zh in "languages".
    publish(secretariat_client, viewer_client, sid)
    public_en = client.get(statement_url(sid)).json
    assert [(v["id"], v["language"], v["published"]) for v in public_en["languages"]] == [
        (sid, "en", True)]
    assert [s["id"] for s in client.get(statements_url()).json] == [sid]
    assert_problem(client.get(statement_url(zh_id)), 404)

    # The zh version has its own approver and workflow.
    assert secretariat_client.put(statement_url(zh_id, "/approver"), json={
        "approver_id": user_id(viewer_client)}).status_code == 200
    publish(secretariat_client, viewer_client, zh_id)
    public_en = client.get(statement_url(sid)).json
    assert {(v["id"], v["language"], v["published"]) for v in public_en["languages"]} == {
        (sid, "en", True), (zh_id, "zh", True)}
    public_zh = client.get(statement_url(zh_id)).json
    assert public_zh["language"] == "zh"
    assert texts(public_zh)[0] == ["移民管理合作分论坛在上海举行。"]
    assert {v["language"] for v in public_zh["languages"]} == {"en", "zh"}
    assert sorted(s["id"] for s in client.get(statements_url()).json) == sorted([sid, zh_id])


def test_a_duplicate_language_version_is_409(statement, secretariat_client):
    sid = statement["id"]
    zh = secretariat_client.post(statement_url(sid, "/languages"), json={"language": "zh"})
    assert zh.status_code == 201
    assert_problem(secretariat_client.post(statement_url(sid, "/languages"),
                                           json={"language": "zh"}), 409)
    # Asked from the zh version too, and for the original's own language.
    zh_id = zh.json["id"]
    assert_problem(secretariat_client.post(statement_url(zh_id, "/languages"),
                                           json={"language": "zh"}), 409)
    assert_problem(secretariat_client.post(statement_url(zh_id, "/languages"),
                                           json={"language": "en"}), 409)
    assert_problem(secretariat_client.post(statement_url(sid, "/languages"),
                                           json={"language": "en"}), 409)
    # A third language made from the zh version joins the same family.
    fr = secretariat_client.post(statement_url(zh_id, "/languages"), json={"language": "fr"})
    assert fr.status_code == 201
    assert {v["language"] for v in fr.json["languages"]} == {"en", "zh", "fr"}
    assert len(secretariat_client.get(statements_url()).json) == 3


def test_a_language_version_needs_a_language_tag_and_the_secretariat(statement,
                                                                     secretariat_client,
                                                                     viewer_client):
    sid = statement["id"]
    assert_problem(secretariat_client.post(statement_url(sid, "/languages"),
                                           json={"language": "Chinese"}), 422)
    assert_problem(viewer_client.post(statement_url(sid, "/languages"),
                                      json={"language": "zh"}), 403)


# The archived 2024 statement ------------------------------------------------------------

@pytest.fixture
def seeded_statement(seeded, secretariat_client) -> dict:
    listing = secretariat_client.get(statements_url(SEEDED_SLUG))
    assert listing.status_code == 200
    assert len(listing.json) == 1
    return current(secretariat_client, listing.json[0]["id"], slug=SEEDED_SLUG).json


def test_the_2024_statement_is_published_and_readable_by_the_public(seeded_statement,
                                                                   client):
    sid = seeded_statement["id"]
    assert seeded_statement["status"] == "published"
    assert seeded_statement["published_revision"] == 1
    public = client.get(statement_url(sid, slug=SEEDED_SLUG))
    assert public.status_code == 200
    assert public.json["status"] == "published"
    assert client.get(statement_url(sid, "/revisions", SEEDED_SLUG)).json[0]["number"] == 1


def test_any_write_to_the_archived_2024_statement_is_409(seeded_statement,
                                                         secretariat_client, admin_client):
    sid = seeded_statement["id"]
    key = seeded_statement["sections"][0]["key"]
    tag = f'"statement-{sid}-rev-1"'
    headers = {"If-Match": tag}

    def url(path: str = "") -> str:
        return statement_url(sid, path, SEEDED_SLUG)

    for writer in (secretariat_client, admin_client):
        attempts = [
            writer.put(url(f"/sections/{key}"), json={"paragraphs": ["X."]}, headers=headers),
            writer.patch(url(), json={"title": "X"}, headers=headers),
            writer.post(url("/sections"), json={"paragraphs": ["X."]}, headers=headers),
            writer.post(url("/revisions/1/restore")),
            writer.post(url("/corrections"), json={"note": "X", "title": "X"},
                        headers=headers),
            writer.post(url("/status"), json={"status": "draft"}),
            writer.put(url("/approver"), json={"approver_id": None}),
            writer.post(url("/languages"), json={"language": "zh"}),
            writer.post(url("/comments"), json={"section_key": key, "body": "X"}),
            writer.post(url("/suggestions"), json={"section_key": key, "paragraph_index": 0,
                                                   "proposed_text": "X"}),
            writer.post(statements_url(SEEDED_SLUG), json={"kind": "summary",
                                                           "content": CONTENT}),
        ]
        for response in attempts:
            assert_problem(response, 409)

    after = current(secretariat_client, sid, slug=SEEDED_SLUG)
    assert after.json == seeded_statement
    assert revision_numbers(secretariat_client, sid, SEEDED_SLUG) == [1]
    assert len(secretariat_client.get(statements_url(SEEDED_SLUG)).json) == 1
