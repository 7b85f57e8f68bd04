"""The search contract: every backend must pass these (embedded always, Elasticsearch when
LANTAI_ELASTICSEARCH_URL is set)."""

from __future__ import annotations

import datetime as dt
import html
import random
import re

import pytest

from archive.access import Clearance
from indexer.search.analysis import fold
from indexer.search.base import QuerySyntaxError, SearchBackend, SearchRequest
from tests.search.conftest import CORPUS, EVERY_LEVEL, doc

OPEN_ONLY = Clearance(frozenset({"open", "internal"}))


@pytest.fixture
def index(backend: SearchBackend) -> SearchBackend:
    """The backend holding the shared corpus."""
    backend.index(CORPUS)
    return backend


def ids(backend: SearchBackend, query: str, clearance: Clearance = OPEN_ONLY, **kw: object) -> set[int]:
    """Ids of every hit of a query."""
    response = backend.search(SearchRequest(query=query, clearance=clearance, limit=100, facets=(), **kw))  # type: ignore[arg-type]
    assert response.total == len(response.hits)
    return {h.id for h in response.hits}


# Matching ---------------------------------------------------------------------------


def test_one_to_n_characters_match_exactly_the_texts_containing_them(backend: SearchBackend) -> None:
    rng = random.Random(4)  # noqa: S311 - a reproducible corpus, not a secret
    alphabet = "档案馆学校教育局通知工作，。"
    docs = []
    texts: dict[int, list[str]] = {}
    for i in range(1, 41):
        segments = [
            "".join(rng.choice(alphabet) + (" " if rng.random() < 0.05 else "") for _ in range(rng.randint(3, 25)))
            for _ in range(rng.randint(1, 3))
        ]
        texts[i] = [s.replace(" ", "") for s in segments]
        docs.append(doc(i, "", ["\n".join(segments)]))
    backend.index(docs)
    queries = {"".join(rng.choice(alphabet[:11]) for _ in range(n)) for n in (1, 2, 3) for _ in range(15)}
    for i in rng.sample(sorted(texts), 15):  # substrings of real texts, some across a line break
        raw = "".join(texts[i])
        start = rng.randrange(len(raw))
        queries.add(raw[start : start + rng.randint(1, 8)])
    for query in sorted(q for q in queries if q.strip("，。")):
        expected = {i for i, segs in texts.items() if any(query in s for s in segs)}
        assert ids(backend, f'"{query}"') == expected, query


def test_traditional_finds_simplified_and_back(index: SearchBackend) -> None:
    assert {1, 2, 7} <= ids(index, "档案")  # 1 is written in Traditional characters
    assert ids(index, "檔案") == ids(index, "档案")
    assert ids(index, "學校檔案管理") == {1} == ids(index, "学校档案管理")


def test_no_match_across_a_line_break(index: SearchBackend) -> None:
    assert 4 not in ids(index, "档案")
    assert 4 in ids(index, "案馆建设")
    assert ids(index, "档案馆") == set()


def test_ocr_spacing_between_characters_still_matches(index: SearchBackend) -> None:
    assert 7 in ids(index, "学校档案室")


def test_brackets_in_doc_numbers_match_every_style(index: SearchBackend) -> None:
    for typed in (
        "长教发〔2023〕12号",
        "长教发[2023]12号",
        "长教发(2023)12号",
        "長教發（2023）12號",
        "长教发【2023】12号",
    ):
        assert ids(index, typed) == {1}, typed
        assert ids(index, f"doc_number:{typed}") == {1}, typed
    assert ids(index, "湘政办发〔2018〕7号") == {5}


def test_field_queries(index: SearchBackend) -> None:
    assert ids(index, "title:通知") == {1}
    assert ids(index, "creator:教育局") == {1}
    assert ids(index, "department:基建处") == {4}
    assert ids(index, "category:ws") == {1, 7}
    assert ids(index, "fonds:J003") == {6}
    assert ids(index, 'title:"annual report"') == {6}
    assert ids(index, "reference_code:J001-WS·2023") == {1}
    assert ids(index, "title:验收合格") == set()  # in the text, not the title


def test_year_queries_and_ranges(index: SearchBackend) -> None:
    assert ids(index, "year:2021") == {4, 6}
    assert ids(index, "year:2018..2020") == {2, 5, 7}
    assert ids(index, "year:2021..") == {1, 4, 6}
    assert ids(index, "year:..2018") == {5}


def test_boolean_operators(index: SearchBackend) -> None:
    assert ids(index, "档案 NOT 会计") == {1, 7}
    assert ids(index, "档案 -会计 -学籍") == {1}
    assert ids(index, "表彰 OR 验收") == {4, 5}
    assert ids(index, "(表彰 OR 验收) AND 合格") == {4}
    assert ids(index, "-档案") == {3, 4, 5, 6} - {3}
    assert ids(index, "档案 AND 服务器") == {2}


