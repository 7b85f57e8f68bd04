"""Highlights: snippets with ``<mark>``, the matching pages of a hit, and word boxes.

Matches are found again in the stored original text with the index's own analysis
(``analysis``), so whatever the engine matched is what gets marked, on every backend.
Python slices whole characters, and every piece is HTML-escaped before marks are added.
"""

from __future__ import annotations

import bisect
import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.search.analysis import (
    GAP_FOLDED,
    fold,
    fold_codes,
    fold_with_offsets,
    is_word_unit,
    query_units,
    unit_regex,
)
from indexer.search.base import PageHit

SNIPPET_CHARS = 120
SNIPPET_LEAD = 30
MAX_PAGE_HITS = 100  # pages listed per hit; a 1,000-page file still answers quickly
FOLD_PAGES = 32  # pages of each hit matched in one pass (``texts_matches``)

Span = tuple[int, int]


@dataclass(frozen=True)
class Pattern:
    """A term to find: its units in a row, the last one a prefix when ``prefix``."""

    units: tuple[str, ...]
    prefix: bool = False

    @functools.cached_property
    def probe(self) -> str:
        """A string every folded text containing the term contains (a cheap pre-check)."""
        first = self.units[0]
        return first[:-1] if is_word_unit(first) else first

    @functools.cached_property
    def literal(self) -> str | None:
        """The term as a plain string to find in folded text with its spaces removed, when it
        has no word (a word needs the regex's boundaries): a new regex costs more to compile
        than a page of results takes to scan."""
        return None if any(is_word_unit(u) for u in self.units) else "".join(self.units)

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """The term in folded text (``unit_regex``), built once per term."""
        return unit_regex(self.units, self.prefix)

    def finditer(self, folded: str) -> list[Span]:
        """Spans of the term in folded text."""
        return [m.span() for m in self.regex.finditer(folded)]


def patterns_from_strings(terms: Sequence[str]) -> list[Pattern]:
    """Patterns of normalised term strings (``*`` at the end marks a prefix)."""
    out = []
    for term in terms:
        prefix = term.endswith("*") and len(term) > 1
        found = query_units(term[:-1] if prefix else term)
        if found:
            out.append(Pattern(tuple(found), prefix))
    return out


def texts_matches(texts: Sequence[str], patterns: Sequence[Pattern]) -> list[list[Span]]:
    """Spans of each text (original characters) matching any pattern, sorted and merged.

    The texts are joined by line breaks (which no match crosses), folded in one array pass
    and scanned once per pattern; text by text when a character folds to several, or the
    texts are short."""
    found: list[list[Span]] = [[] for _ in texts]
    patterns = [p for p in patterns if p.units]
    if not patterns or not any(texts):
        return found
    joined = "\n".join(texts)
    codes = fold_codes(joined)
    if codes is None:
        return [_text_matches(text, patterns) for text in texts]
    starts = list(itertools.accumulate([len(t) + 1 for t in texts[:-1]], initial=0))
    for s, e in _folded_spans(codes, patterns):
        page = bisect.bisect_right(starts, s) - 1
        found[page].append((s - starts[page], e - starts[page]))
    return [_merge(spans) if spans else spans for spans in found]


def _folded_spans(codes: Any, patterns: Sequence[Pattern]) -> list[Span]:
    """Spans of the patterns in folded code points. A pattern without words is found as a
    string in the text with its spaces taken out (``unit_regex`` allows spaces between
    units), then mapped back: compiling a new regex costs more than scanning a page of
    results."""
    spans: list[Span] = []
    folded = codes.tobytes().decode("utf-32-le")  # line breaks are GAP_FOLDED, which no term holds
    literals = [p.literal for p in patterns if p.literal is not None]
    if literals:
        compact = folded.replace(" ", "")
        # The k-th space of ``folded`` (at ``spaces[k]``) comes before compact index ``spaces[k] - k``.
        spaces = np.flatnonzero(codes == ord(" "))
        gaps = (spaces - np.arange(spaces.size)).tolist() if spaces.size else []
        for literal in literals:
            at = compact.find(literal)
            while at >= 0:
                end = at + len(literal)
                last = end - 1
                spans.append((at + bisect.bisect_right(gaps, at), last + bisect.bisect_right(gaps, last) + 1))
                at = compact.find(literal, end)
    words = [p for p in patterns if p.literal is None]
    if words:
        folded = folded.replace(GAP_FOLDED, "\n")
        for pattern in words:
            if pattern.probe in folded:
                spans.extend(pattern.finditer(folded))
    return spans


def _text_matches(text: str, patterns: Sequence[Pattern]) -> list[Span]:
    folded = fold(text)
    spans = [span for pattern in patterns if pattern.probe in folded for span in pattern.finditer(folded)]
    if spans and len(folded) != len(text):
        _, origin = fold_with_offsets(text)
        spans = [(origin[s], origin[e - 1] + 1) for s, e in spans]
    return _merge(spans) if spans else spans


