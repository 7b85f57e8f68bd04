"""Page text from OCR words and text-layer lines: the spacing rules for CJK and Latin text.

The rules, shared by OCR (``assemble_text``) and the PDF text-layer extractor
(``join_lines``), so that a phrase reads the same whichever way a page was read:

* Two pieces are joined with a space only when the characters on BOTH sides of the join
  are not CJK. A join touching a CJK character (Han ideograph, kana, hangul, CJK or
  full-width punctuation) gets no space, so ``中文 ABC 中文`` becomes ``中文ABC中文``
  and ``长教发〔2023〕12 号`` becomes ``长教发〔2023〕12号``. Chinese is written without
  spaces, and a space inside a phrase would break phrase search; Latin words keep theirs.
* The same rule applies inside a line: a space between two CJK characters is removed
  (Tesseract emits one between chi_sim "words"; some PDFs space out title characters).
* Wrapped lines of one paragraph are joined by the rule above; a Latin word split with a
  hyphen at the end of a line and continued in lower case is rejoined without the hyphen
  (``docu-`` + ``ment`` -> ``document``); before an upper-case letter or digit the hyphen
  is kept and nothing is inserted (``Jean-`` + ``Paul`` -> ``Jean-Paul``).
* Paragraphs are separated by one ``\\n``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ocr.engine import Word

# Hyphens that may end a line in the middle of a word: ASCII, soft hyphen, Unicode hyphen.
_HYPHENS = "-\u00ad\u2010"
_WS_RUN = re.compile(r"\s+")


# The two character classes of CJK text, defined once for the whole of Lantai (ocr/ is the lowest
# package, so the extractors and search import them from here):
#
# SPACELESS: the characters of scripts written without spaces between words, punctuation
# included: a join touching one gets no space (the rules above; ``is_cjk``).
SPACELESS: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x2FF0, 0x303F),  # ideographic description, CJK symbols and punctuation
    (0x3040, 0x31FF),  # kana, bopomofo, hangul compatibility jamo, kanbun, strokes
    (0x3200, 0x4DBF),  # enclosed CJK, compatibility, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA000, 0xA4CF),  # Yi syllables and radicals
    (0xA960, 0xA97F),  # hangul jamo extended-A
    (0xAC00, 0xD7FF),  # hangul syllables and jamo extended-B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms (，：（）etc.)
    (0x20000, 0x3FFFF),  # extensions B to H, compatibility supplement
)
# CJK_LETTERS: of those, the letters that search indexes one by one (ideographs, kana, hangul,
# the iteration and numeral marks 々 〇 〡-〩 〸-〻); never punctuation, which separates words.
CJK_LETTERS: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),
    (0x3005, 0x3005),
    (0x3007, 0x3007),
    (0x3021, 0x3029),
    (0x3038, 0x303B),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31A0, 0x31BF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)


def char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """The ranges as the inside of a regular-expression character class (``[...]``)."""
    return "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


_SPACELESS_RE = re.compile(f"[{char_class(SPACELESS)}]")


def is_cjk(ch: str) -> bool:
    """True when ``ch`` belongs to a script written without spaces (``SPACELESS``)."""
    return bool(ch) and _SPACELESS_RE.match(ch[0]) is not None


# A run of dashes as OCR reads the Chinese dash "——": hyphens, one-dashes, and 一 (the
# character "one", which a dash resembles). Only runs mixing 一 or — with another dash are
# rewritten, so that 一一 (as in 一一对应) and a Latin "--" are kept.
_DASH_RUN = re.compile(r"[-\u2010-\u2015\u2212\u2500\uff0d一]{2,}")
# Latin punctuation OCR gives for Chinese punctuation, replaced only between two CJK characters
# (a lone full-width minus there is a —— read as one dash).
_BETWEEN_CJK = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）", "\uff0d": "——"}


def _dash_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if set(run) == {"一"} or (not ({"一", "—"} & set(run)) and "\uff0d" not in run):
        return run
    return "——" * max(1, len(run) // 2)


# 〇 read as a circle, a letter O or a zero between Chinese numerals (二〇二三年).
_ZERO = re.compile(r"(?<=[一二三四五六七八九十〇零])[○◯OoΟ0](?=[一二三四五六七八九十〇零○◯OoΟ0])")
# The year of a 文号 in square or round brackets: 长教发[2023]12号 is printed 长教发〔2023〕12号.
_DOC_YEAR = re.compile(r"(?<=[\u4e00-\u9fff])[\[［(（](\d{4})[\]］)）](?=\d)")


def fix_cjk_punctuation(text: str) -> str:
    """Chinese punctuation as printed: ``-一`` or ``一-`` (a misread ——) as ——, a lone
    full-width minus between CJK characters as ——, , : ; ! ? ( ) between CJK characters as
    their full-width forms, 〇 between Chinese numerals, and 〔〕 around a 文号's year."""
    if not text:
        return text
    text = _DASH_RUN.sub(_dash_run, text)
    text = _ZERO.sub("〇", text)
    text = _DOC_YEAR.sub(r"〔\1〕", text)
    chars = list(text)
    for i in range(1, len(chars) - 1):
        if chars[i] in _BETWEEN_CJK and is_cjk(chars[i - 1]) and is_cjk(chars[i + 1]):
            chars[i] = _BETWEEN_CJK[chars[i]]
    return "".join(chars)