def test_english_words_and_prefix(index: SearchBackend) -> None:
    assert ids(index, "archives") == {2, 6}
    assert ids(index, "ARCHIVES") == {2, 6}
    assert ids(index, "archiv*") == {2, 6}
    assert ids(index, '"windows server"') == {2}
    assert ids(index, '"server windows"') == set()
    assert ids(index, "archive") == {6}  # no stemming: "archive" is its own word


def test_empty_query_lists_every_visible_record(index: SearchBackend) -> None:
    assert ids(index, "") == {1, 2, 4, 5, 6, 7}


def test_record_id_searches_within_one_record(index: SearchBackend) -> None:
    assert ids(index, "档案", record_id=2) == {2}
    assert ids(index, "表彰", record_id=2) == set()


# Facets, filters, sorting, paging ------------------------------------------------------


def facets(backend: SearchBackend, query: str, **kw: object) -> dict[str, dict[str, int]]:
    """Facet counts as {facet: {value: count}}."""
    response = backend.search(SearchRequest(query=query, clearance=OPEN_ONLY, **kw))  # type: ignore[arg-type]
    return {name: {c.value: c.count for c in counts} for name, counts in response.facets.items()}


def test_facets_count_the_matches_and_follow_filters(index: SearchBackend) -> None:
    all_counts = facets(index, "")
    assert all_counts["category"] == {"WS": 2, "KJ": 1, "JJ": 1, "RS": 1, "KY": 1}
    assert all_counts["year"]["2021"] == 2
    assert set(all_counts) == {
        "category",
        "year",
        "department",
        "fonds",
        "retention",
        "access_level",
        "file_type",
        "language",
    }
    filtered = facets(index, "", filters={"category": ["WS"]})
    assert filtered["category"] == {"WS": 2}
    assert filtered["year"] == {"2023": 1, "2019": 1}
    assert filtered["file_type"] == {"pdf": 1, "image": 1}
    assert facets(index, "档案")["category"] == {"WS": 2, "KJ": 1}
    two = facets(index, "", filters={"category": ["WS", "KJ"], "year": ["2020"]})
    assert two["category"] == {"KJ": 1}


def test_date_range_filter(index: SearchBackend) -> None:
    assert ids(index, "", date_from=dt.date(2021, 1, 1)) == {1, 4, 6}
    assert ids(index, "", date_from=dt.date(2020, 1, 1), date_to=dt.date(2021, 6, 30)) == {2, 6}
    assert 7 not in ids(index, "", date_to=dt.date(2030, 1, 1))  # undated records drop out of a date range


def order(backend: SearchBackend, sort: str) -> list[int]:
    """Hit ids of the whole corpus in a sort order."""
    response = backend.search(SearchRequest(query="", sort=sort, limit=50, clearance=OPEN_ONLY, facets=()))
    return [h.id for h in response.hits]


def test_sorting(index: SearchBackend) -> None:
    assert order(index, "date_desc") == [1, 4, 6, 2, 5, 7]
    assert order(index, "date_asc") == [5, 2, 6, 4, 1, 7]
    titles = [fold(next(d.title for d in CORPUS if d.id == i)) for i in order(index, "title")]
    assert titles == sorted(titles)


def test_relevance_prefers_title_matches(index: SearchBackend) -> None:
    response = index.search(SearchRequest(query="档案", clearance=OPEN_ONLY))
    assert response.hits[0].id in {1, 2, 7}
    assert response.hits[0].score >= response.hits[-1].score


def test_pagination_gives_exact_total_and_disjoint_pages(index: SearchBackend) -> None:
    seen: list[int] = []
    for offset in (0, 2, 4, 6):
        response = index.search(SearchRequest(query="", sort="date_desc", limit=2, offset=offset, clearance=OPEN_ONLY))
        assert response.total == 6
        seen.extend(h.id for h in response.hits)
    assert seen == order(index, "date_desc")
    beyond = index.search(SearchRequest(query="", limit=5, offset=100, clearance=OPEN_ONLY))
    assert beyond.total == 6 and beyond.hits == []
    counts_only = index.search(SearchRequest(query="档案", limit=0, clearance=OPEN_ONLY))
    assert counts_only.total == 3 and counts_only.hits == []
    assert {c.value: c.count for c in counts_only.facets["category"]} == {"WS": 2, "KJ": 1}


# Snippets and pages -----------------------------------------------------------------------------


def plain(snippet: str) -> str:
    """A snippet without marks, ellipses and escaping."""
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", "")).strip("…")


