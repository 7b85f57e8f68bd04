"""Describing records: extraction, rules and the classifier applied to the catalog.

The ingest pipeline calls ``describe_record`` once a record's pages have text; the portal
calls ``confirm_review`` / ``reject_review`` from the review queue and ``batch_update``
from batch editing, and writes one audit event per returned ``FieldChange``.

Rules of the game:

* machine values only fill **empty** fields (or replace a weaker machine value); a value a
  person entered is never overwritten; ``record.extra["provenance"]`` says who set what;
* a suggestion under the confidence threshold goes to the review queue (``ReviewItem``)
  instead of the record;
* the year follows the date, the access level follows 密级 and 开放标识
  (``schema.access_level_for``), the 档号 is assigned once all its parts are known;
* a record lacking a DA/T 18 mandatory field is flagged ``needs_review`` with the missing
  fields in ``record.extra["review"]["missing"]``; it is never rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import SECRET_VALUES, level_for
from archive.catalog.description import ClassificationRule, ReviewItem
from archive.catalog.models import Record
from config.errors import NotFoundError
from config.settings import Settings
from indexer.describe.classify import (
    Classifier,
    ClassifierError,
    apply_rules,
    fallback_suggestions,
    list_rules,
    load_classifier,
    record_text,
)
from indexer.describe.extract import extract_fields
from indexer.describe.provenance import MACHINE, claim_unattributed, provenance, set_provenance, update_extra
from indexer.describe.reference import assign_reference_code
from indexer.describe.review import (
    EDITABLE_FIELDS,
    FieldChange,
    apply_changes,
    as_text,
    decide_review,
    get_field,
    normalize_field,
    pending_fields,
    put_field,
    queue_suggestion,
)
from indexer.describe.schema import (
    DescriptionError,
    Vocabulary,
    missing_mandatory,
)
from indexer.metadata import header_key

REVIEW_THRESHOLD = 0.8  # suggestions below this confidence wait for a person
TEXT_PAGES = (3, 2)  # first and last pages read: header and signature of an official document
PERSON_FIELDS = (*EDITABLE_FIELDS, "reference_code", "item_number")


@dataclass
class DescribeOutcome:
    """What ``describe_record`` did to one record."""

    record_id: int
    filled: dict[str, str] = field(default_factory=dict)  # field -> value set by the machine
    queued: list[str] = field(default_factory=list)  # fields sent to the review queue
    reference_code: str | None = None
    access_level: str | None = None
    missing: list[str] = field(default_factory=list)  # DA/T 18 mandatory fields still empty
    errors: list[str] = field(default_factory=list)  # e.g. a 件号 conflict, in both languages

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on jobs and shown by the CLI."""
        return {
            "record_id": self.record_id,
            "filled": self.filled,
            "queued": self.queued,
            "reference_code": self.reference_code,
            "access_level": self.access_level,
            "missing": self.missing,
            "errors": self.errors,
        }


def page_text(record: Record) -> str:
    """The text extraction reads: the first and last pages, joined by newlines."""
    pages = list(record.pages)
    head, tail = TEXT_PAGES
    chosen = pages if len(pages) <= head + tail else pages[:head] + pages[-tail:]
    return "\n".join(page.text or "" for page in chosen)


def _open_for_machine(record: Record, name: str, confidence: float) -> bool:
    """Empty, or holding a weaker machine value (e.g. a title taken from the file name)."""
    if get_field(record, name) in (None, ""):
        return True
    entry = provenance(record).get(name)
    return entry is not None and entry.get("by") == MACHINE and float(entry.get("confidence", 1.0)) < confidence


def _offer(
    session: Session,
    record: Record,
    outcome: DescribeOutcome,
    name: str,
    value: str,
    confidence: float,
    source: str,
    threshold: float,
    vocabulary: Vocabulary,
) -> None:
    """Apply a machine suggestion if it is confident and the field is free; else queue it."""
    if not _open_for_machine(record, name, confidence):
        return
    try:
        normalized = normalize_field(name, value, vocabulary)
    except DescriptionError:
        return  # an extracted value outside the vocabulary is noise, not a user error
    if normalized is None:
        return
    if confidence >= threshold:
        put_field(record, name, normalized)
        set_provenance(record, {name: (MACHINE, source)}, {name: confidence})
        outcome.filled[name] = as_text(normalized) or ""
    elif queue_suggestion(session, record, name, as_text(normalized) or "", confidence, source) is not None:
        outcome.queued.append(name)


