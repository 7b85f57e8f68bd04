"""Statistics for review and appraisal (统计与考核): per department and year, tasks due, on time,
late and missing, items and pages received, the return rate; and the archive's holdings by
全宗, 门类, 年度, 保管期限 and carrier. Every figure is a count over the catalog."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.catalog.collection import Department, FilingTask, Transfer, TransferItem
from archive.catalog.models import Record
from archive.vocabulary import TaskStatus, TransferStatus


@dataclass
class DepartmentFigures:
    """One department's figures for one year (tasks by their due date)."""

    code: str
    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0  # submitted, or not yet due
    items: int = 0
    pages: int = 0
    transfers: int = 0
    returned: int = 0

    @property
    def return_rate(self) -> float:
        """Returned transfers / transfers (0 without any)."""
        return round(self.returned / self.transfers, 3) if self.transfers else 0.0


def department_figures(session: Session, year: int, today: dt.date) -> list[DepartmentFigures]:
    """Figures of every department for tasks due in ``year`` (as of ``today``)."""
    out: dict[int, DepartmentFigures] = {
        d.id: DepartmentFigures(d.code, d.name) for d in session.scalars(select(Department).order_by(Department.code))
    }
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    tasks = session.scalars(select(FilingTask).where(FilingTask.due_date.between(start, end)))
    task_ids: list[int] = []
    for task in tasks:
        figures = out[task.department_id]
        task_ids.append(task.id)
        if task.due_date > today and task.submitted_on is None:
            figures.pending += 1
            continue
        figures.due += 1
        if task.submitted_on is None:
            figures.missing += 1
        elif task.submitted_on <= task.due_date:
            figures.on_time += 1
        else:
            figures.late += 1
    if task_ids:
        for transfer in session.scalars(select(Transfer).where(Transfer.task_id.in_(task_ids))):
            figures = out[transfer.department_id]
            figures.transfers += 1
            figures.returned += transfer.status == TransferStatus.RETURNED
            if transfer.status == TransferStatus.ACCEPTED:
                arrived = [i.record_id for i in transfer.items if i.record_id]
                figures.items += len(arrived)
                if arrived:
                    figures.pages += int(
                        session.scalar(
                            select(func.coalesce(func.sum(Record.page_count), 0)).where(Record.id.in_(arrived))
                        )
                        or 0
                    )
    return list(out.values())


HOLDING_KEYS = {
    "fonds": Record.fonds_code,
    "category": Record.category_code,
    "year": Record.year,
    "retention": Record.retention,
    "carrier": Record.carrier,
}


def holdings(session: Session, by: str) -> list[tuple[str, int]]:
    """Records of the archive (not those awaiting acceptance) counted by one of ``HOLDING_KEYS``."""
    column = HOLDING_KEYS[by]
    rows = session.execute(
        select(column, func.count(Record.id)).where(Record.custody.is_(None)).group_by(column).order_by(column)
    )
    return [("" if key is None else str(key), int(count)) for key, count in rows]


def statistics(session: Session, year: int, today: dt.date) -> dict[str, object]:
    """Everything the statistics page and export show, as JSON-ready data."""
    return {
        "year": year,
        "departments": [{**asdict(f), "return_rate": f.return_rate} for f in department_figures(session, year, today)],
        "holdings": {key: holdings(session, key) for key in HOLDING_KEYS},
        "tasks_accepted": int(
            session.scalar(select(func.count(FilingTask.id)).where(FilingTask.status == TaskStatus.ACCEPTED)) or 0
        ),
        "items_waiting": int(
            session.scalar(
                select(func.count(TransferItem.id))
                .join(Transfer)
                .where(Transfer.status.in_([TransferStatus.SUBMITTED, TransferStatus.CHECKED]))
            )
            or 0
        ),
    }


def statistics_xlsx(data: dict[str, object]) -> bytes:
    """The statistics as a workbook: one sheet of department figures, one of holdings."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = f"{data['year']}年度考核"
    sheet.append(
        [
            "机构代码",
            "机构",
            "应交任务",
            "按时",
            "逾期交",
            "未交",
            "未到期",
            "接收件数",
            "接收页数",
            "移交次数",
            "退回次数",
            "退回率",
        ]
    )
    for row in data["departments"]:  # type: ignore[attr-defined]
        sheet.append(
            [
                row["code"],
                row["name"],
                row["due"],
                row["on_time"],
                row["late"],
                row["missing"],
                row["pending"],
                row["items"],
                row["pages"],
                row["transfers"],
                row["returned"],
                row["return_rate"],
            ]
        )
    holding = book.create_sheet("馆藏统计")
    names = {"fonds": "全宗", "category": "门类", "year": "年度", "retention": "保管期限", "carrier": "载体形态"}
    for key, rows in data["holdings"].items():  # type: ignore[attr-defined]
        holding.append([names[key], "件数"])
        for value, count in rows:
            holding.append([value or "（空）", count])
        holding.append([])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
