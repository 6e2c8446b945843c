"""Statements: revisions, concurrent editing, review and the publication workflow.

Every save writes a new immutable revision. Edits name the revision they were based on
(If-Match). A stale edit of one section merges onto the current text when nobody changed
that section since; otherwise it is refused with 412 and the current revision, so nothing
is overwritten silently. Published text is frozen: a correction is a new published
revision with a visible note, and older published revisions stay readable.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from sqlalchemy import select

from eventhub.auth.models import Role
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Unprocessable,
)
from eventhub.extensions import db, guard, utcnow
from eventhub.i18n import N_
from eventhub.mail import notifications
from eventhub.statements.models import (
    Statement,
    StatementComment,
    StatementKind,
    StatementRevision,
    StatementStatus,
    StatementSuggestion,
    SuggestionStatus,
)

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_S = StatementStatus
EDITABLE = (_S.DRAFT, _S.IN_REVIEW, _S.APPROVED)


class StaleRevision(DomainError):
    status = 412
    title = N_("Precondition failed")
    default_code = "statement.stale_revision"


class PreconditionRequired(DomainError):
    status = 428
    title = N_("Precondition required")
    default_code = "statement.if_match_required"


def roman(number: int) -> str:
    if number <= 0:
        raise ValueError("roman numerals start at 1")
    parts = []
    for value, symbol in _ROMAN:
        count, number = divmod(number, value)
        parts.append(symbol * count)
    return "".join(parts)


_CHINESE_DIGITS = "零一二三四五六七八九"
_CHINESE_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_numeral(number: int) -> str:
    """一, 二, …, 十, 十一, 二十, 一百零一: how a Chinese document numbers its sections, the
    counterpart of the roman numbers (up to 9999)."""
    if not 0 < number < 10_000:
        raise ValueError("Chinese section numbers run from 1 to 9999")
    parts: list[str] = []
    rest = number
    zero_pending = False
    for value, unit in _CHINESE_UNITS:
        digit, rest = divmod(rest, value)
        if digit:
            if zero_pending:
                parts.append("零")
            # 十一 rather than 一十一 when ten is the leading unit.
            if not (value == 10 and digit == 1 and not parts):
                parts.append(_CHINESE_DIGITS[digit])
            parts.append(unit)
            zero_pending = False
        elif parts:
            zero_pending = True
    if rest:
        if zero_pending:
            parts.append("零")
        parts.append(_CHINESE_DIGITS[rest])
    return "".join(parts)


def section_number(place: int, language: str | None) -> str:
    """A section's number from its place, in the numbering of the statement's language:
    I, II, III in English (and any language without its own), 一, 二, 三 in Chinese."""
    if (language or "").split("_")[0].split("-")[0] == "zh":
        return chinese_numeral(place)
    return roman(place)


def numbered(number: str, language: str | None) -> str:
    """The number as it stands before a section's first paragraph: "I. " or "一、"."""
    if (language or "").split("_")[0].split("-")[0] == "zh":
        return f"{number}\u3001"
    return f"{number}. "


def new_section_key() -> str:
    return "s-" + secrets.token_hex(4)


def etag_for(statement: Statement, revision: int) -> str:
    return f'"statement-{statement.id}-rev-{revision}"'


def revision_from_etag(statement: Statement, if_match: str | None) -> int:
    if not if_match:
        raise PreconditionRequired(
            N_("Send If-Match with the ETag of the revision your edit is based on."))
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    prefix = f'"statement-{statement.id}-rev-'
    if not (value.startswith(prefix) and value.endswith('"')):
        raise StaleRevision(N_("The If-Match value is not an ETag of this statement."),
                            code="statement.foreign_etag",
                            extra={"current_revision": latest_number(statement)})
    try:
        return int(value[len(prefix):-1])
    except ValueError as exc:
        raise StaleRevision(N_("The If-Match value is not an ETag of this statement."),
                            code="statement.foreign_etag") from exc


# Who may do what to a statement -----------------------------------------------------
# The one place of these rules: the service's own checks use them, and the pages ask
# allowed_actions() which buttons and forms to show.

def may_approve(actor: Actor, statement: Statement) -> bool:
    """The chair's designated approver, or an admin (also when nobody is named). The
    approver stands outside the drafting secretariat, so no drafter approves their text."""
    if actor.role == Role.ADMIN:
        return True
    return (statement.approver_id is not None and actor.user_id is not None
            and actor.user_id == statement.approver_id and actor.role != Role.SECRETARIAT)


def may_review(actor: Actor, statement: Statement) -> bool:
    """Reviewers comment and suggest: the secretariat, admins and the designated
    approver (who may hold any other role)."""
    return actor.can(Permission.MANAGE_STATEMENTS) or may_approve(actor, statement)


