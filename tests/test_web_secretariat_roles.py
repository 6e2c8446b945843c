"""Who sees what on the secretariat's pages: the secretariat (and a statement's approver)
land on the statements after signing in; each person is offered only the actions the
statements service allows them (and the service refuses the rest anyway); a suggestion
starts from the paragraph's current text and shows its change word by word, character
by character in Chinese."""

from __future__ import annotations

import pytest
from _statements import (
    SECTION_2,
    SLUG,
    content,
    create_statement,
    current,
    draft,
    statement_url,
)
from _web import Browser, browser_for_role
from conftest import PASSWORD, login, make_user

from eventhub.auth.models import Role

PAGES = "/secretariat"
CHINESE = "各方同意加强合作，共同应对非法移民问题。"


def page_url(statement_id: int, path: str = "") -> str:
    return f"{PAGES}/{SLUG}/statements/{statement_id}{path}"


def signed_in(app, role: Role, email: str) -> tuple[Browser, str]:
    """A browser signed in through the page, and where the sign-in sent it."""
    make_user(app, role, email)
    browser = Browser(app.test_client())
    page = browser.sign_in(email)
    return browser, page.response.headers["Location"]


def user_id(app, email: str) -> int:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login(app, email)}"
    return client.get("/api/v1/auth/me").json["id"]


def buttons(page) -> set[str]:
    return {b.get_text(strip=True) for b in page.soup.select("main button")}


def write_forms(page) -> list:
    return page.soup.select('main form[method="post"]')


def set_status(secretariat_client, statement_id: int, status: str) -> None:
    response = secretariat_client.post(statement_url(statement_id, "/status"),
                                       json={"status": status})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def drafted(organizer_client, secretariat_client) -> dict:
    return draft(organizer_client, secretariat_client).json


@pytest.fixture
def in_review(app, drafted, secretariat_client) -> dict:
    """The draft with the chair's office (a viewer) named approver, submitted for review;
    the approver's e-mail is in "approver_email"."""
    email = "chair-office@example.org"
    make_user(app, Role.VIEWER, email)
    response = secretariat_client.put(statement_url(drafted["id"], "/approver"),
                                      json={"approver_id": user_id(app, email)})
    assert response.status_code == 200, response.get_data(as_text=True)
    set_status(secretariat_client, drafted["id"], "in_review")
    return {**drafted, "approver_email": email}


# Landing after sign-in -----------------------------------------------------------------

def test_the_secretariat_lands_on_the_statements(app, drafted):
    desk, landing = signed_in(app, Role.SECRETARIAT, "desk@example.org")
    assert landing == f"{PAGES}/"
    home = desk.get(landing)
    assert home.status == 200
    assert home.soup.find("a", href=page_url(drafted["id"]),
                          string=drafted["title"]) is not None
    menu = {a.get_text(strip=True): a["href"]
            for a in home.soup.select('nav[aria-label="Main"] a')}
    assert menu["Statements"] == f"{PAGES}/"
    # A page asked for before signing in still comes first.
    browser = Browser(app.test_client())
    browser.get("/login")
    page = browser.post("/login", {"email": "desk@example.org", "password": PASSWORD,
                                   "next": "/manage/"})
    assert page.response.headers["Location"] == "/manage/"


def test_organizers_still_land_on_the_editions(app, drafted):
    _, landing = signed_in(app, Role.ORGANIZER, "organizer@example.org")
    assert landing == "/manage/"
    _, landing = signed_in(app, Role.VIEWER, "reader@example.org")
    assert landing == "/manage/"


def test_an_approver_lands_on_the_statements_awaiting_them(app, in_review):
    approver = Browser(app.test_client())
    page = approver.sign_in(in_review["approver_email"])
    assert page.response.headers["Location"] == f"{PAGES}/"
    home = approver.get(f"{PAGES}/")
    awaiting = home.soup.find(id="awaiting").find_parent("section")
    assert awaiting.find("a", href=page_url(in_review["id"])) is not None


# Actions offered only to those who may take them -----------------------------------------

