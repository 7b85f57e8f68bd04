"""Benchmark of paging a one-line text file (finding 5i: a 131 MB one-line file timed out).

    .venv/bin/python bench/bench_text_pages.py [--mb 131] [--extract]

Prints the time to cut the text into pages beside a reference measured in the same run: one
plain copy of the same text (``"".join(text.splitlines())``), the least any paging must do.
With ``--extract`` the whole plain-text extractor (encoding detection included) runs on the file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.extract.base import ExtractContext
from indexer.extract.plaintext import PlainTextExtractor, split_pages


def timed(label: str, run: object) -> float:
    """Run ``run()`` once; print and return its seconds."""
    start = time.perf_counter()
    result = run()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"  {label:44s} {seconds:8.2f} s  ({len(result)} items)")
    return seconds


def main() -> None:
    """Page a generated one-line text of ``--mb`` MB."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=131)
    parser.add_argument("--extract", action="store_true")
    args = parser.parse_args()
    unit = "本单位形成的具有保存价值的文件材料均应归档abc "
    text = unit * (args.mb * 1_000_000 // len(unit.encode()))
    print(f"one line of {len(text):,} characters ({len(text.encode()) / 1e6:.0f} MB as UTF-8)")
    reference = timed("reference: one copy of the text", lambda: "".join(text.splitlines()))
    paging = timed("split_pages", lambda: split_pages(text))
    print(f"  split_pages / reference: {paging / reference:.1f}x")
    if args.extract:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "one-line.txt"
            path.write_text(text, encoding="utf-8")
            ctx = ExtractContext()
            timed("whole extractor (decode + pages)", lambda: list(
                PlainTextExtractor().extract(path, "text/plain", ctx).pages))


if __name__ == "__main__":
    main()