def test_snippets_mark_the_match_in_original_characters(index: SearchBackend) -> None:
    hit = index.search(SearchRequest(query="档案管理", clearance=OPEN_ONLY)).hits[0]
    assert hit.id == 1
    assert "<mark>檔案管理</mark>" in hit.snippet  # marked in the record's own (Traditional) text
    assert [p.number for p in hit.pages] == [1]
    hit = index.search(SearchRequest(query="自查表", clearance=OPEN_ONLY)).hits[0]
    assert [p.number for p in hit.pages] == [2]
    assert "<mark>自查表</mark>" in hit.pages[0].snippet


def test_snippets_are_escaped_and_never_cut_a_character(index: SearchBackend) -> None:
    hit = index.search(SearchRequest(query="markup", clearance=OPEN_ONLY)).hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    hit = index.search(SearchRequest(query="生僻字", clearance=OPEN_ONLY)).hits[0]
    page = next(d for d in CORPUS if d.id == 7).pages[0].text.replace("\n", " ")
    assert plain(hit.snippet) in page
    assert "𠀀𠀁 <mark>生僻字</mark>" in hit.snippet


def test_long_page_snippet_is_a_window_around_the_match(backend: SearchBackend) -> None:
    text = "前" * 500 + "目标词" + "后" * 500
    backend.index([doc(50, "长文", [text])])
    hit = backend.search(SearchRequest(clearance=EVERY_LEVEL, query="目标词")).hits[0]
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "<mark>目标词</mark>" in hit.snippet
    assert len(plain(hit.snippet)) < 200 and plain(hit.snippet) in text


def test_response_terms_are_the_normalised_positive_terms(index: SearchBackend) -> None:
    response = index.search(SearchRequest(query='檔案 "Windows Server" -会计 archiv*', clearance=OPEN_ONLY))
    assert response.terms == ["档案", "windows server", "archiv*"]


# Access -------------------------------------------------------------------------------------------


def test_restricted_record_gives_no_hit_snippet_or_facet_count(index: SearchBackend) -> None:
    response = index.search(SearchRequest(query="青鸾", clearance=OPEN_ONLY))
    assert response.total == 0 and response.hits == []
    assert all(counts == [] for counts in response.facets.values())
    everything = facets(index, "")
    assert "restricted" not in everything["access_level"]
    assert "J002" in everything["fonds"] and everything["fonds"]["J002"] == 1  # only record 4


def test_restricted_record_found_with_a_grant_or_the_level(index: SearchBackend) -> None:
    granted = Clearance(frozenset({"open"}), frozenset({3}))
    assert ids(index, "青鸾", clearance=granted) == {3}
    assert ids(index, "青鸾", clearance=Clearance(frozenset({"restricted"}))) == {3}
    assert ids(index, "青鸾", clearance=EVERY_LEVEL) == {3}
    assert ids(index, "", clearance=Clearance(frozenset())) == set()


def test_internal_level_is_hidden_from_open_only_callers(index: SearchBackend) -> None:
    assert ids(index, "表彰", clearance=Clearance(frozenset({"open"}))) == set()
    assert ids(index, "表彰", clearance=OPEN_ONLY) == {5}


# Writing and errors -------------------------------------------------------------------------------


def test_replace_and_delete(index: SearchBackend) -> None:
    changed = doc(5, "关于表彰优秀班主任的决定", ["改为班主任"], revision=2, access_level="open", year=2018)
    index.index([changed])
    assert ids(index, "班主任") == {5}
    assert ids(index, "优秀教师") == set()
    assert index.revisions()[5] == 2
    index.delete([5, 6])
    assert ids(index, "班主任") == set()
    assert set(index.revisions()) == {1, 2, 3, 4, 7}


@pytest.mark.parametrize(
    "query", ['"档案', "(档案", "档案)", "档案 AND", "OR 档案", "NOT", "year:2020..2018", "year:abc", "title:"]
)
def test_malformed_queries_raise_a_clear_error(index: SearchBackend, query: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        index.search(SearchRequest(clearance=EVERY_LEVEL, query=query))
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message_zh)
    assert caught.value.message_en.startswith("Query error")
    assert caught.value.http_status == 400


def test_bad_filter_or_sort_is_an_input_error(index: SearchBackend) -> None:
    with pytest.raises(QuerySyntaxError):
        index.search(SearchRequest(clearance=EVERY_LEVEL, filters={"colour": ["red"]}))
    with pytest.raises(QuerySyntaxError):
        index.search(SearchRequest(clearance=EVERY_LEVEL, sort="random"))
    with pytest.raises(QuerySyntaxError):
        index.search(SearchRequest(clearance=EVERY_LEVEL, filters={"year": ["twenty"]}))
    with pytest.raises(QuerySyntaxError):
        index.search(SearchRequest(clearance=EVERY_LEVEL, offset=10**9))
