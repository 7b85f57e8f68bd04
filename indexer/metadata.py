"""Descriptive metadata as it arrives (manifest columns, upload forms, API fields) mapped onto
a record's fields. Every column is kept in ``record.extra["supplied"]``; a value that cannot be
used is reported as a problem on the record (flagged for review), never a failure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from archive.dates import parse_date_or_none
from archive.departments import Directory
from archive.description.schema import DescriptionError, normalize_value

# Header (English or Chinese) -> record field
HEADERS: dict[str, str] = {
    "file": "file",
    "文件": "file",
    "文件名": "file",
    "title": "title",
    "题名": "title",
    "date": "date",
    "日期": "date",
    "成文日期": "date",
    "fonds": "fonds_code",
    "fonds_code": "fonds_code",
    "全宗号": "fonds_code",
    "全宗": "fonds_code",
    "department": "department",
    "机构": "department",
    "机构(问题)": "department",
    "问题": "department",
    "department_code": "department_code",
    "机构代码": "department_code",
    "category": "category_code",
    "category_code": "category_code",
    "门类": "category_code",
    "门类代码": "category_code",
    "retention": "retention",
    "保管期限": "retention",
    "access": "access",
    "access_level": "access",
    "密级/开放": "access",
    "开放": "access",
    "classification": "classification",
    "密级": "classification",
    "openness": "openness",
    "开放标识": "openness",
    "creator": "creator",
    "责任者": "creator",
    "发文机关": "creator",
    "doc_number": "doc_number",
    "文号": "doc_number",
    "reference_code": "reference_code",
    "档号": "reference_code",
    "year": "year",
    "年度": "year",
    "item_number": "item_number",
    "件号": "item_number",
    "subject_terms": "subject_terms",
    "主题词": "subject_terms",
    "carrier": "carrier",
    "载体形态": "carrier",
    "note": "note",
    "附注": "note",
    "备注": "note",
    "language": "language",
    "语种": "language",
    "lang": "language",
    "password": "password",
    "密码": "password",
    "ocr_engine": "ocr_engine",
    "文字识别引擎": "ocr_engine",
    "识别引擎": "ocr_engine",
}

ACCESS_WORDS = {
    "open": "open",
    "公开": "open",
    "开放": "open",
    "internal": "internal",
    "内部": "internal",
    "restricted": "restricted",
    "受控": "restricted",
    "控制": "restricted",
    "secret": "secret",
    "涉密": "secret",
    "秘密": "secret",
    "机密": "secret",
    "绝密": "secret",
}
TEXT_FIELDS = (
    "title",
    "fonds_code",
    "department",
    "department_code",
    "creator",
    "doc_number",
    "reference_code",
    "subject_terms",
    "carrier",
    "note",
    "classification",
    "openness",
)

@dataclass
class MappedMetadata:
    """Record fields from supplied metadata, with the problems found and everything supplied."""

    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    supplied: dict[str, str] = field(default_factory=dict)
    password: str | None = None
    ocr_engine: str | None = None  # the OCR engine this file asks for (checked when it is read)


def header_key(header: str) -> str | None:
    """The record field a column header names (English or Chinese), or None."""
    key = unicodedata.normalize("NFKC", header).strip().lower()
    return HEADERS.get(key) or HEADERS.get(header.strip())


def map_metadata(values: dict[str, Any]) -> MappedMetadata:
    """Map supplied name/value pairs onto record fields; problems are collected, not raised."""
    out = MappedMetadata()
    for raw_key, raw_value in values.items():
        if raw_value is None:
            continue
        value = str(raw_value).strip()
        if not value:
            continue
        out.supplied[str(raw_key)] = value
        key = header_key(str(raw_key))
        if key is None or key == "file":
            continue
        if key == "password":
            out.password = value
            out.supplied.pop(str(raw_key))
        elif key == "ocr_engine":
            out.ocr_engine = value.lower()
        elif key == "date":
            parsed = parse_date_or_none(value)
            if parsed is None:
                out.problems.append(f"日期无法识别 / unreadable date: {value!r}")
            else:
                out.fields["date"] = parsed
                out.fields.setdefault("year", parsed.year)
        elif key in ("year", "item_number"):
            if value.isdigit():
                out.fields[key] = int(value)
            else:
                out.problems.append(f"{raw_key} 应为数字 / must be a number: {value!r}")
        elif key in ("category_code", "retention"):
            try:  # codes, labels and aliases: 文书/WS, 永久/permanent/Y, 30年/定期30年/D30
                out.fields[key] = normalize_value(key, value)
            except DescriptionError as exc:
                out.problems.append(exc.message)
        elif key == "access":
            level = ACCESS_WORDS.get(value.lower())
            if level is None:
                out.problems.append(f"访问级别无法识别 / unknown access level: {value!r}")
            else:
                out.fields["access_override"] = level  # a person's choice; the rule decides (archive.access)
                if value in ("秘密", "机密", "绝密", "公开", "内部"):
                    out.fields.setdefault("classification", value)
        elif key == "language":
            out.fields["language"] = value
            if re.fullmatch(r"[a-z_]+(\+[a-z_]+)*", value):
                out.fields["ocr_languages"] = value  # Tesseract codes: this document's OCR languages
        elif key == "department" and re.fullmatch(r"[A-Z][A-Z0-9]{0,15}", value):
            out.fields["department_code"] = value  # a code such as BGS, as 档号 uses it
        elif key in TEXT_FIELDS:
            out.fields[key] = value
    return out


def metadata_problems(session: Session, values: dict[str, Any], directory: Directory | None = None) -> list[str]:
    """What is wrong with supplied metadata, each ``中文 / English``, before the file is stored: the
    problems of ``map_metadata`` and a department no code, name or alias names (when the catalog
    has departments). The same problems end up on the record; this is for answering at once."""
    mapped = map_metadata(values)
    problems = list(mapped.problems)
    named = mapped.fields.get("department") or mapped.fields.get("department_code")
    if named:
        known = directory or Directory.load(session)
        if known.refs and known.find(named) is None:
            problems.append(f"未知的机构 {named!r} / unknown department: {named!r}")
    return problems
