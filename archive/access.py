"""The access policy: who may know of, and who may read, a record at each access level.

Levels (访问级别): ``open`` (公开) anyone allowed to search (the public too when
``public_search``); ``internal`` (内部) staff; ``restricted`` (受控) staff, and researchers
holding an unexpired grant; ``secret`` (涉密) never served online: administrators see it
only as a catalogue entry (metadata), nobody gets its text, pages or files.

Two questions, two answers: "may the user know this record exists" (metadata) and "may
the user read it" (content: text, page images, thumbnails, downloads). A record whose
existence the user may not know gives 404, exactly like a missing one; a record the user may
know of but not read gives 403 (so a researcher can ask for access to a restricted record).
Search applies the same policy through ``clearance_for`` inside the backend.

Department clerks (部门兼职档案员) see what any member of the body's staff may: open and
internal records (not restricted or secret ones, and they ask for none). Records still in a
transfer (``custody`` submitted) are not yet the archive's: archive staff and the clerks of the
submitting department see them, nobody else. A record withdrawn from the portal
(``withdrawn_at``) is out of search and known to archive staff alone, so they can restore it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.accounts import Grant, User
from archive.catalog.collection import Department, DepartmentClerk
from archive.catalog.description import ReviewItem
from archive.catalog.models import Record, utcnow
from archive.vocabulary import STAFF_ROLES, AccessLevel, Classification, Openness, Role
from config.errors import ExitCode, LantaiError, NotFoundError

OPEN, INTERNAL, RESTRICTED, SECRET = (level.value for level in AccessLevel)


@dataclass(frozen=True)
class Clearance:
    """What a search caller may see: whole access levels, plus single records granted to them.

    There is no default: every search states whose clearance it runs with (``clearance_for``).
    """

    levels: frozenset[str]
    granted_ids: frozenset[int] = frozenset()

    def allows(self, access_level: str, record_id: int) -> bool:
        """Whether a record with this level and id is visible."""
        return access_level in self.levels or record_id in self.granted_ids


def level_for(
    classification: str | None,
    openness: str | None,
    default: str = INTERNAL,
    *,
    override: str | None = None,
    secret_pending: bool = False,
) -> AccessLevel:
    """The one rule: a record's access level from its 密级 and 开放标识.

    ==========================  ==========================
    密级 / 开放标识              access level
    ==========================  ==========================
    秘密, 机密 or 绝密           ``secret`` (whatever the openness)
    内部                         ``internal``
    公开 + 开放                  ``open``
    公开 + 控制                  ``restricted``
    anything missing             ``default`` (the setting ``LANTAI_DEFAULT_ACCESS_LEVEL``),
                                 except that 控制 never yields ``open``: it gives ``restricted``
    ==========================  ==========================

    A pending machine suggestion of 秘密/机密/绝密 (``secret_pending``) keeps a record with no
    密级 secret until a person decides. A level a person set (``override``) takes the place of
    the default where 密级 and 开放标识 say nothing, and elsewhere counts only where it is
    stricter than the rule: a person may close a record further, never open one that its 密级
    and 开放标识 close; such a record is opened only by changing those (the opening review).
    """
    derived: AccessLevel
    if classification in SECRET_VALUES or (classification in (None, "") and secret_pending):
        derived = AccessLevel.SECRET
    elif classification == Classification.INTERNAL:
        derived = AccessLevel.INTERNAL
    elif classification == Classification.PUBLIC and openness == Openness.OPEN:
        derived = AccessLevel.OPEN
    elif classification == Classification.PUBLIC and openness == Openness.CONTROLLED:
        derived = AccessLevel.RESTRICTED
    else:  # 密级 and 开放标识 say nothing: a person's choice, else the archive's default
        chosen = AccessLevel(override or default)
        if openness == Openness.CONTROLLED and chosen == AccessLevel.OPEN:
            return AccessLevel.RESTRICTED  # 控制 never yields open
        return chosen
    if override:
        return AccessLevel.stricter(derived, override)
    return derived


SECRET_VALUES = frozenset(c.value for c in Classification if c.is_secret)


def record_level(session: Session, record: Record, default: str) -> AccessLevel:
    """The access level ``record`` has by the rule now (``level_for`` on its own fields).

    A pending machine suggestion of 秘密/机密/绝密 for its empty 密级 keeps it secret.
    """
    pending = False
    if record.classification in (None, "") and record.id is not None:
        pending = (
            session.scalar(
                select(ReviewItem.id)
                .where(
                    ReviewItem.record_id == record.id,
                    ReviewItem.field == "classification",
                    ReviewItem.status == "pending",
                    ReviewItem.suggested_value.in_(SECRET_VALUES),
                )
                .limit(1)
            )
            is not None
        )
    return level_for(
        record.classification, record.openness, default, override=record.access_override, secret_pending=pending
    )

# Levels whose hits and facet counts a role sees in search. A secret record's text is never
# indexed (indexer.search.documents), so administrators find secret records by their catalogue
# entry only (title, 档号, 文号 ...): no snippet, no page, never their text.
SEARCH_LEVELS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({OPEN, INTERNAL, RESTRICTED, SECRET}),
    Role.ARCHIVIST: frozenset({OPEN, INTERNAL, RESTRICTED}),
    Role.RESEARCHER: frozenset({OPEN}),
    Role.CLERK: frozenset({OPEN, INTERNAL}),
}
CLERK_LEVELS = SEARCH_LEVELS[Role.CLERK]


class AccessDenied(LantaiError):
    """The user may know the record exists but may not read it (HTTP 403)."""

    code = "access_denied"
    exit_code = ExitCode.NO_PERMISSION
    http_status = 403
    default_zh = "无权查看此档案的内容"
    default_en = "You may not view the content of this record"


class RecordHidden(NotFoundError):
    """The record does not exist, or the user may not know that it does (HTTP 404)."""

    code = "record_not_found"
    default_zh = "未找到该档案"
    default_en = "No such record"


def _active(user: User | None) -> User | None:
    """The user if the account may act at all (a disabled account counts as anonymous)."""
    return user if user is not None and user.active else None


def granted_record_ids(user: User, session: Session, now: dt.datetime | None = None) -> frozenset[int]:
    """Ids of the restricted records ``user`` holds an unexpired, unrevoked grant for (checked now).

    A grant opens restricted records only: one left on a record later made secret opens nothing.
    """
    now = now or utcnow()
    rows = session.scalars(
        select(Grant.record_id)
        .join(Record, Record.id == Grant.record_id)
        .where(
            Grant.user_id == user.id,
            Grant.revoked_at.is_(None),
            Grant.expires_at > now,
            Record.access_level == RESTRICTED,
        )
    )
    return frozenset(rows)


def has_grant(user: User, record_id: int, session: Session, now: dt.datetime | None = None) -> bool:
    """Whether ``user`` holds an unexpired, unrevoked grant for the record."""
    now = now or utcnow()
    found = session.scalar(
        select(Grant.id)
        .where(
            Grant.user_id == user.id,
            Grant.record_id == record_id,
            Grant.revoked_at.is_(None),
            Grant.expires_at > now,
        )
        .limit(1)
    )
    return found is not None


def operator_clearance() -> Clearance:
    """The clearance of an operator at the command line: an administrator's (never secret text)."""
    return Clearance(SEARCH_LEVELS[Role.ADMIN])