def refresh_derived(session: Session, record: Record, settings: Settings | None = None) -> list[str]:
    """Year from the date, access level, 档号 (with settings) and the review flag; returns errors."""
    errors: list[str] = []
    if record.year is None and record.date is not None:
        record.year = record.date.year
        set_provenance(record, {"year": (MACHINE, "date")})
    marks = provenance(record)
    if marks.get("access_level", {}).get("by", MACHINE) == MACHINE:
        default = settings.default_access_level if settings else "internal"
        level = level_for(record.classification, record.openness, default).value
        if record.classification is None:
            # A pending 秘密/机密/绝密 suggestion keeps the record secret until a person decides.
            suggested = session.scalars(
                select(ReviewItem.suggested_value).where(
                    ReviewItem.record_id == record.id,
                    ReviewItem.field == "classification",
                    ReviewItem.status == "pending",
                )
            ).all()
            if any(value in SECRET_VALUES for value in suggested):
                level = "secret"
        if level != record.access_level:
            record.access_level = level
            set_provenance(record, {"access_level": (MACHINE, "classification+openness")})
    if settings is not None and not record.reference_code:
        try:
            assign_reference_code(session, record, settings.reference_code_pattern)
        except DescriptionError as exc:
            errors.append(exc.message)
    flag_review(session, record)
    return errors


def flag_review(session: Session, record: Record) -> list[str]:
    """Set ``needs_review`` and ``extra["review"]`` from missing mandatory fields and pending items.

    A flag another area set before description ran (metadata problems, page errors) is kept.
    """
    missing = missing_mandatory(record)
    pending = pending_fields(session, record.id) if record.id is not None else []
    previous = (record.extra or {}).get("review")
    other = bool(record.needs_review) if previous is None else bool(previous.get("other", False))
    update_extra(record, "review", {"missing": missing, "pending": pending, "other": other})
    record.needs_review = bool(missing or pending or other)
    return missing


def _attribute_ingest_values(record: Record) -> None:
    """Tell apart what ingest guessed from what a person supplied, before anything is filled.

    Ingest titles a record after its file name: a machine guess that extraction may replace.
    A manifest column naming the access level makes the access level a person's choice.
    """
    marks = provenance(record)
    original = record.original
    if "title" not in marks and original is not None and record.title == Path(original.original_filename).stem:
        set_provenance(record, {"title": (MACHINE, "file_name")}, {"title": 0.3})
    supplied = (record.extra or {}).get("supplied") or {}
    if "access_level" not in marks and any(header_key(str(key)) == "access" for key in supplied):
        set_provenance(record, {"access_level": ("person", "manifest")})
    claim_unattributed(record, PERSON_FIELDS)


