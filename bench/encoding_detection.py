"""Encoding detection on short Chinese texts: charset-normalizer alone against Lantai's
decode_text (strict UTF-8, then GB18030 vs Big5 by share of common hanzi).

Prints, per encoding and text length, how often each method gives back the original text.
Usage: .venv/bin/python bench/encoding_detection.py
"""

from __future__ import annotations

import time

import opencc
from charset_normalizer import from_bytes

from indexer.extract.encoding import decode_text

# Typical phrases of school and government records (titles, names of bodies, dates).
PHRASES = [
    "关于做好二〇二三年度档案归档工作的通知", "各学校、各单位", "根据上级要求，现将有关事项通知如下",
    "请认真贯彻执行", "长沙市教育局办公室", "学校年度工作总结", "关于召开家长会的通知",
    "经费预算表", "教职工花名册", "学生学籍档案", "会议纪要", "关于表彰优秀教师的决定",
    "基建工程验收报告", "人事任免通知", "科研项目申报书", "校园安全工作方案", "招生简章",
    "毕业生名单", "财务审计报告", "党支部会议记录", "你好世界", "档案", "录音资料", "照片档案",
    "二〇二一年三月一日", "附件：名单", "主题词：教育 档案 通知", "抄送：市政府办公厅",
    "保管期限：永久", "密级：内部",
]
LENGTHS = (2, 4, 8, 16, 32)


def samples(length: int) -> list[str]:
    """Texts of about ``length`` characters cut from the phrases joined together."""
    text = "。".join(PHRASES)
    return [text[i:i + length] for i in range(0, len(text) - length, max(1, length // 2))]


def normalizer(data: bytes) -> str | None:
    """charset-normalizer's best decoding."""
    best = from_bytes(data).best()
    return str(best) if best is not None else None


def main() -> None:
    """Run both methods on GBK and Big5 encodings of the samples and print a table."""
    to_traditional = opencc.OpenCC("s2t")
    print(f"{'encoding':<8} {'chars':>5} {'n':>4} {'charset-normalizer':>19} {'decode_text':>12}")
    timings = {"charset-normalizer": 0.0, "decode_text": 0.0}
    for encoding in ("gbk", "big5"):
        for length in LENGTHS:
            texts = samples(length)
            if encoding == "big5":
                texts = [to_traditional.convert(t) for t in texts]
            ok = {"charset-normalizer": 0, "decode_text": 0}
            n = 0
            for text in texts:
                try:
                    data = text.encode(encoding)
                except UnicodeEncodeError:
                    continue  # a character Big5 lacks
                n += 1
                start = time.perf_counter()
                ok["charset-normalizer"] += normalizer(data) == text
                timings["charset-normalizer"] += time.perf_counter() - start
                start = time.perf_counter()
                ok["decode_text"] += decode_text(data).text == text
                timings["decode_text"] += time.perf_counter() - start
            print(f"{encoding:<8} {length:>5} {n:>4} {ok['charset-normalizer'] / n:>19.0%} "
                  f"{ok['decode_text'] / n:>12.0%}")
    for name, seconds in timings.items():
        print(f"total time {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
