"""The attendance story end to end, through the HTTP API and a real SMTP server: an
organizer invites and sends; the focal point's mail arrives with a working link; the
focal point accepts and registers three delegates with the delegation's note verbale; the
organizer reviews it, confirms the delegates, and checks one in by badge."""

from __future__ import annotations

import datetime as dt
import io
import re

from tests.smtp import SmtpServer, smtp_server  # noqa: F401

SLUG = "2025-e2e"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_invitation_to_checked_in_delegate(app, cli, organizer_client, client,
                                           smtp_server: SmtpServer):  # noqa: F811
    assert organizer_client.post("/api/v1/series", json={
        "slug": "e2e", "name": "Sub-Forum"}).status_code == 201
    authority = organizer_client.post("/api/v1/organizations", json={
        "name": "Immigration Agency of Mongolia", "kind": "national_authority",
        "country_code": "MN"}).json
    assert organizer_client.post("/api/v1/editions", json={
        "series": "e2e", "ordinal": 2, "slug": SLUG, "title": "Second Sub-Forum",
        "time_zone": "Asia/Shanghai", "start_date": "2027-09-09", "end_date": "2027-09-10",
        "capacity": 300, "requires_approval": True}).status_code == 201
    assert organizer_client.post(f"/api/v1/editions/{SLUG}/status",
                                 json={"status": "open"}).status_code == 200

    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=20)).isoformat()
    invitation = organizer_client.post(f"/api/v1/editions/{SLUG}/invitations", json={
        "organization_id": authority["id"], "focal_point_name": "B. Bat",
        "focal_point_email": "focal@immigration.example.mn", "quota": 3,
        "deadline": deadline}).json
    sent = organizer_client.post(f"/api/v1/editions/{SLUG}/invitations/{invitation['id']}/send")
    assert sent.status_code == 200 and sent.json["status"] == "sent"

    result = cli("mail", "send")
    assert result.exit_code == 0, result.output
    [mail] = smtp_server.messages
    assert mail["To"] == "focal@immigration.example.mn"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/rsvp/(\S+)", body)
    assert link, body
    token = link.group(1).rstrip(".")

    view = client.get(f"/api/v1/rsvp/{token}")
    assert view.status_code == 200
    assert view.json["organization"]["name"] == "Immigration Agency of Mongolia"
    assert client.post(f"/api/v1/rsvp/{token}/accept").json["status"] == "accepted"
    members = [
        {"full_name": "Uuganbayar Nergui", "position": "Director General",
         "email": "head@immigration.example.mn", "role": "head_of_delegation"},
        {"full_name": "Delegate One", "email": "one@immigration.example.mn",
         "role": "delegate", "needs_visa_letter": True},
        {"full_name": "Delegate Two", "email": "two@immigration.example.mn",
         "role": "delegate", "attendance": "video"},
    ]
    registered = client.put(f"/api/v1/rsvp/{token}/delegation", json={"members": members})
    assert registered.status_code == 200, registered.json
    assert [m["status"] for m in registered.json["members"]] == ["pending"] * 3
    uploaded = client.put(f"/api/v1/rsvp/{token}/credential",
                          data={"file": (io.BytesIO(PDF), "note-verbale.pdf")},
                          content_type="multipart/form-data")
    assert uploaded.status_code == 200, uploaded.json

    [delegation] = organizer_client.get(f"/api/v1/editions/{SLUG}/delegations").json
    assert organizer_client.get(
        f"/api/v1/editions/{SLUG}/delegations/{delegation['id']}/credential").data == PDF
    assert organizer_client.post(
        f"/api/v1/editions/{SLUG}/delegations/{delegation['id']}/credential/review"
    ).status_code == 200
    badges = {}
    for member in registered.json["members"]:
        confirmed = organizer_client.post(
            f"/api/v1/editions/{SLUG}/registrations/{member['registration_id']}/confirm")
        assert confirmed.status_code == 200, confirmed.json
        assert confirmed.json["status"] == "confirmed"
        badges[member["full_name"]] = confirmed.json["badge_code"]

    checked = organizer_client.post(f"/api/v1/editions/{SLUG}/check-in",
                                    json={"badge_code": badges["Uuganbayar Nergui"]})
    assert checked.status_code == 200 and checked.json["checked_in_at"]
    counts = organizer_client.get(f"/api/v1/editions/{SLUG}/registration-counts").json
    assert counts["by_status"]["confirmed"] == 3
    assert counts["checked_in"] == 1
    assert counts["confirmed_by_attendance"] == {"in_person": 2, "video": 1}
    assert counts["confirmed_countries_and_regions"] == 1
