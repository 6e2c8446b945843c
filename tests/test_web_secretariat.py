"""Secretariat pages for the Chair's statement: reading, editing sections with stale-edit
protection, revisions and differences, restoring, review comments and suggestions, the
workflow to publication, the approver, and the fact check."""

from __future__ import annotations

import pytest
from _statements import (
    SECTION_1,
    SECTION_2,
    SLUG,
    current,
    draft,
    put_section,
    statement_url,
)
from _web import Browser, browser_for_role
from statement_fixtures import (
    SEEDED_SLUG,
    build_open_edition,
    replace_in_content,
    seeded_statement_id,
    statement_content,
)

from eventhub.auth.models import Role

PAGES = "/secretariat"


def page_url(statement_id: int, path: str = "", slug: str = SLUG) -> str:
    return f"{PAGES}/{slug}/statements/{statement_id}{path}"


@pytest.fixture
def drafted(organizer_client, secretariat_client) -> dict:
    """An open edition with a three-section draft (revision 1); the API's view of it."""
    return draft(organizer_client, secretariat_client).json


@pytest.fixture
def desk(app) -> Browser:
    return browser_for_role(app, Role.SECRETARIAT, "desk@example.org")


def api_view(client, statement_id: int) -> dict:
    return current(client, statement_id).json


def follow(browser: Browser, page) -> object:
    assert page.status == 303, (page.status, page.text[:800])
    return browser.get(page.response.headers["Location"])


def edit_page(browser: Browser, statement_id: int, key: str):
    page = browser.get(page_url(statement_id, f"/sections/{key}"))
    assert page.status == 200, page.text[:500]
    return page


# Access --------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(app, drafted):
    browser = Browser(app.test_client())
    for url in (f"{PAGES}/{SLUG}/statements", page_url(drafted["id"]),
                page_url(drafted["id"], "/revisions"), page_url(drafted["id"], "/fact-check")):
        page = browser.get(url)
        assert page.status == 302, url
        assert page.response.headers["Location"].startswith(f"/login?next={url}")


def test_the_list_shows_each_statement_with_its_status_and_latest_revision(desk, drafted):
    page = desk.get(f"{PAGES}/{SLUG}/statements")
    assert page.status == 200
    row = page.soup.select_one("tbody tr")
    cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
    assert cells[0] == drafted["title"]
    assert cells[1:5] == ["Chair's statement", "English", "Draft", "1"]
    links = {a.get_text(strip=True): a["href"] for a in row.find_all("a")}
    assert links["Revisions"] == page_url(drafted["id"], "/revisions")
    assert links["Fact check"] == page_url(drafted["id"], "/fact-check")
    assert page.response.headers["Cache-Control"] == "no-store"


def test_the_statement_page_numbers_sections_and_offers_the_next_step(desk, drafted):
    page = desk.get(page_url(drafted["id"]))
    assert page.status == 200
    assert len(page.soup.find_all("h1")) == 1
    headings = [h.get_text(strip=True) for h in page.soup.select("article h2")]
    assert headings == ["Section I", "Section II", "Section III"]
    assert f"I. {SECTION_1}" in page.text
    assert SECTION_2[1] in page.text
    buttons = [b.get_text(strip=True) for b in page.soup.find_all("button")]
    assert "Submit for review" in buttons
    assert "Publish" not in buttons and "Approve" not in buttons
    links = [a.get_text(strip=True) for a in page.soup.find_all("a")]
    assert {"Revisions", "Fact check", "Comments", "Edit section II"} <= set(links)


def test_a_viewer_reads_but_may_not_save(app, drafted, secretariat_client):
    viewer = browser_for_role(app, Role.VIEWER)
    page = viewer.get(page_url(drafted["id"]))
    assert page.status == 200
    assert SECTION_1 in page.text
    assert "Edit section" not in page.text
    assert not page.soup.find("button", string="Submit for review")
    key = drafted["sections"][0]["key"]
    refused = viewer.post(page_url(drafted["id"], f"/sections/{key}"),
                          {"paragraphs": "Rewritten by a viewer.", "revision": "1"})
    assert refused.status == 403
    assert "may not draft and change statements" in refused.text
    after = api_view(secretariat_client, drafted["id"])
    assert after["latest_revision"] == 1
    assert after["sections"][0]["paragraphs"] == [SECTION_1]
    # Nor comment, suggest or move the workflow, unless named the approver.
    review = viewer.get(page_url(drafted["id"], "/comments"))
    assert review.status == 200 and not review.soup.find("textarea")
    for path, data in (("/comments", {"section_key": key, "body": "Viewer's view."}),
                       ("/suggestions", {"section_key": key, "paragraph": "1",
                                         "proposed_text": "Viewer's text."}),
                       ("/status", {"status": "in_review"})):
        assert viewer.post(page_url(drafted["id"], path), data).status == 403, path
    assert secretariat_client.get(statement_url(drafted["id"], "/comments")).json == []
    assert api_view(secretariat_client, drafted["id"])["status"] == "draft"


