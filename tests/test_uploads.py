"""An uploaded note verbale is stored, and downloaded, under a name whose extension is that
of the type sniffed from its content, never the one the uploader's file name claims:
`x.html` holding a PDF is `x.pdf`, so no browser or desktop opens it as a web page."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from _attendance import (
    EDITION_URL,
    MINIMAL_PDF,
    MINIMAL_PNG,
    RSVP_URL,
    accepted_invitation,
    open_edition,
    organization,
)
from _web import Browser

from eventhub.extensions import db
from eventhub.registrations.models import CredentialDocument

MINIMAL_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.fixture
def token(app, organizer_client, client) -> str:
    open_edition(organizer_client)
    org = organization(organizer_client, "Ministry of Foreign Affairs", "TH")
    _, token = accepted_invitation(app, organizer_client, client, org["id"])
    return token


def upload(client, token: str, content: bytes, filename: str):
    return client.put(f"{RSVP_URL}/{token}/credential",
                      data={"file": (io.BytesIO(content), filename)},
                      content_type="multipart/form-data")


def download(organizer_client):
    [delegation] = organizer_client.get(f"{EDITION_URL}/delegations").json
    response = organizer_client.get(f"{EDITION_URL}/delegations/{delegation['id']}/credential")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_a_pdf_named_html_is_stored_and_served_as_pdf(client, organizer_client, token):
    response = upload(client, token, MINIMAL_PDF, "x.html")

    assert response.status_code == 200, response.json
    assert response.json["filename"] == "x.pdf"
    assert response.json["content_type"] == "application/pdf"
    assert client.get(f"{RSVP_URL}/{token}").json["credential"]["filename"] == "x.pdf"
    served = download(organizer_client)
    assert served.data == MINIMAL_PDF
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"] == 'attachment; filename="x.pdf"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("content", "filename", "stored"), [
    (MINIMAL_PNG, "scan.pdf", "scan.png"),
    (MINIMAL_JPEG, "letter.svg", "letter.jpg"),
    (MINIMAL_JPEG, "Letter.JPEG", "Letter.JPEG"),  # an extension of the right type stays
    (MINIMAL_PDF, "note verbale", "note verbale.pdf"),  # none given
    (MINIMAL_PDF, "report.pdf.exe", "report.pdf.pdf"),
    (MINIMAL_PDF, "<script>.html", "script.pdf"),
    (MINIMAL_PDF, ".htaccess", "htaccess.pdf"),
    (MINIMAL_PDF, "...", "credential.pdf"),
], ids=lambda value: None if isinstance(value, bytes) else value)
def test_the_stored_name_takes_the_extension_of_the_sniffed_type(client, organizer_client,
                                                                  token, content, filename,
                                                                  stored):
    response = upload(client, token, content, filename)
    assert response.status_code == 200, response.json
    assert response.json["filename"] == stored
    assert download(organizer_client).headers["Content-Disposition"] == (
        f'attachment; filename="{stored}"')


def test_a_name_beyond_ascii_is_kept_for_clients_that_read_rfc_6266(client, organizer_client,
                                                                   token):
    response = upload(client, token, MINIMAL_PDF, "普通照会.html")
    assert response.json["filename"] == "普通照会.pdf"
    disposition = download(organizer_client).headers["Content-Disposition"]
    assert disposition == ('attachment; filename="credential.pdf"; '
                           "filename*=UTF-8''%E6%99%AE%E9%80%9A%E7%85%A7%E4%BC%9A.pdf")


def test_the_focal_points_page_stores_the_sniffed_extension(app, client, organizer_client,
                                                            token):
    browser = Browser(app.test_client())
    browser.get(f"/rsvp/{token}")
    page = browser.post(f"/rsvp/{token}/credential",
                        {"file": (io.BytesIO(MINIMAL_PDF), "x.html")},
                        content_type="multipart/form-data")
    assert page.status == 303
    assert "x.pdf" in browser.get(f"/rsvp/{token}").text
    assert download(organizer_client).headers["Content-Disposition"] == (
        'attachment; filename="x.pdf"')


def test_a_record_stored_before_under_another_extension_downloads_with_the_right_one(
        app, client, organizer_client, token):
    """Names stored before this rule (or imported from a bundle) are not rewritten; the
    download still names the type it serves."""
    assert upload(client, token, MINIMAL_PDF, "x.pdf").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(CredentialDocument).values(filename="x.html"))
        db.session.commit()
    assert download(organizer_client).headers["Content-Disposition"] == (
        'attachment; filename="x.pdf"')
