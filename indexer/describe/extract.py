"""Description fields from the text of an official document laid out after GB/T 9704.

Pure functions, no database. ``extract_fields(text)`` returns, for each field it finds, a
``Suggestion`` with the value, a confidence in [0, 1] and the rule that found it:

``doc_number`` (文号, brackets normalised to 〔〕), ``date`` (成文日期, ISO ``YYYY-MM-DD``),
``creator`` (发文机关 / 责任者), ``title`` (题名), ``addressee`` (主送机关),
``classification`` (密级), ``urgency`` (紧急程度), ``openness`` (from 此件公开发布).

Confidence reflects where the value was found: a value in its GB/T 9704 place (the
文号 under the 发文机关标志, the 成文日期 under the signature) scores high, a value that
only turns up in the body (often a cited document) scores low so that it goes to review.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from archive.vocabulary import SuggestionSource


@dataclass(frozen=True)
class Suggestion:
    """One extracted value with its confidence and the rule that found it."""

    value: str
    confidence: float
    source: str


DOC_TYPES = "通知|决定|报告|请示|批复|函|意见|通报|纪要|办法|规定|方案|公告|通告|决议|命令|议案|规划|要点|细则|复函"
ORG_SUFFIX = (
    r"(?:局|厅|委员会|委|政府|办公室|办公厅|办|学校|大学|学院|中学|小学|幼儿园|院|部|处|科|"
    r"中心|会|所|公司|站|馆|社|党委|党组|支部|总支|组|署|室)"
)
_OPEN_BRACKETS = "〔[［【(（﹝〖{｛<〈"
_CLOSE_BRACKETS = "〕]］】)）﹞〗}｝>〉"
_D = r"[0-9OoIl|\]]"  # digits as OCR sometimes reads them
_HAN = r"\u4e00-\u9fff"
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "Ｏ": 0,
    "O": 0,
    "0": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "-": 1,
}

DOC_NUMBER_RE = re.compile(
    rf"(?P<prefix>[{_HAN}]{{1,10}}?)\s*[{re.escape(_OPEN_BRACKETS)}]\s*(?P<year>(?:19|2[0O]){_D}{{2}})\s*"
    rf"[{re.escape(_CLOSE_BRACKETS)}]\s*(?P<num>{_D}{{1,5}})\s*号"
)
# Year digits as OCR reads them: 〇 often comes out as O, 0, o, Q, D or G.
_CN_YEAR = "[〇○Ｏ零O0oQDG一二三四五六七八九]{4}"
_CN_ONE_TO_NINE = "[一二三四五六七八九-]"  # "-": 一 as OCR reads it
_CN_MONTH = f"十[一二-]?|{_CN_ONE_TO_NINE}"
_CN_DAY = f"三十[一-]?|二十{_CN_ONE_TO_NINE}?|十{_CN_ONE_TO_NINE}?|{_CN_ONE_TO_NINE}"
DATE_RES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"(?P<y>{_CN_YEAR})年(?P<m>{_CN_MONTH})月(?P<d>{_CN_DAY})(?:[日曰]|$)"), "chinese"),
    (
        re.compile(rf"(?P<y>(?:19|20){_D}{{2}})\s*年\s*(?P<m>{_D}{{1,2}})\s*月\s*(?P<d>{_D}{{1,2}})\s*(?:[日曰]|$)"),
        "arabic",
    ),
    (re.compile(rf"(?<!\d)(?P<y>(?:19|20){_D}{{2}})[-./](?P<m>{_D}{{1,2}})[-./](?P<d>{_D}{{1,2}})(?!\d)"), "numeric"),
)
TITLE_END_RE = re.compile(rf"(?:{DOC_TYPES})$")
# 密级★保密期限; OCR often reads ★ as some other character (秘密友10年).
CLASSIFICATION_RE = re.compile(r"^(?P<mark>绝密|机密|秘密)(?P<rest>[★☆*＊]?.?(?:[\d\]|lI]{1,2}个?[年月]|长期)?)$")
URGENCY_RE = re.compile(r"^(?P<mark>特急|加急|特提|平急)$")
HEADER_ORG_RE = re.compile(rf"^(?P<org>[{_HAN}（）()、]{{2,40}}?)文件$")
SEPARATOR_RE = re.compile(r"^[━—―─\-_=]+$")
ORG_LINE_RE = re.compile(rf"^[{_HAN}（）()、·]{{2,40}}{ORG_SUFFIX}$")


def clean_line(line: str) -> str:
    """A line with full-width letters and digits made ASCII and spaces removed.

    Chinese text has no spaces between words: spaces inside a line are layout or OCR noise.
    """
    chars = []
    for char in line:
        if "０" <= char <= "９" or "Ａ" <= char <= "Ｚ" or "ａ" <= char <= "ｚ":
            char = unicodedata.normalize("NFKC", char)
        chars.append(char)
    text = re.sub(r"[\s\u3000]+", "", "".join(chars))
    # Chinese text uses full-width parentheses; OCR mixes in half-width ones and 〈〉.
    text = text.translate(str.maketrans("()〈〉", "（）（）"))
    # An O next to a digit is a zero that OCR misread (2O23, 1O号).
    return re.sub(r"(?<=\d)[Oo]|[Oo](?=\d)", "0", re.sub(r"(?<=\d)[Oo]|[Oo](?=\d)", "0", text))


def _digits(text: str) -> tuple[int, bool]:
    """An int from digits that OCR may have read as letters; and whether any was fixed."""
    fixed = text.translate(str.maketrans("OoIl|]", "001111"))
    return int(fixed), fixed != text


def _chinese_number(text: str) -> int:
    """二十三 -> 23, 十二 -> 12, 五 -> 5."""
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text]


def parse_date_text(text: str) -> tuple[dt.date, str, bool] | None:
    """The first date in ``text``: (date, style, whether OCR-like digits had to be fixed)."""
    for regex, style in DATE_RES:
        match = regex.search(text)
        if match is None:
            continue
        fixed = False
        if style == "chinese":
            digits = [_CN_DIGITS.get(c, 0) for c in match["y"]]
            fixed = any(c not in "〇○一二三四五六七八九十" for c in match["y"] + match["m"] + match["d"])
            if digits[0] not in (1, 2) and digits[1] in (0, 9):  # 二〇xx / 一九xx with a misread first digit
                digits[0] = 2 if digits[1] == 0 else 1
            year = int("".join(map(str, digits)))
            month, day = _chinese_number(match["m"]), _chinese_number(match["d"])
        else:
            parts = [_digits(match[k]) for k in ("y", "m", "d")]
            (year, f1), (month, f2), (day, f3) = parts
            fixed = f1 or f2 or f3
        if not 1900 <= year <= 2099:
            continue  # misread beyond repair: better no date than a wrong one
        if not match[0].endswith(("日", "曰")) and style != "numeric":
            fixed = True  # the line ended before 日: a digit may be missing too
        try:
            return dt.date(year, month, day), style, fixed
        except ValueError:
            continue
    return None


def normalize_doc_number(prefix: str, year: str, number: str) -> tuple[str, bool]:
    """``长教发〔2023〕12号`` from its parts; and whether OCR-like digits were fixed."""
    year_value, fixed_year = _digits(year)
    number_value, fixed_number = _digits(number)
    return f"{prefix}〔{year_value}〕{number_value}号", fixed_year or fixed_number


def _lines(text: str) -> list[str]:
    return [line for line in (clean_line(raw) for raw in text.splitlines()) if line]


def _continues_title(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]``, just above the line with 关于, is the first part of the title.

    Only below the 文号 or the separator line: above them stands the 发文机关标志.
    """
    line = lines[index]
    return (
        re.fullmatch(rf"[{_HAN}（）()]{{2,40}}", line) is not None
        and HEADER_ORG_RE.match(line) is None
        and CLASSIFICATION_RE.match(line) is None
        and URGENCY_RE.match(line) is None
        and any(DOC_NUMBER_RE.search(above) or SEPARATOR_RE.match(above) for above in lines[:index])
    )


