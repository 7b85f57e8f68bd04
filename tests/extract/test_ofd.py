"""OFD: pages in order, text in reading order, document properties, broken packages."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from archive.vocabulary import PageSource
from indexer.extract.base import (
    CorruptFile,
    ExtractContext,
    ResourceLimitExceeded,
    extractor_for,
)
from indexer.extract.detect import OFD, detect
from tests.extract import generate


def run(path: Path, ctx: ExtractContext | None = None) -> tuple[int | None, dict, list]:
    """Extract with the registered OFD extractor."""
    extraction = extractor_for(OFD).extract(path, OFD, ctx or ExtractContext())
    return extraction.page_count, extraction.metadata, list(extraction.pages)


def test_pages_text_in_reading_order_and_properties(tmp_path: Path) -> None:
    path = generate.ofd_file(tmp_path / "通知.ofd")
    assert detect(path).mime_type == OFD
    count, metadata, pages = run(path)
    assert count == 3 and [p.number for p in pages] == [1, 2, 3]
    # The title's two halves are separate objects listed after the salutation in the XML.
    assert pages[0].text == "关于做好档案归档工作的通知\n各区县教育局：\n现将有关事项通知如下。"
    assert pages[1].text == "一、归档范围\n本单位形成的具有保存价值的文件材料。"
    assert pages[2].text == "长沙市教育局\n2023年3月1日"
    assert all(p.source is PageSource.ELECTRONIC and p.error is None for p in pages)
    assert metadata["title"] == "关于做好档案归档工作的通知"
    assert metadata["creator"] == "长沙市教育局"
    assert metadata["date"] == "2023-03-01"


def test_invalid_ofd_xml_is_corrupt(tmp_path: Path) -> None:
    path = generate.ofd_file(tmp_path / "bad.ofd", broken_root=True)
    with pytest.raises(CorruptFile) as info:
        run(path)
    assert "OFD.xml" in info.value.message_en and "不是有效的 XML" in info.value.message_zh


def test_one_broken_page_is_a_page_error_and_the_rest_is_read(tmp_path: Path) -> None:
    path = generate.ofd_file(tmp_path / "page.ofd", broken_page=1)
    _, _, pages = run(path)
    assert pages[0].text.startswith("关于做好档案归档工作的通知")
    assert isinstance(pages[1].error, CorruptFile) and pages[1].text == ""
    assert "Page_1/Content.xml" in pages[1].error.message_en
    assert pages[2].text == "长沙市教育局\n2023年3月1日"


def test_zip_without_ofd_xml_is_not_an_ofd(tmp_path: Path) -> None:
    path = tmp_path / "x.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Doc_0/Document.xml", "<Document/>")
    with pytest.raises(CorruptFile, match=r"OFD\.xml is missing"):
        run(path)


def test_truncated_ofd_is_corrupt(tmp_path: Path) -> None:
    good = generate.ofd_file(tmp_path / "good.ofd").read_bytes()
    path = tmp_path / "cut.ofd"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(CorruptFile, match="OFD"):
        run(path)


def test_oversized_package_is_refused(tmp_path: Path) -> None:
    path = generate.ofd_file(tmp_path / "big.ofd")
    with pytest.raises(ResourceLimitExceeded):
        run(path, ExtractContext(zip_max_total_bytes=1000))


def test_entity_expansion_is_not_performed(tmp_path: Path) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "档案档案档案档案">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
            '<ofd:TextObject Boundary="0 0 10 10" Size="4"><ofd:TextCode X="0" Y="4">&b;正文'
            '</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')
    path = generate.ofd_file(tmp_path / "ent.ofd", pages=[[(10.0, 10.0, 4.0, "占位")]])
    patched = tmp_path / "ent2.ofd"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = bomb.encode() if item.filename.endswith("Content.xml") else src.read(item)
            dst.writestr(item, data)
    _, _, pages = run(patched)
    assert "正文" in pages[0].text
    assert "档案档案" not in pages[0].text
