"""Describing records in the catalog: fill empty fields, review queue, rules, classifier, batch edits."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.db import Catalog
from archive.catalog.description import ReviewItem
from archive.catalog.models import OriginalFile, Page, Record
from archive.description.records import batch_update, confirm_review, reject_review, settle
from archive.description.review import list_review_items, queue_suggestion
from archive.description.schema import DescriptionError
from archive.vocabulary import PageSource, RecordStatus
from config.errors import InputError, NotFoundError
from config.settings import Settings
from indexer.describe.classify import (
    RuleError,
    create_rule,
    delete_rule,
    list_rules,
    load_classifier,
    model_path,
    train_classifier,
    update_rule,
)
from indexer.describe.service import describe_record
from tests.describe.editors import ARCHIVIST, staff
from tests.describe.generator import generate_documents
from tests.describe.test_extract import NOTICE


def _record(session: Session, text: str, **fields: object) -> Record:
    record = Record(status=RecordStatus.DONE, extra={}, **fields)
    record.pages.append(Page(number=1, text=text, source=PageSource.TEXT_LAYER))
    session.add(record)
    session.flush()
    return record


def test_a_notice_comes_out_described_numbered_and_flagged(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        create_rule(
            session,
            actor=ARCHIVIST.actor,
            name="教育局发文",
            issuing_body="教育局",
            category_code="WS",
            department_code="BGS",
            department="办公室",
            retention="D30",
        )
        record = _record(session, NOTICE, fonds_code="J001")
        revision = record.revision
        outcome = describe_record(session, record, settings)
        assert record.doc_number == "长教发〔2023〕12号"
        assert record.date is not None and record.date.isoformat() == "2023-05-12"
        assert record.year == 2023
        assert record.creator == "长沙市教育局"
        assert record.title == "关于做好2023年中小学招生入学工作的通知"
        assert (record.category_code, record.department_code, record.retention) == ("WS", "BGS", "D30")
        assert record.reference_code == outcome.reference_code == "J001-WS·2023-D30-BGS-0001"
        assert record.classification == "机密" and record.access_level == "secret"
        assert record.extra["urgency"] == "特急"
        # 此件公开发布 is only a hint: 开放标识 waits for a person, and the record is flagged.
        assert outcome.queued == ["openness"] and record.openness is None
        assert record.needs_review and record.extra["review"]["missing"] == ["openness"]
        provenance = record.extra["provenance"]
        assert provenance["fonds_code"]["by"] == "person"
        assert provenance["doc_number"]["by"] == "machine" and provenance["doc_number"]["confidence"] >= 0.8
        assert provenance["category_code"]["source"].startswith("rule:")
        assert record.revision > revision


def test_what_a_person_entered_is_never_overwritten(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        record = _record(session, NOTICE, title="招生工作通知（人工著录）", creator="长沙市教育局办公室")
        outcome = describe_record(session, record, settings)
        assert record.title == "招生工作通知（人工著录）"
        assert record.creator == "长沙市教育局办公室"
        assert "title" not in outcome.filled and "creator" not in outcome.filled
        assert record.extra["provenance"]["title"]["by"] == "person"
        describe_record(session, record, settings)  # running again changes nothing a person set
        assert record.title == "招生工作通知（人工著录）"


def test_a_title_guessed_from_the_file_name_is_replaced(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        record = _record(session, NOTICE, title="scan_0001")
        record.files.append(
            OriginalFile(
                sha256="a" * 64, size=1, mime_type="application/pdf", original_filename="scan_0001.pdf", storage_key="k"
            )
        )
        describe_record(session, record, settings)
        assert record.title == "关于做好2023年中小学招生入学工作的通知"


def test_review_queue_confirm_correct_and_reject(catalog: Catalog, settings: Settings) -> None:
    text = (
        "关于开展校园安全检查的通知\n各中小学校：\n根据湘教发〔2022〕5号文件精神，现通知如下。\n"
        "长沙市第一中学\n2023年3月1日\n（此件公开发布）"
    )
    with catalog.session() as session:
        record = _record(session, text)
        outcome = describe_record(session, record, settings)
        assert set(outcome.queued) == {"doc_number", "openness"}
        assert record.doc_number is None  # a cited number is not this document's own
        items = {i.field: i for i in list_review_items(session, record_id=record.id)}
        assert items["doc_number"].suggested_value == "湘教发〔2022〕5号" and items["doc_number"].confidence < 0.8
        change = confirm_review(session, items["openness"].id, ARCHIVIST, settings=settings)
        assert (change.field, change.new, change.user) == ("openness", "开放", "archivist")
        assert record.openness == "开放" and record.extra["provenance"]["openness"]["by"] == "archivist"
        rejected = reject_review(session, items["doc_number"].id, ARCHIVIST)
        assert rejected.status == "rejected" and record.doc_number is None
        with pytest.raises(InputError, match="already"):
            confirm_review(session, items["doc_number"].id, staff("someone"))
        again = describe_record(session, record, settings)  # a rejected value is not suggested again
        assert "doc_number" not in again.queued
        assert not list_review_items(session, record_id=record.id)
        assert record.extra["review"]["pending"] == []


def test_a_corrected_review_value_is_checked_and_kept(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        record = _record(session, "正文")
        item = queue_suggestion(session, record, "date", "2023-05-12", 0.5, "test")
        assert item is not None
        with pytest.raises(DescriptionError):
            confirm_review(session, item.id, ARCHIVIST, "五月")
        change = confirm_review(session, item.id, ARCHIVIST, "2023-05-13")
        assert change.new == "2023-05-13" and record.year == 2023
        assert session.get(ReviewItem, item.id).status == "corrected"  # type: ignore[union-attr]


def test_a_pending_secret_classification_keeps_the_record_secret(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        record = _record(session, "正文", access_level="open")
        queue_suggestion(session, record, "classification", "绝密", 0.5, "test")
        settle(session, record, settings, ARCHIVIST, via="test")
        assert record.access_level == "secret"


def test_batch_update_returns_each_change_and_checks_values_first(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        first = _record(session, "正文", classification="公开")
        second = _record(session, "正文", classification="公开", openness="开放")
        revisions = (first.revision, second.revision)
        values = {"openness": "开放", "retention": "永久"}
        changes = batch_update(session, [first.id, second.id], values, ARCHIVIST, settings=None)
        assert sorted((c.record_id, c.field, c.new) for c in changes) == sorted(
            [(first.id, "openness", "开放"), (first.id, "retention", "Y"), (second.id, "retention", "Y")]
        )
        assert first.access_level == "open" and first.revision > revisions[0] and second.revision > revisions[1]
        assert first.extra["provenance"]["retention"]["by"] == "archivist"
        with pytest.raises(DescriptionError):
            batch_update(session, [first.id], {"note": "x", "classification": "保密"}, ARCHIVIST, settings=None)
        assert first.note is None
        with pytest.raises(InputError):
            batch_update(session, [first.id], {"reference_code": "J001-WS·2023-D30-BGS-0001"}, ARCHIVIST, settings=None)
        with pytest.raises(NotFoundError):
            batch_update(session, [first.id, 999_999], {"note": "x"}, ARCHIVIST, settings=None)
        assert first.note is None


def test_rules_crud_order_and_checks(catalog: Catalog, settings: Settings) -> None:
    with catalog.session() as session:
        who = ARCHIVIST.actor
        low = create_rule(session, actor=who, keywords="预算，决算", category_code="会计", retention="D30", priority=1)
        high = create_rule(
            session, actor=who, pattern=r"财政局.*预算", category_code="KJ", department_code="CWC", priority=5
        )
        assert [r.id for r in list_rules(session)] == [high.id, low.id]
        assert low.category_code == "KJ" and low.name
        with pytest.raises(RuleError, match="regular expression"):
            create_rule(session, actor=ARCHIVIST.actor, pattern="([", category_code="WS")
        with pytest.raises(RuleError):
            create_rule(session, actor=ARCHIVIST.actor, keywords="x")  # assigns nothing
        record = _record(session, "长沙市财政局文件\n关于下达2023年部门预算的通知\n各单位：\n正文")
        describe_record(session, record, settings)
        assert (record.category_code, record.department_code, record.retention) == ("KJ", "CWC", None)
        update_rule(session, high.id, actor=ARCHIVIST.actor, enabled=False)
        other = _record(session, "关于下达2023年部门预算的通知\n各单位：\n正文")
        describe_record(session, other, settings)
        assert (other.category_code, other.retention) == ("KJ", "D30")
        delete_rule(session, low.id, actor=ARCHIVIST.actor)
        assert [r.id for r in list_rules(session)] == [high.id]
        assert list_rules(session, enabled_only=True) == []


def test_the_classifier_learns_from_confirmed_records(catalog: Catalog, settings: Settings) -> None:
    documents = generate_documents(60, seed=11)
    with catalog.session() as session:
        for document in documents[:50]:
            _record(
                session,
                document.text,
                category_code=document.category_code,
                department_code=document.department_code,
                department=document.department,
            )
        classifier = train_classifier(session, settings)
        assert model_path(settings).exists() and classifier.samples == 50
        loaded = load_classifier(settings)
        assert loaded is not None
        right = 0
        for document in documents[50:]:
            record = _record(session, document.text)
            outcome = describe_record(session, record, settings, classifier=loaded)
            queued = {
                i.field: i.suggested_value
                for i in session.scalars(select(ReviewItem).where(ReviewItem.record_id == record.id))
            }
            category = record.category_code or queued.get("category_code")
            right += category == document.category_code
            assert "category_code" in outcome.filled or "category_code" in queued
        assert right >= 8


def test_a_damaged_model_file_does_not_stop_description(catalog: Catalog, settings: Settings) -> None:
    model_path(settings).parent.mkdir(parents=True, exist_ok=True)
    model_path(settings).write_bytes(b"not a model")
    with catalog.session() as session:
        record = _record(session, NOTICE)
        outcome = describe_record(session, record, settings)
        assert record.doc_number == "长教发〔2023〕12号"
        assert any("lantai describe train" in error for error in outcome.errors)