def test_the_approver_is_offered_approve_and_send_back_and_nothing_of_the_drafters(
        app, in_review, secretariat_client):
    approver = Browser(app.test_client())
    approver.sign_in(in_review["approver_email"])
    page = approver.get(page_url(in_review["id"]))
    shown = buttons(page)
    assert {"Approve", "Send back"} <= shown
    assert not shown & {"Submit for review", "Publish", "Back to draft", "Add section",
                        "Save approver", "Start language version"}
    assert "Edit section" not in page.text
    # Sending back is the approver's too (the service's rule).
    form = page.soup.find("button", string="Send back").find_parent("form")
    sent = approver.post(form["action"], approver_form(form))
    assert sent.status == 303
    assert current(secretariat_client, in_review["id"]).json["status"] == "draft"
    set_status(secretariat_client, in_review["id"], "in_review")
    page = approver.get(page_url(in_review["id"]))
    form = page.soup.find("button", string="Approve").find_parent("form")
    assert approver.post(form["action"], approver_form(form)).status == 303
    assert current(secretariat_client, in_review["id"]).json["status"] == "approved"
    # Publishing is the secretariat's: not offered to the approver, refused if sent.
    page = approver.get(page_url(in_review["id"]))
    assert "Publish" not in buttons(page)
    refused = approver.post(page_url(in_review["id"], "/status"), {"status": "published"})
    assert refused.status == 403
    assert current(secretariat_client, in_review["id"]).json["status"] == "approved"


def approver_form(form) -> dict[str, str]:
    return {field["name"]: field.get("value", "")
            for field in form.select("input[name]") if field["name"] != "csrf_token"}


def test_a_drafter_is_not_offered_approve_and_is_refused_anyway(app, in_review,
                                                               secretariat_client):
    desk = browser_for_role(app, Role.SECRETARIAT, "desk@example.org")
    page = desk.get(page_url(in_review["id"]))
    shown = buttons(page)
    assert "Approve" not in shown and "Send back" not in shown
    assert "Back to draft" in shown  # the secretariat may still withdraw its text
    assert "The text awaits the approver's decision." in page.text
    assert "Edit section II" in page.text
    refused = desk.post(page_url(in_review["id"], "/status"), {"status": "approved"})
    assert refused.status == 403
    assert "Only the chair's designated approver" in refused.text
    assert current(secretariat_client, in_review["id"]).json["status"] == "in_review"


def test_an_admin_may_approve_when_nobody_is_named(app, drafted, secretariat_client):
    set_status(secretariat_client, drafted["id"], "in_review")
    admin = browser_for_role(app, Role.ADMIN, "admin@example.org")
    assert "Approve" in buttons(admin.get(page_url(drafted["id"])))
    desk = browser_for_role(app, Role.SECRETARIAT, "desk@example.org")
    assert "Approve" not in buttons(desk.get(page_url(drafted["id"])))


def test_a_reader_sees_no_write_buttons(app, in_review, secretariat_client):
    reader = browser_for_role(app, Role.VIEWER, "reader@example.org")
    pages = [page_url(in_review["id"]), page_url(in_review["id"], "/comments"),
             page_url(in_review["id"], "/revisions/1"), f"{PAGES}/{SLUG}/statements",
             f"{PAGES}/"]
    for url in pages:
        page = reader.get(url)
        assert page.status == 200, url
        assert write_forms(page) == [], (url, [f.get("action") for f in write_forms(page)])
        assert not page.soup.select("main textarea"), url
    assert "Edit section" not in reader.get(page_url(in_review["id"])).text
    assert reader.get(f"{PAGES}/").soup.find(id="awaiting") is None
    # Refused when sent anyway, and nothing changes.
    key = in_review["sections"][1]["key"]
    for path, data in (("/status", {"status": "approved"}), ("/status", {"status": "draft"}),
                       ("/suggestions", {"section_key": key, "paragraph": "1",
                                         "proposed_text": "A reader's text."}),
                       ("/comments", {"section_key": key, "body": "A reader's view."})):
        assert reader.post(page_url(in_review["id"], path), data).status == 403, path
    assert current(secretariat_client, in_review["id"]).json["status"] == "in_review"
    assert secretariat_client.get(statement_url(in_review["id"], "/suggestions")).json == []


