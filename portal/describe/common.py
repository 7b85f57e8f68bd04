"""What the description pages share: the blueprint, field labels, audit events and re-indexing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from archive.catalog.accounts import User
from archive.catalog.models import Record
from archive.vocabulary import Role
from config.errors import LantaiError
from indexer.describe.review import FieldChange
from indexer.describe.schema import CARRIERS, CLASSIFICATIONS, DEFAULT_CATEGORIES, OPENNESS, RETENTIONS
from indexer.search.documents import index_records
from portal import events
from portal.auth import current_user

bp = Blueprint("describe", __name__, url_prefix="/describe")

# The Chinese term of each field (GLOSSARY.md) as the msgid; the English catalog gives the code name.
FIELD_LABELS: dict[str, Any] = {
    "reference_code": _l("档号"),
    "title": _l("题名"),
    "date": _l("成文日期"),
    "creator": _l("责任者"),
    "openness": _l("开放标识"),
    "fonds_code": _l("全宗号"),
    "category_code": _l("门类"),
    "year": _l("年度"),
    "retention": _l("保管期限"),
    "department_code": _l("机构代码"),
    "department": _l("机构(问题)"),
    "item_number": _l("件号"),
    "doc_number": _l("文号"),
    "classification": _l("密级"),
    "page_count": _l("页数"),
    "carrier": _l("载体形态"),
    "subject_terms": _l("主题词"),
    "note": _l("附注"),
    "addressee": _l("主送机关"),
    "urgency": _l("紧急程度"),
}

# Choices of the controlled fields: (stored value, label shown); "" leaves the field empty.
CHOICES: dict[str, list[tuple[str, str]]] = {
    "category_code": [(code, f"{label} {code}") for code, label in DEFAULT_CATEGORIES.items()],
    "retention": [(code, f"{label} {code}") for code, label in RETENTIONS.items()],
    "classification": [(value, value) for value in CLASSIFICATIONS],
    "openness": [(value, value) for value in OPENNESS],
    "carrier": [(value, value) for value in CARRIERS],
}

PAGE_SIZE = 50


def field_label(name: str) -> str:
    """The label of a description field in the request's language."""
    return str(FIELD_LABELS.get(name, name))


def bilingual(error: LantaiError) -> str:
    """An error message in both languages, as the description pages show validation errors."""
    zh, en = error.message_zh, error.message_en
    return zh if zh == en else f"{zh} / {en}"


def username() -> str:
    """The signed-in user's name, recorded as who set a value."""
    user = current_user()
    return user.username if user is not None else "unknown"


def may_see(user: User | None, record: Record) -> bool:
    """Staff see every record's description except secret ones, which only administrators know of."""
    return user is not None and (record.access_level != "secret" or user.role == Role.ADMIN)


def audit_changes(session: Session, changes: Sequence[FieldChange]) -> None:
    """One ``metadata_edit`` event per change, written in the change's own transaction."""
    codes: dict[int, str | None] = {}
    for change in changes:
        if change.record_id not in codes:
            record = session.get(Record, change.record_id)
            codes[change.record_id] = record.reference_code if record is not None else None
        events.emit(
            "metadata_edit",
            session=session,
            actor=change.user,
            record_id=change.record_id,
            reference_code=codes[change.record_id],
            details=change.to_dict(),
        )


def reindex(record_ids: Iterable[int]) -> None:
    """Re-index changed records once their transaction is committed (explicit, never by signal)."""
    ids = sorted(set(record_ids))
    if ids:
        index_records(current_app.extensions["lantai"], ids)


class ButtonForm(FlaskForm):
    """A button carrying only the CSRF token."""
