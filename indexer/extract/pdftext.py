"""A PDF page's own text layer: lines, word boxes in image pixels, and whether it is garbage.

A text layer is trusted only when it holds real characters. Broken font maps show up as
``(cid:NN)`` runs, private-use characters, U+FFFD or a jumble of unlikely symbols; such a
page (and a page without text) is OCR'd instead. Lines are joined without a space between
two CJK characters so that Chinese phrases stay searchable.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.utils import MATRIX_IDENTITY, Matrix, Point, Rect, apply_matrix_rect, mult_matrix

from indexer.extract.limits import Deadline
from indexer.extract.pdffonts import GuessCounts, guesses_text
from ocr.text import is_cjk, join_paragraphs, normalize_line

# A page needs at least this share of sound characters to be read from its text layer.
MIN_SOUND_SHARE = 0.85
# A page with fewer characters than this and a picture over most of it is a scan with a stamp.
FEW_CHARS = 20
IMAGE_COVER = 0.6


def _is_unsound(char: str) -> bool:
    """A character that only a broken font map produces."""
    code = ord(char)
    if code == 0xFFFD or 0xE000 <= code <= 0xF8FF or code >= 0xF0000:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Co", "Cn") and char not in "\t\n\r"


def _is_likely(char: str) -> bool:
    """A character real documents here are made of (Latin, CJK, Cyrillic, Greek, punctuation)."""
    code = ord(char)
    return (
        code < 0x250  # ASCII, Latin-1, Latin Extended-A/B
        or 0x370 <= code <= 0x4FF  # Greek, Cyrillic
        or 0x2000 <= code <= 0x2BFF  # punctuation, symbols, arrows, math, boxes
        or is_cjk(char)
    )


@dataclass
class TextLayer:
    """What a page's text layer holds."""

    lines: list[list[str]] = field(default_factory=list)  # text boxes, each a list of lines
    words: list[list[Any]] = field(default_factory=list)  # [text, 100, x0, y0, x1, y1] in points
    chars: int = 0
    unsound: int = 0
    unlikely: int = 0
    guessed: GuessCounts = field(default_factory=GuessCounts)  # glyphs of fonts that say no text
    image_cover: float = 0.0  # share of the page covered by pictures
    # The visible (crop) box in layout coordinates: what pdfium renders for the viewer.
    visible: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    @property
    def usable(self) -> bool:
        """Whether the text layer holds real text worth trusting over OCR."""
        if self.chars == 0:
            return False
        sound = self.chars - max(self.unsound + self.unlikely, self.guessed.untrusted)
        if sound / self.chars < MIN_SOUND_SHARE:
            return False
        return not (self.chars < FEW_CHARS and self.image_cover >= IMAGE_COVER)

    @property
    def text(self) -> str:
        """The page text: wrapped lines joined by the CJK-aware rules, one line per paragraph."""
        return join_paragraphs(self.lines)

    @property
    def reason(self) -> str:
        """Why the layer is not used (for logs and metadata)."""
        if self.chars == 0:
            return "no text layer"
        if self.usable:
            return "text layer"
        if self.unsound or self.unlikely or self.guessed.untrusted:
            return "garbled text layer"
        return "scan with little text"


