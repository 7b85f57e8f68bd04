"""Fonts whose text a PDF does not say: the text decoded from them is a guess, and may lie.

A simple font with no ToUnicode map that is embedded and flagged symbolic maps character
codes to glyphs through its own tables; pdfminer can only guess the characters from a
standard encoding. Tools that subset fonts usually keep the printable ASCII codes, so those
guesses are often right; the rest are not: a Chinese subset drawn with codes 128-255 reads
as ``™—›œ``-like Latin-1, and a font with shuffled codes turns "Phone" into ``"7+%-``.
``GuessCounts`` keeps the figures ``TextLayer.usable`` judges such glyphs by.
"""

from __future__ import annotations

from dataclasses import dataclass

from pdfminer.pdffont import PDFFont, PDFSimpleFont
from pdfminer.pdftypes import resolve1

_SYMBOLIC = 4  # bit 3 of the font descriptor's Flags
_FONT_FILES = ("FontFile", "FontFile2", "FontFile3")
# Below this share of letters among its printable ASCII glyphs a guessed font is not text.
MIN_LETTER_SHARE = 0.5


def guesses_text(font: PDFFont) -> bool:
    """Whether the text of ``font``'s glyphs is a guess (see the module docstring)."""
    if not isinstance(font, PDFSimpleFont) or getattr(font, "unicode_map", None) is not None:
        return False
    descriptor = getattr(font, "descriptor", None) or {}
    try:
        flags = int(resolve1(descriptor.get("Flags", 0)) or 0)
    except (TypeError, ValueError):
        flags = 0
    return bool(flags & _SYMBOLIC) and any(name in descriptor for name in _FONT_FILES)


@dataclass
class GuessCounts:
    """Glyphs of guessing fonts on a page: all, outside printable ASCII, ASCII letters."""

    glyphs: int = 0
    odd: int = 0
    letters: int = 0

    def add(self, text: str) -> None:
        """Count one glyph's (guessed) text."""
        if text.isspace():
            return
        self.glyphs += 1
        if len(text) != 1 or not " " < text < "\x7f":
            self.odd += 1
        elif text.isalpha():
            self.letters += 1

    @property
    def untrusted(self) -> int:
        """How many of them to count as unsound: those outside ASCII, and the ASCII ones too
        when they are mostly punctuation and digits (a shuffled code table)."""
        ascii_glyphs = self.glyphs - self.odd
        if ascii_glyphs and self.letters < ascii_glyphs * MIN_LETTER_SHARE:
            return self.glyphs
        return self.odd
