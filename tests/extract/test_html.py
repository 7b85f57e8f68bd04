"""HTML: visible text only, blocks as lines, Chinese joined without spaces, title and author."""

from __future__ import annotations

from pathlib import Path

from archive.vocabulary import PageSource
from indexer.extract.base import ExtractContext, extractor_for
from indexer.extract.html import html_to_text

PAGE = """<!DOCTYPE html>
<html><head>
<meta charset="gbk">
<title>关于做好
  档案归档工作的通知</title>
<meta name="author" content="长沙市教育局">
<style>p { color: red; }</style>
<script>var secret = "不应出现";</script>
</head><body>
<h1>关于做好档案
    归档工作的通知</h1>
<!-- 注释也不应出现 -->
<p>各学校：<br>请认真<b>贯彻</b>执行。See <a href="#">the rules</a>.</p>
<div hidden>隐藏内容</div>
<table><tr><th>序号</th><th>题名</th></tr><tr><td>1</td><td>招生通知</td></tr></table>
<noscript>请启用脚本</noscript>
</body></html>
"""


def test_visible_text_in_reading_order(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_bytes(PAGE.encode("gbk"))
    extraction = extractor_for("text/html").extract(path, "text/html", ExtractContext())
    pages = list(extraction.pages)
    assert len(pages) == 1 and pages[0].source is PageSource.ELECTRONIC
    assert pages[0].text == (
        "关于做好档案归档工作的通知\n各学校：\n请认真贯彻执行。See the rules.\n序号\t题名\n1\t招生通知"
    )
    assert extraction.metadata["title"] == "关于做好档案归档工作的通知"
    assert extraction.metadata["creator"] == "长沙市教育局"


def test_script_style_comments_and_hidden_text_are_dropped() -> None:
    text = html_to_text(PAGE).text
    for invisible in ("不应出现", "color", "注释", "隐藏内容", "请启用脚本"):
        assert invisible not in text


def test_undeclared_gb18030_is_detected() -> None:
    markup = "<html><body><p>学校年度总结报告已经完成</p></body></html>".encode("gb18030")
    assert html_to_text(markup).text == "学校年度总结报告已经完成"


def test_latin_words_keep_their_spaces() -> None:
    result = html_to_text("<p>Annual   report\n of the <i>school</i> 学校 年度报告</p>")
    assert result.text == "Annual report of the school 学校年度报告"
    assert result.title is None


def test_page_labelled_gb2312_but_using_gbk_characters() -> None:
    # 镕 and 堃 are in GBK but not in GB2312: a gb2312 label must not turn them into garbage.
    markup = '<meta charset="gb2312"><p>朱镕基、王堃的来信</p>'.encode("gbk")
    assert html_to_text(markup).text == "朱镕基、王堃的来信"
