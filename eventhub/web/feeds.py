"""What crawlers and feed readers find of the public archive: `robots.txt`, `sitemap.xml`
(sitemaps.org protocol 0.9) and Atom feeds (RFC 4287) of published statements and
programme versions, site-wide (`/feed.atom`) and per edition
(`/editions/<slug>/feed.atom`).

Everything is read as the public reads it, whoever asks (drafts, unpublished statements and
unpublished programme versions never appear); published versions and statements are
frozen, so an archived edition's entries read as they were. Absolute addresses are built
on PUBLIC_BASE_URL, the address people reach the service at.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from flask import Response, url_for

from eventhub.auth.permissions import ANONYMOUS
from eventhub.editions.models import Edition
from eventhub.editions.service import get_edition, list_editions
from eventhub.extensions import db
from eventhub.http import public_host, public_url
from eventhub.i18n import _
from eventhub.programme.service import published_history
from eventhub.statements.service import list_statements
from eventhub.web.public import blp

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_MIME = "application/atom+xml"


def public_link(endpoint: str, **values: object) -> str:
    """An absolute address of a page, on the address people reach the service at."""
    return public_url(url_for(endpoint, **values))


def _utc(moment: dt.datetime) -> dt.datetime:
    """Stored moments are UTC; SQLite gives them back without the zone."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return _utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _tag(path: str, since: dt.date) -> str:
    """A permanent entry id (RFC 4151 tag URI): the host and the day the thing was first
    published never change, so neither does the id."""
    return f"tag:{public_host()},{since.isoformat()}:{path}"


# robots.txt ------------------------------------------------------------------------

@blp.get("/robots.txt")
def robots_txt():
    """The public archive may be crawled; staff, secretariat and focal-point pages and
    the API (but its documentation) may not. The longest matching rule wins (RFC 9309),
    so the documentation's Allow lines beat Disallow: /api/."""
    lines = ["User-agent: *", "Allow: /", "Disallow: /manage", "Disallow: /secretariat",
             "Disallow: /rsvp", "Disallow: /account", "Disallow: /login", "Disallow: /api/",
             "Allow: /api/docs", "Allow: /api/openapi.json",
             f"Sitemap: {public_link('web_public.sitemap_xml')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


# sitemap.xml -------------------------------------------------------------------------

@blp.get("/sitemap.xml")
def sitemap_xml():
    actor = ANONYMOUS  # a signed-in organizer's drafts are no part of the public map
    root = ET.Element("urlset", xmlns=SITEMAP_NS)

    def add(location: str, modified: dt.datetime | None = None) -> None:
        entry = ET.SubElement(root, "url")
        ET.SubElement(entry, "loc").text = location
        if modified is not None:
            ET.SubElement(entry, "lastmod").text = _stamp(modified)

    editions = list(db.session.scalars(list_editions(actor, {})))
    add(public_link("web_public.home"))
    add(public_link("web_public.history"))
    for edition in editions:
        versions = published_history(actor, edition.slug)[1]
        changes = [edition.updated_at] + [version.published_at for version in versions]
        add(public_link("web_public.edition", slug=edition.slug), max(map(_utc, changes)))
        for statement in list_statements(actor, edition.slug):
            add(public_link("web_public.statement", slug=edition.slug,
                            statement_id=statement.id),
                statement.published_at)
    ET.indent(root)
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True),
                    mimetype="application/xml")


# Atom ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: dt.datetime
    link: str
    summary: str | None


def _entries(edition: Edition) -> list[FeedEntry]:
    actor = ANONYMOUS
    page = public_link("web_public.edition", slug=edition.slug)
    entries = []
    for version in published_history(actor, edition.slug)[1]:
        entries.append(FeedEntry(
            _tag(f"editions/{edition.slug}/programme/{version.number}",
                 _utc(version.published_at).date()),
            _("%(edition)s: programme, version %(number)s", edition=edition.title,
              number=version.number),
            _utc(version.published_at), page + "#programme", version.note))
    for statement in list_statements(actor, edition.slug):
        published = next((r for r in statement.revisions
                          if r.number == statement.published_revision), None)
        if published is None:
            continue
        # A statement imported with the record of its edition (2024) carries no date of
        # publication: it was published here when it was brought in.
        updated = _utc(statement.published_at or published.created_at)
        entries.append(FeedEntry(
            _tag(f"editions/{edition.slug}/statements/{statement.id}",
                 _utc(statement.created_at).date()),
            published.content.get("title") or statement.title, updated,
            public_link("web_public.statement", slug=edition.slug, statement_id=statement.id),
            statement.dateline))
    return entries


def _atom(title: str, self_link: str, page: str, entries: list[FeedEntry],
          fallback_updated: dt.datetime) -> Response:
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str):
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    entries = sorted(entries, key=lambda e: e.updated, reverse=True)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", self_link)
    sub(feed, "title", title)
    sub(feed, "updated", _stamp(entries[0].updated if entries else fallback_updated))
    author = sub(feed, "author")
    sub(author, "name", _("Sub-Forum on Migration Management Cooperation"))
    sub(feed, "link", rel="self", type=ATOM_MIME, href=self_link)
    sub(feed, "link", rel="alternate", type="text/html", href=page)
    for entry in entries:
        element = sub(feed, "entry")
        sub(element, "id", entry.id)
        sub(element, "title", entry.title)
        sub(element, "updated", _stamp(entry.updated))
        sub(element, "link", rel="alternate", type="text/html", href=entry.link)
        if entry.summary:
            sub(element, "summary", entry.summary)
    ET.indent(feed)
    return Response(ET.tostring(feed, encoding="utf-8", xml_declaration=True),
                    mimetype=ATOM_MIME)


@blp.get("/feed.atom")
def archive_feed():
    editions = list(db.session.scalars(list_editions(ANONYMOUS, {})))
    entries = [entry for edition in editions for entry in _entries(edition)]
    fallback = max((_utc(e.updated_at) for e in editions),
                   default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    return _atom(_("Sub-Forum on Migration Management Cooperation: published record"),
                 public_link("web_public.archive_feed"), public_link("web_public.home"),
                 entries, fallback)


@blp.get("/editions/<slug>/feed.atom")
def edition_feed(slug: str):
    edition = get_edition(ANONYMOUS, slug)
    return _atom(_("%(edition)s: published record", edition=edition.title),
                 public_link("web_public.edition_feed", slug=slug),
                 public_link("web_public.edition", slug=slug), _entries(edition),
                 _utc(edition.updated_at))
