"""A whole year of filing for three departments with a fixed clock and a real SMTP server.

办公室 (BGS) files on time; 财务处 (CWC) files late after two reminders; 教务处 (JWC) has an item
returned for a failed check (JavaScript in a PDF) and resubmits. The overdue view, the reminders,
the receipt report, the accepted records with 档号, the 移交清册 and the statistics show exactly that.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from archive.audit.service import CLI, Actor
from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from archive.catalog.collection import FilingTask, ReceiptCheck, ReminderSent, Transfer
from archive.catalog.models import Record
from archive.clock import FixedClock
from archive.departments import assign_clerk, save_department
from cli.schedule import register_all
from collection import decisions
from collection.checks import report, run_checks
from collection.schedules import ScheduleError, export_xlsx, import_xlsx
from collection.statistics import department_figures, holdings
from collection.submission import NotYourDepartment, SubmissionRefused, read_list, submit_transfer
from collection.tasks import overdue, task_status
from collection.transfer_list import transfer_list, transfer_list_pdf, transfer_list_xlsx
from config.settings import Settings
from indexer.context import Lantai, set_current
from indexer.periodic import run_due
from indexer.process import process_job
from tests.collection.docs import pdf_file, pdf_with_javascript
from tests.collection.docs import transfer_list as list_file
from tests.conftest import make_settings
from tests.smtp import Inbox

DEPARTMENTS = (("BGS", "办公室", "bgs"), ("CWC", "财务处", "cwc"), ("JWC", "教务处", "jwc"))


@pytest.fixture
def year(tmp_path: Path, smtp: tuple[str, Inbox], catalog_url: str) -> Iterator[tuple[Lantai, Inbox]]:
    url, inbox = smtp
    settings: Settings = make_settings(tmp_path / "var", smtp_url=url, reminder_days_before="7",
                                       reminder_days_after="1,7", database_url=catalog_url)
    lantai = Lantai(settings)
    lantai.catalog.upgrade()
    set_current(lantai)
    register_all()
    yield lantai, inbox
    set_current(None)
    lantai.close()


def _user(lantai: Lantai, name: str) -> User:
    with lantai.catalog.session() as db:
        user = db.scalar(select(User).where(User.username == name))
        assert user is not None
        db.expunge(user)
        return user


def _schedule_workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["机构", "文件材料名称", "关键词", "门类", "保管期限", "归档时间规则", "截止月", "截止日"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _task(lantai: Lantai, code: str) -> int:
    with lantai.catalog.session() as db:
        return int(db.scalar(select(FilingTask.id).join(FilingTask.department).where(
            FilingTask.department.property.mapper.class_.code == code)) or 0)


def _submit(lantai: Lantai, tmp: Path, who: str, task_id: int, docs: list[tuple[str, Path, int]],
            clock: FixedClock) -> int:
    """Submit files with a transfer list as clerk ``who``; process them as the worker would; check."""
    rows = [{"序号": i, "文件": name, "题名": f"{name[:-4]}", "日期": "2023-12-20", "页数": pages, "件数": 1,
             "保管期限": "永久", "责任者": "本单位"} for i, (name, _p, pages) in enumerate(docs, start=1)]
    listing = read_list(list_file(tmp / f"list-{who}-{clock.now():%m%d}.csv", rows))
    result = submit_transfer(lantai, task_id, [(path, name) for name, path, _ in docs], user=_user(lantai, who),
                             transfer_list=listing, channel="cli", now=clock.now(), dispatch=False)
    for job in result.job_ids:
        process_job(lantai, job)
    assert run_checks(lantai, result.transfer_id, clock.now()) is not None
    return result.transfer_id


def test_a_year_of_filing(year: tuple[Lantai, Inbox], tmp_path: Path) -> None:
    lantai, inbox = year
    clock = FixedClock(dt.datetime(2024, 1, 2, 8, 0, tzinfo=dt.UTC))
    archivist = Actor(None, "archivist", "archivist")
    with lantai.catalog.session() as db:
        for code, name, clerk in DEPARTMENTS:
            save_department(db, code=code, name=name, contact_email=None, actor=CLI)
            user = User(username=clerk, password_hash="x", role="clerk", active=True, failed_logins=0,
                        email=f"{clerk}@example.org")
            db.add(user)
            db.flush()
            assign_clerk(db, user, code, actor=CLI)
        db.add(User(username="archivist", password_hash="x", role="archivist", active=True, failed_logins=0))
        # A schedule with an unknown 门类 is refused whole, naming its row; the good one is taken.
        with pytest.raises(ScheduleError) as bad:
            import_xlsx(db, "school", _schedule_workbook([["全部", "会议纪要", "纪要", "文书", "永久", "每年", 3, 31],
                                                          ["全部", "照片", "照片", "相片簿", "永久", "每年", 3, 31]]),
                        actor=CLI)
        assert "第 3 行" in bad.value.message_zh and "相片簿" in bad.value.message_zh
        assert "row 3" in bad.value.message_en
        good = _schedule_workbook([["全部", "会议纪要、工作总结", "纪要,总结", "文书", "永久", "每年", 3, 31]])
        lines = import_xlsx(db, "school", good, actor=CLI)
        assert len(lines) == 1
        assert export_xlsx(db)[:2] == b"PK"

    docs = tmp_path / "docs"
    docs.mkdir()
    bgs = [("纪要一.pdf", pdf_file(docs / "b1.pdf", ["校务会议纪要 第一期", "第二页"]), 2),
           ("总结.pdf", pdf_file(docs / "b2.pdf", ["2023年 工作总结"]), 1)]
    jwc_bad = pdf_with_javascript(docs / "j1.pdf", ["教务处 会议纪要"])
    jwc_good = pdf_file(docs / "j1-fixed.pdf", ["教务处 会议纪要（更正）"])
    jwc_other = pdf_file(docs / "j2.pdf", ["教务处 工作总结"])
    cwc = [("纪要.pdf", pdf_file(docs / "c1.pdf", ["财务处 会议纪要"]), 1)]

    transfers: dict[str, list[int]] = {"BGS": [], "JWC": [], "CWC": []}
    overdue_view: list[tuple[str, int]] = []
    while clock.now().date() <= dt.date(2024, 12, 31):
        today = clock.now().date()
        if today == dt.date(2024, 3, 10):
            transfers["BGS"].append(_submit(lantai, tmp_path, "bgs", _task(lantai, "BGS"), bgs, clock))
        if today == dt.date(2024, 3, 12):
            with lantai.catalog.session() as db:
                decisions.accept(db, transfers["BGS"][0], user=None, actor=archivist, settings=lantai.settings,
                                 now=clock.now(), fonds="J001")
        if today == dt.date(2024, 3, 20):
            with pytest.raises(NotYourDepartment):  # a clerk submitting for another department
                _submit(lantai, tmp_path, "jwc", _task(lantai, "CWC"), cwc, clock)
            transfers["JWC"].append(_submit(lantai, tmp_path, "jwc", _task(lantai, "JWC"),
                                            [("纪要.pdf", jwc_bad, 1), ("总结.pdf", jwc_other, 1)], clock))
        if today == dt.date(2024, 3, 21):
            with lantai.catalog.session() as db:
                decisions.return_transfer(db, transfers["JWC"][0], {}, user=None, actor=archivist, now=clock.now())
        if today == dt.date(2024, 3, 23):
            transfers["JWC"].append(_submit(lantai, tmp_path, "jwc", _task(lantai, "JWC"),
                                            [("纪要.pdf", jwc_good, 1), ("总结.pdf", jwc_other, 1)], clock))
        if today == dt.date(2024, 3, 25):
            with lantai.catalog.session() as db:
                decisions.accept(db, transfers["JWC"][1], user=None, actor=archivist, settings=lantai.settings,
                                 now=clock.now(), fonds="J001")
        if today == dt.date(2024, 4, 2):
            with lantai.catalog.session() as db:
                overdue_view = [(t.department.code, days) for t, days in overdue(db, today)]
        if today == dt.date(2024, 4, 5):
            transfers["CWC"].append(_submit(lantai, tmp_path, "cwc", _task(lantai, "CWC"), cwc, clock))
        if today == dt.date(2024, 4, 6):
            with lantai.catalog.session() as db:
                decisions.accept(db, transfers["CWC"][0], user=None, actor=archivist, settings=lantai.settings,
                                 now=clock.now(), fonds="J001")
        run_due(lantai, clock)
        clock.advance(days=1)

    # The overdue view on 2 April: only 财务处, two days late.
    assert overdue_view == [("CWC", 2)]
    # Reminders: two, both to 财务处's clerk (7 days before and 1 day after the due date), mailed.
    assert sorted(m["To"] for m in inbox.messages) == ["cwc@example.org", "cwc@example.org"]
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in inbox.messages]
    assert "归档提醒" in subjects[0] and "逾期" in subjects[1]
    with lantai.catalog.session() as db:
        sent = db.scalars(select(ReminderSent).order_by(ReminderSent.sent_on)).all()
        assert [(r.sent_on, r.days, r.mailed) for r in sent] == [(dt.date(2024, 3, 24), 7, True),
                                                                (dt.date(2024, 4, 1), -1, True)]
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reminder")) == 2
        # Every task is accepted by the end of the year.
        tasks = db.scalars(select(FilingTask)).all()
        assert {task_status(t, dt.date(2024, 12, 31)).value for t in tasks} == {"accepted"}
        # The receipt report of 教务处's first transfer: the JavaScript item failed its security check.
        checks = report(db, transfers["JWC"][0])
        failed = [(c.property, c.check) for c in checks if c.result == "failed"]
        assert failed == [("security", "active_content")]
        js = next(c for c in checks if c.check == "active_content" and c.result == "failed")
        assert "JavaScript" in js.explanation_zh and "DA/T 70" in js.rule
        first = db.get(Transfer, transfers["JWC"][0])
        assert first is not None and first.status == "returned"
        assert [(i.position, bool(i.return_reason)) for i in first.items] == [(1, True), (2, False)]
        assert all(c.result in ("passed", "skipped") for c in report(db, transfers["JWC"][1]))
        assert db.scalar(select(func.count(ReceiptCheck.id)).where(ReceiptCheck.transfer_id == transfers["BGS"][0]))
        # Accepted records carry their 档号; the returned JavaScript file never joined the archive.
        codes = sorted(db.scalars(select(Record.reference_code).where(Record.reference_code.is_not(None))))
        assert codes == ["J001-WS·2023-Y-BGS-0001", "J001-WS·2023-Y-BGS-0002", "J001-WS·2023-Y-CWC-0001",
                         "J001-WS·2023-Y-JWC-0001", "J001-WS·2023-Y-JWC-0002"]
        assert db.scalar(select(func.count(Record.id)).where(Record.custody.is_not(None))) == 1
        # The 移交清册 of 办公室's transfer, confirmed by both sides.
        bgs_user = db.scalar(select(User).where(User.username == "bgs"))
        decisions.confirm_list(db, transfers["BGS"][0], user=bgs_user, actor=Actor.of(bgs_user))
        listing = transfer_list(db, transfers["BGS"][0])
        assert [row[1] for row in listing.rows] == ["J001-WS·2023-Y-BGS-0001", "J001-WS·2023-Y-BGS-0002"]
        assert "部门确认：bgs" in listing.signatures[0] and "档案室确认：archivist" in listing.signatures[1]
        book = openpyxl.load_workbook(io.BytesIO(transfer_list_xlsx(listing)))
        cells = [c.value for row in book.active.iter_rows() for c in row]  # type: ignore[union-attr]
        assert "J001-WS·2023-Y-BGS-0001" in cells
        assert transfer_list_pdf(listing)[:5] == b"%PDF-"
        # Statistics for 2024 equal what happened and what the catalog holds.
        figures = {f.code: f for f in department_figures(db, 2024, dt.date(2024, 12, 31))}
        assert (figures["BGS"].due, figures["BGS"].on_time, figures["BGS"].late, figures["BGS"].missing) == (1, 1, 0, 0)
        assert (figures["CWC"].due, figures["CWC"].on_time, figures["CWC"].late) == (1, 0, 1)
        assert (figures["JWC"].on_time, figures["JWC"].transfers, figures["JWC"].returned) == (1, 2, 1)
        assert figures["JWC"].return_rate == 0.5
        assert (figures["BGS"].items, figures["BGS"].pages, figures["JWC"].items, figures["CWC"].items) == (2, 3, 2, 1)
        assert holdings(db, "category") == [("WS", 5)]
        assert holdings(db, "year") == [("2023", 5)]
    # Bad input: an accepted task takes nothing more, and nothing already received changed.
    with pytest.raises(SubmissionRefused):
        _submit(lantai, tmp_path, "bgs", _task(lantai, "BGS"), bgs, clock)
