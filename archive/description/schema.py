"""Description schema after DA/T 18 and DA/T 22: vocabularies, validation, mandatory fields
and the access-level rule.

Access level (访问级别) from 密级 (classification) and 开放标识 (openness):

==========================  ==========================
密级 / 开放标识              access level
==========================  ==========================
秘密, 机密 or 绝密           ``secret`` (whatever the openness)
内部                         ``internal``
公开 + 开放                  ``open``
公开 + 控制                  ``restricted``
anything missing             the configured default (``settings.default_access_level``),
                             except that 控制 never yields ``open``: it gives ``restricted``
==========================  ==========================

The category vocabulary (门类) can be replaced by a YAML file mapping codes to labels
(``{WS: 文书, KJ: 会计, ...}``) passed to ``load_vocabulary``; the other vocabularies are
fixed by the standards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archive.dates import BadDate, parse_date
from archive.vocabulary import CATEGORIES, AccessLevel, Carrier, Classification, Openness, Retention, UnknownTerm
from config.errors import InputError

DEFAULT_CATEGORIES: dict[str, str] = CATEGORIES.labels()
RETENTIONS: dict[str, str] = {r.value: r.zh for r in Retention}
CLASSIFICATIONS: tuple[str, ...] = Classification.values()
OPENNESS: tuple[str, ...] = Openness.values()
CARRIERS: tuple[str, ...] = Carrier.values()

# DA/T 18 mandatory fields (档号, 题名, 日期, 责任者, 开放标识) as Record attributes.
MANDATORY_FIELDS: tuple[str, ...] = ("reference_code", "title", "date", "creator", "openness")
FIELD_LABELS: dict[str, str] = {
    "reference_code": "档号",
    "title": "题名",
    "date": "日期",
    "creator": "责任者",
    "openness": "开放标识",
    "fonds_code": "全宗号",
    "category_code": "门类",
    "year": "年度",
    "retention": "保管期限",
    "department_code": "机构代码",
    "department": "机构",
    "item_number": "件号",
    "doc_number": "文号",
    "classification": "密级",
    "page_count": "页数",
    "carrier": "载体形态",
    "subject_terms": "主题词",
    "note": "附注",
    "access_override": "访问级别（人工指定）",
}
# Fields staff may set by batch editing or import (reference_code only through its own checks).
EDITABLE_FIELDS: tuple[str, ...] = (
    "title",
    "date",
    "creator",
    "openness",
    "fonds_code",
    "category_code",
    "year",
    "retention",
    "department_code",
    "department",
    "doc_number",
    "classification",
    "page_count",
    "carrier",
    "subject_terms",
    "note",
    "access_override",
)
CODE_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")


class DescriptionError(InputError):
    """A description value does not fit the schema (bad code, date, vocabulary term)."""

    code = "bad_description"
    default_zh = "著录项无效"
    default_en = "Invalid description value"


@dataclass(frozen=True)
class Vocabulary:
    """The controlled vocabularies; categories may be configured, the rest follow the standards."""

    categories: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    retentions: Mapping[str, str] = field(default_factory=lambda: dict(RETENTIONS))
    classifications: tuple[str, ...] = CLASSIFICATIONS
    openness: tuple[str, ...] = OPENNESS

    def category_code(self, value: str) -> str:
        """The category code of a code or label (``文书`` or ``ws`` -> ``WS``)."""
        text = value.strip()
        if text.upper() in self.categories:
            return text.upper()
        for code, label in self.categories.items():
            if label == text:
                return code
        try:  # the standard aliases (文书档案, 财务, documents ...) of a category this archive uses
            standard = CATEGORIES.parse(text).code
        except UnknownTerm:
            standard = None
        if standard is not None and standard in self.categories:
            return standard
        raise DescriptionError(
            f"Unknown category {text!r}; known: {', '.join(self.categories)}",
            f"未知的门类 {text!r}；可用：{'、'.join(f'{v}({k})' for k, v in self.categories.items())}",
        )

    def retention_code(self, value: str) -> str:
        """The retention code of a code or label (``永久`` -> ``Y``, ``30年`` -> ``D30``)."""
        text = value.strip().upper()
        if text in self.retentions:
            return text
        for code, label in self.retentions.items():
            if value.strip() in (label, label.removeprefix("定期")):
                return code
        try:  # the vocabulary's aliases: permanent, 30 years, 长期 ...
            return Retention.parse(value).value
        except UnknownTerm:
            pass
        raise DescriptionError(
            f"Unknown retention {value!r}; use Y, D30 or D10",
            f"未知的保管期限 {value!r}；可用：永久(Y)、定期30年(D30)、定期10年(D10)",
        )


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """The vocabulary, with the categories read from a YAML file (code: label) when given."""
    if path is None:
        return Vocabulary()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DescriptionError(
            f"Cannot read the category vocabulary {path}: {exc}",
            f"无法读取门类词表 {path}",
        ) from exc
    categories = data.get("categories", data) if isinstance(data, dict) else None
    if not isinstance(categories, dict) or not categories:
        raise DescriptionError(
            f"{path} must map category codes to labels, e.g. 'WS: 文书'",
            f"{path} 应为门类代码到名称的映射，例如 'WS: 文书'",
        )
    for code in categories:
        if not CODE_RE.match(str(code)):
            raise DescriptionError(f"Bad category code {code!r} in {path}", f"{path} 中的门类代码 {code!r} 无效")
    return Vocabulary(categories={str(k).upper(): str(v) for k, v in categories.items()})


def normalize_value(name: str, value: Any, vocabulary: Vocabulary | None = None) -> Any:
    """The stored form of one description value, or ``DescriptionError`` when it does not fit.

    Empty text becomes ``None``; codes are upper-cased; labels become codes.
    """
    vocab = vocabulary or Vocabulary()
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    text = value.strip() if isinstance(value, str) else value
    label = FIELD_LABELS.get(name, name)
    if name == "date":
        try:
            return parse_date(text)
        except BadDate as exc:
            raise DescriptionError(exc.message_en, exc.message_zh) from None
    if name in ("year", "page_count", "item_number"):
        try:
            number = int(str(text).strip())
        except ValueError:
            raise DescriptionError(
                f"{name} must be a whole number, not {text!r}", f"{label}应为整数，而不是 {text!r}"
            ) from None
        if name == "year" and not 1000 <= number <= 2999:
            raise DescriptionError(f"Year {number} is out of range", f"年度 {number} 超出范围")
        if number < 0:
            raise DescriptionError(f"{name} cannot be negative", f"{label}不能为负数")
        return number
    if name == "category_code":
        return vocab.category_code(str(text))
    if name == "retention":
        return vocab.retention_code(str(text))
    if name == "classification":
        if text not in vocab.classifications:
            raise DescriptionError(
                f"Unknown classification {text!r}; use one of {', '.join(vocab.classifications)}",
                f"未知的密级 {text!r}；可用：{'、'.join(vocab.classifications)}",
            )
        return text
    if name == "openness":
        if text not in vocab.openness:
            raise DescriptionError(
                f"Openness must be 开放 or 控制, not {text!r}", f"开放标识应为“开放”或“控制”，而不是 {text!r}"
            )
        return text
    if name == "access_override":
        try:
            return AccessLevel.parse(text).value
        except UnknownTerm as exc:
            raise DescriptionError(exc.message_en, exc.message_zh) from None
    if name in ("fonds_code", "department_code"):
        if not CODE_RE.match(str(text)):
            raise DescriptionError(
                f"{name} {text!r} must be letters and digits only",
                f"{label} {text!r} 只能由字母和数字组成",
            )
        return str(text).upper()
    return str(text)


def missing_mandatory(record: Any) -> list[str]:
    """The DA/T 18 mandatory fields a record (or any object with those attributes) lacks."""
    return [name for name in MANDATORY_FIELDS if getattr(record, name, None) in (None, "")]


def validate_description(record: Any, vocabulary: Vocabulary | None = None) -> list[DescriptionError]:
    """Every schema error in a record's description (empty fields are not errors here)."""
    errors: list[DescriptionError] = []
    for name in EDITABLE_FIELDS:
        value = getattr(record, name, None)
        try:
            normalize_value(name, value, vocabulary)
        except DescriptionError as exc:
            errors.append(exc)
    return errors
