"""File-type detection: libmagic on the content, ZIP containers opened to tell DOCX/XLSX/ODT/OFD
apart, and the file name's extension compared with what the content says.

Decision (documented for the pipeline): the content decides which extractor runs. When the
extension names a different kind of file in a way that matters (a ZIP archive called
``.pdf``, a PNG called ``.docx``), ``detect`` marks the result ``misnamed`` and the pipeline
calls ``check_extension``, which raises ``MisnamedFile`` so the record gets a clear error
("this is a ZIP archive, not a PDF document"). Such a file is never silently expanded or
read as something its name does not claim. Differences that do not matter (a JPEG called
``.png``, an MP4 holding only audio called ``.m4a``, HTML saved as ``.txt``, a DOCX called
``.zip``) are not flagged. When libmagic cannot tell (``application/octet-stream``, or a ZIP
whose directory is unreadable), the extension decides and the extractor reports the damage.
"""

from __future__ import annotations

import mimetypes
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import magic

from indexer.extract.base import EmptyFile, ExtractionError, MisnamedFile
from indexer.extract.zipread import member_name

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
OFD = "application/ofd"
EML = "message/rfc822"
ZIP = "application/zip"
OCTET = "application/octet-stream"

# Extensions whose MIME type the system table gets wrong or lacks.
_EXTENSIONS: dict[str, str] = {
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".pptx": PPTX,
    ".odt": ODT,
    ".ods": ODS,
    ".ofd": OFD,
    ".eml": EML,
    ".txt": "text/plain",
    ".text": "text/plain",
    ".csv": "text/csv",
    ".htm": "text/html",
    ".html": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".zip": ZIP,
    ".pdf": "application/pdf",
    ".wav": "audio/x-wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
}

# ZIP-based formats, recognised by a part only they have.
_ZIP_MARKERS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
    ("OFD.xml", OFD),
)
_MIME_SYNTAX = re.compile(r"application/[a-z0-9.+-]{3,100}")
_ZIP_BASED = frozenset({DOCX, XLSX, PPTX, ODT, ODS, OFD, ZIP, "application/epub+zip"})
_ZIP_NAMES = frozenset({ZIP, "application/x-zip-compressed", "application/x-zip"})
# OLE2 compound files: what a password-protected DOCX/XLSX really is (the office extractor
# then says "encrypted" rather than the user being told the file is misnamed).
_OLE = frozenset({"application/x-ole-storage", "application/encrypted", "application/CDFV2",
                  "application/CDFV2-corrupt"})
_OOXML = frozenset({DOCX, XLSX, PPTX})
_TEXTUAL = frozenset({EML, "application/xml", "application/json", "application/csv",
                      "application/xhtml+xml"})

# Names shown in the misnamed-file message, English and Chinese.
_KIND_NAMES: dict[str, tuple[str, str]] = {
    ZIP: ("a ZIP archive", "ZIP 压缩包"),
    "application/pdf": ("a PDF document", "PDF 文档"),
    DOCX: ("a Word (DOCX) document", "Word（DOCX）文档"),
    XLSX: ("an Excel (XLSX) workbook", "Excel（XLSX）工作簿"),
    PPTX: ("a PowerPoint (PPTX) presentation", "PowerPoint（PPTX）演示文稿"),
    ODT: ("an OpenDocument text", "OpenDocument 文本"),
    OFD: ("an OFD document", "OFD 版式文档"),
    EML: ("an e-mail message", "电子邮件"),
}
_FAMILY_NAMES: dict[str, tuple[str, str]] = {
    "text": ("a text file", "文本文件"),
    "image": ("an image", "图像"),
    "media": ("an audio or video file", "音视频文件"),
}


@dataclass(frozen=True)
class Detection:
    """What a file is (``mime_type``, from its content), what its name claims, and if they clash."""

    mime_type: str
    extension_mime: str | None
    misnamed: bool


