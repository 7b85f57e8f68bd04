"""DOCX, XLSX and ODT: Chinese text, tables, properties, page breaks and broken files."""

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
from indexer.extract.detect import DOCX, ODT, XLSX
from tests.extract import generate


def run(path: Path, mime: str, ctx: ExtractContext | None = None) -> tuple[int | None, dict, list]:
    """Extract with the registered extractor: page count, metadata, pages."""
    extraction = extractor_for(mime).extract(path, mime, ctx or ExtractContext())
    return extraction.page_count, extraction.metadata, list(extraction.pages)


def test_docx_text_tables_headers_and_properties(tmp_path: Path) -> None:
    count, metadata, pages = run(generate.docx_file(tmp_path / "总结.docx"), DOCX)
    assert count == 2 and [p.number for p in pages] == [1, 2]
    assert pages[0].text == (
        "长沙市教育局文件\n二〇二三年度档案工作总结\n今年全局共归档文书档案一千二百件。\n"
        "序号\t题名\t页数\n1\t关于招生工作的通知\t3\n第一部分结束。"
    )
    assert pages[1].text == "第二部分：明年工作计划。Plan for next year.\n第一页脚注"
    assert all(p.source is PageSource.ELECTRONIC for p in pages)
    assert metadata["title"] == "二〇二三年度档案工作总结"
    assert metadata["creator"] == "长沙市教育局办公室"
    assert metadata["date"].startswith("2023-12-20T09:30")


def test_docx_without_page_breaks_is_one_page(tmp_path: Path) -> None:
    count, _, pages = run(generate.docx_file(tmp_path / "a.docx", page_break=False), DOCX)
    assert count == 1 and "第一部分结束。\n第二部分" in pages[0].text


def test_truncated_docx_is_corrupt(tmp_path: Path) -> None:
    good = generate.docx_file(tmp_path / "good.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(CorruptFile) as info:
        run(path, DOCX)
    assert "损坏或被截断" in info.value.message_zh and "Word" in info.value.message_en


def test_docx_that_is_not_a_zip_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_bytes(b"\x8a\x01garbage\x00" * 100)
    with pytest.raises(CorruptFile, match="ZIP structure"):
        run(path, DOCX)


def test_zip_without_word_parts_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a document")
    with pytest.raises(CorruptFile, match="corrupt"):
        run(path, DOCX)


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    path = generate.docx_file(tmp_path / "a.docx")
    with pytest.raises(ResourceLimitExceeded):
        run(path, DOCX, ExtractContext(zip_max_total_bytes=10_000))


def test_xlsx_one_page_per_sheet(tmp_path: Path) -> None:
    count, metadata, pages = run(generate.xlsx_file(tmp_path / "目录.xlsx"), XLSX)
    assert count == 2
    assert pages[0].text == (
        "序号\t档号\t题名\t页数\t\t2023-12-20\n"
        "1\tJ001-WS·2023-D30-BGS-0001\t关于招生工作的通知\t3\n"
        "2\tJ001-WS·2023-D30-BGS-0002\t年度工作总结\t12"
    )
    assert pages[1].text == "合计\t15"
    assert metadata["sheets"] == ["归档目录", "统计"]
    assert metadata["title"] == "二〇二三年归档目录" and metadata["creator"] == "档案室"


def test_truncated_xlsx_is_corrupt(tmp_path: Path) -> None:
    good = generate.xlsx_file(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[:2000])
    with pytest.raises(CorruptFile, match="Excel"):
        run(path, XLSX)


def test_odt_text_table_and_properties(tmp_path: Path) -> None:
    count, metadata, pages = run(generate.odt_file(tmp_path / "章程.odt"), ODT)
    assert count == 1
    assert pages[0].text == "学校章程修订说明\n本次修订共涉及章程十二条。\n条目\t内容\n第三条\t办学宗旨"
    assert metadata == {"title": "学校章程修订说明", "creator": "校长办公室",
                        "date": "2023-05-04T10:00:00"}


def test_odt_with_invalid_content_xml_is_corrupt(tmp_path: Path) -> None:
    good = generate.odt_file(tmp_path / "good.odt")
    path = tmp_path / "bad.odt"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[:300] if item.filename == "content.xml" else data)
    with pytest.raises(CorruptFile, match="ODT"):
        run(path, ODT)


def test_content_controls_read_and_text_boxes_read_once(tmp_path: Path) -> None:
    from docx import Document
    from lxml import etree

    document = Document()
    document.add_paragraph("正文第一段。")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    body = document.element.body
    sdt = etree.fromstring(
        f'<w:sdt xmlns:w="{w}"><w:sdtContent><w:p><w:r><w:t>封面：年度报告</w:t></w:r></w:p>'
        "</w:sdtContent></w:sdt>"
    )
    box = etree.fromstring(
        f'<w:p xmlns:w="{w}" xmlns:mc="{mc}"><w:r><mc:AlternateContent>'
        "<mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t>"
        "</w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p>"
        "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    body.insert(0, sdt)
    body.insert(2, box)
    path = tmp_path / "boxes.docx"
    document.save(str(path))
    _, _, pages = run(path, DOCX)
    assert pages[0].text == "封面：年度报告\n正文第一段。\n文本框内容"


def _ole_file(path: Path, encrypted: bool) -> Path:
    """The start of an OLE2 compound file, with an EncryptedPackage entry when ``encrypted``."""
    name = "EncryptedPackage" if encrypted else "WordDocument"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + name.encode("utf-16-le")
                     + bytes(2048))
    return path


def test_password_protected_docx_is_reported_as_encrypted(tmp_path: Path) -> None:
    from indexer.extract.base import EncryptedFile
    from indexer.extract.detect import detect

    path = _ole_file(tmp_path / "机密.docx", encrypted=True)
    detection = detect(path)
    assert detection.mime_type == DOCX and not detection.misnamed
    with pytest.raises(EncryptedFile) as info:
        run(path, DOCX)
    assert "密码" in info.value.message_zh


def test_old_binary_word_file_renamed_docx_is_explained(tmp_path: Path) -> None:
    with pytest.raises(CorruptFile, match="old binary Office file"):
        run(_ole_file(tmp_path / "old.docx", encrypted=False), XLSX)
