"""Benchmark: precision and recall per field of description extraction on generated documents.

Usage: ``.venv/bin/python bench/bench_description.py [--count 400] [--noise 0.6] [--seed 7] [--ocr 40]``

Half of the documents carry simulated OCR noise. With ``--ocr N`` a second table is printed
for N documents rendered as page images (A4, 150 dpi, Noto Serif CJK) and read back by
real Tesseract (chi_sim): the text the extractor sees then has real OCR errors.

For every field it prints: how many documents have it, how many values were extracted,
precision and recall over all suggestions, the same for the suggestions confident enough
to be applied without review (>= threshold), and how many went to the review queue.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.describe.extract import extract_fields
from tests.describe.generator import generate_documents

FIELDS = ("doc_number", "date", "creator", "title", "addressee", "classification", "urgency", "openness")


FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


def render(text: str) -> Any:
    """The document as a 150 dpi A4 page image, long lines wrapped at 33 characters."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 30, index=2)  # index 2: the Simplified Chinese face
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    y = 110
    for line in text.splitlines():
        if line.startswith("━"):  # the red separator line under the 文号
            draw.line((100, y + 15, 1140, y + 15), fill=0, width=3)
            y += 40
            continue
        chunks = [line[i : i + 33] for i in range(0, len(line), 33)] or [""]
        for chunk in chunks:
            draw.text((110, y), chunk, font=font, fill=0)
            y += 44
    return image


def ocr_texts(texts: list[str]) -> list[str]:
    """Tesseract's reading of each rendered document."""
    import pytesseract

    return [pytesseract.image_to_string(render(text), lang="chi_sim", config="--psm 4") for text in texts]


def table(title: str, pairs: list[tuple[str, dict[str, str]]], threshold: float) -> None:
    """Score extraction on (text, truth) pairs and print one table."""
    stats = {name: {"truth": 0, "found": 0, "correct": 0, "auto": 0, "auto_correct": 0} for name in FIELDS}
    started = time.perf_counter()
    for text, truth_values in pairs:
        found = extract_fields(text)
        for name in FIELDS:
            row = stats[name]
            truth = truth_values.get(name)
            row["truth"] += truth is not None
            suggestion = found.get(name)
            if suggestion is None:
                continue
            row["found"] += 1
            right = suggestion.value == truth
            row["correct"] += right
            if suggestion.confidence >= threshold:
                row["auto"] += 1
                row["auto_correct"] += right
    elapsed = time.perf_counter() - started

    def ratio(a: int, b: int) -> str:
        return f"{a / b:6.3f}" if b else "   n/a"

    print(f"{title}; threshold {threshold}; extraction {elapsed * 1000 / max(1, len(pairs)):.2f} ms per document")
    header = ("field", "truth", "found", "prec", "recall", "auto", "prec@auto", "recall@auto", "to review")
    widths = (-15, 6, 6, 8, 8, 6, 10, 12, 10)
    print("".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for name in FIELDS:
        r = stats[name]
        review = r["found"] - r["auto"]
        cells = (
            r["truth"],
            r["found"],
            ratio(r["correct"], r["found"]),
            ratio(r["correct"], r["truth"]),
            r["auto"],
            ratio(r["auto_correct"], r["auto"]),
            ratio(r["auto_correct"], r["truth"]),
            review,
        )
        print(f"{name:<15}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths[1:], strict=True)))
    print()


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--noise", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--ocr", type=int, default=0, help="also OCR this many rendered documents")
    args = parser.parse_args()
    documents = generate_documents(args.count, seed=args.seed, noise=args.noise)
    table(
        f"{args.count} generated documents (simulated noise {args.noise} on every other), seed {args.seed}",
        [(d.text, d.truth) for d in documents],
        args.threshold,
    )
    if args.ocr:
        clean = generate_documents(args.ocr, seed=args.seed + 1)
        started = time.perf_counter()
        texts = ocr_texts([d.text for d in clean])
        seconds = (time.perf_counter() - started) / args.ocr
        table(
            f"{args.ocr} generated documents rendered and read by Tesseract chi_sim ({seconds:.1f} s OCR per page)",
            [(text, d.truth) for text, d in zip(texts, clean, strict=True)],
            args.threshold,
        )


if __name__ == "__main__":
    main()
