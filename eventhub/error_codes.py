"""Every `code` a problem document or one of its field entries can carry.

A code names a refusal for programs and pages; it stays the same when the English
sentence is reworded, so a client or a page translates the code, never the sentence. The
OpenAPI document lists these codes with their descriptions (schemas.ProblemSchema), and a
test checks that every code the sources use is listed here. The `params` a code comes
with are named in its description.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    # Answers of HTTP itself and the generic refusals (eventhub.errors).
    "bad_request": "The request is malformed.",
    "bad_request.invalid_json": "The body is not valid JSON (see errors).",
    "bad_request.json_too_deep": "The JSON body is nested too deeply to be read.",
    "auth.required": "No valid bearer token was sent.",
    "permission.denied": "The signed-in role may not do this (params: role, permission).",
    "not_found": "Nothing exists at this address.",
    "not_acceptable": "No representation the request accepts is available.",
    "method_not_allowed": "The method is not allowed at this address (params: method, "
                          "allowed).",
    "conflict": "The request conflicts with the current state of the resource.",
    "conflict.integrity": "A duplicate or a reference to something missing was caught by the "
                          "database (often two simultaneous requests); re-read and retry.",
    "gone": "The resource existed but is gone.",
    "precondition_failed": "The resource changed since it was read (If-Match does not match "
                           "its ETag).",
    "precondition_required": "Send the resource's ETag in If-Match.",
    "content_too_large": "The request body is larger than allowed (params: limit).",
    "unsupported_media_type": "The request body's media type is not accepted here "
                              "(params: media_type).",
    "validation.failed": "A value is not acceptable (see errors).",
    "validation.invalid_fields": "Fields of the request are invalid (see errors).",
    "rate_limited": "Too many attempts; wait Retry-After seconds (params: retry_after).",
    "internal_error": "An unexpected error occurred; it has been logged.",
    "unavailable": "The service or its database is unavailable for a moment.",
    "database.busy": "Other changes are being saved; retry after Retry-After seconds.",
    "pagination.page_too_large": "The page is beyond the end of any list.",
    # Idempotency-Key (eventhub.idempotency).
    "idempotency.in_progress": "A request with this Idempotency-Key has not finished; retry "
                               "after Retry-After seconds (params: header, seconds).",
    "idempotency.key_too_long": "The Idempotency-Key is too long (params: header, max).",
    "idempotency.key_reused": "The Idempotency-Key was used with a different request body "
                              "(params: header).",
    # Field entries of validation (eventhub.validation_messages, eventhub.schemas).
    "validation.required": "A required value is missing.",
    "validation.null": "The field may not be null.",
    "validation.invalid": "The value is not valid.",
    "validation.type": "The value has the wrong type (a list, an object...).",
    "validation.unknown_field": "The field is not part of this request.",
    "validation.string": "Not a valid string.",
    "validation.number": "Not a valid number (or too large, or nan/infinity).",
    "validation.boolean": "Not a valid boolean.",
    "validation.date": "Not a valid date, time or date and time.",
    "validation.email": "Not a valid e-mail address.",
    "validation.url": "Not a valid URL.",
    "validation.uuid": "Not a valid UUID.",
    "validation.ip": "Not a valid IP address.",
    "validation.choice": "The value is not one of the allowed choices (params: choices).",
    "validation.length": "The text or list is too short or too long (params: min, max, "
                         "equal).",
    "validation.range": "The number or date is out of range (params: min, max).",
    "validation.pattern": "The text does not have the expected form.",
    "validation.equal": "The value must equal another (params: other).",
    "validation.blank": "The text must not be blank.",
    "validation.one_line": "The text must be a single line (no line breaks, tabs or other "
                           "control characters).",
    "validation.year_range": "The date must fall between the supported years (params: "
                             "first, last).",
    "validation.unstorable_text": "The text holds NUL characters or unpaired surrogates.",
    "validation.country_code": "Not an ISO 3166-1 alpha-2 country code.",
    "validation.language_tag": "Not a language tag such as en, zh or zh-CN.",
    "validation.slug": "Not a slug (lowercase letters, digits and single hyphens).",
    "validation.key": "Not a key (lowercase letters, digits and _, starting with a letter).",
    # Accounts and sign-in (eventhub.auth).
    "auth.bad_credentials": "E-mail or password is wrong, or the account is disabled.",
    "auth.token_unknown": "The bearer token is unknown.",
    "auth.token_expired": "The bearer token has expired or was revoked.",
    "auth.account_disabled": "The account is disabled.",
    "auth.password_too_short": "The password is too short (params: min).",
    "auth.wrong_current_password": "The current password given is not the user's.",
    "user.not_found": "No such user (params: id or email).",
    "user.duplicate_email": "A user with this e-mail exists (params: email).",
    "user.last_admin": "The last active admin cannot be disabled or demoted.",
    # Directory (eventhub.directory).
    "organization.not_found": "No organization with this id (params: id).",
    "organization.duplicate": "An organization of this name and country exists (params: "
                              "name, id; extra: existing_id).",
    "organization.own_ancestor": "An organization cannot be its own ancestor.",
    "organization.referenced": "The organization is still referenced (params: name, "
                               "references; extra: references).",
    "directory.unknown_country": "Not an ISO 3166-1 alpha-2 country code (params: "
                                 "country_code).",
    "person.not_found": "No person with this id (params: id).",
    "person.speaks": "The person speaks in programme items (params: name, speeches).",
    "directory.merge_same": "An organization or person cannot be merged into itself.",
    "directory.merge_archived": "The duplicate is named by archived editions, whose record "
                                "cannot change; merge the other way round (params: name, "
                                "editions; extra: editions).",
    "directory.merge_same_edition": "Both entries have a row that may exist once per edition "
                                    "in the same edition (params: what, editions; extra: "
                                    "editions, what).",
    "directory.merge_ancestor": "The duplicate organization is above the one kept in its "
                                "hierarchy (params: name).",
    # Invitations and their response links (eventhub.invitations).
    "invitation.not_found": "The edition has no such invitation (params: slug, id).",
    "invitation.duplicate": "The organization is already invited (params: organization, "
                            "slug).",
    "invitation.listed_twice": "An organization is listed twice in one request (params: id).",
    "invitation.incomplete": "The invitation lacks a quota, deadline or focal point (params: "
                             "organization).",
    "invitation.deadline_without_zone": "The deadline has no time zone offset.",
    "invitation.deadline_past": "The deadline is not in the future.",
    "invitation.transition_refused": "The invitation cannot move to that status (params: "
                                     "status, target; extra: current_status, allowed).",
    "invitation.not_changeable": "The invitation's status does not allow changes (params: "
                                 "status).",
    "invitation.quota_below_delegation": "The quota would be below the delegation's size "
                                         "(params: size, quota).",
    "invitation.edition_closed": "The edition is closed; invitations cannot change (params: "
                                 "slug).",
    "invitation.edition_not_open": "The edition is not open; invitations cannot be sent "
                                   "(params: slug, edition_status).",
    "invitation.not_a_draft": "Sending drafts left out an invitation that is no longer a draft (params: status).",
    "invitation.link_invalid": "The response link is not valid.",
    "invitation.link_gone": "The response link is no longer usable.",
    "invitation.deadline_passed": "The response deadline has passed (extra: deadline, "
                                  "language).",
    "invitation.withdrawn": "The organizers withdrew the invitation (extra: language).",
    "invitation.registration_closed": "Registration for the edition has closed (extra: "
                                      "language).",
    # Registrations, delegations and credentials (eventhub.registrations).
    "registration.not_found": "The edition has no such registration (params: slug, id).",
    "registration.not_open": "Registration for the edition is not open (params: slug, "
                             "edition_status).",
    "registration.busy": "Many registrations arrive at once; retry after Retry-After "
                         "seconds.",
    "registration.duplicate": "The person is already registered (params: name, slug or "
                              "status).",
    "registration.person_missing": "Neither person_id nor full_name was given.",
    "registration.transition_refused": "The registration cannot move to that status (params: "
                                       "status, target; extra: current_status).",
    "registration.edition_full": "The edition is full (params: capacity).",
    "registration.credentials_unreviewed": "The delegation's credentials are not reviewed "
                                           "yet.",
    "registration.badge_unknown": "No such badge in the edition (params: badge, slug).",
    "registration.not_confirmed": "The registration is not confirmed (params: status).",
    "registration.already_checked_in": "The person already checked in (params: name, "
                                       "checked_in_at).",
    "badge.not_confirmed": "Badges are printed for confirmed registrations only "
                           "(params: status).",
    "badge.delegation_not_found": "The edition has no such delegation (params: slug, id).",
    "badge.none_confirmed": "No confirmed registration to print a badge for.",
    "registration.quota_exceeded": "More members than the invitation's quota (params: quota, "
                                   "given).",
    "registration.no_seat": "No seat is left to attend in person (params: name).",
    "delegation.not_found": "No such delegation (params: slug, id).",
    "delegation.member_not_found": "The focal point's delegation has no such member (params: "
                                   "id).",
    "delegation.invitation_not_accepted": "The invitation is not accepted (params: status).",
    "delegation.invalid_members": "The member list has several problems (see errors).",
    "delegation.one_head": "Exactly one head of delegation is needed (params: heads).",
    "delegation.same_email": "Two members share an e-mail (params: member, the first of "
                             "them, counted from 1).",
    "credential.not_accepted": "Accept the invitation before uploading credentials.",
    "credential.not_uploaded": "The delegation has not uploaded credentials.",
    "credential.file_not_imported": "The credential's file was not in the imported bundle.",
    "upload.missing_file": "The multipart field \"file\" is missing.",
    "upload.empty": "The uploaded file is empty.",
    "upload.too_large": "The uploaded file is too large (params: limit).",
    "upload.unsupported_type": "The uploaded file is not a PDF, PNG or JPEG document.",
    "visa.invalid_details": "The passport details are not valid (see errors).",
    "visa.passport_number": "The passport number is not 5 to 20 letters A-Z and digits.",
    "visa.nationality": "The nationality is not an ISO 3166-1 alpha-2 code.",
    "visa.date_of_birth": "The date of birth is not in the past (params: earliest).",
    "visa.passport_expiry": "The passport expires before the edition ends (params: end).",
    "visa.no_details": "The registration has no passport details (params: id).",
    "visa.registration_inactive": "Passport details are kept for active registrations only "
                                  "(params: status).",
    "visa.registration_not_confirmed": "Visa letters are issued for confirmed registrations "
                                       "only (params: status).",
    # Registration import files (eventhub.registrations.spreadsheets).
    "import.invalid_file": "The import file has problems; nothing was imported (params: "
                           "count; extra: error_count).",
    "import.not_utf8": "The import file starts as UTF-8 (byte order mark) but a line is not "
                       "UTF-8 text (params: line, fix; in the field entry: line, byte).",
    "import.unknown_encoding": "The import file is in none of the encodings read with "
                               "certainty (UTF-8, UTF-16 with a byte order mark, Windows-1252 "
                               "Western European text), e.g. a Chinese or Cyrillic legacy "
                               "CSV (params: line, the first line that shows it, and fix, "
                               "`save_as_csv_utf8`; in the field entry: line, byte).",
    "import.workbook": "The import file is a spreadsheet workbook (.xlsx, .xls), not CSV "
                       "(params: line, fix).",
    "import.nul_characters": "The import file contains NUL characters.",
    "import.unreadable_csv": "The import file cannot be read as CSV (params: reason).",
    "import.empty": "The import file is empty (params: columns).",
    "import.too_many_rows": "The import file has too many rows (params: limit).",
    "import.duplicate_column": "The header names a column twice.",
    "import.missing_column": "The header lacks a required column.",
    "import.unnamed_column": "A cell is in a column the header does not name.",
    "import.no_rows": "The import file has a header but no rows.",
    "import.organization_unknown": "No organization of that name (params: name).",
    "import.organization_mismatch": "organization_id and organization disagree (params: id, "
                                    "actual, name).",
    "import.organization_ambiguous": "Several organizations have that name (params: name, "
                                     "ids).",
    "import.duplicate_email": "The same e-mail is on an earlier line (params: first_line).",
    # Added with the statement work.
    "statement.not_found": "The edition has no statement with that id.",
    "statement.revision_not_found": "The statement has no such revision (or no such published revision, for the public).",
    "statement.section_not_found": "The statement's current text has no section with that key.",
    "statement.paragraph_not_found": "The section has no paragraph at that index.",
    "statement.comment_not_found": "The statement has no such review comment.",
    "statement.suggestion_not_found": "The statement has no such suggestion.",
    "statement.title_required": "A statement needs a title.",
    "statement.sections_required": "A statement needs at least one section.",
    "statement.paragraphs_required": "Each section needs paragraphs with text.",
    "statement.duplicate_section_key": "Two sections carry the same key.",
    "statement.if_match_required": "An edit must send If-Match with the ETag of the revision it is based on.",
    "statement.foreign_etag": "The If-Match value is not an ETag of this statement.",
    "statement.stale_revision": "The text changed since the revision the edit is based on; the current revision comes with the answer.",
    "statement.frozen": "The statement is published; it takes corrections only.",
    "statement.not_published": "Only a published statement takes corrections.",
    "statement.status_transition": "The statement cannot move from its status to the one asked for.",
    "statement.approver_only": "Only the chair's designated approver (or an admin) approves.",
    "statement.changed_after_approval": "The text changed after approval; it needs approving again before publication.",
    "statement.approver_unknown": "No active user has the id given as approver.",
    "statement.approver_in_secretariat": "The approver cannot belong to the drafting secretariat.",
    "statement.language_exists": "The statement already has a version in that language.",
    "statement.reviewers_only": "Only the secretariat and the statement's approver review it.",
    "statement.secretariat_only": "Only the drafting secretariat submits and publishes a statement.",
    "statement.comment_resolved": "The comment is already resolved.",
    "statement.suggestion_decided": "The suggestion was already accepted or rejected.",
    "statement.suggestion_outdated": "The paragraph changed since the suggestion was made.",
    "statement.draft_language": "A first draft from the record is written in English.",
    "statement.publish_needs_confirmation": "Publishing needs a confirmation of the fact check's open findings (mismatches, a coverage lower than the English version's), listed in needs_confirmation and missing.",
    "statement.confirmation_reason_required": "A publication confirmation needs a reason.",
    # Added with the staff work.
    "auth.language_not_offered": "The language asked for has no catalog here.",
    "programme.item_not_found": "The edition has no programme item with that id.",
    "statement.diff_revisions": "The two revisions to compare are missing or invalid.",
    "statement.comment_section_required": "A comment names a section or the comment it answers.",
    "statement.revision_number": "The revision to check is not a number from 1.",
    # Added with the public work.
    # Added with the errors-b work.
    "programme.time_skipped": "A wall-clock time the edition's time zone skips (summer time begins); params time, zone.",
    "programme.version_not_found": "The edition has no programme version with that number; params edition, number.",
    "programme.times_incomplete": "An item has a start without an end or an end without a start.",
    "programme.end_before_start": "An item ends at or before its start.",
    "programme.start_outside_edition": "An item starts outside the edition's days; params first_day, last_day, zone.",
    "programme.end_outside_edition": "An item ends after the edition's last day; params first_day, last_day, zone.",
    "programme.room_taken": "Another item uses the room at that time; params room, title (of the other item); clashes_with describes it.",
    "programme.person_busy": "A speaker or participant is in another item at that time; params person, title; clashes_with and person_id.",
    "programme.speech_not_found": "The item has no such speech; params item_id, speech_id.",
    "programme.person_not_found": "No person with that id; param person_id.",
    "programme.organization_not_found": "No organization with that id; param organization_id.",
    "programme.registration_not_found": "No such registration in the edition; params registration_id, edition.",
    "programme.registration_not_confirmed": "Only confirmed registrants join sessions; param status.",
    "programme.item_cancelled": "The session is cancelled; param title.",
    "programme.already_signed_up": "The person is already signed up for the session; params person, title.",
    "programme.session_full": "Every place of the session is taken; params title, capacity.",
    "programme.signup_not_found": "The registration is not signed up for the item; params registration_id, item_id.",
    "programme.not_in_delegation": "The focal point's delegation has no such registration; param registration_id.",
    "programme.not_signed_up": "The delegation member is not signed up for the session; params person, title.",
    "programme.already_exhibiting": "The organization already exhibits at the edition; params organization, edition.",
    "programme.exhibitor_not_found": "The edition has no such exhibitor; params edition, exhibitor_id.",
    "programme.nothing_timed": "No published item has a time, so there is no calendar or schedule to give (an empty one is not allowed); param edition.",
    "programme.nothing_to_publish": "The working copy is the same as the latest published version; param number.",
    "statement.comment_target_missing": "A comment names neither a section nor a comment it replies to.",
    "archive.organization_not_found": "No organization with that id on the public record; param organization_id.",
    "archive.not_archived": "Only archived editions are anonymized.",
    "audit.edition_not_found": "No edition with that slug; param edition.",
    "bundle.invalid": "The bundle cannot be imported.",
    "bundle.too_deep": "The JSON body is nested too deeply to be a bundle.",
    "bundle.not_json": "The request body is not JSON.",
    "bundle.not_a_bundle": "The document is not an EventHub edition bundle; param format.",
    "bundle.unknown_version": "The bundle's format version is not one this instance reads; params version, readable.",
    "bundle.schema_mismatch": "The bundle does not match its JSON Schema; params where, reason (jsonschema's, in English).",
    "bundle.unstorable_text": "The bundle holds text no database stores; param places.",
    "bundle.checksum_mismatch": "The bundle's checksum does not match its content.",
    "bundle.directory_mismatch": "content/directory does not fit the edition's status; params directory, status, expected.",
    "bundle.edition_exists": "An edition with the bundle's slug exists here; param edition.",
    "bundle.ordinal_exists": "The series already has an edition with that number; params ordinal, series.",
    "bundle.inconsistent": "The bundle's rows do not hold together; params count (and listed when not all are listed); errors lists each problem with its place and code.",
    "bundle.missing": "Entry: a required member is missing.",
    "bundle.not_a_list": "Entry: the member must be a list.",
    "bundle.not_an_object": "Entry: the member must be an object (or null where allowed).",
    "bundle.not_a_number": "Entry: NaN or Infinity, which no database column stores.",
    "bundle.not_a_reference": "Entry: the value is not shaped as a reference of its kind.",
    "bundle.duplicate_reference": "Entry: the reference is already another row's.",
    "bundle.null_reference": "Entry: a reference that must name something is null.",
    "bundle.unknown_reference": "Entry: the reference names nothing of its kind in the bundle.",
    "bundle.wrong_kind": "Entry: the reference names an object of another kind.",
    "bundle.not_earlier": "Entry: a reply names this or a later comment.",
    "bundle.self_reference": "Entry: a row names itself where it must name another.",
    "bundle.not_original": "Entry: a translation names another translation, not the original.",
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
    # Added with the words work.
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
    "edition.programme_outside_days": "New dates would leave scheduled programme items outside the edition's days.",
    "edition.status_not_allowed": "The edition cannot move from its status to the one asked.",
    "edition.not_a_draft": "Only draft editions can be deleted.",
    "figure.not_found": "The edition has no reported figure with this key.",
    "figure.key_taken": "The edition already has a reported figure with this key.",
    "participation.unknown_organization": "No organization has the id given.",
    "participation.exists": "The organization already takes part in the edition.",
    "participation.not_found": "The organization does not take part in the edition.",
    "words.english_in_translations": "English words were given as a translation; they are the edition's (or item's) own fields.",
    "words.language_not_offered": "A translation names a language this instance does not offer.",
    "words.unknown_field": "A translation names a word that has no translations.",
    "words.not_one_line": "A translated word holds a line break or another control character.",
    "words.too_long": "A translated word is longer than its field allows.",
    "outbox.not_found": "No message with this id in the mail outbox (params: id).",
    "outbox.not_retryable": "Only failed messages, or those stuck in sending, can be queued "
                            "again (params: id, state).",
}
