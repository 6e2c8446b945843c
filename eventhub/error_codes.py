"""Every `code` a problem document or one of its field entries can carry, with what it
means. Clients and pages branch on these codes (and translate them), never on the English
detail, so a code once published keeps its meaning; a new refusal gets a new code."""

from __future__ import annotations

CODES: dict[str, str] = {
    # Programme
    "programme.time_skipped": "A wall-clock time the edition's time zone skips (summer time "
                              "begins); params time, zone.",
    "programme.version_not_found": "The edition has no programme version with that number; "
                                   "params edition, number.",
    "programme.item_not_found": "The edition has no such programme item; params edition, "
                                "item_id.",
    "programme.times_incomplete": "An item has a start without an end or an end without a "
                                  "start.",
    "programme.end_before_start": "An item ends at or before its start.",
    "programme.start_outside_edition": "An item starts outside the edition's days; params "
                                       "first_day, last_day, zone.",
    "programme.end_outside_edition": "An item ends after the edition's last day; params "
                                     "first_day, last_day, zone.",
    "programme.room_taken": "Another item uses the room at that time; params room, title "
                            "(of the other item); clashes_with describes it.",
    "programme.person_busy": "A speaker or participant is in another item at that time; "
                             "params person, title; clashes_with and person_id.",
    "programme.speech_not_found": "The item has no such speech; params item_id, speech_id.",
    "programme.person_not_found": "No person with that id; param person_id.",
    "programme.organization_not_found": "No organization with that id; param "
                                        "organization_id.",
    "programme.registration_not_found": "No such registration in the edition; params "
                                        "registration_id, edition.",
    "programme.registration_not_confirmed": "Only confirmed registrants join sessions; "
                                            "param status.",
    "programme.item_cancelled": "The session is cancelled; param title.",
    "programme.already_signed_up": "The person is already signed up for the session; params "
                                   "person, title.",
    "programme.session_full": "Every place of the session is taken; params title, capacity.",
    "programme.signup_not_found": "The registration is not signed up for the item; params "
                                  "registration_id, item_id.",
    "programme.not_in_delegation": "The focal point's delegation has no such registration; "
                                   "param registration_id.",
    "programme.not_signed_up": "The delegation member is not signed up for the session; "
                               "params person, title.",
    "programme.already_exhibiting": "The organization already exhibits at the edition; "
                                    "params organization, edition.",
    "programme.exhibitor_not_found": "The edition has no such exhibitor; params edition, "
                                     "exhibitor_id.",
    "programme.nothing_to_publish": "The working copy is the same as the latest published "
                                    "version; param number.",
    # Statements (the API around the statement service)
    "statement.comment_target_missing": "A comment names neither a section nor a comment it "
                                        "replies to.",
    # Archive and audit
    "archive.organization_not_found": "No organization with that id on the public record; "
                                      "param organization_id.",
    "archive.not_archived": "Only archived editions are anonymized.",
    "audit.edition_not_found": "No edition with that slug; param edition.",
    # Edition bundles (import)
    "bundle.invalid": "The bundle cannot be imported.",
    "bundle.too_deep": "The JSON body is nested too deeply to be a bundle.",
    "bundle.not_json": "The request body is not JSON.",
    "bundle.not_a_bundle": "The document is not an EventHub edition bundle; param format.",
    "bundle.unknown_version": "The bundle's format version is not one this instance reads; "
                              "params version, readable.",
    "bundle.schema_mismatch": "The bundle does not match its JSON Schema; params where, "
                              "reason (jsonschema's, in English).",
    "bundle.unstorable_text": "The bundle holds text no database stores; param places.",
    "bundle.checksum_mismatch": "The bundle's checksum does not match its content.",
    "bundle.directory_mismatch": "content/directory does not fit the edition's status; "
                                 "params directory, status, expected.",
    "bundle.edition_exists": "An edition with the bundle's slug exists here; param edition.",
    "bundle.ordinal_exists": "The series already has an edition with that number; params "
                             "ordinal, series.",
    "bundle.inconsistent": "The bundle's rows do not hold together; params count (and listed "
                           "when not all are listed); errors lists each problem with its "
                           "place and code.",
    # ... the codes of the entries of bundle.inconsistent, one per place in the bundle:
    "bundle.missing": "Entry: a required member is missing.",
    "bundle.not_a_list": "Entry: the member must be a list.",
    "bundle.not_an_object": "Entry: the member must be an object (or null where allowed).",
    "bundle.not_a_number": "Entry: NaN or Infinity, which no database column stores.",
    "bundle.not_a_reference": "Entry: the value is not shaped as a reference of its kind.",
    "bundle.duplicate_reference": "Entry: the reference is already another row's.",
    "bundle.null_reference": "Entry: a reference that must name something is null.",
    "bundle.unknown_reference": "Entry: the reference names nothing of its kind in the "
                                "bundle.",
    "bundle.wrong_kind": "Entry: the reference names an object of another kind.",
    "bundle.not_earlier": "Entry: a reply names this or a later comment.",
    "bundle.self_reference": "Entry: a row names itself where it must name another.",
    "bundle.not_original": "Entry: a translation names another translation, not the "
                           "original.",
    "bundle.cycle": "Entry: parents run in a cycle (or a row is its own parent).",
    "bundle.cycle_here": "Entry: the parent would put the directory here in a cycle.",
    "bundle.duplicate_row": "Entry: a row the database keeps unique appears twice.",
    "bundle.invalid_value": "Entry: a value the database or the application refuses.",
    "bundle.out_of_order": "Entry: two values of a row are in the wrong order.",
    "bundle.null": "Entry: the member must not be null.",
    "bundle.not_a_datetime": "Entry: not a date and time with its UTC offset.",
    "bundle.not_a_date": "Entry: not a date (YYYY-MM-DD).",
    "bundle.not_a_choice": "Entry: not one of the allowed values; param choices.",
    "bundle.not_a_boolean": "Entry: not true or false.",
    "bundle.not_an_integer": "Entry: not an integer.",
    "bundle.out_of_range": "Entry: an integer the column cannot hold.",
    "bundle.not_text": "Entry: not text.",
    "bundle.too_long": "Entry: text longer than its column; param length.",
    "bundle.not_base64": "Entry: not base64.",
}
