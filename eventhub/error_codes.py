"""The stable codes of problem documents (`code`), each with what it means. Programs and
pages rely on these names: a code is never renamed or reused for another refusal."""

from __future__ import annotations

CODES: dict[str, str] = {
    "series.not_found": "No series has this slug.",
    "series.slug_taken": "Another series has this slug.",
    "edition.not_found": "No edition has this slug (or it is a draft the caller may not see).",
    "edition.read_only": "The edition is archived; nothing under it can change.",
    "edition.unknown_time_zone": "The time zone is not an IANA time zone name.",
    "edition.dates_reversed": "The end date is before the start date.",
    "edition.unknown_host": "No organization has the host organization's id.",
    "edition.unknown_series": "No series has the slug given for the new edition.",
    "edition.slug_taken": "Another edition has this slug.",
    "edition.ordinal_taken": "The series already has an edition with this number.",
    "edition.programme_outside_days": "New dates would leave scheduled programme items "
                                      "outside the edition's days.",
    "edition.status_not_allowed": "The edition cannot move from its status to the one asked.",
    "edition.not_a_draft": "Only draft editions can be deleted.",
    "figure.not_found": "The edition has no reported figure with this key.",
    "figure.key_taken": "The edition already has a reported figure with this key.",
    "participation.unknown_organization": "No organization has the id given.",
    "participation.exists": "The organization already takes part in the edition.",
    "participation.not_found": "The organization does not take part in the edition.",
    "words.english_in_translations": "English words were given as a translation; they are "
                                     "the edition's (or item's) own fields.",
    "words.language_not_offered": "A translation names a language this instance does not "
                                  "offer.",
    "words.unknown_field": "A translation names a word that has no translations.",
    "words.not_one_line": "A translated word holds a line break or another control "
                          "character.",
    "programme.item_not_found": "The edition has no programme item with this id.",
    "words.too_long": "A translated word is longer than its field allows.",
}
