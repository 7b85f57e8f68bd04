"""The Tesseract engine (through pytesseract): orientation, deskew, OCR with word boxes.

One ``recognize`` call usually runs one single-threaded tesseract process, the OCR itself
(TSV output: words with boxes and confidences); a page that looks turned or reads badly
also gets an OSD run to find its orientation and a second OCR (see ``recognize``).
Each process gets ``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads cost about four times
the CPU for little gain on small machines, and Lantai runs pages in parallel by process
instead (``ocr/parallel.py``).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytesseract
import pytesseract.pytesseract as _pt
from PIL import Image

from ocr.engine import OcrResult, Word, register_engine
from ocr.errors import OcrError, OcrLanguageError, OcrTimeoutError
from ocr.preprocess import (
    MIN_SKEW,
    deskew,
    flatten,
    improve_contrast,
    ink_mask,
    lines_vertical_in,
    ocr_scale,
    page_dpi,
    rescale,
    skew_in,
)
from ocr.script import first_lines, other_script, reading_score, vertical_languages, within
from ocr.text import assemble_text, fix_cjk_punctuation

log = logging.getLogger(__name__)

DEFAULT_LANGUAGES: tuple[str, ...] = ("chi_sim", "eng")
# Mean word confidence above which a page counts as read the right way up. Upright pages
# (clean Chinese or English) score 75-96, the same pages upside down 25-45.
UPRIGHT_CONFIDENCE = 60.0
# A Chinese page read with a mean confidence under this is checked for the other script (a
# Traditional page read in Simplified scores 75-82 on clean scans, Simplified pages 85-95),
# and the other script must read its first lines this many points better to be used.
SCRIPT_CHECK_CONFIDENCE = 86.0
SCRIPT_MARGIN = 5.0
# Seconds the list of installed language packs is kept (``installed_languages``).
LANGUAGES_TTL = 300.0
_languages: tuple[float, frozenset[str]] | None = None


def _single_threaded(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap pytesseract's subprocess options so every tesseract child runs one thread.

    pytesseract passes ``os.environ`` itself to ``Popen``; changing that would also limit
    OpenMP in this process (e.g. scikit-learn), so only the child's copy is changed.
    """
    if getattr(original, "lantai_single_threaded", False):
        return original

    def subprocess_args(include_stdout: bool = True) -> dict[str, Any]:
        kwargs = original(include_stdout)
        kwargs["env"] = {**(kwargs.get("env") or os.environ), "OMP_THREAD_LIMIT": "1"}
        return kwargs

    subprocess_args.lantai_single_threaded = True  # type: ignore[attr-defined]
    return subprocess_args


_pt.subprocess_args = _single_threaded(_pt.subprocess_args)


