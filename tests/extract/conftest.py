"""Shared fixtures for the extractor tests: contexts, the real OCR engine, originals that must
stay unchanged, and builders for hand-made (hostile) PDFs, images and ZIPs."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.extract.base import ExtractContext, Extraction, PageContent
from ocr.engine import OcrEngine, get_engine
from tests.conftest import DATA


@pytest.fixture(scope="session")
def ocr_engine() -> OcrEngine:
    """The real Tesseract engine."""
    return get_engine("tesseract")


@pytest.fixture
def make_ctx(tmp_path: Path) -> Callable[..., ExtractContext]:
    """An ``ExtractContext`` with a fresh work folder; keyword arguments override fields."""

    def make(**overrides: Any) -> ExtractContext:
        workdir = tmp_path / "work"
        workdir.mkdir(exist_ok=True)
        values: dict[str, Any] = {"workdir": workdir, "ocr_workers": 2}
        values.update(overrides)
        return ExtractContext(**values)

    return make


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def unchanged() -> Iterator[Callable[[Path], Path]]:
    """Register originals; after the test each must still have its SHA-256 from before."""
    seen: dict[Path, str] = {}

    def track(path: Path) -> Path:
        seen[path] = sha256(path)
        return path

    yield track
    for path, digest in seen.items():
        assert sha256(path) == digest, f"{path.name} was changed by extraction"


def data_file(name: str) -> Path:
    """A file from tests/data."""
    return DATA / name


def all_pages(extraction: Extraction) -> list[PageContent]:
    """Every page of an extraction, in order."""
    return list(extraction.pages)


def squash(text: str) -> str:
    """Text with all whitespace removed, for ground-truth comparisons across line breaks."""
    return "".join(text.split())


def build_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF from numbered object bodies, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def pdf_stream(data: bytes, extra: bytes = b"") -> bytes:
    """A stream object body."""
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


HELVETICA = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def one_page_pdf(content: bytes, resources: bytes = HELVETICA, extra: dict[int, bytes] | None = None,
                 size: int = 300) -> bytes:
    """A one-page PDF drawing ``content`` (objects 1-4; ``extra`` adds more)."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources %s /Contents 4 0 R >>"
        % (size, size, resources),
        4: pdf_stream(content),
    }
    objects.update(extra or {})
    return build_pdf(objects)


def deflated_zeros(megabytes: int) -> bytes:
    """``megabytes`` MiB of zero bytes as one valid zlib stream (about 1 KB per MiB).

    Each MiB is compressed once and repeated: after a full flush the compressor starts
    afresh, so every following block compresses to the same bytes. A gigabyte takes a
    second to build instead of a dozen.
    """
    block = bytes(1024 * 1024)
    compressor = zlib.compressobj(9)
    head = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(block, checksum)
    # An empty final block, then the Adler-32 of everything.
    return head + body * (megabytes - 1) + b"\x03\x00" + struct.pack(">I", checksum)
