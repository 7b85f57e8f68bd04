"""The description pages (著录): review queue, record form, rules, batch editing, import/export.

Every change must leave one ``metadata_edit`` event (captured from the ``lantai.events``
logger), re-index the record (the search backend finds the new title), refuse posts without
a CSRF token, and be closed to researchers and the public.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.catalog.audit import AuditEvent
from archive.catalog.description import ClassificationRule, ReviewItem
from archive.catalog.models import Record
from archive.description.review import queue_suggestion
from archive.description.tabular import RowError
from indexer.describe.service import describe_record
from indexer.search.base import SearchRequest
from indexer.search.documents import index_records
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record
from tests.search.conftest import EVERY_LEVEL

GET_PAGES = [
    "/describe/",
    "/describe/review",
    "/describe/rules",
    "/describe/batch",
    "/describe/transfer",
    "/describe/template?language=zh&format=xlsx",
]


def events(app: Flask, action: str) -> list[dict[str, Any]]:
    """Record id and details of every audit event ``action`` so far, in order."""
    with app.extensions["lantai"].catalog.session() as db:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return [{"record_id": e.record_id, "details": json.loads(e.details)} for e in db.scalars(query)]


def audit_rows(app: Flask, action: str) -> list[tuple[str | None, int | None, str | None]]:
    """(actor, record id, 档号) of each audit-trail event of ``action``, in order."""
    with app.extensions["lantai"].catalog.session() as db:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return [(e.actor_name, e.record_id, e.reference_code) for e in db.scalars(query)]


def audit_trail(app: Flask) -> list[tuple[str, str | None, int | None, str | None]]:
    """(action, actor, record id, 档号) of every audit-trail event, in order."""
    with app.extensions["lantai"].catalog.session() as db:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        return [(e.action, e.actor_name, e.record_id, e.reference_code) for e in db.scalars(query)]


def found_ids(app: Flask, query: str) -> list[int]:
    """Record ids the search backend returns for ``query`` (as staff)."""
    response = app.extensions["lantai"].search.search(SearchRequest(query=query, limit=50, clearance=EVERY_LEVEL))
    return [hit.id for hit in response.hits]


def record(app: Flask, record_id: int) -> Record:
    """A fresh copy of a catalog record."""
    with app.extensions["lantai"].catalog.session() as db:
        row = db.get(Record, record_id)
        assert row is not None
        db.expunge(row)
        return row


def suggest(app: Flask, record_id: int, field: str, value: str, confidence: float) -> int:
    """Queue a machine suggestion for a record; returns the review item id."""
    with app.extensions["lantai"].catalog.session() as db:
        row = db.get(Record, record_id)
        item = queue_suggestion(db, row, field, value, confidence, "test")
        assert item is not None
        return item.id


def item_status(app: Flask, item_id: int) -> str:
    with app.extensions["lantai"].catalog.session() as db:
        item = db.get(ReviewItem, item_id)
        assert item is not None
        return item.status


@pytest.fixture
def indexed(app: Flask, make_record: Callable[..., int]) -> Callable[..., int]:
    """``make_record`` that also puts the record in the search index."""

    def factory(**fields: Any) -> int:
        record_id = make_record(fields.pop("access_level", "internal"), **fields)
        index_records(app.extensions["lantai"], [record_id])
        return record_id

    return factory


@pytest.fixture
def caplog_events(app: Flask) -> Flask:
    """The app whose audit trail ``events`` reads."""
    return app


# Roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GET_PAGES)
def test_pages_need_staff(client: FlaskClient, auth: AuthActions, path: str) -> None:
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    auth.login("researcher")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["archivist", "admin"])
@pytest.mark.parametrize("path", GET_PAGES)
def test_staff_open_every_page(client: FlaskClient, auth: AuthActions, role: str, path: str) -> None:
    auth.login(role)
    assert client.get(path).status_code == 200


def test_researcher_cannot_post_changes(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("open", title="原题名")
    item_id = suggest(app, record_id, "doc_number", "长教发〔2023〕12号", 0.5)
    auth.login("researcher")
    for path, data in [
        (f"/describe/review/{item_id}/confirm", {"value": ""}),
        (f"/describe/review/{item_id}/reject", {}),
        (f"/describe/records/{record_id}", {"title": "改掉"}),
        ("/describe/rules", {"keywords": "招生", "category_code": "WS"}),
        ("/describe/batch/apply", {"record_id": str(record_id), "title": "改掉"}),
    ]:
        assert auth.post(path, data).status_code == 403, path
    assert record(app, record_id).title == "原题名"
    assert item_status(app, item_id) == "pending"


def test_nav_link_only_for_staff(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("researcher")
    assert 'href="/describe/"' not in client.get("/account").get_data(as_text=True)
    auth.logout()
    auth.login("archivist")
    assert 'href="/describe/"' in client.get("/account").get_data(as_text=True)


def test_archivist_cannot_reach_secret_records(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    secret = make_record("secret", title="涉密文件")
    suggest(app, secret, "doc_number", "密发〔2023〕1号", 0.4)
    auth.login("archivist")
    assert client.get(f"/describe/records/{secret}").status_code == 404
    assert "涉密文件" not in client.get("/describe/review").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    assert client.get(f"/describe/records/{secret}").status_code == 200


# Review queue -----------------------------------------------------------------------


def test_review_queue_lists_lowest_confidence_first(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("internal", title="关于招生工作的通知")
    suggest(app, record_id, "doc_number", "长教发〔2023〕12号", 0.7)
    suggest(app, record_id, "creator", "长沙市教育局", 0.3)
    auth.login("archivist")
    html = client.get("/describe/review").get_data(as_text=True)
    assert html.index("长沙市教育局") < html.index("长教发〔2023〕12号")
    assert "0.30" in html and "关于招生工作的通知" in html and "责任者" in html
    only = client.get("/describe/review?field=doc_number").get_data(as_text=True)
    assert "长教发〔2023〕12号" in only and "长沙市教育局" not in only


def test_extracted_values_of_an_official_document_wait_in_the_queue(
    app: Flask, client: FlaskClient, auth: AuthActions, caplog_events: Any
) -> None:
    page = [
        "长沙市教育局文件",
        "长教发〔2023〕12号",
        "关于做好2023年中小学招生入学工作的通知",
        "各区县教育局：",
        "……",
        "长沙市教育局",
        "2023年5月12日",
    ]
    made = add_record(app, [page], access_level="internal", images=False, title="scan-0001", doc_number=None)
    with app.extensions["lantai"].catalog.session() as db:
        row = db.get(Record, made.id)
        describe_record(db, row, app.extensions["lantai"].settings, threshold=1.01)  # everything waits for a person
    auth.login("archivist")
    html = client.get("/describe/review?field=doc_number").get_data(as_text=True)
    assert "长教发〔2023〕12号" in html
    with app.extensions["lantai"].catalog.session() as db:
        item_id = db.scalar(
            select(ReviewItem.id).where(ReviewItem.record_id == made.id, ReviewItem.field == "doc_number")
        )
    auth.post(f"/describe/review/{item_id}/confirm", {"value": "长教发〔2023〕12号"})
    assert record(app, made.id).doc_number == "长教发〔2023〕12号"
    assert [e["details"]["field"] for e in events(caplog_events, "metadata_edit")] == ["doc_number"]


def test_confirm_sets_the_field_audits_and_reindexes(
    app: Flask, client: FlaskClient, auth: AuthActions, indexed: Callable[..., int], caplog_events: Any
) -> None:
    record_id = indexed(title="扫描件001")
    item_id = suggest(app, record_id, "title", "关于做好暑期安全教育工作的通知", 0.6)
    auth.login("archivist")
    response = auth.post(f"/describe/review/{item_id}/confirm", {"value": "关于做好暑期安全教育工作的通知"})
    assert response.status_code == 303
    assert record(app, record_id).title == "关于做好暑期安全教育工作的通知"
    assert item_status(app, item_id) == "accepted"
    [event] = events(caplog_events, "metadata_edit")
    assert event["record_id"] == record_id
    assert event["details"]["field"] == "title" and event["details"]["via"] == "review"
    assert event["details"]["old"] == "扫描件001" and event["details"]["user"] == "archivist"
    assert record_id in found_ids(app, "暑期安全教育")
    assert audit_rows(app, "metadata_edit") == [("archivist", record_id, None)]
    assert "已确认" in client.get("/describe/review").get_data(as_text=True)


def test_correct_stores_the_typed_value(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    record_id = make_record("internal")
    item_id = suggest(app, record_id, "doc_number", "长教发〔2023〕1号", 0.5)
    auth.login("admin")
    auth.post(f"/describe/review/{item_id}/confirm", {"value": "长教发〔2023〕11号"})
    assert record(app, record_id).doc_number == "长教发〔2023〕11号"
    assert item_status(app, item_id) == "corrected"
    assert [e["details"]["new"] for e in events(caplog_events, "metadata_edit")] == ["长教发〔2023〕11号"]


def test_bad_correction_is_refused_in_the_users_language(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    record_id = make_record("internal")
    item_id = suggest(app, record_id, "date", "2023-05-12", 0.5)
    auth.login("archivist")
    response = auth.post(f"/describe/review/{item_id}/confirm", {"value": "下个月"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "不是有效日期" in html and "is not a date" not in html  # the user's language only
    assert record(app, record_id).date is None and item_status(app, item_id) == "pending"
    assert events(caplog_events, "metadata_edit") == []


def test_reject_leaves_the_field_and_records_no_edit(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    record_id = make_record("internal")
    item_id = suggest(app, record_id, "creator", "错误机关", 0.2)
    auth.login("archivist")
    assert auth.post(f"/describe/review/{item_id}/reject").status_code == 303
    assert item_status(app, item_id) == "rejected" and record(app, record_id).creator is None
    assert events(caplog_events, "metadata_edit") == []
    again = auth.post(f"/describe/review/{item_id}/reject", follow_redirects=True).get_data(as_text=True)
    assert "已由 archivist 处理" in again  # deciding twice is refused with a message, not a 500
    assert auth.post("/describe/review/999999/reject").status_code == 404


def test_overview_counts_what_waits(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("internal", needs_review=True)
    suggest(app, record_id, "creator", "长沙市教育局", 0.4)
    suggest(app, record_id, "doc_number", "长教发〔2023〕12号", 0.5)
    auth.login("archivist")
    html = client.get("/describe/").get_data(as_text=True)
    assert "待审核建议：2 条" in html and "待审核档案：1 条" in html
    assert (
        client.get(f"/describe/records?id={record_id}").headers["Location"].endswith(f"/describe/records/{record_id}")
    )


def test_review_posts_without_csrf_are_rejected(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int]
) -> None:
    record_id = make_record("internal")
    item_id = suggest(app, record_id, "creator", "长沙市教育局", 0.5)
    auth.login("archivist")
    assert client.post(f"/describe/review/{item_id}/confirm", data={"value": ""}).status_code == 400
    assert client.post(f"/describe/review/{item_id}/reject").status_code == 400
    assert item_status(app, item_id) == "pending"


# Record form -----------------------------------------------------------------------


def test_record_form_saves_fields_audits_and_reindexes(
    app: Flask, client: FlaskClient, auth: AuthActions, indexed: Callable[..., int], caplog_events: Any
) -> None:
    record_id = indexed(title="未命名", fonds_code="J001")
    auth.login("archivist")
    page = client.get(f"/describe/records/{record_id}").get_data(as_text=True)
    for label in ("题名", "成文日期", "责任者", "开放标识", "全宗号", "门类", "保管期限", "密级", "载体形态", "主题词"):
        assert label in page
    data = {
        "title": "关于调整学校作息时间的通知",
        "date": "2023年5月12日",
        "creator": "长沙市第一中学",
        "fonds_code": "J001",
        "category_code": "WS",
        "retention": "D30",
        "classification": "公开",
        "openness": "开放",
    }
    response = auth.post(f"/describe/records/{record_id}", data)
    assert response.status_code == 303
    saved = record(app, record_id)
    assert (
        saved.title == data["title"]
        and saved.date is not None
        and saved.date.isoformat() == "2023-05-12"
        and saved.year == 2023
    )
    assert saved.access_level == "open"  # follows 密级 + 开放标识
    fields = sorted(e["details"]["field"] for e in events(caplog_events, "metadata_edit"))
    assert fields == sorted(["title", "date", "creator", "category_code", "retention", "classification", "openness"])
    assert record_id in found_ids(app, "作息时间")


def test_record_form_shows_errors_in_both_languages_and_saves_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    record_id = make_record("internal", title="原题名")
    auth.login("archivist")
    response = auth.post(
        f"/describe/records/{record_id}", {"title": "新题名", "date": "明年", "year": "二〇二三", "fonds_code": "J-1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不是有效日期" in html and "is not a date" not in html
    assert "应为整数" in html and "must be a whole number" not in html
    assert "只能由字母和数字组成" in html and "letters and digits only" not in html
    assert record(app, record_id).title == "原题名"
    assert events(caplog_events, "metadata_edit") == []


def test_record_form_speaks_english(app: Flask, client: FlaskClient, auth: AuthActions, make_record: Any) -> None:
    record_id = make_record("internal")
    auth.login("archivist")
    client.get("/lang/en")
    html = client.get(f"/describe/records/{record_id}").get_data(as_text=True)
    assert ">Title</label>" in html and "Retention" in html and "题名" not in html
    html = client.get("/describe/review").get_data(as_text=True)
    assert "Review queue" in html


def test_record_form_without_csrf_is_rejected(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Any
) -> None:
    record_id = make_record("internal", title="原题名")
    auth.login("archivist")
    assert client.post(f"/describe/records/{record_id}", data={"title": "改掉"}).status_code == 400
    assert record(app, record_id).title == "原题名"


def test_missing_record_is_404(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    assert client.get("/describe/records/999999").status_code == 404


# Rules -----------------------------------------------------------------------------


def _rules(app: Flask, skip: int = 0) -> list[ClassificationRule]:
    """The rules in the catalog with ids above ``skip`` (the catalog comes with a default rule)."""
    with app.extensions["lantai"].catalog.session() as db:
        rows = list(db.scalars(select(ClassificationRule).where(ClassificationRule.id > skip)))
        db.expunge_all()
        return rows


def test_rules_create_edit_toggle_delete(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    seeded = max([0, *(r.id for r in _rules(app))])
    auth.login("archivist")
    created = auth.post(
        "/describe/rules",
        {
            "name": "招生",
            "keywords": "招生，入学",
            "category_code": "WS",
            "retention": "D30",
            "priority": "5",
            "enabled": "y",
        },
    )
    assert created.status_code == 303
    [rule] = _rules(app, seeded)
    assert (rule.category_code, rule.retention, rule.priority, rule.enabled) == ("WS", "D30", 5, True)
    assert "招生，入学" in client.get("/describe/rules").get_data(as_text=True)
    edited = auth.post(
        f"/describe/rules/{rule.id}",
        {
            "name": "招生",
            "keywords": "招生",
            "category_code": "",
            "department_code": "jwc",
            "department": "教务处",
            "enabled": "y",
        },
    )
    assert edited.status_code == 303
    [rule] = _rules(app, seeded)
    assert (rule.keywords, rule.department_code, rule.category_code) == ("招生", "JWC", None)
    auth.post(f"/describe/rules/{rule.id}/toggle")
    assert _rules(app, seeded)[0].enabled is False
    assert "停用" in client.get("/describe/rules").get_data(as_text=True)
    auth.post(f"/describe/rules/{rule.id}/toggle")
    assert _rules(app, seeded)[0].enabled is True
    auth.post(f"/describe/rules/{rule.id}/delete")
    assert _rules(app, seeded) == []
    # Rules decide how records are described: every change of one is on the audit trail.
    trail = [(a, actor) for a, actor, _r, _c in audit_trail(app) if a.startswith("rule_")]
    assert trail == [("rule_create", "archivist"), ("rule_change", "archivist"), ("rule_change", "archivist"),
                     ("rule_change", "archivist"), ("rule_delete", "archivist")]
    [edit] = [e for e in events(app, "rule_change")][:1]
    assert edit["details"]["changes"]["department_code"] == {"old": None, "new": "JWC"}


def test_bad_rule_is_explained(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    seeded = max([0, *(r.id for r in _rules(app))])
    auth.login("admin")
    bad_regex = auth.post("/describe/rules", {"pattern": "招生(", "category_code": "WS"})
    html = bad_regex.get_data(as_text=True)
    assert bad_regex.status_code == 400 and "正则表达式" in html and "Bad regular expression" not in html
    nothing = auth.post("/describe/rules", {"keywords": "招生"}).get_data(as_text=True)
    assert "规则需指定门类、机构或保管期限" in nothing
    assert _rules(app, seeded) == []
    assert client.post("/describe/rules", data={"keywords": "招生", "category_code": "WS"}).status_code == 400


# Batch editing ---------------------------------------------------------------------


def test_batch_from_a_search_preview_and_apply(
    app: Flask, client: FlaskClient, auth: AuthActions, indexed: Callable[..., int], caplog_events: Any
) -> None:
    first = indexed(title="校园绿化工程验收报告")
    second = indexed(title="校园绿化经费申请")
    other = indexed(title="食堂卫生检查")
    auth.login("archivist")
    listing = client.get("/describe/batch?q=校园绿化").get_data(as_text=True)
    assert f'name="record_id" value="{first}"' in listing and f'name="record_id" value="{second}"' in listing
    assert f'value="{other}"' not in listing
    chosen = {"record_id": [str(first), str(second)], "fonds_code": "j002", "retention": "Y"}
    preview = auth.post("/describe/batch/preview", chosen)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and html.count("J002") == 2 and "应用修改" in html
    assert record(app, first).fonds_code is None  # a preview changes nothing
    assert events(caplog_events, "metadata_edit") == []
    applied = auth.post("/describe/batch/apply", chosen)
    assert applied.status_code == 303
    assert (record(app, first).fonds_code, record(app, second).retention) == ("J002", "Y")
    assert record(app, other).fonds_code is None
    changed = sorted((e["record_id"], e["details"]["field"]) for e in events(caplog_events, "metadata_edit"))
    assert changed == sorted(
        [(first, "fonds_code"), (first, "retention"), (second, "fonds_code"), (second, "retention")]
    )
    assert all(e["details"]["via"] == "batch" for e in events(caplog_events, "metadata_edit"))
    assert sorted(r or 0 for _a, r, _c in audit_rows(app, "metadata_edit")) == [first, first, second, second]


def test_batch_by_ids_changes_titles_and_reindexes(
    app: Flask, client: FlaskClient, auth: AuthActions, indexed: Callable[..., int], caplog_events: Any
) -> None:
    ids = [indexed(title=f"临时题名{n}") for n in range(2)]
    auth.login("admin")
    listing = client.get(f"/describe/batch?ids={ids[0]},{ids[1]},999999").get_data(as_text=True)
    assert "999999" in listing and "临时题名1" in listing
    auth.post("/describe/batch/apply", {"record_id": [str(i) for i in ids], "subject_terms": "体育节"})
    assert set(found_ids(app, "体育节")) == set(ids)
    assert len(events(caplog_events, "metadata_edit")) == 2


def test_batch_bad_value_is_shown_and_nothing_changes(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    record_id = make_record("internal")
    auth.login("archivist")
    preview = auth.post("/describe/batch/preview", {"record_id": str(record_id), "retention": "五年"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 400 and "未知的保管期限" in html and "Unknown retention" not in html
    applied = auth.post(
        "/describe/batch/apply", {"record_id": str(record_id), "retention": "五年"}, follow_redirects=True
    )
    assert "未知的保管期限" in applied.get_data(as_text=True)
    assert record(app, record_id).retention is None and events(caplog_events, "metadata_edit") == []
    missing = auth.post("/describe/batch/apply", {"record_id": "999999", "note": "x"}, follow_redirects=True)
    assert "档案不存在" in missing.get_data(as_text=True)


def test_batch_without_csrf_is_rejected(app: Flask, client: FlaskClient, auth: AuthActions, make_record: Any) -> None:
    record_id = make_record("internal")
    auth.login("archivist")
    response = client.post("/describe/batch/apply", data={"record_id": str(record_id), "note": "改"})
    assert response.status_code == 400 and record(app, record_id).note is None


# Import / export -------------------------------------------------------------------


def test_import_csv_imports_valid_rows_and_lists_bad_ones(
    app: Flask, client: FlaskClient, auth: AuthActions, caplog_events: Any
) -> None:
    table = (
        "全宗号,门类,年度,保管期限,机构代码,机构,题名,日期,责任者,密级,开放标识\n"
        "J001,WS,2023,D30,BGS,办公室,关于召开家长会的通知,2023-05-12,长沙市第一中学,公开,开放\n"
        "J001,WS,2023,D30,BGS,办公室,坏日期的一行,下个月,长沙市第一中学,公开,开放\n"
    )
    auth.login("archivist")
    response = auth.post(
        "/describe/import",
        {"file": (io.BytesIO(table.encode("utf-8")), "著录.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "新建 1 条" in html and "第 3 行" in html and "不是有效日期" in html
    assert "is not a date" not in html  # the user's language only; the CLI and the API carry both
    with app.extensions["lantai"].catalog.session() as db:
        titles = list(db.scalars(select(Record.title)))
        code = db.scalar(select(Record.reference_code).where(Record.title == "关于召开家长会的通知"))
    assert titles == ["关于召开家长会的通知"] and code == "J001-WS·2023-D30-BGS-0001"
    edits = events(caplog_events, "metadata_edit")
    assert edits and all(e["details"]["via"] == "import" for e in edits)
    assert "title" in {e["details"]["field"] for e in edits}
    assert found_ids(app, "家长会")
    assert {code for _a, _r, code in audit_rows(app, "metadata_edit")} == {"J001-WS·2023-D30-BGS-0001"}


def test_import_rejects_other_files(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    response = auth.post(
        "/describe/import", {"file": (io.BytesIO(b"x"), "notes.txt")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "只能导入 CSV 或 XLSX 文件" in response.get_data(as_text=True)
    unreadable = auth.post(
        "/describe/import", {"file": (io.BytesIO(b"foo,bar\n1,2\n"), "x.csv")}, content_type="multipart/form-data"
    )
    assert unreadable.status_code == 400 and "没有可识别的列" in unreadable.get_data(as_text=True)


def test_import_without_csrf_is_rejected(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    table = "题名\n不应导入\n".encode()
    response = client.post(
        "/describe/import", data={"file": (io.BytesIO(table), "a.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    with app.extensions["lantai"].catalog.session() as db:
        assert db.scalar(select(Record.id)) is None


@pytest.mark.parametrize(
    ("language", "fmt", "header"),
    [("zh", "xlsx", "档号"), ("en", "xlsx", "reference_code"), ("zh", "csv", "档号"), ("en", "csv", "reference_code")],
)
def test_templates_download(client: FlaskClient, auth: AuthActions, language: str, fmt: str, header: str) -> None:
    auth.login("archivist")
    response = client.get(f"/describe/template?language={language}&format={fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
        assert sheet.cell(1, 1).value == header
    else:
        assert response.data.decode("utf-8-sig").startswith(header)
    if language == "zh":
        assert quote("著录导入模板") in response.headers["Content-Disposition"]
    assert client.get("/describe/template?language=fr&format=xlsx").status_code == 404


def test_catalogue_export_xlsx_and_pdf(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    make_record(
        "internal",
        title="关于召开家长会的通知",
        fonds_code="J001",
        year=2023,
        retention="D30",
        reference_code="J001-WS·2023-D30-BGS-0001",
        doc_number="长一中发〔2023〕3号",
        page_count=2,
    )
    make_record("internal", title="另一年的文件", fonds_code="J001", year=2022, retention="D30")
    auth.login("archivist")
    response = client.get("/describe/export?fonds=j001&year=2023&retention=D30&format=xlsx")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote("归档文件目录-J001-2023-D30.xlsx") in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "关于召开家长会的通知" in values and "另一年的文件" not in values and "档号" in values
    pdf = client.get("/describe/export?fonds=J001&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    exports = events(caplog_events, "export")
    assert [(e["details"]["format"], e["details"]["rows"]) for e in exports] == [("xlsx", 1), ("pdf", 2)]
    assert [actor for actor, _r, _c in audit_rows(app, "export")] == ["archivist", "archivist"]
    empty = client.get("/describe/export?fonds=J999&format=xlsx", follow_redirects=True)
    assert "没有符合条件的档案" in empty.get_data(as_text=True)
    assert client.get("/describe/export?fonds=&format=xlsx").status_code == 400


def test_catalogue_with_secret_records_is_for_administrators(
    app: Flask, client: FlaskClient, auth: AuthActions, make_record: Callable[..., int], caplog_events: Any
) -> None:
    make_record("internal", title="普通文件", fonds_code="J003", year=2023)
    make_record("secret", title="涉密文件", fonds_code="J003", year=2023)
    auth.login("archivist")
    refused = client.get("/describe/export?fonds=J003&format=xlsx", follow_redirects=True)
    assert "只有管理员可以导出" in refused.get_data(as_text=True) and events(caplog_events, "export") == []
    auth.logout()
    auth.login("admin")
    allowed = client.get("/describe/export?fonds=J003&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(allowed.data)).worksheets[0]
    assert "涉密文件" in [c for row in sheet.iter_rows(values_only=True) for c in row]


def test_import_row_errors_are_in_english_only_on_the_english_page(client: FlaskClient, auth: AuthActions) -> None:
    table = "全宗号,门类,年度,保管期限,题名,日期\nJ001,WS,2023,D30,坏日期的一行,下个月\n"
    auth.login("archivist")
    client.get("/lang/en")
    response = auth.post(
        "/describe/import",
        {"file": (io.BytesIO(table.encode("utf-8")), "著录.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "row 2 (日期): " in html and "is not a date" in html
    assert "第 2 行" not in html and "不是有效日期" not in html


def test_a_row_error_keeps_both_languages_for_the_cli_and_api() -> None:
    error = RowError(3, "日期", "不是有效日期", "is not a date")
    assert error.text("zh") == "第 3 行「日期」：不是有效日期"
    assert error.text("en") == "row 3 (日期): is not a date"
    assert str(error) == f"{error.text('zh')} / {error.text('en')}"
