"""OCR quality figures shared by tests and benchmarks: character error rate on normalised text."""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein

from ocr.text import normalize_line


def normalize_for_cer(text: str) -> str:
    """Text reduced to what OCR is judged on.

    NFKC (full-width letters and digits to ASCII, compatibility ideographs to unified ones),
    typographic quotes and dashes to ASCII, every run of white space (line breaks
    included) to one space, and no space next to a CJK character (see ``ocr.text``), so
    that layout and the spacing of Chinese text do not count as errors.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TYPOGRAPHY)
    return normalize_line(text)


_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-"})


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance between the normalised texts divided by the reference length."""
    ref = normalize_for_cer(reference)
    hyp = normalize_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
