"""Import of descriptions from CSV / XLSX (Chinese or English headers) and the template.

Each row either updates an existing record (found by ``id`` or by 档号) or creates a
catalogue-only record (no file). Rows are checked one by one: a bad row is reported with its
row number, column and reason (Chinese and English) and the valid rows are imported.
The catalogue export (归档文件目录) lives in ``archive/description/catalogue.py``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Target
from archive.catalog.models import Record, is_catalog_id
from archive.departments import Directory, UnknownDepartment
from archive.description.records import Editor, audit_changes, check_access_change, settle
from archive.description.reference import apply_imported_code, validate_imported_code
from archive.description.review import FieldChange, apply_changes, normalize_field
from archive.description.schema import DescriptionError, Vocabulary
from archive.vocabulary import AuditAction, RecordStatus
from config.errors import InputError, message_halves
from config.settings import Settings

# (field, Chinese header, English header); the first columns are the template's.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("reference_code", "档号", "reference_code"),
    ("fonds_code", "全宗号", "fonds"),
    ("category_code", "门类", "category"),
    ("year", "年度", "year"),
    ("retention", "保管期限", "retention"),
    ("department_code", "机构代码", "department_code"),
    ("department", "机构", "department"),
    ("item_number", "件号", "item_number"),
    ("doc_number", "文号", "doc_number"),
    ("creator", "责任者", "creator"),
    ("title", "题名", "title"),
    ("date", "日期", "date"),
    ("classification", "密级", "classification"),
    ("openness", "开放标识", "openness"),
    ("page_count", "页数", "page_count"),
    ("subject_terms", "主题词", "subject_terms"),
    ("carrier", "载体形态", "carrier"),
    ("note", "附注", "note"),
    ("id", "记录号", "id"),
    ("access_override", "访问级别", "access_level"),
)
ALIASES: dict[str, str] = {
    "备注": "note",
    "成文日期": "date",
    "发文机关": "creator",
    "发文字号": "doc_number",
    "机构(问题)": "department",
    "机构（问题）": "department",
    "门类代码": "category_code",
    "category_code": "category_code",
    "fonds_code": "fonds_code",
    "record_id": "id",
    "remarks": "note",
    "issuing_body": "creator",
    "pages": "page_count",
}
HEADERS: dict[str, str] = {**{zh: f for f, zh, _en in COLUMNS}, **{en: f for f, _zh, en in COLUMNS}, **ALIASES}
NUMBER_FIELDS = ("year", "page_count", "item_number")


class ImportFileError(InputError):
    """The import file cannot be read at all (format, encoding, no known column)."""

    code = "bad_import_file"
    default_zh = "无法读取导入文件"
    default_en = "Cannot read the import file"


@dataclass(frozen=True)
class RowError:
    """Why one row was not imported."""

    row: int  # 1-based line / sheet row, the header being row 1
    column: str | None
    message_zh: str
    message_en: str

    def text(self, language: str = "zh") -> str:
        """The error in one language (``zh`` or ``en``), as the portal shows it."""
        if language.startswith("en"):
            return f"row {self.row}" + (f" ({self.column})" if self.column else "") + f": {self.message_en}"
        return f"第 {self.row} 行" + (f"「{self.column}」" if self.column else "") + f"：{self.message_zh}"

    def __str__(self) -> str:
        """Both languages, as the CLI and the API report it."""
        return f"{self.text('zh')} / {self.text('en')}"


@dataclass
class ImportResult:
    """The outcome of an import: records created and updated, changes to audit, row errors."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {field: value}) for every non-empty row of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            raw: list[list[Any]] = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
        elif suffix in (".csv", ".txt"):
            data = path.read_bytes()
            for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise ImportFileError(
                    f"{path.name} is neither UTF-8 nor GB18030", f"{path.name} 的编码既不是 UTF-8 也不是 GB18030"
                )
            raw = [list(row) for row in csv.reader(io.StringIO(text))]
        else:
            raise ImportFileError(
                f"{path.name}: only .csv and .xlsx can be imported", f"{path.name}：只能导入 .csv 或 .xlsx 文件"
            )
    except ImportFileError:
        raise
    except (OSError, csv.Error, ValueError, KeyError, zipfile.BadZipFile) as exc:  # openpyxl on damaged files
        raise ImportFileError(f"Cannot read {path.name}: {exc}", f"无法读取 {path.name}") from exc
    if not raw:
        raise ImportFileError(f"{path.name} is empty", f"{path.name} 是空文件")
    header = [str(h).strip() if h is not None else "" for h in raw[0]]
    fields = [HEADERS.get(h, HEADERS.get(h.lower())) for h in header]
    if not any(fields):
        raise ImportFileError(
            f"{path.name}: no known column in the header row; use the template (lantai describe template)",
            f"{path.name}：表头中没有可识别的列；请使用模板（lantai describe template）",
        )
    for number, row in enumerate(raw[1:], start=2):
        values = {f: _cell(v) for f, v in zip(fields, row, strict=False) if f}
        if any(v is not None for v in values.values()):
            yield number, values


