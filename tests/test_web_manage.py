"""Organizer pages: the editions dashboard, invitations, the roster, check-in and the
programme editor, as an organizer (or a viewer) meets them in a browser."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from _attendance import REGISTRATIONS_URL, SLUG, in_days, open_edition, organization, roster
from _programme import SLUG as PROGRAMME_SLUG
from _programme import add_item, at
from _programme import open_edition as open_programme_edition
from _web import Browser, browser_for_role

from eventhub.auth.models import Role

ARCHIVED = "2024-suzhou"
MANAGE = f"/manage/{SLUG}"


def register(client, name: str, organization_id: int | None = None, *, slug: str = SLUG,
             role: str = "delegate", **fields: Any) -> dict[str, Any]:
    payload = {"full_name": name, "email": f"{name.split()[0].lower()}@example.org",
               "role": role, **fields}
    if organization_id is not None:
        payload["organization_id"] = organization_id
    response = client.post(f"/api/v1/editions/{slug}/registrations", json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def invitations(client, slug: str = SLUG) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/editions/{slug}/invitations?page_size=100")
    assert response.status_code == 200, response.json
    return response.json


def table_text(page) -> str:
    """The text of the page's table (empty when the page lists nothing)."""
    table = page.soup.find("table")
    return table.get_text(" ", strip=True) if table else ""


def counts_on(page) -> dict[str, int]:
    """The figures of the first counts list on a page, by label."""
    figures = {}
    for item in page.soup.select_one("ul.counts").select("li"):
        number = item.find("strong").get_text()
        figures[item.get_text(" ", strip=True)[len(number):].strip()] = int(number)
    return figures


@pytest.fixture
def organizer(app) -> Browser:
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


# Who may come in -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/sfmmc-2025/", "/sfmmc-2025/invitations",
                                  "/sfmmc-2025/registrations", "/sfmmc-2025/programme",
                                  "/sfmmc-2025/check-in", "/sfmmc-2025/registrations.csv"])
def test_anonymous_visitors_are_sent_to_sign_in(app, organizer_client, path):
    open_edition(organizer_client)
    page = Browser(app.test_client()).get(f"/manage{path}")
    assert page.status == 302
    assert page.response.headers["Location"].startswith(f"/login?next=/manage{path}")


def test_a_viewer_reads_the_pages_but_may_not_write(app, organizer_client):
    open_edition(organizer_client, requires_approval=True)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    pending = register(organizer_client, "Somchai Rattanakorn", org["id"])
    viewer = browser_for_role(app, Role.VIEWER)

    dashboard = viewer.get("/manage/")
    assert dashboard.status == 200
    assert "Sub-Forum sfmmc-2025" in dashboard.text
    roster_page = viewer.get(f"{MANAGE}/registrations")
    assert "Somchai Rattanakorn" in roster_page.text
    assert not roster_page.soup.find("button", string="Confirm")
    assert not viewer.get(f"{MANAGE}/invitations").soup.find("button",
                                                               string="Send all drafts")

    refused = viewer.post(f"{MANAGE}/registrations/{pending['id']}/confirm")
    assert refused.status == 403
    assert viewer.post(f"{MANAGE}/invitations", {
        "organization_id": str(org["id"]), "focal_point_name": "Ms. Focal",
        "focal_point_email": "focal@example.org", "quota": "3",
        "deadline": "2030-11-01T12:00"}).status == 403
    assert viewer.post(f"{MANAGE}/programme/items",
                       {"kind": "plenary", "title": "Viewer's plenary"}).status == 403
    assert roster(organizer_client)[0]["status"] == "pending"
    assert invitations(organizer_client) == []


