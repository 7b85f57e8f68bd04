"""The ``Extractor`` interface, its result types, the extraction errors and the registry.

Each extractor declares the MIME types it reads and yields pages one at a time, so that a
300-page PDF never sits in memory whole. Library errors (pdfminer, Pillow, ...) are caught
where the library is called and raised as one of the ``ExtractionError`` classes here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from PIL import Image

from archive.vocabulary import PageSource
from config.errors import LantaiError
from ocr.engine import OcrEngine


class ExtractionError(LantaiError):
    """A file could not be read; the message says why, in Chinese and English."""

    code = "extraction_failed"
    http_status = 422
    default_zh = "无法读取文件"
    default_en = "The file could not be read"


class UnsupportedFormat(ExtractionError):
    code = "unsupported_format"
    default_zh = "不支持的文件格式"
    default_en = "This file format is not supported"


class EmptyFile(ExtractionError):
    code = "empty_file"
    default_zh = "文件为空"
    default_en = "The file is empty"


class CorruptFile(ExtractionError):
    code = "corrupt_file"
    default_zh = "文件已损坏或被截断"
    default_en = "The file is corrupt or truncated"


class MisnamedFile(ExtractionError):
    code = "misnamed_file"
    default_zh = "文件扩展名与内容不符"
    default_en = "The file's extension does not match its content"


class EncryptedFile(ExtractionError):
    code = "encrypted"
    default_zh = "文件已加密，需要密码"
    default_en = "The file is encrypted and needs a password"


class ResourceLimitExceeded(ExtractionError):
    code = "resource_limit"
    default_zh = "文件超出处理限制"
    default_en = "The file exceeds a processing limit"


def is_time_limit(exc: BaseException) -> bool:
    """Whether ``exc`` is a document's soft time limit (Celery's, or ``indexer.monitor``'s for
    ``--inline``): code that catches broadly to degrade one part must raise it again."""
    return type(exc).__name__ == "SoftTimeLimitExceeded"


@dataclass
class PageContent:
    """One extracted page. ``image`` is the page as a picture for the viewer, when there is one."""

    number: int  # 1-based
    text: str
    source: PageSource
    confidence: float | None = None
    words: list[list[Any]] = field(default_factory=list)  # Word.as_list() rows
    image: Image.Image | None = None
    width: int | None = None  # pixel size of ``image`` (word boxes refer to it)
    height: int | None = None
    error: LantaiError | None = None  # a page that failed alone (the record goes on)
    # No ``image`` yet, but one of ``width`` x ``height`` can be rendered from the original
    # when the page is first shown (born-digital PDF pages: ``indexer.pageimages``).
    deferred_image: bool = False


@dataclass
class ExtractContext:
    """What an extractor needs besides the file: limits, languages, OCR, password, progress."""

    languages: Sequence[str] = ("chi_sim", "eng")
    ocr: OcrEngine | None = None
    password: str | None = None
    max_image_pixels: int = 100_000_000
    page_time_limit: int = 300
    pdf_max_stream_bytes: int = 256 * 1024 * 1024
    zip_max_entries: int = 10_000
    zip_max_total_bytes: int = 4 * 1024**3
    ocr_workers: int = 2  # pages OCR'd at once (each a single-threaded tesseract process)
    render_dpi: int = 300
    workdir: Path | None = None  # scratch folder removed after the document
    on_progress: Callable[[int, int | None], None] | None = None  # (pages_done, pages_total)

    def progress(self, done: int, total: int | None) -> None:
        """Report pages done of total to whoever listens."""
        if self.on_progress is not None:
            self.on_progress(done, total)


@dataclass
class Extraction:
    """The result of opening a file: metadata now, pages as they come, children to ingest."""

    page_count: int | None
    pages: Iterator[PageContent]
    metadata: dict[str, Any] = field(default_factory=dict)  # title, date, EXIF, duration, ...
    children: list[Path] = field(default_factory=list)  # files to ingest as records (ZIP entries)


class Extractor(Protocol):
    """Reads one family of formats."""

    name: ClassVar[str]
    mime_types: ClassVar[frozenset[str]]

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Open ``path``; raise an ``ExtractionError`` for a file that cannot be read."""
        ...


@dataclass(frozen=True)
class Registration:
    """An extractor as registered: it reads its MIME types at ``priority`` (higher wins)."""

    extractor: Extractor
    priority: int
    order: int  # registration order, the last tie-break: a later registration wins


_REGISTRY: list[Registration] = []


def register(extractor: Extractor, priority: int = 0) -> Extractor:
    """Make ``extractor`` read its MIME types; of several that read a type, the highest
    ``priority`` wins (then the one registered last). A type such as ``text/*`` catches the
    types of that family that no extractor names exactly."""
    _REGISTRY.append(Registration(extractor, priority, len(_REGISTRY)))
    return extractor


def unregister(extractor: Extractor) -> None:
    """Take ``extractor`` out of the registry (tests that register a faulty one)."""
    _REGISTRY[:] = [r for r in _REGISTRY if r.extractor is not extractor]


def _score(registration: Registration, mime_type: str) -> tuple[int, int, int] | None:
    types = registration.extractor.mime_types
    exact = mime_type in types
    if not exact and mime_type.split("/")[0] + "/*" not in types:
        return None
    return (int(exact), registration.priority, registration.order)


def extractor_for(mime_type: str) -> Extractor:
    """The extractor for a MIME type (exact types before families, then priority), or ``UnsupportedFormat``."""
    load_builtin_extractors()
    scored = [(score, r.extractor) for r in _REGISTRY if (score := _score(r, mime_type)) is not None]
    if not scored:
        raise UnsupportedFormat(
            f"Files of type {mime_type} are not supported",
            f"不支持 {mime_type} 类型的文件",
        )
    return max(scored, key=lambda pair: pair[0])[1]


def supported_mime_types() -> list[str]:
    """Every MIME type some extractor reads."""
    load_builtin_extractors()
    return sorted({mime for r in _REGISTRY for mime in r.extractor.mime_types})


def load_builtin_extractors() -> None:
    """Register the built-in extractors, once per process (``indexer.extract.builtin``)."""
    from indexer.extract.builtin import register_builtin

    register_builtin()