def _merge(spans: list[Span]) -> list[Span]:
    spans.sort()
    merged: list[Span] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, spans: Sequence[Span], width: int = SNIPPET_CHARS) -> str:
    """An HTML-safe excerpt around the first match with every match in it in ``<mark>``."""
    if not spans:
        return _escape(text[:width]) + ("…" if len(text) > width else "")
    first_start, first_end = spans[0]
    start = max(0, first_start - SNIPPET_LEAD)
    end = min(len(text), max(start + width, first_end))
    out = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if s >= end:
            break
        s, e = max(s, pos), min(e, end)
        if e <= s:
            continue
        out.append(_escape(text[pos:s]))
        out.append("<mark>" + _escape(text[s:e]) + "</mark>")
        pos = e
    out.append(_escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text.replace("\n", " "), quote=False)


def records_page_hits(
    records: Sequence[Sequence[Sequence[Any]]], patterns: Sequence[Pattern]
) -> list[tuple[str, list[PageHit]]]:
    """Each record's snippet and its matching pages (number and snippet, at most
    ``MAX_PAGE_HITS``), from its stored ``[number, text]`` pages, for a page of results: the
    first ``FOLD_PAGES`` pages of every record are matched together (``texts_matches``),
    which costs about what one record's pages did."""
    heads = [pages[:FOLD_PAGES] if patterns else [] for pages in records]
    spans = iter(texts_matches([text for head in heads for _, text in head], patterns))
    out = []
    for pages, head in zip(records, heads, strict=True):
        hits = _page_hits(head, [next(spans) for _ in head])
        for first in range(FOLD_PAGES, len(pages) if patterns else 0, FOLD_PAGES):
            if len(hits) >= MAX_PAGE_HITS:
                break
            batch = pages[first : first + FOLD_PAGES]
            hits.extend(_page_hits(batch, texts_matches([text for _, text in batch], patterns)))
        del hits[MAX_PAGE_HITS:]
        if hits:
            out.append((hits[0].snippet, hits))
        else:
            out.append((snippet(str(pages[0][1]), []) if pages else "", hits))
    return out


def _page_hits(pages: Sequence[Sequence[Any]], spans: list[list[Span]]) -> list[PageHit]:
    return [
        PageHit(int(number), snippet(text, found)) for (number, text), found in zip(pages, spans, strict=True) if found
    ]


def _width_units(text: str) -> list[int]:
    """Relative widths of the characters of an OCR word: full-width (CJK) 2, others 1."""
    return [2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text]


def _latin(char: str) -> bool:
    """A letter or digit of a spaced script: a match inside such a word covers the whole word."""
    return char.isalnum() and unicodedata.east_asian_width(char) not in "WF"


def _part_box(row: list[Any], first: int, last: int) -> list[int]:
    """The box of characters ``first``..``last`` (inclusive) of an OCR word, by their share of its width."""
    text = str(row[0])
    while first > 0 and _latin(text[first - 1]) and _latin(text[first]):
        first -= 1
    while last + 1 < len(text) and _latin(text[last + 1]) and _latin(text[last]):
        last += 1
    left, top, width, height = (int(v) for v in row[2:6])
    units = _width_units(text)
    total = sum(units) or 1
    start = left + round(width * sum(units[:first]) / total)
    stop = left + round(width * sum(units[: last + 1]) / total)
    return [start, top, stop - start, height]


def hit_boxes(words: list[list[Any]], terms: list[str]) -> list[list[int]]:
    """Boxes ``[left, top, width, height]`` over the characters the terms match.

    ``words`` are ``Page.words`` rows ``[text, conf, left, top, width, height]``. OCR of Chinese
    often gives a whole line as one "word": a match covers only its own characters, placed by
    their share of the word's width (full-width characters count double); a match inside a
    word of a spaced script covers that whole word. A term may span several OCR words; boxes
    come in reading order, each once.
    """
    patterns = patterns_from_strings(terms)
    if not words or not patterns:
        return []
    pieces: list[str] = []
    owner: list[tuple[int, int]] = []  # folded character -> (word index, source character); -1 for separators
    for index, row in enumerate(words):
        folded, origin = fold_with_offsets(str(row[0]))
        if pieces:
            pieces.append(" ")
            owner.append((-1, -1))
        pieces.append(folded)
        owner.extend((index, source) for source in origin)
    joined = "".join(pieces)
    spans: dict[tuple[int, int, int], None] = {}
    for pattern in patterns:
        for s, e in pattern.finditer(joined):
            touched: dict[int, list[int]] = {}
            for word, source in owner[s:e]:
                if word >= 0:
                    touched.setdefault(word, []).append(source)
            for word, sources in touched.items():
                spans[(word, min(sources), max(sources))] = None
    return [_part_box(words[w], first, last) for w, first, last in sorted(spans)]
