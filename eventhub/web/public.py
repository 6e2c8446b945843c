"""The public archive: editions, an edition's record, its published statement, and
participation across editions. Anonymous visitors see what the API shows them: every
page reads through the same service functions, which hide drafts (editions, statements,
unpublished programme versions) from the public."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from flask import Blueprint, abort, render_template, request

from eventhub.archive.service import (
    figures_side_by_side,
    organization_history,
    participation_history,
)
from eventhub.directory.models import OrganizationKind
from eventhub.directory.service import country_name_for
from eventhub.editions.service import (
    get_edition,
    list_editions,
    list_figures,
    participants,
    recorded_counts,
)
from eventhub.extensions import db
from eventhub.programme.service import list_exhibitors, programme
from eventhub.schemas import INTEGER_MAX
from eventhub.statements.service import list_revisions, list_statements, statement_view
from eventhub.web.common import page_actor

blp = Blueprint("web_public", __name__)

# Words for the values the record stores as codes ---------------------------------------

KIND_HEADINGS = {
    OrganizationKind.HOST_BODY: "Host bodies",
    OrganizationKind.NATIONAL_AUTHORITY: "National authorities",
    OrganizationKind.INTERNATIONAL_ORGANIZATION: "International organizations",
    OrganizationKind.LOCAL_GOVERNMENT: "Local government",
    OrganizationKind.ENTERPRISE: "Enterprises",
    OrganizationKind.ACADEMIC: "Academic institutions",
    OrganizationKind.OTHER: "Other organizations",
}
KIND_NAMES = {
    OrganizationKind.HOST_BODY: "host body",
    OrganizationKind.NATIONAL_AUTHORITY: "national authority",
    OrganizationKind.INTERNATIONAL_ORGANIZATION: "international organization",
    OrganizationKind.LOCAL_GOVERNMENT: "local government",
    OrganizationKind.ENTERPRISE: "enterprise",
    OrganizationKind.ACADEMIC: "academic institution",
    OrganizationKind.OTHER: "other",
}
ITEM_KINDS = {
    "opening_ceremony": "Opening ceremony",
    "plenary": "Plenary",
    "breakout_session": "Breakout session",
    "exhibition": "Exhibition",
    "side_event": "Side event",
    "social": "Social programme",
}
SPEECH_ROLES = {
    "opening_speech": "opening speech",
    "welcome_speech": "welcome speech",
    "keynote": "keynote",
    "plenary_speech": "plenary speech",
    "speech": "speech",
    "panellist": "panellist",
}
DELIVERY = {"video": "via video", "recorded": "recorded"}
PARTS = {"host": "Host", "participant": "Participant", "observer": "Observer"}
STATUSES = {"draft": "Draft", "open": "Open", "closed": "Closed", "archived": "Archived"}
FIGURE_LABELS = {
    "guests": "Guests",
    "countries_and_regions": "Countries and regions",
    "breakout_sessions": "Breakout sessions",
    "organizations": "Organizations",
    "speakers": "Speakers",
}
RECORDED_WORDS = {
    "organizations": "organizations named in the record",
    "countries_and_regions": "countries and regions named in the record",
    "speakers": "speakers named in the record",
    "breakout_sessions": "breakout sessions in the programme",
}
LANGUAGES = {"en": "English", "zh": "中文 (Chinese)", "fr": "Français (French)",
             "es": "Español (Spanish)", "ru": "Русский (Russian)", "ar": "العربية (Arabic)",
             "pt": "Português (Portuguese)"}


def _label(mapping: dict, value: Any) -> str:
    key = getattr(value, "value", value)
    return mapping.get(value) or mapping.get(key) or str(key).replace("_", " ")


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def _place(edition) -> str:
    country = country_name_for(edition.country_code) if edition.country_code else None
    return ", ".join(p for p in (edition.city, edition.region, country) if p)


def _figure_text(figure) -> str:
    """A reported figure as the record states it: qualifier, number, what was counted."""
    return " ".join(str(p) for p in (figure.qualifier, figure.value, figure.unit) if p)


def _template_words() -> dict[str, Any]:
    return {"label": _label, "kind_names": KIND_NAMES, "parts": PARTS, "statuses": STATUSES,
            "item_kinds": ITEM_KINDS, "speech_roles": SPEECH_ROLES, "delivery": DELIVERY,
            "figure_labels": FIGURE_LABELS, "languages": LANGUAGES, "ordinal": _ordinal,
            "place": _place, "figure_text": _figure_text}


# Pages -------------------------------------------------------------------------------

@blp.get("/")
def home():
    editions = db.session.scalars(list_editions(page_actor(), {})).all()
    return render_template("public/home.html", editions=editions, **_template_words())


@blp.get("/editions/<slug>")
def edition(slug: str):
    actor = page_actor()
    record = get_edition(actor, slug)
    figures = list_figures(actor, slug)
    recorded = recorded_counts(record)
    taking_part = participants(actor, slug)
    published = programme(actor, slug, {})
    return render_template(
        "public/edition.html", edition=record, figures=figures, recorded=recorded,
        recorded_words=RECORDED_WORDS,
        unreported=[key for key in recorded if key not in {f.key for f in figures}],
        organization_groups=_group_organizations(taking_part["organizations"]),
        days=_programme_days(published["items"], record.time_zone),
        programme_version=published["version"], time_zone=record.time_zone,
        exhibitors=list_exhibitors(actor, slug),
        statements=list_statements(actor, slug), **_template_words())


def _group_organizations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Participating organizations by kind (in a fixed order), each group sorted by
    country or region (organizations without one last), then by name."""
    groups: dict[OrganizationKind, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["organization"].kind, []).append(entry)
    ordered = []
    for kind in KIND_HEADINGS:
        members = groups.get(kind)
        if not members:
            continue
        members.sort(key=lambda e: (e["organization"].country_name is None,
                                    e["organization"].country_name or "",
                                    e["organization"].name))
        ordered.append({"kind": kind, "heading": KIND_HEADINGS[kind], "entries": members,
                        "has_countries": any(e["organization"].country_name
                                             for e in members)})
    return ordered


