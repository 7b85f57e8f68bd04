"""Search benchmark: a generated corpus of Chinese archival records (300-2,000 characters,
realistic metadata) on the embedded backend.

Measures indexing records/s (through ``rebuild``, the ``lantai reindex`` path), index size,
peak memory of the rebuild, and query latency p50/p95 for 2-, 4- and 8-character Chinese
queries and English words, top 10 with all facets and the access filter.

    .venv/bin/python bench/bench_search.py [--records 100000] [--queries 200] [--dir PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.access import Clearance
from indexer.search.base import FACETS, SearchDocument, SearchPage, SearchRequest
from indexer.search.embedded import EmbeddedBackend

_WORDS_TEXT = (
    "档案 学校 教育局 通知 关于 工作 管理 会议 纪要 决定 报告 请示 批复 计划 总结 方案 "
    "办法 规定 制度 实施 开展 加强 进一步 落实 组织 领导 部门 单位 人员 教师 学生 家长 "
    "班主任 校长 书记 委员会 教学 科研 课程 考试 招生 毕业 学籍 资助 安全 消防 卫生 食堂 "
    "宿舍 基建 维修 工程 验收 招标 采购 合同 经费 预算 决算 审计 财务 会计 凭证 账簿 "
    "工资 绩效 职称 评审 聘用 考核 表彰 奖励 处分 年度 季度 月份 情况 问题 意见 建议 "
    "要求 标准 规范 检查 督导 评估 整改 培训 交流 合作 项目 申报 立项 结题 成果 论文 "
    "专利 图书 设备 资产 信息化 网络 平台 系统 数据 统计 调查 公开 保密 归档 移交 鉴定 "
    "销毁 利用 查阅 借阅 复制 证明 材料 附件 印发 转发"
)
WORDS = _WORDS_TEXT.split()
PUNCT = "，，，，。。、；："
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
ENGLISH = ["Windows", "Excel", "PDF", "OCR", "report", "archive", "server", "network", "database", "system"]
DEPARTMENTS = [
    ("BGS", "办公室"),
    ("JWC", "教务处"),
    ("RSC", "人事处"),
    ("CWC", "财务处"),
    ("JJC", "基建处"),
    ("XSC", "学生处"),
    ("KYC", "科研处"),
    ("BWC", "保卫处"),
    ("ZSB", "招生办"),
    ("TSG", "图书馆"),
]
CATEGORIES = ["WS", "WS", "WS", "KJ", "RS", "JJ", "KY", "ZP"]
RETENTIONS = ["Y", "D30", "D10"]
LEVELS = ["open", "open", "internal", "internal", "internal", "restricted", "secret"]
FILE_TYPES = ["pdf", "pdf", "pdf", "image", "docx", "xlsx", "ofd"]


def text_of(rng: random.Random, length: int) -> str:
    """Archival prose of about ``length`` characters, in lines."""
    parts: list[str] = []
    size = 0
    line = 0
    while size < length:
        if rng.random() < 0.02:
            word = rng.choice(ENGLISH)
            parts.append(f" {word} ")
        elif rng.random() < 0.04:
            word = rng.choice(SURNAMES) + rng.choice("某明华强丽军")
            parts.append(word)
        elif rng.random() < 0.03:
            word = str(rng.randint(1, 2024))
            parts.append(word)
        else:
            word = rng.choice(WORDS)
            parts.append(word)
        size += len(word)
        line += len(word)
        if rng.random() < 0.25:
            parts.append(rng.choice(PUNCT))
        if line > 60 and rng.random() < 0.1:
            parts.append("\n")
            line = 0
    return "".join(parts)


def corpus(count: int, seed: int = 1) -> Iterator[SearchDocument]:
    """Generated records with realistic metadata."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        year = rng.randint(1990, 2024)
        code, name = rng.choice(DEPARTMENTS)
        category = rng.choice(CATEGORIES)
        retention = rng.choice(RETENTIONS)
        body = text_of(rng, rng.randint(300, 2000))
        pages = [SearchPage(n + 1, body[k : k + 700]) for n, k in enumerate(range(0, len(body), 700))]
        yield SearchDocument(
            id=i,
            revision=1,
            title="关于"
            + "".join(rng.sample(WORDS, 3))
            + rng.choice(["的通知", "的报告", "的决定", "的请示", "的批复"]),
            filename=f"{i:07d}.pdf",
            reference_code=f"J001-{category}·{year}-{retention}-{code}-{i:07d}",
            doc_number=f"长教{rng.choice('发办函')}〔{year}〕{rng.randint(1, 200)}号",
            creator=f"长沙市{name}",
            department=name,
            category=category,
            fonds=f"J00{rng.randint(1, 5)}",
            retention=retention,
            year=year,
            date=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
            access_level=rng.choice(LEVELS),
            file_type=rng.choice(FILE_TYPES),
            language="zh",
            pages=pages,
        )


