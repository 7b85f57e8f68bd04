"""Serving files: originals and extracted text, streamed from storage by content key.

Nothing here takes a path from the request: a record's original is found through the
catalog (``OriginalFile.storage_key``) and opened with ``storage.open_original``. Every
download is an attachment with an RFC 5987 UTF-8 file name and ``nosniff``; types a
browser would run (HTML, SVG, XML) are sent as ``application/octet-stream``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from flask import Response

from archive.catalog.models import Record
from indexer.context import Lantai
from portal.records import stamp

CHUNK = 64 * 1024
# Types a browser may render or run: never served with their own type.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-shockwave-flash",
    }
)


def safe_mime_type(mime_type: str) -> str:
    """The type to send a stored file as: its own unless a browser could run it."""
    base = (mime_type or "").split(";")[0].strip().lower()
    if not base or base in ACTIVE_TYPES or base.endswith("+xml") or "/" not in base:
        return "application/octet-stream"
    return base


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…`` for any file name (RFC 6266/5987)."""
    cleaned = "".join(c for c in filename if unicodedata.category(c)[0] != "C").strip() or "download"
    ascii_name = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_").strip() or "download"
    if "." in cleaned and "." not in ascii_name:
        ascii_name += "." + cleaned.rsplit(".", 1)[1].encode("ascii", "ignore").decode("ascii")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def _stream(handle: BinaryIO) -> Iterator[bytes]:
    try:
        yield from iter(lambda: handle.read(CHUNK), b"")
    finally:
        handle.close()


def file_response(handle: BinaryIO, filename: str, mime_type: str, size: int | None = None) -> Response:
    """A streamed attachment response for an open file."""
    response = Response(_stream(handle), mimetype=safe_mime_type(mime_type), direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if size is not None:
        response.headers["Content-Length"] = str(size)
    return response


def original_response(lantai: Lantai, record: Record, user_name: str) -> Response:
    """The record's original as an attachment, stamped when the setting asks for it."""
    from config.errors import NotFoundError

    original = record.original
    if original is None:
        raise NotFoundError(f"Record {record.id} has no original file", f"档案 {record.id} 没有原件")
    handle = lantai.storage.open_original(original.storage_key)
    size: int | None = original.size
    if lantai.settings.stamp_downloads and stamp.can_stamp(original.mime_type):
        try:
            handle = stamp.stamp(handle, original.mime_type, stamp.stamp_text(user_name),
                                 lantai.settings.max_image_pixels)
        except Exception:
            handle.close()
            raise
        size = None
    return file_response(handle, original.original_filename, original.mime_type, size)


def text_filename(record: Record) -> str:
    """The file name of a record's extracted text: the original's name (or 档号) + ``.txt``."""
    base = record.original.original_filename if record.original else (record.reference_code or f"record-{record.id}")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}.txt"


def record_text(record: Record) -> str:
    """The extracted text of every page, with a form feed line between pages."""
    parts = []
    for page in record.pages:
        parts.append(f"—— 第 {page.number} 页 / Page {page.number} ——\n{page.text or ''}".rstrip() + "\n")
    return "\n".join(parts)


def text_response(record: Record) -> Response:
    """The extracted text as a UTF-8 ``.txt`` attachment."""
    body = record_text(record).encode("utf-8")
    response = Response(body, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(text_filename(record))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
