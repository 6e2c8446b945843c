"""The focal point's pages, reached by the invitation link (no account): the invitation in
English or Chinese, accept, decline, the delegation form, the note verbale, passport
details for a visa letter, and the refusals of dead or forged links."""

from __future__ import annotations

import io
import re

import pytest
from _attendance import (
    EDITION_URL,
    MINIMAL_PDF,
    RSVP_URL,
    accepted_invitation,
    open_edition,
    organization,
    sent_invitation,
    set_deadline_passed,
)
from _web import Browser

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def edition(organizer_client) -> dict:
    return open_edition(organizer_client)


@pytest.fixture
def org(organizer_client) -> dict:
    return organization(organizer_client, "Ministry of Foreign Affairs", "TH")


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app.test_client())


def api_view(client, token: str) -> dict:
    response = client.get(f"{RSVP_URL}/{token}")
    assert response.status_code == 200, response.json
    return response.json


def member_rows(*members: dict) -> dict[str, str]:
    """Form fields for the delegation page, one row per member."""
    data = {}
    for n, member in enumerate(members):
        for key, value in member.items():
            data[f"members-{n}-{key}"] = value
    return data


HEAD = {"full_name": "H.E. Ms. Suda Head", "email": "suda.head@mfa.example",
        "role": "head_of_delegation", "position": "Director-General",
        "attendance": "in_person"}
DEPUTY = {"full_name": "Mr. Niran Deputy", "email": "niran.deputy@mfa.example",
          "role": "delegate", "attendance": "in_person"}
EXPERT = {"full_name": "Dr. Anong Expert", "email": "anong.expert@mfa.example",
          "role": "expert", "attendance": "video"}
FOURTH = {"full_name": "Ms. Ploy Fourth", "email": "ploy.fourth@mfa.example",
          "role": "observer", "attendance": "in_person"}


@pytest.fixture
def accepted(app, organizer_client, client, edition, org) -> str:
    _, token = accepted_invitation(app, organizer_client, client, org["id"])
    return token


def field_error(page, name: str) -> str | None:
    """The message shown in the same box as the named field, if any."""
    box = page.soup.find(attrs={"name": name}).find_parent(class_="field")
    message = box.find(class_="field-error")
    return message.get_text(strip=True) if message else None


# The invitation -------------------------------------------------------------------------

