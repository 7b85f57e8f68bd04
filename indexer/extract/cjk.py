"""CJK-aware whitespace: wrapped Chinese lines are joined without spaces (so phrase search
works), while Latin words keep the single space between them."""

from __future__ import annotations

import re

from ocr.text import SPACELESS, char_class, is_cjk

# Hanzi, CJK punctuation, kana, Hangul, full-width forms: scripts written without spaces.
_CJK = char_class(SPACELESS)
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_SPACES = re.compile(r"[ \u00a0\u200b]+")
_TABS = re.compile(r" ?\t[ \t]*")
_BLANK_LINES = re.compile(r"\n{2,}")


def join_pieces(pieces: list[str]) -> str:
    """Join text fragments on one line: no space between two CJK ends, one space otherwise."""
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if out and not (is_cjk(out[-1]) and is_cjk(piece[0])):
            out += " "
        out += piece
    return out


def tidy(text: str) -> str:
    """Collapse spaces, drop spaces between CJK characters, strip lines, drop blank lines
    (tabs, which separate table cells, are kept singly)."""
    lines = []
    for line in text.split("\n"):
        line = _TABS.sub("\t", _SPACES.sub(" ", line)).strip(" \t")
        lines.append(_CJK_GAP.sub("", line))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