def _title_index(lines: list[str]) -> tuple[int, int] | None:
    """First and last line of the title: a line with 关于 in the upper part, up to its doc type."""
    limit = min(len(lines), 16)
    for start in range(limit):
        line = lines[start]
        following = lines[start + 1] if start + 1 < len(lines) else ""
        head = line[:20] + following[:1] if len(line) <= 20 else line[:20]
        if "关于" not in head or line.endswith(("：", ":")) or len(line) > 80:
            continue
        if DOC_NUMBER_RE.search(line) and not line.startswith("关于"):
            continue
        # A title broken inside its issuer ("长沙市住房和城乡建" / "设局关于……的通知") starts a line earlier.
        if start > 0 and _continues_title(lines, start - 1):
            start -= 1
        for end in range(start, min(start + 3, len(lines))):
            if TITLE_END_RE.search(lines[end]):
                return start, end
            if lines[end].endswith(("：", ":", "。")):
                break
        return start, start
    return None


def _find_doc_number(lines: list[str], header_end: int) -> Suggestion | None:
    for index, line in enumerate(lines[: header_end + 1]):
        match = DOC_NUMBER_RE.match(line)
        if match is None:
            continue
        value, fixed = normalize_doc_number(match["prefix"], match["year"], match["num"])
        confidence = 0.95 if line[match.end() :] in ("",) or "签发人" in line else 0.85
        if fixed:
            confidence -= 0.2
        if index > 8:
            confidence -= 0.1
        return Suggestion(value, round(confidence, 2), SuggestionSource.HEADER_DOC_NUMBER)
    for line in lines:
        for match in DOC_NUMBER_RE.finditer(line):
            prefix = re.sub(r"^.*?(?:根据|按照|依据|依照|参照|转发|印发|《|》|（|\()", "", match["prefix"])
            if not prefix:
                continue
            value, _fixed = normalize_doc_number(prefix, match["year"], match["num"])
            return Suggestion(value, 0.4, SuggestionSource.BODY_DOC_NUMBER)
    return None