def test_a_form_without_its_csrf_token_is_refused(desk, drafted, secretariat_client):
    key = drafted["sections"][0]["key"]
    edit_page(desk, drafted["id"], key)
    page = desk.post(page_url(drafted["id"], f"/sections/{key}"),
                     {"paragraphs": "No token.", "revision": "1"}, csrf=False)
    assert page.status == 400
    assert api_view(secretariat_client, drafted["id"])["latest_revision"] == 1


# Editing a section -----------------------------------------------------------------------

def test_saving_a_section_makes_a_new_revision_and_says_so(desk, drafted, secretariat_client):
    key = drafted["sections"][1]["key"]
    page = edit_page(desk, drafted["id"], key)
    label = page.soup.find("label", attrs={"for": "f-paragraphs"}).get_text(" ", strip=True)
    assert label.startswith("Paragraphs (separate paragraphs with a blank line)")
    form = page.form_values("main form")
    assert form["revision"] == "1"
    assert form["paragraphs"] == "\n\n".join(SECTION_2)
    form["paragraphs"] = "First new paragraph.\r\n\r\nSecond new\r\nparagraph."
    form["note"] = "Tighter wording"
    saved = desk.post(page_url(drafted["id"], f"/sections/{key}"), form)
    assert saved.response.headers["Location"].startswith(page_url(drafted["id"]))
    shown = follow(desk, saved)
    assert "Saved as revision 2" in shown.text
    assert "II. First new paragraph." in shown.text
    after = api_view(secretariat_client, drafted["id"])
    assert after["latest_revision"] == 2
    assert after["sections"][1]["paragraphs"] == ["First new paragraph.",
                                                  "Second new\nparagraph."]
    revisions = desk.get(page_url(drafted["id"], "/revisions"))
    assert "Tighter wording" in revisions.text
    assert "desk@example.org" in revisions.text


@pytest.mark.parametrize("typed", ["", "  \n\n  \n", "x" * 20_001])
def test_bad_input_keeps_the_typed_text_and_saves_nothing(desk, drafted, secretariat_client,
                                                         typed):
    key = drafted["sections"][0]["key"]
    edit_page(desk, drafted["id"], key)
    page = desk.post(page_url(drafted["id"], f"/sections/{key}"),
                     {"paragraphs": typed, "revision": "1", "note": "my note"})
    assert page.status == 422
    box = page.soup.find("textarea", attrs={"name": "paragraphs"})
    assert box.get_text() == typed
    assert box["aria-invalid"] == "true"
    assert page.form_values("main form")["note"] == "my note"
    message = page.soup.select_one(".field-error").get_text()
    assert ("Write at least one paragraph" in message if not typed.strip()
            else "Longer than maximum length" in message)
    assert api_view(secretariat_client, drafted["id"])["latest_revision"] == 1


def test_a_stale_edit_shows_both_texts_and_saves_nothing(desk, drafted, secretariat_client):
    key = drafted["sections"][1]["key"]
    form = edit_page(desk, drafted["id"], key).form_values("main form")
    # Meanwhile, someone else changes the same section through the API.
    theirs = put_section(secretariat_client, drafted["id"], key, ["Their new text."],
                         current(secretariat_client, drafted["id"]).headers["ETag"])
    assert theirs.status_code == 200
    form["paragraphs"] = "My own rewrite."
    page = desk.post(page_url(drafted["id"], f"/sections/{key}"), form)
    assert page.status == 412
    assert "Someone else changed this section" in page.text
    assert page.soup.find("textarea", attrs={"name": "paragraphs"}).get_text() == (
        "My own rewrite.")
    assert [p.get_text() for p in page.soup.select(".current-text")] == ["Their new text."]
    after = api_view(secretariat_client, drafted["id"])
    assert after["latest_revision"] == 2
    assert after["sections"][1]["paragraphs"] == ["Their new text."]
    # Having seen the current text, sending again lands on top of it.
    again = page.form_values("main form")
    assert again["revision"] == "2"
    assert follow(desk, desk.post(page_url(drafted["id"], f"/sections/{key}"), again))
    assert api_view(secretariat_client, drafted["id"])["sections"][1]["paragraphs"] == [
        "My own rewrite."]


