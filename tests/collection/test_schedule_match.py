"""Schedule matching at description time: a record ingested (and so described) is matched to its
department's filing-schedule line, which proposes its 门类 and 保管期限 like any machine
suggestion; a person's value is never overwritten."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.description import ReviewItem
from archive.catalog.models import Record
from archive.departments import Directory, save_department
from archive.description.provenance import provenance
from collection.schedules import check_lines, load_starter, replace_schedule
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.process import process_job


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


def test_a_described_record_gets_its_schedule_lines_category_and_retention(lantai: Lantai, tmp_path: Path) -> None:
    with lantai.catalog.session() as db:
        save_department(db, code="BGS", name="办公室", aliases=["校办"], actor=CLI)
        save_department(db, code="CWC", name="财务处", actor=CLI)
        load_starter(db, "school", actor=CLI)
        # 财务处's own line: its minutes are kept 10 years (a department's line comes before the general one).
        own = check_lines([(1, {"department": "财务处", "name": "财务处会议纪要", "keywords": "会议纪要",
                                "category": "文书", "retention": "D10", "rule": "yearly"})], Directory.load(db))
        replace_schedule(db, "cwc", own, actor=CLI, how="test")
    fonds = {"全宗号": "J001", "日期": "2024-03-01"}
    minutes = _ingest(lantai, tmp_path, "a.txt", "2024年第3次校务会 会议纪要", {"机构": "校办", **fonds})
    assert (minutes.category_code, minutes.retention) == ("WS", "Y")
    assert minutes.reference_code == "J001-WS·2024-Y-BGS-0001"
    assert provenance(minutes)["retention"]["source"].startswith("schedule:")
    theirs = _ingest(lantai, tmp_path, "b.txt", "财务处 会议纪要", {"机构": "财务处", **fonds})
    assert (theirs.category_code, theirs.retention) == ("WS", "D10")
    photo = _ingest(lantai, tmp_path, "c.txt", "秋季运动会 合影 说明", {"机构": "BGS", **fonds})
    assert (photo.category_code, photo.retention) == ("ZP", "Y")
    # A person's 保管期限 stays; the schedule only fills what is empty.
    kept = _ingest(lantai, tmp_path, "d.txt", "校务会 会议纪要", {"机构": "BGS", "保管期限": "D30", **fonds})
    assert (kept.category_code, kept.retention) == ("WS", "D30")
    # No keyword, 门类 known: the 文书 lines of the school schedule disagree on retention, so a person
    # chooses in the review queue.
    plain = _ingest(lantai, tmp_path, "e.txt", "一份 其他 材料", {"机构": "BGS", "门类": "文书", **fonds})
    assert plain.retention is None
    with lantai.catalog.session() as db:
        queued = db.scalars(select(ReviewItem).where(ReviewItem.record_id == plain.id)).all()
        assert [(i.field, i.suggested_value, i.source.startswith("schedule:")) for i in queued] == [
            ("retention", "Y", True)]


def test_a_persons_edit_gets_the_schedule_proposal_in_the_review_queue(lantai: Lantai) -> None:
    from archive.audit.service import Actor
    from archive.description.records import Editor, edit_record, everything

    archivist = Editor(Actor(None, "archivist", "archivist"), everything)
    with lantai.catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        load_starter(db, "school", actor=CLI)
        record = Record(title="一份 材料", status="done", extra={}, page_count=0)
        db.add(record)
        db.flush()
        record_id = record.id
        edit_record(db, record_id, {"department": "办公室", "category_code": "照片"}, archivist,
                    settings=lantai.settings)
    with lantai.catalog.session() as db:
        found = db.get(Record, record_id)
        assert found is not None and found.retention is None and found.needs_review  # proposed, not set
        items = db.scalars(select(ReviewItem).where(ReviewItem.record_id == record_id)).all()
        assert [(i.field, i.suggested_value) for i in items] == [("retention", "Y")]
