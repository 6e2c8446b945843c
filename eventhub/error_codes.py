"""The stable codes of problem documents (the `code` member), each with what it means.
Programs and pages act on the code, never on the English detail."""

from __future__ import annotations

CODES: dict[str, str] = {
    "auth.language_not_offered": "The language asked for has no catalog here.",
    "programme.item_not_found": "The edition has no programme item with that id.",
    "statement.frozen": "The statement is published; its sections take corrections, not edits.",
    "statement.not_published": "Only a published statement takes corrections.",
    "statement.section_not_found": "The statement has no section with that key.",
    "statement.diff_revisions": "The two revisions to compare are missing or invalid.",
    "statement.comment_section_required": "A comment names a section or the comment it "
                                          "answers.",
    "statement.revision_number": "The revision to check is not a number from 1.",
}
