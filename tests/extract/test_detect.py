"""File-type detection: content first, containers sniffed, misnamed files reported."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from indexer.extract.base import EmptyFile, MisnamedFile
from indexer.extract.detect import (
    DOCX,
    EML,
    ODT,
    OFD,
    XLSX,
    ZIP,
    Detection,
    check_extension,
    detect,
    detect_mime,
)
from tests.extract import generate


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One generated file of each format."""
    d = tmp_path_factory.mktemp("detect")
    made = {
        "docx": generate.docx_file(d / "a.docx"),
        "xlsx": generate.xlsx_file(d / "a.xlsx"),
        "odt": generate.odt_file(d / "a.odt"),
        "ofd": generate.ofd_file(d / "a.ofd"),
        "eml": generate.eml_file(d / "a.eml"),
        "gb": generate.text_file(d / "gb.txt", generate.NOTICE, "gb18030"),
        "png": d / "a.png",
        "zip": d / "a.zip",
    }
    made["png"].write_bytes(generate.png_bytes())
    with zipfile.ZipFile(made["zip"], "w") as zf:
        zf.writestr("readme.txt", "说明")
    return made


@pytest.mark.parametrize(("key", "mime"), [
    ("docx", DOCX), ("xlsx", XLSX), ("odt", ODT), ("ofd", OFD), ("eml", EML),
    ("gb", "text/plain"), ("png", "image/png"), ("zip", ZIP),
])
def test_formats_are_recognised_by_content(files: dict[str, Path], key: str, mime: str) -> None:
    detection = detect(files[key])
    assert detection == Detection(mime, mime, misnamed=False)
    assert detect_mime(files[key]) == mime


def test_content_decides_even_without_an_extension(files: dict[str, Path], tmp_path: Path) -> None:
    for key, mime in (("docx", DOCX), ("ofd", OFD), ("odt", ODT)):
        bare = tmp_path / key
        shutil.copy(files[key], bare)
        assert detect(bare) == Detection(mime, None, misnamed=False)


def test_csv_is_told_from_plain_text_by_its_extension(tmp_path: Path) -> None:
    path = tmp_path / "目录.csv"
    path.write_text("序号,题名\n1,通知\n", encoding="utf-8")
    assert detect_mime(path) == "text/csv"
    assert detect_mime(path, filename="目录.txt") == "text/plain"


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    path.touch()
    with pytest.raises(EmptyFile) as info:
        detect(path)
    assert "文件为空" in str(info.value)


def test_zip_named_pdf_is_a_clear_error(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    shutil.copy(files["zip"], path)
    detection = detect(path)
    assert detection.mime_type == ZIP
    assert detection.extension_mime == "application/pdf"
    assert detection.misnamed
    with pytest.raises(MisnamedFile) as info:
        check_extension(detection)
    assert "This is a ZIP archive, not a PDF document" in info.value.message_en
    assert "ZIP 压缩包" in info.value.message_zh and "PDF 文档" in info.value.message_zh


def test_png_named_docx_is_misnamed(files: dict[str, Path]) -> None:
    detection = detect(files["png"], filename="总结.docx")
    assert detection.mime_type == "image/png" and detection.misnamed
    with pytest.raises(MisnamedFile, match="not a Word"):
        check_extension(detection)


def test_differences_that_do_not_matter_are_not_flagged(files: dict[str, Path]) -> None:
    assert not detect(files["docx"], filename="总结.zip").misnamed  # a DOCX is a ZIP
    assert not detect(files["png"], filename="photo.jpg").misnamed  # still an image
    check_extension(detect(files["gb"], filename="notice.html"))  # text either way


def test_truncated_docx_goes_to_the_docx_extractor(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "cut.docx"
    path.write_bytes(files["docx"].read_bytes()[:4000])
    assert detect(path) == Detection(DOCX, DOCX, misnamed=False)


def test_unknown_bytes_take_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "x.ofd"
    path.write_bytes(b"\x8a\x01garbage\x00" * 200)  # libmagic: application/octet-stream
    assert detect(path) == Detection(OFD, OFD, misnamed=False)


def test_every_detected_format_has_an_extractor_giving_numbered_pages(files: dict[str, Path]) -> None:
    """The pipeline's path: detect, then the registry, then pages numbered from 1."""
    from indexer.extract.base import ExtractContext, extractor_for

    for key in ("docx", "xlsx", "odt", "ofd", "eml", "gb"):
        detection = detect(files[key])
        check_extension(detection)
        extraction = extractor_for(detection.mime_type).extract(
            files[key], detection.mime_type, ExtractContext())
        pages = list(extraction.pages)
        assert pages, key
        assert [p.number for p in pages] == list(range(1, len(pages) + 1)), key
        assert any(p.text for p in pages), key
        if key != "gb":  # plain text has no properties
            assert extraction.metadata.get("title"), key


def test_a_stray_mimetype_file_does_not_fool_zip_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "这是说明")
        zf.writestr("a.txt", "x")
    assert detect(path) == Detection(ZIP, ZIP, misnamed=False)
