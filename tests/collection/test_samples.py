"""What ``make run`` loads for collection: the sample departments, the school starter schedule and
the demo clerk's department; a sample document's 机构 then resolves, so it gets its 档号."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from archive.catalog.audit import AuditEvent
from archive.catalog.collection import ScheduleLine
from archive.catalog.models import Record
from archive.departments import clerk_department
from cli.operator import CLI
from cli.serve import COLLECTION_SAMPLES, create_demo_accounts
from collection.samples import load_collection_samples
from indexer.context import Lantai
from indexer.ingest import submit_file
from indexer.manifest import read_manifest
from indexer.process import process_job

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_make_run_loads_departments_schedule_and_clerk(lantai: Lantai) -> None:
    assert "clerk" in create_demo_accounts(lantai)
    with lantai.catalog.session() as db:
        loaded = load_collection_samples(db, SAMPLES / COLLECTION_SAMPLES, actor=CLI)
        assert loaded == {"departments": 3, "schedule": "school", "clerks": ["clerk"]}
        assert db.scalar(select(func.count(ScheduleLine.id)).where(ScheduleLine.active)) == 11
        from archive.catalog.accounts import User

        clerk = db.scalars(select(User).where(User.username == "clerk")).one()
        department = clerk_department(db, clerk)
        assert department is not None and department.code == "BGS"
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"department_change", "schedule_change", "clerk_assign"} <= actions
    with lantai.catalog.session() as db:  # loading again changes nothing (a second start)
        again = load_collection_samples(db, SAMPLES / COLLECTION_SAMPLES, actor=CLI)
        assert again["schedule"] is None
        assert db.scalar(select(func.count(ScheduleLine.id)).where(ScheduleLine.active)) == 11
    notice = next(r for r in read_manifest(SAMPLES / "manifest.csv") if r.path.name == "notice-2023-12.pdf")
    submission = submit_file(lantai, notice.path, metadata=notice.values, dispatch=False, actor=CLI)
    assert submission.job_id is not None
    process_job(lantai, submission.job_id)
    with lantai.catalog.session() as db:
        record = db.get(Record, submission.record_id)
        assert record is not None and record.reference_code == "J001-WS·2023-D30-BGS-0001"
