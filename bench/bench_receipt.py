"""Receipt checks (接收检测, DA/T 70) of a 500-item transfer against the pipeline's own time for
the same batch, measured in the same run.

A department submits N born-digital Chinese PDFs (default 500 items of 1-3 pages, a transfer
list naming each) against a filing task. The bench times:

* the pipeline: every submitted file processed (``indexer.process.process_job``, one process,
  one after another: stored, text read, described) -- the reference;
* the receipt checks: ``collection.checks.run_checks`` over the whole transfer (hash against
  the stored original, list against what arrived, format, opens and renders, encryption and
  active content), one process.

It prints both, per item and per page, and the checks' share of the pipeline time.
Target: the checks add under 10% to the pipeline's time for the batch.

Usage: .venv/bin/python bench/bench_receipt.py [--items 500] [--max-pages 3]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from archive.audit.service import CLI  # noqa: E402
from archive.catalog.accounts import User  # noqa: E402
from archive.departments import assign_clerk, save_department  # noqa: E402
from collection.checks import run_checks  # noqa: E402
from collection.submission import read_list, submit_transfer  # noqa: E402
from collection.tasks import add_task  # noqa: E402
from config.settings import load_settings  # noqa: E402
from indexer.context import Lantai, set_current  # noqa: E402
from indexer.process import process_job  # noqa: E402

FONT = "STSong-Light"
LINES = ("关于做好年度档案归档工作的通知", "各部门：现将本年度文件材料归档工作安排如下。",
         "一、按照归档范围及时收集本部门形成的文件材料。", "二、电子文件与纸质文件同步归档。", "办公室")


def make_pdf(path: Path, number: int, pages: int) -> None:
    """A born-digital PDF with a Chinese text layer on every page."""
    page = canvas.Canvas(str(path), pagesize=A4)
    for p in range(pages):
        page.setFont(FONT, 14)
        page.drawString(72, 780, f"校办发〔2024〕{number}号  第 {p + 1} 页")
        for n, line in enumerate(LINES * 4):
            page.drawString(72, 750 - 22 * n, line)
        page.showPage()
    page.save()


def main() -> None:
    """Build the batch, time the pipeline and the checks, print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--max-pages", type=int, default=3)
    args = parser.parse_args()
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    with tempfile.TemporaryDirectory(prefix="lantai-bench-receipt-") as tmp:
        folder = Path(tmp)
        docs = folder / "docs"
        docs.mkdir()
        files, rows, pages_total = [], [], 0
        for i in range(1, args.items + 1):
            pages = 1 + (i - 1) % args.max_pages
            path = docs / f"{i:04d}.pdf"
            make_pdf(path, i, pages)
            files.append((path, path.name))
            rows.append({"序号": i, "文件": path.name, "题名": f"关于做好年度档案归档工作的通知（{i}）",
                         "文号": f"校办发〔2024〕{i}号", "日期": "2024-03-01", "页数": pages, "件数": 1,
                         "保管期限": "永久"})
            pages_total += pages
        listing = folder / "清册.csv"
        with listing.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

        settings = load_settings({"LANTAI_DATA_DIR": str(folder / "var")})
        lantai = Lantai(settings)
        lantai.catalog.upgrade()
        set_current(lantai)
        now = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)
        with lantai.catalog.session() as db:
            save_department(db, code="BGS", name="办公室", actor=CLI)
            no_login = "!"  # no hash: the account cannot log in
            clerk = User(username="bench-clerk", password_hash=no_login, role="clerk", active=True, failed_logins=0)
            db.add(clerk)
            db.flush()
            assign_clerk(db, clerk, "BGS", actor=CLI)
            db.expunge(clerk)
            task_id = add_task(db, department="BGS", title="2024年文书归档", due=dt.date(2024, 3, 31),
                               expected_count=args.items, category="文书", retention="永久", actor=CLI).id

        started = time.perf_counter()
        result = submit_transfer(lantai, task_id, files, user=clerk, transfer_list=read_list(listing),
                                 channel="cli", now=now, dispatch=False)
        submitted = time.perf_counter() - started
        started = time.perf_counter()
        for job in result.job_ids:
            process_job(lantai, job)
        pipeline = time.perf_counter() - started
        started = time.perf_counter()
        checked = run_checks(lantai, result.transfer_id, now)
        checks = time.perf_counter() - started
        assert checked is not None, "the transfer was not ready to check"
        set_current(None)
        lantai.close()

    items = args.items
    share = checks / (submitted + pipeline)
    print(f"batch: {items} items, {pages_total} pages (born-digital PDFs, 1-{args.max_pages} pages each)")
    print(f"{'':24}{'total s':>10}{'ms/item':>10}{'ms/page':>10}")
    for label, seconds in (("submission (store)", submitted), ("pipeline (reference)", pipeline),
                           ("receipt checks", checks)):
        print(f"{label:24}{seconds:>10.2f}{seconds / items * 1000:>10.1f}{seconds / pages_total * 1000:>10.1f}")
    verdict = "met" if share < 0.10 else "NOT met"
    print(f"checks / (submission + pipeline) = {share:.1%}  (target < 10%: {verdict})")


if __name__ == "__main__":
    main()
