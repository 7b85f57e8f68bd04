"""ZIP archives: entries become children in the work folder; hostile archives are refused."""

from __future__ import annotations

import io
import stat
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer.extract.archive import ArchiveExtractor
from indexer.extract.base import (
    CorruptFile,
    EncryptedFile,
    ExtractContext,
    ResourceLimitExceeded,
    extractor_for,
)
from tests.extract.conftest import data_file

ZIP = "application/zip"


def expand(path: Path, ctx: ExtractContext):
    """Run the archive extractor."""
    return ArchiveExtractor().extract(path, ZIP, ctx)


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    """A deflated ZIP of name -> bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_registered() -> None:
    assert isinstance(extractor_for(ZIP), ArchiveExtractor)


def test_entries_become_children(
    tmp_path: Path, make_ctx: Callable[..., ExtractContext], unchanged
) -> None:
    pdf = data_file("simple3.pdf").read_bytes()
    path = unchanged(make_zip(tmp_path / "batch.zip", {
        "2023/通知.pdf": pdf, "2023/scan.tif": data_file("phototest.tif").read_bytes(),
        "readme.txt": "兰台".encode(), "2023/empty/": b"",
    }))
    ctx = make_ctx()
    extraction = expand(path, ctx)
    assert extraction.page_count == 0 and list(extraction.pages) == []
    names = sorted(p.relative_to(ctx.workdir).as_posix() for p in extraction.children)
    assert names == ["batch.contents/2023/scan.tif", "batch.contents/2023/通知.pdf",
                     "batch.contents/readme.txt"]
    child = next(p for p in extraction.children if p.name == "通知.pdf")
    assert child.read_bytes() == pdf
    assert extraction.metadata["entries"] == 4


def test_gbk_names_from_chinese_windows(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    # Windows tools in China write entry names in GBK without the UTF-8 flag.
    gbk = "档案.txt".encode("gbk")
    placeholder = b"X" * (len(gbk) - 4) + b".txt"
    raw = make_zip(tmp_path / "tmp.zip", {placeholder.decode(): b"text"}).read_bytes()
    path = tmp_path / "gbk.zip"
    path.write_bytes(raw.replace(placeholder, gbk))
    (child,) = expand(path, make_ctx()).children
    assert child.name == "档案.txt"


def test_zip_slip_refused(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = make_zip(tmp_path / "slip.zip", {"ok.txt": b"fine", "../../evil.txt": b"owned"})
    ctx = make_ctx()
    with pytest.raises(CorruptFile) as info:
        expand(path, ctx)
    assert "../../evil.txt" in info.value.message_en and "zip slip" in info.value.message_zh
    assert not (tmp_path / "evil.txt").exists() and not (ctx.workdir.parent / "evil.txt").exists()


@pytest.mark.parametrize("name", ["/tmp/lantai-evil.txt", "C:/Windows/evil.txt", "a\\..\\..\\evil.txt"])
def test_absolute_and_backslash_paths_refused(
    name: str, tmp_path: Path, make_ctx: Callable[..., ExtractContext]
) -> None:
    path = tmp_path / "abs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # ZipInfo would normalise it; a hostile tool does not
        archive.writestr(info, b"owned")
    with pytest.raises(CorruptFile) as info_:
        expand(path, make_ctx())
    assert name in info_.value.message_en
    assert not Path("/tmp/lantai-evil.txt").exists()


def test_symlink_entry_refused(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(CorruptFile) as info:
        expand(path, make_ctx())
    assert "symbolic link" in info.value.message_en and "passwd" in info.value.message_en


def test_zip_bomb_refused_while_streaming(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = make_zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(64 * 1024 * 1024)})
    assert path.stat().st_size < 200_000
    ctx = make_ctx(zip_max_total_bytes=16 * 1024 * 1024)
    with pytest.raises(ResourceLimitExceeded) as info:
        expand(path, ctx)
    assert "16777216" in info.value.message_en


def test_zip_bomb_lying_header_refused(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    # Headers claim 1000 bytes; the data inflates to 64 MiB. Nothing past 1000 bytes is written.
    real = 64 * 1024 * 1024
    raw = bytearray(make_zip(tmp_path / "honest.zip", {"zeros.bin": bytes(real)}).read_bytes())
    size = real.to_bytes(4, "little")
    raw = bytearray(raw.replace(size, (1000).to_bytes(4, "little")))
    path = tmp_path / "liar.zip"
    path.write_bytes(raw)
    ctx = make_ctx(zip_max_total_bytes=16 * 1024 * 1024)
    with pytest.raises((CorruptFile, ResourceLimitExceeded)):
        expand(path, ctx)
    written = [p for p in ctx.workdir.rglob("*") if p.is_file()]
    assert all(p.stat().st_size <= 1000 for p in written)


def test_too_many_entries(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = make_zip(tmp_path / "many.zip", {f"{i}.txt": b"x" for i in range(30)})
    with pytest.raises(ResourceLimitExceeded) as info:
        expand(path, make_ctx(zip_max_entries=20))
    assert "30 entries" in info.value.message_en


def test_declared_size_checked_before_writing(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = make_zip(tmp_path / "big.zip", {"a.bin": bytes(3 * 1024 * 1024)})
    ctx = make_ctx(zip_max_total_bytes=1024 * 1024)
    with pytest.raises(ResourceLimitExceeded) as info:
        expand(path, ctx)
    assert "declares" in info.value.message_en
    assert not any(p.is_file() for p in ctx.workdir.rglob("*"))


def test_encrypted_entry(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    (tmp_path / "secret.txt").write_text("机密内容")
    path = tmp_path / "locked.zip"
    subprocess.run(["zip", "-q", "-P", "s3cret", str(path), "secret.txt"], cwd=tmp_path, check=True)
    with pytest.raises(EncryptedFile) as info:
        expand(path, make_ctx())
    assert "secret.txt" in info.value.message_en
    with pytest.raises(EncryptedFile):
        expand(path, make_ctx(password="wrong", workdir=tmp_path / "w2"))
    (child,) = expand(path, make_ctx(password="s3cret", workdir=tmp_path / "w3")).children
    assert child.read_text() == "机密内容"


def _nest(levels: int) -> bytes:
    """A ZIP holding a ZIP ... ``levels`` deep, with one text file at the bottom."""
    data = _zip_bytes({"deepest.txt": b"bottom"})
    for level in range(levels - 1):
        data = _zip_bytes({f"level{level}.zip": data, f"note{level}.txt": b"n"})
    return data


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_nested_zip_expanded(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "outer.zip"
    path.write_bytes(_nest(3))
    children = expand(path, make_ctx()).children
    assert sorted(p.name for p in children) == ["deepest.txt", "note0.txt", "note1.txt"]
    assert not any(p.suffix == ".zip" for p in children)


def test_nesting_too_deep(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "deep.zip"
    path.write_bytes(_nest(5))
    with pytest.raises(ResourceLimitExceeded) as info:
        expand(path, make_ctx())
    assert "nested" in info.value.message_en and "level" in info.value.message_en


def test_office_files_inside_are_not_expanded(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    docx = _zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    path = make_zip(tmp_path / "docs.zip", {"report.docx": docx})
    (child,) = expand(path, make_ctx()).children
    assert child.name == "report.docx" and child.read_bytes() == docx


def test_not_a_zip(tmp_path: Path, make_ctx: Callable[..., ExtractContext]) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CorruptFile):
        expand(path, make_ctx())
