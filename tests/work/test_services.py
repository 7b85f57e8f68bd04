"""Withdrawing a record and correcting a page's text, through their one service each."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from archive.access import Clearance, can_view_metadata
from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Page, Record
from archive.description.pagetext import TextCorrectionError, correct_page_text, text_versions
from archive.description.withdrawal import WithdrawalError, restore_record, withdraw_record
from indexer.search.base import SearchRequest
from tests.describe.editors import staff
from tests.portal.sample_records import add_record

EVERYTHING = Clearance(frozenset({"open", "internal", "restricted"}))
PAGES = [["关于 做好 2023年 招生工作 的 通知"], ["联系人 王老师"]]


def _hits(app: Flask, query: str) -> list[int]:
    response = app.extensions["lantai"].search.search(SearchRequest(clearance=EVERYTHING, query=query))
    return [hit.id for hit in response.hits]


def test_withdrawn_record_leaves_search_and_is_hidden_from_all_but_staff(app: Flask) -> None:
    rec = add_record(app, PAGES)
    assert _hits(app, "招生") == [rec.id]
    with app.extensions["lantai"].catalog.session() as db:
        withdraw_record(db, rec.id, "含个人信息，待复核", staff("王档案员"))
    assert _hits(app, "招生") == []
    with app.extensions["lantai"].catalog.session() as db:
        record = db.get(Record, rec.id)
        assert record is not None and record.withdrawn_by == "王档案员"
        assert record.withdrawn_reason == "含个人信息，待复核"
        users = {u.role: u for u in db.scalars(select(User))}
        assert not can_view_metadata(None, record, db, public_search=True)
        assert not can_view_metadata(users["researcher"], record, db, public_search=True)
        assert can_view_metadata(users["archivist"], record, db, public_search=True)
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "record_withdraw")).one()
        assert event.record_id == rec.id and json.loads(event.details)["reason"] == "含个人信息，待复核"
    with app.extensions["lantai"].catalog.session() as db:
        restore_record(db, rec.id, staff("王档案员"))
    assert _hits(app, "招生") == [rec.id]


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawal_needs_a_reason_and_changes_nothing_without_one(app: Flask, reason: str) -> None:
    rec = add_record(app, PAGES)
    with app.extensions["lantai"].catalog.session() as db, pytest.raises(WithdrawalError) as caught:
        withdraw_record(db, rec.id, reason, staff("a"))
    assert caught.value.message_zh == "请填写撤下档案的原因"
    assert caught.value.message_en == "Give a reason for withdrawing the record"
    assert _hits(app, "招生") == [rec.id]


def test_correction_is_a_new_version_the_ocr_text_is_kept_and_the_index_follows(app: Flask) -> None:
    rec = add_record(app, PAGES)
    assert _hits(app, "王老师") == [rec.id]
    with app.extensions["lantai"].catalog.session() as db:
        correct_page_text(db, rec.id, 2, "联系人 李老师", staff("李校对"))
    assert _hits(app, "王老师") == [] and _hits(app, "李老师") == [rec.id]
    with app.extensions["lantai"].catalog.session() as db:
        correct_page_text(db, rec.id, 2, "联系人：李老师", staff("张校对"))
        page = db.scalars(select(Page).where(Page.record_id == rec.id, Page.number == 2)).one()
        versions = text_versions(db, page.id)
        assert [(v.version, v.text, v.source, v.created_by) for v in versions] == [
            (1, "联系人 王老师", "ocr", None),
            (2, "联系人 李老师", "correction", "李校对"),
            (3, "联系人：李老师", "correction", "张校对"),
        ]
        assert page.text == "联系人：李老师"
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "text_correct")).all()
        assert [json.loads(e.details)["version"] for e in events] == [2, 3]


def test_unchanged_correction_is_refused_in_both_languages(app: Flask) -> None:
    rec = add_record(app, PAGES)
    with app.extensions["lantai"].catalog.session() as db, pytest.raises(TextCorrectionError) as caught:
        correct_page_text(db, rec.id, 2, "联系人 王老师", staff("a"))
    assert (caught.value.message_zh, caught.value.message_en) == ("文本没有修改", "The text is unchanged")


def test_a_batch_of_one_record_is_audited_as_a_single_edit(app: Flask) -> None:
    from archive.description.records import batch_update

    one, two, three = (add_record(app, PAGES).id for _ in range(3))
    with app.extensions["lantai"].catalog.session() as db:
        batch_update(db, [one], {"note": "单件修改"}, staff("a"), settings=None)
        batch_update(db, [two, three], {"note": "批量修改"}, staff("a"), settings=None)
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "metadata_edit")).all()
        via = {(e.record_id, json.loads(e.details)["via"]) for e in events}
    assert via == {(one, "form"), (two, "batch"), (three, "batch")}
