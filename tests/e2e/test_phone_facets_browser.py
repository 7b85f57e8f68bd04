"""In a real Chromium at a phone's width, in both languages: the search facets start folded
under one summary and open when tapped; on a desktop they are open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.portal.sample_records import add_record

pytestmark = pytest.mark.browser

SUMMARY = {"zh_Hans": "筛选", "en": "Filter"}


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_facets_collapse_on_a_phone(live_server: LiveServer, browser: Any, shots: Path, lang: str) -> None:
    base = live_server.url
    add_record(live_server.app, [["关于 做好 2023年 招生工作 的 通知"]])
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(f"{base}/lang/{lang}?next=/search%3Fq%3D%E6%8B%9B%E7%94%9F")
    panel = phone.locator("details.facets-panel")
    assert panel.get_attribute("open") is None and not phone.locator(".facet").first.is_visible()
    phone.screenshot(path=str(shots / f"{lang}-01-phone-folded.png"), full_page=True)
    phone.locator("details.facets-panel > summary", has_text=SUMMARY[lang]).tap()
    assert phone.locator(".facet").first.is_visible()
    phone.screenshot(path=str(shots / f"{lang}-02-phone-open.png"), full_page=True)
    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    desktop.goto(f"{base}/lang/{lang}?next=/search%3Fq%3D%E6%8B%9B%E7%94%9F")
    assert desktop.locator(".facet").first.is_visible()
    assert not desktop.locator("details.facets-panel > summary").is_visible()