def test_an_edit_of_another_section_merges_with_a_concurrent_one(desk, drafted,
                                                                 secretariat_client):
    first, third = drafted["sections"][0]["key"], drafted["sections"][2]["key"]
    form = edit_page(desk, drafted["id"], third).form_values("main form")
    put_section(secretariat_client, drafted["id"], first, ["Changed elsewhere."],
                current(secretariat_client, drafted["id"]).headers["ETag"])
    form["paragraphs"] = "The next Sub-Forum will be held in 2027."
    shown = follow(desk, desk.post(page_url(drafted["id"], f"/sections/{third}"), form))
    assert "Saved as revision 3" in shown.text
    after = api_view(secretariat_client, drafted["id"])
    assert after["sections"][0]["paragraphs"] == ["Changed elsewhere."]
    assert after["sections"][2]["paragraphs"] == ["The next Sub-Forum will be held in 2027."]


# Revisions, differences, restoring -------------------------------------------------------

def _change_word(secretariat_client, drafted) -> None:
    key = drafted["sections"][0]["key"]
    response = put_section(secretariat_client, drafted["id"], key,
                           [SECTION_1.replace("Shanghai", "Beijing")],
                           current(secretariat_client, drafted["id"]).headers["ETag"],
                           note="Right city")
    assert response.status_code == 200


def test_the_diff_marks_a_changed_word(desk, drafted, secretariat_client):
    _change_word(secretariat_client, drafted)
    revisions = desk.get(page_url(drafted["id"], "/revisions"))
    choice = revisions.form_values("main form")
    assert choice == {"old": "1", "new": "2"}
    page = desk.get(page_url(drafted["id"], "/diff"), query_string=choice)
    assert page.status == 200
    assert page.soup.h1.get_text(strip=True) == "Changes from revision 1 to revision 2"
    grid = page.soup.select_one("section .diff")
    assert [d.get_text() for d in grid.find_all("del")] == ["Shanghai."]
    assert [i.get_text() for i in grid.find_all("ins")] == ["Beijing."]
    assert "Section I edited" in page.text


def test_a_diff_of_unknown_or_missing_revisions_is_refused(desk, drafted):
    assert desk.get(page_url(drafted["id"], "/diff?old=1&new=9")).status == 404
    assert desk.get(page_url(drafted["id"], "/diff?old=one&new=2")).status == 422
    assert desk.get(page_url(drafted["id"], f"/diff?old=1&new={2**64}")).status == 422
    assert desk.get(page_url(drafted["id"], f"/fact-check?revision={2**64}")).status == 422


def test_restoring_a_revision_makes_its_text_current_again(desk, drafted, secretariat_client):
    _change_word(secretariat_client, drafted)
    old = desk.get(page_url(drafted["id"], "/revisions/1"))
    assert old.status == 200
    assert SECTION_1 in old.text
    form = old.soup.find("button", string="Restore this revision").find_parent("form")
    shown = follow(desk, desk.post(form["action"], {}))
    assert "Revision 1 was restored as revision 3" in shown.text
    after = api_view(secretariat_client, drafted["id"])
    assert after["latest_revision"] == 3
    assert after["sections"][0]["paragraphs"] == [SECTION_1]
    # The current revision offers no restore button.
    assert "Restore this revision" not in desk.get(page_url(drafted["id"], "/revisions/3")).text


# Comments and suggestions ----------------------------------------------------------------