# What each action is called, for the pages (allowed_actions) and the checks below.
SUBMIT = "submit"            # draft -> in review (the secretariat)
WITHDRAW = "withdraw"        # in review -> draft, by the secretariat
SEND_BACK = "send_back"      # in review -> draft, by the approver
APPROVE = "approve"          # in review -> approved (the approver)
PUBLISH = "publish"          # approved -> published (the secretariat)
EDIT = "edit"                # sections, restore, suggestions decided, approver named
CORRECT = "correct"          # a published statement's correction
TRANSLATE = "translate"      # a version in another language
COMMENT = "comment"          # comments and replies, resolving them
SUGGEST = "suggest"          # a suggested paragraph


def allowed_actions(actor: Actor, statement: Statement,
                    edition: Any | None = None) -> frozenset[str]:
    """What this actor may do to this statement now (nothing in an archived edition)."""
    if edition is None:
        from eventhub.editions.models import Edition

        edition = db.session.get(Edition, statement.edition_id)
    if not actor.is_authenticated or edition is None or edition.is_read_only:
        return frozenset()
    manage = actor.can(Permission.MANAGE_STATEMENTS)
    approver = may_approve(actor, statement)
    status = statement.status
    actions: set[str] = set()
    if manage:
        actions.add(TRANSLATE)
        if status in EDITABLE:
            actions.add(EDIT)
        if status == _S.PUBLISHED:
            actions.add(CORRECT)
        if status == _S.DRAFT:
            actions.add(SUBMIT)
        if status == _S.APPROVED:
            actions.add(PUBLISH)
    if status == _S.IN_REVIEW:
        if approver:
            actions.update((APPROVE, SEND_BACK))
        elif manage:
            actions.add(WITHDRAW)
    if manage or approver:
        actions.add(COMMENT)
        if status != _S.PUBLISHED:
            actions.add(SUGGEST)
    return frozenset(actions)


# Status moves: the actions that make each one (any of them allows it).
TRANSITIONS: dict[tuple[StatementStatus, StatementStatus], frozenset[str]] = {
    (_S.DRAFT, _S.IN_REVIEW): frozenset({SUBMIT}),
    (_S.IN_REVIEW, _S.DRAFT): frozenset({WITHDRAW, SEND_BACK}),
    (_S.IN_REVIEW, _S.APPROVED): frozenset({APPROVE}),
    (_S.APPROVED, _S.PUBLISHED): frozenset({PUBLISH}),
}


def status_actions(actor: Actor, statement: Statement,
                   edition: Any | None = None) -> list[tuple[str, StatementStatus]]:
    """The status moves this actor may make now, as (action, target status)."""
    allowed = allowed_actions(actor, statement, edition)
    moves = []
    for (current, target), actions in TRANSITIONS.items():
        if current == statement.status:
            moves.extend((action, target) for action in sorted(actions & allowed))
    return moves


# Reading ---------------------------------------------------------------------------

def _visible(actor: Actor, query):
    if not actor.can(Permission.READ_INTERNAL):
        query = query.where(Statement.published_revision.is_not(None))
    return query


def list_statements(actor: Actor, slug: str) -> list[Statement]:
    """Statements of an edition; the public sees published ones only."""
    edition = get_edition(actor, slug)
    query = _visible(actor, select(Statement).where(Statement.edition_id == edition.id))
    return list(db.session.scalars(query.order_by(Statement.id)))


def statements_overview(actor: Actor) -> list[tuple[Any, list[Statement]]]:
    """The secretariat's home: every edition the actor may see, newest first, editions
    still being worked on (not archived) before the archive, each with its statements."""
    from eventhub.editions.service import list_editions

    editions = list(db.session.scalars(list_editions(actor, {})))
    ids = [edition.id for edition in editions]
    by_edition: dict[int, list[Statement]] = {edition_id: [] for edition_id in ids}
    if ids:
        query = _visible(actor, select(Statement).where(Statement.edition_id.in_(ids)))
        for statement in db.session.scalars(query.order_by(Statement.id)):
            by_edition[statement.edition_id].append(statement)
    editions.sort(key=lambda edition: edition.is_read_only)  # stable: newest first kept
    return [(edition, by_edition[edition.id]) for edition in editions]


def awaiting_approval(actor: Actor) -> list[Statement]:
    """Statements in review that this actor may approve (for an admin: all of them)."""
    if not actor.is_authenticated:
        return []
    query = select(Statement).where(Statement.status == _S.IN_REVIEW)
    if actor.role != Role.ADMIN:
        if actor.user_id is None:
            return []
        query = query.where(Statement.approver_id == actor.user_id)
    return [s for s in db.session.scalars(query.order_by(Statement.id))
            if APPROVE in allowed_actions(actor, s)]


