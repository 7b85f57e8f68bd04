"""CJK-aware whitespace: wrapped Chinese lines are joined without spaces (so phrase search
works), while Latin words keep the single space between them."""

from __future__ import annotations

import re

# Hanzi, CJK punctuation, kana, Hangul, full-width forms: scripts written without spaces.
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_SPACES = re.compile(r"[ \u00a0\u200b]+")
_TABS = re.compile(r" ?\t[ \t]*")
_BLANK_LINES = re.compile(r"\n{2,}")


def is_cjk(char: str) -> bool:
    """True for a character of a script written without spaces between words."""
    return bool(char) and re.match(rf"[{_CJK}]", char) is not None


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
