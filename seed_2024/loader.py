"""Load the 2024 reference record (record.yaml) through the service layer.

Loading is all or nothing (the caller commits once) and idempotent: when the edition is
already present nothing is written and the report says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from eventhub.auth.permissions import SYSTEM
from eventhub.directory import service as directory
from eventhub.directory.models import Person
from eventhub.editions import service as editions
from eventhub.editions.models import EditionStatus, Series
from eventhub.extensions import db
from eventhub.programme import service as programme
from eventhub.statements import service as statements

RECORD_FILE = Path(__file__).resolve().parent / "record.yaml"
RECORD_FORMAT = "eventhub-reference-record/1"
# The order an edition goes through to reach the status the record gives.
_STATUS_PATH = [EditionStatus.OPEN, EditionStatus.CLOSED, EditionStatus.ARCHIVED]


class RecordError(ValueError):
    """The record file is not what the loader expects."""


def read_record(path: Path = RECORD_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        record = yaml.safe_load(fh)
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise RecordError(f"{path} is not a {RECORD_FORMAT} file")
    return record


def load_reference_record(path: Path = RECORD_FILE) -> str:
    record = read_record(path)
    slug = record["edition"]["slug"]
    if db.session.scalar(select(editions.Edition.id).where(editions.Edition.slug == slug)):
        return f"Nothing to do: edition {slug} is already loaded."

    series = _series(record["series"])
    organizations = {entry["key"]: _organization(entry) for entry in record["organizations"]}
    people = {entry["key"]: _person(entry, organizations) for entry in record["people"]}
    edition = _edition(record["edition"], series, organizations)

    for figure in record["figures"]:
        editions.add_figure(SYSTEM, slug, {k: figure[k] for k in (
            "key", "value", "qualifier", "unit", "source_text", "source_reference")})
    host_key = record["edition"]["host"]
    for key, organization in organizations.items():
        if key != host_key:
            editions.add_participation(SYSTEM, slug, {"organization_id": organization.id,
                                                      "role": "participant"})
    for entry in record["programme"]:
        item = programme.create_item(SYSTEM, slug, {
            "kind": entry["kind"], "title": entry["title"],
            "description": entry.get("description")})
        for speech in entry.get("speeches", []):
            programme.add_speech(SYSTEM, slug, item.id, {
                "person_id": people[speech["person"]].id, "role": speech["role"],
                "delivery": speech["delivery"]})
    # The public reads published programme versions; the record is version 1.
    programme.publish(SYSTEM, slug, note=None)
    statement = record["statement"]
    statements.import_statement(SYSTEM, slug, {
        "kind": statement["kind"], "title": statement["title"],
        "dateline": statement["dateline"], "language": statement["language"],
        "status": statement["status"], "sections": statement["sections"]})

    target = EditionStatus(record["edition"]["status"])
    for status in _STATUS_PATH[:_STATUS_PATH.index(target) + 1]:
        editions.change_status(SYSTEM, slug, status)
    return (f"Loaded edition {edition.slug}: {len(organizations)} organizations, "
            f"{len(people)} people, {len(record['programme'])} programme items, "
            f"{len(record['figures'])} reported figures, 1 statement "
            f"({len(statement['sections'])} sections); status {target.value}.")


def _series(entry: dict[str, Any]) -> Series:
    existing = db.session.scalar(select(Series).where(Series.slug == entry["slug"]))
    if existing is not None:
        return existing
    return editions.create_series(SYSTEM, {"slug": entry["slug"], "name": entry["name"]})


def _organization(entry: dict[str, Any]):
    existing = directory.find_organization(entry["name"], entry.get("country_code"))
    if existing is not None:
        return existing
    return directory.create_organization(SYSTEM, {
        "name": entry["name"], "kind": entry["kind"], "acronym": entry.get("acronym"),
        "country_code": entry.get("country_code")})


def _person(entry: dict[str, Any], organizations: dict[str, Any]) -> Person:
    organization = organizations[entry["organization"]]
    existing = db.session.scalar(select(Person).where(
        Person.full_name == entry["full_name"], Person.organization_id == organization.id))
    if existing is not None:
        return existing
    return directory.create_person(SYSTEM, {
        "full_name": entry["full_name"], "position": entry["position"],
        "organization_id": organization.id})


def _edition(entry: dict[str, Any], series: Series, organizations: dict[str, Any]):
    return editions.create_edition(SYSTEM, {
        "series": series.slug, "ordinal": entry["ordinal"], "slug": entry["slug"],
        "title": entry["title"], "theme": entry["theme"],
        "host_organization_id": organizations[entry["host"]].id, "city": entry["city"],
        "region": entry["region"], "country_code": entry["country_code"],
        "venue": entry["venue"], "time_zone": entry["time_zone"],
        "start_date": entry["start_date"], "end_date": entry["end_date"],
        "capacity": entry["capacity"]})
