"""What every backend stores for a ``SearchDocument``: token streams, keyword fields, payload.

Both backends index exactly these values, so the embedded engine and Elasticsearch
analyse text the same way (``analysis``) and agree on every match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Any

from archive.vocabulary import AccessLevel
from indexer.search.analysis import GAP, fold, token_streams, units
from indexer.search.base import SearchDocument

ACCESS_LEVELS = AccessLevel.values()

# Metadata searched by field:value; each token is tagged "field:" in the meta streams.
META_FIELDS = ("title", "creator", "doc_number", "department", "category", "fonds", "reference_code")
KEYWORD_FACETS = ("category", "department", "fonds", "retention", "access_level", "file_type", "language")
TITLE_BOOST = 3.0
# Date sort keys are day * DATE_SHIFT + record id: equal dates sort by id, so an order is
# the same whatever the index's internal layout (a rebuild gives the same pages).
DATE_SHIFT = 2**32
MISSING_DAY_LOW = -(10**7)  # sorts last in "date_desc"
MISSING_DAY_HIGH = 10**7  # sorts last in "date_asc"


@dataclass
class IndexedFields:
    """The values a backend stores for one record."""

    unigrams: str  # every unit of text and metadata (one-unit queries)
    bigrams: str  # adjacent unit pairs with positions (phrases)
    meta_unigrams: str  # "field:unit" tokens
    meta_bigrams: str  # "field:pair" tokens
    keywords: dict[str, str]  # facet values (absent when empty)
    year: int | None
    date_desc_key: int
    date_asc_key: int
    title_key: str
    payload: dict[str, Any]  # what a hit needs for display and snippets


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01 (negative before)."""
    return (date - dt.date(1970, 1, 1)).days


def date_key(day: int, record_id: int) -> int:
    """The sort key of a day and a record."""
    return day * DATE_SHIFT + record_id


def day_bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[int, int]:
    """Inclusive key bounds of a date range (undated records fall outside any range)."""
    low = date_key(day_number(date_from), 0) if date_from else date_key(MISSING_DAY_LOW + 1, 0)
    high = date_key(day_number(date_to), DATE_SHIFT - 1) if date_to else date_key(MISSING_DAY_HIGH - 1, DATE_SHIFT - 1)
    return low, high


def access_set_key(levels: Iterable[str]) -> str:
    """The ``access`` term of a set of levels: the levels sorted, joined by ``+``."""
    return "+".join(sorted(levels))


def access_sets(level: str) -> str:
    """Every set of the vocabulary's levels that admits ``level``, as ``access`` terms.

    A caller's clearance (a set of levels) then matches with one term, whatever the set.
    """
    others = [name for name in ACCESS_LEVELS if name != level]
    return " ".join(
        access_set_key((level, *chosen)) for size in range(len(others) + 1) for chosen in combinations(others, size)
    )


def meta_value(doc: SearchDocument, name: str) -> str:
    """A metadata field's text."""
    return str(getattr(doc, name) or "")


def tagged_streams(name: str, text: str) -> tuple[str, str]:
    """Unigram and bigram streams of one metadata field, every token prefixed with ``name:``."""
    found = units(fold(text).replace("\n", GAP))
    tag = name + ":"
    return " ".join([tag + u for u in found]), " ".join([tag + a + b for a, b in pairwise(found)])


def build_fields(doc: SearchDocument) -> IndexedFields:
    """Analyse a document once for any backend."""
    meta_texts = [meta_value(doc, n) for n in META_FIELDS]
    extra_texts = [doc.filename, *(str(v) for v in doc.fields.values() if isinstance(v, str))]
    streams = token_streams([*meta_texts, *extra_texts, *(p.text for p in doc.pages)])
    muni: list[str] = []
    mbi: list[str] = []
    for name, text in zip(META_FIELDS, meta_texts, strict=True):
        if not text:
            continue
        unigrams, bigrams = tagged_streams(name, text)
        if unigrams:
            muni.append(unigrams)
        if bigrams:
            mbi.append(bigrams)
    keywords = {name: str(getattr(doc, name)) for name in KEYWORD_FACETS if getattr(doc, name)}
    payload = {
        "title": doc.title,
        "filename": doc.filename,
        "fields": doc.fields,
        "meta": {n: meta_value(doc, n) for n in META_FIELDS},
        "date": doc.date.isoformat() if doc.date else None,
        "year": doc.year,
        "pages": [[p.number, p.text] for p in doc.pages],
        "thumbnail": doc.thumbnail,
    }
    return IndexedFields(
        unigrams=streams.unigrams,
        bigrams=streams.bigrams,
        meta_unigrams=" ".join(muni),
        meta_bigrams=f" {GAP} ".join(mbi),
        keywords=keywords,
        year=doc.year,
        date_desc_key=date_key(day_number(doc.date) if doc.date else MISSING_DAY_LOW, doc.id),
        date_asc_key=date_key(day_number(doc.date) if doc.date else MISSING_DAY_HIGH, doc.id),
        # Untitled records sort last; the id after a NUL breaks ties the same way everywhere.
        title_key=(fold(doc.title or "")[:64] or "\U0010ffff") + f"\x00{doc.id:012d}",
        payload=payload,
    )
