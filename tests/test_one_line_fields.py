"""One-line fields refuse control characters, everywhere text comes in.

A line break in an edition title used to be stored, and then every invitation mail of the
edition failed to render (the subject is the first line of the mail). Names, titles,
acronyms, cities, positions, e-mails, slugs and codes now refuse C0 and C1 control
characters and the Unicode line and paragraph separators, with a field-level 422 in the
API, a field message on the pages and an error by line and column in CSV imports. Texts
where line breaks mean something (statement paragraphs, descriptions, comments, notes,
dietary and accessibility needs) are declared multi-line and keep them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import hypothesis.strategies as st
import marshmallow as ma
import pytest
import sqlalchemy as sa
from _attendance import SLUG, accepted_invitation, open_edition, organization
from _helpers import assert_problem, create_edition, create_series, edition_payload
from _statements import texts
from _web import Browser, browser_for_role
from hypothesis import HealthCheck, given, settings

import eventhub
from eventhub.auth.models import Role
from eventhub.editions.models import Edition
from eventhub.extensions import db
from eventhub.mail.models import OutboxMessage
from eventhub.mail.service import _build_email, render
from eventhub.schemas import ONE_LINE_MESSAGE, InputSchema, MultiLineText, QuerySchema, Secret

EDITIONS = "/api/v1/editions"
# Line breaks of every kind, a tab, an escape, DEL and a C1 control.
BAD = ["\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1b", "\x1c", "\x7f", "\x85", "\x9b",
       "\u2028", "\u2029"]
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def field_errors(body) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        found.setdefault(error["field"], []).append(error["message"])
    return found


# The edition title, as found -------------------------------------------------------------

@pytest.mark.parametrize("bad", BAD, ids=["+".join(f"U{ord(ch):04X}" for ch in c) for c in BAD])
def test_an_edition_title_with_a_control_character_is_refused_on_post(organizer_client, bad):
    create_series(organizer_client)
    response = organizer_client.post(EDITIONS, json=edition_payload(
        title=f"Sub-Forum{bad}2025"))
    body = assert_problem(response, 422)
    assert field_errors(body) == {"title": [ONE_LINE_MESSAGE]}
    assert body["errors"][0]["location"] == "json"
    assert organizer_client.get(EDITIONS).json == []


@pytest.mark.parametrize("bad", BAD, ids=["+".join(f"U{ord(ch):04X}" for ch in c) for c in BAD])
def test_an_edition_title_with_a_control_character_is_refused_on_patch(organizer_client, bad):
    create_series(organizer_client)
    edition = create_edition(organizer_client)
    response = organizer_client.patch(f"{EDITIONS}/{edition['slug']}",
                                      json={"title": f"Sub-Forum{bad}2025", "city": "Suzhou"})
    assert field_errors(assert_problem(response, 422)) == {"title": [ONE_LINE_MESSAGE]}
    assert organizer_client.get(f"{EDITIONS}/{edition['slug']}").json["title"] == (
        edition["title"])


def test_unicode_titles_without_control_characters_are_accepted(organizer_client):
    create_series(organizer_client)
    title = "第二届全球公共安全合作论坛（连云港）移民管理合作分论坛 — Ünïcødé, ‘quotes’ & emoji 🌏"
    edition = create_edition(organizer_client, title=title)
    assert edition["title"] == title


# Other one-line fields, across the API ----------------------------------------------------

def test_one_line_fields_of_every_domain_refuse_line_breaks(organizer_client,
                                                            secretariat_client, admin_client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau")
    cases = [
        (organizer_client, "post", "/api/v1/organizations",
         {"name": "Immigration\nBureau", "kind": "national_authority",
          "acronym": "IB\x85"}, {"name", "acronym"}),
        (organizer_client, "patch", f"/api/v1/organizations/{org['id']}",
         {"country_name": "Thai\u2028land"}, {"country_name"}),
        (organizer_client, "post", "/api/v1/people",
         {"full_name": "Ms.\tLi", "position": "Director\r\nGeneral"},
         {"full_name", "position"}),
        (organizer_client, "post", f"{EDITIONS}/{SLUG}/registrations",
         {"full_name": "A\nB", "email": "a@example.org\n", "role": "delegate",
          "position": "Head\x1b[31m of unit"}, {"full_name", "email", "position"}),
        (organizer_client, "post", f"{EDITIONS}/{SLUG}/invitations",
         {"organization_id": org["id"], "focal_point_name": "Ms.\nFocal",
          "focal_point_email": "focal@example.org", "quota": 2,
          "deadline": "2030-11-01T00:00:00Z"}, {"focal_point_name"}),
        (organizer_client, "post", "/api/v1/series",
         {"slug": "other\n", "name": "Other"}, {"slug"}),
        (secretariat_client, "post", f"{EDITIONS}/{SLUG}/statements",
         {"kind": "chairs_statement", "content": {
             "title": "Chair's\nStatement",
             "sections": [{"paragraphs": ["One."]}]}}, {"content.title"}),
        (admin_client, "post", "/api/v1/users",
         {"email": "new@example.org", "name": "New\nUser", "role": "viewer",
          "password": "long enough password"}, {"name"}),
    ]
    for client, method, url, payload, fields in cases:
        response = getattr(client, method)(url, json=payload)
        body = assert_problem(response, 422)
        found = field_errors(body)
        assert set(found) == fields, (url, found)
        assert all(ONE_LINE_MESSAGE in messages for messages in found.values()), (url, found)


def test_query_filters_refuse_control_characters_too(organizer_client):
    response = organizer_client.get("/api/v1/organizations?q=Bureau%0A")
    body = assert_problem(response, 422)
    assert body["errors"] == [{"field": "q", "location": "query", "message": ONE_LINE_MESSAGE,
                              "code": "validation.one_line"}]


def test_multi_line_fields_keep_their_line_breaks(organizer_client, secretariat_client):
    create_series(organizer_client)
    create_edition(organizer_client)
    series = organizer_client.patch("/api/v1/series/sfmmc", json={
        "description": "First line.\nSecond line.\r\n\tIndented."})
    assert series.status_code == 200, series.json
    assert series.json["description"] == "First line.\nSecond line.\r\n\tIndented."

    item = organizer_client.post(f"{EDITIONS}/sfmmc-2024/programme/items", json={
        "kind": "plenary", "title": "Opening", "description": "Welcome.\n\nKeynote."})
    assert item.status_code == 201, item.json
    assert item.json["description"] == "Welcome.\n\nKeynote."

    statement = secretariat_client.post(f"{EDITIONS}/sfmmc-2024/statements", json={
        "kind": "chairs_statement", "note": "First draft\nfrom the minutes",
        "content": {"title": "Chair's Statement", "sections": [
            {"paragraphs": ["A paragraph\nwith a line break."]}]}})
    assert statement.status_code == 201, statement.json
    assert texts(statement.json) == [["A paragraph\nwith a line break."]]


def test_every_text_field_of_every_input_schema_is_one_line_unless_declared_otherwise():
    """The rule lives in the base schemas: a text field added later is one line unless it
    is declared MultiLineText (or is a password)."""
    for module in pkgutil.walk_packages(eventhub.__path__, "eventhub."):
        importlib.import_module(module.name)
    schemas, checked = _subclasses(InputSchema) | _subclasses(QuerySchema), 0
    for schema_class in schemas:
        schema = schema_class()
        for name, field in schema.load_fields.items():
            inner = field.inner if isinstance(field, ma.fields.List) else field
            if not isinstance(inner, ma.fields.String) or isinstance(inner, ma.fields.UUID):
                continue
            value = ["a\nb"] if isinstance(field, ma.fields.List) else "a\nb"
            messages = _messages_for(schema, field.data_key or name, value)
            if isinstance(inner, MultiLineText | Secret):
                assert ONE_LINE_MESSAGE not in messages, (schema_class, name)
            else:
                assert ONE_LINE_MESSAGE in messages, (schema_class, name, messages)
                checked += 1
    assert checked > 100


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _messages_for(schema: ma.Schema, key: str, value) -> str:
    try:
        schema.load({key: value}, partial=True)
    except ma.ValidationError as error:
        return str(error.messages.get(key, ""))
    return ""


# Pages and CSV imports --------------------------------------------------------------------

def test_a_page_form_shows_the_error_on_the_field(app, organizer_client):
    open_edition(organizer_client)
    organizer = browser_for_role(app, Role.ORGANIZER)
    page = organizer.get(f"/manage/{SLUG}/registrations")
    form = page.form_values("form[action$='/registrations'][method=post]")
    bad = organizer.post(f"/manage/{SLUG}/registrations", {
        **form, "full_name": "Malee\rSrisuk", "email": "malee@example.org"})
    assert bad.status == 422
    error = bad.soup.select_one("#f-full_name-error")
    assert error is not None and ONE_LINE_MESSAGE in error.get_text()
    assert organizer_client.get(f"{EDITIONS}/{SLUG}/registrations").json == []


def test_a_focal_point_page_shows_the_error_on_the_member_field(app, organizer_client):
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau")
    _, token = accepted_invitation(app, organizer_client, app.test_client(), org["id"])
    browser = Browser(app.test_client())
    browser.get(f"/rsvp/{token}/delegation")
    page = browser.post(f"/rsvp/{token}/delegation", {
        "members-0-full_name": "Head\u2028Person", "members-0-role": "head_of_delegation",
        "members-0-email": "head@example.org"})
    assert page.status == 422, page.text[:300]
    error = page.soup.select_one("#f-members-0-full_name-error")
    assert error is not None and ONE_LINE_MESSAGE in error.get_text(), page.text[:1000]


def test_a_csv_import_reports_the_line_and_column(organizer_client):
    open_edition(organizer_client)
    text = ("full_name,email,role,position\r\n"
            "Ms. One,one@example.org,delegate,Director\r\n"
            "\"Mr.\nTwo\",two@example.org,delegate,\"Deputy\x85Director\"\r\n")
    response = organizer_client.post(f"{EDITIONS}/{SLUG}/registrations/import",
                                     data=text.encode(), content_type="text/csv")
    body = assert_problem(response, 422)
    assert {(e["line"], e["field"], e["message"]) for e in body["errors"]} == {
        (3, "full_name", ONE_LINE_MESSAGE), (3, "position", ONE_LINE_MESSAGE)}
    assert organizer_client.get(f"{EDITIONS}/{SLUG}/registrations").json == []


# The mail, for every title the API accepts -------------------------------------------------

def _sent_invitation(organizer_client) -> int:
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau")
    invitation = organizer_client.post(f"{EDITIONS}/{SLUG}/invitations", json={
        "organization_id": org["id"], "focal_point_name": "Ms. Focal",
        "focal_point_email": "focal@example.org", "quota": 2,
        "deadline": "2030-11-01T00:00:00Z"})
    assert invitation.status_code == 201, invitation.json
    sent = organizer_client.post(f"{EDITIONS}/{SLUG}/invitations/{invitation.json['id']}/send")
    assert sent.status_code == 200, sent.json
    return invitation.json["id"]


def _render_queued(app) -> tuple[str, str]:
    with app.app_context():
        message = db.session.scalars(sa.select(OutboxMessage)).one()
        rendered = render(message.template, message.language, message.params)
        mail = _build_email(message, rendered, message.created_at)
        mail.as_bytes()  # the headers must encode
        return rendered.subject, rendered.body


TITLES = st.text(st.one_of(st.characters(codec="utf-8"),
                           st.sampled_from([c for c in BAD if len(c) == 1])),
                 min_size=1, max_size=60)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLES)
def test_every_title_the_api_accepts_renders_the_invitation_mail(app, organizer_client, title):
    if organizer_client.get(f"{EDITIONS}/{SLUG}").status_code != 200:
        _sent_invitation(organizer_client)
    response = organizer_client.patch(f"{EDITIONS}/{SLUG}", json={"title": title})
    if "\x00" in title:  # refused before any schema: no database stores it
        assert "title" in field_errors(assert_problem(response, 422))
        return
    if CONTROL.search(title):
        assert ONE_LINE_MESSAGE in field_errors(assert_problem(response, 422))["title"]
        return
    if response.status_code == 422:  # blank, or a character no database stores
        assert "title" in field_errors(response.json) or response.json["errors"]
        return
    assert response.status_code == 200, response.json
    subject, body = _render_queued(app)
    stored = response.json["title"]
    assert subject == " ".join(f"Invitation: {stored}".split())
    assert stored in body


def test_a_title_stored_with_a_line_break_before_the_rule_still_renders(app, organizer_client):
    """Existing data is not migrated: a title stored earlier with a line break still gives
    a one-line subject and a mail that renders."""
    _sent_invitation(organizer_client)
    with app.app_context():
        db.session.execute(sa.update(Edition).values(title="Sub-Forum\n2025\r\nLianyungang"))
        db.session.commit()
    subject, body = _render_queued(app)
    assert subject == "Invitation: Sub-Forum 2025 Lianyungang"
    assert "Dear Ms. Focal" in body