def test_comments_are_added_answered_and_resolved(desk, drafted, secretariat_client):
    key = drafted["sections"][0]["key"]
    review = desk.get(page_url(drafted["id"], "/comments"))
    assert review.status == 200
    label = review.soup.find("label", attrs={"for": f"comment-{key}-body"})
    assert label.get_text(strip=True) == "Comment"
    empty = desk.post(page_url(drafted["id"], "/comments"),
                      {"section_key": key, "body": "   "})
    assert empty.status == 422
    assert empty.soup.find("textarea", id=f"comment-{key}-body")["aria-invalid"] == "true"
    comments_api = statement_url(drafted["id"], "/comments")
    assert secretariat_client.get(comments_api).json == []

    shown = follow(desk, desk.post(page_url(drafted["id"], "/comments"),
                                   {"section_key": key, "body": "Name the host here?"}))
    assert "Your comment was added" in shown.text
    assert "Name the host here?" in shown.text
    comment_id = secretariat_client.get(comments_api).json[0]["id"]
    follow(desk, desk.post(page_url(drafted["id"], "/comments"),
                           {"parent_id": str(comment_id), "body": "Yes, the NIA."}))
    resolved = follow(desk, desk.post(page_url(drafted["id"],
                                               f"/comments/{comment_id}/resolve")))
    assert "The comment was marked resolved" in resolved.text
    item = resolved.soup.find(id=f"comment-{comment_id}")
    assert "Resolved" in item.get_text()
    assert "Yes, the NIA." in item.get_text()
    stored = secretariat_client.get(comments_api).json
    assert [c["body"] for c in stored] == ["Name the host here?", "Yes, the NIA."]
    assert stored[0]["resolved_at"] is not None
    assert stored[1]["parent_id"] == comment_id
    # Resolving twice is refused by the service.
    assert desk.post(page_url(drafted["id"], f"/comments/{comment_id}/resolve")).status == 409


def test_accepting_a_suggestion_saves_a_revision_and_rejecting_does_not(
        desk, drafted, secretariat_client):
    key = drafted["sections"][1]["key"]
    desk.get(page_url(drafted["id"], "/comments"))
    proposed = "They agreed to share information on irregular migration routes promptly."
    made = desk.post(page_url(drafted["id"], "/suggestions"),
                     {"section_key": key, "paragraph": "2", "proposed_text": proposed})
    follow(desk, made)
    follow(desk, desk.post(page_url(drafted["id"], "/suggestions"),
                           {"section_key": key, "paragraph": "1",
                            "proposed_text": "Something else."}))
    bad = desk.post(page_url(drafted["id"], "/suggestions"),
                    {"section_key": key, "paragraph": "7", "proposed_text": "Nowhere."})
    assert bad.status == 422
    assert "No such paragraph" in bad.text
    empty = desk.post(page_url(drafted["id"], "/suggestions"),
                      {"section_key": key, "paragraph": "2", "proposed_text": "  "})
    assert empty.status == 422
    box = empty.soup.find("textarea", id=f"suggest-{key}-2-proposed_text")
    assert box["aria-invalid"] == "true" and box.get_text() == "  "

    listing = secretariat_client.get(statement_url(drafted["id"], "/suggestions")).json
    assert len(listing) == 2
    first, second = listing[0]["id"], listing[1]["id"]
    review = desk.get(page_url(drafted["id"], "/comments"))
    accept = review.soup.find("button", string=f"Accept suggestion {first}").find_parent("form")
    shown = follow(desk, desk.post(accept["action"], {}))
    assert "saved as revision 2" in shown.text
    reject = shown.soup.find("button", string=f"Reject suggestion {second}").find_parent("form")
    follow(desk, desk.post(reject["action"], {}))
    after = api_view(secretariat_client, drafted["id"])
    assert after["latest_revision"] == 2
    assert after["sections"][1]["paragraphs"] == [SECTION_2[0], proposed]
    statuses = [s["status"] for s in
                secretariat_client.get(statement_url(drafted["id"], "/suggestions")).json]
    assert statuses == ["accepted", "rejected"]


# Workflow and approver -------------------------------------------------------------------

def _press(browser: Browser, statement_id: int, label: str):
    page = browser.get(page_url(statement_id))
    button = page.soup.find("button", string=label)
    assert button is not None, (label, [b.get_text() for b in page.soup.find_all("button")])
    form = button.find_parent("form")
    return browser.post(form["action"], {"status": form.find("input", attrs={
        "name": "status"})["value"]})


def _offered(browser: Browser, statement_id: int, label: str) -> bool:
    page = browser.get(page_url(statement_id))
    return page.soup.find("button", string=label) is not None


