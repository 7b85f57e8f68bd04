"""Who is asking and what they may see: the one place the record routes check access.

Every route of the record, upload and API areas that touches a record goes through
``visible_record`` (metadata) or ``readable_record`` (page images, text, downloads), which
call ``indexer.access.load_record``: a record the caller may not know about is a 404, the
same as a record that does not exist; one they may know of but not read is a 403.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from config.errors import LantaiError
from indexer.access import can_request, can_view_content, can_view_metadata, clearance_for, load_record
from indexer.catalog.models import Record
from indexer.context import Lantai
from indexer.search.base import Clearance
from portal.auth import current_user as auth_current_user


class StaffOnly(LantaiError):
    """Only archivists and administrators may do this."""

    code = "staff_only"
    http_status = 403
    default_zh = "仅限档案工作人员"
    default_en = "Archive staff only"


class SignInRequired(LantaiError):
    """The action needs a signed-in user (or an API token)."""

    code = "unauthorized"
    http_status = 401
    default_zh = "请先登录（或使用 API 令牌）"
    default_en = "Please sign in (or use an API token) first"


def lantai() -> Lantai:
    """The app's Lantai context."""
    return current_app.extensions["lantai"]


def current_user() -> Any:
    """The signed-in user (``None`` for an anonymous visitor), as portal-core's auth set it."""
    return auth_current_user()


def user_name(user: Any) -> str:
    """The name stamped on downloads."""
    if user is None:
        return "访客 guest"
    return str(getattr(user, "label", None) or getattr(user, "username", "user"))


def clearance(session: Session) -> Clearance:
    """The current caller's clearance for searches."""
    return clearance_for(current_user(), session)


def visible_record(session: Session, record_id: int) -> Record:
    """The record if the caller may see its description; else 404 (as for a missing record)."""
    return load_record(current_user(), record_id, session)


def readable_record(session: Session, record_id: int) -> Record:
    """The record if the caller may read its pages and files; 403 when only its description is visible."""
    return load_record(current_user(), record_id, session, content=True)


def may_see(session: Session, record: Record) -> bool:
    """Whether the caller may see this record's description."""
    return bool(can_view_metadata(current_user(), record, session))


def may_read(session: Session, record: Record) -> bool:
    """Whether the caller may read this (visible) record's content."""
    return bool(can_view_content(current_user(), record, session))


def may_request(session: Session, record: Record) -> bool:
    """Whether the caller may ask for access to this record (a researcher, a restricted record)."""
    return bool(can_request(current_user(), record, session))


def require_staff() -> Any:
    """The current user if staff; ``SignInRequired`` for anonymous callers, else ``StaffOnly``."""
    user = current_user()
    if user is None:
        raise SignInRequired()
    if not getattr(user, "is_staff", False):
        raise StaffOnly()
    return user
