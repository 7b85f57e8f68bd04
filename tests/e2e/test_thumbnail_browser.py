"""Thumbnails of born-digital (PDF text-layer) pages in a real headless Chromium: on the first view
of the search results each thumbnail shows the page, whether it was made at ingest or is rendered
now (records ingested before thumbnails were made at ingest).
Screenshots go to tests/artifacts/e2e/<test>/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.catalog.models import Page
from tests.e2e.conftest import LiveServer
from tests.e2e.test_portal_browser import _login
from tests.portal.test_page_images import ingest

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data"
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}
INK = """img => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let dark = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 3 * 160) dark++;
  return {width: img.naturalWidth, complete: img.complete, dark};
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_born_digital_thumbnails_show_the_page_on_first_view(
    live_server: LiveServer, browser: Any, shots: Path, lang: str, tmp_path: Path
) -> None:
    lantai = live_server.app.extensions["lantai"]
    ids = []
    for i, name in enumerate(["pdflatex-4-pages.pdf", "simple3.pdf", "issue_566_test_2.pdf"] * 2):
        copy = tmp_path / f"{i}-{name}"
        shutil.copy(DATA / name, copy)
        copy.write_bytes(copy.read_bytes() + f"\n% copy {i}\n".encode())  # distinct originals
        ids.append(ingest(lantai, copy))
    with lantai.catalog.session() as session:
        keys = list(session.scalars(select(Page.thumbnail_key).where(Page.record_id.in_(ids), Page.number == 1)))
    assert len(keys) == len(ids) and all(k and lantai.storage.has_derivative(k) for k in keys)  # made at ingest
    for key in keys[::2]:  # records ingested before that: their thumbnails are rendered on this first view
        lantai.storage.derivative_path(key or "").unlink()

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=LANGUAGES[lang])
    _login(page, live_server.url, "archivist")
    page.goto(f"{live_server.url}/search?lang={'en' if lang == 'en' else 'zh_Hans'}")
    thumbs = page.locator(".hit-thumb img")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / f"results-{lang}.png"), full_page=True)
    found = [thumbs.nth(i).evaluate(INK) for i in range(thumbs.count())]
    assert len(found) == len(ids)
    assert all(f["complete"] and f["width"] > 0 and f["dark"] > 50 for f in found), found
