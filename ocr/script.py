"""Script and direction of Chinese text: which Tesseract language packs to try on a page.

A batch that names no languages is read as Simplified Chinese and English; a page that
reads badly that way is tried in Traditional Chinese (``other_script``), and a page whose
text runs in columns is tried with the vertical packs (``vertical_languages``). The choice
between readings is made by ``reading_score``, so ordinary pages pay for one reading only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ocr.engine import OcrResult, Word
from ocr.text import is_cjk

_SWAP = {"chi_sim": "chi_tra", "chi_tra": "chi_sim"}
_VERTICAL = {"chi_sim": "chi_sim_vert", "chi_tra": "chi_tra_vert"}


def other_script(spec: str, installed: Iterable[str]) -> str | None:
    """``chi_tra+eng`` for ``chi_sim+eng`` (and back), when that pack is installed; else None.

    Only a spec with exactly one of the two Chinese scripts has an "other" one."""
    parts = spec.split("+")
    chinese = [p for p in parts if p in _SWAP]
    if len(chinese) != 1 or _SWAP[chinese[0]] not in set(installed):
        return None
    return "+".join(_SWAP.get(p, p) for p in parts)


def vertical_languages(spec: str, installed: Iterable[str], both_scripts: bool = False) -> str | None:
    """The vertical packs for the Chinese scripts of ``spec`` (``chi_tra_vert``), when installed.

    With ``both_scripts`` the other script's vertical pack is added too (a batch that did not
    say which script it is). Latin packs are left out: vertical models read Latin words set
    sideways in a column, and a mix slows them down."""
    have = set(installed)
    scripts = [p for p in spec.split("+") if p in _VERTICAL]
    if both_scripts:
        scripts += [_SWAP[s] for s in scripts if _SWAP[s] not in scripts]
    packs = [_VERTICAL[s] for s in scripts if _VERTICAL[s] in have]
    return "+".join(dict.fromkeys(packs)) or None


def reading_score(result: OcrResult) -> float:
    """How well a page was read: the confident characters, weighted by confidence.

    Upside-down, sideways or wrong-script text reads as few, unsure characters, so the
    reading with the higher score is the right one."""
    return sum(len(w.text) * w.confidence for w in result.words if w.confidence >= 50) / 100


def first_lines(words: Sequence[Word], lines: int = 3) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) of the first ``lines`` lines of Chinese text among
    ``words``, with a margin; None when the page has no Chinese words."""
    chinese = sorted((w for w in words if any(is_cjk(c) for c in w.text)), key=lambda w: w.top)
    if not chinese:
        return None
    height = sorted(w.height for w in chinese)[len(chinese) // 2]
    bottom_limit = chinese[0].top + lines * height * 1.8
    chosen = [w for w in chinese if w.top < bottom_limit]
    margin = height // 2
    left = max(0, min(w.left for w in chosen) - margin)
    top = max(0, chosen[0].top - margin)
    right = max(w.left + w.width for w in chosen) + margin
    bottom = max(w.top + w.height for w in chosen) + margin
    return left, top, right, bottom


def within(word: Word, box: tuple[int, int, int, int]) -> bool:
    """Whether the word's centre lies in ``box``."""
    x, y = word.left + word.width / 2, word.top + word.height / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]
