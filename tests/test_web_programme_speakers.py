"""Plenary speakers on the programme item's page: added from the registrations or the
directory, changed, removed, put in protocol order; the calendar links; and a time the
clocks skip refused on the page as the programme service refuses it."""

from __future__ import annotations

import pytest
from _helpers import create_edition, create_series
from _programme import SLUG, add_item, at, open_edition, organization, person, register
from _web import browser_for_role

from eventhub.auth.models import Role

ITEM_PAGE = "/manage/{slug}/programme/items/{item_id}"


@pytest.fixture
def organizer(app):
    return browser_for_role(app, Role.ORGANIZER, "org@example.org")


def speakers_on(page) -> list[str]:
    return [th.get_text(strip=True) for th in page.soup.select("table.speakers tbody th")]


def test_speakers_added_on_the_page_then_put_in_protocol_order(app, organizer_client,
                                                                organizer):
    host = organization(organizer_client, "Ministry of the Interior of Spain",
                        country_code="ES")
    open_edition(organizer_client, host_organization_id=host["id"])
    item = add_item(organizer_client, "Opening plenary", at(24, "09:00"), at(24, "10:30"),
                    room="Hall A")
    other = organization(organizer_client, "International Organization for Migration",
                         kind="international_organization")
    thailand = organization(organizer_client, "Immigration Bureau of Thailand",
                            country_code="TH")
    brazil = organization(organizer_client, "Federal Police of Brazil", country_code="BR")
    iom = person(organizer_client, "Amy Pope", other["id"])
    minister = person(organizer_client, "Fernando Marlaska", host["id"])
    somchai = register(organizer_client, "Somchai Rattanakorn")
    # Registered people come first in the choice; the directory's others after.
    thai = person(organizer_client, "Suda Thai", thailand["id"])
    andrei = person(organizer_client, "Andrei Rodrigues", brazil["id"])
    url = ITEM_PAGE.format(slug=SLUG, item_id=item["id"])

    page = organizer.get(url)
    assert page.status == 200
    choice = page.soup.find("select", attrs={"name": "person_id"})
    groups = [group["label"] for group in choice.find_all("optgroup")]
    assert groups == ["Registered for this edition", "Directory"]
    assert choice.find("optgroup").find("option", string="Somchai Rattanakorn")

    for who, role, title in ((iom, "keynote", "Migration in 2030"),
                             (thai, "speech", ""), (andrei, "speech", ""),
                             (minister, "opening_speech", "Welcome")):
        done = organizer.post(f"{url}/speeches", {"person_id": str(who["id"]), "role": role,
                                                  "talk_title": title})
        assert done.status == 303, done.text[:800]
    page = organizer.get(url)
    assert speakers_on(page) == ["Amy Pope", "Suda Thai", "Andrei Rodrigues",
                                 "Fernando Marlaska"]
    assert "Speaker added: Fernando Marlaska" in page.text
    suggested = [li.get_text(strip=True) for li in page.soup.select("ol.protocol-order li")]
    # Host first, national authorities by country (Brazil, Thailand), then organizations.
    assert suggested == ["Fernando Marlaska", "Andrei Rodrigues", "Suda Thai", "Amy Pope"]
    applied = organizer.post(f"{url}/protocol-order", follow=True)
    assert applied.status == 200
    assert speakers_on(applied) == suggested
    assert not applied.soup.select("ol.protocol-order")
    assert "The running order follows the order of precedence." in applied.text

    # Change a speech (role, title, place), then remove one.
    row = applied.soup.find("th", string="Amy Pope").parent
    speech_form = row.find("form", id=lambda v: v and v.startswith("form-speech-"))
    changed = organizer.post(speech_form["action"], {
        "role": "plenary_speech", "talk_title": "Safe and orderly migration", "position": "1"})
    assert changed.status == 303, changed.text[:800]
    page = organizer.get(url)
    assert speakers_on(page)[0] == "Amy Pope"
    assert page.soup.find("input", attrs={"value": "Safe and orderly migration"})
    row = page.soup.find("th", string="Suda Thai").parent
    remove = row.find("button", string="Remove").parent["action"]
    assert organizer.post(remove).status == 303
    assert "Suda Thai" not in speakers_on(organizer.get(url))
    draft = organizer_client.get(f"/api/v1/editions/{SLUG}/programme?version=draft").json
    assert [s["person"]["full_name"] for s in draft["items"][0]["speeches"]] == [
        "Amy Pope", "Fernando Marlaska", "Andrei Rodrigues"]
    assert draft["items"][0]["speeches"][0]["talk_title"] == "Safe and orderly migration"
    del somchai