def test_the_workflow_to_publication_follows_the_approver_rules(app, desk, drafted,
                                                                secretariat_client):
    browser_for_role(app, Role.SECRETARIAT, "colleague@example.org")
    approver = browser_for_role(app, Role.VIEWER, "chair-office@example.org")
    submitted = follow(desk, _press(desk, drafted["id"], "Submit for review"))
    assert "submitted for review" in submitted.text
    assert "In review" in submitted.text

    # Approving is not offered to the drafting secretariat, and refused if sent anyway.
    assert not _offered(desk, drafted["id"], "Approve")
    refused = desk.post(page_url(drafted["id"], "/status"), {"status": "approved"})
    assert refused.status == 403
    assert "Only the chair's designated approver" in refused.text
    assert api_view(secretariat_client, drafted["id"])["status"] == "in_review"

    page = desk.get(page_url(drafted["id"]))
    options = {o.get_text(strip=True): o["value"] for o in page.soup.select(
        "select[name=approver_id] option")}
    assert "Test viewer (viewer)" in options
    assert not any("secretariat" in text for text in options)
    follow(desk, desk.post(page_url(drafted["id"], "/approver"),
                           {"approver_id": options["Test viewer (viewer)"]}))
    assert api_view(secretariat_client, drafted["id"])["approver_id"] == int(
        options["Test viewer (viewer)"])

    # Named approver, the viewer may now review: comment, then approve.
    key = drafted["sections"][0]["key"]
    approver.get(page_url(drafted["id"], "/comments"))
    follow(approver, approver.post(page_url(drafted["id"], "/comments"),
                                   {"section_key": key, "body": "Fine by the chair."}))
    assert [c["body"] for c in secretariat_client.get(
        statement_url(drafted["id"], "/comments")).json] == ["Fine by the chair."]
    approved = follow(approver, _press(approver, drafted["id"], "Approve"))
    assert "The statement was approved" in approved.text
    # The approver reviews but does not publish: not offered, and refused.
    assert not _offered(approver, drafted["id"], "Publish")
    assert approver.post(page_url(drafted["id"], "/status"),
                         {"status": "published"}).status == 403

    published = follow(desk, _press(desk, drafted["id"], "Publish"))
    assert "The statement was published" in published.text
    assert "Edit section" not in published.text
    after = api_view(secretariat_client, drafted["id"])
    assert after["status"] == "published"
    assert after["published_revision"] == 1
    key = drafted["sections"][0]["key"]
    assert desk.get(page_url(drafted["id"], f"/sections/{key}")).status == 409
    frozen = desk.post(page_url(drafted["id"], f"/sections/{key}"),
                       {"paragraphs": "Too late.", "revision": "1"})
    assert frozen.status == 409
    assert api_view(secretariat_client, drafted["id"])["latest_revision"] == 1


def test_a_drafter_cannot_be_named_approver(app, desk, drafted, secretariat_client):
    desk.get(page_url(drafted["id"]))
    me = secretariat_client.get("/api/v1/auth/me").json["id"]
    page = desk.post(page_url(drafted["id"], "/approver"), {"approver_id": str(me)})
    assert page.status == 422
    assert "cannot be a member of the drafting secretariat" in page.text
    assert api_view(secretariat_client, drafted["id"])["approver_id"] is None


# Fact check and the archive ----------------------------------------------------------------

def test_the_fact_check_of_the_2024_statement_finds_no_mismatch(app, client, seeded):
    viewer = browser_for_role(app, Role.VIEWER)
    page = viewer.get(page_url(seeded_statement_id(client), "/fact-check", SEEDED_SLUG))
    assert page.status == 200
    assert "No mismatch found" in page.text
    rows = page.soup.select("tbody tr")
    assert len(rows) > 20
    assert {r.find_all("td")[-1].get_text(strip=True) for r in rows} == {"ok"}
    assert "About 300 guests" in page.text


def test_a_planted_mismatch_shows_up_in_the_fact_check(app, admin_client):
    planted = replace_in_content(statement_content(), "57 countries and regions",
                                 "59 countries and regions")
    built = build_open_edition(admin_client, statement=planted)
    desk = browser_for_role(app, Role.SECRETARIAT)
    page = desk.get(page_url(built.statement["id"], "/fact-check", built.slug))
    assert page.status == 200
    assert "1 mismatch found" in page.text
    mismatch = page.soup.select_one("table tbody tr")
    cells = [c.get_text(" ", strip=True) for c in mismatch.find_all(["th", "td"])]
    assert cells[:4] == ["I", "countries and regions", "59 countries and regions",
                         "57 countries and regions (reported figure)"]