def _find_date(lines: list[str], title_end: int) -> tuple[Suggestion | None, int | None]:
    """The 成文日期 and its line: the last date standing alone after the title (not 印发)."""
    best: tuple[Suggestion, int] | None = None
    for index in range(len(lines) - 1, title_end, -1):
        line = lines[index]
        parsed = parse_date_text(line)
        if parsed is None or "印发" in line:
            continue
        date, style, fixed = parsed
        remainder = line
        for regex, _style in DATE_RES:
            remainder = regex.sub("", remainder)
        remainder = remainder.strip("（）()")
        standalone = remainder == ""
        after_org = remainder != "" and ORG_LINE_RE.match(remainder) is not None
        if not (standalone or after_org):
            continue
        confidence = 0.8 if style == "numeric" else 0.85
        previous = lines[index - 1] if index > 0 else ""
        if after_org or ORG_LINE_RE.match(previous) or "（" in previous or "章" in previous:
            confidence += 0.1
        if fixed:
            confidence -= 0.2
        best = (
            Suggestion(date.isoformat(), round(min(confidence, 0.97), 2), SuggestionSource(f"signature_date_{style}")),
            index,
        )
        break
    if best is not None:
        return best
    for line in lines:
        parsed = parse_date_text(line)
        if parsed is not None:
            date, style, _fixed = parsed
            source = SuggestionSource.PRINT_DATE if "印发" in line else SuggestionSource(f"body_date_{style}")
            return Suggestion(date.isoformat(), 0.5 if "印发" in line else 0.35, source), None
    return None, None


