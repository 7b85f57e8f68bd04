"""Ingest throughput, CPU use, memory and OCR quality, each side by side with the bare tool.

1. Scanned Chinese pages: bare single-threaded `tesseract` over the pages, one after another,
   against `lantai ingest --inline` with 2 worker processes on the same pages. The bare runs
   are timed before and after the pipeline and averaged (the machine's speed drifts).
   Target: pipeline pages/min >= 90% of (cores x bare pages/min).
2. Born-digital Chinese PDFs: bare pdfminer.six text extraction against the pipeline.
   Target: pipeline pages/s >= 90% of (cores x bare pages/s).
3. A long scanned PDF (default 300 pages): peak memory of the processing tree and peak
   temporary disk against the PDF's size. Targets: < 1 GB, < 3x the file size.
4. Ingesting the same batch again: documents processed the second time (target 0).
5. Character error rate of the pipeline's OCR on the generated scans.

Throughput is measured on whole batches, from the start of `lantai ingest --inline` to its
end, start-up included (about a second before the first page is read); the batches are big
enough that this is a small share, as it is for the thousands of pages an archive ingests.

Usage: .venv/bin/python bench/bench_ingest.py [--scans 12] [--digital-docs 16] [--digital-pages 60]
                                              [--long-pages 300] [--parts scans,digital,long]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr.quality import character_error_rate  # noqa: E402

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
TEXT = (
    "为进一步规范学校档案管理工作，提高档案收集、整理、保管和利用水平，根据《中华人民共和国档案法》"
    "及有关规定，结合我校实际，现将有关事项通知如下。一、各部门应当按照归档范围及时收集本部门形成的文件材料，"
    "做到应收尽收、应归尽归。二、文书档案按年度、保管期限、机构分类整理，纸质文件与电子文件同步归档。"
    "三、会计档案由财务处负责整理，保管期限按照会计档案管理办法执行。四、人事档案实行受控管理，查阅须经审批。"
    "五、基建档案包括立项、设计、施工、监理、验收等全过程文件，由后勤处在项目竣工验收后三个月内移交档案馆。"
)
CORES = os.cpu_count() or 2


def dense_page(seed: int, width: int = 2480, height: int = 3508) -> tuple[Image.Image, str]:
    """An A4 page at 300 dpi of dense Chinese text with mild blur and skew, and its text."""
    font = ImageFont.truetype(SERIF, 44)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    per_line = 48
    text = (TEXT * 8)[seed * 17 : seed * 17 + per_line * 40]
    lines = [text[i : i + per_line] for i in range(0, len(text), per_line)]
    for n, line in enumerate(lines):
        draw.text((160, 200 + n * 78), line, font=font, fill=0)
    image = image.rotate(0.6, fillcolor=255, resample=Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(0.5))
    return image, "".join(lines)


def light_pdf(path: Path, pages: int, offset: int = 0, chars: int = 1200) -> str:
    """A born-digital Chinese PDF, ``chars`` characters of body text per page (reportlab's CID
    font); the text of all its pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    drawn = []
    for page in range(pages):
        pdf.setFont("STSong-Light", 11)
        text = (TEXT * 8)[(page + offset) % 50 :][:chars]
        for n in range(0, len(text), 40):
            pdf.drawString(60, 780 - (n // 40) * 18, text[n : n + 40])
        pdf.showPage()
        drawn.append(text)
    pdf.save()
    return "".join(drawn)


class TreeSampler(threading.Thread):
    """Samples the RSS of a process tree and the size of a folder until stopped."""

    def __init__(self, root_pid: int, folder: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(root_pid)
        self.folder = folder
        self.peak_rss = 0  # the largest single process (one worker)
        self.peak_tree = 0  # the whole tree
        self.peak_disk = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(0.2):
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                rss = [p.memory_info().rss for p in procs if p.is_running()]
            except psutil.Error:
                continue
            self.peak_rss = max(self.peak_rss, max(rss, default=0))
            self.peak_tree = max(self.peak_tree, sum(rss))
            if self.folder is not None and self.folder.exists():
                size = sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())
                self.peak_disk = max(self.peak_disk, size)


def lantai(data_dir: Path, *args: str) -> tuple[float, float, TreeSampler, str]:
    """Run `lantai ARGS` on a data dir; (wall seconds, CPU seconds of the tree, sampler, output)."""
    env = {**os.environ, "LANTAI_DATA_DIR": str(data_dir), "LANTAI_WORKER_CONCURRENCY": str(CORES)}
    before = sum(os.times()[2:4])  # CPU of waited-for descendants (pool processes, tesseract)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = TreeSampler(proc.pid, data_dir / "tmp")
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    sampler.stop_event.set()
    cpu = sum(os.times()[2:4]) - before
    return wall, cpu, sampler, output


def bare_tesseract(images: list[Path], boxes: bool = False) -> float:
    """Seconds for one single-threaded tesseract process per page, one after another: plain
    text, or with ``boxes`` the word boxes and confidences (TSV) the pipeline asks for."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    for image in images:
        subprocess.run(
            ["tesseract", str(image), "stdout", "-l", "chi_sim+eng", *(["tsv"] if boxes else [])],
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def bare_pdfminer(pdfs: list[Path]) -> tuple[float, int]:
    """Seconds and pages for pdfminer.six's extract_text page by page in one process."""
    from pdfminer.high_level import extract_pages

    start = time.perf_counter()
    pages = 0
    for pdf in pdfs:
        for _layout in extract_pages(str(pdf)):
            pages += 1
    return time.perf_counter() - start, pages


def preservation_copies(data_dir: Path, pipeline_s_per_page: float) -> list[Row]:
    """PDF/A copies of the ingested scans made again from the catalog: pages per second, how
    many pass their check (PDF/A-2b, fonts, text read back = OCR text), and the share of the
    pipeline's time per page they cost (they are made at ingest)."""
    from archive.catalog.models import Record
    from config.settings import load_settings
    from indexer import preservation_copy as preservation
    from indexer.context import Lantai
    from indexer.pdfa import check

    lantai = Lantai(load_settings({"LANTAI_DATA_DIR": str(data_dir)}))
    with lantai.catalog.session() as session:
        records = [(r.id, [p.text for p in r.pages]) for r in session.query(Record).all()]
    start = time.perf_counter()
    for record_id, _texts in records:
        preservation.make(lantai, record_id)
    seconds = time.perf_counter() - start
    pages = sum(len(texts) for _id, texts in records)
    passed = 0
    for record_id, texts in records:
        with lantai.storage.open_derivative(preservation.preservation_key(record_id)) as handle:
            passed += check(handle.read(), texts).ok
    lantai.close()
    per_page = seconds / max(pages, 1)
    return [
        ("PDF/A copies pages/s", f"{pages / seconds:.1f}",
         f"{per_page:.3f} s a page = {per_page / pipeline_s_per_page:.1%} of the pipeline's time a page", ""),
        ("PDF/A copies valid", f"{passed}/{len(records)}", "PDF/A-2b metadata, fonts, text read back = OCR text", ""),
    ]


def records_text(data_dir: Path) -> dict[str, str]:
    """Original file name -> text of all its pages, from the catalog."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{data_dir / 'catalog.sqlite3'}")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select f.original_filename, group_concat(p.text, '') from original_files f "
                "join pages p on p.record_id = f.record_id group by f.original_filename"
            )
        ).all()
    engine.dispose()
    return {name: body or "" for name, body in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=12, help="dense scanned pages (one file each)")
    parser.add_argument("--digital-docs", type=int, default=16, help="born-digital PDFs")
    parser.add_argument("--digital-pages", type=int, default=60, help="pages per born-digital PDF")
    parser.add_argument("--long-pages", type=int, default=300)
    parser.add_argument("--parts", default="scans,digital,long", help="which parts to run")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "scans" in parts:
            rows.extend(scanned_pages(tmp, args.scans))
        if "digital" in parts:
            rows.extend(born_digital(tmp, args.digital_docs, args.digital_pages))
        if "long" in parts and args.long_pages:
            rows.extend(long_scan(tmp, args.long_pages))
    print(f"\n{'measure':<32} {'value':>14}  {'reference':<52} result")
    for name, value, ref, verdict in rows:
        print(f"{name:<32} {value:>14}  {ref:<52} {verdict}")


Row = tuple[str, str, str, str]


def scanned_pages(tmp: Path, count: int) -> list[Row]:
    """Part 1: dense scanned pages, bare tesseract one after another against the pipeline."""
    rows: list[Row] = []
    scans, truths = [], {}
    (tmp / "scans").mkdir()
    for n in range(count):
        image, truth = dense_page(n)
        path = tmp / "scans" / f"scan-{n:02d}.png"
        image.save(path)
        scans.append(path)
        truths[path.name] = truth
    before = bare_tesseract(scans)
    wall, cpu, sampler, _output = lantai(tmp / "d1", "ingest", str(tmp / "scans"), "--inline")
    after = bare_tesseract(scans)  # before and after: the machine's speed drifts by a few %
    bare_ppm = len(scans) / ((before + after) / 2) * 60
    rows.append(("CPU use, both cores (scans)", f"{cpu / (wall * CORES):.0%}", f"{cpu:.0f} CPU s in {wall:.0f} s", ""))
    pipe_ppm = len(scans) / wall * 60
    target = 0.9 * CORES * bare_ppm
    verdict = "PASS" if pipe_ppm >= target else "MISS"
    rows.append(("scanned pages/min", f"{pipe_ppm:.2f}", f"bare 1 proc {bare_ppm:.2f}; target {target:.2f}", verdict))
    rows.append(("  ratio to cores x bare", f"{pipe_ppm / (CORES * bare_ppm):.1%}", "target 90%", ""))
    rows.append(("bare tesseract before / after", f"{before:.1f} s", f"{after:.1f} s for the {count} pages", ""))
    boxes_ppm = len(scans) / bare_tesseract(scans, boxes=True) * 60
    rows.append(("(bare tesseract with TSV boxes)", f"{boxes_ppm:.2f}", f"2 x 90% = {0.9 * CORES * boxes_ppm:.2f}", ""))
    peak, tree = sampler.peak_rss / 2**20, sampler.peak_tree / 2**20
    rows.append(("worker peak RSS (scans)", f"{peak:.0f} MiB", f"tree {tree:.0f} MiB", ""))
    texts = records_text(tmp / "d1")
    cers = [character_error_rate(truths[name], texts.get(name, "")) for name in truths]
    rows.append(("OCR CER (generated scans)", f"{sum(cers) / len(cers):.3%}", f"max {max(cers):.3%}", ""))
    rows.extend(preservation_copies(tmp / "d1", wall / len(scans)))
    again_wall, _c, _s, again_out = lantai(tmp / "d1", "ingest", str(tmp / "scans"), "--inline")
    rows.append(("re-ingest same batch", f"{again_wall:.1f} s", again_out.strip().splitlines()[-1][:60], ""))
    return rows


def born_digital(tmp: Path, docs: int, pages_per_doc: int) -> list[Row]:
    """Part 2: born-digital PDFs (several documents, so both cores have work), bare pdfminer
    in one process against the pipeline."""
    (tmp / "digital").mkdir()
    pdfs, drawn = [], {}
    for n in range(docs):
        pdf = tmp / "digital" / f"digital-{n}.pdf"
        drawn[pdf.name] = light_pdf(pdf, pages_per_doc, offset=n)
        pdfs.append(pdf)
    before, pages = bare_pdfminer(pdfs)
    wall, cpu, _sampler, _output = lantai(tmp / "d2", "ingest", str(tmp / "digital"), "--inline")
    after, _pages = bare_pdfminer(pdfs)
    bare_pps = pages / ((before + after) / 2)
    pipe_pps = pages / wall
    target = 0.9 * CORES * bare_pps
    verdict = "PASS" if pipe_pps >= target else "MISS"
    texts = records_text(tmp / "d2")
    exact = sum("".join(texts.get(name, "").split()) == text for name, text in drawn.items())
    return [
        ("born-digital pages/s", f"{pipe_pps:.2f}", f"bare pdfminer {bare_pps:.2f}; target {target:.2f}", verdict),
        ("CPU use, both cores (digital)", f"{cpu / (wall * CORES):.0%}", f"{pages} pages in {wall:.1f} s", ""),
        ("born-digital text exact", f"{exact}/{len(drawn)}", "documents whose text is the drawn text", ""),
    ]


def long_scan(tmp: Path, pages: int) -> list[Row]:
    """Part 3: a long scanned PDF: peak memory and temporary disk."""
    page, _ = dense_page(1, width=1240, height=1754)
    page = page.crop((0, 0, 1240, 700))
    long_pdf = tmp / "long" / "long-scan.pdf"
    long_pdf.parent.mkdir()
    frames = [page.convert("1")] * pages
    frames[0].save(long_pdf, "PDF", resolution=150, save_all=True, append_images=frames[1:])
    size = long_pdf.stat().st_size
    wall, _cpu, sampler, _output = lantai(tmp / "d3", "ingest", str(long_pdf), "--inline")
    return [
        (
            f"{pages}-page scan: peak RSS",
            f"{sampler.peak_rss / 2**20:.0f} MiB",
            f"tree {sampler.peak_tree / 2**20:.0f} MiB; {wall:.0f} s",
            "PASS" if sampler.peak_tree < 2**30 else "MISS",
        ),
        (
            f"{pages}-page scan: temp disk",
            f"{sampler.peak_disk / 2**20:.1f} MiB",
            f"file {size / 2**20:.1f} MiB; target < {3 * size / 2**20:.1f}",
            "PASS" if sampler.peak_disk < 3 * size else "MISS",
        ),
    ]


if __name__ == "__main__":
    main()
