"""Issue 7's promise at the pipeline level: official documents ingested without a manifest come
out with 文号, date, issuing body, title, category and 档号 filled or queued for review."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from archive.catalog.description import ReviewItem
from archive.catalog.models import Record
from archive.description.records import confirm_review
from cli.main import main
from indexer.context import Lantai
from tests.describe.editors import ARCHIVIST

NOTICES = [
    ("长沙市教育局文件\n长教发〔2023〕12号\n关于做好2023年度学校档案归档工作的通知\n各区县（市）教育局：\n"
     "现就归档工作通知如下。\n长沙市教育局\n2023年5月12日\n"),
    ("长沙市教育局文件\n长教发[2023]15号\n关于开展校园安全检查的通知\n局属各学校：\n请于六月底前完成检查。\n"
     "长沙市教育局\n二〇二三年六月一日\n"),
]


def test_official_documents_are_described_and_numbered(lantai: Lantai, tmp_path: Path) -> None:
    folder = tmp_path / "公文"
    folder.mkdir()
    for n, text in enumerate(NOTICES):
        (folder / f"notice-{n}.txt").write_text(text, encoding="utf-8")
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir)}
    result = CliRunner().invoke(main, ["ingest", str(folder), "--inline", "--workers", "1", "--fonds", "J001",
                                       "--retention", "D30", "--department", "BGS"], env=env)
    assert result.exit_code == 0, result.output
    with lantai.catalog.session() as session:
        records = session.scalars(select(Record).order_by(Record.id)).all()
        first, second = records
        assert first.doc_number == "长教发〔2023〕12号" and second.doc_number == "长教发〔2023〕15号"
        assert str(first.date) == "2023-05-12" and str(second.date) == "2023-06-01"
        assert first.creator == "长沙市教育局"
        assert first.title == "关于做好2023年度学校档案归档工作的通知"
        # With no rule and no trained model, 门类 文书 is suggested for official documents and
        # queued for review; 档号 waits for it.
        queued = session.scalars(select(ReviewItem).where(ReviewItem.field == "category_code")).all()
        assert sorted((i.record_id, i.suggested_value) for i in queued) == [(first.id, "WS"), (second.id, "WS")]
        assert all(r.reference_code is None and r.needs_review for r in records)
        confirm_review(session, queued[0].id, ARCHIVIST, settings=lantai.settings)
        confirm_review(session, queued[1].id, ARCHIVIST, settings=lantai.settings)
    with lantai.catalog.session() as session:
        codes = sorted(r.reference_code for r in session.scalars(select(Record)))
        assert codes == ["J001-WS·2023-D30-BGS-0001", "J001-WS·2023-D30-BGS-0002"]
