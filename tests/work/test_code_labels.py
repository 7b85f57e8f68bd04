"""Stored codes shown as labels in the user's language: file types, OCR languages, suggestion sources."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.catalog.models import Record
from archive.description.review import queue_suggestion
from archive.vocabulary import FileKind, SuggestionSource, display, ocr_languages_label, suggestion_source_label
from indexer.describe.extract import extract_fields
from indexer.search.documents import file_type
from tests.describe.generator import generate_documents
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record


@pytest.mark.parametrize(
    ("codes", "zh", "en"),
    [
        ("chi_sim+eng", "简体中文、英文", "Simplified Chinese, English"),
        ("chi_tra", "繁体中文", "Traditional Chinese"),
        ("chi_sim_vert", "简体中文（竖排）", "Simplified Chinese (vertical)"),
        ("中文", "中文", "中文"),  # a 语种 written in words stays as written
    ],
)
def test_ocr_language_codes_read_as_language_names(codes: str, zh: str, en: str) -> None:
    assert ocr_languages_label(codes, "zh") == zh
    assert display("language", codes, "en") == en


def test_every_file_family_the_index_stores_has_a_label() -> None:
    mimes = [
        "application/pdf",
        "image/tiff",
        "text/plain",
        "message/rfc822",
        "video/mp4",
        "application/x-foo",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/ofd",
    ]
    for mime in mimes:
        kind = FileKind(file_type(mime))
        assert display("file_type", kind.value, "en") == kind.en != kind.value


def test_every_source_the_extractor_names_is_in_the_vocabulary() -> None:
    sources = {s.source for doc in generate_documents(60, noise=0.3) for s in extract_fields(doc.text).values()}
    assert sources and all(SuggestionSource(source) for source in sources)
    assert suggestion_source_label("body_date_numeric", "en") == "Date in the body (numeric form)"
    assert suggestion_source_label("rule:7", "zh") == "分类规则 7"
    assert suggestion_source_label("schedule:3:keyword", "en") == "Filing schedule 3:keyword"


@pytest.mark.parametrize(
    ("lang", "shown"), [("zh_Hans", "正文日期（数字格式）"), ("en", "Date in the body (numeric form)")]
)
def test_review_queue_names_the_source_in_the_users_language(
    app: Flask, client: FlaskClient, auth: AuthActions, lang: str, shown: str
) -> None:
    rec = add_record(app, [["正文"]])
    with app.extensions["lantai"].catalog.session() as db:
        queue_suggestion(db, db.get(Record, rec.id), "date", "2023-05-12", 0.35, SuggestionSource.BODY_DATE_NUMERIC)
        db.commit()
    auth.login("admin")
    client.get(f"/lang/{lang}")
    page = client.get("/describe/review").get_data(as_text=True)
    assert shown in page
    assert ">body_date_numeric<" not in page


@pytest.mark.parametrize(
    ("lang", "pdf", "ocr"),
    [("zh_Hans", "PDF 文档", "简体中文、英文"), ("en", "PDF document", "Simplified Chinese, English")],
)
def test_search_facets_and_record_page_show_labels_not_codes(
    app: Flask, client: FlaskClient, auth: AuthActions, lang: str, pdf: str, ocr: str
) -> None:
    rec = add_record(
        app, [["招生 计划"]], original=(b"%PDF-1.4\n", "通知.pdf", "application/pdf"), language="chi_sim+eng"
    )
    auth.login("admin")
    client.get(f"/lang/{lang}")
    results = client.get("/search?q=招生").get_data(as_text=True)
    assert pdf in results and ocr in results
    assert ">pdf<" not in results.replace(" ", "")
    assert ocr in client.get(f"/records/{rec.id}").get_data(as_text=True)
    upload = client.get("/upload").get_data(as_text=True)
    assert f'label="{ocr}"' in upload
