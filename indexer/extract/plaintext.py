"""Plain text and CSV: encoding detected (UTF-8/16, GB18030, Big5, ...), long texts split into
pages at line boundaries, CSV rows written as tab-separated cells like spreadsheet sheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from archive.vocabulary import PageSource
from indexer.extract.base import (
    EmptyFile,
    ExtractContext,
    Extraction,
    ExtractionError,
    PageContent,
    ResourceLimitExceeded,
)
from indexer.extract.encoding import decode_text

# About two printed pages of Chinese prose: small enough for the viewer and for highlighting.
PAGE_CHARS = 3000
MAX_TEXT_BYTES = 256 * 1024 * 1024


def read_bytes(path: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The whole file, refusing one above ``limit`` bytes or one that is empty."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ResourceLimitExceeded(
                f"The text file is {size} bytes, more than the limit of {limit}",
                f"文本文件大小为 {size} 字节，超过上限 {limit}",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"The file cannot be read: {exc}", "无法读取文件") from exc
    if not data:
        raise EmptyFile()
    return data


def cut_line(line: str, size: int) -> tuple[list[str], str]:
    """A line longer than a page as whole pieces of ``size`` characters and the rest (1 to
    ``size`` characters, which starts the next page). Each character is copied once: cutting
    the rest off again and again would copy a 131 MB one-line file some 40,000 times."""
    whole = (len(line) - 1) // size
    return [line[i * size : (i + 1) * size] for i in range(whole)], line[whole * size :]


def split_pages(text: str, page_chars: int = PAGE_CHARS) -> list[str]:
    """Cut ``text`` into pages of about ``page_chars`` characters, only at line ends (a single
    line longer than a page is cut at the limit). Linear in the length of the text."""
    pages: list[str] = []
    current: list[str] = []
    length = 0
    for line in text.splitlines(keepends=True):
        if len(line) > page_chars:
            if current:
                pages.append("".join(current))
                current, length = [], 0
            pieces, line = cut_line(line, page_chars)
            pages.extend(pieces)
        if length + len(line) > page_chars and current:
            pages.append("".join(current))
            current, length = [], 0
        current.append(line)
        length += len(line)
    if current:
        pages.append("".join(current))
    return [page.rstrip("\n") for page in pages] or [""]


def csv_to_text(text: str) -> str:
    """CSV rows as lines of tab-separated cells (delimiter sniffed among , ; tab |)."""
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return "\n".join("\t".join(cell.strip() for cell in row) for row in reader)
    except csv.Error:
        return text  # a malformed quote: the raw text is still searchable


class PlainTextExtractor:
    """TXT and CSV files in any of the encodings Chinese archives hold."""

    name: ClassVar[str] = "plaintext"
    # text/* : Markdown, TeX, logs and other plain-text formats are read as text.
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/plain", "text/csv", "application/csv", "text/*"})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Decode the file and cut it into pages."""
        decoded = decode_text(read_bytes(path))
        text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
        if mime_type in {"text/csv", "application/csv"}:
            text = csv_to_text(text)
        pages = split_pages(text)
        metadata = {"encoding": decoded.encoding, "lines": len(text.splitlines())}
        return Extraction(len(pages), _pages(pages, ctx), metadata)


def _pages(texts: list[str], ctx: ExtractContext) -> Iterator[PageContent]:
    """Electronic pages, numbered from 1, with progress reported."""
    for number, text in enumerate(texts, start=1):
        yield PageContent(number=number, text=text, source=PageSource.ELECTRONIC)
        ctx.progress(number, len(texts))
