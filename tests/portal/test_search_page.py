"""The search page: Chinese queries, facets and chips, date range, sort, pagination with the
exact total, empty and no-result states, malformed queries, and access inside the engine."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.access import Clearance
from indexer.search.base import SearchRequest
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

HIT_TITLE = re.compile(r'<h2 class="hit-title"><a href="/records/(\d+)[^"]*">([^<]*)</a>')


def _hits(html: str) -> list[tuple[int, str]]:
    return [(int(i), t) for i, t in HIT_TITLE.findall(html)]


def _facet_count(html: str, facet: str, label: str) -> int | None:
    section = re.search(rf'<section class="facet" data-facet="{facet}">(.*?)</section>', html, re.S)
    if not section:
        return None
    match = re.search(rf">(?:✓ )?{re.escape(label)}</a>\s*<span class=\"count\">(\d+)<", section.group(1))
    return int(match.group(1)) if match else None


def test_chinese_phrase_finds_the_record_with_its_details(app: Flask, client: FlaskClient) -> None:
    rec = add_record(
        app,
        [["关于 做好 招生工作 的 通知"], ["其他 内容"], ["附件 ： 招生工作 安排"]],
        reference_code="J001-WS·2023-D30-BGS-0012",
    )
    add_record(app, [["财务 报表"]], title="2023年财务报表", category_code="KJ")
    response = client.get("/search", query_string={"q": "招生工作"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _hits(html) == [(rec.id, "关于做好2023年招生工作的通知")]
    assert "共 1 条结果" in html
    assert "J001-WS·2023-D30-BGS-0012" in html and "办公室" in html and "2023-05-12" in html
    assert "<mark>" in html
    assert f'src="/records/{rec.id}/pages/1/thumbnail"' in html
    q = "%E6%8B%9B%E7%94%9F%E5%B7%A5%E4%BD%9C"
    assert f"/records/{rec.id}?q={q}&amp;page=1" in html and f"/records/{rec.id}?q={q}&amp;page=3" in html
    assert f"/records/{rec.id}?q={q}&amp;page=2" not in html


def test_facets_filter_and_chips_remove(app: Flask, client: FlaskClient) -> None:
    ws = add_record(app, [["学校 招生"]], images=False)
    kj = add_record(app, [["学校 经费"]], title="学校经费", category_code="KJ", images=False)
    html = client.get("/search", query_string={"q": "学校"}).get_data(as_text=True)
    assert _facet_count(html, "category", "文书 (WS)") == 1 and _facet_count(html, "category", "会计 (KJ)") == 1
    link = re.search(r'<a href="\?([^"]+)">会计 \(KJ\)</a>', html)
    assert link
    filtered = client.get("/search?" + link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _hits(filtered) == [(kj.id, "学校经费")]
    chip = re.search(r'<li class="chip"><span>门类：会计 \(KJ\)</span>\s*<a href="\?([^"]+)"', filtered)
    assert chip, "the active filter shows as a removable chip"
    cleared = client.get("/search?" + chip.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert {i for i, _ in _hits(cleared)} == {ws.id, kj.id}


def test_url_holds_the_whole_state(app: Flask, client: FlaskClient) -> None:
    for year in (2019, 2020, 2021):
        add_record(app, [["教育 工作"]], title=f"{year}年教育工作", year=year, date=dt.date(year, 3, 1), images=False)
    html = client.get(
        "/search",
        query_string=[("q", "教育"), ("f", "category:WS"), ("from", "2020"), ("to", "2021"), ("sort", "date_asc")],
    ).get_data(as_text=True)
    assert [t for _, t in _hits(html)] == ["2020年教育工作", "2021年教育工作"]
    assert 'value="2020"' in html and '<option value="date_asc" selected>' in html
    desc = client.get("/search", query_string={"q": "教育", "sort": "date_desc"}).get_data(as_text=True)
    assert [t for _, t in _hits(desc)] == ["2021年教育工作", "2020年教育工作", "2019年教育工作"]


def test_pagination_has_the_exact_total(app: Flask, client: FlaskClient) -> None:
    for n in range(25):
        add_record(app, [[f"会议 纪要 {n}"]], title=f"会议纪要{n:02d}", images=False)
    first = client.get("/search", query_string={"q": "会议"}).get_data(as_text=True)
    assert "共 25 条结果" in first and len(_hits(first)) == 20
    assert 'rel="next" href="?q=%E4%BC%9A%E8%AE%AE&amp;page=2"' in first
    second = client.get("/search", query_string={"q": "会议", "page": 2}).get_data(as_text=True)
    assert len(_hits(second)) == 5
    assert not {i for i, _ in _hits(first)} & {i for i, _ in _hits(second)}
    assert "第 2 页，共 2 页" in second


def test_empty_search_shows_recent_records(app: Flask, client: FlaskClient) -> None:
    add_record(app, [["一"]], title="较早的档案", date=dt.date(2001, 1, 1), images=False)
    add_record(app, [["二"]], title="最新的档案", date=dt.date(2024, 1, 1), images=False)
    html = client.get("/search").get_data(as_text=True)
    assert "最新的档案（按日期）" in html
    assert [t for _, t in _hits(html)][:2] == ["最新的档案", "较早的档案"]
    assert 'data-facet="category"' in html  # browse by facets


def test_long_facets_fold_the_rest_under_more(app: Flask, client: FlaskClient) -> None:
    for n in range(14):
        add_record(app, [["档案 内容"]], title=f"档案{n}", fonds_code=f"J{n:03d}", images=False)
    html = client.get("/search", query_string={"q": "档案"}).get_data(as_text=True)
    section = re.search(r'<section class="facet" data-facet="fonds">(.*?)</section>', html, re.S)
    assert section and "<summary>更多（2）</summary>" in section.group(1)
    assert section.group(1).count('class="count"') == 14


def test_no_result_state_helps(app: Flask, client: FlaskClient) -> None:
    add_record(app, [["一"]], images=False)
    html = client.get("/search", query_string={"q": "不存在的词语", "f": "category:WS"}).get_data(as_text=True)
    assert "共 0 条结果" in html and "没有找到符合条件的档案" in html
    assert "去掉全部筛选条件再试" in html


def test_malformed_query_and_parameters_show_their_message(app: Flask, client: FlaskClient) -> None:
    for params in ({"q": '"招生'}, {"q": "year:abc..2020"}, {"from": "2020-13"}, {"f": "nosuch:1"}, {"sort": "x"}):
        response = client.get("/search", query_string=params)
        assert response.status_code == 400, params
        html = response.get_data(as_text=True)
        assert '<div class="search-error" role="alert">' in html, params
    bad_date = client.get("/search", query_string={"from": "2020-13"}).get_data(as_text=True)
    assert "YYYY-MM-DD" in bad_date


def test_search_applies_access_inside_the_engine(app: Flask, client: FlaskClient) -> None:
    add_record(app, [["公开 的 文件"]], title="公开文件", images=False)
    add_record(app, [["受控 绝密词"]], title="受控文件", access_level="restricted", category_code="RS", images=False)
    html = client.get("/search", query_string={"q": "绝密词"}).get_data(as_text=True)
    assert "共 0 条结果" in html and "受控文件" not in html
    browse = client.get("/search").get_data(as_text=True)
    assert _facet_count(browse, "category", "人事 (RS)") is None and "受控文件" not in browse
    AuthActions(client).login("archivist")
    staff = client.get("/search", query_string={"q": "绝密词"}).get_data(as_text=True)
    assert [t for _, t in _hits(staff)] == ["受控文件"]
    assert _facet_count(staff, "access_level", "受控 (restricted)") == 1


def test_syntax_help_is_a_keyboard_reachable_popover(app: Flask, client: FlaskClient) -> None:
    html = client.get("/search").get_data(as_text=True)
    assert '<button type="button" id="syntax-help-button"' in html and 'popovertarget="syntax-help"' in html
    assert '<div id="syntax-help" popover role="dialog"' in html and "year:2018..2020" in html


def test_syntax_help_rendered_once_per_language_is_in_the_readers_language(app: Flask, client: FlaskClient) -> None:
    chinese = client.get("/search").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/search").get_data(as_text=True)
    client.get("/lang/zh_Hans")
    again = client.get("/search", query_string={"q": "通知"}).get_data(as_text=True)
    assert '<h2 id="syntax-help-title">检索语法</h2>' in chinese and '<h2 id="syntax-help-title">检索语法</h2>' in again
    assert '<h2 id="syntax-help-title">检索语法</h2>' not in english and 'id="syntax-help-title">' in english


def _thumbnails(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<img src="/records/(\d+)/pages/1/thumbnail"', html)}


def test_a_hits_thumbnail_is_known_from_the_index(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    pictured = add_record(app, [["会议 照片 说明"]], title="会议照片")
    plain = add_record(app, [["会议 照片 说明"]], title="会议说明", images=False)
    secret = add_record(app, [["会议 照片 说明"]], title="会议照片（秘密）", access_level="secret")
    found = app.extensions["lantai"].search.search(
        SearchRequest(query="会议", clearance=Clearance(frozenset({"open"})), limit=10)
    )
    assert {hit.id: hit.thumbnail for hit in found.hits} == {pictured.id: True, plain.id: False}
    assert _thumbnails(client.get("/search", query_string={"q": "会议"}).get_data(as_text=True)) == {pictured.id}
    auth.login("admin")
    html = client.get("/search", query_string={"q": "会议照片"}).get_data(as_text=True)
    assert secret.id in {i for i, _ in _hits(html)}  # its catalogue entry, for administrators
    assert _thumbnails(html) == {pictured.id}  # an entry only: no picture
    assert plain.id not in _thumbnails(html)


def test_thumbnails_of_an_index_built_before_it_said_come_from_the_catalog(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.search import embedded, fields

    def older_payload(doc: Any) -> Any:  # what Lantai wrote before payloads named the thumbnail
        built = fields.build_fields(doc)
        built.payload.pop("thumbnail")
        return built

    monkeypatch.setattr(embedded, "build_fields", older_payload)
    pictured = add_record(app, [["会议 照片 说明"]], title="会议照片")
    plain = add_record(app, [["会议 照片 说明"]], title="会议说明", images=False)
    monkeypatch.undo()
    found = app.extensions["lantai"].search.search(
        SearchRequest(query="会议", clearance=Clearance(frozenset({"open"})), limit=10)
    )
    assert {hit.thumbnail for hit in found.hits} == {None}
    html = client.get("/search", query_string={"q": "会议"}).get_data(as_text=True)
    assert {i for i, _ in _hits(html)} == {pictured.id, plain.id}
    assert _thumbnails(html) == {pictured.id}
