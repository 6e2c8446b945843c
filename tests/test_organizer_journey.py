"""Issue 15's acceptance, in a real browser and nothing else: from an empty database with
one admin account to a delegate checked in by the code of their badge's QR code.

The admin opens an edition, fills the directory, sends invitations; the worker (a real
`eventhub worker` process beside the server) delivers them to a real SMTP server; the
focal point follows the link in the received mail, accepts, registers a delegation of
three with a visa request and a note verbale, and picks a breakout session for them; the
organizer reviews the credential, confirms, issues the visa letter, prints badges,
publishes a programme with speakers, and checks a delegate in with the code read from the
QR code of the printed badge. The focal point works in Chinese (the invitation's
language), the organizer in English. No API call: every step is a page, a form or a file
the page links to. Screenshots of each step: artifacts/screenshots/journey-*.png.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from _badges import badge_codes_from_pdf
from _browser import PHONE, screenshot, wait_for_next_page
from conftest import PASSWORD, make_user
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from smtp import smtp_server  # noqa: F401  (fixture)

from eventhub.auth.models import Role
from eventhub.extensions import db
from eventhub.registrations.models import Registration

ROOT = Path(__file__).resolve().parent.parent
SLUG = "2027-lianyungang"
NOTE_VERBALE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# Browser steps -----------------------------------------------------------------------------

def click_and_wait(driver: WebDriver, element) -> None:
    old_page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_for_next_page(driver, old_page)


def submit(driver: WebDriver, form_selector: str) -> None:
    """Press the submit button of the form the selector finds (by its action: no page
    text is matched, so the same step works in any language)."""
    form = driver.find_element(By.CSS_SELECTOR, form_selector)
    click_and_wait(driver, form.find_element(By.CSS_SELECTOR,
                                             "button[type=submit], button:not([type])"))


def fill(driver: WebDriver, values: dict[str, str], within=None) -> None:
    scope = within or driver
    for name, value in values.items():
        box = scope.find_element(By.NAME, name)
        if box.tag_name == "select":
            Select(box).select_by_value(value)
        else:
            box.clear()
            box.send_keys(value)


def choose_by_text(driver: WebDriver, name: str, text: str) -> None:
    select = Select(driver.find_element(By.NAME, name))
    for option in select.options:
        if text in option.text:
            select.select_by_visible_text(option.text)
            return
    raise AssertionError(f"no option with {text!r} in {name}: {[o.text for o in select.options]}")


def page_text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def problems_shown(driver: WebDriver) -> list[str]:
    return [e.text for e in present(driver, ".field-error, .error-summary, [role=alert]")]


def present(driver: WebDriver, selector: str) -> list:
    """The elements there are now, without the driver's implicit wait (which an element
    that is rightly absent would cost in full)."""
    driver.implicitly_wait(0)
    try:
        return driver.find_elements(By.CSS_SELECTOR, selector)
    finally:
        driver.implicitly_wait(2)


def step(driver: WebDriver, name: str, *, size=None) -> None:
    """Every step ends on a page that refused nothing; its screenshot is kept."""
    assert not present(driver, "[aria-invalid=true]"), problems_shown(driver)
    screenshot(driver, f"journey-{name}", size=size)


def no_horizontal_scrolling(driver: WebDriver) -> None:
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{driver.current_url} scrolls sideways by {overflow}px at 390 px"


def download(driver: WebDriver, url: str) -> tuple[str, bytes]:
    """What the browser gets when it follows a file link: the same URL with the signed-in
    session's cookies (a headless Chromium saves downloads where a test cannot wait for
    them reliably)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookies})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.headers.get("Content-Type", ""), response.read()


def roster_row(driver: WebDriver, name: str):
    return driver.find_element(By.XPATH, f"//tr[contains(., {name!r})]")


def link(driver: WebDriver, href_part: str):
    return driver.find_element(By.CSS_SELECTOR, f"a[href*={href_part!r}]")


# The worker and the mailbox --------------------------------------------------------------

