"""Downloads: originals streamed from storage as attachments with UTF-8 names, active types
never inline, extracted text as UTF-8, and stamping of PDFs and images when configured."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import unquote

import pytesseract
from flask import Flask
from PIL import Image
from pypdf import PdfReader

from tests.conftest import DATA
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

PAGES = [["第一页 文字"], ["第二页 文字"]]


def _filename_star(disposition: str) -> str:
    part = next(p.strip() for p in disposition.split(";") if p.strip().startswith("filename*="))
    return unquote(part.removeprefix("filename*=UTF-8''"))


def test_original_is_an_attachment_with_its_chinese_name(app: Flask) -> None:
    pdf = (DATA / "issue_566_test_2.pdf").read_bytes()
    rec = add_record(app, PAGES, original=(pdf, "合同 2019年 (定稿).pdf", "application/pdf"), index=False)
    response = app.test_client().get(f"/records/{rec.id}/download")
    assert response.status_code == 200
    assert response.data == pdf
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert _filename_star(disposition) == "合同 2019年 (定稿).pdf"
    assert 'filename="' in disposition and disposition.isascii()  # an ASCII fallback for old clients
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_html_svg_and_xml_are_never_served_inline(app: Flask) -> None:
    client = app.test_client()
    for body, name, mime in [
        (b"<html><script>alert(1)</script></html>", "page.html", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "image/svg+xml"),
        (b"<?xml version='1.0'?><a/>", "data.xml", "application/xml"),
    ]:
        rec = add_record(app, PAGES, original=(body, name, mime), index=False)
        response = client.get(f"/records/{rec.id}/download")
        assert response.status_code == 200 and response.data == body
        assert response.mimetype == "application/octet-stream", name
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_extracted_text_downloads_as_utf8_txt(app: Flask) -> None:
    rec = add_record(app, PAGES, original=(b"%PDF-1.4 fake", "报告.pdf", "application/pdf"), index=False)
    response = app.test_client().get(f"/records/{rec.id}/text.txt")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert _filename_star(response.headers["Content-Disposition"]) == "报告.txt"
    text = response.data.decode("utf-8")
    assert "第一页 文字" in text and "第二页 文字" in text
    assert text.index("第 1 页") < text.index("第一页") < text.index("第 2 页") < text.index("第二页")


def test_downloads_are_not_stamped_by_default(app: Flask) -> None:
    pdf = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    rec = add_record(app, PAGES, original=(pdf, "paper.pdf", "application/pdf"), index=False)
    assert app.test_client().get(f"/records/{rec.id}/download").data == pdf


def test_stamped_pdf_carries_the_user_name_on_every_page(make_app: Callable[..., Flask]) -> None:
    app = make_app(stamp_downloads=True)
    pdf = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    rec = add_record(app, PAGES, original=(pdf, "paper.pdf", "application/pdf"), access_level="internal", index=False)
    client = app.test_client()
    AuthActions(client).login("archivist")
    response = client.get(f"/records/{rec.id}/download")
    assert response.status_code == 200 and response.data != pdf
    reader = PdfReader(io.BytesIO(response.data))
    original = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(original.pages) == 4
    for stamped, plain in zip(reader.pages, original.pages, strict=True):
        text = stamped.extract_text()
        assert "archivist" in text and "UTC" in text
        assert all(word in text for word in plain.extract_text().split()[:5])  # the page itself is kept


def test_stamped_image_shows_the_user_name(make_app: Callable[..., Flask]) -> None:
    app = make_app(stamp_downloads=True)
    source = Image.new("RGB", (900, 500), "white")
    buffer = io.BytesIO()
    source.save(buffer, "PNG")
    rec = add_record(
        app, PAGES, original=(buffer.getvalue(), "照片.png", "image/png"), access_level="internal", index=False
    )
    client = app.test_client()
    AuthActions(client).login("archivist")
    response = client.get(f"/records/{rec.id}/download")
    assert response.status_code == 200 and response.mimetype == "image/png"
    stamped = Image.open(io.BytesIO(response.data))
    assert stamped.size == (900, 500)
    strip = stamped.crop((0, 400, 900, 500)).convert("L").resize((1800, 200))
    assert "archivist" in pytesseract.image_to_string(strip, lang="eng")


def test_download_needs_content_access(app: Flask, grant: Callable[..., int]) -> None:
    rec = add_record(app, PAGES, access_level="restricted", index=False)
    client = app.test_client()
    assert client.get(f"/records/{rec.id}/download").status_code == 404
    assert client.get(f"/api/v1/records/{rec.id}/download").status_code == 404
    AuthActions(client).login("researcher")
    assert client.get(f"/records/{rec.id}/download").status_code == 403
    grant(rec.id)
    assert client.get(f"/records/{rec.id}/download").status_code == 200
    assert client.get(f"/api/v1/records/{rec.id}/download").status_code == 200


def test_hostile_file_names_cannot_break_the_header(app: Flask) -> None:
    rec = add_record(app, PAGES, original=(b"data", 'a"b\r\nSet-Cookie: x=1;.txt', "text/plain"), index=False)
    response = app.test_client().get(f"/records/{rec.id}/download")
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    assert disposition.startswith('attachment; filename="a_bSet-Cookie: x=1;.txt"; ')
    assert _filename_star(disposition) == 'a"bSet-Cookie: x=1;.txt'
