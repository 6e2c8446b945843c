"""Compare two revisions: sections aligned by key, paragraphs aligned by content, and
word-level changes inside a changed paragraph."""

from __future__ import annotations

import difflib
import re
from typing import Any

# Scripts written without spaces between words (Chinese, Japanese kana, fullwidth forms
# and CJK punctuation): each character is a token of its own, so a changed word in a
# Chinese paragraph is marked as that word, not as the whole paragraph.
_CJK = ("\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff"
        "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
        "\U00020000-\U0003134f")
# Elsewhere a word is what stands between spaces, with its punctuation ("routes,").
_TOKENS = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def tokens(text: str) -> list[str]:
    """Words, spaces and punctuation of a text; each character of Chinese text."""
    return _TOKENS.findall(text)


def _merged(ops: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Fold a single Chinese character left equal between two changes into the change
    around it: 把“加强合作”改为“深化交流” reads as one replacement, not as a change
    broken at a character the two words happen to share. Each op is (tag, old, new)."""
    result: list[tuple[str, str, str]] = []
    for index, (tag, old, new) in enumerate(ops):
        between = 0 < index < len(ops) - 1 and result and result[-1][0] != "equal" \
            and ops[index + 1][0] != "equal"
        if tag == "equal" and between and len(old) == 1 and _IS_CJK.match(old):
            _, last_old, last_new = result.pop()
            result.append(("replace", last_old + old, last_new + new))
            continue
        if tag != "equal" and result and result[-1][0] != "equal":
            _, last_old, last_new = result.pop()
            result.append(("replace", last_old + old, last_new + new))
            continue
        result.append((tag, old, new))
    return result


def word_diff(old: str, new: str) -> list[dict[str, str]]:
    """Operations that turn old into new: equal / delete / insert runs of text, word by
    word (character by character in Chinese)."""
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    runs = [(tag, "".join(a[i1:i2]), "".join(b[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    ops: list[dict[str, str]] = []
    for tag, old_text, new_text in _merged(runs):
        if tag == "equal":
            ops.append({"op": "equal", "text": old_text})
            continue
        if old_text:
            ops.append({"op": "delete", "text": old_text})
        if new_text:
            ops.append({"op": "insert", "text": new_text})
    return ops


def _paragraph_changes(old: list[str], new: list[str]) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            # Same number of paragraphs replaced: show each as an edited paragraph.
            for offset in range(i2 - i1):
                changes.append({"change": "edited", "old_index": i1 + offset,
                                "new_index": j1 + offset,
                                "words": word_diff(old[i1 + offset], new[j1 + offset])})
            continue
        for index in range(i1, i2):
            changes.append({"change": "removed", "old_index": index, "text": old[index]})
        for index in range(j1, j2):
            changes.append({"change": "added", "new_index": index, "text": new[index]})
    return changes


def _moved_keys(old_order: list[str], new_order: list[str]) -> set[str]:
    """Sections that changed place relative to the others: those outside the longest run
    kept in order. A section that only renumbered because another one came or went, or
    moved past it, did not move."""
    common = [key for key in new_order if key in set(old_order)]
    before = [key for key in old_order if key in set(new_order)]
    matcher = difflib.SequenceMatcher(a=before, b=common, autojunk=False)
    kept = {before[block.a + i] for block in matcher.get_matching_blocks()
            for i in range(block.size)}
    return set(common) - kept


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The differences between two revision contents, for people to read."""
    old_sections = {s["key"]: (i, s) for i, s in enumerate(old["sections"])}
    new_sections = {s["key"]: (i, s) for i, s in enumerate(new["sections"])}
    moved_keys = _moved_keys([s["key"] for s in old["sections"]],
                             [s["key"] for s in new["sections"]])
    sections = []
    for key, (new_index, section) in new_sections.items():
        if key not in old_sections:
            sections.append({"key": key, "change": "added", "new_number": new_index + 1,
                             "paragraphs": section["paragraphs"]})
            continue
        old_index, previous = old_sections[key]
        paragraphs = _paragraph_changes(previous["paragraphs"], section["paragraphs"])
        moved = key in moved_keys
        if paragraphs or moved:
            sections.append({"key": key, "change": "edited" if paragraphs else "moved",
                             "old_number": old_index + 1, "new_number": new_index + 1,
                             "paragraphs": paragraphs})
    for key, (old_index, section) in old_sections.items():
        if key not in new_sections:
            sections.append({"key": key, "change": "removed", "old_number": old_index + 1,
                             "paragraphs": section["paragraphs"]})
    header = {field: {"old": old.get(field), "new": new.get(field)}
              for field in ("title", "dateline") if old.get(field) != new.get(field)}
    return {"header": header, "sections": sections, "identical": not header and not sections}
