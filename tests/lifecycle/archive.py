"""A generated archive of records from 1990 to 2024 for the lifecycle tests.

Each year has, in 办公室 (BGS): one internal record of each 保管期限 (永久, 定期30年, 定期10年), a
secret permanent record and a public record marked 控制 (定期30年). Every record has an original
on disk, one page of text and a derivative page image, and is indexed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.models import OriginalFile, Page, Record
from archive.departments import assign_clerk, save_department
from archive.description.records import Editor, everything, settle
from indexer.context import Lantai
from indexer.search.documents import index_records

YEARS = range(1990, 2025)
DEPARTMENTS = (("BGS", "办公室"), ("CWC", "财务处"), ("JWC", "教务处"))  # 教务处 has no clerk
USERS = (("admin", "admin"), ("admin2", "admin"), ("archivist", "archivist"), ("archivist2", "archivist"),
         ("bgs", "clerk"), ("cwc", "clerk"))


@dataclass(frozen=True)
class Kind:
    """One kind of generated record."""

    name: str
    retention: str
    classification: str
    openness: str | None = None


KINDS = (
    Kind("internal-Y", "Y", "内部"),
    Kind("internal-D30", "D30", "内部"),
    Kind("internal-D10", "D10", "内部"),
    Kind("secret-Y", "Y", "秘密"),
    Kind("controlled-D30", "D30", "公开", "控制"),
)


def add_people(lantai: Lantai) -> None:
    """The departments and one account per person of the workflow (clerk bgs of 办公室, cwc of 财务处)."""
    with lantai.catalog.session() as session:
        for code, name in DEPARTMENTS:
            save_department(session, code=code, name=name, actor=CLI)
        for username, role in USERS:
            session.add(User(username=username, role=role, password_hash="-", active=True, failed_logins=0))
        session.flush()
        for username, code in (("bgs", "BGS"), ("cwc", "CWC")):
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None
            assign_clerk(session, user, code, actor=CLI)


def user(lantai: Lantai, username: str) -> User:
    """An account, detached."""
    with lantai.catalog.session() as session:
        found = session.scalar(select(User).where(User.username == username))
        assert found is not None
        session.expunge(found)
        return found


def add_record(lantai: Lantai, year: int, kind: Kind, department: str = "BGS") -> int:
    """One described record of ``kind`` with its original and a page image on disk (not indexed)."""
    with lantai.catalog.session() as session:
        return _add(lantai, session, year, kind, department)


def _add(lantai: Lantai, session: Session, year: int, kind: Kind, department: str) -> int:
    title = f"{year}年{kind.name}档案"
    stored = lantai.storage.put_original(io.BytesIO(f"%PDF-1.4 {title} {department}".encode()))
    record = Record(title=title, fonds_code="J001", category_code="WS", year=year, retention=kind.retention,
                    department_code=department, classification=kind.classification, openness=kind.openness,
                    date=dt.date(year, 6, 1), page_count=1, status="done", extra={})
    record.files.append(OriginalFile(sha256=stored.sha256, size=stored.size, mime_type="application/pdf",
                                     original_filename=f"{title}.pdf", storage_key=stored.key))
    session.add(record)
    session.flush()
    record.pages.append(Page(number=1, text=f"{title} 正文 档案{record.id}号",
                             image_key=f"records/{record.id}/page-0001.jpg"))
    settle(session, record, lantai.settings, Editor(CLI, everything), via="test", level_before=None)
    lantai.storage.put_derivative(f"records/{record.id}/page-0001.jpg", b"jpeg")
    return record.id


def generate(lantai: Lantai) -> dict[tuple[int, str], int]:
    """The whole archive: (year, kind name) -> record id, all indexed."""
    add_people(lantai)
    with lantai.catalog.session() as session:
        ids = {(year, kind.name): _add(lantai, session, year, kind, "BGS") for year in YEARS for kind in KINDS}
    index_records(lantai, list(ids.values()))
    return ids