class TesseractEngine:
    """OCR with Tesseract 5: upright and deskewed page, words with boxes, CJK-aware text."""

    name = "tesseract"

    def __init__(
        self,
        timeout: float = 300.0,
        *,
        detect_orientation: bool = True,
        correct_skew: bool = True,
        choose_script: bool = False,
    ) -> None:
        """``timeout``: seconds allowed for one page, all tesseract runs together;
        ``choose_script``: the batch named no languages, so a page that reads badly in
        Simplified Chinese is tried in Traditional (and the other way round)."""
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self.detect_orientation = detect_orientation
        self.correct_skew = correct_skew
        self.choose_script = choose_script

    # -- languages -------------------------------------------------------------------------

    def installed_languages(self) -> frozenset[str]:
        """The language packs Tesseract has (e.g. chi_sim, chi_tra, eng, osd).

        Asked of tesseract once per process and again after ``LANGUAGES_TTL`` seconds (a
        worker notices a language pack installed while it runs), not once per document."""
        global _languages
        now = time.monotonic()
        if _languages is None or now - _languages[0] > LANGUAGES_TTL:
            try:
                _languages = (now, frozenset(pytesseract.get_languages(config="")))
            except (pytesseract.TesseractNotFoundError, OSError) as exc:
                raise _not_found(exc) from exc
        return _languages[1]

    def language_spec(self, languages: Sequence[str]) -> str:
        """``chi_sim+eng`` from ``["chi_sim", "eng"]`` (or ``["chi_sim+eng"]``), checked.

        An empty list means the default, Simplified Chinese and English.
        """
        wanted: list[str] = []
        for item in languages or DEFAULT_LANGUAGES:
            wanted.extend(part.strip() for part in item.split("+") if part.strip())
        if not wanted:
            wanted = list(DEFAULT_LANGUAGES)
        installed = self.installed_languages()
        missing = [lang for lang in wanted if lang not in installed]
        if missing:
            names = ", ".join(missing)
            have = ", ".join(sorted(installed - {"osd"})) or "none"
            raise OcrLanguageError(
                f"OCR language not installed: {names} (installed: {have}); install the "
                f"tesseract-ocr-{missing[0].replace('_', '-')} package",
                f"未安装文字识别语言：{names}（已安装：{have}）；请安装 "
                f"tesseract-ocr-{missing[0].replace('_', '-')} 软件包",
                missing=missing,
            )
        return "+".join(dict.fromkeys(wanted))

    # -- recognition -----------------------------------------------------------------------

    def recognize(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """OCR one page; the result's words refer to ``result.image``, the upright page.

        The page is first brought to the text size Tesseract reads best (``ocr_scale``).
        Orientation costs an OSD run (about 40% of the OCR time of a dense page), so it is
        only asked for when the page needs it: when its text lines run vertically (turned
        90 or 270 degrees, or Chinese set in columns), or when the page read as it came gives
        unsure words (upside down, or a poor scan). Each turn tried is read, and the best
        reading (``reading_score``) is kept; a sideways page is also read as it came, both
        horizontally and with the vertical Chinese packs, so an upright page set in columns
        is never turned. An ordinary upright page is read once.
        """
        deadline = time.monotonic() + self.timeout
        lang = self.language_spec(languages)
        dpi = page_dpi(image)
        try:
            gray = improve_contrast(flatten(image))
            ink = ink_mask(gray)  # measured once for size, line direction and skew
            sideways = self.detect_orientation and lines_vertical_in(ink)
            scale = ocr_scale(gray.size, ink, sideways)
            if scale != 1.0:
                gray, dpi = rescale(gray, scale), 300  # now sized like a 300 dpi scan
        except (OSError, ValueError) as exc:
            raise OcrError(f"Cannot read the page image: {exc}", "无法读取页面图像") from exc
        if gray is image:
            gray = image.copy()  # never hand the caller's own image object back as ours

        osd_turn: int | None = None
        if sideways:
            osd_turn = self._orientation(gray, dpi, deadline)  # 0 too: text set in columns
        first_turn = osd_turn or 0
        best = self._recognize_turned(gray, first_turn, lang, dpi, deadline, ink)
        if self.detect_orientation and (sideways or not _reads_well(best)):
            best = self._other_readings(gray, best, sideways, osd_turn, lang, dpi, deadline, ink)
        if self.choose_script:
            best = self._script_checked(gray, best, dpi, deadline)
        return best

    def _script_checked(self, gray: Image.Image, best: OcrResult, dpi: int, deadline: float) -> OcrResult:
        """``best``, or the page read in the other Chinese script when its first lines read
        clearly better that way.

        Only a Chinese page read with less than ``SCRIPT_CHECK_CONFIDENCE`` is checked, and
        the check reads the first lines alone (a strip of the page); the whole page is read
        again only when the strip says the other script fits better."""
        other = other_script(best.languages, self.installed_languages())
        if other is None or best.image is None or (best.confidence or 100.0) >= SCRIPT_CHECK_CONFIDENCE:
            return best
        box = first_lines(best.words)
        if box is None:
            return best
        inside = [w.confidence for w in best.words if within(w, box)]
        strip = self._recognize_turned(best.image.crop(box), 0, other, dpi, deadline, psm=6)
        if strip.confidence is None or not inside or strip.confidence < sum(inside) / len(inside) + SCRIPT_MARGIN:
            return best
        return self._better(best, self._recognize_turned(gray, best.rotated, other, dpi, deadline))

    def _other_readings(
        self,
        gray: Image.Image,
        best: OcrResult,
        sideways: bool,
        osd_turn: int | None,
        lang: str,
        dpi: int,
        deadline: float,
        ink: np.ndarray | None,
    ) -> OcrResult:
        """The best of ``best`` and the other readings worth trying for a sideways or badly
        read page: other turns, and (sideways) the vertical Chinese packs."""
        first_turn = best.rotated
        if sideways:
            vertical = vertical_languages(lang, self.installed_languages(), both_scripts=self.choose_script)
            if vertical is not None:
                best = self._better(best, self._recognize_turned(gray, 0, vertical, dpi, deadline, ink, psm=5))
            others = [0, (first_turn + 180) % 360] if first_turn in (90, 270) else [90, 270]
        else:
            if osd_turn is None:
                osd_turn = self._orientation(gray, dpi, deadline)
            others = [osd_turn]
        for turn in others:
            if turn != first_turn:
                mask = ink if not turn else None
                best = self._better(best, self._recognize_turned(gray, turn, lang, dpi, deadline, mask))
        return best

    @staticmethod
    def _better(best: OcrResult, candidate: OcrResult) -> OcrResult:
        """The reading with more confident characters (``best`` on a tie)."""
        return candidate if reading_score(candidate) > reading_score(best) else best

    def _recognize_turned(
        self,
        gray: Image.Image,
        turn: int,
        lang: str,
        dpi: int,
        deadline: float,
        ink: np.ndarray | None = None,
        psm: int = 3,
    ) -> OcrResult:
        """Turn the page clockwise by ``turn`` degrees, deskew it, and OCR it (``ink``: the
        unturned page's ``ink_mask``)."""
        if turn:
            gray = gray.rotate(-turn, expand=True)
        if self.correct_skew:
            gray = deskew(gray, skew_in(ink if ink is not None and not turn else ink_mask(gray), MIN_SKEW))
        # BMP: pytesseract hands tesseract a temporary file, and writing a PNG of an A4 page
        # costs about half a second of CPU; a BMP costs nothing to write or read.
        gray.format = "BMP"
        tsv = self._run(
            lambda t: pytesseract.image_to_data(gray, lang=lang, config=f"--psm {psm} --dpi {dpi}", timeout=t),
            deadline,
        )
        words, rows = parse_tsv(tsv)
        confidences = [w.confidence for w in words]
        return OcrResult(
            text=assemble_text(rows),
            confidence=sum(confidences) / len(confidences) if confidences else None,
            words=words,
            width=gray.width,
            height=gray.height,
            rotated=turn,
            image=gray,
            engine=self.name,
            languages=lang,
        )

    def _orientation(self, gray: Image.Image, dpi: int, deadline: float) -> int:
        """Clockwise turn (0/90/180/270) OSD finds makes the page upright; 0 if it cannot tell."""
        gray.format = "BMP"
        try:
            osd = self._run(
                lambda t: pytesseract.image_to_osd(
                    gray, config=f"--psm 0 --dpi {dpi}", output_type=pytesseract.Output.DICT, timeout=t
                ),
                deadline,
                osd=True,
            )
        except _OsdUnavailable:
            return 0
        turn = int(osd.get("rotate", 0)) % 360
        log.debug("OSD: turn %d, confidence %s", turn, osd.get("orientation_conf"))
        return turn if turn in (90, 180, 270) else 0

    def _run(self, call: Callable[[float], Any], deadline: float, osd: bool = False) -> Any:
        """Run one tesseract call within what is left of the page's time."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout(self.timeout)
        try:
            return call(remaining)
        except pytesseract.TesseractNotFoundError as exc:
            raise _not_found(exc) from exc
        except pytesseract.TesseractError as exc:
            if osd:
                # Too few characters, or no script found: not a reason to fail the page.
                raise _OsdUnavailable from exc
            message = str(exc.message or exc.status)
            raise OcrError(f"Tesseract failed: {message}", f"Tesseract 运行失败：{message}") from exc
        except RuntimeError as exc:  # pytesseract signals a timeout this way
            if "timeout" in str(exc).lower():
                raise _timeout(self.timeout) from exc
            raise OcrError(f"Tesseract failed: {exc}", "Tesseract 运行失败") from exc
        except (OSError, ValueError, TypeError) as exc:
            raise OcrError(f"Tesseract failed: {exc}", "Tesseract 运行失败") from exc


class _OsdUnavailable(Exception):
    """OSD could not decide (too little text); the page is taken as upright."""


def _timeout(seconds: float) -> OcrTimeoutError:
    """The error for a page that took too long."""
    return OcrTimeoutError(
        f"OCR of the page took longer than {seconds:g} s and was stopped",
        f"页面文字识别超过 {seconds:g} 秒，已停止",
        timeout=seconds,
    )


def _not_found(exc: BaseException) -> OcrError:
    """The error for a missing tesseract program."""
    return OcrError(
        f"The tesseract program was not found or cannot run ({exc}); install tesseract-ocr",
        "找不到或无法运行 tesseract 程序；请安装 tesseract-ocr",
    )


def _reads_well(result: OcrResult) -> bool:
    """Whether a reading is confident enough that no other orientation needs trying."""
    if not result.words:
        return True  # a blank page: nothing OSD could turn either
    return result.confidence is not None and result.confidence >= UPRIGHT_CONFIDENCE


def parse_tsv(tsv: str) -> tuple[list[Word], list[tuple[tuple[int, int, int], Word]]]:
    """Words (level 5 rows with text) from Tesseract's TSV, and the same keyed by
    (block, paragraph, line) in reading order for ``ocr.text.assemble_text``."""
    words: list[Word] = []
    rows: list[tuple[tuple[int, int, int], Word]] = []
    lines = tsv.splitlines()
    if not lines:
        return words, rows
    header = lines[0].split("\t")
    index = {name: i for i, name in enumerate(header)}
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) != len(header) or cells[index["level"]] != "5":
            continue
        text = fix_cjk_punctuation(cells[index["text"]].strip())
        if not text:
            continue
        word = Word(
            text=text,
            confidence=max(0.0, float(cells[index["conf"]])),
            left=int(cells[index["left"]]),
            top=int(cells[index["top"]]),
            width=int(cells[index["width"]]),
            height=int(cells[index["height"]]),
        )
        key = (
            int(cells[index["block_num"]]),
            int(cells[index["par_num"]]),
            int(cells[index["line_num"]]),
        )
        words.append(word)
        rows.append((key, word))
    return words, rows


def _check() -> OcrError | None:
    """None when the tesseract program is installed, else the error saying so."""
    if shutil.which(_pt.tesseract_cmd) is None:
        return OcrError(
            "The tesseract program is not installed; install tesseract-ocr",
            "未安装 tesseract 程序；请安装 tesseract-ocr",
        )
    return None


# Highest priority: the fastest engine here, with language packs for both scripts and
# vertical text; ``auto`` reads with it first.
register_engine("tesseract", TesseractEngine, priority=100, check=_check)
