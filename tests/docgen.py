"""Generated test documents: scanned-looking Chinese pages, as images and image-only PDFs."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

LINES = [
    "关于做好学校档案归档工作的通知",
    "各学院、各部门：",
    "请于三月底前完成文书档案的整理与移交。",
    "基建档案应包括图纸和验收记录。",
]


def font(size: int) -> ImageFont.FreeTypeFont:
    """A CJK font that Debian's fonts-wqy-zenhei or fonts-noto-cjk provides."""
    for path in (SERIF, ZENHEI):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise FileNotFoundError("no CJK font installed (fonts-noto-cjk or fonts-wqy-zenhei)")


def page_image(lines: list[str], width: int = 1200, size: int = 40, margin: int = 60) -> Image.Image:
    """A clean 1-page scan of ``lines`` (grayscale, ~150 dpi look)."""
    face = font(size)
    height = margin * 2 + len(lines) * int(size * 1.8)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * int(size * 1.8)), line, font=face, fill=0)
    return image


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    """An image-only PDF (no text layer), one page per list of lines."""
    images = [page_image(lines).convert("RGB") for lines in pages]
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return path
