"""Regenerates the Chinese sample documents of samples/ (made by this project, CC0).

Run from the repository root: ``.venv/bin/python samples/make_samples.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).parent
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"

NOTICE = [
    "长沙市教育局文件",
    "长教发〔2023〕12号",
    "关于做好2023年度学校档案归档工作的通知",
    "各区县（市）教育局，局属各学校：",
    "为规范学校文书、会计、人事、基建和后勤档案管理，根据《中华人民共和国档案法》",
    "和《归档文件整理规则》（DA/T 22），现就做好2023年度档案归档工作通知如下。",
    "一、各单位应于2024年3月31日前完成上一年度文件的收集、整理和归档。",
    "二、电子文件与纸质文件同步归档，扫描件分辨率不低于300dpi。",
    "三、涉及个人信息的人事档案按受控级别管理，查阅须经审批并登记利用目的。",
    "长沙市教育局",
    "2023年5月12日",
]

REPORT = [
    "基建项目竣工验收报告",
    "项目名称：第一教学楼抗震加固工程",
    "建设单位：长沙市第一中学后勤处",
    "验收结论：工程质量合格，同意交付使用。",
    "所有图纸、监理记录和结算资料已整理归档，",
    "档案移交清单见附件。",
    "二〇二二年九月一日",
]

TRADITIONAL = (
    "檔案管理辦法\n\n"
    "第一條　為加強學校檔案管理，有效保護和利用檔案，制定本辦法。\n"
    "第二條　本辦法所稱檔案，是指學校在教學、科研、管理等活動中形成的文字、圖表、聲像等歷史記錄。\n"
    "第三條　檔案館負責全校檔案的收集、整理、保管和提供利用。\n"
)


def make_notice_pdf(path: Path) -> None:
    """A born-digital official notice (text layer), GB/T 9704 style."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(NOTICE[2])
    width, height = A4
    y = height - 90
    for i, line in enumerate(NOTICE):
        size = 22 if i == 0 else 16 if i == 2 else 12
        pdf.setFont("STSong-Light", size)
        if i in (0, 1, 2):
            pdf.drawCentredString(width / 2, y, line)
        elif i >= len(NOTICE) - 2:
            pdf.drawRightString(width - 80, y, line)
        else:
            pdf.drawString(70, y, line)
        y -= 40 if i < 3 else 26
    pdf.showPage()
    pdf.save()


def make_scan(path: Path) -> None:
    """A scanned page: rendered at 200 dpi, slightly rotated and noisy, as a scanner makes it."""
    font = ImageFont.truetype(SERIF, 40)
    title = ImageFont.truetype(SERIF, 56)
    page = Image.new("L", (1400, 1000), 255)
    draw = ImageDraw.Draw(page)
    y = 80
    for i, line in enumerate(REPORT):
        draw.text((120, y), line, font=title if i == 0 else font, fill=20)
        y += 110 if i == 0 else 80
    page = page.rotate(0.8, fillcolor=255, resample=Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(0.6))
    page.save(path, dpi=(200, 200))


if __name__ == "__main__":
    make_notice_pdf(HERE / "notice-2023-12.pdf")
    make_scan(HERE / "acceptance-report-scan.png")
    (HERE / "archive-rules-big5.txt").write_bytes(TRADITIONAL.encode("big5"))
