"""Search fixtures: every backend (embedded always, Elasticsearch when configured) and a
small archival corpus with Traditional, OCR-noisy, restricted and identifier-heavy records."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.access import Clearance
from indexer.search.base import SearchBackend, SearchDocument, SearchPage

ES_URL = os.environ.get("LANTAI_ELASTICSEARCH_URL")
# Every level, stated explicitly: searches have no default clearance.
EVERY_LEVEL = Clearance(frozenset({"open", "internal", "restricted", "secret"}))


def open_test_backend(kind: str, tmp_path: Path) -> Iterator[SearchBackend]:
    """A fresh, empty backend of the given kind, removed afterwards."""
    if kind == "embedded":
        from indexer.search.embedded import EmbeddedBackend

        backend = EmbeddedBackend(tmp_path / "index")
        yield backend
        backend.close()
        return
    if not ES_URL:
        pytest.skip("LANTAI_ELASTICSEARCH_URL is not set")
    from indexer.search.elastic import ElasticsearchBackend

    alias = f"lantai-test-{uuid.uuid4().hex[:10]}"
    es_backend = ElasticsearchBackend(ES_URL, alias)
    yield es_backend
    es_backend.es.indices.delete(index=f"{alias}-*", allow_no_indices=True)
    es_backend.close()


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """An empty backend; the contract suite runs once per kind."""
    yield from open_test_backend(request.param, tmp_path)


def doc(id: int, title: str, pages: list[str], **meta: object) -> SearchDocument:
    """A search document with sensible defaults."""
    values: dict[str, object] = {"access_level": "open", "file_type": "pdf", "language": "zh", "revision": 1}
    values.update(meta)
    return SearchDocument(id=id, title=title, pages=[SearchPage(n, t) for n, t in enumerate(pages, start=1)], **values)  # type: ignore[arg-type]


CORPUS = [
    doc(
        1,
        "關於加強學校檔案管理工作的通知",
        [
            "各區縣（市）教育局：\n為進一步規範學校檔案管理，現將有關事項通知如下。",
            "附件：學校檔案工作自查表\n長沙市教育局辦公室 2023年3月15日",
        ],
        doc_number="長教發〔2023〕12號",
        creator="长沙市教育局",
        department="办公室",
        category="WS",
        fonds="J001",
        retention="D30",
        year=2023,
        date=dt.date(2023, 3, 15),
        reference_code="J001-WS·2023-D30-BGS-0012",
        language="zh-Hant",
    ),
    doc(
        2,
        "2020年度会计档案移交清单",
        [
            "会计档案移交清单\n序号 档号 题名 页数\n1 J001-KJ·2020-Y-CWC-0001 记账凭证 120",
            "服务器 Windows Server 2019 运行正常，archives migrated.",
        ],
        category="KJ",
        fonds="J001",
        retention="Y",
        department="财务处",
        year=2020,
        date=dt.date(2020, 12, 30),
        file_type="xlsx",
    ),
    doc(
        3,
        "九章工程可行性研究报告",
        ["本报告涉及绝密工程代号青鸾，仅限项目组查阅。"],
        category="JJ",
        fonds="J002",
        retention="Y",
        department="基建处",
        year=2019,
        date=dt.date(2019, 6, 1),
        access_level="restricted",
    ),
    doc(
        4,
        "基建项目验收报告",
        ["学校档\n案馆建设项目验收合格。", "验收组成员签字"],
        category="JJ",
        fonds="J002",
        retention="D30",
        department="基建处",
        year=2021,
        date=dt.date(2021, 9, 10),
        file_type="image",
    ),
    doc(
        5,
        "关于表彰优秀教师的决定",
        ["经研究，决定对以下优秀教师予以表彰。\n湘政办发[2018]7号文件精神"],
        doc_number="湘政办发[2018]7号",
        creator="湖南省人民政府办公厅",
        department="人事处",
        category="RS",
        fonds="J001",
        retention="Y",
        year=2018,
        date=dt.date(2018, 5, 4),
        access_level="internal",
    ),
    doc(
        6,
        "Annual report of the archives",
        [
            "The archive service digitised 1,200 files. Archiving continues.",
            "<script>alert(1)</script> markup & ampersands",
        ],
        category="KY",
        fonds="J003",
        retention="D10",
        department="科研处",
        year=2021,
        date=dt.date(2021, 1, 20),
        language="en",
        file_type="docx",
    ),
    doc(
        7,
        "学籍档案扫描件",
        ["学 校 档 案 室 2O19 年 学籍 登记 表\n𠀀𠀁 生僻字 测试"],
        category="WS",
        fonds="J001",
        retention="D30",
        department="教务处",
        year=2019,
        file_type="image",
    ),
]