# Suggestions start from the text and show their change ------------------------------------

def suggestion_form(page, key: str, paragraph: int):
    box = page.soup.find("textarea", id=f"suggest-{key}-{paragraph}-proposed_text")
    assert box is not None, [t.get("id") for t in page.soup.find_all("textarea")]
    return box, box.find_parent("form")


def test_a_suggestion_starts_from_the_paragraph_and_shows_its_change(app, in_review):
    approver = Browser(app.test_client())
    approver.sign_in(in_review["approver_email"])
    key = in_review["sections"][1]["key"]
    review = approver.get(page_url(in_review["id"], "/comments"))
    for number, paragraph in enumerate(SECTION_2, start=1):
        box, _ = suggestion_form(review, key, number)
        assert box.get_text() == paragraph
        label = review.soup.find("label", attrs={"for": box["id"]})
        assert label.get_text(strip=True) == f"Your text for paragraph {number} of section II"
    box, form = suggestion_form(review, key, 2)
    values = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    values["proposed_text"] = box.get_text().replace("information on irregular",
                                                     "timely information on irregular")
    values["proposed_text"] = values["proposed_text"].replace("routes.", "corridors.")
    made = approver.post(form["action"], values)
    assert made.status == 303, made.text[:500]
    shown = approver.get(made.response.headers["Location"])
    item = shown.soup.select_one('li[id^="suggestion-"]')
    assert [i.get_text(strip=True) for i in item.find_all("ins")] == ["timely", "corridors."]
    assert [d.get_text(strip=True) for d in item.find_all("del")] == ["routes."]


def test_a_chinese_suggestion_marks_the_changed_characters(app, drafted, secretariat_client):
    created = create_statement(secretariat_client, language="zh", content=content(
        sections=[[CHINESE]], title="主席声明", dateline=None)).json
    desk = browser_for_role(app, Role.SECRETARIAT, "desk@example.org")
    key = created["sections"][0]["key"]
    review = desk.get(page_url(created["id"], "/comments"))
    box, form = suggestion_form(review, key, 1)
    assert box.get_text() == CHINESE
    assert box["lang"] == "zh"
    values = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    values["proposed_text"] = CHINESE.replace("加强合作", "深化交流").replace("非法", "非正常")
    shown = desk.post(form["action"], values, follow=True)
    assert shown.status == 200
    item = shown.soup.select_one('li[id^="suggestion-"]')
    assert [d.get_text() for d in item.find_all("del")] == ["加强合作", "法"]
    assert [i.get_text() for i in item.find_all("ins")] == ["深化交流", "正常"]
    # The rest of the sentence stands unmarked on both sides.
    sides = item.select(".diff p")
    assert sides[0].get_text() == CHINESE
    assert "，共同应对非" in sides[1].get_text()


def test_a_suggestion_outrun_by_an_edit_says_so(app, in_review, secretariat_client):
    desk = browser_for_role(app, Role.SECRETARIAT, "desk@example.org")
    key = in_review["sections"][1]["key"]
    review = desk.get(page_url(in_review["id"], "/comments"))
    box, form = suggestion_form(review, key, 1)
    values = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    values["proposed_text"] = box.get_text() + " Again."
    assert desk.post(form["action"], values).status == 303
    latest = current(secretariat_client, in_review["id"])
    response = secretariat_client.put(
        statement_url(in_review["id"], f"/sections/{key}"),
        json={"paragraphs": ["Changed meanwhile.", SECTION_2[1]]},
        headers={"If-Match": latest.headers["ETag"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    page = desk.get(page_url(in_review["id"], "/comments"))
    item = page.soup.select_one('li[id^="suggestion-"]')
    assert "The paragraph changed since this suggestion was made" in item.get_text()
