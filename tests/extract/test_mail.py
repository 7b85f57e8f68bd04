"""E-mail: Chinese headers as properties, body first, attachments' pages appended."""

from __future__ import annotations

from pathlib import Path

from archive.vocabulary import PageSource
from indexer.extract.base import CorruptFile, ExtractContext, MisnamedFile, extractor_for
from indexer.extract.detect import EML
from tests.extract import generate


def run(path: Path) -> tuple[int | None, dict, list]:
    """Extract with the registered e-mail extractor."""
    extraction = extractor_for(EML).extract(path, EML, ExtractContext(workdir=path.parent))
    return extraction.page_count, extraction.metadata, list(extraction.pages)


def test_headers_and_plain_body(tmp_path: Path) -> None:
    count, metadata, pages = run(generate.eml_file(tmp_path / "a.eml"))
    assert count == 1
    assert metadata["title"] == "关于报送年度档案的通知"  # RFC 2047, GB2312
    assert metadata["creator"] == "办公室 <office@example.edu.cn>"  # RFC 2047, UTF-8
    assert metadata["to"] == "archive@example.edu.cn"
    assert metadata["date"] == "2023-03-01T09:00:00+08:00"
    assert pages[0].text == "各单位：\n请于三月底前报送年度档案。"
    assert pages[0].source is PageSource.ELECTRONIC


def test_html_body_is_used_when_there_is_no_plain_text(tmp_path: Path) -> None:
    _, _, pages = run(generate.eml_file(tmp_path / "h.eml", html_only=True))
    assert pages[0].text == "请于三月底前报送。"


def test_attachments_pages_follow_the_body(tmp_path: Path) -> None:
    docx = generate.docx_file(tmp_path / "src.docx").read_bytes()
    attachments = [
        ("年度总结.docx", docx),
        ("名单.txt", "张三\n李四\n".encode("gbk")),
        ("转发.eml", generate.simple_eml_bytes()),
    ]
    count, metadata, pages = run(generate.eml_file(tmp_path / "m.eml", attachments))
    assert count is None  # known only once the attachments are read
    assert [p.number for p in pages] == [1, 2, 3, 4, 5]
    assert pages[1].text.startswith("附件 / Attachment: 年度总结.docx\n长沙市教育局文件")
    assert pages[2].text.startswith("第二部分")  # the DOCX's second page, no label
    assert pages[3].text == "附件 / Attachment: 名单.txt\n张三\n李四"
    assert pages[4].text == "附件 / Attachment: 转发.eml\n会议纪要正文。"
    assert [a["filename"] for a in metadata["attachments"]] == ["年度总结.docx", "名单.txt", "转发.eml"]
    assert not list(tmp_path.glob("lantai-mail-*"))  # scratch files removed


def test_unreadable_attachments_are_page_errors_not_a_failed_message(tmp_path: Path) -> None:
    docx = generate.docx_file(tmp_path / "src.docx").read_bytes()
    attachments = [
        ("损坏.docx", docx[:3000]),
        ("图片.docx", generate.png_bytes()),
        ("说明.txt", "仍然可读".encode()),
    ]
    _, _, pages = run(generate.eml_file(tmp_path / "m.eml", attachments))
    assert pages[0].text.startswith("各单位")
    assert isinstance(pages[1].error, CorruptFile)
    assert pages[1].text == "附件 / Attachment: 损坏.docx"
    assert isinstance(pages[2].error, MisnamedFile)
    assert pages[3].text == "附件 / Attachment: 说明.txt\n仍然可读" and pages[3].error is None


def test_raw_gbk_subject_is_decoded(tmp_path: Path) -> None:
    raw = (b"From: office@example.cn\r\nSubject: " + "会议通知".encode("gbk")
           + b"\r\nContent-Type: text/plain; charset=gbk\r\n\r\n" + "明天开会。".encode("gbk"))
    path = tmp_path / "raw.eml"
    path.write_bytes(raw)
    _, metadata, pages = run(path)
    assert metadata["title"] == "会议通知"
    assert pages[0].text == "明天开会。"


def test_attached_zip_entries_become_children(tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("名单.txt", "张三")
    path = generate.eml_file(tmp_path / "z.eml", [("材料.zip", buffer.getvalue())])
    extraction = extractor_for(EML).extract(path, EML, ExtractContext(workdir=tmp_path))
    pages = list(extraction.pages)
    assert pages[1].text == "附件 / Attachment: 材料.zip" and pages[1].error is None
    assert [c.name for c in extraction.children] == ["名单.txt"]
    assert extraction.children[0].read_text(encoding="utf-8") == "张三"


def test_hostile_attachment_names_stay_inside_the_scratch_folder(tmp_path: Path) -> None:
    attachments = [("..", "甲".encode()), ("../../逃逸.txt", "乙".encode()), ("长" * 120 + ".txt", "丙".encode())]
    _, metadata, pages = run(generate.eml_file(tmp_path / "h.eml", attachments))
    names = [a["filename"] for a in metadata["attachments"]]
    assert names[0] == "attachment-1" and names[1] == "逃逸.txt"
    assert names[2].endswith(".txt") and len(names[2].encode()) <= 200
    assert [p.text.splitlines()[-1] for p in pages[1:]] == ["甲", "乙", "丙"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.eml"]