def works_on_statements(actor: Actor) -> bool:
    """Whose home is the statements rather than the organizers' editions: the drafting
    secretariat, and anyone named approver of a statement not yet published."""
    if not actor.is_authenticated:
        return False
    if actor.can(Permission.MANAGE_STATEMENTS) and not actor.can(Permission.MANAGE_EDITIONS):
        return True
    if actor.user_id is None or actor.role == Role.ADMIN:
        return False
    return db.session.scalar(select(Statement.id).where(
        Statement.approver_id == actor.user_id,
        Statement.status != _S.PUBLISHED).limit(1)) is not None


def get_statement(actor: Actor, slug: str, statement_id: int, *,
                  for_update: bool = False) -> Statement:
    edition = get_edition(actor, slug)
    query = _visible(actor, select(Statement).where(
        Statement.edition_id == edition.id, Statement.id == statement_id))
    if for_update:
        # Serialises saves of one statement, so revision numbers never collide (on
        # SQLite through the database's write lock, eventhub/extensions.py).
        query = query.with_for_update(of=Statement)
    statement = db.session.scalar(query)
    if statement is None:
        raise NotFound(N_("Edition %(slug)s has no statement %(statement_id)s."),
                       code="statement.not_found", slug=slug, statement_id=statement_id)
    return statement


def latest_number(statement: Statement) -> int:
    return max((r.number for r in statement.revisions), default=0)


def revision(statement: Statement, number: int) -> StatementRevision:
    for rev in statement.revisions:
        if rev.number == number:
            return rev
    raise NotFound(N_("Statement %(statement_id)s has no revision %(revision)s."),
                   code="statement.revision_not_found", statement_id=statement.id,
                   revision=number)


def readable_revision(actor: Actor, slug: str, statement_id: int,
                      number: int | None = None) -> tuple[Statement, StatementRevision]:
    """The revision a caller may read: staff any (default: the latest); the public only
    published ones (default: the current published one)."""
    statement = get_statement(actor, slug, statement_id)
    internal = actor.can(Permission.READ_INTERNAL)
    if number is None:
        number = latest_number(statement) if internal else statement.published_revision
    rev = revision(statement, number)
    if not internal and not rev.is_published:
        raise NotFound(N_("Statement %(statement_id)s has no published revision "
                          "%(revision)s."), code="statement.revision_not_found",
                       statement_id=statement.id, revision=number)
    return statement, rev


def list_revisions(actor: Actor, slug: str, statement_id: int) -> list[StatementRevision]:
    statement = get_statement(actor, slug, statement_id)
    if actor.can(Permission.READ_INTERNAL):
        return list(statement.revisions)
    return [r for r in statement.revisions if r.is_published]


def language_versions(statement: Statement) -> list[Statement]:
    """All language versions of the statement, the original first."""
    root_id = statement.translation_of_id or statement.id
    return list(db.session.scalars(select(Statement).where(
        (Statement.id == root_id) | (Statement.translation_of_id == root_id))
        .order_by(Statement.id)))


# Writing ---------------------------------------------------------------------------

def _validate_content(content: dict[str, Any]) -> dict[str, Any]:
    if not content.get("title", "").strip():
        raise Unprocessable.for_field("title", N_("A statement needs a title."),
                                      code="statement.title_required")
    sections = content.get("sections") or []
    if not sections:
        raise Unprocessable.for_field("sections",
                                      N_("A statement needs at least one section."),
                                      code="statement.sections_required")
    keys = set()
    for index, section in enumerate(sections):
        if not section.get("paragraphs") or any(not p.strip() for p in section["paragraphs"]):
            raise Unprocessable.for_field(f"sections.{index}.paragraphs",
                                          N_("Each section needs paragraphs with text."),
                                          code="statement.paragraphs_required")
        section.setdefault("key", new_section_key())
        if section["key"] in keys:
            raise Unprocessable.for_field(f"sections.{index}.key",
                                          N_("Duplicate section key."),
                                          code="statement.duplicate_section_key")
        keys.add(section["key"])
    return {"title": content["title"], "dateline": content.get("dateline"),
            "sections": [{"key": s["key"], "paragraphs": list(s["paragraphs"])}
                         for s in sections]}


def _save(actor: Actor, statement: Statement, content: dict[str, Any], note: str | None, *,
          published: bool = False) -> StatementRevision:
    number = latest_number(statement) + 1
    rev = StatementRevision(statement=statement, number=number, content=content, note=note,
                            author_id=actor.user_id, author_label=actor.label,
                            is_published=published)
    db.session.add(rev)
    statement.title = content["title"]
    statement.dateline = content.get("dateline")
    statement.updated_at = utcnow()
    if statement.status == _S.APPROVED and not published:
        # Approval covered another text; the new one needs approving again.
        statement.status = _S.IN_REVIEW
        statement.approved_revision = None
    db.session.flush()
    return rev