def queries(samples: list[str], count: int, length: int, seed: int) -> list[str]:
    """Chinese substrings of indexed records (so they match), without punctuation or breaks."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        body = rng.choice(samples)
        start = rng.randrange(0, len(body) - length)
        piece = body[start : start + length]
        if all("\u4e00" <= c <= "\u9fff" for c in piece):
            out.append(piece)
    return out


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class MemorySampler(threading.Thread):
    """Peaks of anonymous and file-backed resident memory (/proc/self/status), sampled 5 times a second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_anon = 0.0
        self.peak_file = 0.0

    def run(self) -> None:
        while not self.stop.wait(0.2):
            fields = dict(
                line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
            )
            self.peak_anon = max(self.peak_anon, int(fields["RssAnon"].split()[0]) / 1024)
            self.peak_file = max(self.peak_file, int(fields["RssFile"].split()[0]) / 1024)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Build, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="index folder (default: a temporary one, removed)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="lantai-bench-"))
    backend = EmbeddedBackend(folder)

    generation = 0.0
    generation_cpu = 0.0
    chars = 0
    samples: list[str] = []

    def timed_corpus() -> Iterator[SearchDocument]:
        nonlocal generation, generation_cpu, chars
        source = corpus(args.records)
        while True:
            t, c = time.perf_counter(), time.thread_time()
            try:
                d = next(source)
            except StopIteration:
                return
            generation += time.perf_counter() - t
            generation_cpu += time.thread_time() - c
            chars += sum(len(p.text) for p in d.pages)
            if d.id % 97 == 0:
                samples.append("".join(p.text for p in d.pages))
            yield d

    before = peak_mb()
    started = time.perf_counter()
    started_cpu = time.process_time()
    done = [0]

    def progress(step: int) -> None:
        done[0] += step
        if done[0] % 20_000 == 0:
            print(f"  indexed {done[0]:,} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    sampler = MemorySampler()
    sampler.start()
    backend.rebuild(timed_corpus(), progress=progress)
    sampler.stop.set()
    wall = time.perf_counter() - started
    index_seconds = wall - generation
    index_cpu = time.process_time() - started_cpu - generation_cpu  # Python and Tantivy's threads
    rebuild_peak = peak_mb()
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())

    clearance = Clearance(frozenset({"open", "internal"}), frozenset(range(5, 400, 20)))  # a user with 20 grants
    rows = []
    for label, items in [
        ("2-char Chinese", queries(samples, args.queries, 2, 2)),
        ("4-char Chinese", queries(samples, args.queries, 4, 4)),
        ("8-char Chinese", queries(samples, args.queries, 8, 8)),
        ("English word", [random.Random(9).choice(ENGLISH).lower() for _ in range(args.queries)]),
        ("1-char Chinese", queries(samples, args.queries, 1, 1)),
        ("empty (browse)", [""] * max(20, args.queries // 10)),
    ]:
        for q in items[:5]:  # warm caches, as a running portal would be
            backend.search(SearchRequest(query=q, clearance=clearance, facets=FACETS))
        times, totals = [], []
        for q in items:
            t = time.perf_counter()
            response = backend.search(SearchRequest(query=q, limit=10, clearance=clearance, facets=FACETS))
            times.append((time.perf_counter() - t) * 1000)
            totals.append(response.total)
        rows.append((label, statistics.median(times), percentile(times, 95), max(times), statistics.mean(totals)))

    print()
    print(
        f"Lantai search benchmark: embedded (Tantivy), {args.records:,} records, "
        f"{chars / max(1, args.records):,.0f} characters per record on average"
    )
    print(
        f"{'indexing (rebuild), records/s':<40}{args.records / index_seconds:>12,.0f}  "
        f"(wall {wall:,.1f} s, of which generation {generation:,.1f} s excluded)"
    )
    print(
        f"{'indexing CPU cost, ms per record':<40}{index_cpu / args.records * 1000:>12.2f}  "
        f"(= {args.records / index_cpu * 2:,.0f} records/s if both cores were free)"
    )
    print(f"{'index size':<40}{size / 2**20:>12,.1f} MiB")
    print(f"{'peak memory during rebuild (RSS)':<40}{rebuild_peak:>12,.0f} MiB  (before: {before:,.0f} MiB)")
    print(
        f"{'  of which anonymous (heap) at most':<40}{sampler.peak_anon:>12,.0f} MiB  "
        f"(file-backed index pages at most {sampler.peak_file:,.0f} MiB; the kernel can drop those)"
    )
    print(f"{'query (top 10, all 8 facets, access)':<40}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'mean hits':>12}")
    for label, p50, p95, worst, hits in rows:
        print(f"  {label:<38}{p50:>10.2f}{p95:>10.2f}{worst:>10.2f}{hits:>12,.0f}")
    print(f"{'peak memory overall (RSS)':<40}{peak_mb():>12,.0f} MiB")
    if args.dir is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
