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

from ocr.text import CJK_LETTERS, char_class

# Private-use characters mark segment gaps in the token streams handed to engines.
GAP = "\ue000"
# Ends every word unit, so the bigrams "ab_cd_" and "abc_d_" stay different and every
# bigram is a plain concatenation of two units.
WORD_MARK = "_"

_OPEN = "([{〔【〖〘〚（［｛⦅｟⟨⟦⟮〈"
_CLOSE = ")]}〕】〗〙〛）］｝⦆｠⟩⟧⟯〉"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

_CJK = char_class(CJK_LETTERS)  # indexed one character at a time (ocr/text.py defines the class)
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
    codes = fold_codes(text)
    if codes is not None:
        return codes.tobytes().decode("utf-32-le").replace(GAP_FOLDED, "\n")
    return text.translate(FOLD)


def fold_codes(text: str) -> Any:
    """``fold(text)`` as an array of code points (line breaks as ``GAP_FOLDED``), or None for a
    short text (``fold`` is quicker there) or one with a character that folds to several."""
    return _vector_fold(text) if len(text) >= VECTOR_MIN_CHARS else None


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
    no query can produce, so they hold positions that no phrase can cross. Long texts (a
    record's pages) go through the array path (``_vector_streams``), short ones through
    ``units``; both give the same streams (tests/search/test_analysis.py checks it).
    """
    joined = "\n".join(texts)
    if len(joined) >= VECTOR_MIN_CHARS:
        streams = _vector_streams(joined)
        if streams is not None:
            return streams
    found = units(fold(joined).replace("\n", GAP))
    return TokenStreams(" ".join(found), " ".join(map(operator.add, found, found[1:])))


# The array path ------------------------------------------------------------------------------
# Indexing spends most of its Python time here, a few thousand units a record: turning each
# unit into a string object costs more than the rest of the analysis. numpy does the same
# steps on arrays of code points: fold each character through a table filled from ``FOLD``,
# classify it (space, word character, single unit), and write both streams at once.

VECTOR_MIN_CHARS = 256  # below this, numpy's per-call cost outweighs what it saves
_SPACE, _SINGLE, _WORDCHAR, _UNKNOWN = 0, 1, 2, 255
_MARK_CODE, _GAP_CODE, _BLANK = ord(WORD_MARK), ord(GAP), 32
GAP_FOLDED = GAP  # how the array path writes a line break (``fold`` turns it back into "\n")
_WORD_CHAR = re.compile(rf"[^\W_{_CJK}]")


class _CodeTables:
    """Per code point: its folding when that is one character (0: unknown or longer) and its kind."""

    def __init__(self) -> None:
        import numpy as np

        self.fold = np.zeros(0x110000, dtype=np.uint32)
        self.kind = np.full(0x110000, _UNKNOWN, dtype=np.uint8)
        self.lock = threading.Lock()

    def learn(self, codes: Any) -> None:
        """Fill the tables for code points seen for the first time."""
        import numpy as np

        with self.lock:
            for code in np.unique(codes).tolist():
                folded = FOLD[code]
                if len(folded) == 1:
                    self.fold[code] = _GAP_CODE if folded == "\n" else ord(folded)
                    self.kind[code] = self.classify(folded)

    @staticmethod
    def classify(char: str) -> int:
        """A folded character's kind: dropped space, part of a word, or a unit of its own."""
        if char == " ":
            return _SPACE
        return _WORDCHAR if _WORD_CHAR.match(char) else _SINGLE


@functools.cache
def _tables() -> _CodeTables:
    return _CodeTables()


def _vector_fold(text: str) -> Any:
    """The folded code points of ``text`` (line breaks as ``GAP``), or None when the
    string path must do it: a character folds to several (e.g. ½) or is a lone surrogate."""
    import numpy as np

    tables = _tables()
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None
    folded = tables.fold[codes]
    if np.count_nonzero(folded) != folded.size:  # a third of ``all()``'s time
        tables.learn(codes[folded == 0])
        folded = tables.fold[codes]
        if np.count_nonzero(folded) != folded.size:
            return None
    return folded


def _vector_streams(text: str) -> TokenStreams | None:
    """``token_streams`` of unfolded ``text`` on arrays; None when a character folds to several."""
    import numpy as np

    tables = _tables()
    folded = _vector_fold(text)
    if folded is None:
        return None
    kind = tables.kind[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    keep = np.flatnonzero(kind)  # every character but spaces
    count = keep.size
    if count == 0:
        return TokenStreams("", "")
    chars = folded[keep]
    word = kind[keep] == _WORDCHAR
    # A word goes on while the next kept character is a word character right after it.
    goes_on = word[1:] & word[:-1] & (np.diff(keep) == 1)
    unit_end = np.ones(count, dtype=bool)
    unit_end[:-1] = ~goes_on
    word_end = word & unit_end
    # Unigrams: each character, WORD_MARK after a word, a blank after every unit.
    width = np.ones(count, dtype=np.int32)
    width += unit_end
    width += word_end
    at = np.cumsum(width, dtype=np.int32)
    at -= width
    uni = np.full(int(at[-1] + width[-1]), _BLANK, dtype=np.uint32)
    uni[at] = chars
    uni[at[word_end] + 1] = _MARK_CODE
    unigrams = uni[:-1].tobytes().decode("utf-32-le")
    units_count = int(unit_end.sum())
    if units_count < 2:
        return TokenStreams(unigrams, "")
    # Bigram i is units i and i + 1 run together: the units without blanks from the start
    # of unit i to the start of unit i + 2, then a blank.
    joined = uni[uni != _BLANK]
    unit_start = np.ones(count, dtype=bool)
    unit_start[1:] = unit_end[:-1]
    blanks_before = np.cumsum(unit_end, dtype=np.int32)
    blanks_before -= unit_end
    starts = np.empty(units_count + 1, dtype=np.int32)
    starts[:units_count] = (at - blanks_before)[unit_start]
    starts[units_count] = joined.size
    lengths = starts[2:] - starts[:-2]
    lengths += 1
    out_at = np.cumsum(lengths, dtype=np.int32)
    out_at -= lengths
    source = np.arange(int(out_at[-1] + lengths[-1]), dtype=np.int32)
    source += np.repeat(starts[:-2] - out_at, lengths)
    np.minimum(source, joined.size - 1, out=source)
    bi = joined[source]
    bi[out_at + lengths - 1] = _BLANK
    return TokenStreams(unigrams, bi[:-1].tobytes().decode("utf-32-le"))


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