def clearance_for(user: User | None, session: Session, *, public_search: bool) -> Clearance:
    """What ``user`` (None: anonymous) may find in search: levels plus granted record ids.

    ``public_search`` is the setting ``LANTAI_PUBLIC_SEARCH`` (anonymous visitors may search).
    """
    user = _active(user)
    if user is None:
        return Clearance(frozenset({OPEN}) if public_search else frozenset())
    levels = SEARCH_LEVELS.get(user.role, frozenset())
    granted = granted_record_ids(user, session) if user.role == Role.RESEARCHER else frozenset()
    return Clearance(levels, granted)


def _submitted_visible(user: User | None, record: Record, session: Session) -> bool:
    """Whether ``user`` may see a record still in a transfer: staff, and the submitting department's clerks."""
    if user is None:
        return False
    if user.role in STAFF_ROLES:
        return record.access_level != SECRET or user.role == Role.ADMIN
    if user.role != Role.CLERK:
        return False
    code = session.scalar(
        select(Department.code)
        .join(DepartmentClerk, DepartmentClerk.department_id == Department.id)
        .where(DepartmentClerk.user_id == user.id)
    )
    return code is not None and code == record.department_code and record.access_level != SECRET


def _withdrawn_visible(user: User | None, record: Record) -> bool:
    """Whether ``user`` may see a withdrawn record: archive staff (a secret one: administrators)."""
    if user is None or user.role not in STAFF_ROLES:
        return False
    return record.access_level != SECRET or user.role == Role.ADMIN


