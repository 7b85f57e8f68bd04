"""Every page of the English interface is in English (record data apart)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record
from tests.work.english_pages import foreign_text, page_urls

DATA = ["关于做好2023年招生工作的通知", "长沙市教育局", "长教发〔2023〕12号", "办公室", "招生 计划 见 附件", "通知.txt",
        "J001-WS·2023-D30-BGS-0001", "招生", "计划", "见", "附件"]
# Chinese on purpose in both languages: the name 兰台, and example queries and patterns (they match Chinese text).
EXAMPLES = ["兰台", '招生 "教育局"', "招生|入学"]


def test_every_page_in_english_has_no_chinese_outside_record_data(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    rec = add_record(app, [["招生 计划 见 附件"]], reference_code="J001-WS·2023-D30-BGS-0001")
    auth.login("admin")
    client.get("/lang/en")
    values = {"record_id": rec.id, "number": 1}
    found: dict[str, list[str]] = {}
    urls = sorted(set(page_urls(app, values)) | {"/search?q=招生", f"/records/{rec.id}?q=招生"})
    for url in urls:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        foreign = foreign_text(response.get_data(as_text=True), [*DATA, *EXAMPLES])
        if foreign:
            found[url] = foreign
    assert found == {}, "\n".join(f"{url}: {' | '.join(runs)}" for url, runs in found.items())