def describe_record(
    session: Session,
    record: Record,
    settings: Settings,
    *,
    threshold: float = REVIEW_THRESHOLD,
    defaults: Mapping[str, Any] | None = None,
    rules: Sequence[ClassificationRule] | None = None,
    classifier: Classifier | None = None,
    vocabulary: Vocabulary | None = None,
) -> DescribeOutcome:
    """Describe one record from its pages' text (see the module docstring); safe to run again.

    ``defaults`` fills empty fields with values a person chose for the whole batch (e.g.
    ``{"fonds_code": "J001", "retention": "D30"}``). ``rules`` and ``classifier`` default to
    the enabled rules in the catalog and the trained model (if any).
    """
    vocab = vocabulary or Vocabulary()
    session.flush()
    outcome = DescribeOutcome(record_id=record.id)
    _attribute_ingest_values(record)
    if defaults:
        batch = {name: normalize_field(name, value, vocab) for name, value in defaults.items()}
        set_now = {n: v for n, v in batch.items() if v is not None and get_field(record, n) in (None, "")}
        for name, value in set_now.items():
            put_field(record, name, value)
        set_provenance(record, {name: ("person", "batch") for name in set_now})
    text = page_text(record)
    for name, found in extract_fields(text).items():
        _offer(session, record, outcome, name, found.value, found.confidence, found.source, threshold, vocab)
    # Classification, once the issuing body is known: staff rules first, then the classifier.
    rule_list = list_rules(session, enabled_only=True) if rules is None else list(rules)
    content = "\n".join(part for part in (record.title, text) if part)
    hints = apply_rules(rule_list, content, record.creator)
    model = classifier
    if model is None:
        try:
            model = load_classifier(settings)
        except ClassifierError as exc:  # a damaged model must not stop ingest: rules still apply
            outcome.errors.append(exc.message)
    if model is not None:
        decided = {hint.field for hint in hints}
        hints += [hint for hint in model.suggest(record_text(record)) if hint.field not in decided]
    decided = {hint.field for hint in hints}
    hints += [hint for hint in fallback_suggestions(record) if hint.field not in decided]
    for hint in hints:
        _offer(session, record, outcome, hint.field, hint.value, hint.confidence, hint.source, threshold, vocab)
    outcome.errors += refresh_derived(session, record, settings)
    outcome.reference_code = record.reference_code
    outcome.access_level = record.access_level
    outcome.missing = list(record.extra.get("review", {}).get("missing", []))
    if outcome.filled or outcome.queued or outcome.reference_code:
        record.touch()
    return outcome


def confirm_review(
    session: Session,
    item_id: int,
    user: str,
    value: Any = None,
    *,
    settings: Settings | None = None,
    vocabulary: Vocabulary | None = None,
) -> FieldChange:
    """Accept a suggestion (or enter ``value`` instead) for the record; returns the change to audit.

    With ``settings`` the 档号 is assigned if the confirmed value completed its parts.
    """
    _item, record, change = decide_review(session, item_id, user, True, value, vocabulary)
    refresh_derived(session, record, settings)
    assert change is not None  # noqa: S101 - accept always changes or confirms the field
    return change


def reject_review(session: Session, item_id: int, user: str, *, settings: Settings | None = None) -> ReviewItem:
    """Reject a suggestion: the field stays as it is, and the value is not suggested again."""
    item, record, _change = decide_review(session, item_id, user, False)
    refresh_derived(session, record, settings)
    return item


def batch_update(
    session: Session,
    record_ids: Sequence[int],
    changes: Mapping[str, Any],
    user: str,
    *,
    settings: Settings | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[FieldChange]:
    """Set the same fields on several records as ``user``; returns each change (for audit events).

    Values are checked first (``DescriptionError``), unknown ids raise ``NotFoundError``;
    either way nothing is changed. 档号 and 件号 cannot be set here. Each changed record is
    ``touch()``-ed so the index picks it up; with ``settings`` the 档号 is assigned when
    the change completed its parts.
    """
    ids = list(dict.fromkeys(record_ids))
    records = list(session.scalars(select(Record).where(Record.id.in_(ids))))
    found = {record.id for record in records}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise NotFoundError(f"No records with ids {unknown}", f"档案不存在：{unknown}")
    done = apply_changes(session, records, dict(changes), user, "batch", vocabulary)
    changed_ids = {change.record_id for change in done}
    for record in records:
        if record.id in changed_ids:
            refresh_derived(session, record, settings)
    return done


def set_record_fields(
    session: Session,
    record_id: int,
    changes: Mapping[str, Any],
    user: str,
    *,
    settings: Settings | None = None,
) -> list[FieldChange]:
    """Edit one record's description as ``user`` (the portal's record form); see ``batch_update``."""
    return batch_update(session, [record_id], changes, user, settings=settings)


__all__ = [
    "REVIEW_THRESHOLD",
    "DescribeOutcome",
    "FieldChange",
    "batch_update",
    "confirm_review",
    "describe_record",
    "flag_review",
    "refresh_derived",
    "reject_review",
    "set_record_fields",
]