def _needs_space(left: str, right: str) -> bool:
    """Whether a space belongs between two pieces of text joined side by side."""
    return bool(left) and bool(right) and not is_cjk(left[-1]) and not is_cjk(right[0])


def join_words(words: Iterable[str]) -> str:
    """One line from its words: spaces between Latin words, none next to a CJK character."""
    out = ""
    for word in words:
        word = word.strip()
        if not word:
            continue
        out = f"{out} {word}" if _needs_space(out, word) else out + word
    return out


def normalize_line(line: str) -> str:
    """Collapse runs of white space to one space and drop the ones next to CJK characters."""
    return join_words(_WS_RUN.split(line))


def join_lines(lines: Sequence[str]) -> str:
    """Join the wrapped lines of ONE paragraph into a single line of text.

    No space where the break touches a CJK character, a space between Latin words, and a
    Latin word hyphenated at the line end rejoined. Within each line the same spacing rule
    is applied (see the module docstring).
    """
    out = ""
    for raw in lines:
        line = normalize_line(raw)
        if not line:
            continue
        if not out:
            out = line
        elif (
            len(out) >= 2
            and out[-1] in _HYPHENS
            and out[-2].isalpha()
            and not is_cjk(out[-2])
            and line[0].isalpha()
            and not is_cjk(line[0])
        ):
            # "docu-" + "ment": a word split at the line end. Before a capital the hyphen is
            # part of the word ("Jean-Paul"); soft hyphens are never part of it.
            split_word = line[0].islower() or out[-1] == "\u00ad"
            out = out[:-1] + line if split_word else out + line
        elif out[-1] in "-\u2010" and len(out) >= 2 and not out[-2].isspace():
            out = out + line  # "2023-" + "2024": keep the hyphen, add nothing
        elif _needs_space(out, line):
            out = f"{out} {line}"
        else:
            out = out + line
    return out


def join_paragraphs(paragraphs: Iterable[Sequence[str]]) -> str:
    """Page text from paragraphs given as lists of lines: one ``\\n`` between paragraphs."""
    texts = (join_lines(p) for p in paragraphs)
    return "\n".join(t for t in texts if t)


def assemble_text(rows: Sequence[tuple[tuple[int, int, int], Word]]) -> str:
    """Page text from OCR words keyed by their (block, paragraph, line) numbers.

    ``rows`` is in reading order as Tesseract reports it; a new (block, paragraph) starts a
    new paragraph, a new line within it a wrapped line.
    """
    paragraphs: list[list[str]] = []
    current_par: tuple[int, int] | None = None
    current_line: tuple[int, int, int] | None = None
    line_words: list[str] = []

    def flush_line() -> None:
        if line_words:
            paragraphs[-1].append(join_words(line_words))
            line_words.clear()

    for key, word in rows:
        par = key[:2]
        if par != current_par:
            flush_line()
            paragraphs.append([])
            current_par = par
            current_line = key
        elif key != current_line:
            flush_line()
            current_line = key
        line_words.append(word.text)
    flush_line()
    return join_paragraphs(paragraphs)
