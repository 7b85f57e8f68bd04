"""Hit boxes on a generated scan whose character positions are known: a whole line is one OCR
word (as Tesseract's chi_sim often gives), and the box covers the matched characters only."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import ImageFont

from tests.portal.sample_records import FONT, add_record

LINE = "关于做好2023年招生工作的通知"
RECT = re.compile(r'<rect class="hit-box" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')
LEFT = 60  # where sample_records draws each line, at 36 px


def _true_span(term: str) -> tuple[float, float]:
    """Left and right edge of ``term`` in the drawn line, from the font's own advances."""
    font = ImageFont.truetype(FONT, 36)
    start = LINE.index(term)
    return LEFT + font.getlength(LINE[:start]), LEFT + font.getlength(LINE[: start + len(term)])


def test_box_covers_the_matched_characters_not_the_line(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, [[LINE]])
    (line_box,) = rec.words[0]
    for term in ("招生", "通知", "关于"):
        html = client.get(f"/records/{rec.id}", query_string={"q": term}).get_data(as_text=True)
        boxes = [tuple(float(v) for v in m) for m in RECT.findall(html)]
        assert len(boxes) == 1, term
        x, y, width, height = boxes[0]
        left, right = _true_span(term)
        assert abs(x - left) <= 6 and abs(x + width - right) <= 6, (term, boxes[0], (left, right))
        assert width < line_box[4] / 4  # not the whole line
        assert (y, height) == (line_box[3], line_box[5])  # not shifted up or down