def test_the_invitation_shows_in_english_with_what_the_focal_point_needs(
        app, organizer_client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    page = browser.get(f"/rsvp/{token}")
    assert page.status == 200
    assert page.soup.html["lang"] == "en"
    assert len(page.soup.find_all("h1")) == 1
    for text in ("Sub-Forum sfmmc-2025", "Ministry of Foreign Affairs", "Suzhou",
                 "Nov 20 – 21, 2030", "up to 3 people", "(China Time)",
                 "Awaiting your reply", "Dear Ms. Focal Point"):
        assert text in page.text, text
    buttons = [b.get_text(strip=True) for b in page.soup.find_all("button")]
    assert "Accept the invitation" in buttons and "Decline the invitation" in buttons
    assert page.soup.find("form", action=f"/rsvp/{token}/accept")["method"] == "post"
    switch = {a.get_text(strip=True): a["href"] for a in page.soup.select("nav a")}
    assert switch["中文"] == f"/rsvp/{token}?lang=zh"


def test_a_chinese_focal_point_reads_the_invitation_in_chinese(
        app, organizer_client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"], focal_point_language="zh")
    page = browser.get(f"/rsvp/{token}")
    assert page.status == 200
    assert page.soup.html["lang"] == "zh"
    for text in ("接受邀请", "谢绝邀请", "2030年11月20日", "最多3人", "待答复",
                 "尊敬的Ms. Focal Point"):
        assert text in page.text, text
    assert "Accept the invitation" not in page.text
    # ?lang=en overrides the invitation's language, and the links keep it.
    english = browser.get(f"/rsvp/{token}?lang=en")
    assert english.soup.html["lang"] == "en"
    assert "Accept the invitation" in english.text
    assert english.soup.find("form", action=f"/rsvp/{token}/accept?lang=en") is not None


def test_lang_zh_shows_an_english_invitation_in_chinese(
        app, organizer_client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    page = browser.get(f"/rsvp/{token}?lang=zh")
    assert page.soup.html["lang"] == "zh"
    assert "接受邀请" in page.text and "代表团名额" in page.text
    switch = {a.get_text(strip=True): a["href"] for a in page.soup.select("nav a")}
    assert switch["English"] == f"/rsvp/{token}?lang=en"


def test_the_pages_are_not_cached_and_leak_no_referrer(
        app, organizer_client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    for url in (f"/rsvp/{token}", f"/rsvp/{token}/decline", "/rsvp/forged-token"):
        headers = browser.get(url).response.headers
        assert headers["Cache-Control"] == "no-store", url
        assert headers["Referrer-Policy"] == "no-referrer", url
        assert "default-src 'none'" in headers["Content-Security-Policy"], url


# Accept and decline ---------------------------------------------------------------------

def test_accepting_redirects_to_the_invitation_with_a_thank_you(
        app, organizer_client, client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    browser.get(f"/rsvp/{token}")
    response = browser.post(f"/rsvp/{token}/accept")
    assert response.status == 303
    assert response.response.headers["Location"] == f"/rsvp/{token}"
    page = browser.get(f"/rsvp/{token}")
    assert "the invitation is accepted" in page.text
    assert "Accepted" in page.text
    assert "Accept the invitation" not in page.text
    assert "Register the delegation" in page.text
    assert api_view(client, token)["status"] == "accepted"


def test_declining_asks_first_then_declines_for_good(
        app, organizer_client, client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"], focal_point_language="zh")
    confirm = browser.get(f"/rsvp/{token}/decline")
    assert confirm.status == 200
    assert "确认谢绝邀请" in confirm.text
    assert api_view(client, token)["status"] == "sent"  # asking changed nothing
    response = browser.post(f"/rsvp/{token}/decline")
    assert response.status == 303
    page = browser.get(f"/rsvp/{token}")
    assert "已谢绝" in page.text
    assert api_view(client, token)["status"] == "declined"
    # Accepting afterwards is refused with a page in the focal point's language.
    refused = browser.post(f"/rsvp/{token}/accept")
    assert refused.status == 409
    assert "目前无法执行此操作" in refused.text
    assert refused.soup.find("a", href=f"/rsvp/{token}") is not None
    assert api_view(client, token)["status"] == "declined"


def test_a_post_without_the_csrf_token_is_refused(
        app, organizer_client, client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    browser.get(f"/rsvp/{token}")
    for action in ("accept", "decline", "delegation", "credential"):
        assert browser.post(f"/rsvp/{token}/{action}", csrf=False).status == 400, action
    assert api_view(client, token)["status"] == "sent"


# Dead and forged links ------------------------------------------------------------------

def test_an_expired_link_gives_a_410_page(app, organizer_client, browser, edition, org):
    invitation, token = sent_invitation(app, organizer_client, org["id"],
                                        focal_point_language="zh")
    set_deadline_passed(app, invitation["id"])
    # Without ?lang the page speaks the focal point's language; ?lang overrides it.
    page = browser.get(f"/rsvp/{token}")
    assert page.status == 410
    assert page.soup.html["lang"] == "zh"
    assert "链接已失效" in page.text and "本邀请的答复截止时间已过" in page.text
    english = browser.get(f"/rsvp/{token}?lang=en")
    assert english.status == 410
    assert "The response deadline of this invitation has passed." in english.text
    browser.get("/login")
    assert browser.post(f"/rsvp/{token}/accept").status == 410


def test_a_revoked_link_gives_a_410_page(app, organizer_client, browser, edition, org):
    invitation, token = sent_invitation(app, organizer_client, org["id"])
    response = organizer_client.post(f"{EDITION_URL}/invitations/{invitation['id']}/revoke")
    assert response.status_code == 200, response.json
    page = browser.get(f"/rsvp/{token}")
    assert page.status == 410
    assert "This link can no longer be used" in page.text
    assert "withdrawn by the organizers" in page.text
    assert browser.get(f"/rsvp/{token}/delegation").status == 410


def test_a_forged_link_gives_a_404_page_in_the_browser_language(app, browser, edition):
    page = browser.get("/rsvp/not-a-real-token-at-all")
    assert page.status == 404
    assert "This link is not valid" in page.text
    chinese = browser.get("/rsvp/not-a-real-token-at-all",
                          headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.status == 404
    assert chinese.soup.html["lang"] == "zh"
    assert "此邀请链接无效" in chinese.text


def test_an_archived_edition_refuses_every_change(
        app, organizer_client, client, browser, accepted):
    browser.get(f"/rsvp/{accepted}/delegation")
    assert browser.post(f"/rsvp/{accepted}/delegation", member_rows(HEAD)).status == 303
    for status in ("closed", "archived"):
        response = organizer_client.post(f"{EDITION_URL}/status", json={"status": status})
        assert response.status_code == 200, response.json
    page = browser.get(f"/rsvp/{accepted}")
    # The service closes the link of a closed or archived edition (410).
    assert page.status == 410
    assert "Registration for this edition has closed." in page.text
    refused = browser.post(f"/rsvp/{accepted}/delegation", member_rows(HEAD, DEPUTY))
    assert refused.status == 410
    names = [r["full_name"] for r in organizer_client.get(
        f"{EDITION_URL}/registrations").json]
    assert names == [HEAD["full_name"]]


# The delegation -------------------------------------------------------------------------

def test_the_delegation_form_has_one_fieldset_per_place(app, browser, accepted):
    page = browser.get(f"/rsvp/{accepted}/delegation")
    assert page.status == 200
    assert len(page.soup.find_all("fieldset")) == 3
    labels = [label.get_text(strip=True) for label in page.soup.find_all("label")]
    for text in ("Full name", "E-mail", "Position", "Role", "Attendance",
                 "Needs a visa support letter", "Dietary requirements",
                 "Accessibility needs"):
        assert labels.count(text) == 3, text
    assert page.soup.find("button", string="Save the delegation") is not None
    chinese = browser.get(f"/rsvp/{accepted}/delegation?lang=zh")
    assert "保存代表团名单" in chinese.text and "代表团团长" in chinese.text


def test_registering_three_members_then_amending_one(
        app, client, browser, accepted):
    browser.get(f"/rsvp/{accepted}/delegation")
    response = browser.post(f"/rsvp/{accepted}/delegation",
                            member_rows(HEAD, DEPUTY, EXPERT))
    assert response.status == 303
    assert response.response.headers["Location"] == f"/rsvp/{accepted}"
    page = browser.get(f"/rsvp/{accepted}")
    assert "The delegation is saved (3 members)." in page.text
    rows = page.soup.select("table tbody tr")
    assert [r.th.get_text(strip=True) for r in rows] == [
        HEAD["full_name"], DEPUTY["full_name"], EXPERT["full_name"]]
    assert "Head of delegation" in rows[0].get_text()
    members = api_view(client, accepted)["members"]
    assert [(m["full_name"], m["role"], m["attendance"]) for m in members] == [
        (HEAD["full_name"], "head_of_delegation", "in_person"),
        (DEPUTY["full_name"], "delegate", "in_person"),
        (EXPERT["full_name"], "expert", "video")]

    form = browser.get(f"/rsvp/{accepted}/delegation")
    values = form.form_values("form[method=post]")
    assert values["members-1-full_name"] == DEPUTY["full_name"]
    assert values["members-2-attendance"] == "video"
    values["members-1-position"] = "Counsellor"
    values["members-1-dietary"] = "Vegetarian"
    values["members-1-needs_visa_letter"] = "on"
    assert browser.post(f"/rsvp/{accepted}/delegation", values).status == 303
    members = api_view(client, accepted)["members"]
    assert len(members) == 3
    deputy = members[1]
    assert (deputy["position"], deputy["dietary"], deputy["needs_visa_letter"]) == (
        "Counsellor", "Vegetarian", True)
    assert members[0]["position"] == "Director-General"
    assert members[2]["attendance"] == "video"


def test_over_quota_is_refused_keeping_what_was_typed(app, client, browser, accepted):
    browser.get(f"/rsvp/{accepted}/delegation")
    page = browser.post(f"/rsvp/{accepted}/delegation",
                        member_rows(HEAD, DEPUTY, EXPERT, FOURTH))
    assert page.status == 422
    assert "The quota is 3 people; 4 were given." in page.soup.select_one(
        "#form-errors").get_text()
    values = page.form_values("form[method=post]")
    assert values["members-3-full_name"] == FOURTH["full_name"]
    assert values["members-3-email"] == FOURTH["email"]
    assert values["members-0-role"] == "head_of_delegation"
    assert api_view(client, accepted)["members"] == []


def test_an_invalid_email_is_shown_next_to_that_member(app, client, browser, accepted):
    form = browser.get(f"/rsvp/{accepted}/delegation?lang=zh")
    action = form.soup.find("form", method="post")["action"]
    assert action == f"/rsvp/{accepted}/delegation?lang=zh"
    bad = {**DEPUTY, "email": "not-an-address"}
    # An empty row between members is ignored; the message goes to the right row.
    page = browser.post(action,
                        {**member_rows(HEAD), **{f"members-2-{k}": v for k, v in bad.items()}})
    assert page.status == 422
    # marshmallow's message, in Chinese (its wording is the catalog's).
    message = field_error(page, "members-2-email")
    assert message and "Not a valid" not in message and re.search(r"[\u4e00-\u9fff]", message)
    assert field_error(page, "members-0-email") is None
    box = page.soup.find("input", attrs={"name": "members-2-email"})
    assert box["value"] == "not-an-address" and box["aria-invalid"] == "true"
    assert api_view(client, accepted)["members"] == []


def test_the_delegation_needs_an_accepted_invitation(
        app, organizer_client, client, browser, edition, org):
    _, token = sent_invitation(app, organizer_client, org["id"])
    form = browser.get(f"/rsvp/{token}/delegation")
    assert "Accept the invitation before registering the delegation." in form.text
    refused = browser.post(f"/rsvp/{token}/delegation", member_rows(HEAD))
    assert refused.status == 409
    assert api_view(client, token)["members"] == []
    early = upload(browser, token, MINIMAL_PDF, "note-verbale.pdf")
    assert early.status == 409
    assert "Accept the invitation before uploading" in early.soup.select_one(
        "[role=alert]").get_text()
    assert api_view(client, token)["credential"] is None


# The note verbale -----------------------------------------------------------------------

def upload(browser: Browser, token: str, content: bytes, filename: str):
    return browser.post(f"/rsvp/{token}/credential",
                        {"file": (io.BytesIO(content), filename)},
                        content_type="multipart/form-data")


def test_a_pdf_note_verbale_is_accepted(app, client, browser, accepted):
    page = browser.get(f"/rsvp/{accepted}")
    assert page.soup.find("label", string="Note verbale (PDF, PNG or JPEG)") is not None
    assert "Not uploaded yet" in page.text
    response = upload(browser, accepted, MINIMAL_PDF, "note-verbale.pdf")
    assert response.status == 303
    page = browser.get(f"/rsvp/{accepted}")
    assert "note-verbale.pdf" in page.text and "Awaiting review" in page.text
    credential = api_view(client, accepted)["credential"]
    assert credential["content_type"] == "application/pdf"


def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused(app, client, browser, accepted):
    browser.get(f"/rsvp/{accepted}")
    page = upload(browser, accepted, b"MZ\x90\x00 not a document", "note.pdf")
    assert page.status == 422
    assert field_error(page, "file") == "Upload a PDF, PNG or JPEG document."
    assert api_view(client, accepted)["credential"] is None
    empty = browser.post(f"/rsvp/{accepted}/credential", {})
    assert empty.status == 422
    assert field_error(empty, "file") == "Choose the file of the note verbale."


# Passport details for a visa support letter ---------------------------------------------

PASSPORT = "E12345678"


def test_passport_details_are_taken_and_never_shown_back(
        app, organizer_client, client, browser, accepted):
    browser.get(f"/rsvp/{accepted}/delegation")
    browser.post(f"/rsvp/{accepted}/delegation", member_rows(HEAD, DEPUTY))
    head_id = api_view(client, accepted)["members"][0]["registration_id"]
    url = f"/rsvp/{accepted}/members/{head_id}/visa"
    page = browser.get(url)
    assert page.status == 200
    assert HEAD["full_name"] in page.text

    bad = browser.post(url, {"passport_number": "e1", "nationality": "PL",
                             "date_of_birth": "1980-02-03", "passport_expiry": "2035-01-01"})
    assert bad.status == 422
    assert field_error(bad, "passport_number").startswith("Give 5 to 20 characters")
    assert bad.soup.find("input", attrs={"name": "passport_number"})["value"] == ""
    assert bad.soup.find("input", attrs={"name": "nationality"})["value"] == "PL"

    done = browser.post(url, {"passport_number": PASSPORT, "nationality": "PL",
                              "date_of_birth": "1980-02-03", "passport_expiry": "2035-01-01"})
    assert done.status == 303
    details = organizer_client.get(f"{EDITION_URL}/registrations/{head_id}/visa").json
    assert details["passport_number"] == PASSPORT
    again = browser.get(url)
    assert "Passport details are on file" in again.text
    assert PASSPORT not in again.html
    assert PASSPORT not in browser.get(f"/rsvp/{accepted}").html
    chinese = browser.get(f"{url}?lang=zh")
    assert "护照号码" in chinese.text and "护照信息已提交" in chinese.text
    wrong = browser.post(f"{url}?lang=zh", {"passport_number": PASSPORT, "nationality": "XX",
                                            "date_of_birth": "1980-02-03",
                                            "passport_expiry": "2030-11-21"})
    assert wrong.status == 422
    message = field_error(wrong, "nationality")
    assert "ISO 3166-1" in message and "Give an" not in message
    assert re.search(r"[\u4e00-\u9fff]", message)
    # The service's refusal, translated by its msgid (the catalog's wording).
    expiry = field_error(wrong, "passport_expiry")
    assert expiry.startswith("护照有效期须晚于") and "2030-11-21" in expiry
    assert PASSPORT not in wrong.html
    assert organizer_client.get(f"{EDITION_URL}/registrations/{head_id}/visa").json[
        "nationality"] == "PL"
    assert api_view(client, accepted)["members"][0]["needs_visa_letter"] is True


def test_another_delegation_member_is_not_found(
        app, organizer_client, client, browser, accepted):
    other_org = organization(organizer_client, "Ministry of Interior", "VN")
    _, other = accepted_invitation(app, organizer_client, client, other_org["id"])
    browser.get(f"/rsvp/{other}/delegation")
    browser.post(f"/rsvp/{other}/delegation",
                 member_rows({**HEAD, "email": "head@interior.example"}))
    other_id = api_view(client, other)["members"][0]["registration_id"]
    assert browser.get(f"/rsvp/{accepted}/members/{other_id}/visa").status == 404
    refused = browser.post(f"/rsvp/{accepted}/members/{other_id}/visa",
                           {"passport_number": PASSPORT, "nationality": "PL",
                            "date_of_birth": "1980-02-03", "passport_expiry": "2035-01-01"})
    assert refused.status == 404
    assert organizer_client.get(
        f"{EDITION_URL}/registrations/{other_id}/visa").status_code == 404


def test_names_and_emails_alone_register_a_head_and_a_delegate(app, client, browser, accepted):
    page = browser.get(f"/rsvp/{accepted}/delegation")
    values = page.form_values("form[method=post]")
    assert values["members-0-role"] == "head_of_delegation"
    assert values["members-1-role"] == values["members-2-role"] == "delegate"
    values.update({"members-0-full_name": "Somchai Rattanakorn",
                   "members-0-email": "somchai@example.org",
                   "members-1-full_name": "Malee Srisuk",
                   "members-1-email": "malee@example.org"})
    assert browser.post(f"/rsvp/{accepted}/delegation", values).status == 303
    members = api_view(client, accepted)["members"]
    assert [(m["full_name"], m["role"], m["attendance"], m["needs_visa_letter"])
            for m in members] == [
        ("Somchai Rattanakorn", "head_of_delegation", "in_person", False),
        ("Malee Srisuk", "delegate", "in_person", False)]


# Breakout sessions ----------------------------------------------------------------------

def test_members_are_signed_up_for_a_breakout_session_within_its_places(
        app, admin_client, organizer_client, client, browser, accepted):
    response = admin_client.post(f"{EDITION_URL}/programme/items", json={
        "kind": "breakout_session", "title": "Breakout I: Border management",
        "starts_at": "2030-11-20T14:00:00", "ends_at": "2030-11-20T15:30:00",
        "room": "Hall B", "capacity": 1})
    assert response.status_code == 201, response.json
    item_id = response.json["id"]
    assert admin_client.post(f"{EDITION_URL}/programme/versions",
                             json={"note": "First"}).status_code == 201
    empty = browser.get(f"/rsvp/{accepted}/sessions")
    assert "Breakout I: Border management" in empty.text
    assert "confirmed members only" in empty.text
    browser.get(f"/rsvp/{accepted}/delegation")
    browser.post(f"/rsvp/{accepted}/delegation", member_rows(HEAD, DEPUTY))
    head_id, deputy_id = [m["registration_id"] for m in api_view(client, accepted)["members"]]

    page = browser.get(f"/rsvp/{accepted}/sessions?lang=zh")
    assert "报名参加此会议" in page.text and "Hall B" in page.text
    assert "1 · 剩余1个" in page.soup.select_one(f"#session-{item_id} dl").get_text()
    action = f"/rsvp/{accepted}/sessions/{item_id}"
    done = browser.post(action, {"registration_id": str(head_id)})
    assert done.status == 303
    assert "Signed up for Breakout I: Border management." in browser.get(
        f"/rsvp/{accepted}/sessions").text
    places = browser.get(f"/rsvp/{accepted}/sessions").soup.select_one(f"#session-{item_id} dl")
    assert "1 · full" in places.get_text()
    full = browser.post(action, {"registration_id": str(deputy_id)})
    assert full.status == 409
    assert "is full (1 places)" in full.soup.select_one(".field-error").get_text()
    assert full.soup.find("option", selected=True)["value"] == str(deputy_id)
    counts = organizer_client.get(f"{EDITION_URL}/programme/attendance").json
    assert [(c["item_id"], c["signed_up"]) for c in counts] == [(item_id, 1)]


def test_the_delegation_sees_its_places_and_gives_one_up_for_another_member(
        app, admin_client, organizer_client, client, browser, accepted):
    item_id = admin_client.post(f"{EDITION_URL}/programme/items", json={
        "kind": "breakout_session", "title": "Breakout II: Document fraud",
        "starts_at": "2030-11-20T16:00:00", "ends_at": "2030-11-20T17:30:00",
        "capacity": 1}).json["id"]
    assert admin_client.post(f"{EDITION_URL}/programme/versions",
                             json={"note": "First"}).status_code == 201
    browser.get(f"/rsvp/{accepted}/delegation")
    browser.post(f"/rsvp/{accepted}/delegation", member_rows(HEAD, DEPUTY))
    head_id, deputy_id = [m["registration_id"] for m in api_view(client, accepted)["members"]]
    assert client.get(f"{RSVP_URL}/{accepted}/sessions").json == []

    assert browser.post(f"/rsvp/{accepted}/sessions/{item_id}",
                        {"registration_id": str(head_id)}).status == 303
    page = browser.get(f"/rsvp/{accepted}/sessions")
    places = page.soup.select_one(f"#session-{item_id} ul.signed-up")
    assert "H.E. Ms. Suda Head" in places.get_text()
    assert client.get(f"{RSVP_URL}/{accepted}/sessions").json == [{
        "item_id": item_id, "item_title": "Breakout II: Document fraud",
        "registration_id": head_id, "full_name": "H.E. Ms. Suda Head",
        "assigned_by_organizer": False}]

    # Another delegation's link cannot touch this place.
    other_org = organization(organizer_client, "Immigration Bureau", "KH")
    _, other = accepted_invitation(app, organizer_client, client, other_org["id"])
    assert client.delete(f"{RSVP_URL}/{other}/sessions/{item_id}/{head_id}").status_code == 404

    left = browser.post(f"/rsvp/{accepted}/sessions/{item_id}/leave",
                        {"registration_id": str(head_id)})
    assert left.status == 303
    page = browser.get(f"/rsvp/{accepted}/sessions")
    assert "The place is given up." in page.text
    assert page.soup.select_one(f"#session-{item_id} ul.signed-up") is None
    # The freed place goes to the deputy, whom the organizers then take out over the API.
    assert browser.post(f"/rsvp/{accepted}/sessions/{item_id}",
                        {"registration_id": str(deputy_id)}).status == 303
    assert client.delete(
        f"{RSVP_URL}/{accepted}/sessions/{item_id}/{deputy_id}").status_code == 204
    again = client.delete(f"{RSVP_URL}/{accepted}/sessions/{item_id}/{deputy_id}")
    assert again.status_code == 404
    assert "is not signed up" in again.json["detail"]

    assert admin_client.post(f"{EDITION_URL}/programme/items/{item_id}/signups",
                             json={"registration_id": head_id}).status_code == 201
    page = browser.get(f"/rsvp/{accepted}/sessions?lang=zh")
    assert "由主办方安排" in page.soup.select_one(f"#session-{item_id} ul.signed-up").get_text()


# In the focal point's language, every text of the page -----------------------------------

def test_the_deadline_is_shown_in_the_editions_zone_with_the_zone_named(
        app, organizer_client, browser, edition, org):
    """The organizers set the deadline in Beijing time; a focal point reads the same
    time, with the zone named, not UTC."""
    _, token = sent_invitation(app, organizer_client, org["id"],
                               deadline="2030-10-31T15:59:00+00:00")
    english = browser.get(f"/rsvp/{token}")
    facts = " ".join(english.soup.select_one("dl.facts").get_text().split())
    assert "Oct 31, 2030, 11:59 PM (China Time)" in facts
    assert "UTC" not in english.text and "3:59" not in english.text
    chinese = browser.get(f"/rsvp/{token}?lang=zh")
    facts = " ".join(chinese.soup.select_one("dl.facts").get_text().split())
    assert "2030年10月31日 23:59（中国时间）" in facts
    assert "请于2030年10月31日 23:59（中国时间）前答复。" in chinese.text


def test_a_chinese_focal_point_sees_validation_messages_in_chinese(
        app, organizer_client, client, browser, edition, org):
    _, token = accepted_invitation(app, organizer_client, client, org["id"],
                                   focal_point_language="zh")
    browser.get(f"/rsvp/{token}/delegation")
    page = browser.post(f"/rsvp/{token}/delegation", member_rows(
        {**HEAD, "full_name": "X" * 301}, {**DEPUTY, "email": "not-an-address"}))
    assert page.status == 422
    assert page.soup.html["lang"] == "zh"
    assert "请更正以下内容" in page.text
    for name in ("members-0-full_name", "members-1-email"):
        message = field_error(page, name)
        assert message and CJK.search(message), (name, message)
    for english in ("Longer than", "Not a valid", "Please correct"):
        assert english not in page.text, english


def test_a_session_clash_is_refused_in_chinese(
        app, admin_client, organizer_client, client, browser, edition, org):
    """A member already in a session at that time: the service's refusal reads in the
    focal point's language (its code decides, not its English sentence)."""
    _, token = accepted_invitation(app, organizer_client, client, org["id"],
                                   focal_point_language="zh")
    first, second = (admin_client.post(f"{EDITION_URL}/programme/items", json={
        "kind": "breakout_session", "title": title, "starts_at": "2030-11-20T14:00:00",
        "ends_at": "2030-11-20T15:30:00", "capacity": 10}).json["id"]
        for title in ("Breakout I: Border management", "Breakout II: Document fraud"))
    assert admin_client.post(f"{EDITION_URL}/programme/versions",
                             json={"note": "First"}).status_code == 201
    browser.get(f"/rsvp/{token}/delegation")
    browser.post(f"/rsvp/{token}/delegation", member_rows(HEAD, DEPUTY))
    head_id = api_view(client, token)["members"][0]["registration_id"]
    browser.get(f"/rsvp/{token}/sessions")
    assert browser.post(f"/rsvp/{token}/sessions/{first}",
                        {"registration_id": str(head_id)}).status == 303
    clash = browser.post(f"/rsvp/{token}/sessions/{second}", {"registration_id": str(head_id)})
    assert clash.status == 409
    assert clash.soup.html["lang"] == "zh"
    message = clash.soup.select_one(f"#session-{second} .field-error").get_text(strip=True)
    # The session times on the page are the edition's, the zone named in Chinese.
    when = clash.soup.select_one(f"#session-{second} dd").get_text()
    assert when == "2030年11月20日 14:00\u201315:30 (中国时间)"
    assert CJK.search(message) and "H.E. Ms. Suda Head" in message
    assert "already in" not in message and "at that time" not in message