def _find_record(session: Session, values: dict[str, Any], code: str | None, editor: Editor) -> Record | None:
    """The record a row names by 记录号 or 档号; one the importer may not know of is reported
    exactly like one that does not exist (and the attempt is audited)."""
    if values.get("id") is not None:
        try:
            record_id = int(values["id"])
        except (TypeError, ValueError):
            raise DescriptionError(
                f"id {values['id']!r} is not a number", f"记录号 {values['id']!r} 不是数字", column="记录号"
            ) from None
        record = session.get(Record, record_id) if is_catalog_id(record_id) else None
        if record is not None and not editor.may_see(record):
            _audit_hidden(session, record, editor)
            record = None
        if record is None:
            raise DescriptionError(
                f"No record with id {values['id']}", f"记录号 {values['id']} 不存在", column="记录号"
            )
        return record
    if code:
        record = session.scalars(select(Record).where(Record.reference_code == code)).first()
        if record is not None and not editor.may_see(record):
            # A 档号 of a record the importer may not know of looks free to them: refuse it
            # with the message a taken 档号 of a visible record would not give away either.
            _audit_hidden(session, record, editor)
            raise DescriptionError(
                f"档号 {code} cannot be used", f"档号 {code} 不能使用", column=_column_of("reference_code")
            )
        return record
    return None


def _audit_hidden(session: Session, record: Record, editor: Editor) -> None:
    audit.record(session, AuditAction.RECORD_HIDDEN, editor.actor, Target("record", record.id, record.id),
                 {"via": "import"}, where=editor.where)


def _column_of(name: str, language: str = "zh") -> str:
    for field_name, zh, en in COLUMNS:
        if field_name == name:
            return zh if language == "zh" else en
    return name


SERIES_COLUMNS = ("fonds_code", "category_code", "year", "retention", "department_code", "reference_code")


def _check_values(values: dict[str, Any], vocabulary: Vocabulary | None) -> dict[str, Any]:
    """Every value of a row normalised, or the first ``DescriptionError`` with its column."""
    normalized: dict[str, Any] = {}
    for name, value in values.items():
        try:
            normalized[name] = normalize_field(name, value, vocabulary)
        except DescriptionError as exc:
            exc.details["column"] = _column_of(name)
            raise
    return normalized


def _check_department(values: dict[str, Any], directory: Directory) -> None:
    """A 机构 no code, name or alias names is the row's error (once the catalog has departments)."""
    named = values.get("department") or values.get("department_code")
    if named and directory.refs and directory.find(named) is None:
        try:
            directory.resolve(named)
        except UnknownDepartment as exc:
            raise DescriptionError(exc.message_en, exc.message_zh, column=_column_of("department")) from None


