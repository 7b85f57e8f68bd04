"""The record page: description, page viewer with hit boxes, page text, search within, related
records, page images and thumbnails, and access on every route."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.portal.sample_records import add_record

PAGES = [
    ["关于 做好 2023年 招生工作 的 通知", "各 学校 ："],
    ["招生 计划 见 附件", "长沙市 教育局"],
    ["联系人 ： 王 老师"],
]
RECT = re.compile(r'<rect class="hit-box" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')


def test_record_page_shows_description_with_chinese_labels(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES, reference_code="J001-WS·2023-D30-BGS-0012")
    html = client.get(f"/records/{rec.id}").get_data(as_text=True)
    for label, value in [
        ("档号", "J001-WS·2023-D30-BGS-0012"),
        ("题名", "关于做好2023年招生工作的通知"),
        ("门类", "文书 (WS)"),
        ("保管期限", "定期30年 (D30)"),
        ("文号", "长教发〔2023〕12号"),
        ("责任者", "长沙市教育局"),
        ("日期", "2023-05-12"),
    ]:
        assert re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td>{re.escape(value)}</td>", html), label
    assert "各 学校 ：" in html  # page 1 text
    assert f"/records/{rec.id}/download" in html
    assert f"/records/{rec.id}/text.txt" in html


def test_viewer_draws_boxes_over_the_query_words(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES)
    html = client.get(f"/records/{rec.id}", query_string={"q": "招生", "page": 1}).get_data(as_text=True)
    boxes = [tuple(float(v) for v in m) for m in RECT.findall(html)]
    # The OCR word is 招生工作: the box covers its first two characters (tests/work/test_hit_boxes.py).
    word = next(w for w in rec.words[0] if "招生" in w[0])
    expected = [(float(word[2]), float(word[3]), float(round(word[4] / 2)), float(word[5]))]
    assert boxes == expected and len(boxes) == 1
    assert 'viewBox="0 0 800 1000"' in html  # boxes are in page pixels and scale with the image
    # Both matching pages are listed for search within the record, the current one marked.
    assert f"/records/{rec.id}?q=%E6%8B%9B%E7%94%9F&amp;page=2" in html
    assert "<mark>" in html


def test_viewer_opens_at_the_first_matching_page(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES)
    html = client.get(f"/records/{rec.id}", query_string={"q": "王老师"}).get_data(as_text=True)
    assert '<pre lang="zh">联系人 ： 王 老师</pre>' in html
    assert len(RECT.findall(html)) == 2  # the phrase spans the OCR words 王 and 老师


def test_viewer_pages_through_with_query_kept(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES)
    html = client.get(f"/records/{rec.id}", query_string={"q": "招生", "page": 2}).get_data(as_text=True)
    text = re.search(r"<pre[^>]*>(.*?)</pre>", html, re.S)
    assert text and text.group(1) == "招生 计划 见 附件\n长沙市 教育局"
    assert f'rel="prev" href="/records/{rec.id}?page=1&amp;q=%E6%8B%9B%E7%94%9F"' in html
    assert f'rel="next" href="/records/{rec.id}?page=3&amp;q=%E6%8B%9B%E7%94%9F"' in html
    assert len(RECT.findall(html)) == 1
    # A page number past the end shows the last page rather than an error.
    last = client.get(f"/records/{rec.id}", query_string={"page": 99}).get_data(as_text=True)
    assert '<pre lang="zh">联系人 ： 王 老师</pre>' in last


def test_search_within_record_reports_no_match_and_bad_queries(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES)
    none = client.get(f"/records/{rec.id}", query_string={"q": "财务"})
    assert none.status_code == 200 and "本档案中没有找到“财务”" in none.get_data(as_text=True)
    bad = client.get(f"/records/{rec.id}", query_string={"q": '"招生'})
    assert bad.status_code == 200
    assert 'role="alert"' in bad.get_data(as_text=True)


def test_page_image_thumbnail_and_text(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES)
    image = client.get(f"/records/{rec.id}/pages/1/image")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.data.startswith(b"\xff\xd8")
    thumb = client.get(f"/records/{rec.id}/pages/1/thumbnail")
    assert thumb.status_code == 200 and len(thumb.data) < len(image.data)
    text = client.get(f"/records/{rec.id}/pages/2/text")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.get_data(as_text=True) == "招生 计划 见 附件\n长沙市 教育局"
    assert client.get(f"/records/{rec.id}/pages/9/image").status_code == 404


def test_related_records_are_the_same_series_and_respect_access(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES, item_number=1, index=False)
    sibling = add_record(app, [["第二件"]], title="2023年招生计划", item_number=2, index=False)
    hidden = add_record(app, [["内部"]], access_level="internal", title="内部的同系列档案", item_number=3, index=False)
    same_creator = add_record(app, [["别的"]], title="同一责任者", fonds_code="J002", index=False)
    other = add_record(app, [["别的"]], title="别的全宗", fonds_code="J003", creator="某中学", index=False)
    html = client.get(f"/records/{rec.id}").get_data(as_text=True)
    assert f'href="/records/{sibling.id}"' in html
    assert f'href="/records/{hidden.id}"' not in html and "内部的同系列档案" not in html
    assert f'href="/records/{other.id}"' not in html
    # Same series first, then records of the same creator.
    assert html.index(f'href="/records/{sibling.id}"') < html.index(f'href="/records/{same_creator.id}"')


CONTENT_ROUTES = ["/pages/1/image", "/pages/1/thumbnail", "/pages/1/text", "/download", "/text.txt"]


@pytest.mark.parametrize(
    ("role", "level", "page_status", "content_status"),
    [
        (None, "open", 200, 200),
        (None, "internal", 404, 404),
        (None, "restricted", 404, 404),
        ("researcher", "internal", 404, 404),
        ("researcher", "restricted", 200, 403),
        ("archivist", "restricted", 200, 200),
        ("archivist", "secret", 404, 404),
        ("admin", "secret", 200, 403),
    ],
)
def test_access_on_every_record_route(
    app: Flask, client: FlaskClient, auth: object, role: str | None, level: str, page_status: int, content_status: int
) -> None:
    rec = add_record(app, PAGES, access_level=level, index=False)
    if role:
        auth.login(role)  # type: ignore[attr-defined]
    page = client.get(f"/records/{rec.id}")
    assert page.status_code == page_status
    if page_status == 200 and content_status == 403:
        html = page.get_data(as_text=True)
        assert "/pages/1/image" not in html and "各 学校" not in html and "/download" not in html
    for route in CONTENT_ROUTES:
        assert client.get(f"/records/{rec.id}{route}").status_code == content_status, route


def test_researcher_sees_request_link_then_reads_after_grant(
    app: Flask, client: FlaskClient, auth: object, grant: Callable[..., int]
) -> None:
    rec = add_record(app, PAGES, access_level="restricted", index=False)
    auth.login("researcher")  # type: ignore[attr-defined]
    html = client.get(f"/records/{rec.id}").get_data(as_text=True)
    assert f"/requests/new?record={rec.id}" in html
    grant(rec.id)
    html = client.get(f"/records/{rec.id}").get_data(as_text=True)
    assert "/requests/new" not in html and "各 学校" in html
    assert client.get(f"/records/{rec.id}/pages/1/image").status_code == 200
    grant(rec.id, days=-1)  # an expired grant alone opens nothing
