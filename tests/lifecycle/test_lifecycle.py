"""Appraisal, opening and disposal on a generated archive of 1990–2024 with a fixed clock.

In 2025: the due lists are exactly the expected ones; an opening review run end to end makes the
opened records, and nothing else, visible to an anonymous visitor; a deferred record returns after
its period; a destruction run end to end removes exactly the approved originals from disk, leaves
tombstones and a verifying audit chain, and a legal hold stops it. Every bad input is refused with
a message in both languages and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from archive.access import can_view_metadata, clearance_for
from archive.audit.service import Actor
from archive.audit.verify import verify_chain
from archive.catalog.audit import AuditEvent
from archive.catalog.lifecycle import Tombstone
from archive.catalog.models import OriginalFile, Record
from config.errors import InputError
from indexer.context import Lantai, set_current
from indexer.search.base import SearchRequest
from lifecycle import appraisal, destruction, holds, opening
from lifecycle.due import DueFilter, disposal_due, due_counts, grouped, opening_due
from lifecycle.errors import LifecycleRefused, NotYourSignature
from lifecycle.register import destruction_register, register_pdf, register_xlsx
from tests.conftest import make_settings
from tests.lifecycle.archive import KINDS, YEARS, add_record, generate, user
from tests.lifecycle.conftest import World
from tests.search.conftest import EVERY_LEVEL

ARCHIVIST = Actor(None, "archivist", "archivist")


def _ids(records: list[Record]) -> set[int]:
    return {r.id for r in records}


def test_due_lists_for_2025_are_exactly_the_expected_ones(world: World) -> None:
    lantai, ids, clock = world
    with lantai.catalog.session() as session:
        disposal = disposal_due(session, clock.now())
        opening_list = opening_due(session, clock.now(), lantai.settings)
        counts = due_counts(session, clock.now(), lantai.settings)
        by_year = grouped(opening_list, "year")
        only_2014 = disposal_due(session, clock.now(), DueFilter(year=2014))
        other_department = disposal_due(session, clock.now(), DueFilter(department="CWC"))
    # A D10 record of 2014 is due in 2025, of 2015 not; D30 of 1994 yes, of 1995 not; 永久 never.
    expected_disposal = {ids[(y, "internal-D10")] for y in YEARS if y <= 2014}
    expected_disposal |= {ids[(y, k)] for y in YEARS if y <= 1994 for k in ("internal-D30", "controlled-D30")}
    assert _ids(disposal) == expected_disposal and len(disposal) == 25 + 10
    assert all(r.retention != "Y" for r in disposal)
    # 25 years: records up to 1999, not open yet; 控制 and 秘密 excluded until a person reviews them.
    assert _ids(opening_list) == {ids[(y, k)] for y in range(1990, 2000)
                                  for k in ("internal-Y", "internal-D30", "internal-D10")}
    assert by_year == {str(y): 3 for y in range(1990, 2000)}
    assert (counts.disposal, counts.opening) == (35, 30)
    assert _ids(only_2014) == {ids[(2014, "internal-D10")]} and other_department == []
    # A year later one more year of each is due.
    with lantai.catalog.session() as session:
        later = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
        assert len(disposal_due(session, later)) == 35 + 1 + 2
        assert len(opening_due(session, later, lantai.settings)) == 33


def test_opening_age_is_a_setting(tmp_path: Path) -> None:
    lantai = Lantai(make_settings(tmp_path / "var", opening_age_years="30"))
    lantai.catalog.upgrade()
    set_current(lantai)
    try:
        ids = generate(lantai)
        with lantai.catalog.session() as session:
            due = opening_due(session, dt.datetime(2025, 6, 1, tzinfo=dt.UTC), lantai.settings)
        assert _ids(due) == {ids[(y, k)] for y in range(1990, 1995)
                             for k in ("internal-Y", "internal-D30", "internal-D10")}
    finally:
        set_current(None)
        lantai.close()


def test_opening_review_end_to_end(world: World) -> None:
    lantai, ids, clock = world
    to_open = [ids[(y, "internal-Y")] for y in range(1990, 1995)]
    keep = [ids[(1995, "internal-Y")]]
    defer = [ids[(1996, "internal-Y")]]
    no_clerk = add_record(lantai, 1990, KINDS[0], department="JWC")  # 教务处 has no clerk to sign
    with lantai.catalog.session() as session:
        opened = opening.propose(session, to_open, "开放", "内容不涉及个人隐私和国家秘密", actor=ARCHIVIST,
                                 now=clock.now())
        kept = opening.propose(session, keep, "controlled", "涉及个人信息", actor=ARCHIVIST, now=clock.now())
        deferred = opening.propose(session, defer, "defer", "待形成部门核实", actor=ARCHIVIST, now=clock.now(),
                                   defer_years=2)
        proposals = [p.id for p in opened + kept + deferred]
        # A record already under review cannot be proposed again; a secret one must be declassified.
        with pytest.raises(LifecycleRefused, match="已在审核中"):
            opening.propose(session, keep, "open", "再提", actor=ARCHIVIST, now=clock.now())
        with pytest.raises(LifecycleRefused, match="须先解密"):
            opening.propose(session, [ids[(1990, "secret-Y")]], "open", "x", actor=ARCHIVIST, now=clock.now())
        with pytest.raises(LifecycleRefused, match="没有兼职档案员会签"):
            opening.propose(session, [no_clerk], "open", "x", actor=ARCHIVIST, now=clock.now())
        with pytest.raises(InputError, match="理由"):
            opening.propose(session, [ids[(1997, "internal-Y")]], "open", " ", actor=ARCHIVIST, now=clock.now())
    with lantai.catalog.session() as session:
        assert len(opening_due(session, clock.now(), lantai.settings)) == 31 - 7
    anonymous = clearance_for(None, None, public_search=True)  # type: ignore[arg-type]
    hits = lantai.search.search(SearchRequest(query="档案", clearance=anonymous, limit=200))
    assert hits.total == 0
    # Refused, changing nothing: a clerk of another department, the proposer, a researcher.
    with lantai.catalog.session() as session:
        with pytest.raises(NotYourSignature, match="不是您所在的部门"):
            opening.sign(session, proposals, user=user(lantai, "cwc"), settings=lantai.settings, now=clock.now())
        with pytest.raises(NotYourSignature, match="会签"):
            opening.sign(session, proposals, user=user(lantai, "archivist"), settings=lantai.settings,
                         now=clock.now())
    with lantai.catalog.session() as session:
        opening.sign(session, proposals, user=user(lantai, "bgs"), settings=lantai.settings, now=clock.now())
        with pytest.raises(LifecycleRefused, match="不能重复审批"):
            opening.sign(session, proposals[:1], user=user(lantai, "bgs"), settings=lantai.settings,
                         now=clock.now())
    # One signature is not enough.
    assert lantai.search.search(SearchRequest(query="档案", clearance=anonymous, limit=200)).total == 0
    clock.advance(days=3)
    with lantai.catalog.session() as session:
        opening.sign(session, proposals, user=user(lantai, "admin"), settings=lantai.settings, now=clock.now())
        with pytest.raises(LifecycleRefused, match="已经生效"):
            opening.sign(session, proposals[:1], user=user(lantai, "admin2"), settings=lantai.settings,
                         now=clock.now())
    hits = lantai.search.search(SearchRequest(query="档案", clearance=anonymous, limit=200))
    assert {h.id for h in hits.hits} == set(to_open)
    with lantai.catalog.session() as session:
        records = {r.id: r for r in session.scalars(select(Record))}
        visible = {i for i, r in records.items() if can_view_metadata(None, r, session, public_search=True)}
        assert visible == set(to_open)
        assert records[keep[0]].openness == "控制" and records[keep[0]].access_level == "internal"
        assert all(records[i].classification == "公开" and records[i].access_level == "open" for i in to_open)
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "opening_decide")).all()
        assert len(events) == 7 and {json.loads(e.details)["new"] for e in events} == {"open", "internal"}
        changes = session.scalars(select(AuditEvent).where(AuditEvent.action == "access_level_change")).all()
        assert {e.record_id for e in changes if json.loads(e.details)["via"] == "opening_review"} == set(to_open)
        assert len(opening_due(session, clock.now(), lantai.settings)) == 31 - 7
        # The deferred record comes back after two years, and only then.
        assert defer[0] not in _ids(opening_due(session, dt.datetime(2027, 3, 3, tzinfo=dt.UTC), lantai.settings))
        assert defer[0] in _ids(opening_due(session, dt.datetime(2027, 3, 4, tzinfo=dt.UTC), lantai.settings))
    assert verify_chain(lantai.catalog.engine).ok


def _on_disk(lantai: Lantai, record_ids: list[int]) -> dict[int, bool]:
    with lantai.catalog.session() as session:
        files = session.scalars(select(OriginalFile).where(OriginalFile.record_id.in_(record_ids))).all()
        return {f.record_id: (lantai.storage.originals / f.storage_key).exists() for f in files}


def test_destruction_end_to_end(world: World) -> None:
    lantai, ids, clock = world
    doomed = [ids[(y, "internal-D10")] for y in range(2010, 2015)]
    extended = ids[(2009, "internal-D10")]
    permanent = ids[(2000, "internal-Y")]
    with lantai.catalog.session() as session:
        shas = {f.record_id: f.sha256 for f in session.scalars(select(OriginalFile))}
        keys = {f.record_id: f.storage_key for f in session.scalars(select(OriginalFile))}
    all_ids = list(ids.values())
    with lantai.catalog.session() as session:
        with pytest.raises(LifecycleRefused, match="保管期限为永久"):
            appraisal.appraise(session, [permanent], "destroy", "无保存价值", actor=ARCHIVIST,
                               settings=lantai.settings, now=clock.now())
        with pytest.raises(LifecycleRefused, match="尚未到期"):
            appraisal.appraise(session, [ids[(2015, "internal-D10")]], "destroy", "x", actor=ARCHIVIST,
                               settings=lantai.settings, now=clock.now())
        appraisal.appraise(session, doomed, "销毁", "已无查考利用价值", actor=ARCHIVIST, settings=lantai.settings,
                           now=clock.now())
        appraisal.appraise(session, [extended], "extend", "涉及未结诉讼", retention="D10", actor=ARCHIVIST,
                           settings=lantai.settings, now=clock.now())
    with lantai.catalog.session() as session:
        due = _ids(disposal_due(session, clock.now()))
        assert extended not in due and not set(doomed) & due
        assert extended in _ids(disposal_due(session, dt.datetime(2036, 1, 1, tzinfo=dt.UTC)))
        batch = destruction.propose_batch(session, doomed, "2025年第1批", actor=ARCHIVIST, now=clock.now())
        batch_id = batch.id
        with pytest.raises(LifecycleRefused, match="已在销毁批次"):
            destruction.propose_batch(session, doomed[:1], "again", actor=ARCHIVIST, now=clock.now())
        with pytest.raises(LifecycleRefused, match="未经鉴定"):
            destruction.propose_batch(session, [extended], "x", actor=ARCHIVIST, now=clock.now())
    # Approvals: not the proposer, not twice; unapproved batches are not carried out.
    with lantai.catalog.session() as session:
        with pytest.raises(NotYourSignature, match="须由另外两人批准"):
            destruction.approve_batch(session, batch_id, user=user(lantai, "archivist"), now=clock.now())
        destruction.approve_batch(session, batch_id, user=user(lantai, "admin"), now=clock.now())
    with lantai.catalog.session() as session:
        with pytest.raises(LifecycleRefused, match="不能重复批准"):
            destruction.approve_batch(session, batch_id, user=user(lantai, "admin"), now=clock.now())
        with pytest.raises(NotYourSignature, match="档案室工作人员"):
            destruction.approve_batch(session, batch_id, user=user(lantai, "bgs"), now=clock.now())
    with pytest.raises(LifecycleRefused, match="未经批准"):
        destruction.execute_batch(lantai, batch_id, actor=ARCHIVIST, witness="王监销", now=clock.now())
    with lantai.catalog.session() as session:
        destruction.approve_batch(session, batch_id, user=user(lantai, "archivist2"), now=clock.now())
    # A legal hold stops the whole batch; nothing is deleted.
    with lantai.catalog.session() as session:
        holds.set_hold(session, doomed[2], "审计署调阅", actor=Actor(None, "admin", "admin"), now=clock.now())
        with pytest.raises(NotYourSignature):
            holds.set_hold(session, doomed[3], "x", actor=ARCHIVIST, now=clock.now())
    with pytest.raises(LifecycleRefused, match="法律冻结"):
        destruction.execute_batch(lantai, batch_id, actor=ARCHIVIST, witness="王监销", now=clock.now())
    assert all(_on_disk(lantai, doomed).values()) and len(_on_disk(lantai, doomed)) == 5
    with lantai.catalog.session() as session:
        holds.release_hold(session, doomed[2], "调阅结束", actor=Actor(None, "admin", "admin"), now=clock.now())
    # The register before execution lists the records, approvers, no destruction date yet.
    with lantai.catalog.session() as session:
        before = destruction_register(session, batch_id)
    assert [r[1] for r in before.rows] == sorted(r[1] for r in before.rows) and len(before.rows) == 5
    assert before.rows[0][7] == "admin、archivist2" and before.rows[0][9] == ""
    clock.advance(days=30)
    done = destruction.execute_batch(lantai, batch_id, actor=ARCHIVIST, witness="王监销", now=clock.now())
    assert sorted(done.originals_removed) == sorted(keys[i] for i in doomed)
    # Exactly the approved originals are gone from disk; every other one is still there.
    for record_id, key in keys.items():
        assert (lantai.storage.originals / key).exists() is (record_id not in doomed)
        assert lantai.storage.has_derivative(f"records/{record_id}/page-0001.jpg") is (record_id not in doomed)
    with lantai.catalog.session() as session:
        assert session.scalars(select(Record.id).where(Record.id.in_(doomed))).all() == []
        assert len(session.scalars(select(Record.id)).all()) == len(all_ids) - 5
        stones = {t.record_id: t for t in session.scalars(select(Tombstone))}
        assert set(stones) == set(doomed)
        stone = stones[doomed[0]]
        assert stone.files[0]["sha256"] == shas[doomed[0]] and stone.title == "2010年internal-D10档案"
        assert stone.approved_by == ["admin", "archivist2"] and stone.witness == "王监销"
        assert stone.destroyed_by == "archivist" and stone.reference_code and stone.date == dt.date(2010, 6, 1)
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "destruction")).all()
        assert {e.record_id for e in events} == set(doomed)
        after = destruction_register(session, batch_id)
    hits = lantai.search.search(SearchRequest(query="internal-D10档案", clearance=EVERY_LEVEL, limit=200))
    assert not {h.id for h in hits.hits} & set(doomed) and hits.total == 35 - 5
    assert verify_chain(lantai.catalog.engine).ok
    # Carried out once only.
    with pytest.raises(LifecycleRefused):
        destruction.execute_batch(lantai, batch_id, actor=ARCHIVIST, witness="王监销", now=clock.now())
    # The register after: from the tombstones, with witness and date.
    assert [r[8] for r in after.rows] == ["王监销"] * 5 and after.rows[0][9] == "2025-03-31"
    assert after.rows[0][4] == "定期10年" and after.rows[0][6] == "已无查考利用价值"
    sheet = openpyxl.load_workbook(io.BytesIO(register_xlsx(after))).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "销毁清册"
    header = next(i for i, row in enumerate(values) if row[0] == "序号")
    assert values[header] == ["序号", "档号", "题名", "年度", "保管期限", "页数", "鉴定意见", "批准人", "监销人",
                              "销毁日期"]
    assert len(values) - header - 1 == 5
    assert register_pdf(after).startswith(b"%PDF")


def test_a_record_changed_after_appraisal_is_not_destroyed(world: World) -> None:
    lantai, ids, clock = world
    doomed = [ids[(2013, "internal-D10")], ids[(2014, "internal-D10")]]
    from archive.description.records import Editor, edit_record, everything

    with lantai.catalog.session() as session:
        appraisal.appraise(session, doomed, "destroy", "无价值", actor=ARCHIVIST, settings=lantai.settings,
                           now=clock.now())
        batch_id = destruction.propose_batch(session, doomed, "b", actor=ARCHIVIST, now=clock.now()).id
        destruction.approve_batch(session, batch_id, user=user(lantai, "admin"), now=clock.now())
        destruction.approve_batch(session, batch_id, user=user(lantai, "admin2"), now=clock.now())
    with lantai.catalog.session() as session:
        edit_record(session, doomed[1], {"title": "改过的题名"}, Editor(ARCHIVIST, everything),
                    settings=lantai.settings)
    with pytest.raises(LifecycleRefused, match="鉴定后被修改过"):
        destruction.execute_batch(lantai, batch_id, actor=ARCHIVIST, witness="王监销", now=clock.now())
    assert all(_on_disk(lantai, doomed).values())
    # Nor can it join a new batch on its old appraisal.
    other = ids[(2012, "internal-D10")]
    with lantai.catalog.session() as session:
        appraisal.appraise(session, [other], "destroy", "无价值", actor=ARCHIVIST, settings=lantai.settings,
                           now=clock.now())
    with lantai.catalog.session() as session:
        edit_record(session, other, {"note": "补充说明"}, Editor(ARCHIVIST, everything), settings=lantai.settings)
    with lantai.catalog.session() as session, pytest.raises(LifecycleRefused, match="须重新鉴定"):
        destruction.propose_batch(session, [other], "c", actor=ARCHIVIST, now=clock.now())