def can_view_metadata(
    user: User | None, record: Record, session: Session, *, public_search: bool
) -> bool:
    """Whether ``user`` may know that ``record`` exists and see its catalogue entry."""
    user = _active(user)
    level = record.access_level
    if record.withdrawn_at is not None:
        return _withdrawn_visible(user, record)
    if record.custody is not None:
        return _submitted_visible(user, record, session)
    if user is None:
        return level == OPEN and public_search
    if level == OPEN:
        return True
    if level == SECRET:
        return user.role == Role.ADMIN
    if user.role in STAFF_ROLES:
        return True
    if user.role == Role.CLERK:
        return level in CLERK_LEVELS
    # Researchers may see the catalogue entry of a restricted record, so they can ask for it.
    return level == RESTRICTED and user.role == Role.RESEARCHER


def can_view_content(user: User | None, record: Record, session: Session, *, public_search: bool) -> bool:
    """Whether ``user`` may read ``record``: text, page images, thumbnails, downloads."""
    user = _active(user)
    level = record.access_level
    if level == SECRET:
        return False
    if record.withdrawn_at is not None:
        return _withdrawn_visible(user, record)
    if record.custody is not None:
        return _submitted_visible(user, record, session)
    if user is None:
        return level == OPEN and public_search
    if user is not None and user.role == Role.CLERK:
        return level in CLERK_LEVELS
    if level == OPEN or user.role in STAFF_ROLES:
        return level in (OPEN, INTERNAL, RESTRICTED)
    if level == RESTRICTED and user.role == Role.RESEARCHER:
        return has_grant(user, record.id, session)
    return False


def check_metadata(user: User | None, record: Record | None, session: Session, *, public_search: bool) -> Record:
    """Return ``record`` if ``user`` may see its entry; else raise ``RecordHidden`` (404)."""
    if record is None or not can_view_metadata(user, record, session, public_search=public_search):
        raise RecordHidden()
    return record


def check_content(user: User | None, record: Record | None, session: Session, *, public_search: bool) -> Record:
    """Return ``record`` if ``user`` may read it; ``RecordHidden`` (404) or ``AccessDenied`` (403)."""
    record = check_metadata(user, record, session, public_search=public_search)
    if not can_view_content(user, record, session, public_search=public_search):
        raise AccessDenied()
    return record


def load_record(
    user: User | None, record_id: int, session: Session, *, public_search: bool, content: bool = False
) -> Record:
    """Load a record by id and check it: metadata only, or content too (404/403 as above)."""
    record = session.get(Record, record_id)
    if content:
        return check_content(user, record, session, public_search=public_search)
    return check_metadata(user, record, session, public_search=public_search)


def can_request(user: User | None, record: Record, session: Session) -> bool:
    """Whether ``user`` may ask for access to ``record`` (a researcher, a restricted record not yet granted)."""
    user = _active(user)
    return (
        user is not None
        and user.role == Role.RESEARCHER
        and record.access_level == RESTRICTED
        and record.withdrawn_at is None
        and not has_grant(user, record.id, session)
    )
