"""Text analysis shared by every search backend: character folding and tokenisation.

Folding is per character (one table, applied with ``str.translate``): NFKC (full width to
half width), case folding, Traditional to Simplified (derived once per character from
OpenCC), every bracket kind to ``(`` / ``)`` and every line break to ``\\n``. Because the
same table folds index text and query text, 檔案 and 档案 meet, and 长教发〔2023〕12号 meets
长教发[2023]12号 and 长教发(2023)12号.

Tokenisation turns folded text into *units*: one unit per CJK character, one per run of
Latin letters or digits (a word, lower-cased, not stemmed: ``word*`` gives prefixes), one per
punctuation mark. Spaces are not units, so OCR that spaced out 档 案 still matches 档案.
A line break ends a *segment*; no phrase spans two segments.

The index holds each unit (``unigrams``, for one-unit queries) and each pair of adjacent
units in a segment (``bigrams``, with positions). A query of n >= 2 units becomes the
phrase of its n - 1 overlapping bigrams, which matches exactly the texts that contain
the query's units in a row: substring semantics for Chinese.
"""

from __future__ import annotations

import functools
import operator
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Private-use characters mark segment gaps in the token streams handed to engines.
GAP = "\ue000"
# Ends every word unit, so the bigrams "ab_cd_" and "abc_d_" stay different and every
# bigram is a plain concatenation of two units.
WORD_MARK = "_"

_OPEN = "([{〔【〖〘〚（［｛⦅｟⟨⟦⟮〈"
_CLOSE = ")]}〕】〗〙〛）］｝⦆｠⟩⟧⟯〉"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f"
    "\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7af"
    "\uf900-\ufaff\U00020000-\U0003ffff"
)
_WORD_SPLIT = re.compile(rf"([^\W_{_CJK}]+)")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


class _FoldTable(dict[int, str]):
    """``str.translate`` table that computes a character's folding on first sight."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._t2s: Any = None  # opencc.OpenCC, made on first Traditional character

    def __missing__(self, code: int) -> str:
        folded = self._fold(chr(code))
        with self._lock:
            self[code] = folded
        return folded

    def _fold(self, char: str) -> str:
        if char in _LINE_BREAKS:
            return "\n"
        if char in _OPEN:
            return "("
        if char in _CLOSE:
            return ")"
        category = unicodedata.category(char)
        if category in ("Co", "Cs", "Cn") or (category == "Cc" and char != "\t"):
            return " "
        if category.startswith("Z") or char == "\t":
            return " "
        text = unicodedata.normalize("NFKC", char)
        if _CJK_CHAR.search(text):
            text = self._simplify(text)
        text = text.casefold()
        # NFKC may yield brackets or line breaks (e.g. ⑴ -> (1)); fold those too.
        return "".join(self._fold(c) if c != char and (c in _OPEN or c in _CLOSE) else c for c in text)

    def _simplify(self, text: str) -> str:
        if self._t2s is None:
            import opencc

            self._t2s = opencc.OpenCC("t2s")
        return str(self._t2s.convert(text))


FOLD = _FoldTable()


def fold(text: str) -> str:
    """Fold text character by character (NFKC, case, Traditional->Simplified, brackets)."""
    return text.translate(FOLD)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and return, for each folded character, the index of its source character."""
    parts = [FOLD[ord(c)] for c in text]
    origin = [i for i, part in enumerate(parts) for _ in part]
    return "".join(parts), origin


def units(folded: str) -> list[str]:
    """The units of folded text (words carry ``WORD_MARK``; spaces are not units).

    Split at word runs, then every other non-space character is a unit of its own: the
    same result as one regex per unit, in a third of the time.
    """
    out: list[str] = []
    for index, part in enumerate(_WORD_SPLIT.split(folded)):
        if index % 2:
            out.append(part + WORD_MARK)
        elif part:
            out.extend(part.replace(" ", "") if " " in part else part)
    return out


def query_units(text: str) -> list[str]:
    """The units of a query string, folded as index text is (line breaks ignored)."""
    return units(fold(text).replace("\n", " "))


def is_word_unit(unit: str) -> bool:
    """Whether a unit is a word (it carries ``WORD_MARK``) rather than a character or mark."""
    return len(unit) > 1 and unit.endswith(WORD_MARK)


def query_bigrams(unit_list: list[str]) -> list[str]:
    """The overlapping bigrams of a query's units (a phrase, in order)."""
    return list(map(operator.add, unit_list, unit_list[1:]))


@dataclass
class TokenStreams:
    """Whitespace-separated token streams of one text, ready for a whitespace tokenizer."""

    unigrams: str
    bigrams: str


def token_streams(texts: Iterable[str]) -> TokenStreams:
    """Unigram and bigram streams of several texts; each text and each line is a segment.

    Segment ends become ``GAP`` units: the bigrams that touch them contain ``GAP``, which
    no query can produce, so they hold positions that no phrase can cross. One regex pass
    over the whole text keeps this fast (indexing runs at thousands of records a second).
    """
    found = units(fold("\n".join(texts)).replace("\n", GAP))
    return TokenStreams(" ".join(found), " ".join(map(operator.add, found, found[1:])))


_WORD_CLASS = rf"[^\W_{_CJK}]"


@functools.lru_cache(maxsize=1024)
def unit_regex(unit_list: tuple[str, ...], prefix: bool = False) -> re.Pattern[str]:
    """A regex finding a run of units in folded text, exactly as the index matches it.

    Units may be separated by spaces (not by line breaks); a word must be a whole word
    (only the last one, with ``prefix``, may continue).
    """
    parts: list[str] = []
    last = len(unit_list) - 1
    for index, unit in enumerate(unit_list):
        if is_word_unit(unit):
            piece = rf"(?<!{_WORD_CLASS})" + re.escape(unit[:-1])
            if not (prefix and index == last):
                piece += rf"(?!{_WORD_CLASS})"
        else:
            piece = re.escape(unit)
        parts.append(piece)
    return re.compile(" *".join(parts))