def test_a_refused_speaker_shows_why_and_changes_nothing(app, organizer_client, organizer):
    open_edition(organizer_client)
    first = add_item(organizer_client, "Opening plenary", at(24, "09:00"), at(24, "10:30"))
    second = add_item(organizer_client, "Panel", at(24, "10:00"), at(24, "11:00"),
                      room="Hall B")
    busy = person(organizer_client, "Busy Speaker")
    url = ITEM_PAGE.format(slug=SLUG, item_id=first["id"])
    organizer.get(url)
    assert organizer.post(f"{url}/speeches", {"person_id": str(busy["id"]),
                                              "role": "speech"}).status == 303
    other = ITEM_PAGE.format(slug=SLUG, item_id=second["id"])
    organizer.get(other)
    clash = organizer.post(f"{other}/speeches", {"person_id": str(busy["id"]),
                                                 "role": "speech"})
    assert clash.status == 409
    assert "Busy Speaker is already in “Opening plenary” at that time." in clash.text
    missing = organizer.post(f"{other}/speeches", {"role": "speech"})
    assert missing.status == 422
    assert missing.soup.find("select", attrs={"name": "person_id"})["aria-invalid"] == "true"
    assert speakers_on(organizer.get(other)) == []


def test_the_programme_and_its_calendar_are_linked(app, organizer_client, organizer, client):
    open_edition(organizer_client)
    add_item(organizer_client, "Exhibition", at(24, "09:00"), at(25, "17:00"),
             kind="exhibition")
    page = organizer.get(f"/manage/{SLUG}/programme")
    # A two-day exhibition reads as a span over both days.
    cell = page.soup.select_one("table tbody td").get_text()
    assert "Oct 24, 2025" in cell and "Oct 25, 2025" in cell
    assert not page.soup.find("a", string=lambda s: s and "iCalendar" in s)
    organizer_client.post(f"/api/v1/editions/{SLUG}/programme/versions", json={"note": "v1"})
    page = organizer.get(f"/manage/{SLUG}/programme")
    link = page.soup.find("a", string=lambda s: s and "iCalendar" in s)
    assert link["href"] == f"/api/v1/editions/{SLUG}/programme.ics"
    calendar = client.get(link["href"])
    assert calendar.status_code == 200
    assert b"SUMMARY:Exhibition" in calendar.get_data()
    # The public programme (where focal points are sent) shows the span too.
    public = organizer.get(f"/editions/{SLUG}")
    shown = public.soup.select_one("section.programme-item time").get_text()
    assert "Oct 24, 2025" in shown and "Oct 25, 2025" in shown


@pytest.fixture
def spring_edition(organizer_client):
    """An edition in Madrid over the start of summer time: on Sunday 29 March 2026 the
    clocks go from 02:00 straight to 03:00."""
    create_series(organizer_client)
    create_edition(organizer_client, slug="madrid-2026", title="Spring forum",
                   time_zone="Europe/Madrid", start_date="2026-03-27", end_date="2026-03-30",
                   city="Madrid", country_code="ES")
    return "madrid-2026"


