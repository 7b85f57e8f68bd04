"""Generated official documents (GB/T 9704 layout) with their true description, for the
extraction tests and the benchmark. Deterministic for a given seed.

Variants: header 发文机关标志 with or without 文件 (letter format), 份号, 密级 and 紧急程度
marks, bracket styles of the 文号, 签发人 on the 文号 line, date styles (二〇二三年五月十二日,
2023年5月12日, 2023-05-12, 2023.5.12), titles over one or two lines, with or without the
issuer in front, 主送机关, 印发 line, 此件公开发布; and OCR-like noise (spaces between
characters, full-width digits, 0 read as O, look-alike characters such as 曰 for 日).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

# (issuing body, 文号 prefix, category, department code, department)
ISSUERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("长沙市教育局", "长教发", "WS", "BGS", "办公室"),
    ("长沙市教育局", "长教函", "WS", "BGS", "办公室"),
    ("湖南省教育厅", "湘教发", "WS", "JWC", "教务处"),
    ("长沙市财政局", "长财预", "KJ", "CWC", "财务处"),
    ("长沙市人力资源和社会保障局", "长人社发", "RS", "RSC", "人事处"),
    ("长沙市住房和城乡建设局", "长住建发", "JJ", "JJC", "基建处"),
    ("长沙市科学技术局", "长科发", "KY", "KYC", "科研处"),
    ("长沙市第一中学", "长一中发", "WS", "XZB", "校长办公室"),
    ("岳麓区人民政府办公室", "岳政办发", "WS", "BGS", "办公室"),
)
TOPICS: dict[str, tuple[str, ...]] = {
    "WS": (
        "做好2023年中小学招生入学工作",
        "加强校园安全管理",
        "开展教师节表彰活动",
        "印发《学校管理工作要点》",
        "召开全市教育工作会议",
        "进一步规范办学行为",
    ),
    "KJ": ("下达2023年部门预算", "做好年度财务决算工作", "加强专项资金管理", "开展会计基础工作检查"),
    "RS": ("公布教师职称评审结果", "做好2023年公开招聘教师工作", "调整工作人员基本工资标准"),
    "JJ": ("加快推进校舍维修改造工程", "开展建设工程质量安全检查", "下达基本建设投资计划"),
    "KY": ("申报2023年度科研课题", "公布优秀科研成果评选结果", "加强科研项目经费管理"),
}
DOC_TYPES = ("通知", "决定", "报告", "请示", "批复", "函", "意见", "通报")
ADDRESSEES = ("各区县（市）教育局", "各直属学校", "市直各有关单位", "各区县（市）财政局", "市人民政府", "各中小学校")
CN_DIGITS = "〇一二三四五六七八九"
BRACKETS = (("〔", "〕"), ("[", "]"), ("（", "）"), ("【", "】"), ("［", "］"), ("(", ")"))


@dataclass
class GeneratedDocument:
    """The text of a generated document and the values an extractor should find."""

    text: str
    truth: dict[str, str]
    category_code: str
    department_code: str
    department: str
    features: list[str] = field(default_factory=list)


def chinese_date(date: dt.date) -> str:
    """二〇二三年五月十二日."""

    def small(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        tens, units = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[units] if units else "")

    year = "".join(CN_DIGITS[int(c)] for c in str(date.year))
    return f"{year}年{small(date.month)}月{small(date.day)}日"


def format_date(date: dt.date, style: str) -> str:
    """The date written in one of the styles the extractor reads."""
    if style == "chinese":
        return chinese_date(date)
    if style == "iso":
        return date.isoformat()
    if style == "dotted":
        return f"{date.year}.{date.month}.{date.day}"
    return f"{date.year}年{date.month}月{date.day}日"


# Confusions Tesseract makes on scanned Chinese documents (glyph look-alikes, punctuation width).
OCR_CONFUSIONS: dict[str, str] = {
    "日": "曰",
    "〔": "(",
    "〕": ")",
    "：": ":",
    "已": "己",
    "未": "末",
    "★": "*",
    "〇": "O",
    "人": "入",
    "，": ",",
}


def _noisy(line: str, rng: random.Random, level: float) -> str:
    """OCR-like noise: spaces between characters, full-width digits, 0 read as O, look-alikes."""
    out = []
    for char in line:
        if char.isdigit() and rng.random() < level * 0.3:
            char = chr(ord(char) - ord("0") + ord("０"))
        elif char == "0" and rng.random() < level * 0.15:
            char = "O"
        elif char in OCR_CONFUSIONS and rng.random() < level * 0.2:
            char = OCR_CONFUSIONS[char]
        out.append(char)
        if rng.random() < level * 0.25:
            out.append(" ")
    return "".join(out)


def generate_document(rng: random.Random, noise: float = 0.0) -> GeneratedDocument:
    """One official document with random layout variants; ``noise`` in [0, 1]."""
    body, prefix, category, department_code, department = rng.choice(ISSUERS)
    topic = rng.choice(TOPICS[category])
    doc_type = rng.choice(DOC_TYPES)
    if doc_type == "函" and "函" not in prefix:
        doc_type = "通知"
    title = f"关于{topic}的{doc_type}"
    date = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 6 * 365))
    number = rng.randrange(1, 240)
    opening, closing = rng.choice(BRACKETS) if rng.random() < 0.4 else BRACKETS[0]
    doc_number_text = f"{prefix}{opening}{date.year}{closing}{number}号"
    truth = {
        "doc_number": f"{prefix}〔{date.year}〕{number}号",
        "date": date.isoformat(),
        "creator": body,
        "title": title,
    }
    features: list[str] = []
    lines: list[str] = []
    if rng.random() < 0.3:
        lines.append(f"{rng.randrange(1, 999999):06d}")
        features.append("copy_number")
    if rng.random() < 0.2:
        mark = rng.choice(("秘密", "机密", "绝密"))
        lines.append(mark + rng.choice(("", "★1年", "★10年", "★长期")))
        truth["classification"] = mark
        features.append("classification")
    if rng.random() < 0.25:
        urgency = rng.choice(("特急", "加急"))
        lines.append(urgency)
        truth["urgency"] = urgency
        features.append("urgency")
    letter = rng.random() < 0.2
    lines.append(body if letter else f"{body}文件")
    lines.append("")
    if doc_type in ("请示", "报告") and rng.random() < 0.6:
        lines.append(f"{doc_number_text}　　　　签发人：{rng.choice(('张伟', '李娜', '王芳'))}")
        features.append("signer")
    else:
        lines.append(doc_number_text)
    lines.append("━" * 20)
    lines.append("")
    with_issuer = rng.random() < 0.25
    full_title = f"{body}{title}" if with_issuer else title
    if with_issuer:
        truth["title"] = full_title
    if len(full_title) > 18 and rng.random() < 0.5:
        cut = rng.randrange(8, len(full_title) - 2)
        lines.extend([full_title[:cut], full_title[cut:]])
        features.append("two_line_title")
    else:
        lines.append(full_title)
    lines.append("")
    if rng.random() < 0.85:
        addressee = rng.choice(ADDRESSEES)
        lines.append(f"{addressee}：")
        truth["addressee"] = addressee
    cited_year = date.year - 1
    cited = f"湘政发〔{cited_year}〕{rng.randrange(1, 50)}号"  # a cited document: not this one's 文号
    lines.append(f"　　为贯彻落实上级有关要求，根据《关于加强管理的意见》（{cited}）精神，")
    lines.append(f"现就{topic}有关事项{doc_type}如下。")
    for index in range(rng.randrange(2, 5)):
        month = rng.randrange(1, 12)
        lines.append(
            f"　　{'一二三四五'[index]}、工作要求。各单位要高度重视，于{date.year}年{month}月底前完成有关工作。"
        )
    lines.append("")
    style = rng.choice(("chinese", "arabic", "arabic", "iso", "dotted"))
    features.append(f"date_{style}")
    if rng.random() < 0.9:
        lines.append(f"　　　　　　　　　　{body}")
        lines.append(f"　　　　　　　　　　{format_date(date, style)}")
    else:
        lines.append(f"　　　　　　{body}　　{format_date(date, style)}")
        features.append("signature_same_line")
    if rng.random() < 0.4:
        lines.append("　　（此件公开发布）")
        truth["openness"] = "开放"
    lines.append("")
    if rng.random() < 0.6:
        printed = date + dt.timedelta(days=rng.randrange(0, 4))
        lines.append("抄送：市人民政府办公厅。")
        lines.append(f"{body}办公室　　　　{printed.year}年{printed.month}月{printed.day}日印发")
        features.append("print_line")
    if noise > 0:
        lines = [_noisy(line, rng, noise) for line in lines]
        features.append("noise")
    return GeneratedDocument("\n".join(lines), truth, category, department_code, department, features)


def generate_documents(count: int, seed: int = 7, noise: float = 0.0) -> list[GeneratedDocument]:
    """``count`` documents; with ``noise`` every other one is noisy."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    return [generate_document(rng, noise if index % 2 else 0.0) for index in range(count)]
