"""The advanced search form writes the query language of the box, and reads it back; facet
values by label as well as code; the syntax help lists every field of the query language."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from indexer.search.query import FIELDS
from portal.search.advanced import Advanced, from_query
from tests.portal.sample_records import add_record

FULL = Advanced(
    all_words="招生 通知",
    phrase="教育 局",
    any_words="甲 乙",
    none_words="会议 考试",
    fields={"category": "基建", "title": "关于", "doc_number": "长教发〔2023〕12号"},
    year_from="2018",
    year_to="2020",
)


def test_the_form_writes_a_query_that_reads_back_as_the_same_form() -> None:
    query = FULL.to_query()
    assert (
        query
        == '招生 通知 "教育 局" (甲 OR 乙) -会议 -考试 '
        + "category:基建 title:关于 doc_number:长教发〔2023〕12号 year:2018..2020"
    )
    assert from_query(query) == FULL


@pytest.mark.parametrize(
    "query", ["title:通知 -会议", "教育*", "year:2020", "a b", '"教育 局" 招生', "(招生 OR 录取) 通知"]
)
def test_a_query_of_the_form_kind_reads_into_the_boxes_and_back(query: str) -> None:
    boxes = from_query(query)
    assert boxes is not None
    assert from_query(boxes.to_query()) == boxes


@pytest.mark.parametrize("query", ["a OR (b c)", "(a OR b) (c OR d)", "a OR b", "title:通知*"])
def test_a_query_the_form_cannot_show_stays_in_the_box(query: str) -> None:
    assert from_query(query) is None


def test_submitting_the_form_goes_to_the_search_it_writes(app: Flask) -> None:
    response = app.test_client().get(
        "/search/advanced",
        query_string={"build": "1", "all": "招生", "category": "基建", "year_from": "2020", "f": "fonds:J001"},
    )
    assert response.status_code == 302
    sent = parse_qs(urlsplit(response.headers["Location"]).query)
    assert sent == {"q": ["招生 category:基建 year:2020.."], "f": ["fonds:J001"]}


def test_the_form_opens_filled_from_the_box(app: Flask) -> None:
    page = app.test_client().get("/search/advanced", query_string={"q": '招生 "教育 局" -会议 title:关于'})
    html = htmllib.unescape(page.get_data(as_text=True))
    for name, value in (("all", "招生"), ("phrase", "教育 局"), ("none", "会议"), ("title", "关于")):
        assert re.search(rf'name="{name}" value="{value}"', html), name
    complex_page = app.test_client().get("/search/advanced", query_string={"q": "a OR (b c)"}).get_data(as_text=True)
    assert "表单无法表示" in complex_page


def test_a_malformed_box_gives_its_message(app: Flask) -> None:
    response = app.test_client().get("/search/advanced", query_string={"build": "1", "all": '"招生'})
    assert response.status_code == 400 and "引号未闭合" in response.get_data(as_text=True)


def test_facet_values_by_label_or_code(app: Flask) -> None:
    add_record(app, [["正文"]], images=False, title="基建档案", category_code="JJ", retention="Y")
    add_record(app, [["正文"]], images=False, title="文书档案", category_code="WS", retention="D30")
    client = app.test_client()

    def total(**params: str) -> str:
        found = re.search(r"共 (\d+) 条结果", client.get("/search", query_string=params).get_data(as_text=True))
        return found.group(1) if found else "?"

    assert total(q="category:基建") == total(q="category:JJ") == total(q="category:jj") == "1"
    assert total(f="category:基建") == total(f="category:JJ") == "1"
    assert total(f="retention:永久") == total(f="retention:Y") == "1"
    assert total(f="retention:30年") == "1"
    # the filter is kept as its code: the chip shows label and code, and the facet link is active
    page = client.get("/search", query_string={"f": "category:基建"}).get_data(as_text=True)
    assert '<li class="chip"><span>门类：基建 (JJ)</span>' in page


def test_the_syntax_help_lists_every_field(app: Flask) -> None:
    html = app.test_client().get("/search").get_data(as_text=True)
    help_box = re.search(r'<div id="syntax-help".*?</div>', html, re.S)
    assert help_box is not None
    for name in FIELDS:
        assert re.search(rf"<code[^>]*>{name}:", help_box.group(0)), name


def test_the_form_carries_a_date_range_and_refuses_a_bad_one(app: Flask) -> None:
    client = app.test_client()
    response = client.get(
        "/search/advanced", query_string={"build": "1", "all": "招生", "from": "2020", "to": "2021-06"}
    )
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "q": ["招生"],
        "from": ["2020"],
        "to": ["2021-06"],
    }
    filled = client.get("/search/advanced", query_string={"q": "招生", "from": "2020"}).get_data(as_text=True)
    assert 'name="from" value="2020"' in filled
    bad = client.get("/search/advanced", query_string={"build": "1", "all": "招生", "from": "someday"})
    assert bad.status_code == 400 and "不是有效日期" in bad.get_data(as_text=True)
