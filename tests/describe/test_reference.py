"""档号: the DA/T 22 pattern, stability, gapless 件号 under concurrency, imported codes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from archive.catalog.db import Catalog
from archive.catalog.description import ReferenceCounter
from archive.catalog.models import Record
from archive.description.reference import (
    ReferenceCodeError,
    ReferencePattern,
    apply_imported_code,
    assign_reference_code,
    validate_imported_code,
)
from archive.vocabulary import RecordStatus
from tests.describe.concurrency import PATTERN, SERIES, describe_many


def _record(**fields: object) -> Record:
    values = {**SERIES, **fields}
    return Record(title="t", status=RecordStatus.DONE, extra={}, **values)


def test_pattern_formats_and_parses_the_da_t_22_example() -> None:
    pattern = ReferencePattern.compile(PATTERN)
    parts = {"fonds": "J001", "category": "WS", "year": 2023, "retention": "D30", "department": "BGS", "item": 12}
    assert pattern.format(parts) == "J001-WS·2023-D30-BGS-0012"
    assert pattern.parse("J001-WS·2023-D30-BGS-0012") == parts
    with pytest.raises(ReferenceCodeError) as caught:
        pattern.parse("J001-WS-2023-D30-BGS-12")
    assert "不符合格式" in caught.value.message_zh and "J001-WS·2023-D30-BGS-0012" in caught.value.message_en


def test_a_pattern_without_department_and_a_bad_pattern() -> None:
    pattern = ReferencePattern.compile("{fonds}-{category}·{year}-{retention}-{item:03d}")
    assert pattern.parse("J002-KJ·2020-Y-007")["item"] == 7
    with pytest.raises(ReferenceCodeError):
        ReferencePattern.compile("{fonds}-{colour}-{item}")
    with pytest.raises(ReferenceCodeError):
        ReferencePattern.compile("{category}-{year}")  # no fonds, no item


def test_numbers_are_per_series_and_a_code_is_never_regenerated(catalog: Catalog) -> None:
    with catalog.session() as session:
        first, second = _record(), _record()
        other = _record(department_code="JWC")
        incomplete = _record(retention=None)
        session.add_all([first, second, other, incomplete])
        session.flush()
        assert assign_reference_code(session, first, PATTERN) == "J001-WS·2023-D30-BGS-0001"
        assert assign_reference_code(session, second, PATTERN) == "J001-WS·2023-D30-BGS-0002"
        assert assign_reference_code(session, other, PATTERN) == "J001-WS·2023-D30-JWC-0001"
        assert assign_reference_code(session, incomplete, PATTERN) is None
        assert incomplete.reference_code is None and incomplete.item_number is None
        first.year = 2024  # a later edit does not renumber
        assert assign_reference_code(session, first, PATTERN) == "J001-WS·2023-D30-BGS-0001"
        assert first.extra["provenance"]["reference_code"]["by"] == "machine"


def test_a_rolled_back_assignment_gives_its_number_back(catalog: Catalog) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), catalog.session() as session:
        record = _record()
        session.add(record)
        session.flush()
        assert assign_reference_code(session, record, PATTERN) == "J001-WS·2023-D30-BGS-0001"
        raise Abort
    with catalog.session() as session:
        record = _record()
        session.add(record)
        session.flush()
        assert assign_reference_code(session, record, PATTERN) == "J001-WS·2023-D30-BGS-0001"


def _assert_gapless(catalog: Catalog, expected: int, codes: list[str]) -> None:
    assert len(codes) == expected and len(set(codes)) == expected, "duplicate 档号"
    with catalog.session() as session:
        numbers = sorted(n for n in session.scalars(select(Record.item_number)) if n is not None)
        counter = session.scalars(select(ReferenceCounter)).one()
    assert numbers == list(range(1, expected + 1)), "gap or duplicate in 件号"
    assert counter.last_item == expected


def test_concurrent_threads_get_gapless_unique_numbers(catalog: Catalog) -> None:
    workers, each = 4, 8
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda w: describe_many(catalog.url, each, w), range(workers)))
    _assert_gapless(catalog, workers * each, [code for codes in results for code in codes])


@pytest.mark.slow
def test_concurrent_processes_get_gapless_unique_numbers(catalog: Catalog) -> None:
    workers, each = 3, 6
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        results = pool.starmap(describe_many, [(catalog.url, each, w) for w in range(workers)])
    _assert_gapless(catalog, workers * each, [code for codes in results for code in codes])


def test_imported_codes_are_validated_with_clear_errors(catalog: Catalog) -> None:
    with catalog.session() as session:
        taken = _record()
        session.add(taken)
        session.flush()
        apply_imported_code(session, taken, "J001-WS·2023-D30-BGS-0012", PATTERN)
        assert taken.item_number == 12
        fresh = Record(title="new", status=RecordStatus.DONE, extra={})
        session.add(fresh)
        session.flush()
        with pytest.raises(ReferenceCodeError, match="already used"):
            validate_imported_code(session, fresh, "J001-WS·2023-D30-BGS-0012", PATTERN)
        with pytest.raises(ReferenceCodeError, match="does not follow"):
            validate_imported_code(session, fresh, "J001/WS/2023/12", PATTERN)
        mismatched = _record(year=2022)
        session.add(mismatched)
        session.flush()
        with pytest.raises(ReferenceCodeError) as caught:
            validate_imported_code(session, mismatched, "J001-WS·2023-D30-BGS-0013", PATTERN)
        assert "year" in caught.value.message_en and "不一致" in caught.value.message_zh
        # An empty record takes its parts from the imported code.
        apply_imported_code(session, fresh, "J001-KJ·2021-Y-CWC-0003", PATTERN)
        assert (fresh.fonds_code, fresh.category_code, fresh.year, fresh.retention, fresh.department_code) == (
            "J001",
            "KJ",
            2021,
            "Y",
            "CWC",
        )
        # The counter moved past the imported number: the next generated one does not collide.
        following = _record()
        session.add(following)
        session.flush()
        assert assign_reference_code(session, following, PATTERN) == "J001-WS·2023-D30-BGS-0013"
