"""A PDF page's own text layer: lines, word boxes in image pixels, and whether it is garbage.

A text layer is trusted only when it holds real characters. Broken font maps show up as
``(cid:NN)`` runs, private-use characters, U+FFFD or a jumble of unlikely symbols; such a
page (and a page without text) is OCR'd instead. Lines are joined without a space between
two CJK characters so that Chinese phrases stay searchable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTAnno, LTChar, LTComponent, LTContainer, LTPage, LTTextLine
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

from indexer.extract.limits import Deadline
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
    image_cover: float = 0.0  # share of the page covered by pictures
    # The visible (crop) box in layout coordinates: what pdfium renders for the viewer.
    visible: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    @property
    def usable(self) -> bool:
        """Whether the text layer holds real text worth trusting over OCR."""
        if self.chars == 0:
            return False
        sound = self.chars - self.unsound - self.unlikely
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
        if self.unsound or self.unlikely:
            return "garbled text layer"
        return "scan with little text"


class _TimedAggregator(PDFPageAggregator):
    """A layout aggregator that checks the page time limit at every character and picture."""

    def __init__(self, rsrcmgr: PDFResourceManager, laparams: LAParams) -> None:
        super().__init__(rsrcmgr, laparams=laparams)
        self.deadline: Deadline | None = None

    def _tick(self) -> None:
        if self.deadline is not None:
            self.deadline.check()

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        """Count one glyph against the time limit."""
        self._tick()
        return super().render_char(*args, **kwargs)

    def render_image(self, *args: Any, **kwargs: Any) -> None:
        """Count one picture against the time limit."""
        self._tick()
        super().render_image(*args, **kwargs)

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        """Count one path against the time limit."""
        self._tick()
        super().paint_path(*args, **kwargs)


class TextLayerReader:
    """Reads the text layer of pages of one document (fonts are shared between pages)."""

    def __init__(self) -> None:
        self._rsrcmgr = PDFResourceManager(caching=True)
        self._device = _TimedAggregator(self._rsrcmgr, LAParams(all_texts=True))
        self._interpreter = PDFPageInterpreter(self._rsrcmgr, self._device)

    def read(self, page: PDFPage, deadline: Deadline) -> TextLayer:
        """Lay out ``page`` and collect its lines, word boxes and soundness counts."""
        self._device.deadline = deadline
        try:
            self._interpreter.process_page(page)
            layout = self._device.get_result()
        finally:
            self._device.deadline = None
        layer = analyse(layout)
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


def analyse(layout: LTPage) -> TextLayer:
    """The text layer of a laid-out page."""
    layer = TextLayer(visible=(0.0, 0.0, layout.width, layout.height))
    area = max(layout.width * layout.height, 1.0)
    picture_area = 0.0
    for box in layout:
        lines = list(_text_lines(box))
        if lines:
            texts = [_line_text(line, layer) for line in lines]
            texts = [text for text in texts if text]
            if texts:
                layer.lines.append(texts)
        elif _has_picture(box):
            picture_area += box.width * box.height
    layer.image_cover = min(picture_area / area, 1.0)
    return layer


def _has_picture(item: LTComponent) -> bool:
    """Whether a layout item is or holds an image."""
    if type(item).__name__ == "LTImage":
        return True
    if isinstance(item, LTContainer):
        return any(_has_picture(child) for child in item)
    return False


def _text_lines(item: Any) -> Iterator[LTTextLine]:
    """Every text line inside a layout item, in reading order."""
    if isinstance(item, LTTextLine):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _text_lines(child)


def _line_text(line: LTTextLine, layer: TextLayer) -> str:
    """One line's text (no space between CJK characters); its words are added to ``layer``."""
    out: list[str] = []
    word: list[LTChar] = []

    def flush() -> None:
        if word:
            text = "".join(c.get_text() for c in word)
            x0 = min(c.x0 for c in word)
            y0 = min(c.y0 for c in word)
            x1 = max(c.x1 for c in word)
            y1 = max(c.y1 for c in word)
            layer.words.append([text, 100.0, x0, y0, x1, y1])
            word.clear()

    items = list(line)
    for position, item in enumerate(items):
        if isinstance(item, LTChar):
            text = item.get_text()
            _count(text, layer)
            if text.isspace():
                flush()
                out.append(" ")
                continue
            if len(text) == 1 and is_cjk(text):
                flush()
                word.append(item)
                flush()
            else:
                word.append(item)
            out.append(text)
        elif isinstance(item, LTAnno):
            text = item.get_text()
            flush()
            if text == " " and not _between_cjk(items, position):
                out.append(" ")
    flush()
    return normalize_line("".join(out))


def _between_cjk(items: list[Any], position: int) -> bool:
    """Whether the item at ``position`` sits between two CJK characters."""
    before = next((i.get_text() for i in reversed(items[:position]) if isinstance(i, LTChar)), "")
    after = next((i.get_text() for i in items[position + 1 :] if isinstance(i, LTChar)), "")
    return bool(before and after and is_cjk(before[-1]) and is_cjk(after[0]))


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
    for text, confidence, x0, y0, x1, y1 in words:
        left = max(0, round((x0 - vx0) * sx))
        top = max(0, round((vy1 - y1) * sy))
        right = min(image_width, round((x1 - vx0) * sx))
        bottom = min(image_height, round((vy1 - y0) * sy))
        if right <= left or bottom <= top:
            continue  # a glyph outside the visible page
        rows.append([text, confidence, left, top, right - left, bottom - top])
    return rows
