"""Builders and database peeks shared by the invitation, delegation and registration tests
(no fixtures here: see conftest). Everything a test sets up goes through the HTTP API;
the database is only read directly, or written where the API has no way to make time
pass (a deadline in the past)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from _helpers import create_edition, create_organization, create_series

from eventhub.extensions import db

SLUG = "sfmmc-2025"
EDITION_URL = f"/api/v1/editions/{SLUG}"
INVITATIONS_URL = f"{EDITION_URL}/invitations"
REGISTRATIONS_URL = f"{EDITION_URL}/registrations"
RSVP_URL = "/api/v1/rsvp"

# A real, minimal PDF (one empty page) and the PNG signature with an IHDR chunk.
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
MINIMAL_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
               b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82")


def in_days(days: float) -> str:
    """An aware ISO timestamp `days` from now (negative: in the past)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def open_edition(client, *, slug: str = SLUG, ordinal: int = 1, capacity: int | None = None,
                 requires_approval: bool = False, open_it: bool = True,
                 series: bool = True) -> dict[str, Any]:
    """A series 'sfmmc' (unless series=False) and an edition in it, opened for
    registration unless open_it=False."""
    if series:
        create_series(client)
    create_edition(client, slug=slug, ordinal=ordinal, title=f"Sub-Forum {slug}",
                   start_date="2030-11-20", end_date="2030-11-21", capacity=capacity)
    if requires_approval:
        response = client.patch(f"/api/v1/editions/{slug}", json={"requires_approval": True})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["requires_approval"] is True
    if open_it:
        response = client.post(f"/api/v1/editions/{slug}/status", json={"status": "open"})
        assert response.status_code == 200, response.json
    return client.get(f"/api/v1/editions/{slug}").json


def organization(client, name: str, country_code: str = "TH") -> dict[str, Any]:
    return create_organization(client, name, country_code=country_code)


def invitation_payload(organization_id: int, **overrides: Any) -> dict[str, Any]:
    payload = {
        "organization_id": organization_id,
        "focal_point_name": "Ms. Focal Point",
        "focal_point_email": f"focal-{organization_id}@example.org",
        "quota": 3,
        "deadline": in_days(14),
    }
    payload.update(overrides)
    return payload


def invite(client, organization_id: int, *, slug: str = SLUG, **overrides: Any
           ) -> dict[str, Any]:
    response = client.post(f"/api/v1/editions/{slug}/invitations",
                           json=invitation_payload(organization_id, **overrides))
    assert response.status_code == 201, response.json
    assert response.json["status"] == "draft"
    return response.json


def send(client, invitation_id: int, *, slug: str = SLUG) -> dict[str, Any]:
    response = client.post(f"/api/v1/editions/{slug}/invitations/{invitation_id}/send")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "sent"
    return response.json


def token_of(app, invitation_id: int) -> str:
    """The raw response-link token, as the mail sender would build it."""
    from eventhub.invitations.models import Invitation
    from eventhub.invitations.tokens import token_for

    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.token_nonce
        return token_for(invitation.token_nonce)


def sent_invitation(app, client, organization_id: int, *, slug: str = SLUG,
                    **overrides: Any) -> tuple[dict[str, Any], str]:
    invitation = invite(client, organization_id, slug=slug, **overrides)
    send(client, invitation["id"], slug=slug)
    return invitation, token_of(app, invitation["id"])


def accepted_invitation(app, organizer_client, anonymous_client, organization_id: int,
                        **overrides: Any) -> tuple[dict[str, Any], str]:
    invitation, token = sent_invitation(app, organizer_client, organization_id, **overrides)
    response = anonymous_client.post(f"{RSVP_URL}/{token}/accept")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted"
    return invitation, token


def set_deadline_passed(app, invitation_id: int) -> None:
    """Time passes: the invitation's deadline is a minute ago (written straight to the
    database, as no API moves a deadline into the past)."""
    from eventhub.invitations.models import Invitation

    with app.app_context():
        db.session.execute(sa.update(Invitation).where(Invitation.id == invitation_id)
                           .values(deadline=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        db.session.commit()


def table_rows(app, model) -> list[dict[str, Any]]:
    """Every row of a model's table, as plain dicts, straight from the database."""
    with app.app_context():
        table = model.__table__
        return [dict(row._mapping) for row in
                db.session.execute(sa.select(table).order_by(table.c.id))]


def count_rows(app, model, *criteria) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(*criteria)) or 0


def member(name: str, email: str, role: str = "delegate", **fields: Any) -> dict[str, Any]:
    return {"full_name": name, "email": email, "role": role, **fields}


def roster(client, slug: str = SLUG, **filters: Any) -> list[dict[str, Any]]:
    """The organizer's registration list (all pages)."""
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    response = client.get(f"/api/v1/editions/{slug}/registrations?page_size=100&{query}")
    assert response.status_code == 200, response.json
    return response.json


def statuses_by_name(client, slug: str = SLUG) -> dict[str, str]:
    return {r["full_name"]: r["status"] for r in roster(client, slug)}
