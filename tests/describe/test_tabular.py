"""Import of descriptions (CSV / XLSX, Chinese or English headers), template and catalogue export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from pdfminer.high_level import extract_text
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.service import Actor
from archive.catalog.db import Catalog
from archive.catalog.models import Record
from archive.description.catalogue import HEADERS, export_catalogue
from archive.description.records import Editor
from archive.description.tabular import ImportFileError, import_table, template_bytes
from archive.vocabulary import RecordStatus
from config.settings import Settings
from tests.describe.editors import ARCHIVIST

ZH_HEADER = [
    "档号",
    "全宗号",
    "门类",
    "年度",
    "保管期限",
    "机构代码",
    "机构",
    "文号",
    "责任者",
    "题名",
    "日期",
    "密级",
    "开放标识",
    "页数",
    "备注",
]


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_csv_import_keeps_valid_rows_and_reports_bad_ones(catalog: Catalog, settings: Settings, tmp_path: Path) -> None:
    rows = [
        ZH_HEADER,
        [
            "J001-WS·2023-D30-BGS-0005",
            "J001",
            "文书",
            "2023",
            "定期30年",
            "BGS",
            "办公室",
            "长教发〔2023〕12号",
            "长沙市教育局",
            "关于招生工作的通知",
            "2023-05-12",
            "公开",
            "开放",
            "3",
            "",
        ],
        [
            "",
            "J001",
            "WS",
            "2023",
            "D30",
            "BGS",
            "办公室",
            "",
            "长沙市教育局",
            "关于表彰的决定",
            "2023年6月1日",
            "内部",
            "控制",
            "2",
            "新建条目",
        ],
        [
            "",
            "J001",
            "WS",
            "2023",
            "D30",
            "BGS",
            "",
            "",
            "长沙市教育局",
            "日期错误",
            "2023-13-45",
            "公开",
            "开放",
            "1",
            "",
        ],
        [
            "",
            "J001",
            "WS",
            "2023",
            "D30",
            "BGS",
            "",
            "",
            "长沙市教育局",
            "密级错误",
            "2023-05-01",
            "保密",
            "开放",
            "1",
            "",
        ],
        [
            "J001-WS·2023-D30-BGS-0005",
            "J001",
            "WS",
            "2023",
            "D30",
            "BGS",
            "",
            "",
            "x",
            "重复档号",
            "2023-05-01",
            "公开",
            "开放",
            "1",
            "",
        ],
        [
            "J001-WS·2022-D30-BGS-0001",
            "J001",
            "WS",
            "2023",
            "D30",
            "BGS",
            "",
            "",
            "x",
            "档号与年度不符",
            "2023-05-01",
            "公开",
            "开放",
            "1",
            "",
        ],
    ]
    path = _write_csv(tmp_path / "著录.csv", rows, encoding="gb18030")  # as Excel saves it in China
    with catalog.session() as session:
        result = import_table(session, path, settings, ARCHIVIST)
        assert len(result.created) == 2 and not result.updated
        assert [(e.row, e.column) for e in result.errors] == [(4, "日期"), (5, "密级"), (6, "档号"), (7, "档号")]
        assert "2023-13-45" in result.errors[0].message_en and "第 4 行" in str(result.errors[0])
        imported = session.get(Record, result.created[0])
        assert imported is not None
        assert (imported.reference_code, imported.item_number, imported.access_level) == (
            "J001-WS·2023-D30-BGS-0005",
            5,
            "open",
        )
        assert imported.extra["catalogue_only"] and imported.status == RecordStatus.DONE
        assert imported.extra["provenance"]["title"]["by"] == "archivist"
        created = session.get(Record, result.created[1])
        assert created is not None and created.date == dt.date(2023, 6, 1)
        # A complete row without 档号 is numbered after the imported 0005.
        assert created.reference_code == "J001-WS·2023-D30-BGS-0006" and created.access_level == "internal"
        assert any(c.field == "title" and c.new == "关于招生工作的通知" for c in result.changes)


def test_xlsx_import_with_english_headers_updates_existing_records(
    catalog: Catalog, settings: Settings, tmp_path: Path
) -> None:
    with catalog.session() as session:
        existing = Record(title="scan", status=RecordStatus.DONE, extra={}, reference_code="J001-WS·2023-D30-BGS-0001")
        other = Record(title="another", status=RecordStatus.DONE, extra={})
        session.add_all([existing, other])
        session.flush()
        ids = (existing.id, other.id)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["reference_code", "id", "title", "date", "classification", "openness", "subject_terms", "year"])
    sheet.append(
        ["J001-WS·2023-D30-BGS-0001", None, "更新后的题名", dt.datetime(2023, 5, 12), "公开", "开放", "招生", 2023]
    )
    sheet.append([None, ids[1], "第二件", "2023-01-02", "绝密", "控制", None, None])
    sheet.append([None, 999999, "不存在", None, None, None, None, None])
    sheet.append([None, ids[1], "年度错误", None, None, None, None, "二〇二三"])
    path = tmp_path / "update.xlsx"
    book.save(path)
    with catalog.session() as session:
        result = import_table(session, path, settings, ARCHIVIST)
        assert sorted(result.updated) == sorted(ids) and not result.created
        assert [(e.row, e.column) for e in result.errors] == [(4, "记录号"), (5, "年度")]
        first, second = session.get(Record, ids[0]), session.get(Record, ids[1])
        assert first is not None and second is not None
        assert first.title == "更新后的题名" and first.subject_terms == "招生" and first.access_level == "open"
        assert second.title == "第二件" and second.access_level == "secret"


def test_unreadable_files_are_refused_clearly(catalog: Catalog, settings: Settings, tmp_path: Path) -> None:
    with catalog.session() as session:
        with pytest.raises(ImportFileError, match=r"only \.csv and \.xlsx"):
            import_table(session, tmp_path / "x.ods", settings, ARCHIVIST)
        unknown = _write_csv(tmp_path / "x.csv", [["foo", "bar"], ["1", "2"]])
        with pytest.raises(ImportFileError, match="no known column"):
            import_table(session, unknown, settings, ARCHIVIST)
        broken = tmp_path / "broken.xlsx"
        broken.write_bytes(b"PK\x03\x04 not really a workbook")
        with pytest.raises(ImportFileError):
            import_table(session, broken, settings, ARCHIVIST)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_templates_open_and_import_back(catalog: Catalog, settings: Settings, tmp_path: Path, language: str) -> None:
    path = tmp_path / f"template_{language}.xlsx"
    path.write_bytes(template_bytes("xlsx", language))
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert ("题名" if language == "zh" else "title") in header
    csv_text = template_bytes("csv", language).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(csv_text))) == header
    with catalog.session() as session:  # the example row is a valid row
        result = import_table(session, path, settings, ARCHIVIST)
        assert len(result.created) == 1 and not result.errors


def _catalogue(session: Session) -> None:
    for item, (title, date) in enumerate(
        [("关于招生工作的通知", dt.date(2023, 5, 12)), ("关于表彰先进的决定", dt.date(2023, 6, 1))], 1
    ):
        session.add(
            Record(
                title=title,
                date=date,
                fonds_code="J001",
                category_code="WS",
                year=2023,
                retention="D30",
                department_code="BGS",
                item_number=item,
                reference_code=f"J001-WS·2023-D30-BGS-{item:04d}",
                doc_number=f"长教发〔2023〕{item}号",
                creator="长沙市教育局",
                classification="公开",
                page_count=3,
                status=RecordStatus.DONE,
                extra={},
            )
        )
    session.add(Record(title="另一年度", fonds_code="J001", year=2022, retention="D30", status="done", extra={}))


def test_catalogue_exports_as_xlsx_and_pdf(catalog: Catalog, tmp_path: Path) -> None:
    with catalog.session() as session:
        _catalogue(session)
    with catalog.session() as session:
        xlsx = export_catalogue(session, "J001", 2023, "D30", "xlsx")
        pdf = export_catalogue(session, "j001", 2023, None, "pdf")
    (tmp_path / "目录.xlsx").write_bytes(xlsx)
    sheet = openpyxl.load_workbook(tmp_path / "目录.xlsx").active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "归档文件目录" and "定期30年" in rows[1][0]
    assert rows[2] == list(HEADERS)
    assert rows[3][:6] == [
        1,
        "J001-WS·2023-D30-BGS-0001",
        "长教发〔2023〕1号",
        "长沙市教育局",
        "关于招生工作的通知",
        "20230512",
    ]
    assert len(rows) == 5  # the 2022 record is not in the 2023 catalogue
    (tmp_path / "目录.pdf").write_bytes(pdf)
    text = extract_text(str(tmp_path / "目录.pdf"))
    for expected in ("归档文件目录", "关于表彰先进的决定", "长沙市教育局", "J001-WS·2023-D30-BGS-0002", "档号"):
        assert expected in text.replace(" ", "").replace("\n", ""), expected


def test_an_empty_catalogue_still_exports(catalog: Catalog) -> None:
    with catalog.session() as session:
        assert export_catalogue(session, "J999", None, None, "pdf").startswith(b"%PDF")
        assert len(list(session.scalars(select(Record)))) == 0


def test_a_secret_record_is_reported_to_an_archivist_exactly_like_a_missing_one(
    catalog: Catalog, settings: Settings, tmp_path: Path
) -> None:
    """Finding 5a: ``id,classification,openness`` / ``15,公开,开放`` opened a secret record, and
    "记录号 999 不存在" versus "更新 1 条" told which secret ids exist."""
    with catalog.session() as session:
        secret = Record(title="涉密", status=RecordStatus.DONE, extra={}, access_level="secret",
                        classification="秘密", openness="控制", reference_code="J001-WS·2023-D30-BGS-0077")
        session.add(secret)
        session.flush()
        secret_id = secret.id
    missing_id = secret_id + 1000
    path = tmp_path / "open.csv"
    path.write_text(
        f"id,classification,openness,note\n{secret_id},公开,开放,改\n{missing_id},公开,开放,改\n", encoding="utf-8"
    )
    # An archivist as the portal and the CLI make one: every record but the secret ones.
    archivist = Editor(Actor(None, "archivist", "archivist"), lambda record: record.access_level != "secret")
    with catalog.session() as session:
        result = import_table(session, path, settings, archivist)
        assert not result.updated and not result.changes
        hidden, absent = (e for e in result.errors)
        for half in ("message_zh", "message_en"):
            shown = getattr(hidden, half).replace(str(secret_id), "N")
            assert shown == getattr(absent, half).replace(str(missing_id), "N")
        record = session.get(Record, secret_id)
        assert record is not None and record.access_level == "secret" and record.note != "改"
