"""Departments: names and aliases resolve to the code 档号 uses; 门类 and 保管期限 accept their
aliases; an unknown value is a clear error on its own row; clerk membership is audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record
from archive.departments import DepartmentError, UnknownDepartment, assign_clerk, resolve, save_department
from archive.description.schema import normalize_value
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.process import process_job


def _departments(lantai: Lantai) -> None:
    with lantai.catalog.session() as db:
        save_department(db, code="BGS", name="办公室", aliases=["校办", "校长办公室"], contact_email="bgs@example.org",
                        actor=CLI)
        save_department(db, code="CWC", name="财务处", actor=CLI)


def test_names_codes_and_aliases_resolve(lantai: Lantai) -> None:
    _departments(lantai)
    with lantai.catalog.session() as db:
        assert {resolve(db, v).code for v in ("BGS", "bgs", "办公室", "校办", "ＢＧＳ")} == {"BGS"}
        with pytest.raises(UnknownDepartment) as caught:
            resolve(db, "教务处")
        assert "教务处" in caught.value.message_zh and "Unknown department" in caught.value.message_en
        with pytest.raises(DepartmentError):  # an alias may name one department only
            save_department(db, code="JWC", name="教务处", aliases=["校办"], actor=CLI)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("category_code", "文书", "WS"), ("category_code", "WS", "WS"), ("category_code", "文书档案", "WS"),
     ("retention", "永久", "Y"), ("retention", "permanent", "Y"), ("retention", "Y", "Y"),
     ("retention", "30年", "D30"), ("retention", "定期30年", "D30"), ("retention", "D30", "D30")],
)
def test_category_and_retention_aliases(field: str, value: str, code: str) -> None:
    assert normalize_value(field, value) == code


def _ingest(lantai: Lantai, tmp_path: Path, name: str, text: str, metadata: dict[str, str]) -> Record:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    submission = submit_file(lantai, path, metadata=metadata, dispatch=False, actor=CLI)
    assert submission.job_id is not None
    process_job(lantai, submission.job_id)
    with lantai.catalog.session() as db:
        record = db.get(Record, submission.record_id)
        assert record is not None
        db.expunge(record)
        return record


def test_a_manifest_naming_departments_by_name_gets_reference_codes(lantai: Lantai, tmp_path: Path) -> None:
    _departments(lantai)
    supplied = {"机构": "校办", "全宗号": "J001", "门类": "文书档案", "保管期限": "permanent", "日期": "2023-05-12"}
    good = _ingest(lantai, tmp_path, "a.txt", "关于 做好 招生 工作 的 通知", supplied)
    assert (good.department_code, good.department) == ("BGS", "办公室")
    assert good.reference_code == "J001-WS·2023-Y-BGS-0001"
    bad = _ingest(lantai, tmp_path, "b.txt", "另一份 文件",
                  {"机构": "办公室", "全宗号": "J001", "门类": "公文包", "保管期限": "D30", "日期": "2023-05-12"})
    assert bad.reference_code is None and bad.needs_review
    problems = " ".join(bad.extra["metadata_problems"])
    assert "公文包" in problems and "未知的门类" in problems and "Unknown category" in problems
    unknown = _ingest(lantai, tmp_path, "c.txt", "第三份 文件", {"机构": "教务处", "全宗号": "J001"})
    assert "未知的机构" in " ".join(unknown.extra["metadata_problems"])


def test_clerks_belong_to_one_department_and_assignment_is_audited(lantai: Lantai) -> None:
    _departments(lantai)
    with lantai.catalog.session() as db:
        clerk = User(username="li", password_hash="x", role="clerk", active=True, failed_logins=0)
        staff = User(username="wang", password_hash="x", role="archivist", active=True, failed_logins=0)
        db.add_all([clerk, staff])
        db.flush()
        assign_clerk(db, clerk, "校办", actor=CLI)
        assign_clerk(db, clerk, "CWC", actor=CLI)  # moved: still one department
        with pytest.raises(DepartmentError):
            assign_clerk(db, staff, "BGS", actor=CLI)
        from archive.departments import clerk_department

        department = clerk_department(db, clerk)
        assert department is not None and department.code == "CWC"
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "clerk_assign")).all()
        assert [json.loads(e.details)["code"] for e in events] == ["BGS", "CWC"]
