"""Benchmark: PDF extraction of a long scanned PDF — time, pages/s and peak memory.

Builds an N-page PDF of A4 scans (a real 1-bit scan, phototest.tif, tiled at 300 dpi),
then extracts it (1) without OCR, which renders every page at 300 dpi and shows that memory
stays flat however long the file, and (2) with Tesseract on 1 and 2 workers.
Each run happens in a fresh child process so its peak (VmHWM) is its own; Tesseract runs in
its own processes, whose memory is not included.

    .venv/bin/python bench/bench_pdf_extract.py [--pages 300] [--ocr-pages 8]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from indexer.extract.base import ExtractContext
from indexer.extract.pdf import PdfExtractor
ocr = None
if {workers} > 0:
    from ocr.engine import get_engine
    ocr = get_engine("tesseract")
ctx = ExtractContext(ocr=ocr, languages=("eng",), ocr_workers=max(1, {workers}))
start = time.monotonic()
pages = 0
chars = 0
for page in PdfExtractor().extract(Path({path!r}), "application/pdf", ctx).pages:
    pages += 1
    chars += len(page.text)
elapsed = time.monotonic() - start
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(pages, chars, round(elapsed, 2), int(hwm.split()[1]) // 1024)
"""


def build(path: Path, pages: int) -> None:
    """An N-page PDF of A4 pages, each one full-page 300 dpi 1-bit scan."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    scan = Image.open(ROOT / "tests" / "data" / "phototest.tif").convert("1")
    page = Image.new("1", (2480, 3508), 1)
    for row in range(7):
        for col in range(3):
            page.paste(scan, (40 + col * 800, 40 + row * 490))
    image_path = path.with_suffix(".png")
    page.save(image_path)
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        pdf.drawImage(str(image_path), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()


def run(path: Path, workers: int) -> tuple[int, int, float, int]:
    """Extract in a child process; (pages, characters, seconds, peak MB)."""
    code = CHILD.format(root=str(ROOT), path=str(path), workers=workers)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    return int(out[0]), int(out[1]), float(out[2]), int(out[3])


def main() -> None:
    """Print a table of figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--ocr-pages", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        long_pdf = Path(tmp) / "long.pdf"
        short_pdf = Path(tmp) / "short.pdf"
        started = time.monotonic()
        build(long_pdf, args.pages)
        build(short_pdf, args.ocr_pages)
        print(f"built test PDFs in {time.monotonic() - started:.1f} s "
              f"({long_pdf.stat().st_size // 1024} KB for {args.pages} pages)")
        print(f"{'run':<28}{'pages':>7}{'chars':>9}{'seconds':>9}{'pages/s':>9}{'peak MB':>9}")
        for label, path, workers in (
            (f"render only, {args.pages} pages", long_pdf, 0),
            (f"OCR 1 worker, {args.ocr_pages} pages", short_pdf, 1),
            (f"OCR 2 workers, {args.ocr_pages} pages", short_pdf, 2),
        ):
            pages, chars, seconds, peak = run(path, workers)
            rate = pages / seconds if seconds else 0.0
            print(f"{label:<28}{pages:>7}{chars:>9}{seconds:>9.1f}{rate:>9.2f}{peak:>9}")


if __name__ == "__main__":
    main()
