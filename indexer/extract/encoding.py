"""Character-encoding detection for Chinese text files: BOMs, strict UTF-8, then GB18030
against Big5 decided by how many common hanzi each decoding yields.

charset-normalizer alone confuses GBK and Big5 on short texts (see bench/encoding_detection.py):
both decode most byte pairs, so the byte statistics of a 20-character note say little. The
wrong decoding, however, produces rare characters, while real text is made almost wholly of
common ones. ``common_hanzi.txt`` lists the 3000 most frequent Simplified and Traditional
characters (generated from OpenCC's phrase table by tests/extract/generate.py); the decoding
with the larger share of them wins. charset-normalizer is the fallback for text that is
neither Unicode nor Chinese (Latin-1, Shift_JIS, ...).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from charset_normalizer import from_bytes

_COMMON_FILE = Path(__file__).with_name("common_hanzi.txt")
# Windows code pages are what Chinese archives actually hold: cp950 is Big5 with Microsoft's
# additions, GB18030 is a superset of GBK and GB2312.
CJK_CANDIDATES = ("gb18030", "cp950", "big5hkscs")
# Below this share of common hanzi a decoding is taken for mojibake.
MIN_COMMON_SHARE = 0.6


# Declared charsets that understate what the text uses: pages and mails labelled gb2312 are
# routinely GBK, and Big5 files carry Microsoft's cp950 additions.
_LABEL_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                    "euc-cn": "gb18030", "big5": "cp950", "x-big5": "cp950"}


def codec_for_label(label: str) -> str:
    """The Python codec to read text declared as ``label`` (its superset for GB2312 and Big5)."""
    label = label.strip().lower()
    return _LABEL_SUPERSETS.get(label, label)


@dataclass(frozen=True)
class DecodedText:
    """Text and the encoding it was read with (Python codec name)."""

    text: str
    encoding: str


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """The common Simplified and Traditional characters from ``common_hanzi.txt``."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset("".join(line for line in lines if not line.startswith("#")))


def _is_hanzi(char: str) -> bool:
    """CJK Unified Ideographs and Extension A (what Chinese prose is written in)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def hanzi_score(text: str) -> tuple[float, int]:
    """Share of hanzi in ``text`` that are common, and the number of hanzi; private-use and
    replacement characters count as uncommon hanzi because mojibake produces them."""
    common = common_hanzi()
    hits = 0
    total = 0
    for char in text:
        if _is_hanzi(char):
            total += 1
            hits += char in common
        elif "\ue000" <= char <= "\uf8ff" or char == "\ufffd":
            total += 1
    return (hits / total if total else 0.0), total


def _bom(data: bytes) -> str | None:
    """The encoding announced by a byte-order mark (UTF-32 checked before UTF-16)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM, recognised by NUL bytes on one side of mostly-ASCII text."""
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > 3 * even_nuls:
        return "utf-16-le"
    if even_nuls > 3 * odd_nuls:
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly, or None when any byte sequence is invalid."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes) -> DecodedText:
    """Decode a text file's bytes, guessing the encoding as described in the module docstring."""
    bom = _bom(data)
    if bom is not None:
        text = data.decode(bom, errors="replace")
        return DecodedText(text, bom)
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return DecodedText(utf8, "utf-8")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return DecodedText(data.decode(utf16, errors="replace"), utf16)

    best: tuple[float, str, str] | None = None
    for encoding in CJK_CANDIDATES:
        candidate = _strict(data, encoding)
        if candidate is None:
            continue
        share, count = hanzi_score(candidate)
        if count == 0:
            continue
        # Ties go to the earlier candidate (GB18030: mainland archives are the main audience).
        if best is None or share > best[0]:
            best = (share, encoding, candidate)
    if best is not None and best[0] >= MIN_COMMON_SHARE:
        return DecodedText(best[2], best[1])

    guess = from_bytes(data).best()
    if guess is not None and guess.encoding is not None:
        return DecodedText(str(guess), guess.encoding)
    if best is not None:
        return DecodedText(best[2], best[1])
    return DecodedText(data.decode("gb18030", errors="replace"), "gb18030")
