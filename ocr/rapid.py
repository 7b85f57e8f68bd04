"""The second engine: PP-OCR (detection, direction, recognition) run by ONNX Runtime.

``rapidocr-onnxruntime`` ships its three models inside the wheel (``rapidocr_onnxruntime/
models/*.onnx``), so nothing is fetched at run time. It reads text lines of any direction
with one box per line; Lantai's word boxes (one per CJK character, one per Latin word) are
cut from each line box in proportion to the characters' widths (``line_words``), which is
what hit highlighting needs. The models are loaded once per process (about 0.3 s) and run
single-threaded: pages run in parallel, one per core (``ocr/parallel.py``).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from ocr.engine import OcrResult, Word, register_engine
from ocr.errors import OcrError
from ocr.preprocess import flatten
from ocr.text import fix_cjk_punctuation, is_cjk, join_paragraphs, join_words

# Longest side of the page the lines are cut from and read at. The package's default (2000)
# makes the text of an A4 page at 300 dpi too small to read reliably; 3000 keeps it near its
# scanned size. Lines are found on the page shrunk to DET_SIDE: detection at full size cost
# twice the CPU for the same CER (bench/bench_ocr_engines.py, noisy-sim: CER 0.23% both ways).
MAX_SIDE = 3000
DET_SIDE = 1600
# A Latin character is about this share of the width of a CJK one.
_LATIN_WIDTH = 0.55
# A gap between two Latin characters wider than this share of the line's thickness is a space.
# The recogniser's character boxes are estimates (from where its CTC columns fire): gaps
# inside a word measure up to 0.2 of the thickness and ordinary word spaces as little, so
# only wide gaps (fields set apart) are found; "Phone 123" is read "Phone123".
WORD_GAP = 0.6
_lock = threading.Lock()
_model: Any = None


def _load() -> Any:
    """The process's RapidOCR instance, made on first use."""
    global _model
    with _lock:
        if _model is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:  # a broken install: the page says so
                raise OcrError(f"RapidOCR cannot be loaded ({exc})", "无法加载 RapidOCR") from exc
            _model = RapidOCR(
                intra_op_num_threads=1,
                inter_op_num_threads=1,
                max_side_len=MAX_SIDE,
                det_limit_side_len=DET_SIDE,
                det_limit_type="max",
            )
        return _model


