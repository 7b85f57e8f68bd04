"""The filing schedule (归档范围与文件材料保管期限表): the starter schedules shipped as data,
import and export as XLSX, and which line a record matches.

A schedule line names a kind of record that must be filed (example keywords), its 门类 and
保管期限, and the filing rule that makes its due dates (``collection.tasks``). An import is
checked row by row: a row with an unknown 门类, 保管期限, rule or department is reported with its
row number in both languages and nothing is imported until every row is right.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.collection import Department, ScheduleLine
from archive.catalog.models import Record
from archive.departments import Directory
from archive.description.schema import DescriptionError, normalize_value
from archive.vocabulary import CATEGORIES, AuditAction, FilingRule, Retention, UnknownTerm
from config.errors import InputError

DATA = Path(__file__).parent / "data"
STARTERS: dict[str, Path] = {"government": DATA / "government.yaml", "school": DATA / "school.yaml"}

# (field, Chinese header, English header) of the XLSX form, in order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("department", "机构", "department"),
    ("name", "文件材料名称", "name"),
    ("keywords", "关键词", "keywords"),
    ("category", "门类", "category"),
    ("retention", "保管期限", "retention"),
    ("rule", "归档时间规则", "rule"),
    ("due_month", "截止月", "due_month"),
    ("due_day", "截止日", "due_day"),
    ("within_days", "期限天数", "within_days"),
    ("expected_count", "应交件数", "expected_count"),
)
_HEADERS = {**{zh: f for f, zh, _ in COLUMNS}, **{en: f for f, _, en in COLUMNS}}


class ScheduleError(InputError):
    """A schedule file or line that cannot be used; names every bad row."""

    code = "bad_schedule"
    default_zh = "归档范围与保管期限表有误"
    default_en = "Invalid filing schedule"


@dataclass(frozen=True)
class LineSpec:
    """One checked schedule line, ready to store."""

    name: str
    category_code: str
    retention: str
    rule: str
    department_id: int | None = None
    keywords: str | None = None
    due_month: int | None = None
    due_day: int | None = None
    within_days: int | None = None
    expected_count: int = 1


def _int(value: Any, label_zh: str, label_en: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InputError(
            f"{label_en} must be a whole number, not {value!r}", f"{label_zh}应为整数，而不是 {value!r}"
        ) from None
    if not low <= number <= high:
        raise InputError(
            f"{label_en} {number} is not between {low} and {high}", f"{label_zh} {number} 不在 {low}–{high} 之间"
        )
    return number


def check_line(values: Mapping[str, Any], directory: Directory) -> LineSpec:
    """A ``LineSpec`` from raw values (codes, labels or aliases); ``InputError`` naming the bad value."""
    name = str(values.get("name") or "").strip()
    if not name:
        raise InputError("A schedule line needs a name", "缺少文件材料名称")
    try:
        category = normalize_value("category_code", str(values.get("category") or ""))
        retention = normalize_value("retention", str(values.get("retention") or ""))
    except DescriptionError as exc:
        raise InputError(exc.message_en, exc.message_zh) from None
    if category is None or retention is None:
        raise InputError("门类 and 保管期限 are required", "门类和保管期限不能为空")
    try:
        rule = FilingRule.parse(values.get("rule") or "yearly")
    except UnknownTerm as exc:
        raise InputError(exc.message_en, exc.message_zh) from None
    department = values.get("department")
    department_id = directory.resolve(department).id if department not in (None, "", "全部", "all") else None
    due_month = _int(values.get("due_month"), "截止月", "Due month", 1, 12)
    due_day = _int(values.get("due_day"), "截止日", "Due day", 1, 31)
    within = _int(values.get("within_days"), "期限天数", "Days allowed", 0, 3660)
    if rule is FilingRule.YEARLY and (due_month is None or due_day is None):
        due_month, due_day = due_month or 3, due_day or 31  # the end of March of the next year
    if rule is FilingRule.AFTER_EVENT and within is None:
        raise InputError(
            "A line filed after an event needs its number of days (within_days)",
            "“项目或活动结束后N日内”归档的条目需要填写期限天数",
        )
    expected = _int(values.get("expected_count"), "应交件数", "Expected count", 1, 100000) or 1
    keywords = str(values.get("keywords") or "").strip() or None
    return LineSpec(
        name, str(category), str(retention), rule.value, department_id, keywords, due_month, due_day, within, expected
    )


def check_lines(rows: Iterable[tuple[int, Mapping[str, Any]]], directory: Directory) -> list[LineSpec]:
    """Every row checked; ``ScheduleError`` listing each bad row (row number, both languages)."""
    specs: list[LineSpec] = []
    errors_zh: list[str] = []
    errors_en: list[str] = []
    for number, values in rows:
        try:
            specs.append(check_line(values, directory))
        except InputError as exc:
            errors_zh.append(f"第 {number} 行：{exc.message_zh}")
            errors_en.append(f"row {number}: {exc.message_en}")
    if errors_zh:
        raise ScheduleError("; ".join(errors_en), "；".join(errors_zh), rows=errors_zh)
    return specs


def replace_schedule(
    session: Session, name: str, specs: list[LineSpec], *, actor: Actor, how: str, where: Where | None = None
) -> list[ScheduleLine]:
    """Make ``specs`` the lines of schedule ``name`` (lines of other schedules stay); audited.

    Old lines are deactivated, not deleted: tasks made from them keep their line.
    """
    old = list(session.scalars(select(ScheduleLine).where(ScheduleLine.schedule == name, ScheduleLine.active)))
    for line in old:
        line.active = False
    lines = [
        ScheduleLine(
            schedule=name,
            position=i,
            active=True,
            department_id=s.department_id,
            name=s.name,
            keywords=s.keywords,
            category_code=s.category_code,
            retention=s.retention,
            rule=s.rule,
            due_month=s.due_month,
            due_day=s.due_day,
            within_days=s.within_days,
            expected_count=s.expected_count,
        )
        for i, s in enumerate(specs, start=1)
    ]
    session.add_all(lines)
    session.flush()
    audit.record(
        session,
        AuditAction.SCHEDULE_CHANGE,
        actor,
        Target.of("schedule", name),
        {"how": how, "lines": len(lines), "replaced": len(old)},
        where=where,
    )
    return lines


def load_starter(session: Session, which: str, *, actor: Actor, where: Where | None = None) -> list[ScheduleLine]:
    """Load a shipped starter schedule (``government`` or ``school``) as the schedule of that name."""
    path = STARTERS.get(which)
    if path is None:
        raise ScheduleError(
            f"No starter schedule {which!r}; use {', '.join(STARTERS)}",
            f"没有名为 {which!r} 的示例表；可用：{'、'.join(STARTERS)}",
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = [(i, line) for i, line in enumerate(data["lines"], start=1)]
    return replace_schedule(
        session, which, check_lines(rows, Directory.load(session)), actor=actor, how=f"starter:{which}", where=where
    )


def has_schedule(session: Session) -> bool:
    """Whether any active schedule line exists."""
    return session.scalar(select(ScheduleLine.id).where(ScheduleLine.active).limit(1)) is not None


def read_xlsx(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {field: value}) of each non-empty row of a schedule workbook."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ScheduleError(f"Cannot read the workbook: {exc}", "无法读取该工作簿") from exc
    if not rows:
        raise ScheduleError("The workbook is empty", "工作簿为空")
    header = [_HEADERS.get(str(h).strip()) if h is not None else None for h in rows[0]]
    if "name" not in header:
        raise ScheduleError(
            "No 文件材料名称 (name) column; export a schedule to see the form",
            "缺少“文件材料名称”列；请先导出一份表格作为模板",
        )
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {f: v for f, v in zip(header, row, strict=False) if f and v not in (None, "")}
        if values:
            out.append((number, values))
    return out


def import_xlsx(
    session: Session, name: str, data: bytes, *, actor: Actor, where: Where | None = None
) -> list[ScheduleLine]:
    """Replace schedule ``name`` with a workbook's lines, all or nothing (``ScheduleError`` names the rows)."""
    specs = check_lines(read_xlsx(data), Directory.load(session))
    return replace_schedule(session, name, specs, actor=actor, how="xlsx", where=where)