@pytest.fixture
def worker(app, live_server, smtp_server):  # noqa: F811
    """`eventhub worker` in its own process on the test database, as scripts/run starts it
    beside the server, delivering to the test's SMTP server with links to the live server."""
    env = {**os.environ, "EVENTHUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "EVENTHUB_SMTP_HOST": "127.0.0.1", "EVENTHUB_SMTP_PORT": str(smtp_server.port),
           "EVENTHUB_PUBLIC_BASE_URL": str(live_server), "EVENTHUB_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "eventhub", "worker", "--interval", "1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output


def received(smtp_server, recipient: str, count: int, timeout: float = 60):  # noqa: F811
    """The mails the SMTP server accepted for `recipient`, once there are `count`."""
    deadline = time.monotonic() + timeout
    while True:
        mails = [m for m in smtp_server.messages if recipient in m["To"]]
        if len(mails) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(mails) >= count, (f"{len(mails)} mail(s) to {recipient}, expected {count}: "
                                 f"{[m['Subject'] for m in smtp_server.messages]}")
    return mails


def text_of(mail) -> str:
    part = mail.get_body(preferencelist=("plain",))
    return part.get_content()


# The journey ---------------------------------------------------------------------------------

def test_an_organizer_runs_an_edition_from_an_empty_database_to_check_in(
        app, browser, live_server, smtp_server, worker, tmp_path):  # noqa: F811
    admin = make_user(app, Role.ADMIN)
    base = str(live_server)
    focal_point = "wanwen@immigration.example.th"
    today = dt.date.today()
    start = today + dt.timedelta(days=60)

    # 1. The admin signs in and creates the edition, then opens it.
    browser.get(f"{base}/login")
    fill(browser, {"email": admin, "password": PASSWORD})
    submit(browser, "form[action*='/login']")
    step(browser, "01-signed-in")
    browser.get(f"{base}/manage/")
    click_and_wait(browser, link(browser, "/manage/editions/new"))
    series = Select(browser.find_element(By.NAME, "series"))
    if len(series.options) > 1 and any(o.get_attribute("value") == "" for o in series.options):
        series.select_by_value("")
    fill(browser, {"series_slug": "migration-sub-forum",
                   "series_name": "Sub-Forum on Migration Management Cooperation",
                   "ordinal": "2", "slug": SLUG,
                   "title": "Second Sub-Forum on Migration Management Cooperation",
                   "city": "Lianyungang", "country_code": "CN", "time_zone": "Asia/Shanghai",
                   "start_date": start.isoformat(),
                   "end_date": (start + dt.timedelta(days=1)).isoformat(),
                   "capacity": "300"})
    # Date boxes take what a person types in their locale; set the ISO value directly.
    for name, value in (("start_date", start), ("end_date", start + dt.timedelta(days=1))):
        browser.execute_script("arguments[0].value = arguments[1]",
                               browser.find_element(By.NAME, name), value.isoformat())
    requires_approval = browser.find_element(By.NAME, "requires_approval")
    if not requires_approval.is_selected():
        requires_approval.click()
    step(browser, "02-new-edition-form")
    submit(browser, "form[action*='/manage/editions/new']")
    step(browser, "03-edition-created")
    browser.get(f"{base}/manage/{SLUG}/settings")
    submit(browser, "form[action$='/status']")
    assert "open" in page_text(browser).lower()
    step(browser, "04-edition-opened")

    # 2. The directory: an immigration authority and its focal point.
    browser.get(f"{base}/manage/directory/organizations/new")
    fill(browser, {"name": "Immigration Bureau of Thailand", "acronym": "IBT",
                   "country_code": "TH"})
    kind = Select(browser.find_element(By.NAME, "kind"))
    kind.select_by_index(1)
    submit(browser, "form[action*='/directory/organizations/new']")
    step(browser, "05-organization-added")
    browser.get(f"{base}/manage/directory/people/new")
    fill(browser, {"full_name": "Wanwen Chaiyaporn", "email": focal_point})
    choose_by_text(browser, "organization_id", "Immigration Bureau of Thailand")
    submit(browser, "form[action*='/directory/people/new']")
    step(browser, "06-person-added")

    # 3. An invitation in Chinese, sent; the worker delivers it.
    browser.get(f"{base}/manage/{SLUG}/invitations")
    choose_by_text(browser, "organization_id", "Immigration Bureau of Thailand")
    deadline = dt.datetime.combine(start - dt.timedelta(days=20), dt.time(18, 0))
    fill(browser, {"focal_point_name": "Wanwen Chaiyaporn", "focal_point_email": focal_point,
                   "focal_point_language": "zh", "quota": "3"})
    browser.execute_script("arguments[0].value = arguments[1]",
                           browser.find_element(By.NAME, "deadline"),
                           deadline.strftime("%Y-%m-%dT%H:%M"))
    submit(browser, "form[method=post][action$='/invitations']")
    step(browser, "07-invitation-drafted")
    assert "Immigration Bureau of Thailand" in page_text(browser)
    submit(browser, "form[action$='/send']")
    step(browser, "08-invitation-sent")

    [invitation_mail] = received(smtp_server, focal_point, 1)
    body = text_of(invitation_mail)
    found = re.search(r"https?://\S+/rsvp/\S+", body)
    assert found, body
    rsvp_link = found.group().rstrip(".,)")
    assert rsvp_link.startswith(base), (rsvp_link, base)

    # 4. The focal point, on a phone, in Chinese: accepts, registers three, one visa.
    fp = browser  # the same browser, signed out: a focal point has no account
    browser.get(f"{base}/manage/")
    submit(browser, "form[action$='/logout']")
    fp.set_window_size(*PHONE)
    fp.get(rsvp_link)
    assert fp.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith("zh")
    no_horizontal_scrolling(fp)
    step(fp, "09-focal-point-invitation-zh-phone", size=PHONE)
    submit(fp, "form[action$='/accept']")
    no_horizontal_scrolling(fp)
    step(fp, "10-focal-point-accepted-zh-phone", size=PHONE)
    token_path = rsvp_link.split(base, 1)[1].split("?")[0]

    upload = tmp_path / "note-verbale.pdf"
    upload.write_bytes(NOTE_VERBALE)
    fp.get(f"{base}{token_path}")
    fp.find_element(By.CSS_SELECTOR,
                    "form[action$='/credential'] input[type=file]").send_keys(str(upload))
    submit(fp, "form[action$='/credential']")
    step(fp, "11-focal-point-note-verbale-zh-phone", size=PHONE)

    fp.get(f"{base}{token_path}/delegation")
    members = [("Wanwen Chaiyaporn", "wanwen@immigration.example.th", "head_of_delegation"),
               ("Somchai Rattanakorn", "somchai@immigration.example.th", "delegate"),
               ("Malee Srisuk", "malee@immigration.example.th", "delegate")]
    for n, (name, email, role) in enumerate(members):
        fill(fp, {f"members-{n}-full_name": name, f"members-{n}-email": email,
                  f"members-{n}-role": role})
    fp.find_element(By.NAME, "members-1-needs_visa_letter").click()
    no_horizontal_scrolling(fp)
    submit(fp, "form[action$='/delegation']")
    no_horizontal_scrolling(fp)
    step(fp, "12-focal-point-delegation-zh-phone", size=PHONE)
    text = page_text(fp)
    assert all(name in text for name, _, _ in members), text

    fp.get(f"{base}{token_path}")
    visa_link = roster_row(fp, "Somchai Rattanakorn").find_element(By.CSS_SELECTOR,
                                                                   "a[href$='/visa']")
    click_and_wait(fp, visa_link)
    fill(fp, {"passport_number": "AA1234567", "nationality": "TH"})
    for name, value in (("date_of_birth", "1980-04-02"),
                        ("passport_expiry", (today + dt.timedelta(days=900)).isoformat())):
        fp.execute_script("arguments[0].value = arguments[1]", fp.find_element(By.NAME, name),
                          value)
    no_horizontal_scrolling(fp)
    submit(fp, "form[action$='/visa']")
    step(fp, "13-focal-point-visa-request-zh-phone", size=PHONE)


    # 5. The organizer: the programme first, so the focal point can choose a session.
    fp.set_window_size(1280, 900)
    browser.get(f"{base}/login")
    fill(browser, {"email": admin, "password": PASSWORD})
    submit(browser, "form[action*='/login']")
    browser.get(f"{base}/manage/{SLUG}/programme")
    items = [("plenary", "Plenary: migration governance", dt.time(9, 30), dt.time(11, 0)),
             ("breakout_session", "Breakout: document fraud", dt.time(14, 0), dt.time(15, 30))]
    for kind_value, title, begins, ends in items:
        form = browser.find_element(By.CSS_SELECTOR, "form[action$='/programme/items']")
        Select(form.find_element(By.NAME, "kind")).select_by_value(kind_value)
        fill(browser, {"title": title}, within=form)
        for name, moment in (("starts_at", begins), ("ends_at", ends)):
            browser.execute_script("arguments[0].value = arguments[1]",
                                   form.find_element(By.NAME, name),
                                   dt.datetime.combine(start, moment).strftime("%Y-%m-%dT%H:%M"))
        if kind_value == "breakout_session":
            fill(browser, {"capacity": "40"}, within=form)
        submit(browser, "form[action$='/programme/items']")
    step(browser, "14-programme-items")

    # The plenary's speakers, from the registered delegation, in protocol order.
    plenary_row = browser.find_element(
        By.XPATH, "//tr[contains(., 'Plenary: migration governance')]")
    click_and_wait(browser, plenary_row.find_element(By.CSS_SELECTOR,
                                                     "a[href*='/programme/items/']"))
    for speaker in ("Wanwen Chaiyaporn", "Somchai Rattanakorn"):
        choose_by_text(browser, "person_id", speaker)
        fill(browser, {"talk_title": f"Remarks by {speaker}"},
             within=browser.find_element(By.CSS_SELECTOR, "form[action$='/speeches']"))
        submit(browser, "form[action$='/speeches']")
    # The page offers protocol order only when the speakers are not in it already.
    if present(browser, "form[action$='/protocol-order']"):
        submit(browser, "form[action$='/protocol-order']")
    text = page_text(browser)
    screenshot(browser, "journey-15-plenary-speakers")
    speakers = text[text.index("Wanwen Chaiyaporn", text.index("Speaker")):]
    assert speakers.index("Wanwen Chaiyaporn") < speakers.index("Somchai Rattanakorn"), text
    step(browser, "15-plenary-speakers")
    browser.get(f"{base}/manage/{SLUG}/programme")
    submit(browser, "form[action$='/publish']")
    step(browser, "16-programme-published")

    # 6. The organizer reviews the note verbale, confirms, issues the visa letter.
    browser.get(f"{base}/manage/{SLUG}/registrations")
    step(browser, "17-roster")
    click_and_wait(browser, roster_row(browser, "Somchai Rattanakorn").find_element(
        By.CSS_SELECTOR, "a[href*='/registrations/']"))
    step(browser, "18-registration-detail")
    assert "AA1234567" in page_text(browser)  # the passport details the focal point gave
    submit(browser, "form[action$='/review']")
    step(browser, "19-credential-reviewed")
    submit(browser, "form[action$='/confirm']")
    step(browser, "20-confirmed")
    letter_form = browser.find_element(By.CSS_SELECTOR, "form[action$='/visa-letter']")
    assert letter_form
    kind, letter = download_form(browser, "form[action$='/visa-letter']")
    assert kind.startswith("application/pdf") and letter.startswith(b"%PDF"), kind

    # The rest of the delegation, in one go from the roster.
    browser.get(f"{base}/manage/{SLUG}/registrations")
    for name in ("Wanwen Chaiyaporn", "Malee Srisuk"):
        roster_row(browser, name).find_element(By.CSS_SELECTOR, "input[name=ids]").click()
    submit(browser, "#bulk-form")
    step(browser, "21-bulk-confirmed")

    # The focal point chooses the breakout session for a delegate.
    browser.get(f"{base}/manage/")
    submit(browser, "form[action$='/logout']")
    fp.set_window_size(*PHONE)
    fp.get(f"{base}{token_path}/sessions")
    no_horizontal_scrolling(fp)
    choose_by_text(fp, "registration_id", "Malee Srisuk")
    submit(fp, "form[action*='/sessions/']:not([action$='/leave'])")
    no_horizontal_scrolling(fp)
    step(fp, "22-focal-point-session-chosen-zh-phone", size=PHONE)
    assert "Malee Srisuk" in fp.find_element(By.CSS_SELECTOR, ".signed-up").text
    fp.get(f"{base}{token_path}")
    assert fp.find_element(By.CSS_SELECTOR, "a[href$='.ics']")

    fp.set_window_size(1280, 900)
    browser.get(f"{base}/login")
    fill(browser, {"email": admin, "password": PASSWORD})
    submit(browser, "form[action*='/login']")

    # 7. Badges, printed as PDF; the QR code on Somchai's badge read back.
    browser.get(f"{base}/manage/{SLUG}/badges")
    step(browser, "23-badges")
    pdf_href = browser.find_element(By.CSS_SELECTOR, "a[href*='badges.pdf']").get_attribute("href")
    kind, pdf = download(browser, pdf_href)
    assert kind.startswith("application/pdf"), kind
    codes = badge_codes_from_pdf(pdf)
    assert len(codes) == 3, codes

    # 8. Check-in by what a scanner types from the QR code.
    browser.get(f"{base}/manage/{SLUG}/check-in")
    scanned = codes[0]
    # A scanner types the code and Enter; staff at a desk may type it in lower case.
    old_page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.NAME, "badge_code").send_keys(scanned.lower() + "\n")
    wait_for_next_page(browser, old_page)
    step(browser, "24-checked-in")
    with app.app_context():
        checked = list(db.session.scalars(sa.select(Registration).where(
            Registration.checked_in_at.is_not(None))))
        db.session.remove()
    assert [r.badge_code for r in checked] == [scanned]

    # The mails that followed, each in Chinese, each delivered by the worker.
    mails = received(smtp_server, focal_point, 5)
    subjects = [m["Subject"] for m in mails]
    assert all(re.search(r"[\u4e00-\u9fff]", s) for s in subjects), subjects


def download_form(driver: WebDriver, selector: str) -> tuple[str, bytes]:
    """Submit a form that answers with a file (POST with its CSRF token and fields)."""
    form = driver.find_element(By.CSS_SELECTOR, selector)
    action = form.get_attribute("action")
    fields = {e.get_attribute("name"): e.get_attribute("value")
              for e in form.find_elements(By.CSS_SELECTOR, "input[name]")}
    from urllib.parse import urlencode
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(action, data=urlencode(fields).encode(), headers={
        "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": driver.current_url})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.headers.get("Content-Type", ""), response.read()
