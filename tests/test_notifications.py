"""Notification mails, through the HTTP API and delivered to a real SMTP server: each
event queues exactly one mail to the right person in their language, nothing is queued
when the change is refused, links use PUBLIC_BASE_URL, and each message says what it is
about (messages_about)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from _attendance import (
    EDITION_URL,
    MINIMAL_PDF,
    REGISTRATIONS_URL,
    RSVP_URL,
    SLUG,
    accepted_invitation,
    member,
    open_edition,
    organization,
    roster,
    sent_invitation,
    table_rows,
)
from _helpers import assert_problem
from flask import Flask

from eventhub.extensions import db
from eventhub.mail.cli import mail_group
from eventhub.mail.models import OutboxMessage
from eventhub.mail.notifications import messages_about
from eventhub.mail.service import deliver_pending
from tests.smtp import SmtpServer, smtp_server  # noqa: F401

BASE = "https://events.example.org/hub"
HEAD = member("Ms. Head", "head@example.org", "head_of_delegation")
DEPUTY = member("Mr. Deputy", "deputy@example.org")
EXPERT = member("Dr. Expert", "expert@example.org", "expert")


@pytest.fixture(autouse=True)
def _base_url(app: Flask) -> Iterator[None]:
    before = app.config["EVENTHUB_PUBLIC_BASE_URL"]
    app.config["EVENTHUB_PUBLIC_BASE_URL"] = BASE + "/"
    if "mail" not in app.cli.commands:
        app.cli.add_command(mail_group)
    yield
    app.config["EVENTHUB_PUBLIC_BASE_URL"] = before


def outbox(app: Flask, template: str | None = None) -> list[dict[str, Any]]:
    rows = table_rows(app, OutboxMessage)
    return [row for row in rows if template is None or row["template"] == template]


def notifications(app: Flask) -> list[dict[str, Any]]:
    return [row for row in outbox(app) if row["template"] != "invitation"]


def deliver(app: Flask) -> None:
    """Deliver the outbox. Invitation mails of invitations answered meanwhile are not sent
    (their link is no longer the one to follow); every notification is."""
    with app.app_context():
        report = deliver_pending()
    assert report.retried == 0, report
    failed = [m for m in outbox(app) if m["status"] == "failed"]
    assert all(m["template"] == "invitation" for m in failed), failed


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def delivered(server: SmtpServer, recipient: str, subject_part: str) -> EmailMessage:
    found = [m for m in server.messages if m["To"] == recipient and subject_part in m["Subject"]]
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in server.messages]
    return found[0]


def put_members(client, token: str, members: list[dict]):
    return client.put(f"{RSVP_URL}/{token}/delegation", json={"members": members})


# Acceptance -------------------------------------------------------------------------------

def test_acceptance_mails_the_focal_point_in_the_invitations_language(
        app, organizer_client, client, cli, smtp_server):  # noqa: F811
    edition = open_edition(organizer_client)
    org = organization(organizer_client, "Ministry of Public Security", "CN")
    invitation, token = sent_invitation(app, organizer_client, org["id"],
                                        focal_point_language="zh",
                                        focal_point_name="李华女士")

    response = client.post(f"{RSVP_URL}/{token}/accept")
    assert response.status_code == 200, response.json

    [message] = notifications(app)
    assert message["template"] == "invitation_accepted"
    assert message["recipient"] == invitation["focal_point_email"]
    assert message["language"] == "zh"
    assert (message["invitation_id"], message["edition_id"]) == (invitation["id"],
                                                                 edition["id"])
    # No secret is stored: the link is built when the mail is sent.
    assert token not in str(message["params"])

    result = cli("mail", "send")
    # The invitation mail, queued before the answer, is not sent any more.
    assert "sent 1, retried 0, failed 1" in result.output, result.output
    mail = delivered(smtp_server, invitation["focal_point_email"], "接受")
    text = body(mail)
    assert "李华女士" in text and "代表团" in text
    assert f"{BASE}/rsvp/{token}" in text
    assert mail["Content-Language"] == "zh"
    # The invitation mail itself is linked to the invitation too.
    with app.app_context():
        about = messages_about(invitation_id=invitation["id"])
        assert [m.template for m in about] == ["invitation_accepted", "invitation"]


def test_declining_or_a_refused_acceptance_queues_nothing(app, organizer_client, client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Royal Thai Police")
    _, token = sent_invitation(app, organizer_client, org["id"])

    assert client.post(f"{RSVP_URL}/{token}/decline").status_code == 200
    assert_problem(client.post(f"{RSVP_URL}/{token}/accept"), 409)

    assert notifications(app) == []


# The delegation ---------------------------------------------------------------------------

def test_one_save_of_the_delegation_sends_one_mail(app, organizer_client, client,
                                                   smtp_server):  # noqa: F811
    open_edition(organizer_client)
    org = organization(organizer_client, "Department of Home Affairs", "AU")
    invitation, token = accepted_invitation(app, organizer_client, client, org["id"], quota=3)
    accepted = len(notifications(app))

    response = put_members(client, token, [HEAD, DEPUTY, EXPERT])
    assert response.status_code == 200, response.json
    changes = notifications(app)[accepted:]
    assert [m["template"] for m in changes] == ["delegation_changed"]
    assert len(changes[0]["params"]["added"]) == 3
    assert changes[0]["registration_id"] is None  # about three people: the invitation

    # The same list again changes nothing and tells nothing.
    assert put_members(client, token, [HEAD, DEPUTY, EXPERT]).status_code == 200
    assert len(notifications(app)) == accepted + 1

    # A refused save (over the quota) queues nothing.
    extra = member("Mr. Fourth", "fourth@example.org")
    assert_problem(put_members(client, token, [HEAD, DEPUTY, EXPERT, extra]), 422)
    assert len(notifications(app)) == accepted + 1

    # One removed and one changed: one more mail naming both.
    changed = {**DEPUTY, "attendance": "video"}
    assert put_members(client, token, [HEAD, changed]).status_code == 200
    [last] = notifications(app)[accepted + 1:]
    assert last["template"] == "delegation_changed"
    assert (len(last["params"]["removed"]), len(last["params"]["changed"])) == (1, 1)

    deliver(app)
    mails = [m for m in smtp_server.messages if "updated" in m["Subject"]]
    assert len(mails) == 2
    text = body(mails[-1])
    assert "Removed:" in text and "Dr. Expert" in text
    assert "Changed:" in text and "Mr. Deputy" in text and "video" in text
    assert f"{BASE}/rsvp/" in text
    assert all(m["To"] == invitation["focal_point_email"] for m in mails)


# Confirmation, rejection, cancellation and the waiting list -------------------------------

@pytest.fixture
def pending_delegation(app, organizer_client, client) -> dict[str, Any]:
    """An edition requiring approval, a delegation of three pending members whose
    focal point reads Chinese, its credential uploaded."""
    open_edition(organizer_client, requires_approval=True)
    org = organization(organizer_client, "Ministry of Interior", "KH")
    invitation, token = accepted_invitation(app, organizer_client, client, org["id"],
                                            focal_point_language="zh")
    assert put_members(client, token, [HEAD, DEPUTY, EXPERT]).status_code == 200
    client.put(f"{RSVP_URL}/{token}/credential",
               data={"file": (io.BytesIO(MINIMAL_PDF), "note-verbale.pdf")},
               content_type="multipart/form-data")
    [delegation] = organizer_client.get(f"{EDITION_URL}/delegations").json
    ids = {r["full_name"]: r["id"] for r in roster(organizer_client)}
    return {"invitation": invitation, "token": token, "delegation": delegation, "ids": ids,
            "before": len(notifications(app))}


def test_confirmation_mails_the_focal_point_once_and_not_when_refused(
        app, organizer_client, pending_delegation, smtp_server):  # noqa: F811
    head = pending_delegation["ids"]["Ms. Head"]
    before = pending_delegation["before"]

    # Refused (credential not reviewed): nothing queued.
    assert_problem(organizer_client.post(f"{REGISTRATIONS_URL}/{head}/confirm"), 409)
    assert len(notifications(app)) == before

    delegation_id = pending_delegation["delegation"]["id"]
    assert organizer_client.post(
        f"{EDITION_URL}/delegations/{delegation_id}/credential/review").status_code == 200
    response = organizer_client.post(f"{REGISTRATIONS_URL}/{head}/confirm")
    assert response.status_code == 200, response.json

    [message] = notifications(app)[before:]
    assert message["template"] == "registration_confirmed"
    assert message["language"] == "zh"
    assert message["registration_id"] == head
    deliver(app)
    mail = delivered(smtp_server, pending_delegation["invitation"]["focal_point_email"],
                     "确认")
    assert "Ms. Head" in body(mail)
    with app.app_context():
        assert [m.id for m in messages_about(registration_id=head)] == [message["id"]]


def test_rejection_and_cancellation_tell_the_focal_point(app, organizer_client,
                                                         pending_delegation):
    ids, before = pending_delegation["ids"], pending_delegation["before"]

    assert organizer_client.post(
        f"{REGISTRATIONS_URL}/{ids['Dr. Expert']}/reject").status_code == 200
    assert organizer_client.post(
        f"{REGISTRATIONS_URL}/{ids['Mr. Deputy']}/cancel").status_code == 200
    # Rejecting it again is refused: nothing more.
    assert_problem(organizer_client.post(f"{REGISTRATIONS_URL}/{ids['Dr. Expert']}/reject"),
                   409)

    sent = notifications(app)[before:]
    assert [(m["template"], m["registration_id"]) for m in sent] == [
        ("registration_rejected", ids["Dr. Expert"]),
        ("registration_cancelled", ids["Mr. Deputy"])]


def test_waiting_list_promotion_mails_the_promoted_members_focal_point(
        app, organizer_client, client, smtp_server):  # noqa: F811
    open_edition(organizer_client, capacity=1)
    first_org = organization(organizer_client, "First Ministry")
    second_org = organization(organizer_client, "Second Ministry", "VN")
    first, first_token = accepted_invitation(app, organizer_client, client, first_org["id"])
    second, second_token = accepted_invitation(app, organizer_client, client,
                                               second_org["id"], focal_point_language="zh")
    assert put_members(client, first_token, [HEAD]).status_code == 200
    waiting = member("Mr. Waiting", "waiting@example.org", "head_of_delegation")
    response = put_members(client, second_token, [waiting])
    assert response.json["members"][0]["status"] == "waitlisted"
    before = len(notifications(app))

    head_id = next(r["id"] for r in roster(organizer_client) if r["full_name"] == "Ms. Head")
    assert organizer_client.post(f"{REGISTRATIONS_URL}/{head_id}/cancel").status_code == 200

    sent = notifications(app)[before:]
    assert sorted((m["template"], m["recipient"]) for m in sent) == sorted([
        ("registration_cancelled", first["focal_point_email"]),
        ("registration_promoted", second["focal_point_email"])])
    deliver(app)
    mail = delivered(smtp_server, second["focal_point_email"], "席位")
    assert "Mr. Waiting" in body(mail)


def test_a_focal_point_who_frees_a_seat_for_their_own_member_gets_one_mail(
        app, organizer_client, client):
    open_edition(organizer_client, capacity=2)
    org = organization(organizer_client, "Only Ministry")
    _, token = accepted_invitation(app, organizer_client, client, org["id"])
    assert put_members(client, token, [HEAD, DEPUTY, EXPERT]).status_code == 200
    before = len(notifications(app))

    # The deputy leaves: the expert, waitlisted, takes the seat in the same save.
    assert put_members(client, token, [HEAD, EXPERT]).status_code == 200

    [message] = notifications(app)[before:]
    assert message["template"] == "delegation_changed"


# The programme ----------------------------------------------------------------------------

def test_publishing_the_programme_mails_every_focal_point_who_accepted(
        app, organizer_client, client, smtp_server):  # noqa: F811
    open_edition(organizer_client)
    orgs = [organization(organizer_client, f"Ministry {n}") for n in range(3)]
    accepted, _ = accepted_invitation(app, organizer_client, client, orgs[0]["id"])
    chinese, _ = accepted_invitation(app, organizer_client, client, orgs[1]["id"],
                                     focal_point_language="zh")
    sent_invitation(app, organizer_client, orgs[2]["id"])  # not answered: not told
    item = organizer_client.post(f"{EDITION_URL}/programme/items", json={
        "kind": "plenary", "title": "Opening plenary",
        "starts_at": "2030-11-20T09:00:00", "ends_at": "2030-11-20T10:30:00"})
    assert item.status_code == 201, item.json
    before = len(notifications(app))

    published = organizer_client.post(f"{EDITION_URL}/programme/versions", json={})
    assert published.status_code in (200, 201), published.json
    # Nothing changed: publishing again is refused and tells nobody.
    assert_problem(organizer_client.post(f"{EDITION_URL}/programme/versions", json={}), 409)

    sent = notifications(app)[before:]
    assert sorted((m["recipient"], m["language"]) for m in sent) == sorted([
        (accepted["focal_point_email"], "en"), (chinese["focal_point_email"], "zh")])
    assert {m["template"] for m in sent} == {"programme_published"}

    deliver(app)
    text = body(delivered(smtp_server, accepted["focal_point_email"], "Programme"))
    assert f"{BASE}/editions/{SLUG}" in text
    calendar = f"{BASE}/api/v1/editions/{SLUG}/programme.ics"
    assert calendar in text
    ics = client.get(calendar.removeprefix(BASE))
    assert ics.status_code == 200 and b"Opening plenary" in ics.data
    assert delivered(smtp_server, chinese["focal_point_email"], "日程")


def test_a_programme_with_no_timed_item_is_mailed_without_a_calendar_link(
        app, organizer_client, client, smtp_server):  # noqa: F811
    # The calendar of such a programme answers 404: the mail must not send people there.
    open_edition(organizer_client)
    org = organization(organizer_client, "Untimed Ministry")
    accepted, _ = accepted_invitation(app, organizer_client, client, org["id"])
    item = organizer_client.post(f"{EDITION_URL}/programme/items", json={
        "kind": "plenary", "title": "Opening plenary"})
    assert item.status_code == 201, item.json
    published = organizer_client.post(f"{EDITION_URL}/programme/versions", json={})
    assert published.status_code in (200, 201), published.json
    assert client.get(f"{EDITION_URL}/programme.ics").status_code == 404

    deliver(app)
    text = body(delivered(smtp_server, accepted["focal_point_email"], "Programme"))
    assert f"{BASE}/editions/{SLUG}" in text
    assert "programme.ics" not in text and "iCalendar" not in text


# Statements -------------------------------------------------------------------------------

def _statement_in_draft(organizer_client, secretariat_client) -> int:
    from _statements import draft

    created = draft(organizer_client, secretariat_client)
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.json["id"]


def test_a_submitted_statement_mails_its_approver_in_their_language(
        app, organizer_client, secretariat_client, viewer_client, smtp_server):  # noqa: F811
    from _statements import set_status, statement_url, user_id

    sid = _statement_in_draft(organizer_client, secretariat_client)
    approver = user_id(viewer_client)
    assert viewer_client.patch("/api/v1/auth/me", json={"language": "zh"}).status_code == 200
    assert secretariat_client.put(statement_url(sid, "/approver"),
                                  json={"approver_id": approver}).status_code == 200

    # The approver may not submit: refused, nothing queued.
    assert set_status(viewer_client, sid, "in_review").status_code == 403
    assert notifications(app) == []

    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    [message] = notifications(app)
    assert message["template"] == "statement_submitted"
    assert (message["language"], message["statement_id"]) == ("zh", sid)
    assert message["recipient"] == viewer_client.get("/api/v1/auth/me").json["email"]

    deliver(app)
    mail = delivered(smtp_server, message["recipient"], "批准")
    assert f"{BASE}/secretariat/shanghai-2025/statements/{sid}" in body(mail)


def test_a_statement_without_an_approver_goes_to_the_admins(
        app, organizer_client, secretariat_client, admin_client):
    from _statements import set_status

    sid = _statement_in_draft(organizer_client, secretariat_client)
    admin = admin_client.get("/api/v1/auth/me").json
    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    sent = notifications(app)
    assert admin["email"] in {m["recipient"] for m in sent}
    assert {m["template"] for m in sent} == {"statement_submitted"}
    # Sent back to draft and submitted again: one more mail per admin, not more.
    admins = len(sent)
    assert set_status(secretariat_client, sid, "draft").status_code == 200
    assert len(notifications(app)) == admins
    assert set_status(secretariat_client, sid, "in_review").status_code == 200
    assert len(notifications(app)) == 2 * admins


def test_a_mail_whose_focal_point_changed_is_not_sent(app, organizer_client, client,
                                                      smtp_server):  # noqa: F811
    open_edition(organizer_client)
    org = organization(organizer_client, "Changing Ministry")
    invitation, _ = accepted_invitation(app, organizer_client, client, org["id"])
    changed = organizer_client.patch(
        f"{EDITION_URL}/invitations/{invitation['id']}",
        json={"focal_point_email": "new.focal@example.org"})
    assert changed.status_code == 200, changed.json

    deliver_result = None
    with app.app_context():
        deliver_result = deliver_pending()
    # The acceptance mail to the former focal point (and the answered invitation's mail).
    assert deliver_result.failed == 2
    [accepted] = [m for m in outbox(app) if m["template"] == "invitation_accepted"]
    assert accepted["status"] == "failed" and "focal point" in accepted["last_error"]
    assert not any(m["To"] == invitation["focal_point_email"]
                   and "accepted" in m["Subject"].lower() for m in smtp_server.messages)


def test_messages_about_lists_newest_first_and_needs_an_id(app, organizer_client, client):
    edition = open_edition(organizer_client)
    org = organization(organizer_client, "Listing Ministry")
    accepted_invitation(app, organizer_client, client, org["id"])
    with app.app_context():
        assert messages_about() == []
        by_edition = messages_about(edition_id=edition["id"])
        assert [m.template for m in by_edition] == ["invitation_accepted", "invitation"]
        assert len(messages_about(edition_id=edition["id"], limit=1)) == 1
        db.session.rollback()


def test_every_notification_template_names_itself_in_chinese(app):
    from eventhub.i18n import force_locale
    from eventhub.mail import notifications  # noqa: F401  (registers its templates)
    from eventhub.mail.outbox import TEMPLATE_TITLES, template_title
    from eventhub.mail.service import TEMPLATES

    with app.test_request_context(), force_locale("zh"):
        # Every mail the service can send has a title, and it reads in Chinese.
        assert set(TEMPLATES) <= set(TEMPLATE_TITLES)
        for template, msgid in TEMPLATE_TITLES.items():
            assert template_title(template) != msgid
            assert not re.search(r"[A-Za-z]{3}", template_title(template))


def test_confirming_several_members_in_one_transaction_sends_one_mail(
        app, organizer_client, pending_delegation, smtp_server):  # noqa: F811
    """A bulk confirmation (several confirms, one commit) tells the focal point once."""
    from eventhub.auth.permissions import SYSTEM
    from eventhub.registrations import service

    delegation_id = pending_delegation["delegation"]["id"]
    assert organizer_client.post(
        f"{EDITION_URL}/delegations/{delegation_id}/credential/review").status_code == 200
    ids = pending_delegation["ids"]
    with app.app_context():
        for name in ("Ms. Head", "Mr. Deputy"):
            service.confirm(SYSTEM, SLUG, ids[name])
        db.session.commit()
        # A new transaction starts a new mail.
        service.confirm(SYSTEM, SLUG, ids["Dr. Expert"])
        db.session.commit()

    sent = notifications(app)[pending_delegation["before"]:]
    assert [(m["template"], m["params"]["registration_ids"], m["registration_id"])
            for m in sent] == [
        ("registration_confirmed", [ids["Ms. Head"], ids["Mr. Deputy"]], None),
        ("registration_confirmed", [ids["Dr. Expert"]], ids["Dr. Expert"])]
    deliver(app)
    confirmations = [body(m) for m in smtp_server.messages if "确认" in m["Subject"]]
    assert len(confirmations) == 2
    assert "Ms. Head" in confirmations[0] and "Mr. Deputy" in confirmations[0]
    assert "Dr. Expert" in confirmations[1] and "Ms. Head" not in confirmations[1]