class _GlyphDevice(PDFTextDevice):
    """Collects each glyph's text and box, and the area pictures cover, without layout analysis.

    pdfminer's own layout analysis (``LAParams``) builds an object per character and groups
    them geometrically into lines and boxes: about half the time of reading a page. Office
    software writes text in reading order, so lines are found here from the glyphs in the
    order they are drawn (``assemble``), which is what pdfminer's line step does too.
    """

    def __init__(self, rsrcmgr: PDFResourceManager) -> None:
        super().__init__(rsrcmgr)
        self.glyphs: list[Glyph] = []
        self.picture_area = 0.0
        self.page_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        self.deadline: Deadline | None = None
        self._figures: list[tuple[float, float, float, float]] = []
        self._fonts: dict[int, tuple[PDFFont, dict[int, tuple[str, float]]]] = {}
        self._guessing: dict[int, bool] = {}
        self.guessed = GuessCounts()

    def begin_page(self, page: PDFPage, ctm: Matrix) -> None:
        """Start collecting a page."""
        x0, y0, x1, y1 = apply_matrix_rect(ctm, page.mediabox)
        self.page_box = (0.0, 0.0, abs(x1 - x0), abs(y1 - y0))
        self.glyphs = []
        self.picture_area = 0.0
        self._figures = []
        self.guessed = GuessCounts()

    def begin_figure(self, name: str, bbox: Rect, matrix: Matrix) -> None:
        """A form or picture starts: remember where it lies on the page."""
        self._figures.append(apply_matrix_rect(mult_matrix(matrix, self.ctm or MATRIX_IDENTITY), bbox))
        self._tick()

    def end_figure(self, name: str) -> None:
        """A form or picture ends."""
        if self._figures:
            self._figures.pop()

    def render_image(self, name: str, stream: Any) -> None:
        """Count a picture's area (clipped to the page)."""
        if self._figures:
            x0, y0, x1, y1 = self._figures[-1]
            px0, py0, px1, py1 = self.page_box
            width = min(x1, px1) - max(x0, px0)
            height = min(y1, py1) - max(y0, py0)
            if width > 0 and height > 0:
                self.picture_area += width * height

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        """Paths carry no text; only the time limit is checked."""
        self._tick()

    def _tick(self) -> None:
        if self.deadline is not None:
            self.deadline.check()

    def render_string_horizontal(
        self,
        seq: Any,
        matrix: Matrix,
        pos: Point,
        font: PDFFont,
        fontsize: float,
        scaling: float,
        charspace: float,
        wordspace: float,
        rise: float,
        dxscale: float,
        ncs: Any,
        graphicstate: Any,
    ) -> Point:
        """Pdfminer's loop over a horizontal string with ``render_char`` folded in: the text and
        width of each character code are looked up once per font, not per glyph."""
        self._tick()
        x, y = pos
        a, b, c, d, e, f = matrix
        codes = self._codes(font)
        guessing = self._guessing[id(font)]
        descent = font.get_descent() * fontsize
        low, high = descent + rise, descent + rise + fontsize
        advance_scale = fontsize * scaling
        upright = b == 0 and c == 0
        glyphs = self.glyphs
        needcharspace = False
        for obj in seq:
            if isinstance(obj, int | float):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    code = codes.get(cid)
                    if code is None:
                        code = codes[cid] = (_text_of(font, cid), font.char_width(cid))
                    adv = code[1] * advance_scale
                    ox, oy = x * a + y * c + e, x * b + y * d + f
                    if upright:
                        xa, xb, ya, yb = ox, a * adv + ox, d * low + oy, d * high + oy
                        glyphs.append(Glyph(code[0], min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
                    else:
                        glyphs.append(Glyph(code[0], *apply_matrix_rect((a, b, c, d, ox, oy), (0, low, adv, high))))
                    if guessing:
                        self.guessed.add(code[0])
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
        return (x, y)

    def _codes(self, font: PDFFont) -> dict[int, tuple[str, float]]:
        """Character code -> (text, width) of a font, filled as codes are met."""
        codes = self._fonts.get(id(font))
        if codes is None or codes[0] is not font:
            codes = self._fonts[id(font)] = (font, {})
            self._guessing[id(font)] = guesses_text(font)
        return codes[1]

    def render_char(
        self,
        matrix: Matrix,
        font: PDFFont,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: Any,
        graphicstate: Any,
    ) -> float:
        """Record one glyph of vertical text (as ``LTChar`` computes its box); its advance."""
        if len(self.glyphs) & 255 == 0:
            self._tick()
        text = _text_of(font, cid)
        adv = font.char_width(cid) * fontsize * scaling
        vx, vy = font.char_disp(cid)  # type: ignore[misc]
        vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
        vy = (1000 - vy) * fontsize * 0.001
        self.glyphs.append(Glyph(text, *apply_matrix_rect(matrix, (-vx, vy + rise + adv, -vx + fontsize, vy + rise))))
        return adv


def _text_of(font: PDFFont, cid: int) -> str:
    """The text of a character code; ``(cid:N)`` when the font does not map it (pdfminer's way)."""
    try:
        return font.to_unichr(cid)
    except PDFUnicodeNotDefined:
        return f"(cid:{cid})"


class Glyph(NamedTuple):
    """One drawn character: its text and box in page points (origin bottom left)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


class TextLayerReader:
    """Reads the text layer of pages of one document (fonts are shared between pages)."""

    def __init__(self) -> None:
        self._rsrcmgr = PDFResourceManager(caching=True)
        self._device = _GlyphDevice(self._rsrcmgr)
        self._interpreter = PDFPageInterpreter(self._rsrcmgr, self._device)

    def read(self, page: PDFPage, deadline: Deadline) -> TextLayer:
        """Collect ``page``'s glyphs and turn them into lines, word boxes and soundness counts."""
        device = self._device
        device.deadline = deadline
        try:
            self._interpreter.process_page(page)
        finally:
            device.deadline = None
        _, _, width, height = device.page_box
        layer = assemble(device.glyphs)
        layer.guessed = device.guessed
        device.glyphs = []
        layer.image_cover = min(device.picture_area / max(width * height, 1.0), 1.0)
        layer.visible = visible_box(page)
        return layer


def visible_box(page: PDFPage) -> tuple[float, float, float, float]:
    """The page's crop box in pdfminer's layout coordinates (mediabox origin, rotation applied).

    The matrix is the one ``PDFPageInterpreter.process_page`` starts a page with.
    """
    mx0, my0, mx1, my1 = page.mediabox
    cx0, cy0, cx1, cy1 = page.cropbox
    # pdfium shows the crop box clipped to the media box
    cx0, cy0 = max(cx0, min(mx0, mx1)), max(cy0, min(my0, my1))
    cx1, cy1 = min(cx1, max(mx0, mx1)), min(cy1, max(my0, my1))
    if cx1 <= cx0 or cy1 <= cy0:
        cx0, cy0, cx1, cy1 = mx0, my0, mx1, my1
    rotate = page.rotate
    if rotate == 90:
        a, b, c, d, e, f = 0, -1, 1, 0, -my0, mx1
    elif rotate == 180:
        a, b, c, d, e, f = -1, 0, 0, -1, mx1, my1
    elif rotate == 270:
        a, b, c, d, e, f = 0, 1, -1, 0, my1, -mx0
    else:
        a, b, c, d, e, f = 1, 0, 0, 1, -mx0, -my0
    xs, ys = [], []
    for x, y in ((cx0, cy0), (cx1, cy1)):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return (min(xs), min(ys), max(xs), max(ys))


# Two glyphs are on one line when their boxes overlap across the line by this share of the
# smaller one (pdfminer's line_overlap), and lie closer along it than this many glyph sizes
# (its char_margin); a gap wider than WORD_GAP glyph sizes between Latin letters is a space.
LINE_OVERLAP = 0.5
CHAR_MARGIN = 2.0
WORD_GAP = 0.1
# Consecutive lines belong to one paragraph (box) when the gap between them is at most this
# share of the line height (pdfminer's line_margin) and they overlap along the line.
LINE_MARGIN = 0.5


def _same_line(g0: Glyph, g1: Glyph, horizontal: bool) -> bool:
    """Whether ``g1`` continues the line of ``g0`` (written across or down the page)."""
    if horizontal:
        overlap = min(g0.y1, g1.y1) - max(g0.y0, g1.y0)
        size = min(g0.y1 - g0.y0, g1.y1 - g1.y0)
        gap = max(g1.x0 - g0.x1, g0.x0 - g1.x1)
        margin = max(g0.x1 - g0.x0, g1.x1 - g1.x0, g0.y1 - g0.y0, g1.y1 - g1.y0) * CHAR_MARGIN
    else:
        overlap = min(g0.x1, g1.x1) - max(g0.x0, g1.x0)
        size = min(g0.x1 - g0.x0, g1.x1 - g1.x0)
        gap = max(g0.y0 - g1.y1, g1.y0 - g0.y1)
        margin = max(g0.y1 - g0.y0, g1.y1 - g1.y0, g0.x1 - g0.x0, g1.x1 - g1.x0) * CHAR_MARGIN
    return overlap > size * LINE_OVERLAP and gap < margin


def _lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into lines in drawing order; a line runs across the page, or down it
    (vertical Chinese) when its first two glyphs stand one above the other."""
    lines: list[list[Glyph]] = []
    current: list[Glyph] = []
    across = True  # the direction of ``current`` once it has two glyphs
    for glyph in glyphs:
        if current:
            last = current[-1]
            if len(current) == 1:
                if _same_line(last, glyph, True):
                    across = True
                elif _same_line(last, glyph, False):
                    across = False
                else:
                    lines.append(current)
                    current = [glyph]
                    continue
                current.append(glyph)
                continue
            if across and glyph.y0 == last.y0 and glyph.y1 == last.y1 and glyph.y1 > glyph.y0:
                # the common case, same baseline and size: _same_line reduced to the gap test
                margin = max(glyph.y1 - glyph.y0, glyph.x1 - glyph.x0, last.x1 - last.x0) * CHAR_MARGIN
                if max(glyph.x0 - last.x1, last.x0 - glyph.x1) < margin:
                    current.append(glyph)
                    continue
            elif _same_line(last, glyph, across):
                current.append(glyph)
                continue
            lines.append(current)
        current = [glyph]
    if current:
        lines.append(current)
    return lines


def _vertical(line: list[Glyph]) -> bool:
    """Whether a line of two or more glyphs runs down the page."""
    first, last = line[0], line[-1]
    return abs(last.y0 - first.y0) > abs(last.x0 - first.x0)


def _box(line: list[Glyph]) -> tuple[float, float, float, float]:
    return (min(g.x0 for g in line), min(g.y0 for g in line), max(g.x1 for g in line), max(g.y1 for g in line))


def _same_paragraph(b0: tuple[float, float, float, float], b1: tuple[float, float, float, float]) -> bool:
    """Whether the line with box ``b1`` continues the paragraph ending with the line ``b0``."""
    height = max(b0[3] - b0[1], b1[3] - b1[1])
    gap = max(b0[1] - b1[3], b1[1] - b0[3])  # negative when they overlap
    overlap = min(b0[2], b1[2]) - max(b0[0], b1[0])
    return gap <= height * LINE_MARGIN and overlap > 0


def assemble(glyphs: list[Glyph]) -> TextLayer:
    """The text layer from glyphs in drawing order: paragraphs of lines, words, counts."""
    layer = TextLayer()
    paragraph: list[str] = []
    previous: tuple[float, float, float, float] | None = None
    for line in _lines(glyphs):
        text = _line_text(line, layer)
        if not text:
            continue
        box = _box(line)
        if paragraph and previous is not None and not _same_paragraph(previous, box):
            layer.lines.append(paragraph)
            paragraph = []
        paragraph.append(text)
        previous = box
    if paragraph:
        layer.lines.append(paragraph)
    return layer


def _line_text(line: list[Glyph], layer: TextLayer) -> str:
    """One line's text (no space between CJK characters); its words are added to ``layer``.

    Every CJK character is a word of its own; other characters form words between spaces
    and gaps wider than ``WORD_GAP`` glyph sizes.
    """
    out: list[str] = []
    words = layer.words
    word: list[Glyph] = []
    across = len(line) < 2 or not _vertical(line)
    previous: Glyph | None = None
    previous_cjk = False
    for glyph in line:
        text = glyph.text
        if len(text) == 1 and is_cjk(text):  # the common case in Chinese documents: sound, one word
            layer.chars += 1
            if word:
                _flush(word, words)
            words.append([text, 100.0, glyph.x0, glyph.y0, glyph.x1, glyph.y1])
            out.append(text)
            previous, previous_cjk = glyph, True
            continue
        _count(text, layer)
        if text.isspace():
            _flush(word, words)
            out.append(" ")
            previous, previous_cjk = glyph, False
            continue
        if previous is not None and not previous_cjk and out and out[-1] != " ":
            size = max(glyph.x1 - glyph.x0, glyph.y1 - glyph.y0, previous.x1 - previous.x0, previous.y1 - previous.y0)
            if across:  # either way along the line: a turned page runs right to left or upwards
                gap = max(glyph.x0 - previous.x1, previous.x0 - glyph.x1)
            else:
                gap = max(previous.y0 - glyph.y1, glyph.y0 - previous.y1)
            if gap > size * WORD_GAP:
                _flush(word, words)
                out.append(" ")  # normalize_line drops it next to CJK characters
        word.append(glyph)
        out.append(text)
        previous, previous_cjk = glyph, False
    _flush(word, words)
    return normalize_line("".join(out))


def _flush(word: list[Glyph], words: list[list[Any]]) -> None:
    """Add the glyphs of a word as one word box, and start a new word."""
    if word:
        words.append([
            "".join(g.text for g in word), 100.0,
            min(g.x0 for g in word), min(g.y0 for g in word),
            max(g.x1 for g in word), max(g.y1 for g in word),
        ])
        word.clear()


def _count(text: str, layer: TextLayer) -> None:
    """Count one glyph's text for the soundness test (``(cid:12)`` is an unmapped glyph)."""
    if text.isspace():
        return
    layer.chars += 1
    if text.startswith("(cid:") or any(_is_unsound(c) for c in text):
        layer.unsound += 1
    elif not all(_is_likely(c) for c in text):
        layer.unlikely += 1


def words_in_pixels(
    words: list[list[Any]],
    visible: tuple[float, float, float, float],
    image_width: int,
    image_height: int,
) -> list[list[Any]]:
    """Word boxes from layout points (origin bottom left) to image pixels (origin top left).

    ``visible`` is the part of the page the image shows. Rows become
    ``[text, confidence, left, top, width, height]`` like ``Word.as_list()``.
    """
    vx0, vy0, vx1, vy1 = visible
    sx = image_width / (vx1 - vx0) if vx1 > vx0 else 1.0
    sy = image_height / (vy1 - vy0) if vy1 > vy0 else 1.0
    rows: list[list[Any]] = []
    append = rows.append
    for text, confidence, x0, y0, x1, y1 in words:  # a page holds thousands: plain arithmetic
        left = int((x0 - vx0) * sx + 0.5)
        top = int((vy1 - y1) * sy + 0.5)
        right = int((x1 - vx0) * sx + 0.5)
        bottom = int((vy1 - y0) * sy + 0.5)
        if left < 0:
            left = 0
        if top < 0:
            top = 0
        if right > image_width:
            right = image_width
        if bottom > image_height:
            bottom = image_height
        if right > left and bottom > top:  # else a glyph outside the visible page
            append([text, confidence, left, top, right - left, bottom - top])
    return rows