def import_table(
    session: Session, path: Path, settings: Settings, editor: Editor, vocabulary: Vocabulary | None = None
) -> ImportResult:
    """Import a CSV / XLSX of descriptions; bad rows are reported and skipped.

    Values from the file count as entered by the editor; existing values are overwritten by the
    file (that is what an update import is for), except the 档号, which never changes; an
    empty cell leaves its field unchanged. Each row goes through the same checks as a form
    edit (``archive.description.records``): records the editor may not know of are reported as
    missing, access follows 密级 and 开放标识, every change is audited and the index follows.
    """
    user = editor.name
    result = ImportResult()
    directory = Directory.load(session)
    seen_codes: dict[str, int] = {}
    for number, values in read_rows(path):
        # An empty cell leaves the field as it is: an update file need not repeat every column.
        values = {name: value for name, value in values.items() if value is not None}
        code = str(values.pop("reference_code")) if values.get("reference_code") else None
        item_number = values.pop("item_number", None)
        try:
            record = _find_record(session, values, code, editor)
            values.pop("id", None)
            if code and code in seen_codes:
                raise DescriptionError(
                    f"档号 {code} also appears in row {seen_codes[code]}",
                    f"档号 {code} 与第 {seen_codes[code]} 行重复",
                    column=_column_of("reference_code"),
                )
            if item_number is not None and not code:
                raise DescriptionError(
                    "件号 without 档号: leave 件号 empty, it is assigned",
                    "填写了件号却没有档号：件号由系统分配，请留空",
                    column="件号",
                )
            normalized = _check_values(values, vocabulary)
            _check_department(normalized, directory)
            if record is not None:
                check_access_change(record, normalized, settings.default_access_level)
            if code and (record is None or code != record.reference_code):
                # Check the 档号 against the record as it will be after this row.
                probe = Record(extra={}, **{c: getattr(record, c) if record else None for c in SERIES_COLUMNS})
                if record is not None:
                    probe.id = record.id
                for name, value in normalized.items():
                    if name in SERIES_COLUMNS:
                        setattr(probe, name, value)
                try:
                    validate_imported_code(session, probe, code, settings.reference_code_pattern)
                except DescriptionError as exc:
                    exc.details["column"] = _column_of("reference_code")
                    raise
        except DescriptionError as exc:
            result.errors.append(RowError(number, exc.details.get("column"), exc.message_zh, exc.message_en))
            continue
        creating = record is None
        if record is None:
            record = Record(status=RecordStatus.DONE, extra={"catalogue_only": True}, page_count=0)
            session.add(record)
            session.flush()
        level_before = None if creating else record.access_level
        changes = apply_changes(session, [record], values, user, "import", vocabulary)
        if code and code != record.reference_code:
            apply_imported_code(session, record, code, settings.reference_code_pattern, by=user)
            changes.append(FieldChange(record.id, "reference_code", None, code, user, "import"))
            seen_codes[code] = number
        for message in settle(session, record, settings, editor, via="import", level_before=level_before).errors:
            zh, en = message_halves(message)
            result.errors.append(RowError(number, _column_of("reference_code"), zh, en))
        audit_changes(session, changes, editor)
        (result.created if creating else result.updated).append(record.id)
        result.changes.extend(changes)
    return result


def template_bytes(fmt: str = "xlsx", language: str = "zh") -> bytes:
    """An empty import template (header row and one example row) as XLSX or CSV bytes."""
    if language not in ("zh", "en"):
        raise InputError(
            f"Template language must be zh or en, not {language!r}", f"模板语言应为 zh 或 en，而不是 {language!r}"
        )
    headers = [zh if language == "zh" else en for _f, zh, en in COLUMNS]
    example = [
        "",
        "J001",
        "WS",
        "2023",
        "D30",
        "BGS",
        "办公室",
        "",
        "长教发〔2023〕12号",
        "长沙市教育局",
        "关于做好2023年中小学招生入学工作的通知",
        "2023-05-12",
        "公开",
        "开放",
        "3",
        "招生",
        "纸质",
        "",
        "",
        "",
    ]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerow(example)
        return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    if fmt != "xlsx":
        raise InputError(
            f"Template format must be xlsx or csv, not {fmt!r}", f"模板格式应为 xlsx 或 csv，而不是 {fmt!r}"
        )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = "著录" if language == "zh" else "description"
    sheet.append(headers)
    sheet.append(example)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(10, len(header) * 2 + 4)
    buffer_bytes = io.BytesIO()
    book.save(buffer_bytes)
    return buffer_bytes.getvalue()
