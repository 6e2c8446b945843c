"""In a real browser (Chromium through Selenium), every page of the staff (an organizer and
a secretariat officer, signed in through the sign-in form), of a focal point (a real
invitation link) and of the public, shown in Chinese, holds no English text but data
(issue 14, acceptance): what the browser shows (document.body.innerText, the title, and
the attributes a person reads) minus data (tests/_i18n.py: names, titles, codes, e-mails,
numbers, dates, the few names of ALLOWED_WORDS) has no word of 3 or more Latin letters.

The failure lists each page and each line of text left over. Screenshots of a few of the
Chinese pages are left in artifacts/screenshots/ (names ending in -zh.png)."""

from __future__ import annotations

from _browser import screenshot, wait_for_next_page
from _i18n import (
    ALLOWED_WORDS,
    QUOTING_PAGES,
    build_record,
    page_visits,
    recognizer_for,
    with_query,
)
from conftest import PASSWORD
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

LANGUAGE = "zh"

# Attributes a person reads, and the shown value of buttons made with <input>, of every
# element the page does not hide.
READ_ATTRIBUTES = """
const texts = [];
for (const element of document.querySelectorAll('body *')) {
  if (element.closest('[hidden], [aria-hidden=true], script, style, template')) continue;
  for (const name of ['title', 'alt', 'placeholder', 'aria-label', 'aria-description']) {
    const value = element.getAttribute(name);
    if (value && value.trim()) texts.push([name, value]);
  }
  if (element.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(element.type)
      && element.value) texts.push(['value', element.value]);
}
return texts;
"""

# The first page of each of these endpoints is photographed.
SCREENSHOTS = {
    "web_manage.dashboard": "organizer-dashboard-zh",
    "web_manage.registration_list": "organizer-registrations-zh",
    "web_manage.invitation_list": "organizer-invitations-zh",
    "web_rsvp.delegation": "focal-point-delegation-zh",
    "web_public.edition": "public-edition-2024-zh",
    "web_public.statement": "public-statement-2024-zh",
    "web_secretariat.statement": "secretariat-statement-zh",
}


def sign_in(driver: WebDriver, base: str, email: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login?lang={LANGUAGE}")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    form = driver.find_element(By.CSS_SELECTOR, "form[action$='/login']")
    old_page = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
    wait_for_next_page(driver, old_page)
    assert driver.find_elements(By.CSS_SELECTOR, "form[action$='/logout']"), (
        f"{email} is not signed in: {driver.find_element(By.TAG_NAME, 'body').text[:300]}")


def shown_texts(driver: WebDriver) -> list[tuple[str, str]]:
    """(where, text): "title", "text" for each line of the body, or an attribute's name."""
    lines = [("title", driver.title)]
    lines.extend(("text", line) for line in
                 driver.execute_script("return document.body.innerText").split("\n"))
    lines.extend((name, value) for name, value in driver.execute_script(READ_ATTRIBUTES))
    return [(where, " ".join(text.split())) for where, text in lines if text.strip()]


def test_every_page_in_chinese_holds_no_english_but_data(
        app, seeded, browser, live_server, organizer_client, secretariat_client,
        admin_client, client):
    record = build_record(app, organizer_client, secretariat_client, admin_client, client)
    data = recognizer_for(app, LANGUAGE)
    visits = page_visits(app, record)
    report: list[str] = []
    shots = []
    photographed: set[str] = set()
    # Each audience in turn in the one browser, staff through the sign-in form.
    for audience in ("public", "focal point", "organizer", "secretariat"):
        if audience in record.staff:
            sign_in(browser, live_server, record.staff[audience])
        else:
            browser.delete_all_cookies()
        for visit in (v for v in visits if v.audience == audience):
            browser.get(live_server + with_query(visit.url, lang=LANGUAGE))
            lang = browser.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""
            where = f"{visit.url} ({audience})"
            if not lang.startswith(LANGUAGE):
                report.append(f"{where}: <html lang={lang!r}>")
            seen: dict[str, int] = {}
            for kind, line in shown_texts(browser):
                words = data.english_words(line, quoting=visit.endpoint in QUOTING_PAGES)
                if words:
                    shown = "" if kind == "text" else f"[{kind}] "
                    key = f"{where}: {shown}“{line}” ({', '.join(words)})"
                    seen[key] = seen.get(key, 0) + 1
            report.extend(key if n == 1 else f"{key} ×{n}" for key, n in seen.items())
            name = SCREENSHOTS.get(visit.endpoint)
            if name and name not in photographed:
                photographed.add(name)
                shots.append(screenshot(browser, name))
    assert len(shots) >= 5 and all(path.exists() for path in shots)
    assert not report, (f"{len(report)} English texts on {len(visits)} pages shown in Chinese "
                        f"(data and {sorted(ALLOWED_WORDS)} aside):\n" + "\n".join(report))
