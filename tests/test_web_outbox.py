"""The outbox page (/manage/outbox): each message's real state, the filter by state, the
retry of failed and stuck messages; the dashboard's warning when mail is not moving; the
worker's health in /healthz."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from _web import browser_for_role
from flask import Flask

from eventhub.auth.models import Role
from eventhub.extensions import db, utcnow
from eventhub.mail.models import OutboxMessage, OutboxStatus
from eventhub.worker_models import WorkerHeartbeat

OUTBOX = "/manage/outbox"


def add_message(app: Flask, status: OutboxStatus, **values) -> int:
    now = utcnow()
    fields = {"recipient": f"focal-{uuid.uuid4().hex[:6]}@example.org",
              "template": "invitation", "language": "en", "params": {"invitation_id": 1},
              "message_id": f"<{uuid.uuid4().hex}@eventhub.example.org>", "status": status,
              "attempts": 0, "next_attempt_at": now, "created_at": now, **values}
    with app.app_context():
        message = OutboxMessage(**fields)
        db.session.add(message)
        db.session.commit()
        return message.id


def stored(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def add_heartbeat(app: Flask, seen_ago: dt.timedelta, stopped: bool = False) -> None:
    now = utcnow()
    with app.app_context():
        db.session.add(WorkerHeartbeat(
            name=f"test-host:{uuid.uuid4().int % 100000}", host="test-host", pid=1,
            interval_seconds=10, started_at=now - seen_ago, last_seen_at=now - seen_ago,
            stopped_at=now if stopped else None, passes=1, last_sent=0, last_retried=0,
            last_failed=0, total_sent=0))
        db.session.commit()


@pytest.fixture
def messages(app: Flask) -> dict[str, int]:
    now = utcnow()
    return {
        "queued": add_message(app, OutboxStatus.PENDING),
        "retrying": add_message(app, OutboxStatus.PENDING, attempts=2,
                                next_attempt_at=now + dt.timedelta(minutes=2),
                                last_error="451 4.3.0 try later"),
        "sending": add_message(app, OutboxStatus.SENDING, claimed_at=now),
        "stuck": add_message(app, OutboxStatus.SENDING,
                             claimed_at=now - dt.timedelta(hours=1)),
        "sent": add_message(app, OutboxStatus.SENT, attempts=1, sent_at=now),
        "failed": add_message(app, OutboxStatus.FAILED, attempts=1,
                              last_error="recipient refused: 550 5.1.1 no such user"),
        "invalid": add_message(app, OutboxStatus.FAILED,
                               last_error="invitation no longer valid"),
    }


def rows(page) -> dict[int, dict]:
    found = {}
    for row in page.soup.select("table.messages tbody tr"):
        found[int(row["id"].removeprefix("message-"))] = {
            "state": row["data-state"], "text": " ".join(row.get_text(" ").split()),
            "retry": row.select_one("button") is not None}
    return found


def test_the_outbox_page_shows_each_messages_real_state(app, messages):
    organizer = browser_for_role(app, Role.ORGANIZER)

    page = organizer.get(OUTBOX)

    assert page.status == 200
    shown = rows(page)
    assert {shown[i]["state"] for i in messages.values()} == {
        "queued", "retrying", "sending", "stuck", "sent", "failed"}
    assert shown[messages["queued"]]["state"] == "queued"
    assert "queued" in shown[messages["queued"]]["text"]
    assert "waiting to retry" in shown[messages["retrying"]]["text"]
    assert "Next try" in shown[messages["retrying"]]["text"]
    # The zone of every time is named (no edition yet: UTC).
    assert "(UTC)" in page.text
    assert "stuck in sending" in shown[messages["stuck"]]["text"]
    assert "550 5.1.1 no such user" in shown[messages["failed"]]["text"]
    assert "withdrawn, answered or expired" in shown[messages["invalid"]]["text"]
    # Retry only where it makes sense: failed and stuck.
    assert {i for i, row in shown.items() if row["retry"]} == {
        messages["failed"], messages["invalid"], messages["stuck"]}
    # No worker ever ran: the page says so.
    assert "No worker has ever run" in page.soup.select_one("#outbox-health").get_text()


def test_the_outbox_filters_by_state(app, messages):
    organizer = browser_for_role(app, Role.ORGANIZER)

    page = organizer.get(f"{OUTBOX}?state=failed")

    assert set(rows(page)) == {messages["failed"], messages["invalid"]}
    assert set(rows(organizer.get(f"{OUTBOX}?state=stuck"))) == {messages["stuck"]}
    assert set(rows(organizer.get(f"{OUTBOX}?state=retrying"))) == {messages["retrying"]}
    assert len(rows(organizer.get(f"{OUTBOX}?state=nonsense"))) == len(messages)


def test_retry_queues_a_failed_message_again(app, messages):
    organizer = browser_for_role(app, Role.ORGANIZER)
    organizer.get(f"{OUTBOX}?state=failed")

    page = organizer.post(f"{OUTBOX}/{messages['failed']}/retry", {"state": "failed"})

    assert page.status == 303
    assert page.response.headers["Location"].endswith("/manage/outbox?state=failed")
    message = stored(app, messages["failed"])
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    after = organizer.get(page.response.headers["Location"])
    assert f"Message {messages['failed']} is queued again" in after.text
    assert messages["failed"] not in rows(after)


def test_retry_of_a_sent_message_is_refused_and_changes_nothing(app, messages):
    organizer = browser_for_role(app, Role.ORGANIZER)
    organizer.get(OUTBOX)

    page = organizer.post(f"{OUTBOX}/{messages['sent']}/retry")

    assert page.status == 409
    assert "only those can be sent again" in page.soup.select_one("#form-errors").get_text()
    assert stored(app, messages["sent"]).status == OutboxStatus.SENT
    assert organizer.post(f"{OUTBOX}/999999/retry").status == 404


def test_only_who_may_manage_attendance_sees_the_outbox(app, messages):
    secretariat = browser_for_role(app, Role.SECRETARIAT)
    assert secretariat.get(OUTBOX).status == 403
    assert secretariat.post(f"{OUTBOX}/{messages['failed']}/retry").status == 403
    assert stored(app, messages["failed"]).status == OutboxStatus.FAILED
    assert not secretariat.get("/manage/").soup.select(f'a[href="{OUTBOX}"]')
    admin = browser_for_role(app, Role.ADMIN)
    assert admin.get(OUTBOX).status == 200
    organizer = browser_for_role(app, Role.ORGANIZER)
    assert organizer.get("/manage/").soup.select(f'nav a[href="{OUTBOX}"]')


def test_the_dashboard_warns_when_mail_is_not_moving(app):
    organizer = browser_for_role(app, Role.ORGANIZER)
    assert organizer.get("/manage/").soup.select_one("#outbox-warning") is None

    # A message due for 30 minutes and no worker seen for an hour.
    message_id = add_message(app, OutboxStatus.PENDING,
                             next_attempt_at=utcnow() - dt.timedelta(minutes=30))
    add_heartbeat(app, seen_ago=dt.timedelta(hours=1))

    warning = organizer.get("/manage/").soup.select_one("#outbox-warning")
    assert warning is not None
    text = " ".join(warning.get_text(" ").split())
    assert "1 message has been waiting for more than 10 minutes" in text
    assert "No worker is running" in text
    assert warning.select_one(f'a[href="{OUTBOX}"]')
    # Not for those who may not see the outbox.
    viewer = browser_for_role(app, Role.VIEWER)
    assert viewer.get("/manage/").soup.select_one("#outbox-warning") is None

    # Sent: the outbox moves again, the warning goes.
    with app.app_context():
        db.session.get(OutboxMessage, message_id).status = OutboxStatus.SENT
        db.session.commit()
    assert organizer.get("/manage/").soup.select_one("#outbox-warning") is None


def test_a_fresh_due_message_with_a_running_worker_raises_no_warning(app):
    add_message(app, OutboxStatus.PENDING)
    add_heartbeat(app, seen_ago=dt.timedelta(seconds=5))
    organizer = browser_for_role(app, Role.ORGANIZER)

    page = organizer.get("/manage/")

    assert page.soup.select_one("#outbox-warning") is None
    assert "1 worker is running" in organizer.get(OUTBOX).text


def test_healthz_reports_the_worker_and_the_outbox(app, client):
    body = client.get("/healthz").json
    assert body["status"] == "ok"
    assert body["worker"]["status"] == "none"

    add_heartbeat(app, seen_ago=dt.timedelta(hours=2))
    add_message(app, OutboxStatus.PENDING, next_attempt_at=utcnow() - dt.timedelta(hours=1))
    body = client.get("/healthz").json
    assert body["worker"]["status"] == "stale"
    assert body["worker"]["outbox"]["due"] == 1
    assert body["worker"]["outbox"]["moving"] is False

    add_heartbeat(app, seen_ago=dt.timedelta(seconds=1))
    assert client.get("/healthz").json["worker"]["status"] == "running"


def test_in_a_browser_the_outbox_retries_a_failed_message_and_fits_a_phone(
        app, browser, live_server, messages):
    from _browser import PHONE, screenshot, wait_for_next_page
    from conftest import PASSWORD, make_user
    from selenium.webdriver.common.by import By

    email = make_user(app, Role.ORGANIZER)
    browser.get(f"{live_server}/login")
    browser.find_element(By.ID, "f-email").send_keys(email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/login'] button[type=submit]").click()
    wait_for_next_page(browser, page)
    browser.find_element(By.CSS_SELECTOR, f'nav a[href="{OUTBOX}"]').click()
    screenshot(browser, "outbox")

    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, f"#message-{messages['failed']} button").click()
    wait_for_next_page(browser, page)

    assert f"Message {messages['failed']} is queued again" in browser.find_element(
        By.CSS_SELECTOR, "main").text
    assert browser.find_element(By.ID, f"message-{messages['failed']}").get_attribute(
        "data-state") == "queued"
    browser.set_window_size(*PHONE)
    screenshot(browser, "outbox-phone", size=PHONE)
    # The table scrolls inside its frame; the page itself does not scroll sideways.
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
