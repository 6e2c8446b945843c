"""The mail a change sent, listed on the page where it was triggered: the invitations page
(the edition's messages, for those who may read contacts) and the statement page (the
approver's mail), with each message's state, in the reader's language."""

from __future__ import annotations

import pytest
from _attendance import (
    RSVP_URL,
    SLUG,
    accepted_invitation,
    open_edition,
    organization,
)
from _web import browser_for_role
from conftest import client_for_role
from flask import Flask

from eventhub.auth.models import Role
from eventhub.extensions import db
from eventhub.mail.models import OutboxMessage, OutboxStatus
from eventhub.mail.service import deliver_pending
from tests.smtp import SmtpServer, smtp_server  # noqa: F401

INVITATIONS_PAGE = f"/manage/{SLUG}/invitations"


def mail_rows(page, heading_id: str) -> list[list[str]]:
    section = page.soup.find("section", attrs={"aria-labelledby": heading_id})
    assert section is not None, page.text[:500]
    # The first column numbers the message (as on the outbox page); the rest is read.
    return [[" ".join(cell.get_text(" ").split()) for cell in row.find_all("td")][1:]
            for row in section.select("tbody tr")]


def test_the_invitations_page_lists_the_editions_mail_and_its_state(
        app: Flask, organizer_client, client, smtp_server: SmtpServer):  # noqa: F811
    open_edition(organizer_client)
    org = organization(organizer_client, "Royal Thai Police")
    invitation, _ = accepted_invitation(app, organizer_client, client, org["id"])
    email = invitation["focal_point_email"]
    organizer = browser_for_role(app, Role.ORGANIZER)

    rows = mail_rows(organizer.get(INVITATIONS_PAGE), "invitation-mail")
    assert [row[:3] for row in rows] == [
        [email, "Invitation accepted: next steps", "queued"],
        [email, "Invitation", "queued"]]

    with app.app_context():
        deliver_pending()
    rows = mail_rows(organizer.get(INVITATIONS_PAGE), "invitation-mail")
    # The acceptance went out; the invitation mail, queued before the answer, did not.
    assert rows[0][2] == "sent"
    assert rows[1][2].startswith("failed") and "was not sent" in rows[1][2]

    # The same page in Chinese names the mail in Chinese.
    chinese = organizer.get(f"{INVITATIONS_PAGE}?lang=zh")
    first = mail_rows(chinese, "invitation-mail")[0]
    assert first[1] == "已接受邀请：后续步骤"
    assert first[2] not in ("sent", "")


def test_a_viewer_sees_no_recipients(app: Flask, organizer_client, client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Department of Home Affairs", "AU")
    invitation, _ = accepted_invitation(app, organizer_client, client, org["id"])
    viewer = browser_for_role(app, Role.VIEWER)

    page = viewer.get(INVITATIONS_PAGE)

    assert page.status == 200
    assert page.soup.find("section", attrs={"aria-labelledby": "invitation-mail"}) is None
    assert invitation["focal_point_email"] not in page.html


def test_a_refused_change_lists_no_mail(app: Flask, organizer_client, client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Ministry of Interior", "KH")
    _, token = accepted_invitation(app, organizer_client, client, org["id"])
    # Over the quota: refused, nothing queued, nothing listed.
    members = [{"full_name": f"Member {n}", "email": f"m{n}@example.org",
                "role": "head_of_delegation" if n == 0 else "delegate"} for n in range(5)]
    assert client.put(f"{RSVP_URL}/{token}/delegation",
                      json={"members": members}).status_code == 422
    organizer = browser_for_role(app, Role.ORGANIZER)

    rows = mail_rows(organizer.get(INVITATIONS_PAGE), "invitation-mail")

    assert [row[1] for row in rows] == ["Invitation accepted: next steps", "Invitation"]


@pytest.fixture
def statement_id(organizer_client, secretariat_client) -> int:
    from _statements import draft

    created = draft(organizer_client, secretariat_client)
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.json["id"]


def test_the_statement_page_lists_the_approvers_mail(app: Flask, statement_id: int):
    from _statements import SLUG as STATEMENT_SLUG
    from _statements import statement_url, user_id

    approver = client_for_role(app, Role.VIEWER)
    approver_email = approver.get("/api/v1/auth/me").json["email"]
    secretariat = client_for_role(app, Role.SECRETARIAT)
    assert secretariat.put(statement_url(statement_id, "/approver"),
                           json={"approver_id": user_id(approver)}).status_code == 200
    desk = browser_for_role(app, Role.SECRETARIAT)
    page_url = f"/secretariat/{STATEMENT_SLUG}/statements/{statement_id}"
    assert mail_rows(desk.get(page_url), "statement-mail") == []

    submitted = desk.post(f"{page_url}/status", {"status": "in_review"})
    assert submitted.status == 303, submitted.text[:500]

    rows = mail_rows(desk.get(page_url), "statement-mail")
    assert [row[:3] for row in rows] == [
        [approver_email, "Statement awaiting approval", "queued"]]
    # The edition's invitations page lists what attendance caused, not the statement's.
    organizer = browser_for_role(app, Role.ORGANIZER)
    assert mail_rows(organizer.get(f"/manage/{STATEMENT_SLUG}/invitations"),
                     "invitation-mail") == []
    with app.app_context():
        [message] = db.session.query(OutboxMessage).all()
        assert message.status == OutboxStatus.PENDING and message.statement_id == statement_id
