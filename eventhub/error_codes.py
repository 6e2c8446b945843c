"""The stable codes of problem documents: code -> what it means, in one English line.

Programs and pages act on the code (and translate its message), never on the English
sentence; a code stays when its message is reworded."""

from __future__ import annotations

CODES: dict[str, str] = {
    # Statements
    "statement.not_found": "The edition has no statement with that id.",
    "statement.revision_not_found": "The statement has no such revision (or no such "
                                    "published revision, for the public).",
    "statement.section_not_found": "The statement's current text has no section with "
                                   "that key.",
    "statement.paragraph_not_found": "The section has no paragraph at that index.",
    "statement.comment_not_found": "The statement has no such review comment.",
    "statement.suggestion_not_found": "The statement has no such suggestion.",
    "statement.title_required": "A statement needs a title.",
    "statement.sections_required": "A statement needs at least one section.",
    "statement.paragraphs_required": "Each section needs paragraphs with text.",
    "statement.duplicate_section_key": "Two sections carry the same key.",
    "statement.if_match_required": "An edit must send If-Match with the ETag of the "
                                   "revision it is based on.",
    "statement.foreign_etag": "The If-Match value is not an ETag of this statement.",
    "statement.stale_revision": "The text changed since the revision the edit is based "
                                "on; the current revision comes with the answer.",
    "statement.frozen": "The statement is published; it takes corrections only.",
    "statement.not_published": "Only a published statement takes corrections.",
    "statement.status_transition": "The statement cannot move from its status to the one "
                                   "asked for.",
    "statement.approver_only": "Only the chair's designated approver (or an admin) "
                               "approves.",
    "statement.changed_after_approval": "The text changed after approval; it needs "
                                        "approving again before publication.",
    "statement.approver_unknown": "No active user has the id given as approver.",
    "statement.approver_in_secretariat": "The approver cannot belong to the drafting "
                                         "secretariat.",
    "statement.language_exists": "The statement already has a version in that language.",
    "statement.reviewers_only": "Only the secretariat and the statement's approver "
                                "review it.",
    "statement.comment_resolved": "The comment is already resolved.",
    "statement.suggestion_decided": "The suggestion was already accepted or rejected.",
    "statement.suggestion_outdated": "The paragraph changed since the suggestion was "
                                     "made.",
    "statement.draft_language": "A first draft from the record is written in English.",
    "statement.publish_needs_confirmation": "Publishing needs a confirmation of the fact "
                                            "check's open findings (mismatches, a coverage "
                                            "lower than the English version's), listed in "
                                            "needs_confirmation and missing.",
    "statement.confirmation_reason_required": "A publication confirmation needs a reason.",
}