def test_a_form_without_its_csrf_token_is_refused(app, organizer_client, organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    person = register(organizer_client, "Somchai Rattanakorn", org["id"])
    organizer.get(f"{MANAGE}/check-in")
    page = organizer.post(f"{MANAGE}/check-in", {"badge_code": person["badge_code"]},
                          csrf=False)
    assert page.status == 400
    assert roster(organizer_client)[0]["checked_in_at"] is None


# Dashboards ------------------------------------------------------------------------

def test_dashboard_counts_follow_registrations(app, organizer_client, organizer):
    open_edition(organizer_client)
    thailand = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    viet_nam = organization(organizer_client, "Immigration Department of Viet Nam", "VN")

    before = organizer.get("/manage/")
    assert before.status == 200
    assert counts_on(before)["registered"] == 0
    link = before.soup.find("a", string="Sub-Forum sfmmc-2025")
    assert link["href"] == f"{MANAGE}/"

    register(organizer_client, "Somchai Rattanakorn", thailand["id"])
    register(organizer_client, "Nguyen Van An", viet_nam["id"])
    after = counts_on(organizer.get("/manage/"))
    assert after["registered"] == 2
    assert after["confirmed"] == 2
    assert after["countries and regions"] == 2
    assert after["checked in"] == 0

    edition_page = organizer.get(f"{MANAGE}/")
    assert counts_on(edition_page)["confirmed"] == 2
    hrefs = {a["href"] for a in edition_page.soup.select("main a")}
    for path in ("invitations", "registrations", "programme", "check-in"):
        assert f"{MANAGE}/{path}" in hrefs
    # Statements belong to the secretariat: organizers get no link.
    assert f"/secretariat/{SLUG}/statements" not in hrefs


def test_the_dashboard_says_how_many_wait_for_approval(app, organizer_client, organizer):
    open_edition(organizer_client, requires_approval=True)
    thailand = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    assert "waiting for approval" not in counts_on(organizer.get("/manage/"))

    register(organizer_client, "Somchai Rattanakorn", thailand["id"])
    shown = counts_on(organizer.get("/manage/"))
    assert (shown["registered"], shown["waiting for approval"], shown["confirmed"]) == (1, 1, 0)


def test_secretariat_staff_find_the_statements_link(app, organizer_client):
    open_edition(organizer_client)
    secretariat = browser_for_role(app, Role.SECRETARIAT)
    page = secretariat.get("/manage/")
    assert page.soup.find("a", href=f"/secretariat/{SLUG}/statements")


# Invitations -----------------------------------------------------------------------

def test_an_invitation_with_a_bad_email_keeps_what_was_typed(app, organizer_client,
                                                             organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    organizer.get(f"{MANAGE}/invitations")
    page = organizer.post(f"{MANAGE}/invitations", {
        "organization_id": str(org["id"]), "focal_point_name": "Ms. Malee Srisuk",
        "focal_point_email": "not-an-email", "focal_point_language": "en",
        "quota": "3", "deadline": "2030-11-01T12:00"})
    assert page.status == 422
    assert "Not a valid email address." in page.text
    email = page.soup.find("input", attrs={"name": "focal_point_email"})
    assert email["value"] == "not-an-email"
    assert email["aria-invalid"] == "true"
    assert page.soup.find("input", attrs={"name": "focal_point_name"})["value"] == (
        "Ms. Malee Srisuk")
    chosen = page.soup.find("select", attrs={"name": "organization_id"}).find(
        "option", selected=True)
    assert chosen["value"] == str(org["id"])
    assert invitations(organizer_client) == []


def test_create_invitations_then_send_all_drafts(app, organizer_client, organizer):
    open_edition(organizer_client)
    thailand = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    viet_nam = organization(organizer_client, "Immigration Department of Viet Nam", "VN")
    organizer.get(f"{MANAGE}/invitations")
    for org, email in ((thailand, "malee@example.org"), (viet_nam, "an@example.org")):
        page = organizer.post(f"{MANAGE}/invitations", {
            "organization_id": str(org["id"]), "focal_point_name": "Focal Point",
            "focal_point_email": email, "focal_point_language": "zh", "quota": "4",
            "deadline": "2030-11-01T12:00"})
        assert page.status == 303, page.text[:500]
    listed = invitations(organizer_client)
    assert [i["status"] for i in listed] == ["draft", "draft"]
    # The deadline typed as local time in the edition's zone (Asia/Shanghai, +08:00).
    assert listed[0]["deadline"].startswith("2030-11-01T04:00:00")
    assert listed[0]["focal_point_language"] == "zh"

    page = organizer.get(f"{MANAGE}/invitations?status=draft")
    assert "Immigration Bureau of Thailand" in table_text(page)
    assert page.soup.find("button", string="Send all drafts")
    sent = organizer.post(f"{MANAGE}/invitations/send-drafts", follow=True)
    assert sent.status == 200
    assert "2 draft invitations sent." in sent.text
    assert [i["status"] for i in invitations(organizer_client)] == ["sent", "sent"]
    assert "Immigration Bureau of Thailand" not in table_text(organizer.get(
        f"{MANAGE}/invitations?status=draft"))


def test_revoke_an_invitation_and_a_refused_send_changes_nothing(app, organizer_client,
                                                                 organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    response = organizer_client.post(f"/api/v1/editions/{SLUG}/invitations", json={
        "organization_id": org["id"], "focal_point_name": "Ms. Focal",
        "focal_point_email": "focal@example.org", "quota": 3, "deadline": in_days(10)})
    invitation_id = response.json["id"]
    page = organizer.get(f"{MANAGE}/invitations")
    assert page.soup.find("button", string="Revoke")
    revoked = organizer.post(f"{MANAGE}/invitations/{invitation_id}/revoke", follow=True)
    assert "revoked" in revoked.text
    assert invitations(organizer_client)[0]["status"] == "revoked"

    again = organizer.post(f"{MANAGE}/invitations/{invitation_id}/send")
    assert again.status == 409
    assert "The invitation is revoked" in again.text
    assert invitations(organizer_client)[0]["status"] == "revoked"


# Registrations and check-in --------------------------------------------------------

def test_roster_filters_and_pages(app, organizer_client, organizer):
    open_edition(organizer_client)
    thailand = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    viet_nam = organization(organizer_client, "Immigration Department of Viet Nam", "VN")
    register(organizer_client, "Somchai Rattanakorn", thailand["id"],
             role="head_of_delegation")
    register(organizer_client, "Nguyen Van An", viet_nam["id"])

    everyone = organizer.get(f"{MANAGE}/registrations")
    assert "Somchai Rattanakorn" in everyone.text and "Nguyen Van An" in everyone.text
    headers = [th.get_text(strip=True) for th in everyone.soup.select("thead th")]
    assert headers[:6] == ["Name", "Organization", "Country or region", "Role", "Status",
                           "Badge code"]

    by_country = organizer.get(f"{MANAGE}/registrations?country_code=VN")
    assert "Nguyen Van An" in by_country.text
    assert "Somchai Rattanakorn" not in by_country.text
    by_role = organizer.get(f"{MANAGE}/registrations?role=head_of_delegation")
    assert "Somchai Rattanakorn" in by_role.text and "Nguyen Van An" not in by_role.text
    assert by_role.form_values("form[method=get]")["role"] == "head_of_delegation"
    by_org = organizer.get(f"{MANAGE}/registrations?organization_id={thailand['id']}")
    assert "Nguyen Van An" not in by_org.text
    assert "Nguyen Van An" not in organizer.get(
        f"{MANAGE}/registrations?status=pending").text

    bad = organizer.get(f"{MANAGE}/registrations?country_code=Thailand")
    assert bad.status == 422
    assert "Use an ISO 3166-1 alpha-2 code." in bad.text


def test_register_someone_from_the_roster_page(app, organizer_client, organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    page = organizer.get(f"{MANAGE}/registrations")
    form = page.form_values("form[action$='/registrations'][method=post]")
    assert form["role"] == "delegate" and form["attendance"] == "in_person"

    bad = organizer.post(f"{MANAGE}/registrations", {
        **form, "full_name": "Malee Srisuk", "email": "malee@", "role": "press",
        "organization_id": str(org["id"])})
    assert bad.status == 422
    assert "Not a valid email address." in bad.text
    kept = bad.form_values("form[action$='/registrations'][method=post]")
    assert kept["full_name"] == "Malee Srisuk"
    assert kept["role"] == "press"
    assert kept["organization_id"] == str(org["id"])
    assert roster(organizer_client) == []

    done = organizer.post(f"{MANAGE}/registrations", {**kept, "email": "malee@example.org"},
                          follow=True)
    assert "Registered: Malee Srisuk (confirmed)." in done.text
    [registration] = roster(organizer_client)
    assert registration["role"] == "press"
    assert registration["organization"]["id"] == org["id"]

    twice = organizer.post(f"{MANAGE}/registrations", {**kept, "email": "malee@example.org"})
    assert twice.status == 409
    assert "Malee Srisuk is already registered" in twice.text
    assert len(roster(organizer_client)) == 1


def test_the_roster_comes_in_pages_and_row_buttons_return_to_the_same_page(
        app, organizer_client, organizer):
    open_edition(organizer_client)
    lines = ["full_name,email,role"] + [
        f"Delegate {n:02d},delegate{n:02d}@example.org,delegate" for n in range(1, 56)]
    response = organizer_client.post(f"{REGISTRATIONS_URL}/import",
                                     data="\r\n".join(lines) + "\r\n",
                                     content_type="text/csv")
    assert response.status_code == 201, response.get_data(as_text=True)

    first = organizer.get(f"{MANAGE}/registrations")
    assert "55 registrations." in first.text
    assert len(first.soup.select("table tbody tr")) == 50
    assert "Page 1 of 2" in first.text
    next_link = first.soup.find("a", string="Next page")
    second = organizer.get(next_link["href"])
    names = [th.get_text() for th in second.soup.select("table tbody th")]
    assert names == [f"Delegate {n:02d}" for n in range(51, 56)]
    assert second.soup.find("a", string="Previous page")

    last_id = roster(organizer_client)[-1]["id"]
    ask = organizer.get(second.soup.find("a", attrs={
        "href": lambda href: href and href.startswith(
            f"{MANAGE}/registrations/{last_id}/cancel")})["href"])
    back = ask.soup.find("form", action=f"{MANAGE}/registrations/{last_id}/cancel").find(
        "input", attrs={"name": "back"})["value"]
    done = organizer.post(f"{MANAGE}/registrations/{last_id}/cancel",
                          {"back": back + "&slug=elsewhere&next=//evil.example"})
    assert done.status == 303
    assert done.response.headers["Location"] == f"{MANAGE}/registrations?page=2"


def test_confirm_a_pending_registration_then_check_it_in(app, organizer_client, organizer):
    open_edition(organizer_client, requires_approval=True)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    pending = register(organizer_client, "Somchai Rattanakorn", org["id"])
    assert pending["status"] == "pending"

    page = organizer.get(f"{MANAGE}/registrations?status=pending")
    assert page.soup.find("button", string="Confirm")
    done = organizer.post(f"{MANAGE}/registrations/{pending['id']}/confirm",
                          {"back": "status=pending"})
    assert done.status == 303
    assert done.response.headers["Location"] == f"{MANAGE}/registrations?status=pending"
    badge = roster(organizer_client)[0]["badge_code"]
    assert roster(organizer_client)[0]["status"] == "confirmed"
    assert badge in organizer.get(f"{MANAGE}/registrations").text

    form = organizer.get(f"{MANAGE}/check-in")
    label = form.soup.find("label", attrs={"for": "f-badge_code"})
    assert label.get_text(strip=True).startswith("Badge code")
    assert form.soup.find("button", string="Check in")
    checked = organizer.post(f"{MANAGE}/check-in", {"badge_code": badge.lower()})
    assert checked.status == 303
    after = organizer.get(checked.response.headers["Location"])
    assert "Checked in: Somchai Rattanakorn" in after.text
    assert after.soup.select_one("table tbody th").get_text() == "Somchai Rattanakorn"
    assert roster(organizer_client)[0]["checked_in_at"] is not None

    twice = organizer.post(f"{MANAGE}/check-in", {"badge_code": badge})
    assert twice.status == 409
    assert "Somchai Rattanakorn already checked in" in twice.text
    assert twice.soup.find("input", attrs={"name": "badge_code"})["value"] == badge


def test_a_refused_confirmation_shows_why(app, organizer_client, organizer):
    open_edition(organizer_client)
    person = register(organizer_client, "Somchai Rattanakorn")
    assert person["status"] == "confirmed"
    page = organizer.post(f"{MANAGE}/registrations/{person['id']}/confirm")
    assert page.status == 409
    assert "A registration that is confirmed cannot become confirmed." in page.text
    cancelled = organizer.post(f"{MANAGE}/registrations/{person['id']}/cancel", follow=True)
    assert "Cancelled: Somchai Rattanakorn" in cancelled.text
    assert roster(organizer_client)[0]["status"] == "cancelled"


def test_an_unknown_badge_code_is_reported_with_the_code_kept(app, organizer_client,
                                                              organizer):
    open_edition(organizer_client)
    organizer.get(f"{MANAGE}/check-in")
    page = organizer.post(f"{MANAGE}/check-in", {"badge_code": "NOPE2345"})
    assert page.status == 404
    assert "No badge “NOPE2345”" in page.text
    assert page.soup.find("input", attrs={"name": "badge_code"})["value"] == "NOPE2345"
    short = organizer.post(f"{MANAGE}/check-in", {"badge_code": "AB"})
    assert short.status == 422
    assert short.soup.find("input", attrs={"name": "badge_code"})["aria-invalid"] == "true"


def test_roster_csv_download(app, organizer_client, organizer):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    register(organizer_client, "Somchai Rattanakorn", org["id"])
    register(organizer_client, "Nguyen Van An")
    page = organizer.get(f"{MANAGE}/registrations?country_code=TH")
    link = page.soup.find("a", string="Download CSV")
    assert link["href"] == f"{MANAGE}/registrations.csv?country_code=TH"

    response = organizer.client.get(link["href"])
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-registrations.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["full_name"] for row in rows] == ["Somchai Rattanakorn"]
    assert rows[0]["email"] == "somchai@example.org"
    api = organizer_client.get(f"{REGISTRATIONS_URL}.csv?country_code=TH")
    assert api.get_data() == response.get_data()

    # A viewer downloads the same roster without contact details, as from the API.
    viewer_csv = browser_for_role(app, Role.VIEWER).client.get(
        f"{MANAGE}/registrations.csv").get_data(as_text=True)
    assert "Somchai Rattanakorn" in viewer_csv
    assert "somchai@example.org" not in viewer_csv


def test_registration_import_page(organizer_client, organizer):
    """From the roster page to the import page; a file with a bad line is listed by line
    and imports nobody; a Western European Excel file with the export's extra columns
    imports, the ignored columns named."""
    open_edition(organizer_client)
    roster_page = organizer.get(f"{MANAGE}/registrations")
    link = roster_page.soup.find("a", string="Import registrations (CSV)")
    page = organizer.get(link["href"])
    assert page.status == 200
    assert page.soup.find("input", attrs={"type": "file", "name": "file"})
    action = page.soup.find("form", attrs={"enctype": "multipart/form-data"})["action"]
    template = organizer.client.get(page.soup.find(
        "a", string="Download an empty file with the columns (CSV)")["href"])
    assert template.mimetype == "text/csv"
    header = template.data.decode("utf-8-sig").strip().split(",")
    assert header[:3] == ["full_name", "email", "role"] and "organization" in header

    def upload(data: bytes):
        return organizer.post(action, {"file": (io.BytesIO(data), "roster.csv")},
                              content_type="multipart/form-data")

    refused = upload(b"full_name,email,role\r\nA,a@example.org,delegate\r\n"
                     b"B,b@example.org,minister\r\n")
    assert refused.status == 422
    [row] = refused.soup.select("#import-problems tbody tr")
    assert row["data-line"] == "3"
    assert "role" in row.get_text()
    assert roster(organizer_client) == []

    chinese_legacy = "full_name,email,role\r\n陈静,chen@example.org,delegate\r\n"
    refused = upload(chinese_legacy.encode("gbk"))
    assert refused.status == 422
    assert refused.soup.select_one("#import-problems tr[data-line='2']")
    assert "CSV UTF-8" in refused.text

    done = upload("full_name;email;role;status;badge_code\r\n"
                  "José Müller;jose@example.org;delegate;cancelled;X\r\n"
                  "Ó Briain;ob@example.org;observer;;\r\n".encode("cp1252"))
    assert done.status == 303
    listed = organizer.get(done.response.headers["Location"])
    notices = [p.get_text(" ", strip=True) for p in listed.soup.select("p.notice")]
    assert notices[0] == "2 registrations imported."
    assert any("status, badge_code" in notice for notice in notices)
    assert any("Windows-1252" in notice for notice in notices)
    assert [r["full_name"] for r in roster(organizer_client)] == ["José Müller", "Ó Briain"]


# Programme -------------------------------------------------------------------------

PROGRAMME = f"/manage/{PROGRAMME_SLUG}/programme"


def item_form(title: str, start: str, end: str, room: str = "Hall A", **fields: str
              ) -> dict[str, str]:
    return {"kind": "plenary", "title": title, "room": room, "starts_at": start,
            "ends_at": end, **fields}


def test_programme_add_clash_publish_and_changelog(app, organizer_client, organizer):
    open_programme_edition(organizer_client)
    organizer.get(PROGRAMME)
    added = organizer.post(f"{PROGRAMME}/items",
                           item_form("Opening plenary", "2025-10-24T09:00",
                                     "2025-10-24T10:30"))
    assert added.status == 303
    page = organizer.get(PROGRAMME)
    assert "Added to the programme: Opening plenary" in page.text
    assert "Fri, Oct 24, 2025, 09:00 – 10:30" in page.text
    assert "Europe/Madrid" in page.text

    clash = organizer.post(f"{PROGRAMME}/items",
                           item_form("Press briefing", "2025-10-24T10:00",
                                     "2025-10-24T11:00", room="hall a"))
    assert clash.status == 409
    assert "Room “hall a” is taken by “Opening plenary” at that time." in clash.text
    form = clash.form_values("form[action$='/programme/items']")
    assert form["title"] == "Press briefing"
    assert form["starts_at"] == "2025-10-24T10:00"
    assert form["room"] == "hall a"
    draft = organizer_client.get(
        f"/api/v1/editions/{PROGRAMME_SLUG}/programme?version=draft").json["items"]
    assert [item["title"] for item in draft] == ["Opening plenary"]
    assert draft[0]["starts_at"] == "2025-10-24T09:00:00+02:00"

    published = organizer.post(f"{PROGRAMME}/publish", {"note": "First programme"},
                               follow=True)
    assert "Published version 1 of the programme." in published.text
    assert "No changes since version 1." in published.text
    public = organizer_client.get(f"/api/v1/editions/{PROGRAMME_SLUG}/programme").json
    assert public["version"] == 1

    organizer.post(f"{PROGRAMME}/items", item_form(
        "Breakout on border management", "2025-10-27T14:00", "2025-10-27T15:30",
        room="Room 2", kind="breakout_session"))
    page = organizer.get(PROGRAMME)
    assert "Changes since version 1" in page.text
    assert "Added: Breakout on border management" in page.text
    # After the end of summer time the edition's zone is +01:00.
    assert "Mon, Oct 27, 2025, 14:00 – 15:30" in page.text
    nothing = organizer.post(f"{PROGRAMME}/publish", {"note": ""})
    assert nothing.status == 303


def test_the_programme_pages_link_the_calendar_only_when_it_has_an_event(
        app, organizer_client, organizer, client):
    """An untimed programme has no calendar file (404): neither the organizer's programme
    page nor the public edition page links it, until an item with a time is published."""
    open_programme_edition(organizer_client)
    calendar = f"/api/v1/editions/{PROGRAMME_SLUG}/programme.ics"
    organizer.post(f"{PROGRAMME}/items", {"kind": "plenary", "title": "Opening plenary"})
    organizer.post(f"{PROGRAMME}/publish", {"note": ""})
    assert client.get(calendar).status_code == 404
    public_page = f"/editions/{PROGRAMME_SLUG}"

    def links(page) -> list:
        return page.soup.select(f"a[href$='{calendar}']")

    assert not links(organizer.get(PROGRAMME))
    assert not links(organizer.get(public_page))

    organizer.post(f"{PROGRAMME}/items", item_form("Plenary", "2025-10-24T09:00",
                                                    "2025-10-24T10:30"))
    organizer.post(f"{PROGRAMME}/publish", {"note": ""})
    assert client.get(calendar).status_code == 200
    assert links(organizer.get(PROGRAMME))
    assert links(organizer.get(public_page))


def test_programme_edit_cancel_and_restore(app, organizer_client, organizer):
    open_programme_edition(organizer_client)
    item = add_item(organizer_client, "Opening plenary", at(24, "09:00"), at(24, "10:30"),
                    room="Hall A")
    add_item(organizer_client, "Lunch", at(24, "12:00"), at(24, "13:00"), room="Hall B")
    edit = organizer.get(f"{PROGRAMME}/items/{item['id']}")
    selector = f"form[action$='/items/{item['id']}']"
    values = edit.form_values(selector)
    assert values["starts_at"] == "2025-10-24T09:00"
    assert values["room"] == "Hall A"

    values.update(room="Hall B", starts_at="2025-10-24T12:30", ends_at="2025-10-24T13:30")
    clash = organizer.post(f"{PROGRAMME}/items/{item['id']}", values)
    assert clash.status == 409
    assert "taken by “Lunch”" in clash.text
    assert clash.form_values(selector)["starts_at"] == (
        "2025-10-24T12:30")

    values.update(room="", starts_at="2025-10-24T09:30", ends_at="2025-10-24T11:00")
    saved = organizer.post(f"{PROGRAMME}/items/{item['id']}", values)
    assert saved.status == 303
    draft = {i["title"]: i for i in organizer_client.get(
        f"/api/v1/editions/{PROGRAMME_SLUG}/programme?version=draft").json["items"]}
    assert draft["Opening plenary"]["room"] is None
    assert draft["Opening plenary"]["starts_at"] == "2025-10-24T09:30:00+02:00"

    blank = organizer.post(f"{PROGRAMME}/items/{item['id']}", {**values, "title": " "})
    assert blank.status == 422
    assert "Must not be blank." in blank.text

    published = organizer.post(f"{PROGRAMME}/publish", {"note": "First"}, follow=True)
    assert "Published version 1" in published.text
    values.update(starts_at="2025-10-27T09:30", ends_at="2025-10-27T11:00", room="Hall C")
    assert organizer.post(f"{PROGRAMME}/items/{item['id']}", values).status == 303
    assert ("Moved: Opening plenary (from Fri, Oct 24, 2025, 09:30 to "
            "Mon, Oct 27, 2025, 09:30, Hall C)") in organizer.get(PROGRAMME).text

    cancelled = organizer.post(f"{PROGRAMME}/items/{item['id']}/cancel",
                               {"cancelled": "true"}, follow=True)
    assert "Cancelled: Opening plenary" in cancelled.text
    assert cancelled.soup.find("button", string="Restore")
    restored = organizer.post(f"{PROGRAMME}/items/{item['id']}/cancel",
                              {"cancelled": "false"}, follow=True)
    assert "Restored: Opening plenary" in restored.text


# The archive -----------------------------------------------------------------------

def test_an_archived_edition_is_read_only(app, seeded, organizer, organizer_client):
    base = f"/manage/{ARCHIVED}"
    recorded = organizer_client.get(f"/api/v1/editions/{ARCHIVED}").json["recorded"]
    assert recorded["organizations"] > 0
    assert (f"On record: {recorded['organizations']} organizations from "
            f"{recorded['countries_and_regions']} countries and regions.") in organizer.get(
        "/manage/").text
    overview = organizer.get(f"{base}/")
    assert overview.status == 200
    assert "archived" in overview.text
    assert "read-only" in overview.text

    programme_page = organizer.get(f"{base}/programme")
    assert programme_page.status == 200
    rows = programme_page.soup.select("table tbody tr")
    assert rows, "the 2024 programme is shown"
    assert not programme_page.soup.find("button", string="Add item")
    assert not programme_page.soup.find("button", string="Publish")
    before = programme_page.soup.select_one("table tbody").get_text()

    for path in ("invitations", "registrations", "check-in"):
        page = organizer.get(f"{base}/{path}")
        assert page.status == 200, path
        assert not page.soup.select("form[method=post] button:not(.link)"), path

    add = organizer.post(f"{base}/programme/items",
                         item_form("Late addition", "2024-09-09T09:00", "2024-09-09T10:00"))
    assert add.status == 409
    assert "archived and read-only" in add.text
    assert organizer.post(f"{base}/check-in", {"badge_code": "ABCD2345"}).status == 409
    invite = organizer.post(f"{base}/invitations", {
        "organization_id": "1", "focal_point_name": "Ms. Focal",
        "focal_point_email": "focal@example.org", "quota": "3",
        "deadline": "2030-11-01T12:00"})
    assert invite.status == 409
    publish = organizer.post(f"{base}/programme/publish", {"note": "Again"})
    assert publish.status == 409
    after = organizer.get(f"{base}/programme")
    assert after.soup.select_one("table tbody").get_text() == before
    assert "Late addition" not in after.text


def test_cancelling_a_registration_asks_first(app, organizer_client, organizer):
    open_edition(organizer_client)
    person = register(organizer_client, "Somchai Rattanakorn")
    listing = organizer.get(f"{MANAGE}/registrations")
    link = listing.soup.find("a", attrs={
        "aria-label": "Cancel the registration of Somchai Rattanakorn"})
    ask = organizer.get(link["href"])
    assert ask.status == 200
    assert "Its seat goes to the first person on the waiting list." in ask.text
    assert roster(organizer_client)[0]["status"] == "confirmed"  # asking changes nothing
    form = ask.soup.find("button", string="Cancel the registration").find_parent("form")
    done = organizer.post(form["action"], ask.form_values("main form"), follow=True)
    assert "Cancelled: Somchai Rattanakorn" in done.text
    assert roster(organizer_client)[0]["status"] == "cancelled"
    assert person["id"] == roster(organizer_client)[0]["id"]
