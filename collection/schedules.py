"""The filing schedule (归档范围与文件材料保管期限表): the starter schedules shipped as data,
import and export as XLSX (which line a record matches: ``archive.description.schedule``).

A schedule line names a kind of record that must be filed (example keywords), its 门类 and
保管期限, and the filing rule that makes its due dates (``collection.tasks``). An import is
checked row by row: a row with an unknown 门类, 保管期限, rule or department is reported with its
row number in both languages and nothing is imported until every row is right.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.collection import Department, ScheduleLine
from archive.departments import Directory
from archive.description.schedule import active_lines
from archive.description.schema import DescriptionError, normalize_value
from archive.vocabulary import CATEGORIES, AuditAction, FilingRule, Retention, UnknownTerm
from config.errors import InputError, NotFoundError

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
    """A ``LineSpec`` from raw values (codes, labels or aliases); ``InputError`` naming every bad value."""
    problems: list[InputError] = []

    def attempt(check: Callable[[], Any]) -> Any:
        try:
            return check()
        except DescriptionError as exc:
            problems.append(InputError(exc.message_en, exc.message_zh))
        except (InputError, UnknownTerm) as exc:
            problems.append(InputError(exc.message_en, exc.message_zh))
        return None

    name = str(values.get("name") or "").strip()
    if not name:
        problems.append(InputError("A schedule line needs a name", "缺少文件材料名称"))
    category = attempt(lambda: normalize_value("category_code", str(values.get("category") or "")))
    retention = attempt(lambda: normalize_value("retention", str(values.get("retention") or "")))
    if (category is None or retention is None) and not problems:
        problems.append(InputError("门类 and 保管期限 are required", "门类和保管期限不能为空"))
    rule = attempt(lambda: FilingRule.parse(values.get("rule") or "yearly"))
    department = values.get("department")
    ref = attempt(lambda: directory.resolve(department)) if department not in (None, "", "全部", "all") else None
    due_month = attempt(lambda: _int(values.get("due_month"), "截止月", "Due month", 1, 12))
    due_day = attempt(lambda: _int(values.get("due_day"), "截止日", "Due day", 1, 31))
    within = attempt(lambda: _int(values.get("within_days"), "期限天数", "Days allowed", 0, 3660))
    expected = attempt(lambda: _int(values.get("expected_count"), "应交件数", "Expected count", 1, 100000)) or 1
    if rule is FilingRule.YEARLY and (due_month is None or due_day is None):
        due_month, due_day = due_month or 3, due_day or 31  # the end of March of the next year
    if rule is FilingRule.AFTER_EVENT and within is None:
        problems.append(InputError(
            "A line filed after an event needs its number of days (within_days)",
            "“项目或活动结束后N日内”归档的条目需要填写期限天数",
        ))
    if problems:
        raise InputError("; ".join(p.message_en for p in problems), "；".join(p.message_zh for p in problems))
    keywords = str(values.get("keywords") or "").strip() or None
    return LineSpec(
        name, str(category), str(retention), rule.value, ref.id if ref else None, keywords, due_month, due_day,
        within, expected,
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


LINE_FIELDS = ("department_id", "name", "keywords", "category_code", "retention", "rule", "due_month", "due_day",
               "within_days", "expected_count")


def replace_schedule(
    session: Session, name: str, specs: list[LineSpec], *, actor: Actor, how: str, where: Where | None = None
) -> list[ScheduleLine]:
    """Make ``specs`` the lines of schedule ``name`` (lines of other schedules stay); audited.

    A line of the same department and name is updated in place, so the tasks already derived from
    it are not made again; lines no longer listed are deactivated, not deleted (their tasks keep
    them). A task holds its own copy of due date, 门类 and 保管期限, so a change reaches new tasks only.
    """
    old = {(line.department_id, line.name): line for line in session.scalars(
        select(ScheduleLine).where(ScheduleLine.schedule == name, ScheduleLine.active))}
    kept: set[int] = set()
    lines = []
    for position, spec in enumerate(specs, start=1):
        line = old.get((spec.department_id, spec.name))
        if line is None or line.id in kept:
            line = ScheduleLine(schedule=name, active=True)
            session.add(line)
        else:
            kept.add(line.id)
        line.position = position
        for field in LINE_FIELDS:
            setattr(line, field, getattr(spec, field))
        lines.append(line)
    dropped = [line for line in old.values() if line.id not in kept]
    for line in dropped:
        line.active = False
    session.flush()
    audit.record(
        session,
        AuditAction.SCHEDULE_CHANGE,
        actor,
        Target.of("schedule", name),
        {"how": how, "lines": len(lines), "updated": len(kept), "dropped": len(dropped)},
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


def save_line(
    session: Session,
    values: Mapping[str, Any],
    *,
    line_id: int | None = None,
    schedule: str = "default",
    actor: Actor,
    where: Where | None = None,
) -> ScheduleLine:
    """Add a line to ``schedule``, or change line ``line_id`` in place; checked like an imported row,
    audited with the fields changed. Tasks already derived keep their own due date, 门类 and 保管期限."""
    spec = check_line(values, Directory.load(session))
    if line_id is not None:
        line = session.get(ScheduleLine, line_id)
        if line is None or not line.active:
            raise NotFoundError(f"No schedule line {line_id}", f"归档范围条目 {line_id} 不存在")
        changed = {f: [getattr(line, f), getattr(spec, f)] for f in LINE_FIELDS if getattr(line, f) != getattr(spec, f)}
        if not changed:
            return line
        details: dict[str, Any] = {"how": "edit", "line": line.id, "name": spec.name, "fields": changed}
    else:
        last = session.scalar(select(func.max(ScheduleLine.position)).where(ScheduleLine.schedule == schedule))
        line = ScheduleLine(schedule=schedule, position=(last or 0) + 1, active=True)
        session.add(line)
        details = {"how": "add", "name": spec.name}
    for field in LINE_FIELDS:
        setattr(line, field, getattr(spec, field))
    session.flush()
    details["line"] = line.id
    audit.record(session, AuditAction.SCHEDULE_CHANGE, actor, Target.of("schedule", line.schedule), details,
                 where=where)
    return line


def delete_line(session: Session, line_id: int, *, actor: Actor, where: Where | None = None) -> ScheduleLine:
    """Take a line out of its schedule (deactivated: tasks made from it keep it); audited."""
    line = session.get(ScheduleLine, line_id)
    if line is None or not line.active:
        raise NotFoundError(f"No schedule line {line_id}", f"归档范围条目 {line_id} 不存在")
    line.active = False
    audit.record(session, AuditAction.SCHEDULE_CHANGE, actor, Target.of("schedule", line.schedule),
                 {"how": "delete", "line": line.id, "name": line.name}, where=where)
    session.flush()
    return line