def test_the_archived_2024_statement_refuses_edits(app, client, seeded):
    desk = browser_for_role(app, Role.SECRETARIAT)
    statement_id = seeded_statement_id(client)
    page = desk.get(page_url(statement_id, slug=SEEDED_SLUG))
    assert page.status == 200
    assert "The edition is archived" in page.text
    assert "Edit section" not in page.text
    assert not page.soup.find("button", string="Publish")
    before = client.get(f"/api/v1/editions/{SEEDED_SLUG}/statements/{statement_id}").json
    key = before["sections"][0]["key"]
    url = page_url(statement_id, f"/sections/{key}", SEEDED_SLUG)
    assert desk.get(url).status == 409
    refused = desk.post(url, {"paragraphs": "Rewriting history.", "revision": "1"})
    assert refused.status == 409
    assert "archived and read-only" in refused.text
    after = client.get(f"/api/v1/editions/{SEEDED_SLUG}/statements/{statement_id}").json
    assert after["sections"] == before["sections"]
    assert after["revision"] == before["revision"]


def test_approver_candidates_are_active_users_outside_the_secretariat(app):
    from conftest import make_user

    from eventhub.auth.models import User
    from eventhub.auth.permissions import Actor
    from eventhub.errors import PermissionDenied
    from eventhub.extensions import db
    from eventhub.statements.service import approver_candidates

    for role, email in ((Role.SECRETARIAT, "drafter@example.org"),
                        (Role.VIEWER, "chair@example.org"),
                        (Role.ORGANIZER, "left@example.org"),
                        (Role.ADMIN, "admin@example.org")):
        make_user(app, role, email)
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(db.select(User))}
        users["left@example.org"].is_active = False
        db.session.commit()
        drafter = users["drafter@example.org"]
        as_drafter = Actor(user_id=drafter.id, role=Role.SECRETARIAT, label=drafter.email)
        found = {u.email for u in approver_candidates(as_drafter)}
        assert found == {"chair@example.org", "admin@example.org"}
        chair = users["chair@example.org"]
        with pytest.raises(PermissionDenied):
            approver_candidates(Actor(user_id=chair.id, role=Role.VIEWER, label=chair.email))


# Starting statements and adding sections -----------------------------------------------

def test_a_statement_is_started_from_the_list_page(desk, organizer_client, secretariat_client):
    from _statements import open_edition

    open_edition(organizer_client)
    page = desk.get(f"{PAGES}/{SLUG}/statements")
    assert "This edition has no statements yet." in page.text
    created = desk.post(f"{PAGES}/{SLUG}/statements", {
        "kind": "chairs_statement", "language": "en", "title": "Chair's Statement",
        "dateline": "(June 12, 2025, Shanghai, China)",
        "paragraphs": "The Sub-Forum met.\r\n\r\nParticipants agreed."})
    shown = follow(desk, created)
    assert "The statement was created as a draft (revision 1)." in shown.text
    listing = secretariat_client.get(f"/api/v1/editions/{SLUG}/statements").json
    assert [s["title"] for s in listing] == ["Chair's Statement"]
    statement = current(secretariat_client, listing[0]["id"]).json
    assert statement["sections"][0]["paragraphs"] == ["The Sub-Forum met.",
                                                      "Participants agreed."]
    assert statement["dateline"] == "(June 12, 2025, Shanghai, China)"


def test_a_statement_without_title_or_text_is_refused_with_what_was_typed(
        desk, organizer_client, secretariat_client):
    from _statements import open_edition

    open_edition(organizer_client)
    desk.get(f"{PAGES}/{SLUG}/statements")
    page = desk.post(f"{PAGES}/{SLUG}/statements", {
        "kind": "chairs_statement", "language": "en", "title": "  ",
        "dateline": "Kept dateline", "paragraphs": ""})
    assert page.status == 422
    assert page.soup.find(id="f-title")["aria-invalid"] == "true"
    assert "Write at least one paragraph." in page.text
    assert page.soup.find(id="f-dateline")["value"] == "Kept dateline"
    assert secretariat_client.get(f"/api/v1/editions/{SLUG}/statements").json == []


