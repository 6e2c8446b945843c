"""The check-in page as a scanner at the door uses it: what a USB or phone scanner types
from the badge's QR code (the code and a newline), codes typed in any case with dashes
and spaces, an unknown code, a second check-in, and the times in the edition's zone."""

from __future__ import annotations

import pytest
from _attendance import SLUG, open_edition, organization, roster
from _badges import badge_codes_from_pdf
from _web import browser_for_role

from eventhub.auth.models import Role

MANAGE = f"/manage/{SLUG}"
API = f"/api/v1/editions/{SLUG}"


@pytest.fixture
def organizer(app):
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


def register(client, name: str, organization_id: int | None = None) -> dict:
    payload = {"full_name": name, "email": f"{name.split()[-1].lower()}@example.org",
               "role": "delegate"}
    if organization_id is not None:
        payload["organization_id"] = organization_id
    response = client.post(f"{API}/registrations", json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def dashed(code: str) -> str:
    """The code as a person might type it: lower case, in groups with dashes and spaces."""
    lower = code.lower()
    return f"{lower[:3]}-{lower[3:6]} {lower[6:]}"


def test_the_form_is_ready_for_a_scanner(organizer, organizer_client):
    open_edition(organizer_client)
    page = organizer.get(f"{MANAGE}/check-in")
    box = page.soup.find("input", attrs={"name": "badge_code"})
    assert box.has_attr("autofocus")
    assert box["autocomplete"] == "off"


def test_check_in_by_the_code_scanned_from_the_badge(organizer, organizer_client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    somchai = register(organizer_client, "Somchai Rattanakorn", org["id"])
    pdf = organizer.client.get(f"{MANAGE}/registrations/{somchai['id']}/badge.pdf").get_data()
    (scanned,) = badge_codes_from_pdf(pdf)
    assert scanned == somchai["badge_code"]

    organizer.get(f"{MANAGE}/check-in")
    done = organizer.post(f"{MANAGE}/check-in", {"badge_code": scanned + "\r\n"})
    assert done.status == 303, done.text[:500]
    after = organizer.get(done.response.headers["Location"])
    assert "Checked in: Somchai Rattanakorn" in after.text
    row = after.soup.select_one("table tbody tr")
    assert row.find("th").get_text() == "Somchai Rattanakorn"
    shown = row.find_all("td")[-1].get_text()
    # In the edition's zone (Asia/Shanghai in these tests), named; never the stored ISO.
    assert "+00:00" not in shown and "T" not in shown.split(" ")[0]
    assert "(China Time)" in shown

    again = organizer.post(f"{MANAGE}/check-in", {"badge_code": dashed(scanned)})
    assert again.status == 409
    assert "Somchai Rattanakorn already checked in at" in again.text
    assert "(China Time)" in again.text
    assert "+00:00" not in again.text
    assert roster(organizer_client)[0]["checked_in_at"] is not None


@pytest.mark.parametrize("typed", ["lower", "dashes", "spaces and newline"])
def test_codes_typed_without_regard_to_case_or_dashes(organizer, organizer_client, typed):
    open_edition(organizer_client)
    code = register(organizer_client, "Nguyen Van An")["badge_code"]
    entered = {"lower": code.lower(), "dashes": "-".join(code[i:i + 2] for i in range(0, 10, 2)),
               "spaces and newline": f"  {code[:5]} {code[5:].lower()}\n"}[typed]
    organizer.get(f"{MANAGE}/check-in")
    done = organizer.post(f"{MANAGE}/check-in", {"badge_code": entered})
    assert done.status == 303, done.text[:500]
    # The API takes the same forms.
    twice = organizer_client.post(f"{API}/check-in", json={"badge_code": entered.strip()})
    assert twice.status_code == 409
    assert twice.json["code"] == "registration.already_checked_in"


def test_an_unknown_code_is_a_clear_404(organizer, organizer_client):
    open_edition(organizer_client)
    register(organizer_client, "Nguyen Van An")
    organizer.get(f"{MANAGE}/check-in")
    page = organizer.post(f"{MANAGE}/check-in", {"badge_code": "zzzz-9999\n"})
    assert page.status == 404
    assert "No badge “zzzz-9999”" in page.text
    assert roster(organizer_client)[0]["checked_in_at"] is None


def test_latest_check_ins_latest_first_and_cut(organizer, organizer_client, app):
    from eventhub.web import manage

    open_edition(organizer_client)
    codes = [register(organizer_client, f"Guest Number{i}")["badge_code"] for i in range(4)]
    organizer.get(f"{MANAGE}/check-in")
    for code in codes:
        assert organizer.post(f"{MANAGE}/check-in", {"badge_code": code}).status == 303
    page = organizer.get(f"{MANAGE}/check-in")
    names = [th.get_text() for th in page.soup.select("table tbody th")]
    assert names == [f"Guest Number{i}" for i in (3, 2, 1, 0)]
    original = manage.LATEST_CHECK_INS
    manage.LATEST_CHECK_INS = 2
    try:
        page = organizer.get(f"{MANAGE}/check-in")
    finally:
        manage.LATEST_CHECK_INS = original
    assert [th.get_text() for th in page.soup.select("table tbody th")] == [
        "Guest Number3", "Guest Number2"]


@pytest.mark.parametrize(("typed", "canonical"), [
    ("ABCDEFGHJK", "ABCDEFGHJK"), ("abcde-fghjk\r\n", "ABCDEFGHJK"),
    (" ab cd-ef gh jk\t", "ABCDEFGHJK"),
    ("https://eventhub.example/badge/abcde-fghjk", "ABCDEFGHJK"),
    ("https://eventhub.example/check-in?code=ABCDEFGHJK", "ABCDEFGHJK"), ("---", "")])
def test_the_canonical_form_of_a_scanned_or_typed_code(typed, canonical):
    from eventhub.registrations.service import canonical_badge_code

    assert canonical_badge_code(typed) == canonical
