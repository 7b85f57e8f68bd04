"""The catalog on SQLite and PostgreSQL: migrations match the models, records round-trip."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import archive.catalog.all_models  # noqa: F401
from archive.catalog import Catalog, Job, OriginalFile, Page, Record
from archive.catalog.models import Base


def test_migrations_match_the_models(catalog: Catalog) -> None:
    with catalog.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_record_with_original_and_pages_round_trips(catalog: Catalog) -> None:
    with catalog.session() as session:
        record = Record(
            title="关于做好档案归档工作的通知",
            date=dt.date(2023, 5, 12),
            access_level="open",
            extra={"supplied": {"题名": "通知"}},
        )
        record.files.append(
            OriginalFile(
                sha256="a" * 64,
                size=10,
                mime_type="application/pdf",
                original_filename="通知.pdf",
                storage_key="aa/aa/" + "a" * 64,
            )
        )
        record.pages.append(
            Page(
                number=1,
                text="各区县教育局：",
                source="ocr",
                confidence=91.5,
                words=[["各区县", 92.0, 10, 20, 120, 40]],
            )
        )
        session.add(record)
    with catalog.session() as session:
        loaded = session.scalars(select(Record)).one()
        assert loaded.original is not None and loaded.original.original_filename == "通知.pdf"
        assert loaded.pages[0].words == [["各区县", 92.0, 10, 20, 120, 40]]
        assert loaded.extra["supplied"]["题名"] == "通知"
        assert loaded.date == dt.date(2023, 5, 12)


def test_one_original_per_sha256(catalog: Catalog) -> None:
    with pytest.raises(IntegrityError), catalog.session() as session:
        for n in range(2):
            record = Record(title=f"r{n}")
            record.files.append(
                OriginalFile(
                    sha256="b" * 64, size=1, mime_type="text/plain", original_filename="x.txt", storage_key="k"
                )
            )
            session.add(record)
            session.flush()


def test_page_numbers_are_unique_per_record(catalog: Catalog) -> None:
    with pytest.raises(IntegrityError), catalog.session() as session:
        record = Record(title="r")
        record.pages.extend([Page(number=1, text="a"), Page(number=1, text="b")])
        session.add(record)


def test_jobs_have_progress(catalog: Catalog) -> None:
    with catalog.session() as session:
        job = Job(kind="ingest", pages_done=3, pages_total=10)
        session.add(job)
        session.flush()
        job_id = job.id
    with catalog.session() as session:
        loaded = session.get(Job, job_id)
        assert loaded is not None and (loaded.pages_done, loaded.pages_total, loaded.status) == (3, 10, "queued")


def test_known_heads_are_the_migrations_heads(catalog: Catalog) -> None:
    from alembic.script import ScriptDirectory

    from archive.catalog.db import HEADS, alembic_config

    script = ScriptDirectory.from_config(alembic_config(catalog.url))
    assert set(script.get_heads()) == HEADS
    assert catalog.schema_version() == HEADS  # the fixture's catalog is upgraded