class RapidOcrEngine:
    """PP-OCRv4 through ONNX Runtime: Chinese and English text lines of any direction."""

    name = "rapidocr"

    def __init__(self, timeout: float = 300.0, **_options: Any) -> None:
        """``timeout`` is accepted for the registry's sake; a page's time is bounded by the
        job's limits, as ONNX Runtime cannot be interrupted mid-page."""
        self.timeout = timeout

    def recognize(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """OCR one page; word boxes refer to the (flattened, unturned) page image returned."""
        try:
            gray = flatten(image)
            array = np.asarray(gray.convert("RGB"))
        except (OSError, ValueError) as exc:
            raise OcrError(f"Cannot read the page image: {exc}", "无法读取页面图像") from exc
        model = _load()
        try:
            found, _elapsed = model(array, return_word_box=True)
        except Exception as exc:  # ONNX Runtime and OpenCV raise their own types
            raise OcrError(f"RapidOCR failed: {exc}", "RapidOCR 运行失败") from exc
        lines = [_Line.of(item) for item in found or []]
        lines = [line for line in lines if line.text.strip()]
        words: list[Word] = []
        paragraphs: list[list[str]] = []
        for paragraph in _paragraphs(_reading_order(lines)):
            texts = []
            for line in paragraph:
                line_words = line_words_of(line)
                words.extend(line_words)
                texts.append(join_words(w.text for w in line_words))
            paragraphs.append(texts)
        confidences = [w.confidence for w in words]
        return OcrResult(
            text=join_paragraphs(paragraphs),
            confidence=sum(confidences) / len(confidences) if confidences else None,
            words=words,
            width=gray.width,
            height=gray.height,
            image=gray if gray is not image else gray.copy(),
            engine=self.name,
            languages="+".join(languages),
        )


class _Line:
    """One text line as the detector boxed it (axis-aligned bounds of its quadrangle), with
    the extent of each character along it when the recogniser gave character boxes."""

    def __init__(self, left: float, top: float, right: float, bottom: float, text: str, score: float) -> None:
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.text, self.score = text, score
        self.spans: list[tuple[float, float]] | None = None

    @classmethod
    def of(cls, found: Sequence[Any]) -> _Line:
        """A line from one RapidOCR result: box, text, score and (optionally) character boxes."""
        box, text, score = found[0], found[1], found[2]
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        line = cls(min(xs), min(ys), max(xs), max(ys), str(text), float(score))
        if len(found) > 3 and found[3]:
            axis = 1 if line.vertical else 0
            line.spans = [
                (min(float(p[axis]) for p in char), max(float(p[axis]) for p in char)) for char in found[3]
            ]
        return line

    @property
    def vertical(self) -> bool:
        """A column of text: much taller than wide, and more than one character."""
        return (self.bottom - self.top) > 1.5 * (self.right - self.left) and len(self.text) > 1

    @property
    def size(self) -> float:
        """The character size: the line's thickness."""
        return (self.right - self.left) if self.vertical else (self.bottom - self.top)


def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Rows top to bottom, left to right within a row; a page set in columns right to left."""
    if lines and sum(line.vertical for line in lines) * 2 > len(lines):
        return sorted(lines, key=lambda line: (-line.right, line.top))
    ordered = sorted(lines, key=lambda line: (line.top + line.bottom) / 2)
    rows: list[list[_Line]] = []
    for line in ordered:
        row = rows[-1] if rows else None
        middle = (line.top + line.bottom) / 2
        if row is not None and row[0].top <= middle <= row[0].bottom:
            row.append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda line: line.left)]


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Consecutive lines close together and aligned at the start form one paragraph; lines of
    one row (a line the detector cut in two) always do."""
    out: list[list[_Line]] = []
    for line in lines:
        prev = out[-1][-1] if out else None
        if prev is not None and not line.vertical and not prev.vertical:
            same_row = prev.top <= (line.top + line.bottom) / 2 <= prev.bottom
            gap = line.top - prev.bottom
            follows = 0 <= gap < 0.8 * prev.size and abs(line.left - out[-1][0].left) < 2 * prev.size
            if same_row or follows:
                out[-1].append(line)
                continue
        elif prev is not None and line.vertical and prev.vertical and 0 <= prev.left - line.right < 0.8 * prev.size:
            out[-1].append(line)
            continue
        out.append([line])
    return out


def line_words_of(line: _Line) -> list[Word]:
    """The line cut into words: each CJK character alone, each run of other characters
    (a Latin word, a number) together, split where the characters stand apart.

    Each character's extent along the line comes from the recogniser's own character boxes
    when it gives one per character, else from the line box shared out in proportion to
    character widths. The recogniser writes no spaces: a gap wider than ``WORD_GAP`` of the
    line's thickness between two Latin characters is taken as one."""
    text = fix_cjk_punctuation(line.text)
    spans = line.spans if line.spans is not None and len(line.spans) == len(text) else _shared_out(line, text)
    confidence = max(0.0, min(100.0, line.score * 100))
    words: list[Word] = []
    run: list[int] = []

    def emit(indexes: list[int]) -> None:
        begin, end = spans[indexes[0]][0], spans[indexes[-1]][1]
        piece = "".join(text[i] for i in indexes)
        if line.vertical:
            box = (line.left, begin, line.right - line.left, end - begin)
        else:
            box = (begin, line.top, end - begin, line.bottom - line.top)
        left, top, width, height = (round(v) for v in box)
        words.append(Word(piece, confidence, left, top, max(1, width), max(1, height)))

    for i, ch in enumerate(text):
        apart = bool(run) and spans[i][0] - spans[run[-1]][1] > WORD_GAP * line.size
        if ch.isspace() or is_cjk(ch) or apart:
            if run:
                emit(run)
                run = []
            if is_cjk(ch):
                emit([i])
                continue
        if not ch.isspace():
            run.append(i)
    if run:
        emit(run)
    return words


def _shared_out(line: _Line, text: str) -> list[tuple[float, float]]:
    """Each character's extent along the line, sharing the line box out by character widths."""
    weights = [1.0 if is_cjk(ch) else _LATIN_WIDTH for ch in text]
    total = sum(weights) or 1.0
    start, length = (line.top, line.bottom - line.top) if line.vertical else (line.left, line.right - line.left)
    spans, position = [], 0.0
    for weight in weights:
        spans.append((start + length * position / total, start + length * (position + weight) / total))
        position += weight
    return spans


def _check() -> OcrError | None:
    """None when the package and ONNX Runtime are installed, else the error saying so."""
    for module in ("rapidocr_onnxruntime", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            return OcrError(
                f"The {module} package is not installed (pip install rapidocr-onnxruntime)",
                f"未安装 {module} 软件包（pip install rapidocr-onnxruntime）",
            )
    return None


register_engine("rapidocr", RapidOcrEngine, priority=50, check=_check)
