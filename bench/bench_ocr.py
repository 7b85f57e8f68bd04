"""OCR throughput and quality on generated Chinese official-document pages.

Generates N dense A4 pages at 300 dpi (Noto Serif CJK SC, mild noise, 0.5-1.5 degree skew)
with their ground truth, then measures:

(a) the bare ``tesseract`` CLI, one single-threaded process (OMP_THREAD_LIMIT=1) at a time;
(b) Lantai's ``recognize_pages`` with the Tesseract engine and ``--workers`` threads
    (orientation check, deskew, TSV with word boxes, CJK text assembly included).

Prints pages/minute, the ratio of (b) to ``workers`` x (a), CPU use across the cores,
peak RSS, and the character error rate per page. Usage:

    .venv/bin/python bench/bench_ocr.py [--pages 6] [--workers 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr.engine import OcrError
from ocr.parallel import recognize_pages
from ocr.quality import character_error_rate
from ocr.tesseract import TesseractEngine

FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
FONT_INDEX = 2  # Noto Serif CJK SC inside the collection
A4 = (2480, 3508)  # 210 x 297 mm at 300 dpi
LANGUAGES = ["chi_sim", "eng"]

PHRASES = [
    "根据《中华人民共和国档案法》和《机关档案管理规定》的要求",
    "为进一步加强学校档案工作的规范化、标准化和信息化建设",
    "各学院、各部门要高度重视档案归档工作，明确分管领导和兼职档案员",
    "按照归档范围和保管期限表的规定，做好文件材料的收集、整理和移交",
    "归档文件应当齐全完整，已破损的文件应当修整，字迹模糊的应当复制",
    "电子文件应当与纸质文件同时归档，并确保其真实性、完整性和可用性",
    "请于二〇二三年十二月三十一日前将上一年度的文书档案移交档案馆",
    "移交时应当填写档案移交清单，双方清点无误后签字确认",
    "对于涉密文件，应当严格按照保密管理的有关规定办理",
    "档案馆将对各单位的归档情况进行检查，并将结果纳入年度考核",
    "会议纪要、请示报告、批复和通知等文件材料均属于归档范围",
    "科研项目结题后三个月内，项目负责人应当将科研档案整理归档",
    "基建档案应当在工程竣工验收后六个月内向档案馆移交",
    "人事档案的转递必须通过机要交通或者专人送取，不得由本人自带",
    "学生学籍档案包括新生录取名册、学籍变动材料和毕业生名册",
    "各单位应当建立健全档案管理制度，落实档案安全责任",
    "照片档案应当注明事由、时间、地点、人物和摄影者",
    "本通知自印发之日起施行，由学校档案馆负责解释",
    "联系人：王老师，联系电话：0731-88812345",
    "特此通知。",
]


def make_page(rng: random.Random, number: int) -> tuple[Image.Image, str]:
    """One noisy, tilted page of a made-up official document and its text."""
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    title_font = ImageFont.truetype(FONT, 84, index=FONT_INDEX)
    body_font = ImageFont.truetype(FONT, 54, index=FONT_INDEX)  # 13 pt at 300 dpi
    margin_x, top, line_height = 260, 300, 84
    width = A4[0] - 2 * margin_x
    lines_out: list[str] = []

    title = f"关于做好二〇二三年度档案归档工作的通知（第{number}页）"
    draw.text(((A4[0] - draw.textlength(title, font=title_font)) / 2, top), title, font=title_font)
    doc_number = f"长教发〔2023〕{10 + number}号"
    y = top + 150
    draw.text(((A4[0] - draw.textlength(doc_number, font=body_font)) / 2, y), doc_number, font=body_font)
    lines_out += [title, doc_number]
    y += 130
    while y < A4[1] - 300 - line_height:
        paragraph = "　　" + "，".join(rng.sample(PHRASES, rng.randint(2, 4))) + "。"
        line = ""
        for ch in paragraph:
            if draw.textlength(line + ch, font=body_font) > width:
                draw.text((margin_x, y), line, font=body_font)
                lines_out.append(line)
                y += line_height
                line = ""
                if y >= A4[1] - 300 - line_height:
                    break
            line += ch
        else:
            draw.text((margin_x, y), line, font=body_font)
            lines_out.append(line)
            y += line_height
        y += 20
    truth = "".join(text.replace("　", "") for text in lines_out)

    # A flat-bed scan: slight blur, sensor noise, a few specks, a small tilt.
    page = page.filter(ImageFilter.GaussianBlur(0.8))
    array = np.asarray(page, dtype=np.float32)
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    array += nprng.normal(0, 14, array.shape)
    specks = nprng.random(array.shape) < 0.0008
    array[specks] = 0
    page = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), mode="L")
    angle = rng.uniform(0.5, 1.5) * rng.choice([-1, 1])
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return page, truth


class ChildMemory:
    """Samples the resident memory of this process's children (the tesseract runs)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_child = 0  # bytes, largest single child
        self.peak_children = 0  # bytes, all children together
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            sizes = []
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # it may have finished meanwhile
                    sizes.append(child.memory_info().rss)
            if sizes:
                self.peak_child = max(self.peak_child, *sizes)
                self.peak_children = max(self.peak_children, sum(sizes))
            self._stop.wait(self.interval)

    def __enter__(self) -> ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bare_tesseract(paths: list[Path]) -> tuple[float, list[str], float]:
    """Wall time, texts and CPU seconds of the tesseract CLI, one page after another."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    before = os.times()
    start = time.perf_counter()
    texts = []
    for path in paths:
        done = subprocess.run(
            ["tesseract", str(path), "-", "-l", "+".join(LANGUAGES)],
            env=env,
            capture_output=True,
            check=True,
        )
        texts.append(done.stdout.decode("utf-8"))
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, texts, cpu


def ours(paths: list[Path], workers: int) -> tuple[float, list[str], float]:
    """Wall time, texts and CPU seconds (this process and its tesseract children)."""
    engine = TesseractEngine(timeout=600)

    def images() -> Iterator[Image.Image]:
        for path in paths:  # loaded lazily, as a PDF's pages would be rendered
            with Image.open(path) as image:
                image.load()
                yield image

    before = os.times()
    start = time.perf_counter()
    texts = []
    for result in recognize_pages(engine, images(), LANGUAGES, workers=workers):
        if isinstance(result, OcrError):
            print(f"page failed: {result}", file=sys.stderr)
            texts.append("")
        else:
            texts.append(result.text)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = sum(after[i] - before[i] for i in range(4))  # user, system, children user/system
    return wall, texts, cpu


def main() -> None:
    """Generate the pages, run both measurements, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20231231)
    parser.add_argument("--keep", type=Path, help="keep the generated pages in this folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cores = os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="lantai-bench-ocr-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths, truths = [], []
        for n in range(1, args.pages + 1):
            page, truth = make_page(rng, n)
            path = folder / f"page-{n:03d}.png"
            page.save(path, dpi=(300, 300))
            paths.append(path)
            truths.append(truth)
            (folder / f"page-{n:03d}.gt.txt").write_text(truth, encoding="utf-8")
        print(f"{args.pages} pages, {np.mean([len(t) for t in truths]):.0f} characters each on average")
        print(f"machine: {cores} cores, load average before: {os.getloadavg()[0]:.2f}")

        with ChildMemory() as bare_memory:
            bare_wall, bare_texts, bare_cpu = bare_tesseract(paths)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with ChildMemory() as our_memory:
            our_wall, our_texts, our_cpu = ours(paths, args.workers)
        self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    bare_ppm = args.pages / bare_wall * 60
    our_ppm = args.pages / our_wall * 60
    bare_cer = [character_error_rate(t, h) for t, h in zip(truths, bare_texts, strict=True)]
    our_cer = [character_error_rate(t, h) for t, h in zip(truths, our_texts, strict=True)]

    print()
    print(f"{'page':>6} {'chars':>6} {'CER bare':>9} {'CER ours':>9}")
    for n, (truth, b, o) in enumerate(zip(truths, bare_cer, our_cer, strict=True), 1):
        print(f"{n:>6} {len(truth):>6} {b:>9.4f} {o:>9.4f}")
    print(f"{'mean':>6} {'':>6} {np.mean(bare_cer):>9.4f} {np.mean(our_cer):>9.4f}")
    print()
    print(f"{'run':<34} {'wall s':>8} {'pages/min':>10} {'CPU s':>8} {'CPU use':>8}")
    print(
        f"{'(a) tesseract CLI, 1 process':<34} {bare_wall:>8.1f} {bare_ppm:>10.2f} "
        f"{bare_cpu:>8.1f} {bare_cpu / (bare_wall * cores):>8.0%}"
    )
    print(
        f"{f'(b) recognize_pages, workers={args.workers}':<34} {our_wall:>8.1f} {our_ppm:>10.2f} "
        f"{our_cpu:>8.1f} {our_cpu / (our_wall * cores):>8.0%}"
    )
    print()
    print(f"(b) / ({args.workers} x (a)) pages/min: {our_ppm / (args.workers * bare_ppm):.2f}")
    print(f"CPU use = CPU seconds / (wall seconds x {cores} cores)")
    mib = 1024 * 1024
    print(
        f"peak RSS (a): one tesseract {bare_memory.peak_child / mib:.0f} MiB; "
        f"(b): one tesseract {our_memory.peak_child / mib:.0f} MiB, all tesseracts together "
        f"{our_memory.peak_children / mib:.0f} MiB, Python process {self_rss / 1024:.0f} MiB "
        f"({rss_before / 1024:.0f} MiB after generating the pages)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f} (the machine is shared with other work)")


if __name__ == "__main__":
    main()
