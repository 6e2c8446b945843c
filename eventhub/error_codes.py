"""Every `code` a problem document or one of its field entries can carry.

A code names a refusal for programs and pages; it stays the same when the English
sentence is reworded, so a client or a page translates the code, never the sentence.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "delegation.member_not_found": "The focal point's delegation has no such member (params: "
                                   "id).",
}
