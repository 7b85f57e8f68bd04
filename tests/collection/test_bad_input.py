"""Bad input, each a clear Chinese and English error on its own row, nothing else lost: a manifest
(CLI) or API upload with an unknown 机构, 门类 or 保管期限; a catalogue import naming an unknown 机构;
a schedule import with unknown codes; a transfer list with an unknown 保管期限 through the API."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.collection import ScheduleLine, Transfer
from archive.catalog.models import Record
from archive.departments import assign_clerk, save_department
from cli.main import main
from collection.tasks import add_task
from tests.collection.docs import pdf_file, transfer_list
from tests.portal.conftest import LantaiRunner, add_user
from tests.portal.test_api import token_for


def _departments(app: Flask) -> None:
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", aliases=["校办"], actor=CLI)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_manifest_rows_with_unknown_values_are_named_and_kept(runner: LantaiRunner, tmp_path: Path) -> None:
    _departments(runner.app)
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"{name}.txt").write_text(f"{name} 关于 工作 的 通知", encoding="utf-8")
    manifest = _csv(tmp_path / "清单.csv", ["文件", "机构", "全宗号", "门类", "保管期限", "日期"], [
        ["a.txt", "校办", "J001", "文书", "永久", "2024-01-05"],
        ["b.txt", "教务处", "J001", "文书", "永久", "2024-01-05"],
        ["c.txt", "办公室", "J001", "公文包", "永久", "2024-01-05"],
        ["d.txt", "办公室", "J001", "文书", "一百年", "2024-01-05"],
    ])
    settings = runner.app.extensions["lantai"].settings
    env = {"LANTAI_DATA_DIR": str(settings.data_dir), "LANTAI_DATABASE_URL": settings.catalog_url}
    result = CliRunner().invoke(main, ["ingest", "--manifest", str(manifest), "--inline", "--workers", "1"], env=env)
    out = result.output
    assert "清单第 3 行（b.txt）：未知的机构" in out and "manifest row 3 (b.txt): unknown department" in out
    assert "清单第 4 行（c.txt）" in result.output and "公文包" in result.output
    assert "manifest row 5 (d.txt)" in result.output and "一百年" in result.output
    assert "第 2 行" not in result.output
    with runner.app.extensions["lantai"].catalog.session() as db:
        records = {r.title: r for r in db.scalars(select(Record))}
        assert len(records) == 4  # every file kept; the bad rows flagged for review
        assert [r.reference_code for r in records.values() if r.reference_code] == ["J001-WS·2024-Y-BGS-0001"]
        assert sum(1 for r in records.values() if r.needs_review) >= 3


def test_api_upload_names_unusable_values(app: Flask, client: FlaskClient) -> None:
    _departments(app)
    headers = token_for(app, "archivist")
    data = {"file": (io.BytesIO("关于 招生 的 通知".encode()), "a.txt"), "机构": "教务处", "门类": "公文包",
            "保管期限": "一百年"}
    response = client.post("/api/v1/documents", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 202
    problems = response.get_json()["problems"]
    assert len(problems) == 3 and all(p["zh"] and p["en"] for p in problems)
    joined = " ".join(p["zh"] + p["en"] for p in problems)
    assert "教务处" in joined and "未知的机构" in joined and "unknown department" in joined
    assert "公文包" in joined and "一百年" in joined
    good = {"file": (io.BytesIO(b"plain"), "b.txt"), "机构": "校办", "门类": "WS", "保管期限": "D30"}
    ok = client.post("/api/v1/documents", data=good, headers=headers, content_type="multipart/form-data")
    assert ok.status_code == 202 and ok.get_json()["problems"] == []


def test_catalogue_import_rejects_an_unknown_department_on_its_row(runner: LantaiRunner, tmp_path: Path) -> None:
    _departments(runner.app)
    table = _csv(tmp_path / "目录.csv", ["全宗号", "门类", "年度", "保管期限", "机构", "题名"], [
        ["J001", "文书", "2023", "永久", "校办", "好的一行"],
        ["J001", "文书", "2023", "永久", "教务处", "机构不明的一行"],
        ["J001", "文书", "2023", "百年", "办公室", "期限不明的一行"],
    ])
    result = runner.invoke(["describe", "import", str(table)])
    out = result.output
    assert "第 3 行「机构」" in out and "未知的机构" in out and "Unknown department" in out
    assert "第 4 行「保管期限」" in result.output and "百年" in result.output
    assert "1 created" in result.output
    with runner.app.extensions["lantai"].catalog.session() as db:
        assert list(db.scalars(select(Record.title))) == ["好的一行"]


def test_schedule_import_with_unknown_codes_names_rows(runner: LantaiRunner, tmp_path: Path) -> None:
    _departments(runner.app)
    assert runner.invoke(["collect", "schedule", "load", "school"]).exit_code == 0
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["机构", "文件材料名称", "关键词", "门类", "保管期限", "归档时间规则"])
    sheet.append(["全部", "会议纪要", "纪要", "文书", "永久", "每年"])
    sheet.append(["全部", "照片", "照片", "XX", "永久", "每年"])
    sheet.append(["教务处", "课表", "课表", "文书", "Z9", "每年"])
    path = tmp_path / "表.xlsx"
    book.save(path)
    result = runner.invoke(["collect", "schedule", "import", str(path), "--name", "school"])
    assert result.exit_code == 2
    assert "第 3 行" in result.output and "row 3" in result.output and "XX" in result.output
    assert "第 4 行" in result.output and "row 4" in result.output and "教务处" in result.output
    with runner.app.extensions["lantai"].catalog.session() as db:  # the schedule in place is unchanged
        names = list(db.scalars(select(ScheduleLine.name).where(ScheduleLine.active)))
        assert len(names) == 11 and "会议纪要" not in names


def test_api_transfer_list_with_an_unknown_retention_names_the_row(app: Flask, client: FlaskClient,
                                                                   tmp_path: Path) -> None:
    _departments(app)
    add_user(app, "li", "clerk-password-1", "clerk", email="li@example.org")
    with app.extensions["lantai"].catalog.session() as db:
        assign_clerk(db, db.scalars(select(User).where(User.username == "li")).one(), "BGS", actor=CLI)
        task_id = add_task(db, department="BGS", title="校庆", due=__import__("datetime").date(2099, 1, 31),
                           actor=CLI).id
    pdf = pdf_file(tmp_path / "a.pdf", ["校庆 通知"])
    listing = transfer_list(tmp_path / "list.csv", [{"序号": 1, "文件": "a.pdf", "题名": "校庆通知", "页数": 1,
                                                    "保管期限": "一百年"}])
    data = {"files": (pdf.open("rb"), "a.pdf"), "list": (listing.open("rb"), "list.csv")}
    response = client.post(f"/api/v1/collection/tasks/{task_id}/transfers", data=data, headers=token_for(app, "li"),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "清册第 2 行" in error["message_zh"] and "list row 2" in error["message_en"]
    assert "一百年" in error["message_zh"]
    with app.extensions["lantai"].catalog.session() as db:  # nothing received
        assert db.scalar(select(func.count(Transfer.id))) == 0


def test_api_reads_the_schedule(app: Flask, client: FlaskClient) -> None:
    _departments(app)
    with app.extensions["lantai"].catalog.session() as db:
        from collection.schedules import load_starter

        load_starter(db, "government", actor=CLI)
    lines = client.get("/api/v1/collection/schedule", headers=token_for(app, "archivist")).get_json()["lines"]
    assert len(lines) == 12 and {"name", "category_code", "retention", "rule"} <= set(lines[0])
    assert client.get("/api/v1/collection/schedule").status_code == 401
