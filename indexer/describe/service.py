"""Machine description: extraction, rules and the classifier applied to a record's text.

The ingest pipeline (and ``lantai describe apply``) calls ``describe_record`` once a record's
pages have text. What people change goes through ``archive.description.records``, which also
brings the derived state along (``settle``, called here too, as the worker).

Rules of the game:

* machine values only fill **empty** fields (or replace a weaker machine value); a value a
  person entered is never overwritten; ``record.extra["provenance"]`` says who set what;
* a suggestion under the confidence threshold goes to the review queue (``ReviewItem``)
  instead of the record;
* the filing-schedule line the record matches (``archive.description.schedule``) proposes
  门类 and 保管期限, after rules and the classifier, like any machine suggestion;
* the year follows the date, the access level follows 密级 and 开放标识
  (``archive.access.level_for``), the 档号 is assigned once all its parts are known;
* a record lacking a DA/T 18 mandatory field is flagged ``needs_review`` with the missing
  fields in ``record.extra["review"]["missing"]``; it is never rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from archive.audit.service import WORKER
from archive.catalog.description import ClassificationRule
from archive.catalog.models import Record
from archive.description.provenance import MACHINE, claim_unattributed, provenance, set_provenance
from archive.description.records import Editor, everything, settle
from archive.description.review import (
    EDITABLE_FIELDS,
    as_text,
    get_field,
    normalize_field,
    put_field,
    queue_suggestion,
)
from archive.description.schedule import match_schedule
from archive.description.schema import DescriptionError, Vocabulary
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

REVIEW_THRESHOLD = 0.8  # suggestions below this confidence wait for a person
TEXT_PAGES = (3, 2)  # first and last pages read: header and signature of an official document
PERSON_FIELDS = (*EDITABLE_FIELDS, "reference_code", "item_number")
MACHINE_EDITOR = Editor(WORKER, everything)


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
    schedule_line: int | None = None  # the filing-schedule line the record matched

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
            "schedule_line": self.schedule_line,
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


def _attribute_ingest_values(record: Record) -> None:
    """Tell apart what ingest guessed from what a person supplied, before anything is filled.

    Ingest titles a record after its file name: a machine guess that extraction may replace.
    A manifest column naming the access level makes the access level a person's choice.
    """
    marks = provenance(record)
    original = record.original
    if "title" not in marks and original is not None and record.title == Path(original.original_filename).stem:
        set_provenance(record, {"title": (MACHINE, "file_name")}, {"title": 0.3})
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
    level_before = record.access_level
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
    # The filing schedule, once department and 门类 are as known as they get: 门类 and 保管期限.
    matched = match_schedule(session, record)
    if matched is not None:
        outcome.schedule_line = matched.line.id
        for name, value, confidence in matched.proposals:
            _offer(session, record, outcome, name, value, confidence, matched.source, threshold, vocab)
    outcome.errors += settle(session, record, settings, MACHINE_EDITOR, via="machine", level_before=level_before).errors
    outcome.reference_code = record.reference_code
    outcome.access_level = record.access_level
    outcome.missing = list(record.extra.get("review", {}).get("missing", []))
    if outcome.filled or outcome.queued or outcome.reference_code:
        record.touch()
    return outcome


__all__ = ["REVIEW_THRESHOLD", "DescribeOutcome", "describe_record"]
