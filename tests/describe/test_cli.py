"""``lantai describe``: template, import, export, apply and train from the command line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner

from archive.catalog.models import Page, Record
from archive.vocabulary import PageSource, RecordStatus
from cli.main import main
from indexer.context import Lantai
from indexer.describe.classify import model_path
from tests.describe.generator import generate_documents
from tests.describe.test_extract import NOTICE


def test_template_import_and_export_round_trip(lantai: Lantai, tmp_path: Path) -> None:
    runner = CliRunner()
    template = tmp_path / "template.xlsx"
    result = runner.invoke(main, ["describe", "template", "-o", str(template), "--language", "en"], obj=lantai)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(template)
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "",
            "J001",
            "WS",
            2023,
            "D30",
            "BGS",
            "办公室",
            "",
            "长教发〔2023〕13号",
            "长沙市教育局",
            "关于第二件事的通知",
            "2023-06-01",
            "公开",
            "开放",
            2,
            "",
            "纸质",
            "",
            "",
        ]
    )
    sheet.append(["", "J001", "WS", 2023, "D99", "BGS", "", "", "", "", "保管期限错误", "", "", "", "", "", "", "", ""])
    book.save(template)
    result = runner.invoke(main, ["describe", "import", str(template), "--user", "archivist"], obj=lantai)
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output and "1 rows with errors" in result.output
    assert "第 4 行" in result.output and "D99" in result.output
    output = tmp_path / "catalogue.xlsx"
    result = runner.invoke(
        main,
        ["describe", "export", "--fonds", "J001", "--year", "2023", "--retention", "D30", "-o", str(output)],
        obj=lantai,
    )
    assert result.exit_code == 0, result.output
    exported = openpyxl.load_workbook(output).active
    assert exported is not None
    codes = [row[1].value for row in exported.iter_rows(min_row=4)]
    assert codes == ["J001-WS·2023-D30-BGS-0001", "J001-WS·2023-D30-BGS-0002"]
    result = runner.invoke(
        main, ["describe", "export", "--fonds", "J001", "--format", "pdf", "-o", str(tmp_path / "c.pdf")], obj=lantai
    )
    assert result.exit_code == 0 and (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_a_bad_export_format_is_a_clear_error(lantai: Lantai, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["describe", "export", "--fonds", "J001", "-o", str(tmp_path / "c.docx")], obj=lantai
    )
    assert result.exit_code == 2 and "xlsx or pdf" in result.output


def test_apply_and_train(lantai: Lantai) -> None:
    runner = CliRunner()
    with lantai.catalog.session() as session:
        record = Record(
            status=RecordStatus.DONE,
            extra={},
            fonds_code="J001",
            category_code="WS",
            retention="D30",
            department_code="BGS",
        )
        record.pages.append(Page(number=1, text=NOTICE, source=PageSource.TEXT_LAYER))
        session.add(record)
        for document in generate_documents(30, seed=5):
            confirmed = Record(
                status=RecordStatus.DONE,
                extra={},
                category_code=document.category_code,
                department_code=document.department_code,
                department=document.department,
            )
            confirmed.pages.append(Page(number=1, text=document.text, source=PageSource.TEXT_LAYER))
            session.add(confirmed)
        session.flush()
        record_id = record.id
    result = runner.invoke(main, ["describe", "apply", str(record_id)], obj=lantai)
    assert result.exit_code == 0, result.output
    assert "1 with 档号" in result.output
    with lantai.catalog.session() as session:
        described = session.get(Record, record_id)
        assert described is not None and described.reference_code == "J001-WS·2023-D30-BGS-0001"
    result = runner.invoke(main, ["describe", "train"], obj=lantai)
    assert result.exit_code == 0, result.output
    assert "category" in result.output and model_path(lantai.settings).exists()
    result = runner.invoke(main, ["describe", "apply", "--all", "5"], obj=lantai)
    assert result.exit_code == 2
