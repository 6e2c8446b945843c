"""Printable badges: the PDF's text, its QR codes read back as a scanner would, the A6 and
A4 layouts, one registration, a delegation, everyone confirmed, in English and Chinese."""

from __future__ import annotations

import pytest
from _attendance import SLUG, accepted_invitation, member, open_edition, organization, roster
from _badges import badge_codes_from_pdf, page_sizes_mm, pdf_text
from _web import browser_for_role

from eventhub.auth.models import Role

API = f"/api/v1/editions/{SLUG}"
MANAGE = f"/manage/{SLUG}"


def register(client, name: str, organization_id: int | None = None, role: str = "delegate"
             ) -> dict:
    payload = {"full_name": name, "email": f"{name.split()[-1].lower()}@example.org",
               "role": role}
    if organization_id is not None:
        payload["organization_id"] = organization_id
    response = client.post(f"{API}/registrations", json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


@pytest.fixture
def delegation(app, organizer_client, client):
    """An open edition with a Thai delegation of two (confirmed on registration) and one
    person registered on their own."""
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=3)
    response = client.put(f"/api/v1/rsvp/{token}/delegation", json={"members": [
        member("Suda Rattanakorn", "suda@mfa.example", "head_of_delegation"),
        member("Niran Chaiyaporn", "niran@mfa.example", "delegate")]})
    assert response.status_code == 200, response.get_data(as_text=True)
    other = organization(organizer_client, "Federal Police of Brazil", "BR")
    register(organizer_client, "Ana Souza", other["id"], role="expert")
    rows = {row["full_name"]: row for row in roster(organizer_client)}
    return rows


def test_one_badge_on_a6_has_the_text_and_its_qr_code(organizer_client, delegation):
    suda = delegation["Suda Rattanakorn"]
    response = organizer_client.get(f"{API}/registrations/{suda['id']}/badge.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert page_sizes_mm(pdf) == [(105, 148)]
    text = pdf_text(pdf)[0]
    for expected in ("Suda Rattanakorn", "Immigration Bureau of Thailand", "Thailand",
                     "Head of delegation", suda["badge_code"]):
        assert expected in text
    assert badge_codes_from_pdf(pdf) == [suda["badge_code"]]


def test_all_confirmed_on_a4_sheets_four_to_a_sheet(organizer_client, delegation):
    for index in range(3):
        register(organizer_client, f"Guest Number{index}")
    everyone = roster(organizer_client)
    assert len(everyone) == 6
    response = organizer_client.get(f"{API}/badges.pdf?layout=a4")
    assert response.status_code == 200, response.get_data(as_text=True)
    pdf = response.get_data()
    assert page_sizes_mm(pdf) == [(210, 297), (210, 297)]
    codes = badge_codes_from_pdf(pdf)
    assert sorted(codes) == sorted(row["badge_code"] for row in everyone)
    assert len(badge_codes_from_pdf(pdf)[:4]) == 4
    first_sheet = pdf_text(pdf)[0]
    assert sum(code in first_sheet for code in codes) == 4


def test_a_delegations_badges_and_chinese_names_of_countries(organizer_client, delegation):
    suda = delegation["Suda Rattanakorn"]
    delegation_id = suda["delegation_id"]
    response = organizer_client.get(f"{API}/delegations/{delegation_id}/badges.pdf?lang=zh")
    assert response.status_code == 200, response.get_data(as_text=True)
    pdf = response.get_data()
    assert len(page_sizes_mm(pdf)) == 2
    assert sorted(badge_codes_from_pdf(pdf)) == sorted(
        [suda["badge_code"], delegation["Niran Chaiyaporn"]["badge_code"]])
    text = "".join(pdf_text(pdf)).replace(" ", "").replace("\x00", "")
    assert "泰国" in text          # Thailand, by its CLDR name in Chinese
    assert "代表团团长" in text
    assert "Ana Souza" not in text


def test_refusals_are_clear(organizer_client, delegation, app):
    pending = register(organizer_client, "Late Comer")
    response = organizer_client.post(f"{API}/registrations/{pending['id']}/cancel")
    assert response.status_code == 200
    refused = organizer_client.get(f"{API}/registrations/{pending['id']}/badge.pdf")
    assert refused.status_code == 409
    assert refused.json["code"] == "badge.not_confirmed"
    assert organizer_client.get(f"{API}/delegations/999999/badges.pdf").status_code == 404
    assert organizer_client.get(f"{API}/badges.pdf?layout=letter").status_code == 422
    viewer = browser_for_role(app, Role.VIEWER)
    assert viewer.client.get(f"{MANAGE}/badges.pdf").status_code == 403


def test_no_one_confirmed_yet(organizer_client):
    open_edition(organizer_client, slug="empty-2030", series=True)
    response = organizer_client.get("/api/v1/editions/empty-2030/badges.pdf")
    assert response.status_code == 409
    assert response.json["code"] == "badge.none_confirmed"


def test_badge_pages_link_to_the_pdfs(app, delegation):
    organizer = browser_for_role(app, Role.ORGANIZER, "org@example.org")
    roster_page = organizer.get(f"{MANAGE}/registrations")
    assert roster_page.soup.find("a", string="Print badges")["href"] == f"{MANAGE}/badges"
    suda = delegation["Suda Rattanakorn"]
    single = roster_page.soup.find("a", string=suda["badge_code"])["href"]
    assert single == f"{MANAGE}/registrations/{suda['id']}/badge.pdf"
    response = organizer.client.get(single)
    assert response.status_code == 200
    assert badge_codes_from_pdf(response.get_data()) == [suda["badge_code"]]

    page = organizer.get(f"{MANAGE}/badges")
    assert page.status == 200
    links = {a.get_text(strip=True): a["href"] for a in page.soup.select("main a")}
    sheet = links["All badges, four per A4 sheet with cut marks (PDF)"]
    assert sheet == f"{MANAGE}/badges.pdf?layout=a4"
    assert len(badge_codes_from_pdf(organizer.client.get(sheet).get_data())) == 3
    row = page.soup.find("th", string="Immigration Bureau of Thailand").parent
    a6 = row.find("a", string="A6")["href"]
    assert a6 == f"{MANAGE}/delegations/{suda['delegation_id']}/badges.pdf?layout=a6"
    assert len(badge_codes_from_pdf(organizer.client.get(a6).get_data())) == 2

    check_in = organizer.get(f"{MANAGE}/check-in")
    assert check_in.soup.find("a", string="Print badges")["href"] == f"{MANAGE}/badges"
