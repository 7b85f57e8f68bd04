"""Every ingested record of the sample set is found by phrases taken from its own text
(real files through the real pipeline: extraction or Tesseract, catalog, index)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Page
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.process import process_job
from indexer.search.analysis import fold
from indexer.search.base import SearchRequest
from tests.conftest import DATA
from tests.search.conftest import EVERY_LEVEL

SAMPLES = [
    "issue_566_test_1.pdf",
    "issue_566_test_2.pdf",
    "simple3.pdf",
    "pdflatex-4-pages.pdf",
    "black_font_color_transparent.png",
]


def phrases(text: str, rng: random.Random, count: int = 4) -> list[str]:
    """Chinese runs (2-6 characters) or whole Latin words taken from a line of the text."""
    out: list[str] = []
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= 2]
    for _ in range(count * 5):
        if not lines or len(out) >= count:
            break
        line = rng.choice(lines)
        cjk = [i for i, c in enumerate(line) if "\u4e00" <= c <= "\u9fff"]
        if cjk:
            start = rng.choice(cjk)
            run = line[start : start + rng.randint(2, 6)]
            run = run[: next((i for i, c in enumerate(run) if not "\u4e00" <= c <= "\u9fff"), len(run))]
            if len(run) >= 2:
                out.append(run)
        else:
            words = [w for w in line.split() if w.isalpha() and len(w) > 3]
            if words:
                out.append(rng.choice(words))
    return out


@pytest.mark.slow
def test_every_sample_record_is_found_by_phrases_from_its_text(lantai: Lantai) -> None:
    rng = random.Random(566)  # noqa: S311 - reproducible phrases, not a secret
    record_ids = []
    for name in SAMPLES:
        submission = submit_file(lantai, DATA / name, dispatch=False, actor=CLI)
        assert submission.job_id is not None
        process_job(lantai, submission.job_id, dispatch_children=False)
        record_ids.append(submission.record_id)
    checked = 0
    with lantai.catalog.session() as session:
        pages = list(session.scalars(select(Page).where(Page.record_id.in_(record_ids))))
    for page in pages:
        for phrase in phrases(page.text, rng):
            request = SearchRequest(clearance=EVERY_LEVEL, query=f'"{phrase}"', limit=50, facets=())
            response = lantai.search.search(request)
            found = {h.id: h for h in response.hits}
            assert page.record_id in found, (phrase, Path(SAMPLES[record_ids.index(page.record_id)]).name)
            assert page.number in [p.number for p in found[page.record_id].pages]
            checked += 1
    assert checked >= 10
    # The ground truth of the Chinese scan and of the word-processor PDF, typed by a user:
    assert lantai.search.search(SearchRequest(clearance=EVERY_LEVEL, query="我是中国人")).total == 1
    assert lantai.search.search(SearchRequest(clearance=EVERY_LEVEL, query="中國飲料有限公司")).total == 1
    assert fold("中國飲料") == "中国饮料"