def test_a_time_the_clocks_skip_is_refused_on_the_page(app, organizer, spring_edition):
    url = f"/manage/{spring_edition}/programme"
    organizer.get(url)
    form = {"kind": "plenary", "title": "Night session", "room": "Hall A",
            "starts_at": "2026-03-29T02:30", "ends_at": "2026-03-29T04:00"}
    refused = organizer.post(f"{url}/items", form)
    assert refused.status == 422
    box = refused.soup.find("input", attrs={"name": "starts_at"})
    assert box["aria-invalid"] == "true"
    message = refused.soup.find(id="f-starts_at-error").get_text()
    assert "2026-03-29 02:30 does not exist in Europe/Madrid" in message
    assert box["value"] == "2026-03-29T02:30"
    assert not refused.soup.select("table tbody tr")
    # The same refusal from the item's edit form.
    fine = organizer.post(f"{url}/items", {**form, "starts_at": "2026-03-29T03:30"})
    assert fine.status == 303
    page = organizer.get(url)
    edit = page.soup.find("a", string="Edit")["href"]
    organizer.get(edit)
    again = organizer.post(edit, {**form, "starts_at": "2026-03-29T02:15"})
    assert again.status == 422
    assert "does not exist in Europe/Madrid" in again.soup.find(id="f-starts_at-error").text
    # In Chinese, translated.
    zh = organizer.post(f"{url}/items?lang=zh", form)
    assert zh.status == 422
    assert "Europe/Madrid" in zh.soup.find(id="f-starts_at-error").get_text()
    assert "does not exist" not in zh.soup.find(id="f-starts_at-error").get_text()


def test_the_invitation_deadline_box_refuses_a_skipped_time_alike(app, organizer_client,
                                                                  organizer, spring_edition):
    """The invitation form's deadline (a date-and-time box in the edition's zone) goes
    through the programme's conversion: the same refusal, on the field."""
    org = organization(organizer_client, "Immigration Bureau of Thailand", country_code="TH")
    url = f"/manage/{spring_edition}/invitations"
    organizer.get(url)
    refused = organizer.post(url, {
        "organization_id": str(org["id"]), "focal_point_name": "Ms. Focal Point",
        "focal_point_email": "focal@example.org", "focal_point_language": "en",
        "quota": "3", "deadline": "2027-03-28T02:30"})
    assert refused.status == 422
    message = refused.soup.find(id="f-deadline-error").get_text()
    assert "2027-03-28 02:30 does not exist in Europe/Madrid" in message
    listed = organizer_client.get(f"/api/v1/editions/{spring_edition}/invitations")
    assert listed.json == []


def test_the_focal_point_reaches_the_programme_and_its_calendar(app, organizer_client,
                                                                client):
    from _attendance import open_edition as open_attendance_edition
    from _attendance import organization as attendance_organization
    from _attendance import sent_invitation
    from _web import Browser

    edition = open_attendance_edition(organizer_client)
    org = attendance_organization(organizer_client, "Immigration Bureau of Thailand", "TH")
    _, token = sent_invitation(app, organizer_client, org["id"])
    response = organizer_client.post(f"/api/v1/editions/{edition['slug']}/programme/items",
                                     json={"kind": "plenary", "title": "Opening plenary",
                                           "starts_at": "2030-11-20T09:00:00",
                                           "ends_at": "2030-11-20T10:00:00"})
    assert response.status_code == 201, response.get_data(as_text=True)
    focal_point = Browser(app.test_client())
    # Nothing timed is published yet: no calendar, so no link to one (never a dead link).
    unpublished = focal_point.get(f"/rsvp/{token}").soup.find("nav", class_="programme-links")
    assert [a.get_text(strip=True) for a in unpublished.find_all("a")] == ["Programme"]
    organizer_client.post(f"/api/v1/editions/{edition['slug']}/programme/versions",
                          json={"note": "v1"})
    page = focal_point.get(f"/rsvp/{token}")
    assert page.status == 200
    nav = page.soup.find("nav", class_="programme-links")
    links = {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}
    assert links["Programme"].startswith(f"/editions/{edition['slug']}")
    assert links["Calendar (iCalendar)"] == f"/api/v1/editions/{edition['slug']}/programme.ics"
    public = focal_point.get(links["Programme"])
    assert public.status == 200 and "Opening plenary" in public.text
    calendar = focal_point.client.get(links["Calendar (iCalendar)"])
    assert calendar.status_code == 200
    assert b"SUMMARY:Opening plenary" in calendar.get_data()
    # In the focal point's language, the links keep it.
    chinese = focal_point.get(f"/rsvp/{token}?lang=zh")
    programme_link = chinese.soup.find("nav", class_="programme-links").find("a")["href"]
    assert "lang=zh" in programme_link