def _programme_days(items: list[dict[str, Any]], zone_name: str) -> list[dict[str, Any]]:
    """Published items grouped by local day, in the published order; items whose time the
    record does not give come last, under their own heading."""
    zone = zoneinfo.ZoneInfo(zone_name)
    days: dict[dt.date | None, list[dict[str, Any]]] = {}
    for item in items:
        starts = _local(item.get("starts_at"), zone)
        ends = _local(item.get("ends_at"), zone)
        shown = {**item, "starts": starts, "ends": ends,
                 "speeches": sorted(item.get("speeches") or [], key=lambda s: s["position"])}
        days.setdefault(starts.date() if starts else None, []).append(shown)
    ordered = sorted(d for d in days if d is not None)
    result = [{"day": d, "items": days[d]} for d in ordered]
    if None in days:
        result.append({"day": None, "items": days[None]})
    return result


def _local(value: str | None, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


@blp.get("/editions/<slug>/statements/<int:statement_id>")
def statement(slug: str, statement_id: int):
    """The published statement (or, with ?revision=, an earlier published revision); the
    service answers 404 for anything the public may not read."""
    actor = page_actor()
    number = request.args.get("revision", type=int)
    if "revision" in request.args and (number is None or not 1 <= number <= INTEGER_MAX):
        abort(404)
    record = get_edition(actor, slug)
    view = statement_view(actor, slug, statement_id, number)
    status = getattr(view["status"], "value", view["status"])
    published = [r.number for r in list_revisions(actor, slug, statement_id) if r.is_published]
    return render_template("public/statement.html", edition=record, statement=view,
                           status=status, first_published=min(published, default=None),
                           page_lang=view.get("language") or "en",
                           **_template_words())


@blp.get("/history")
def history():
    actor = page_actor()
    participation = participation_history(actor)
    figures = figures_side_by_side(actor)
    editions = {e.slug: e for e in db.session.scalars(list_editions(actor, {}))}
    columns = [editions[row["edition"]] for row in figures if row["edition"] in editions]
    return render_template("public/history.html", participation=participation,
                           editions=editions, columns=columns,
                           figure_rows=_figure_rows(figures), **_template_words())


def _figure_rows(per_edition: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per thing counted, one cell per edition: what the record reports and what
    the archive counts, side by side."""
    keys: list[str] = []
    for row in per_edition:
        keys.extend(f.key for f in row["reported"] if f.key not in keys)
    for row in per_edition:
        keys.extend(k for k in row["recorded"] if k not in keys)
    rows = []
    for key in keys:
        cells = []
        for row in per_edition:
            reported = next((f for f in row["reported"] if f.key == key), None)
            cells.append({"edition": row["edition"], "reported": reported,
                          "recorded": row["recorded"].get(key)})
        rows.append({"key": key, "label": _label(FIGURE_LABELS, key), "cells": cells})
    return rows


@blp.get("/history/organizations/<int:organization_id>")
def organization(organization_id: int):
    record = organization_history(page_actor(), organization_id)
    return render_template("public/organization.html", history=record,
                           organization=record["organization"], **_template_words())
