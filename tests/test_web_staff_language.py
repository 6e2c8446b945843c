"""Staff pages in the language of the person reading them: an organizer's own setting (the
account page, or PATCH /api/v1/auth/me), else the browser's Accept-Language, and ?lang= for
one page. The organizer and secretariat pages are written through gettext, so the Chinese
catalog turns every label, button, status and message into Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from _attendance import SLUG, invite, open_edition, organization
from _statements import SLUG as STATEMENT_SLUG
from _statements import draft
from _web import Browser, browser_for_role
from conftest import PASSWORD, login, make_user

from eventhub import dates
from eventhub.auth.models import Role
from eventhub.extensions import db

MANAGE = f"/manage/{SLUG}"


def html_lang(page) -> str:
    return page.soup.find("html")["lang"]


def signed_in(app, role: Role, language: str | None = None) -> tuple[Browser, str]:
    """A browser signed in as a new user of the role, with the language setting stored
    through the API (as any client would)."""
    email = make_user(app, role)
    if language is not None:
        api = app.test_client()
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login(app, email)}"
        response = api.patch("/api/v1/auth/me", json={"language": language})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["language"] == language
    browser = Browser(app.test_client())
    browser.sign_in(email)
    return browser, email


# The organizer's own setting --------------------------------------------------------

def test_an_organizer_with_chinese_set_reads_the_manage_pages_in_chinese(app,
                                                                        organizer_client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    invitation = invite(organizer_client, org["id"])
    organizer, _email = signed_in(app, Role.ORGANIZER, "zh")

    dashboard = organizer.get("/manage/")
    assert dashboard.status == 200
    assert html_lang(dashboard) == "zh"
    assert dashboard.soup.find("h1").get_text() == "届次"
    assert "状态： 开放" in dashboard.text
    assert "已邀请" in dashboard.text and "国家和地区" in dashboard.text

    overview = organizer.get(f"{MANAGE}/")
    assert "出席情况" in overview.text
    nav = [a.get_text() for a in overview.soup.select("nav.actions a")]
    assert [t for t in nav if t in ("概况", "邀请函", "注册", "议程", "签到")] == [
        "概况", "邀请函", "注册", "议程", "签到"]
    assert "届次设置" in nav
    assert "尚未发送的邀请函草稿：1份" in overview.text

    listing = organizer.get(f"{MANAGE}/invitations")
    assert listing.status == 200
    headers = [th.get_text() for th in listing.soup.select("thead th")]
    assert headers[:3] == ["机构", "国家或地区", "联络人"]
    assert "共1份邀请函。" in listing.text
    row = listing.soup.select_one("tbody tr")
    assert row.select_one("span.status").get_text() == "草稿"
    send = row.select_one("button[type=submit]")
    assert send.get_text() == "发送"
    assert send["aria-label"] == "发送致Immigration Bureau of Thailand的邀请函"
    assert listing.soup.find("h2", id="new-invitation").get_text() == "邀请机构"
    # The deadline as the focal point reads it too: the edition's zone, named in Chinese.
    deadline = dt.datetime.fromisoformat(invitation["deadline"])
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        expected = dates.moment(deadline, "Asia/Shanghai")
    assert expected in listing.text
    assert "中国" in expected  # the zone, named in Chinese

    sent = organizer.post(f"{MANAGE}/invitations/send-drafts", follow=True)
    assert "已发送1份邀请函草稿。" in sent.text


def test_the_programme_editor_in_chinese(app, organizer_client):
    open_edition(organizer_client)
    organizer, _email = signed_in(app, Role.ORGANIZER, "zh")
    page = organizer.get(f"{MANAGE}/programme")
    assert html_lang(page) == "zh"
    assert page.soup.find("h2", id="add-item").get_text() == "添加议程项目"
    kinds = [o.get_text() for o in page.soup.select("#f-kind option")]
    assert "分组会议" in kinds and "全体会议" in kinds
    assert "此为工作稿；尚未发布任何版本。" in page.text

    added = organizer.post(f"{MANAGE}/programme/items", {
        "kind": "plenary", "title": "Opening plenary", "starts_at": "2030-11-20T09:00",
        "ends_at": "2030-11-20T10:30"}, follow=True)
    assert "已添加至议程：Opening plenary" in added.text
    row = added.soup.select_one("tbody tr")
    when = row.find("td").get_text()
    assert when.startswith("2030年11月20日周三") and "09:00" in when and "10:30" in when
    assert row.select_one("span.status").get_text() == "按计划进行"


def test_a_refused_form_shows_the_chinese_field_message(app):
    organizer, _email = signed_in(app, Role.ORGANIZER, "zh")
    organizer.get("/account/password")
    refused = organizer.post("/account/password", {
        "current_password": PASSWORD, "new_password": "another long passphrase",
        "confirm_password": "a different passphrase"})
    assert refused.status == 422
    message = refused.soup.select_one("#f-confirm_password-error").get_text()
    assert message == "两次输入的新密码不一致。"
    assert refused.soup.find("h1").get_text() == "修改密码"


def test_a_refused_programme_form_is_answered_in_chinese(app, organizer_client):
    open_edition(organizer_client)
    organizer, _email = signed_in(app, Role.ORGANIZER, "zh")
    organizer.get(f"{MANAGE}/programme")
    refused = organizer.post(f"{MANAGE}/programme/items", {"kind": "plenary", "title": ""})
    assert refused.status == 422
    assert refused.soup.select_one("#f-title-error") is not None
    assert html_lang(refused) == "zh"
    assert refused.soup.find("h2", id="add-item").get_text() == "添加议程项目"


# The browser's language ---------------------------------------------------------------

def test_a_secretariat_user_with_a_chinese_browser_reads_the_secretariat_in_chinese(
        app, organizer_client, secretariat_client):
    statement_id = draft(organizer_client, secretariat_client).json["id"]
    secretariat, _email = signed_in(app, Role.SECRETARIAT)
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}

    listing = secretariat.get(f"/secretariat/{STATEMENT_SLUG}/statements", headers=chinese)
    assert listing.status == 200
    assert html_lang(listing) == "zh"
    headers = [th.get_text() for th in listing.soup.select("thead th")]
    assert headers == ["标题", "类型", "语言", "状态", "最新修订版本", "链接"]
    cells = [td.get_text(" ", strip=True) for td in listing.soup.select("tbody td")]
    assert cells[:3] == ["主席声明", "English", "草稿"]
    assert "根据记录起草主席声明" in listing.text

    page = secretariat.get(f"/secretariat/{STATEMENT_SLUG}/statements/{statement_id}",
                           headers=chinese)
    status = page.soup.select_one("main p span.status")
    assert status.get_text() == "草稿"
    assert "状态：草稿。" in status.parent.get_text()
    assert [b.get_text() for b in page.soup.select("main form.inline button")] == ["提交审阅"]
    assert "第I部分" in page.text

    submitted = secretariat.post(
        f"/secretariat/{STATEMENT_SLUG}/statements/{statement_id}/status",
        {"status": "in_review"}, headers=chinese, follow=True)
    assert "文件已提交审阅。" in submitted.text

    fact_check = secretariat.get(
        f"/secretariat/{STATEMENT_SLUG}/statements/{statement_id}/fact-check",
        headers=chinese)
    assert fact_check.status == 200
    assert "全部核对项（按文中顺序）" in fact_check.text

    # Without the header the same user reads English: no setting is stored.
    english = secretariat.get(f"/secretariat/{STATEMENT_SLUG}/statements")
    assert html_lang(english) == "en"
    assert "Draft the Chair's Statement from the record" in english.text


def test_an_empty_section_is_refused_in_chinese(app, organizer_client, secretariat_client):
    statement = draft(organizer_client, secretariat_client).json
    secretariat, _email = signed_in(app, Role.SECRETARIAT, "zh")
    key = statement["sections"][0]["key"]
    url = f"/secretariat/{STATEMENT_SLUG}/statements/{statement['id']}/sections/{key}"
    form = secretariat.get(url)
    refused = secretariat.post(url, {"paragraphs": "  \n\n ", "note": "",
                                     "revision": form.form_values("main form")["revision"]})
    assert refused.status == 422
    assert refused.soup.select_one("#f-paragraphs-error").get_text() == "请至少填写一个段落。"


# The account page -----------------------------------------------------------------------

def test_the_account_page_sets_the_language_and_the_next_page_follows_it(app):
    organizer, email = signed_in(app, Role.ORGANIZER)

    account = organizer.get("/account")
    assert account.status == 200
    options = [(o["value"], o.get_text()) for o in account.soup.select("#f-language option")]
    assert options == [("", "Follow my browser"), ("en", "English"), ("zh", "中文")]
    assert account.soup.select_one("#f-language option[selected]")["value"] == ""

    saved = organizer.post("/account/language", {"language": "zh"})
    assert saved.status == 303
    after = organizer.get(saved.response.headers["Location"])
    assert html_lang(after) == "zh"
    assert "您的页面语言已改为中文。" in after.text
    assert after.soup.select_one("#f-language option[selected]")["value"] == "zh"

    dashboard = organizer.get("/manage/")
    assert html_lang(dashboard) == "zh"
    assert dashboard.soup.find("h1").get_text() == "届次"

    # ?lang= shows one page in the language it names; the setting stays.
    english = organizer.get("/manage/?lang=en")
    assert html_lang(english) == "en"
    assert english.soup.find("h1").get_text() == "Editions"
    assert organizer.get("/manage/").soup.find("h1").get_text() == "届次"

    # The setting outranks the browser's language.
    assert html_lang(organizer.get("/manage/", headers={"Accept-Language": "en"})) == "zh"

    # Following the browser again clears the setting.
    cleared = organizer.post("/account/language", {"language": ""}, follow=True)
    assert "Your pages now follow the language of your browser." in cleared.text
    assert html_lang(organizer.get("/manage/")) == "en"
    assert html_lang(organizer.get("/manage/", headers={"Accept-Language": "zh"})) == "zh"

    with app.app_context():
        stored = db.session.scalar(sa.text("SELECT language FROM users WHERE email = :e"),
                                   {"e": email})
    assert stored is None


def test_a_language_not_offered_is_refused_on_the_account_page(app):
    organizer, _email = signed_in(app, Role.ORGANIZER, "zh")
    organizer.get("/account")
    refused = organizer.post("/account/language", {"language": "tlh"})
    assert refused.status == 422
    message = refused.soup.select_one("#f-language-error").get_text()
    assert message.startswith("请从以下可选语言中选择")


# The API -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["fr", "", "ZH", 7])
def test_the_api_refuses_a_language_that_is_not_offered(app, value):
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = \
        f"Bearer {login(app, make_user(app, Role.VIEWER))}"
    response = api.patch("/api/v1/auth/me", json={"language": value})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.json["errors"]] == ["language"]


def test_the_api_reads_and_clears_the_setting(app):
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = \
        f"Bearer {login(app, make_user(app, Role.VIEWER))}"
    assert api.get("/api/v1/auth/me").json["language"] is None
    assert api.patch("/api/v1/auth/me", json={"language": "zh"}).json["language"] == "zh"
    assert api.get("/api/v1/auth/me").json["language"] == "zh"
    # The setting is for pages: the API still answers in the request's language.
    problem = api.patch("/api/v1/auth/me", json={"language": "fr"})
    assert problem.headers["Content-Language"] == "en"
    assert api.patch("/api/v1/auth/me", json={"language": None}).json["language"] is None
    assert api.patch("/api/v1/auth/me", json={}).status_code == 422
    assert app.test_client().patch("/api/v1/auth/me", json={"language": "zh"}
                                   ).status_code == 401


def test_the_setting_is_read_once_per_page(app, organizer_client):
    open_edition(organizer_client)
    organizer, _email = signed_in(app, Role.ORGANIZER, "zh")
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "users.language" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = organizer.get(f"{MANAGE}/invitations")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert html_lang(page) == "zh"
    assert len(seen) == 1, seen


def test_a_viewer_is_refused_in_chinese(app, organizer_client):
    open_edition(organizer_client)
    viewer = browser_for_role(app, Role.VIEWER)
    viewer.get(f"{MANAGE}/invitations")
    refused = viewer.post(f"{MANAGE}/invitations/send-drafts",
                          headers={"Accept-Language": "zh"})
    assert refused.status == 403
    assert "您的角色（只读用户）无权管理邀请函、代表团和注册。" in refused.text


# The catalog ------------------------------------------------------------------------------

STAFF_SOURCES = ("eventhub/web/manage.py", "eventhub/web/secretariat.py",
                 "eventhub/web/account.py", "eventhub/web/common.py",
                 "eventhub/web/templates/manage/", "eventhub/web/templates/secretariat/",
                 "eventhub/web/templates/account/")


def test_every_text_of_the_staff_pages_has_a_chinese_translation():
    from eventhub.i18n_cli import catalog_paths, extract_catalog, untranslated

    template = extract_catalog()
    staff = [message for message in template if message.id and any(
        location.startswith(STAFF_SOURCES) for location, _line in message.locations)]
    assert len(staff) > 300
    for message in list(template):
        if message.id and message not in staff:
            del template[message.id]
    assert untranslated(template, catalog_paths()["zh"]) == []
