"""When is deskewing worth it? Tesseract on a tilted dense Chinese page, as it is and levelled.

For each tilt: CPU seconds of one single-threaded tesseract run and the character error rate,
on the page as scanned and on the page turned back by ``ocr.preprocess.estimate_skew``'s angle
(the turn ``deskew`` makes when the angle is at least ``MIN_SKEW``). The threshold in
``ocr/preprocess.py`` comes from this table.

Usage: .venv/bin/python bench/bench_deskew.py [--angles 0.4,0.8,1.0,1.5,2.0]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import SERIF, TEXT  # noqa: E402
from ocr.preprocess import estimate_skew  # noqa: E402
from ocr.quality import character_error_rate  # noqa: E402


def tilted_page(angle: float, seed: int = 2) -> tuple[Image.Image, str]:
    """A dense A4 page at 300 dpi turned by ``angle`` degrees, lightly blurred, and its text."""
    font = ImageFont.truetype(SERIF, 44)
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    text = (TEXT * 8)[seed * 17 : seed * 17 + 48 * 40]
    lines = [text[i : i + 48] for i in range(0, len(text), 48)]
    for n, line in enumerate(lines):
        draw.text((160, 200 + n * 78), line, font=font, fill=0)
    turned = image.rotate(angle, fillcolor=255, resample=Image.Resampling.BICUBIC)
    return turned.filter(ImageFilter.GaussianBlur(0.5)), "".join(lines)


def tesseract(image: Image.Image, folder: Path) -> tuple[float, str]:
    """CPU seconds and text of one single-threaded tesseract run on ``image``."""
    path = folder / "page.bmp"
    image.save(path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["tesseract", str(path), "stdout", "-l", "chi_sim+eng", "--psm", "3", "--dpi", "300"],
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, "".join(out.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--angles", default="0.4,0.8,1.0,1.5,2.0")
    args = parser.parse_args()
    print(f"{'tilt':>5} {'found':>6}  {'CPU as is':>9} {'CER as is':>9}  {'CPU level':>9} {'CER level':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for angle in (float(a) for a in args.angles.split(",")):
            page, truth = tilted_page(angle)
            found = estimate_skew(page)
            cpu_raw, text_raw = tesseract(page, Path(tmp))
            level = page.rotate(found, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
            cpu_level, text_level = tesseract(level, Path(tmp))
            print(
                f"{angle:>5.1f} {found:>6.2f}  {cpu_raw:>9.2f} {character_error_rate(truth, text_raw):>9.2%}"
                f"  {cpu_level:>9.2f} {character_error_rate(truth, text_level):>9.2%}",
                flush=True,
            )


if __name__ == "__main__":
    main()