def test_a_first_draft_is_written_from_the_record(app, admin_client, secretariat_client):
    build_open_edition(admin_client, statement=False)
    desk = browser_for_role(app, Role.SECRETARIAT)
    slug = admin_client.get("/api/v1/editions").json[0]["slug"]
    desk.get(f"{PAGES}/{slug}/statements")
    page = follow(desk, desk.post(f"{PAGES}/{slug}/statements/draft-from-record"))
    assert "A first draft was written from the edition's records" in page.text
    listing = secretariat_client.get(f"/api/v1/editions/{slug}/statements").json
    assert len(listing) == 1 and listing[0]["status"] == "draft"


def test_a_section_is_added_at_a_position(desk, drafted, secretariat_client):
    desk.get(page_url(drafted["id"]))
    added = desk.post(page_url(drafted["id"], "/sections"), {
        "revision": "1", "position": "2", "new_paragraphs": "A new second section."})
    shown = follow(desk, added)
    assert "Section added; saved as revision 2." in shown.text
    after = api_view(secretariat_client, drafted["id"])
    assert [s["paragraphs"] for s in after["sections"]][1] == ["A new second section."]
    assert len(after["sections"]) == 4


def test_adding_a_section_to_a_changed_statement_saves_nothing(desk, drafted,
                                                               secretariat_client):
    desk.get(page_url(drafted["id"]))
    etag = current(secretariat_client, drafted["id"]).headers["ETag"]
    assert put_section(secretariat_client, drafted["id"], drafted["sections"][0]["key"],
                       ["Changed meanwhile."], etag).status_code == 200
    page = desk.post(page_url(drafted["id"], "/sections"), {
        "revision": "1", "new_paragraphs": "My new section."})
    assert page.status == 412
    assert "nothing was saved" in page.text
    assert page.soup.find(id="f-new_paragraphs").get_text() == "My new section."
    assert len(api_view(secretariat_client, drafted["id"])["sections"]) == 3


# Corrections and language versions -----------------------------------------------------

def _published(drafted, secretariat_client, admin_client) -> None:
    from _statements import set_status

    for client, status in ((secretariat_client, "in_review"), (admin_client, "approved"),
                           (secretariat_client, "published")):
        response = set_status(client, drafted["id"], status)
        assert response.status_code == 200, response.get_data(as_text=True)


def test_a_published_statement_is_corrected_with_a_public_note(
        desk, drafted, secretariat_client, admin_client, client):
    _published(drafted, secretariat_client, admin_client)
    key = drafted["sections"][2]["key"]
    page = desk.get(page_url(drafted["id"]))
    assert "Edit section" not in page.text
    assert page.soup.find("a", string="Correct section III")
    form_page = desk.get(page_url(drafted["id"], f"/sections/{key}/correction"))
    form = form_page.form_values("main form")
    form["paragraphs"] = "The next Sub-Forum will be held in 2027."
    refused = desk.post(page_url(drafted["id"], f"/sections/{key}/correction"),
                        dict(form, note=" "))
    assert refused.status == 422
    assert refused.soup.find(id="f-paragraphs").get_text() == (
        "The next Sub-Forum will be held in 2027.")
    form["note"] = "The year of the next Sub-Forum was wrong."
    shown = follow(desk, desk.post(page_url(drafted["id"], f"/sections/{key}/correction"),
                                   form))
    assert "The correction was published as revision 2." in shown.text
    public = client.get(statement_url(drafted["id"])).json
    assert public["published_revision"] == 2
    assert public["sections"][2]["paragraphs"] == ["The next Sub-Forum will be held in 2027."]
    assert [c["note"] for c in public["corrections"]] == [
        "The year of the next Sub-Forum was wrong."]


def test_a_draft_cannot_be_corrected_only_edited(desk, drafted):
    key = drafted["sections"][0]["key"]
    assert desk.get(page_url(drafted["id"], f"/sections/{key}/correction")).status == 409


def test_a_language_version_is_started_and_linked(desk, drafted, secretariat_client):
    desk.get(page_url(drafted["id"]))
    shown = follow(desk, desk.post(page_url(drafted["id"], "/languages"),
                                   {"new_language": "zh"}))
    assert "A version in Chinese was started" in shown.text
    languages = api_view(secretariat_client, drafted["id"])["languages"]
    assert sorted(v["language"] for v in languages) == ["en", "zh"]
    again = desk.post(page_url(drafted["id"], "/languages"), {"new_language": "zh"})
    assert again.status == 409
    assert "already exists" in again.text
