"""Finding and keeping records in a real headless Chromium, in Chinese and in English: a researcher
discovers a restricted record by its catalogue entry and asks for it; browsing the holdings down
the levels of the 档号 to a record and its breadcrumb; the advanced form writing the box's query and
reading it back; per-page selector, a page past the end, CSV export, print view, a saved search.
Screenshots of every step go to tests/artifacts/e2e/<test>/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.test_portal_browser import _login
from tests.portal.sample_records import add_record

pytestmark = pytest.mark.browser

LANGUAGES = {"zh": "zh-CN", "en": "en-US"}
TEXT = {
    "zh": {
        "browse": "浏览馆藏",
        "advanced": "高级检索",
        "entries": "受控档案目录",
        "saved": "我保存的检索",
        "request": "申请查阅",
        "csv_head": "档号",
    },
    "en": {
        "browse": "Browse the holdings",
        "advanced": "Advanced search",
        "entries": "Restricted records",
        "saved": "My saved searches",
        "request": "Request access",
        "csv_head": "Reference code",
    },
}


def _holdings(app: Any) -> dict[str, int]:
    def add(title: str, access: str = "open", **fields: Any) -> int:
        return add_record(app, [[f"{title} 正文"]], access_level=access, images=False, title=title, **fields).id

    ids = {
        "restricted": add("招生录取名单", "restricted", reference_code="J001-WS·2023-Y-BGS-0099", doc_number="密文号"),
        "jj": add("校舍基建工程验收报告", category_code="JJ", retention="Y", department="基建处", year=2021),
    }
    for i in range(1, 24):
        ids[f"ws{i}"] = add(f"招生工作通知第{i}号", reference_code=f"J001-WS·2023-D30-BGS-{i:04d}")
    return ids


def _page(browser: Any, lang: str) -> Any:
    return browser.new_page(viewport={"width": 1280, "height": 1000}, locale=LANGUAGES[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_discovery_of_a_restricted_record(live_server: LiveServer, browser: Any, shots: Path, lang: str) -> None:
    app, base = live_server.app, live_server.url
    ids = _holdings(app)
    page = _page(browser, lang)
    _login(page, base, "researcher")
    page.goto(f"{base}/search?q=录取名单")
    page.wait_for_selector(".discovery")
    assert TEXT[lang]["entries"] in page.locator("#discovery-title").inner_text()
    entry = page.locator(f'.entry[data-record="{ids["restricted"]}"]')
    assert "J001-WS·2023-Y-BGS-0099" in entry.inner_text()
    assert "密文号" not in page.content() and "<mark>" not in entry.inner_html()
    page.screenshot(path=str(shots / f"{lang}-01-discovery-entry.png"), full_page=True)
    entry.locator("a.request-access").click()
    page.wait_for_url(lambda url: "/requests/new" in url)
    page.screenshot(path=str(shots / f"{lang}-02-request-form.png"), full_page=True)
    # the page text finds nothing of it
    page.goto(f"{base}/search?q=招生录取名单 正文")
    assert page.locator(".discovery").count() == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_browse_down_to_a_record(live_server: LiveServer, browser: Any, shots: Path, lang: str) -> None:
    app, base = live_server.app, live_server.url
    ids = _holdings(app)
    page = _page(browser, lang)
    page.goto(base + "/search")
    page.click(f'a.browse-link:has-text("{TEXT[lang]["browse"]}")')
    page.wait_for_selector(".browse-table")
    assert page.locator('tr[data-value="J001"] .count').inner_text() == "24"  # the restricted one is not the public's
    page.screenshot(path=str(shots / f"{lang}-01-browse-fonds.png"), full_page=True)
    for value in ("J001", "JJ", "2021", "Y", "基建处"):
        page.click(f'tr[data-value="{value}"] td:first-child a')
        page.wait_for_load_state("load")
    assert page.locator(".breadcrumb .count").all_inner_texts() == ["24", "1", "1", "1", "1"]
    page.screenshot(path=str(shots / f"{lang}-02-browse-leaf.png"), full_page=True)
    page.click(".browse-total a")
    page.wait_for_selector(".hit")
    page.click(".hit-title a")
    page.wait_for_url(lambda url: f"/records/{ids['jj']}" in url)
    crumbs = page.locator(".record-header .breadcrumb").inner_text()
    assert "J001" in crumbs and "基建处" in crumbs
    page.screenshot(path=str(shots / f"{lang}-03-record-breadcrumb.png"), full_page=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_advanced_form_and_box(live_server: LiveServer, browser: Any, shots: Path, lang: str) -> None:
    app, base = live_server.app, live_server.url
    _holdings(app)
    page = _page(browser, lang)
    page.goto(base + "/search?q=验收")
    page.click(f'a.advanced-link:has-text("{TEXT[lang]["advanced"]}")')
    page.wait_for_selector(".advanced-form")
    assert page.input_value("#adv-all") == "验收"
    page.fill("#adv-any", "报告 通知")
    page.fill("#adv-category", "基建")
    page.fill("#adv-year-from", "2020")
    page.screenshot(path=str(shots / f"{lang}-01-advanced-form.png"), full_page=True)
    page.click('.advanced-form button[type="submit"]')
    page.wait_for_selector(".hit")
    assert page.input_value("#q") == "验收 (报告 OR 通知) category:基建 year:2020.."
    assert page.locator(".hit").count() == 1
    page.screenshot(path=str(shots / f"{lang}-02-box-from-form.png"), full_page=True)
    page.click("a.advanced-link")
    page.wait_for_selector(".advanced-form")
    assert page.input_value("#adv-category") == "基建" and page.input_value("#adv-any") == "报告 通知"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_results_you_can_keep(live_server: LiveServer, browser: Any, shots: Path, lang: str) -> None:
    app, base = live_server.app, live_server.url
    _holdings(app)
    page = _page(browser, lang)
    _login(page, base, "researcher")
    page.goto(base + "/search?q=招生工作通知")
    assert page.locator(".hits:not(.entries) > .hit").count() == 20
    page.select_option("#limit", "10")  # applies at once
    page.wait_for_url(lambda url: "limit=10" in url)
    assert page.locator(".hits:not(.entries) > .hit").count() == 10
    page.goto(base + "/search?q=招生工作通知&limit=10&page=50")
    assert page.locator(".pagination [aria-current=page]").inner_text() == "3"
    assert page.locator(".hits:not(.entries) > .hit").count() == 3
    page.screenshot(path=str(shots / f"{lang}-01-last-page.png"), full_page=True)
    with page.expect_download() as download:
        page.click(".keep-results a[href*='results.csv']")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == TEXT[lang]["csv_head"] and len(rows) == 24
    page.emulate_media(media="print")
    assert not page.locator(".facets").is_visible() and page.locator(".hit").first.is_visible()
    page.screenshot(path=str(shots / f"{lang}-02-print-view.png"), full_page=True)
    page.emulate_media(media="screen")
    page.check(".save-search input[name=alert]")
    page.click(".save-search button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/search/saved"))
    assert TEXT[lang]["saved"] in page.locator("h1").inner_text()
    assert page.locator("tr[data-saved]").count() == 1
    page.screenshot(path=str(shots / f"{lang}-03-saved-searches.png"), full_page=True)