def _editable_statement(actor: Actor, slug: str, statement_id: int) -> Statement:
    authorize(actor, Permission.MANAGE_STATEMENTS)
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    # The lock makes concurrent saves of one statement queue, so each is based on the
    # latest revision: a stale edit of the same section is refused (412), an edit of
    # another section merged, and revision numbers never collide.
    statement = get_statement(actor, slug, statement_id, for_update=guard("statements"))
    if statement.status == _S.PUBLISHED:
        raise Conflict(N_("The statement is published and frozen; issue a correction "
                          "instead."), code="statement.frozen")
    return statement


def create_statement(actor: Actor, slug: str, values: dict[str, Any]) -> Statement:
    """A new draft with its first revision."""
    authorize(actor, Permission.MANAGE_STATEMENTS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    content = _validate_content(values["content"])
    if values.get("approver_id") is not None:
        _check_approver(values["approver_id"])
    statement = Statement(edition_id=edition.id, kind=StatementKind(values["kind"]),
                          title=content["title"], dateline=content.get("dateline"),
                          language=values.get("language", "en"), status=_S.DRAFT,
                          approver_id=values.get("approver_id"))
    db.session.add(statement)
    db.session.flush()
    _save(actor, statement, content, values.get("note") or "First draft")
    return statement


def import_statement(actor: Actor, slug: str, values: dict[str, Any]) -> Statement:
    """Bring in a statement issued outside EventHub (an earlier edition's, or one from an
    export bundle) as it stands: one revision, published if it was."""
    authorize(actor, Permission.MANAGE_STATEMENTS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    content = _validate_content({"title": values["title"], "dateline": values.get("dateline"),
                                 "sections": [{"paragraphs": s["paragraphs"]}
                                              for s in values["sections"]]})
    status = StatementStatus(values.get("status", _S.DRAFT))
    statement = Statement(edition_id=edition.id, kind=StatementKind(values["kind"]),
                          title=content["title"], dateline=content.get("dateline"),
                          language=values.get("language", "en"), status=status,
                          published_at=values.get("published_at"))
    db.session.add(statement)
    db.session.flush()
    published = status == _S.PUBLISHED
    rev = _save(actor, statement, content, "Imported", published=published)
    if published:
        statement.published_revision = rev.number
    db.session.flush()
    return statement


def _base_content(statement: Statement, if_match: str | None) -> tuple[int, int]:
    base = revision_from_etag(statement, if_match)
    current = latest_number(statement)
    if base > current or base < 1:
        raise StaleRevision(N_("Revision %(revision)s does not exist."),
                            code="statement.revision_not_found",
                            extra={"current_revision": current}, revision=base)
    return base, current


def _stale(statement: Statement, current: int, detail: str, base: int) -> StaleRevision:
    return StaleRevision(detail, extra={"current_revision": current,
                                        "current": revision(statement, current).content},
                         headers={"ETag": etag_for(statement, current)}, revision=base)


_CHANGED_SINCE = N_("The statement changed since revision %(revision)s.")


def _section_of(content: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((s for s in content["sections"] if s["key"] == key), None)


def edit_section(actor: Actor, slug: str, statement_id: int, key: str,
                 paragraphs: list[str], note: str | None, if_match: str | None
                 ) -> StatementRevision:
    """Replace one section's paragraphs. Based on an older revision, the edit still lands
    if nobody changed this section since (the edits merge); otherwise 412."""
    statement = _editable_statement(actor, slug, statement_id)
    base, current = _base_content(statement, if_match)
    current_content = revision(statement, current).content
    if base != current:
        then = _section_of(revision(statement, base).content, key)
        now = _section_of(current_content, key)
        if then != now:
            raise _stale(statement, current, N_(
                "Section changed since revision %(revision)s; merge your edit into the "
                "current text and send it again."), base)
    content = copy.deepcopy(current_content)
    section = _section_of(content, key)
    if section is None:
        raise NotFound(N_("Statement %(statement_id)s has no section %(key)s."),
                       code="statement.section_not_found", statement_id=statement.id,
                       key=key)
    if not paragraphs or any(not p.strip() for p in paragraphs):
        raise Unprocessable.for_field("paragraphs",
                                      N_("A section needs paragraphs with text."),
                                      code="statement.paragraphs_required")
    section["paragraphs"] = list(paragraphs)
    return _save(actor, statement, content, note)


def edit_structure(actor: Actor, slug: str, statement_id: int, changes: dict[str, Any],
                   if_match: str | None) -> StatementRevision:
    """Title, dateline, or the sections as a whole (insert, move, delete): these need the
    current revision, since they touch every section's number."""
    statement = _editable_statement(actor, slug, statement_id)
    base, current = _base_content(statement, if_match)
    content = copy.deepcopy(revision(statement, current).content)
    touches_sections = "sections" in changes
    if base != current:
        base_content = revision(statement, base).content
        header_changed = any(base_content.get(f) != content.get(f) for f in ("title", "dateline")
                             if f in changes)
        if touches_sections or header_changed:
            raise _stale(statement, current, _CHANGED_SINCE, base)
    for field in ("title", "dateline"):
        if field in changes:
            content[field] = changes[field]
    if touches_sections:
        content["sections"] = changes["sections"]
    return _save(actor, statement, _validate_content(content), changes.get("note"))


def insert_section(actor: Actor, slug: str, statement_id: int, position: int | None,
                   paragraphs: list[str], note: str | None, if_match: str | None
                   ) -> StatementRevision:
    statement = _editable_statement(actor, slug, statement_id)
    base, current = _base_content(statement, if_match)
    if base != current:
        raise _stale(statement, current, _CHANGED_SINCE, base)
    content = copy.deepcopy(revision(statement, current).content)
    index = len(content["sections"]) if position is None else max(
        0, min(position - 1, len(content["sections"])))
    content["sections"].insert(index, {"key": new_section_key(), "paragraphs": paragraphs})
    return _save(actor, statement, _validate_content(content), note)


def restore(actor: Actor, slug: str, statement_id: int, number: int) -> StatementRevision:
    statement = _editable_statement(actor, slug, statement_id)
    old = revision(statement, number)
    return _save(actor, statement, copy.deepcopy(old.content), f"Restored revision {number}")


# Workflow --------------------------------------------------------------------------

def _primary_language(language: str | None) -> str:
    return (language or "en").replace("-", "_").split("_")[0]


def publication_checks(actor: Actor, slug: str, statement: Statement,
                       rev: StatementRevision) -> dict[str, Any]:
    """What publishing this text asks the publisher to confirm: the fact check's open
    mismatches, and (for a language version) a check that read less of the text than it
    read of the English version. Empty when nothing needs confirming."""
    from eventhub.statements.factcheck import COVERAGE_TOLERANCE, check_content

    edition = get_edition(actor, slug)
    report = check_content(edition, rev.content, statement.language)
    needs: dict[str, Any] = {}
    if report["mismatches"]:
        needs["mismatches"] = [
            {key: entry[key] for key in ("kind", "section", "text_says", "records_say")}
            for entry in report["mismatches"]]
    if _primary_language(statement.language) != "en":
        english = next((v for v in language_versions(statement)
                        if _primary_language(v.language) == "en"), None)
        if english is not None:
            number = english.published_revision or latest_number(english)
            english_report = check_content(edition, revision(english, number).content,
                                           english.language)
            share = report["coverage"]["share"]
            english_share = english_report["coverage"]["share"]
            if share < english_share - COVERAGE_TOLERANCE:
                needs["lower_coverage"] = {
                    "language": statement.language, "share": share,
                    "english_statement_id": english.id, "english_revision": number,
                    "english_share": english_share}
    return needs


def _confirm_publication(actor: Actor, slug: str, statement: Statement,
                         rev: StatementRevision, confirm: dict[str, Any] | None) -> None:
    """Refuse to publish over an open fact-check finding unless the publisher confirmed
    each one with a reason; record the confirmation on the revision (its history and the
    audit trail show who confirmed what, and why)."""
    needs = publication_checks(actor, slug, statement, rev)
    if not needs:
        return
    confirm = confirm or {}
    missing = [key for key in needs if not confirm.get(key)]
    if missing:
        raise Conflict(N_("The fact check asks for a confirmation before this text is "
                          "published: confirm each finding listed and give a reason."),
                       code="statement.publish_needs_confirmation",
                       extra={"needs_confirmation": needs, "missing": missing})
    reason = (confirm.get("reason") or "").strip()
    if not reason:
        raise Unprocessable.for_field(
            "confirm.reason", N_("Give the reason for publishing despite the fact check."),
            code="statement.confirmation_reason_required")
    rev.publication_confirmation = {
        **needs, "reason": reason, "confirmed_by": actor.label,
        "confirmed_by_id": actor.user_id, "confirmed_at": utcnow().isoformat()}


def change_status(actor: Actor, slug: str, statement_id: int, target: StatementStatus,
                  confirm: dict[str, Any] | None = None) -> Statement:
    """draft -> in_review -> approved -> published; review can send a text back to draft.
    The secretariat submits and publishes; the chair's approver (or an admin) approves.
    Publishing a text with an open fact-check mismatch, or a language version read less
    than the English one, needs `confirm` ({"mismatches": true, "lower_coverage": true,
    "reason": ...}), which is recorded."""
    statement = get_statement(actor, slug, statement_id, for_update=True)
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    key = (statement.status, target)
    if key not in TRANSITIONS:
        raise Conflict(N_("A statement cannot go from %(current)s to %(target)s."),
                       code="statement.status_transition",
                       extra={"current_status": statement.status.value},
                       current=statement.status.value, target=target.value)
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if not TRANSITIONS[key] & allowed_actions(actor, statement, edition):
        if target == _S.APPROVED:
            raise PermissionDenied(N_("Only the chair's designated approver (or an admin) "
                                      "may approve the statement."),
                                   code="statement.approver_only")
        if target == _S.DRAFT:
            raise PermissionDenied(N_("Only the secretariat and the statement's approver "
                                      "review it."), code="statement.reviewers_only")
        authorize(actor, Permission.MANAGE_STATEMENTS)
        # The approver holds the permission but not this step (a drafter approving).
        raise PermissionDenied(N_("Only the secretariat submits and publishes a "
                                  "statement."), code="statement.secretariat_only")
    if target == _S.APPROVED:
        statement.approved_revision = latest_number(statement)
    if target == _S.PUBLISHED:
        rev = revision(statement, statement.approved_revision or latest_number(statement))
        if rev.number != latest_number(statement):
            raise Conflict(N_("The text changed after approval; approve it again."),
                           code="statement.changed_after_approval")
        _confirm_publication(actor, slug, statement, rev, confirm)
        rev.is_published = True
        statement.published_revision = rev.number
        statement.published_at = utcnow()
    statement.status = target
    db.session.flush()
    notifications.statement_moved(statement)
    return statement


def publish_correction(actor: Actor, slug: str, statement_id: int,
                       sections: list[dict[str, Any]] | None, title: str | None,
                       note: str, if_match: str | None) -> StatementRevision:
    """Correct a published statement: a new published revision with a visible note."""
    authorize(actor, Permission.MANAGE_STATEMENTS)
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    statement = get_statement(actor, slug, statement_id, for_update=True)
    if statement.status != _S.PUBLISHED:
        raise Conflict(N_("Only a published statement takes corrections; edit the draft."),
                       code="statement.not_published")
    base, current = _base_content(statement, if_match)
    if base != current:
        raise _stale(statement, current, _CHANGED_SINCE, base)
    content = copy.deepcopy(revision(statement, current).content)
    if title is not None:
        content["title"] = title
    if sections is not None:
        content["sections"] = sections
    rev = _save(actor, statement, _validate_content(content), note, published=True)
    statement.published_revision = rev.number
    statement.published_at = utcnow()
    db.session.flush()
    return rev


def _check_approver(approver_id: int) -> None:
    """The chair's approver stands outside the drafting secretariat, so no drafter can
    approve their own text."""
    from eventhub.auth.models import User

    user = db.session.get(User, approver_id)
    if user is None or not user.is_active:
        raise Unprocessable.for_field("approver_id",
                                      N_("No active user with id %(user_id)s."),
                                      code="statement.approver_unknown", user_id=approver_id)
    if user.role == Role.SECRETARIAT:
        raise Unprocessable.for_field(
            "approver_id", N_("The approver cannot be a member of the drafting secretariat."),
            code="statement.approver_in_secretariat")


def approver_candidates(actor: Actor) -> list[Any]:
    """The users the secretariat may name as approver (active, outside the drafting
    secretariat), for a choice on the statement page; names only, no e-mail addresses."""
    from eventhub.auth.models import User

    authorize(actor, Permission.MANAGE_STATEMENTS)
    return list(db.session.scalars(select(User).where(
        User.is_active.is_(True), User.role != Role.SECRETARIAT).order_by(User.name, User.id)))


def approver_of(statement: Statement) -> Any | None:
    """The statement's designated approver (a user), for naming them on its page."""
    from eventhub.auth.models import User

    return db.session.get(User, statement.approver_id) if statement.approver_id else None


def set_approver(actor: Actor, slug: str, statement_id: int, approver_id: int | None
                 ) -> Statement:
    authorize(actor, Permission.MANAGE_STATEMENTS)
    statement = _editable_statement(actor, slug, statement_id)
    if approver_id is not None:
        _check_approver(approver_id)
    statement.approver_id = approver_id
    db.session.flush()
    return statement


def create_language_version(actor: Actor, slug: str, statement_id: int, language: str
                            ) -> Statement:
    """A new draft in another language, linked to the others, starting from the source
    text with the same sections (to be translated section by section)."""
    source = _any_statement_for_write(actor, slug, statement_id)
    # Lock the original: concurrent requests for the same language queue here, and the
    # second one sees the first one's version.
    db.session.execute(select(Statement.id).where(
        Statement.id == (source.translation_of_id or source.id)).with_for_update())
    versions = language_versions(source)
    if any(v.language == language for v in versions):
        raise Conflict(N_("A %(language)s version of this statement already exists."),
                       code="statement.language_exists", language=language)
    content = copy.deepcopy(revision(source, latest_number(source)).content)
    from eventhub.statements.drafting import heading

    # The new version's title and dateline are its own language's, from the edition's
    # words and dates; the sections start as the source text, to be translated.
    content["title"], content["dateline"] = heading(
        get_edition(actor, slug), source.kind.value, language, content["title"])
    statement = Statement(edition_id=source.edition_id, kind=source.kind,
                          title=content["title"], dateline=content.get("dateline"),
                          language=language, status=_S.DRAFT,
                          translation_of_id=source.translation_of_id or source.id)
    db.session.add(statement)
    db.session.flush()
    _save(actor, statement, content, f"Started from the {source.language} version")
    return statement


def _any_statement_for_write(actor: Actor, slug: str, statement_id: int) -> Statement:
    authorize(actor, Permission.MANAGE_STATEMENTS)
    ensure_writable(get_edition(actor, slug))
    return get_statement(actor, slug, statement_id)


# Review: comments and suggestions --------------------------------------------------

def review_statement(actor: Actor, slug: str, statement_id: int) -> Statement:
    """The statement, if the actor may review it (may_review): the secretariat, admins,
    and the statement's designated approver; refused otherwise, before any input is
    read."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    ensure_writable(get_edition(actor, slug))
    statement = get_statement(actor, slug, statement_id)
    if not may_review(actor, statement):
        raise PermissionDenied(N_("Only the secretariat and the statement's approver review "
                                  "it."), code="statement.reviewers_only")
    return statement


def list_comments(actor: Actor, slug: str, statement_id: int) -> list[StatementComment]:
    authorize(actor, Permission.READ_INTERNAL)
    statement = get_statement(actor, slug, statement_id)
    return list(db.session.scalars(select(StatementComment).where(
        StatementComment.statement_id == statement.id).order_by(StatementComment.id)))


def add_comment(actor: Actor, slug: str, statement_id: int, values: dict[str, Any]
                ) -> StatementComment:
    statement = review_statement(actor, slug, statement_id)
    parent = None
    if values.get("parent_id") is not None:
        parent = db.session.get(StatementComment, values["parent_id"])
        if parent is None or parent.statement_id != statement.id:
            raise Unprocessable.for_field("parent_id", N_("No such comment on this statement."),
                                          code="statement.comment_not_found")
    section_key = parent.section_key if parent else values.get("section_key")
    current = revision(statement, latest_number(statement)).content
    if _section_of(current, section_key or "") is None and parent is None:
        raise Unprocessable.for_field("section_key",
                                      N_("No such section in the current text."),
                                      code="statement.section_not_found")
    comment = StatementComment(statement_id=statement.id, section_key=section_key,
                               parent_id=parent.id if parent else None,
                               author_id=actor.user_id, author_label=actor.label,
                               body=values["body"])
    db.session.add(comment)
    db.session.flush()
    return comment


def resolve_comment(actor: Actor, slug: str, statement_id: int, comment_id: int
                    ) -> StatementComment:
    statement = review_statement(actor, slug, statement_id)
    comment = db.session.scalar(select(StatementComment).where(
        StatementComment.id == comment_id).with_for_update()
        .execution_options(populate_existing=True))
    if comment is None or comment.statement_id != statement.id:
        raise NotFound(N_("Statement %(statement_id)s has no comment %(comment_id)s."),
                       code="statement.comment_not_found", statement_id=statement.id,
                       comment_id=comment_id)
    if comment.resolved_at is not None:
        raise Conflict(N_("The comment is already resolved."),
                       code="statement.comment_resolved")
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.user_id
    db.session.flush()
    return comment


def list_suggestions(actor: Actor, slug: str, statement_id: int) -> list[StatementSuggestion]:
    authorize(actor, Permission.READ_INTERNAL)
    statement = get_statement(actor, slug, statement_id)
    return list(db.session.scalars(select(StatementSuggestion).where(
        StatementSuggestion.statement_id == statement.id).order_by(StatementSuggestion.id)))


def suggest(actor: Actor, slug: str, statement_id: int, values: dict[str, Any]
            ) -> StatementSuggestion:
    statement = review_statement(actor, slug, statement_id)
    if statement.status == _S.PUBLISHED:
        raise Conflict(N_("The statement is published; suggest a correction instead."),
                       code="statement.frozen")
    number = latest_number(statement)
    section = _section_of(revision(statement, number).content, values["section_key"])
    index = values["paragraph_index"]
    if section is None or not 0 <= index < len(section["paragraphs"]):
        raise Unprocessable.for_field("paragraph_index",
                                      N_("No such paragraph in the section."),
                                      code="statement.paragraph_not_found")
    suggestion = StatementSuggestion(
        statement_id=statement.id, section_key=values["section_key"], paragraph_index=index,
        base_revision=number, original_text=section["paragraphs"][index],
        proposed_text=values["proposed_text"], author_id=actor.user_id,
        author_label=actor.label)
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def suggestion_changes(statement: Statement, suggestions: list[StatementSuggestion]
                       ) -> dict[int, dict[str, Any]]:
    """For each suggestion: its change to the paragraph, word by word (character by
    character in Chinese), and whether a pending one no longer matches the current
    text (the paragraph changed since; accepting it would be refused)."""
    from eventhub.statements.diff import word_diff

    current = revision(statement, latest_number(statement)).content
    result: dict[int, dict[str, Any]] = {}
    for suggestion in suggestions:
        section = _section_of(current, suggestion.section_key)
        index = suggestion.paragraph_index
        now = (section["paragraphs"][index]
               if section is not None and index < len(section["paragraphs"]) else None)
        result[suggestion.id] = {
            "words": word_diff(suggestion.original_text, suggestion.proposed_text),
            "outdated": suggestion.status == SuggestionStatus.PENDING
            and now != suggestion.original_text}
    return result


def decide_suggestion(actor: Actor, slug: str, statement_id: int, suggestion_id: int,
                      accept: bool) -> StatementSuggestion:
    """Accepting replaces the paragraph in a new revision, provided the paragraph still
    reads as it did when the suggestion was made."""
    statement = _editable_statement(actor, slug, statement_id)
    suggestion = db.session.get(StatementSuggestion, suggestion_id)
    if suggestion is None or suggestion.statement_id != statement.id:
        raise NotFound(N_("Statement %(statement_id)s has no suggestion %(suggestion_id)s."),
                       code="statement.suggestion_not_found", statement_id=statement.id,
                       suggestion_id=suggestion_id)
    if suggestion.status != SuggestionStatus.PENDING:
        raise Conflict(N_("The suggestion was already %(decision)s."),
                       code="statement.suggestion_decided", decision=suggestion.status.value)
    suggestion.decided_by_id = actor.user_id
    suggestion.decided_at = utcnow()
    if not accept:
        suggestion.status = SuggestionStatus.REJECTED
        db.session.flush()
        return suggestion
    content = copy.deepcopy(revision(statement, latest_number(statement)).content)
    section = _section_of(content, suggestion.section_key)
    index = suggestion.paragraph_index
    if section is None or index >= len(section["paragraphs"]) or (
            section["paragraphs"][index] != suggestion.original_text):
        raise Conflict(N_("The paragraph changed since the suggestion was made; it cannot "
                          "be applied as is."), code="statement.suggestion_outdated")
    section["paragraphs"][index] = suggestion.proposed_text
    rev = _save(actor, statement, content, f"Accepted suggestion {suggestion.id}")
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.resulting_revision = rev.number
    db.session.flush()
    return suggestion


# Views -----------------------------------------------------------------------------

def view(statement: Statement, rev: StatementRevision, *, internal: bool) -> dict[str, Any]:
    """A statement at one revision, as the API shows it."""
    content = rev.content
    versions = [v for v in language_versions(statement)
                if internal or v.published_revision is not None]
    corrections = [{"revision": r.number, "note": r.note, "created_at": r.created_at}
                   for r in statement.revisions
                   if r.is_published and r.number != min(
                       (x.number for x in statement.revisions if x.is_published), default=0)]
    return {
        "id": statement.id, "kind": statement.kind, "language": statement.language,
        "status": statement.status, "title": content["title"],
        "dateline": content.get("dateline"), "revision": rev.number,
        "latest_revision": latest_number(statement) if internal else None,
        "published_revision": statement.published_revision,
        "published_at": statement.published_at, "approver_id": statement.approver_id,
        "languages": [{"id": v.id, "language": v.language, "status": v.status,
                       "published": v.published_revision is not None} for v in versions],
        "corrections": corrections,
        "sections": [{"key": s["key"], "number": section_number(i, statement.language),
                      "paragraphs": s["paragraphs"]}
                     for i, s in enumerate(content["sections"], start=1)],
    }


def statement_view(actor: Actor, slug: str, statement_id: int,
                   number: int | None = None) -> dict[str, Any]:
    statement, rev = readable_revision(actor, slug, statement_id, number)
    return view(statement, rev, internal=actor.can(Permission.READ_INTERNAL))


def current_view(actor: Actor, statement: Statement) -> dict[str, Any]:
    return view(statement, revision(statement, latest_number(statement)),
                internal=actor.can(Permission.READ_INTERNAL))


def diff(actor: Actor, slug: str, statement_id: int, old: int, new: int) -> dict[str, Any]:
    from eventhub.statements.diff import compare

    _, old_rev = readable_revision(actor, slug, statement_id, old)
    _, new_rev = readable_revision(actor, slug, statement_id, new)
    return {"from_revision": old, "to_revision": new,
            **compare(old_rev.content, new_rev.content)}


def render_text(content: dict[str, Any]) -> str:
    """Plain text: title, dateline, then each section's paragraphs with the section
    number before the first one, separated by blank lines (as the 2024 source reads).
    `content` is a revision's content or a view (whose language sets the numbering)."""
    language = content.get("language")
    blocks = [content["title"]]
    if content.get("dateline"):
        blocks.append(content["dateline"])
    for place, section in enumerate(content["sections"], start=1):
        number = section.get("number") or section_number(place, language)
        for index, paragraph in enumerate(section["paragraphs"]):
            blocks.append(numbered(number, language) + paragraph if index == 0 else paragraph)
    return "\n\n".join(blocks)