def active_lines(session: Session, schedule: str | None = None) -> list[ScheduleLine]:
    """The active lines (of one schedule, or all), in order."""
    query = select(ScheduleLine).where(ScheduleLine.active)
    if schedule:
        query = query.where(ScheduleLine.schedule == schedule)
    return list(session.scalars(query.order_by(ScheduleLine.schedule, ScheduleLine.position)))


def export_xlsx(session: Session, schedule: str | None = None) -> bytes:
    """The schedule as a workbook with Chinese headers (importable again)."""
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "归档范围与保管期限表"
    sheet.append([zh for _f, zh, _en in COLUMNS])
    for line in active_lines(session, schedule):
        sheet.append(
            [
                departments.get(line.department_id or 0, "全部"),
                line.name,
                line.keywords or "",
            _category_label(line.category_code),
                Retention(line.retention).zh,
                FilingRule(line.rule).zh,
                line.due_month,
                line.due_day,
                line.within_days,
                line.expected_count,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _category_label(code: str) -> str:
    category = CATEGORIES.get(code)
    return category.zh if category is not None else code


def match_line(session: Session, record: Record, lines: list[ScheduleLine] | None = None) -> ScheduleLine | None:
    """The schedule line a record matches: its department's lines first, then the general ones;
    a keyword in the title (or first page) wins, else a line of the record's 门类."""
    candidates = lines if lines is not None else active_lines(session)
    department_id = None
    if record.department_code:
        department_id = session.scalar(select(Department.id).where(Department.code == record.department_code))
    own = [line for line in candidates if line.department_id in (department_id, None)]
    own.sort(key=lambda line: (line.department_id is None, line.position))
    text = (record.title or "") + "\n" + ((record.pages[0].text or "")[:2000] if record.pages else "")
    for line in own:
        words = [w.strip() for w in (line.keywords or "").replace("，", ",").replace("\n", ",").split(",")]
        if any(word and word in text for word in words):
            return line
    if record.category_code:
        return next((line for line in own if line.category_code == record.category_code), None)
    return None
