"""What the record page shows beyond the record itself: hits in this record, word boxes, related records."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import Clearance
from archive.catalog.models import Page, Record
from archive.description.schema import DEFAULT_CATEGORIES
from indexer.search.base import PageHit, QuerySyntaxError, SearchBackend, SearchRequest, SearchUnavailable
from indexer.search.highlight import hit_boxes

log = logging.getLogger(__name__)

# Description fields in the order of DA/T 18, with the labels the record page shows.
DESCRIPTION_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("title", "题名", "Title"),
    ("reference_code", "档号", "Reference code"),
    ("fonds_code", "全宗号", "Fonds"),
    ("category_code", "门类", "Category"),
    ("year", "年度", "Year"),
    ("retention", "保管期限", "Retention"),
    ("department", "机构(问题)", "Department"),
    ("department_code", "机构代码", "Department code"),
    ("item_number", "件号", "Item number"),
    ("creator", "责任者", "Creator"),
    ("doc_number", "文号", "Document number"),
    ("date", "日期", "Date"),
    ("classification", "密级", "Classification"),
    ("openness", "开放标识", "Openness"),
    ("access_level", "访问级别", "Access level"),
    ("carrier", "载体形态", "Carrier"),
    ("subject_terms", "主题词", "Subject terms"),
    ("language", "语种", "Language"),
    ("page_count", "页数", "Pages"),
    ("note", "附注", "Note"),
)
CATEGORY_NAMES = DEFAULT_CATEGORIES  # code -> name, one table for the whole project
RETENTION_NAMES = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
ACCESS_NAMES = {"open": "公开", "internal": "内部", "restricted": "受控", "secret": "涉密"}


def display_value(name: str, value: Any) -> str:
    """A field's value as shown: codes with their Chinese names."""
    if value is None or value == "":
        return ""
    names = {
        "category_code": CATEGORY_NAMES,
        "category": CATEGORY_NAMES,
        "retention": RETENTION_NAMES,
        "access_level": ACCESS_NAMES,
    }.get(name)
    if names and str(value) in names:
        return f"{names[str(value)]} ({value})"
    return str(value)


def description_rows(record: Record) -> list[tuple[str, str, str]]:
    """(Chinese label, English label, value) for every filled description field."""
    rows = []
    for name, zh, en in DESCRIPTION_FIELDS:
        value = display_value(name, getattr(record, name, None))
        if value:
            rows.append((zh, en, value))
    return rows


@dataclass
class RecordHits:
    """Where a query matches inside one record."""

    query: str
    terms: list[str] = field(default_factory=list)
    pages: list[PageHit] = field(default_factory=list)
    error: str | None = None

    @property
    def page_numbers(self) -> list[int]:
        """The matching page numbers, in order."""
        return [p.number for p in self.pages]


def hits_in_record(search: SearchBackend, record_id: int, query: str, clearance: Clearance) -> RecordHits:
    """Run ``query`` inside one record (search within this record); a bad query gives its message."""
    hits = RecordHits(query=query)
    if not query.strip():
        return hits
    try:
        response = search.search(
            SearchRequest(query=query, record_id=record_id, limit=1, clearance=clearance, facets=())
        )
    except (QuerySyntaxError, SearchUnavailable) as exc:  # the page still shows, without hits
        hits.error = exc.message
        return hits
    hits.terms = list(response.terms)
    if response.hits:
        hits.pages = sorted(response.hits[0].pages, key=lambda p: p.number)
    return hits


def page_boxes(page: Page, terms: list[str]) -> list[dict[str, float]]:
    """Hit boxes on a page in page-image pixels (the viewer's SVG viewBox scales them to the display)."""
    if not terms or not page.words or not page.width or not page.height:
        return []
    boxes = []
    for box in hit_boxes(page.words, terms):
        left, top, width, height = (float(v) for v in _box_tuple(box))
        boxes.append({"left": left, "top": top, "width": width, "height": height})
    return boxes


def _box_tuple(box: Any) -> tuple[float, float, float, float]:
    """(left, top, width, height) from whatever box shape ``hit_boxes`` returns."""
    if isinstance(box, dict):
        return box["left"], box["top"], box["width"], box["height"]
    if hasattr(box, "left"):
        return box.left, box.top, box.width, box.height
    left, top, width, height = box[-4:]
    return left, top, width, height


SERIES_FIELDS = ("fonds_code", "category_code", "year", "retention", "department_code")


def related_records(session: Session, record: Record, visible: Any, limit: int = 8) -> list[Record]:
    """Records of the same series (档号 levels) first, then of the same department and category.

    ``visible(record)`` decides what the caller may know about; hidden records are skipped.
    """
    found: list[Record] = []
    seen = {record.id}
    criteria: list[tuple[str, ...]] = [SERIES_FIELDS, ("fonds_code", "category_code", "department_code"), ("creator",)]
    for names in criteria:
        values = {n: getattr(record, n) for n in names}
        if any(v in (None, "") for v in values.values()):
            continue
        query = select(Record).where(*(getattr(Record, n) == v for n, v in values.items()))
        query = query.where(Record.id.not_in(seen)).order_by(Record.item_number, Record.id).limit(limit * 4)
        for other in session.scalars(query):
            if other.id not in seen and visible(other):
                seen.add(other.id)
                found.append(other)
                if len(found) >= limit:
                    return found
    return found
