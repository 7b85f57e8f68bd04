"""OCR engines side by side on the same pages, in one run: CPU seconds per page and character
error rate (median and max) for each engine on each corpus.

Engines: every engine registered in ``ocr.engine`` (tesseract, rapidocr, auto), each made
through the registry as ingest makes it, reading pages one at a time in this process (CPU
time of this process and its tesseract children; ONNX Runtime runs single-threaded, as in
ingest, where pages run in parallel instead).

Corpora (each page with its ground truth):
  noisy-sim   generated A4 pages of Simplified official text at 300 dpi with blur, noise,
              specks and tilt (bench_ocr.make_page)
  noisy-tra   the same pages set in Traditional characters (Noto Serif CJK TC)
  photo-sim   generated phone photos of such pages: perspective, uneven light, JPEG
  shared      ../shared/testdata/scans with their ground-truth files, when present
              (English scans, a Chinese line on a transparent background, a real photo of a
              vertical Traditional page)

Usage: .venv/bin/python bench/bench_ocr_engines.py [--pages 4] [--engines tesseract,rapidocr,auto]
                                                   [--corpora noisy-sim,noisy-tra,photo-sim,shared]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ocr import make_page  # noqa: E402

from ocr.engine import engine_names, get_engine  # noqa: E402
from ocr.errors import OcrError  # noqa: E402
from ocr.quality import character_error_rate  # noqa: E402

SHARED_SCANS = ROOT.parent / "shared" / "testdata" / "scans"
TRUTH_NAMES = {  # scan -> ground-truth file (README of shared/testdata)
    "linn.png": "linn.txt",
    "phototest.tif": "phototest.gold.txt",
    "eurotext.tif": "eurotext.txt",
    "black_font_color_transparent.png": "black_font_color_transparent.gt.txt",
    "text_vertical_words.png": "text_vertical_words.gt.txt",
}
Corpus = list[tuple[str, Image.Image, str, list[str]]]  # (name, image, truth, languages)


def noisy_pages(count: int, seed: int, traditional: bool = False) -> Corpus:
    """``count`` generated noisy scans (Simplified, or the same text in Traditional)."""
    import bench_ocr

    rng = random.Random(seed)
    pages: Corpus = []
    index = bench_ocr.FONT_INDEX
    if traditional:
        from opencc import OpenCC

        convert = OpenCC("s2t").convert
        bench_ocr.PHRASES[:] = [convert(p) for p in PHRASES_SIMPLIFIED]
        bench_ocr.FONT_INDEX = 3  # Noto Serif CJK TC
    try:
        for n in range(1, count + 1):
            image, truth = make_page(rng, n)
            # (the title and 文号 lines stay Simplified: make_page draws them from fixed text)
            pages.append((f"page {n}", image, truth, ["chi_sim", "eng"]))
    finally:
        bench_ocr.PHRASES[:] = PHRASES_SIMPLIFIED
        bench_ocr.FONT_INDEX = index
    return pages


def phone_photo(page: Image.Image, rng: random.Random) -> Image.Image:
    """A page as a phone photographs it: slightly turned in perspective, lit unevenly, smaller,
    in colour on a desk, saved as a JPEG."""
    width, height = page.size
    desk = Image.new("RGB", (int(width * 1.15), int(height * 1.1)), (96, 78, 60))
    paper = Image.merge("RGB", [page.point(lambda v, k=k: int(v * k)) for k in (0.97, 0.94, 0.86)])
    desk.paste(paper, ((desk.width - width) // 2, (desk.height - height) // 2))
    shift = [rng.uniform(-0.03, 0.03) * desk.width for _ in range(8)]
    w, h = desk.size
    quad = (shift[0], shift[1], shift[2], h + shift[3], w + shift[4], h + shift[5], w + shift[6], shift[7])
    photo = desk.transform(desk.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)
    light = np.linspace(0.75, 1.05, photo.width, dtype=np.float32)[None, :, None]
    array = np.clip(np.asarray(photo, dtype=np.float32) * light, 0, 255).astype(np.uint8)
    photo = Image.fromarray(array).resize((photo.width * 3 // 4, photo.height * 3 // 4), Image.Resampling.LANCZOS)
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))
    from io import BytesIO

    buffer = BytesIO()
    photo.save(buffer, "JPEG", quality=82)
    return Image.open(BytesIO(buffer.getvalue()))


def photo_pages(count: int, seed: int) -> Corpus:
    """Generated phone photos of clean official pages (fewer lines: a photo is of one page)."""
    rng = random.Random(seed + 1)
    return [(name, phone_photo(image, rng), truth, languages) for name, image, truth, languages in
            noisy_pages(count, seed + 1)]


def shared_scans() -> Corpus:
    """The scans of ../shared/testdata with ground truth (skipped when it is not there)."""
    out: Corpus = []
    for name, truth_name in TRUTH_NAMES.items():
        path = SHARED_SCANS / name
        if path.is_file():
            image = Image.open(path)
            image.load()
            chinese = name.startswith(("black", "text_vertical"))
            languages = ["chi_sim", "eng"] if chinese else ["eng"]
            out.append((name, image, (SHARED_SCANS / truth_name).read_text(encoding="utf-8").strip(), languages))
    return out


def measure(engine_name: str, corpus: Corpus) -> tuple[list[float], list[float], list[float]]:
    """CPU seconds, CER, and CER ignoring the script (both texts in Simplified) of each page
    read by the engine, made as ingest makes it for a batch that names no languages."""
    engine = get_engine(engine_name, timeout=900, choose_script=True)
    if engine_name != "tesseract":  # load models before timing (once per process in ingest too)
        engine.recognize(Image.new("L", (64, 64), 255), ["chi_sim"])
    cpus, cers, blind = [], [], []
    for _name, image, truth, languages in corpus:
        before = os.times()
        try:
            text = engine.recognize(image, languages).text
        except OcrError as exc:
            print(f"  {engine_name}: {exc}", file=sys.stderr)
            text = ""
        after = os.times()
        cpus.append(sum(after[i] - before[i] for i in range(4)))
        cers.append(character_error_rate(truth, text))
        blind.append(character_error_rate(_simplified(truth), _simplified(text)))
    return cpus, cers, blind


def _simplified(text: str) -> str:
    """The text in Simplified characters (search treats both scripts alike)."""
    from opencc import OpenCC

    return str(OpenCC("t2s").convert(text))


def main() -> None:
    """Build the corpora, read them with each engine, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4, help="pages per generated corpus")
    parser.add_argument("--seed", type=int, default=20231231)
    parser.add_argument("--engines", default=",".join(engine_names()))
    parser.add_argument("--corpora", default="noisy-sim,noisy-tra,photo-sim,shared")
    args = parser.parse_args()
    makers: dict[str, Callable[[], Corpus]] = {
        "noisy-sim": lambda: noisy_pages(args.pages, args.seed),
        "noisy-tra": lambda: noisy_pages(args.pages, args.seed, traditional=True),
        "photo-sim": lambda: photo_pages(args.pages, args.seed),
        "shared": shared_scans,
    }
    corpora = {name: makers[name]() for name in args.corpora.split(",")}
    engines = args.engines.split(",")
    print(f"machine: {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    started = time.perf_counter()
    for corpus_name, corpus in corpora.items():
        if not corpus:
            continue
        for engine_name in engines:
            cpus, cers, blind = measure(engine_name, corpus)
            rows.append((engine_name, corpus_name, len(corpus), cpus, cers, blind))
            print(f"  {engine_name:<10} {corpus_name:<10} done", file=sys.stderr)
    print(f"{'engine':<10} {'corpus':<10} {'pages':>5} {'CPU s/page':>11} {'x tesseract':>12} "
          f"{'CER median':>11} {'CER max':>8} {'script-blind median':>20}")
    reference = {c: statistics.mean(cpu) for e, c, _n, cpu, *_ in rows if e == "tesseract"}
    for engine_name, corpus_name, count, cpus, cers, blind in rows:
        mean_cpu = statistics.mean(cpus)
        ratio = mean_cpu / reference[corpus_name] if corpus_name in reference else float("nan")
        print(f"{engine_name:<10} {corpus_name:<10} {count:>5} {mean_cpu:>11.2f} {ratio:>12.2f} "
              f"{statistics.median(cers):>11.4f} {max(cers):>8.4f} {statistics.median(blind):>20.4f}")
    print(f"({time.perf_counter() - started:.0f} s; load average after: {os.getloadavg()[0]:.2f}; "
          f"the machine is shared with other work)")
    if "shared" in corpora:
        print("shared pages:", ", ".join(name for name, *_ in corpora["shared"]) or "none (../shared not present)")


PHRASES_SIMPLIFIED = list(__import__("bench_ocr").PHRASES)

if __name__ == "__main__":
    main()
