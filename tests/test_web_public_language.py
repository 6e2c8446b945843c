"""The public archive in the reader's language: chosen with the switch on every page (kept
in a cookie), or by the browser's Accept-Language; the page says which language it is in,
and the edition's own words fall back visibly where no translation is stored."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from _web import Browser, Page

SLUG = "2024-suzhou"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def public(app) -> Browser:
    return Browser(app.test_client())


def public_pages(browser: Browser) -> list[str]:
    """Every kind of public page of the 2024 record: the editions, an edition, its
    statement, participation across editions, an organization, and an edition the
    archive does not have (a 404 page)."""
    edition = browser.get(f"/editions/{SLUG}")
    statement = edition.soup.select_one(f"a[href^='/editions/{SLUG}/statements/']")["href"]
    history = browser.get("/history")
    organization = history.soup.select_one("a[href^='/history/organizations/']")["href"]
    return ["/", f"/editions/{SLUG}", statement, "/history", organization,
            "/editions/no-such-edition"]


def switch(page: Page) -> dict[str, dict[str, str]]:
    """The language switch: language code -> its link (href, or none for the language of
    the page, which is marked current) and its label."""
    nav = page.soup.find("nav", attrs={"class": "languages"})
    assert nav is not None, page.text[:300]
    entries = {}
    for item in nav.find_all("li"):
        marked = item.find(attrs={"lang": True})
        entries[marked["lang"]] = {"href": marked.get("href"), "label": marked.get_text(),
                                   "current": marked.get("aria-current")}
    return entries


def test_every_public_page_has_the_switch_to_the_same_page_in_each_language(seeded, public):
    for url in public_pages(public):
        page = public.get(url)
        entries = switch(page)
        assert set(entries) == {"en", "zh"}, url
        assert entries["en"]["current"] == "true" and entries["en"]["href"] is None, url
        assert entries["en"]["label"] == "English" and entries["zh"]["label"] == "中文", url
        target = urlsplit(entries["zh"]["href"])
        assert target.path == urlsplit(url).path, url
        assert parse_qs(target.query)["lang"] == ["zh"], url
        assert page.soup.find("nav", attrs={"class": "languages"})["aria-label"] == \
            "Language", url


def test_the_switch_shows_the_page_in_chinese_and_keeps_the_choice(seeded, public):
    home = public.get("/")
    chinese = public.get(switch(home)["zh"]["href"])
    assert chinese.status == 200
    assert chinese.soup.html["lang"] == "zh"
    assert "移民管理合作分论坛" in chinese.soup.h1.get_text()
    assert chinese.soup.select_one("a.skip").get_text() == "跳到正文"
    assert "历届会议" in chinese.text and "Editions" not in chinese.text
    cookie = chinese.response.headers["Set-Cookie"]
    assert cookie.startswith("eventhub_lang=zh;") and "Path=/" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The next pages carry no ?lang= and stay in Chinese.
    history = public.get("/history")
    assert history.soup.html["lang"] == "zh"
    assert "历届参会情况" in history.soup.h1.get_text()
    assert switch(history)["zh"]["current"] == "true"
    # English again by the switch.
    english = public.get(switch(history)["en"]["href"])
    assert english.soup.html["lang"] == "en"
    assert "eventhub_lang=en;" in english.response.headers["Set-Cookie"]
    assert public.get("/").soup.html["lang"] == "en"


def test_the_cookie_alone_gives_chinese_pages(seeded, app):
    browser = Browser(app.test_client())
    browser.client.set_cookie("eventhub_lang", "zh")
    page = browser.get(f"/editions/{SLUG}")
    assert page.soup.html["lang"] == "zh"
    for text in ("参会机构", "议程", "主席声明", "2024年9月9日"):
        assert text in page.text, text
    assert "Set-Cookie" not in page.response.headers  # nothing new to remember


def test_accept_language_gives_chinese_pages(seeded, public):
    page = public.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert page.soup.html["lang"] == "zh"
    assert "历届会议" in page.text and "2024年9月9日" in page.text
    assert "Set-Cookie" not in page.response.headers
    # An explicit choice outranks the browser's.
    assert public.get("/?lang=en", headers={"Accept-Language": "zh"}).soup.html["lang"] == "en"


def test_chinese_pages_mark_english_words_of_the_edition_as_a_fallback(seeded, public):
    """No Chinese title is stored for 2024 (the source is English): the Chinese page shows
    the English title, marked as English, with a note in Chinese."""
    page = public.get(f"/editions/{SLUG}?lang=zh")
    heading = page.soup.h1
    title = heading.find("span", attrs={"lang": "en"})
    assert title is not None and title.get_text().startswith("Sub-Forum")
    assert heading.find("small").get_text() == "（英语）"
    english = public.get(f"/editions/{SLUG}?lang=en").soup.h1
    assert english.find("span") is None and english.find("small") is None


def test_chinese_pages_give_dates_numbers_and_times_the_chinese_way(seeded, public):
    page = public.get(f"/editions/{SLUG}?lang=zh")
    facts = " ".join(page.soup.select_one("dl.facts").get_text().split())
    assert "2024年9月9日" in facts and "10日" in facts
    assert "第1届" in facts
    assert "September" not in page.text
    # Programme times are local to the edition, with the zone named in Chinese.
    assert "中国时间" in page.text or "中国标准时间" in page.text


def test_every_public_page_in_chinese_keeps_its_page_furniture_in_chinese(seeded, public):
    for url in public_pages(public):
        separator = "&" if "?" in url else "?"
        page = public.get(f"{url}{separator}lang=zh")
        assert page.soup.html["lang"] == "zh", url
        assert page.soup.select_one("a.skip").get_text() == "跳到正文", url
        footer = page.soup.find("footer").get_text(strip=True)
        assert footer == "移民管理合作分论坛", url
        nav = page.soup.find("nav", attrs={"class": "languages"})
        assert nav["aria-label"] == "语言", url
        assert CJK.search(page.soup.h1.get_text()) or url.startswith(("/history/org",
                                                                     "/editions/2024")), url
