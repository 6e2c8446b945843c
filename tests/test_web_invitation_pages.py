"""Invitation pages for organizers: edit one invitation, complete every draft in one table
(the drafts "next edition" copies come without a focal point), and send the drafts with
a result per draft, where one bad draft stops none of the others."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from _attendance import INVITATIONS_URL, SLUG, invite, open_edition, organization
from _web import Browser, Page, browser_for_role

from eventhub.auth.models import Role
from eventhub.extensions import db

MANAGE = f"/manage/{SLUG}"


@pytest.fixture
def organizer(app) -> Browser:
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


def duplicate_ids(page: Page) -> list[str]:
    counted = Counter(tag["id"] for tag in page.soup.find_all(id=True))
    return [key for key, count in counted.items() if count > 1]


def stored(organizer_client) -> dict[str, dict[str, Any]]:
    """The edition's invitations by organization name, as the API reads them."""
    response = organizer_client.get(f"{INVITATIONS_URL}?page_size=100")
    assert response.status_code == 200, response.json
    return {i["organization"]["name"]: i for i in response.json}


def bare_draft(app, organization_id: int, *, quota: int | None = 3) -> int:
    """A draft as "next edition" copies it: no focal point (written to the database, as
    the API takes no draft without one)."""
    from eventhub.editions.models import Edition
    from eventhub.invitations.models import Invitation, InvitationStatus

    with app.app_context():
        edition_id = db.session.scalar(sa.select(Edition.id).where(Edition.slug == SLUG))
        invitation = Invitation(
            edition_id=edition_id, organization_id=organization_id, quota=quota,
            status=InvitationStatus.DRAFT, focal_point_language="en",
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=20))
        db.session.add(invitation)
        db.session.commit()
        return invitation.id


def drafts_form(page: Page) -> dict[str, str]:
    return page.form_values(f"form[action='{MANAGE}/invitations/drafts']")


def test_complete_the_drafts_in_one_table_then_send_them(app, organizer_client, organizer):
    open_edition(organizer_client)
    orgs = {name: organization(organizer_client, name, code)["id"] for name, code in (
        ("Immigration Bureau of Thailand", "TH"), ("Immigration Department of Viet Nam", "VN"),
        ("General Department of Immigration of Cambodia", "KH"))}
    ids = {name: bare_draft(app, org_id) for name, org_id in orgs.items()}
    thailand, viet_nam, cambodia = ids.values()

    listing = organizer.get(f"{MANAGE}/invitations")
    link = listing.soup.find("a", href=f"{MANAGE}/invitations/drafts")
    assert link is not None and "3" in link.get_text()

    page = organizer.get(f"{MANAGE}/invitations/drafts")
    assert page.status == 200
    assert duplicate_ids(page) == []
    assert len(page.soup.select("tbody tr")) == 3
    # Each box is named for screen readers by its organization.
    box = page.soup.select_one(f"#d-focal_point_name-{thailand}")
    assert box["aria-label"] == "Focal point name for Immigration Bureau of Thailand"

    # One row right, one wrong, one left alone: nothing is saved, each row keeps what was
    # typed, and the wrong row says what is wrong by the field's label.
    form = drafts_form(page)
    form.update({f"focal_point_name-{thailand}": "Ms. Malee Srisuk",
                 f"focal_point_email-{thailand}": "malee@immigration.go.th",
                 f"focal_point_name-{viet_nam}": "Mr. Nguyen Van An",
                 f"focal_point_email-{viet_nam}": "not an address"})
    refused = organizer.post(f"{MANAGE}/invitations/drafts", form)
    assert refused.status == 422, refused.text[:500]
    assert refused.soup.select_one(f"#d-focal_point_name-{thailand}")["value"] == (
        "Ms. Malee Srisuk")
    assert refused.soup.select_one(f"#d-focal_point_email-{viet_nam}")["value"] == (
        "not an address")
    row_error = refused.soup.select_one(f"#draft-{viet_nam}-error").get_text(" ", strip=True)
    assert row_error.startswith("Focal point e-mail:"), row_error
    assert "focal_point_email" not in refused.text
    assert refused.soup.select_one(f"#d-focal_point_email-{viet_nam}")["aria-invalid"] == "true"
    assert refused.soup.select_one(f"#draft-{thailand}-error") is None
    assert refused.soup.select_one(".errors[role=alert]") is not None
    assert duplicate_ids(refused) == []
    assert stored(organizer_client)["Immigration Bureau of Thailand"].get(
        "focal_point_name") is None

    form = drafts_form(refused)
    form[f"focal_point_email-{viet_nam}"] = "an@immigration.gov.vn"
    form[f"quota-{viet_nam}"] = "4"
    saved = organizer.post(f"{MANAGE}/invitations/drafts", form)
    assert saved.status == 303, saved.text[:500]
    now = stored(organizer_client)
    assert now["Immigration Bureau of Thailand"]["focal_point_email"] == (
        "malee@immigration.go.th")
    assert now["Immigration Department of Viet Nam"]["quota"] == 4
    assert now["General Department of Immigration of Cambodia"].get("focal_point_name") is None

    # Sending: the two complete drafts go, the incomplete one stays a draft and says why.
    organizer.get(f"{MANAGE}/invitations")
    result = organizer.post(f"{MANAGE}/invitations/send-drafts")
    assert result.status == 200, result.text[:500]
    rows = {int(row["data-invitation"]): row for row in result.soup.select("tr[data-invitation]")}
    assert {key: row["data-result"] for key, row in rows.items()} == {
        thailand: "sent", viet_nam: "sent", cambodia: "refused"}
    assert rows[cambodia]["data-code"] == "invitation.incomplete"
    reason = rows[cambodia].get_text(" ", strip=True)
    assert "Focal point name: Missing." in reason and "Focal point e-mail: Missing." in reason
    assert "focal_point_name" not in result.text
    assert rows[cambodia].find("a", href=f"{MANAGE}/invitations/{cambodia}")
    assert "2 draft invitations sent." in result.text
    statuses = {name: i["status"] for name, i in stored(organizer_client).items()}
    assert statuses == {"Immigration Bureau of Thailand": "sent",
                        "Immigration Department of Viet Nam": "sent",
                        "General Department of Immigration of Cambodia": "draft"}