def _find_creator(lines: list[str], header_end: int, date_line: int | None) -> Suggestion | None:
    header: str | None = None
    for line in lines[: header_end + 1]:
        match = HEADER_ORG_RE.match(line)
        if match and not line.startswith("关于"):
            header = match["org"]
            break
    signature: str | None = None
    if date_line is not None:
        line = lines[date_line]
        for regex, _style in DATE_RES:
            line = regex.sub("", line)
        if ORG_LINE_RE.match(line):
            signature = line
        elif date_line > 0 and ORG_LINE_RE.match(lines[date_line - 1]):
            signature = lines[date_line - 1]
    if header and signature:
        # Header and signature name the same body; when they differ, OCR misread one of them.
        confidence = 0.98 if header == signature else 0.75
        return Suggestion(header, confidence, SuggestionSource.HEADER_AND_SIGNATURE)
    if header:
        return Suggestion(header, 0.92, SuggestionSource.HEADER_ISSUING_BODY)
    if signature:
        return Suggestion(signature, 0.82, SuggestionSource.SIGNATURE)
    for line in lines[: header_end + 1]:
        if ORG_LINE_RE.match(line) and not line.startswith("关于"):
            return Suggestion(line, 0.6, SuggestionSource.HEADER_ORG_LINE)
    for line in lines[-4:]:
        match = re.match(rf"^(?P<org>[{_HAN}]{{2,30}}{ORG_SUFFIX})\d{{4}}年.*印发$", line)
        if match:
            return Suggestion(match["org"], 0.4, SuggestionSource.PRINT_OFFICE)
    return None


def _find_title(lines: list[str]) -> tuple[Suggestion | None, int]:
    span = _title_index(lines)
    if span is None:
        for index, line in enumerate(lines[:12]):
            if TITLE_END_RE.search(line) and 4 <= len(line) <= 60 and not HEADER_ORG_RE.match(line):
                return Suggestion(line, 0.5, SuggestionSource.TITLE_WITHOUT_GUANYU), index
        return None, -1
    start, end = span
    title = "".join(lines[start : end + 1])
    complete = TITLE_END_RE.search(lines[end]) is not None
    confidence = (0.9 if start == end else 0.85) if complete else 0.5
    return Suggestion(
        title, confidence, SuggestionSource.TITLE_GUANYU if complete else SuggestionSource.TITLE_INCOMPLETE
    ), end


def _find_addressee(lines: list[str], title_end: int) -> Suggestion | None:
    for line in lines[title_end + 1 : title_end + 4]:
        if line.endswith(("：", ":")) and not line.startswith(("根据", "为", "附件", "抄送")):
            value = line.rstrip("：:")
            return Suggestion(value, 0.85 if len(value) <= 60 else 0.6, SuggestionSource.ADDRESSEE_LINE)
    return None


def extract_fields(text: str) -> dict[str, Suggestion]:
    """Every description field found in an official document's text (see the module docstring)."""
    lines = _lines(text)
    if not lines:
        return {}
    found: dict[str, Suggestion] = {}
    title, title_end = _find_title(lines)
    header_end = title_end if title_end >= 0 else min(len(lines) - 1, 8)
    if title is not None:
        found["title"] = title
    number = _find_doc_number(lines, header_end)
    if number is not None:
        found["doc_number"] = number
    date, date_line = _find_date(lines, title_end)
    if date is not None:
        found["date"] = date
    creator = _find_creator(lines, header_end, date_line)
    if creator is not None:
        found["creator"] = creator
    addressee = _find_addressee(lines, title_end) if title_end >= 0 else None
    if addressee is not None:
        found["addressee"] = addressee
    for line in lines[:6]:
        mark = CLASSIFICATION_RE.match(line)
        if mark and "classification" not in found:
            clean = mark["rest"] == "" or mark["rest"][0] in "★☆*＊"
            found["classification"] = Suggestion(
                mark["mark"], 0.95 if clean else 0.85, SuggestionSource.CLASSIFICATION_MARK
            )
        urgent = URGENCY_RE.match(line)
        if urgent and "urgency" not in found:
            found["urgency"] = Suggestion(urgent["mark"], 0.95, SuggestionSource.URGENCY_MARK)
    for line in lines[-6:]:
        if re.search(r"此件(?:公开发布|主动公开|可公开)", line):
            found["openness"] = Suggestion("开放", 0.7, SuggestionSource.PUBLICATION_NOTE)
        elif re.search(r"此件不(?:予)?公开|不宜公开", line):
            found["openness"] = Suggestion("控制", 0.7, SuggestionSource.PUBLICATION_NOTE)
    return found
