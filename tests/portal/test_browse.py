"""Browse the holdings: 全宗 → 门类 → 年度 → 保管期限 → 机构(问题), counts at every level, links to
the filtered search; the record page's breadcrumb; counts follow the caller's clearance."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record


def _holdings(app: Flask) -> dict[str, int]:
    def add(name: str, access: str = "open", **fields: object) -> int:
        return add_record(app, [["正文"]], access_level=access, images=False, title=name, **fields).id

    return {
        "a": add("甲", fonds_code="J001", category_code="WS", year=2023, retention="D30", department="办公室"),
        "b": add("乙", fonds_code="J001", category_code="WS", year=2023, retention="Y", department="办公室"),
        "c": add("丙", fonds_code="J001", category_code="JJ", year=2021, retention="Y", department="基建处"),
        "d": add("丁", fonds_code="J002", category_code="WS", year=2020, retention="D10", department="教务处"),
        "x": add(
            "戊", "internal", fonds_code="J003", category_code="WS", year=2020, retention="D10", department="人事处"
        ),
    }


def _rows(html: str) -> dict[str, int]:
    return {v: int(n) for v, n in re.findall(r'<tr data-value="([^"]+)">.*?class="count">(\d+)<', html, re.S)}


def test_each_level_counts_its_values_and_links_down_and_to_search(app: Flask, client: object) -> None:
    _holdings(app)
    c = app.test_client()
    assert _rows(c.get("/browse").get_data(as_text=True)) == {"J001": 3, "J002": 1}  # internal J003 not for the public
    html = c.get("/browse?fonds=J001").get_data(as_text=True)
    assert _rows(html) == {"JJ": 1, "WS": 2}
    assert "/browse?fonds=J001&amp;category=WS" in html
    assert "/search?f=fonds%3AJ001&amp;f=category%3AWS" in html
    assert _rows(c.get("/browse?fonds=J001&category=WS").get_data(as_text=True)) == {"2023": 2}
    assert _rows(c.get("/browse?fonds=J001&category=WS&year=2023").get_data(as_text=True)) == {"D30": 1, "Y": 1}
    deepest = c.get("/browse?fonds=J001&category=WS&year=2023&retention=Y").get_data(as_text=True)
    assert _rows(deepest) == {"办公室": 1}
    # the breadcrumb counts every level above
    assert [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', deepest)] == [3, 2, 2, 1]
    leaf = c.get("/browse?fonds=J001&category=WS&year=2023&retention=Y&department=办公室").get_data(as_text=True)
    assert "检索这 1 件档案" in leaf


def test_the_filtered_search_finds_what_the_count_says(app: Flask) -> None:
    _holdings(app)
    html = app.test_client().get("/search?f=fonds:J001&f=category:WS").get_data(as_text=True)
    assert "共 2 条结果" in html


def test_staff_counts_include_what_they_may_see(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    _holdings(app)
    auth = AuthActions(app.test_client())
    auth.login("archivist")
    assert _rows(auth.client.get("/browse").get_data(as_text=True)) == {"J001": 3, "J002": 1, "J003": 1}


def test_a_bad_year_is_an_error_not_a_crash(app: Flask) -> None:
    response = app.test_client().get("/browse?fonds=J001&category=WS&year=abc")
    assert response.status_code == 400 and "不是年份" in response.get_data(as_text=True)


def test_the_record_page_shows_its_place_in_the_hierarchy(app: Flask) -> None:
    ids = _holdings(app)
    html = app.test_client().get(f"/records/{ids['c']}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S)
    assert crumbs is not None
    links = re.findall(r'href="([^"]+)"', crumbs.group(0))
    assert (
        links[-1]
        == "/browse?fonds=J001&amp;category=JJ&amp;year=2021&amp;retention=Y&amp;department="
        + "%E5%9F%BA%E5%BB%BA%E5%A4%84"
    )
    assert "基建" in crumbs.group(0) and "永久" in crumbs.group(0)


def test_browse_speaks_english(app: Flask) -> None:
    _holdings(app)
    html = app.test_client().get("/browse?fonds=J001", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Browse the holdings" in html and "Category" in html and "Search these 3 records" in html
    assert "Document" in html or "WS" in html  # category shown by its English label with the code