def detect(path: Path, filename: str | None = None) -> Detection:
    """Detect ``path``'s type from its content; ``filename`` (default: the path's name) gives
    the extension to compare with. Raises ``EmptyFile`` for a zero-byte file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(f"The file cannot be opened: {exc}", "无法打开文件") from exc
    if size == 0:
        raise EmptyFile()
    name = filename if filename is not None else path.name
    extension_mime = mime_for_extension(name)
    content_mime = _content_mime(path)
    mime = _refine(path, content_mime, extension_mime)
    return Detection(mime, extension_mime, _misnamed(mime, extension_mime))


def detect_mime(path: Path, filename: str | None = None) -> str:
    """The MIME type ``detect`` settles on (content first, extension only where content is vague)."""
    return detect(path, filename).mime_type


def check_extension(detection: Detection) -> None:
    """Raise ``MisnamedFile`` when the content and the extension name different kinds of file."""
    if not detection.misnamed or detection.extension_mime is None:
        return
    is_en, is_zh = kind_name(detection.mime_type)
    claim_en, claim_zh = kind_name(detection.extension_mime)
    raise MisnamedFile(
        f"This is {is_en}, not {claim_en}: the file name's extension does not match its content",
        f"该文件实为{is_zh}，而不是{claim_zh}：扩展名与内容不符",
        mime_type=detection.mime_type,
        extension_mime=detection.extension_mime,
    )


def mime_for_extension(filename: str) -> str | None:
    """The MIME type a file name's extension claims, or None when it claims nothing known."""
    suffix = Path(filename).suffix.lower()
    if not suffix:
        return None
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    guessed, _ = mimetypes.guess_type(f"x{suffix}", strict=False)
    return guessed


def kind_name(mime: str) -> tuple[str, str]:
    """A short English and Chinese name for a MIME type, as used in messages."""
    if mime in _KIND_NAMES:
        return _KIND_NAMES[mime]
    family = _family(mime)
    if family in _FAMILY_NAMES:
        en, zh = _FAMILY_NAMES[family]
        return f"{en} ({mime})", f"{zh}（{mime}）"
    return f"a file of type {mime}", f"{mime} 类型的文件"


def _content_mime(path: Path) -> str:
    """libmagic's MIME type for the content (``application/octet-stream`` when it fails)."""
    try:
        return str(magic.from_file(str(path), mime=True))
    except (magic.MagicException, OSError):
        return OCTET


def _refine(path: Path, content: str, extension: str | None) -> str:
    """Sharpen libmagic's answer with container sniffing and, for vague answers, the extension."""
    if content in _ZIP_NAMES or content in _ZIP_BASED:
        sniffed = _sniff_zip(path)
        if sniffed is not None:
            return sniffed
        # Unreadable ZIP: a truncated DOCX should reach the DOCX extractor and fail there.
        if extension in _ZIP_BASED:
            return extension
        return ZIP if content in _ZIP_NAMES else content
    if content in _OLE and extension in _OOXML:
        return extension
    if content in (OCTET, "application/x-empty"):
        return extension or OCTET
    if content.startswith("text/") and extension is not None:
        # libmagic calls CSV, e-mail without telltale headers and some HTML plain text.
        if content == "text/plain" and (extension.startswith("text/") or extension in _TEXTUAL):
            return extension
        if extension == "text/csv" and content in {"text/plain", "application/csv"}:
            return extension
    return _normalise(content)


def _normalise(mime: str) -> str:
    """One spelling per format for libmagic's synonyms."""
    return {
        "audio/wav": "audio/x-wav",
        "audio/vnd.wave": "audio/x-wav",
        "audio/x-flac": "audio/flac",
        "application/csv": "text/csv",
        "application/x-zip-compressed": ZIP,
    }.get(mime, mime)


def _sniff_zip(path: Path) -> str | None:
    """The format of a ZIP container from its parts, or None when it cannot be opened."""
    try:
        with zipfile.ZipFile(path) as zf:
            mimetype = member_name(zf, "mimetype")
            if mimetype is not None and zf.getinfo(mimetype).file_size < 200:
                declared = zf.read(mimetype).decode("ascii", "replace").strip()
                # ODF and EPUB declare themselves; a stray file called "mimetype" in an
                # ordinary ZIP must not.
                if _MIME_SYNTAX.fullmatch(declared):
                    return declared
            for marker, mime in _ZIP_MARKERS:
                if member_name(zf, marker) is not None:
                    return mime
            return ZIP
    except Exception:  # BadZipFile, zlib.error, OSError: treated as unreadable
        return None


def _family(mime: str) -> str:
    """Coarse kind used to judge whether a name/content difference matters."""
    if mime.startswith("text/") or mime in _TEXTUAL:
        return "text"
    if mime.startswith("image/"):
        return "image"
    if mime.startswith(("audio/", "video/")) or mime == "application/ogg":
        return "media"
    return mime


def _misnamed(mime: str, extension: str | None) -> bool:
    """True when the extension claims a different kind of file than the content is."""
    if extension is None or OCTET in (mime, extension) or mime == extension:
        return False
    if extension == ZIP and mime in _ZIP_BASED:
        return False  # a DOCX or OFD called .zip is still a ZIP; reading it as a DOCX is right
    return _family(mime) != _family(extension)
