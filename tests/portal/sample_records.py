"""Records with real pages for the portal tests: page images with Chinese text drawn on them,
the word boxes of that text, an original in write-once storage, and the search index.

The text is drawn with the system's Noto CJK font at known positions, so the word boxes are
exact (no OCR in unit tests); the record is indexed with the real search backend.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from PIL import Image, ImageDraw, ImageFont

from archive.catalog.models import OriginalFile, Page, Record
from indexer.search.documents import index_records

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PAGE_SIZE = (800, 1000)


@dataclass
class SampleRecord:
    """What ``add_record`` made, for assertions."""

    id: int
    words: list[list[list[Any]]] = field(default_factory=list)  # per page


def page_image(lines: list[str]) -> tuple[bytes, list[list[Any]]]:
    """A JPEG page with ``lines`` drawn one per row, and the word boxes (one box per space-separated word)."""
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    words: list[list[Any]] = []
    y = 80
    for line in lines:
        x = 60
        for word in line.split(" "):
            left, top, right, bottom = (round(v) for v in draw.textbbox((x, y), word, font=font))
            draw.text((x, y), word, fill="black", font=font)
            words.append([word, 96.0, left, top, right - left, bottom - top])
            x = right + 24
        y += 70
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), words


def add_record(
    app: Flask,
    pages: list[list[str]],
    access_level: str = "open",
    original: tuple[bytes, str, str] | None = None,
    images: bool = True,
    index: bool = True,
    **fields: Any,
) -> SampleRecord:
    """Add a record with pages (lists of lines), an original and derivatives; index it."""
    lantai = app.extensions["lantai"]
    values: dict[str, Any] = {
        "title": "关于做好2023年招生工作的通知",
        "fonds_code": "J001",
        "category_code": "WS",
        "year": 2023,
        "retention": "D30",
        "department": "办公室",
        "department_code": "BGS",
        "creator": "长沙市教育局",
        "doc_number": "长教发〔2023〕12号",
        "date": dt.date(2023, 5, 12),
        "status": "done",
        "extra": {},
    }
    values.update(fields)
    made = SampleRecord(id=0)
    with lantai.catalog.session() as db:
        record = Record(access_level=access_level, page_count=len(pages), **values)
        db.add(record)
        db.flush()
        made.id = record.id
        text = f"{record.title}\n\n" + "\n\n".join("\n".join(p) for p in pages) + f"\n#{record.id}\n"
        content, filename, mime = original or (text.encode(), "通知.txt", "text/plain")
        stored = lantai.storage.put_original(io.BytesIO(content))
        db.add(
            OriginalFile(
                record_id=record.id,
                sha256=stored.sha256,
                size=stored.size,
                mime_type=mime,
                original_filename=filename,
                storage_key=stored.key,
            )
        )
        for number, lines in enumerate(pages, start=1):
            page = Page(record_id=record.id, number=number, text="\n".join(lines), source="ocr", confidence=96.0)
            if images:
                data, words = page_image(lines)
                image_key = f"records/{record.id}/page-{number:04d}.jpg"
                thumb_key = f"records/{record.id}/thumb-{number:04d}.jpg"
                lantai.storage.put_derivative(image_key, data)
                thumb = Image.open(io.BytesIO(data))
                thumb.thumbnail((160, 200))
                buffer = io.BytesIO()
                thumb.save(buffer, "JPEG")
                lantai.storage.put_derivative(thumb_key, buffer.getvalue())
                page.image_key, page.thumbnail_key = image_key, thumb_key
                page.width, page.height = PAGE_SIZE
                page.words = words
                made.words.append(words)
            db.add(page)
    if index:
        index_records(lantai, [made.id])
    return made
