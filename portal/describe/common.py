"""What the description pages share: the blueprint, field labels, choices and the editor (who changes records)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from archive.catalog.accounts import User
from archive.catalog.models import Record
from archive.description.records import Editor
from archive.description.schema import CARRIERS, CLASSIFICATIONS, DEFAULT_CATEGORIES, OPENNESS
from archive.vocabulary import CATEGORIES, AccessLevel, Carrier, Classification, Openness, Retention, Role
from config.errors import LantaiError
from portal.audit.web import current_actor, where
from portal.auth import current_user
from portal.i18n import localized
from portal.layout import lazy_label

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
    "access_override": _l("访问级别（人工指定）"),
}

# Choices of the controlled fields: (stored value, label shown in the request's language);
# "" leaves the field empty. The labels are lazy: the form is built once, shown in either language.
CHOICES: dict[str, list[tuple[str, Any]]] = {
    "category_code": [(c.code, lazy_label(c, c.code)) for c in CATEGORIES if c.code in DEFAULT_CATEGORIES],
    "retention": [(r.value, lazy_label(r, r.value)) for r in Retention],
    "classification": [(value, lazy_label(Classification(value))) for value in CLASSIFICATIONS],
    "openness": [(value, lazy_label(Openness(value))) for value in OPENNESS],
    "carrier": [(value, lazy_label(Carrier(value))) for value in CARRIERS],
    "access_override": [(level.value, lazy_label(level)) for level in AccessLevel],
}

PAGE_SIZE = 50


def field_label(name: str) -> str:
    """The label of a description field in the request's language."""
    return str(FIELD_LABELS.get(name, name))


def bilingual(error: LantaiError) -> str:
    """An error message as the description pages show it: in the user's language only (the CLI and
    the API carry both)."""
    return localized(error)


def username() -> str:
    """The signed-in user's name, recorded as who set a value."""
    user = current_user()
    return user.username if user is not None else "unknown"


def may_see(user: User | None, record: Record) -> bool:
    """Staff see every record's description except secret ones, which only administrators know of."""
    return user is not None and (record.access_level != "secret" or user.role == Role.ADMIN)


def editor() -> Editor:
    """The signed-in staff member as the description service's editor (audited with this request's facts)."""
    user = current_user()
    return Editor(current_actor(), lambda record: may_see(user, record), where())


class ButtonForm(FlaskForm):
    """A button carrying only the CSRF token."""