def test_save_and_send_from_the_drafts_table_keeps_what_was_saved(app, organizer_client,
                                                                   organizer):
    open_edition(organizer_client)
    thailand = bare_draft(app, organization(organizer_client, "Immigration Bureau of "
                                                              "Thailand", "TH")["id"])
    late = bare_draft(app, organization(organizer_client, "Immigration Department of Viet "
                                                          "Nam", "VN")["id"])
    form = drafts_form(organizer.get(f"{MANAGE}/invitations/drafts"))
    form.update({f"focal_point_name-{thailand}": "Ms. Malee Srisuk",
                 f"focal_point_email-{thailand}": "malee@immigration.go.th",
                 "then": "send"})
    result = organizer.post(f"{MANAGE}/invitations/drafts", form)
    assert result.status == 200, result.text[:500]
    results = {int(r["data-invitation"]): r["data-result"]
               for r in result.soup.select("tr[data-invitation]")}
    assert results == {thailand: "sent", late: "refused"}
    assert {i["status"] for i in stored(organizer_client).values()} == {"sent", "draft"}


def test_sending_before_the_edition_is_open_points_to_the_edition(app, organizer_client,
                                                                  organizer):
    open_edition(organizer_client, open_it=False)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    invite(organizer_client, org["id"])
    organizer.get(f"{MANAGE}/invitations")
    refused = organizer.post(f"{MANAGE}/invitations/send-drafts")
    assert refused.status == 409
    assert "open it before sending" in refused.text
    assert refused.soup.find("a", href=f"{MANAGE}/")
    assert [i["status"] for i in stored(organizer_client).values()] == ["draft"]


def test_edit_an_invitation(app, organizer_client, organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    invitation = invite(organizer_client, org["id"])
    listing = organizer.get(f"{MANAGE}/invitations")
    edit_url = f"{MANAGE}/invitations/{invitation['id']}"
    assert listing.soup.find("a", href=edit_url)

    page = organizer.get(edit_url)
    assert page.status == 200 and duplicate_ids(page) == []
    form = page.form_values(f"form[action='{edit_url}']")
    assert form["focal_point_name"] == "Ms. Focal Point"

    # A refusal names the field by its label, once, and keeps what was typed.
    refused = organizer.post(edit_url, {**form, "quota": "0", "focal_point_name": "Ms. New"})
    assert refused.status == 422
    summary = refused.soup.select_one("#form-errors").get_text(" ", strip=True)
    assert "Quota:" in summary and "quota:" not in summary
    assert len(refused.soup.select("#form-errors li")) == 1
    assert refused.soup.select_one("#f-focal_point_name")["value"] == "Ms. New"
    assert stored(organizer_client)["Immigration Bureau of Thailand"]["quota"] == 3

    saved = organizer.post(edit_url, {**form, "focal_point_name": "Mr. Somchai Rattanakorn",
                                      "focal_point_language": "zh", "quota": "5",
                                      "deadline": "2030-10-01T09:30"})
    assert saved.status == 303, saved.text[:500]
    now = stored(organizer_client)["Immigration Bureau of Thailand"]
    assert (now["focal_point_name"], now["focal_point_language"], now["quota"]) == (
        "Mr. Somchai Rattanakorn", "zh", 5)
    # Typed as the edition's local time (Asia/Shanghai).
    assert now["deadline"].startswith("2030-10-01T01:30:00")


def test_a_viewer_gets_no_invitation_editing(app, organizer_client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    invitation = invite(organizer_client, org["id"])
    viewer = browser_for_role(app, Role.VIEWER)
    listing = viewer.get(f"{MANAGE}/invitations")
    assert not listing.soup.find("a", href=f"{MANAGE}/invitations/{invitation['id']}")
    assert not listing.soup.find("a", href=f"{MANAGE}/invitations/drafts")
    assert viewer.get(f"{MANAGE}/invitations/{invitation['id']}").status == 403
    assert viewer.get(f"{MANAGE}/invitations/drafts").status == 403
    assert viewer.post(f"{MANAGE}/invitations/drafts", {f"row-{invitation['id']}": "1"}
                       ).status == 403


def test_sending_an_incomplete_draft_from_its_row_says_what_is_missing(app, organizer_client,
                                                                       organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    draft = bare_draft(app, org["id"])
    listing = organizer.get(f"{MANAGE}/invitations")
    send_url = f"{MANAGE}/invitations/{draft}/send"
    refused = organizer.post(send_url, listing.form_values(f"form[action='{send_url}']"))
    assert refused.status == 422
    summary = refused.soup.select_one("#action-errors")
    lines = [li.get_text(" ", strip=True) for li in summary.select("li")]
    assert "Focal point name: Missing." in lines and "Focal point e-mail: Missing." in lines
    assert len(lines) == len(set(lines))
    # The fields are those of the invitation, not of the form below: the way on is its
    # edit page.
    assert summary.find("a") is None
    assert refused.soup.find("a", href=f"{MANAGE}/invitations/{draft}")
    assert stored(organizer_client)["Immigration Bureau of Thailand"]["status"] == "draft"
