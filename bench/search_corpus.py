"""The search benchmarks' generated corpus: Chinese archival records with realistic metadata.

Records are 300-2,000 characters of archival prose (a vocabulary of about 150 words, some
names, numbers and English words, punctuation, lines of about 60-70 characters) in pages of
700 characters. Generation draws all of a record's random choices in a few bulk calls, so
that making the corpus (about 0.1 ms a record) stays small beside what is measured.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator

from indexer.search.base import SearchDocument, SearchPage

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
PAGE_CHARS = 700

# Tokens with their shares: words 91 %, names 4 %, numbers 3 %, English words 2 % (spaced).
_NAMES = [s + g for s in SURNAMES for g in "某明华强丽军"]
_NUMBERS = [str(n) for n in range(1, 2025)]
_TOKENS = [*WORDS, *_NAMES, *_NUMBERS, *(f" {w} " for w in ENGLISH)]
_CUM = list(
    itertools.accumulate(
        [0.91 / len(WORDS)] * len(WORDS)
        + [0.04 / len(_NAMES)] * len(_NAMES)
        + [0.03 / len(_NUMBERS)] * len(_NUMBERS)
        + [0.02 / len(ENGLISH)] * len(ENGLISH)
    )
)
# A quarter of the tokens are followed by a punctuation mark.
_AFTER = ["", *PUNCT]
_AFTER_CUM = list(itertools.accumulate([0.75] + [0.25 / len(PUNCT)] * len(PUNCT)))


def text_of(rng: random.Random, length: int) -> str:
    """Archival prose of about ``length`` characters, in lines of about 60-70 characters."""
    count = length // 2 + 8  # tokens average a little over two characters
    tokens = rng.choices(_TOKENS, cum_weights=_CUM, k=count)
    after = rng.choices(_AFTER, cum_weights=_AFTER_CUM, k=count)
    parts: list[str] = []
    size = line = 0
    breaks = iter(rng.choices(range(60, 80), k=count))
    limit = next(breaks)
    for token, mark in zip(tokens, after, strict=True):
        parts.append(token)
        parts.append(mark)
        size += len(token)
        line += len(token)
        if line > limit:
            parts.append("\n")
            line, limit = 0, next(breaks)
        if size >= length:
            break
    return "".join(parts)


def corpus(count: int, seed: int = 1) -> Iterator[SearchDocument]:
    """``count`` generated records with ids 1..count (the same records for the same seed)."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        year = rng.randint(1990, 2024)
        code, name = rng.choice(DEPARTMENTS)
        category = rng.choice(CATEGORIES)
        retention = rng.choice(RETENTIONS)
        body = text_of(rng, rng.randint(300, 2000))
        pages = [SearchPage(n + 1, body[k : k + PAGE_CHARS]) for n, k in enumerate(range(0, len(body), PAGE_CHARS))]
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
