"""Saved searches of a user (保存的检索): keep, list, switch the alert, mark seen, delete; every
change audited through ``archive.audit.service`` whoever makes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.audit.service import Actor, Target, Where, record
from archive.catalog.accounts import User
from archive.catalog.models import Record
from archive.catalog.searches import SavedSearch
from archive.vocabulary import AuditAction
from config.errors import InputError, NotFoundError

MAX_PER_USER = 100
NAME_MAX = 128


class SavedSearchError(InputError):
    """A saved search that cannot be kept as asked."""

    code = "bad_saved_search"
    default_zh = "无法保存该检索"
    default_en = "The search cannot be saved"


def highest_record_id(session: Session) -> int:
    """The highest record id now: records above it are new to a search saved or checked now."""
    return int(session.scalar(select(func.max(Record.id))) or 0)


def _audit(session: Session, actor: Actor, saved: SavedSearch, op: str, where: Where | None) -> None:
    record(
        session,
        AuditAction.SAVED_SEARCH,
        actor,
        Target.of("saved_search", saved.id),
        {"op": op, "name": saved.name, "params": saved.params},
        where=where,
    )


def save(
    session: Session,
    user: User,
    *,
    name: str,
    params: str,
    query: str,
    filters: Sequence[tuple[str, str]],
    date_from: dt.date | None,
    date_to: dt.date | None,
    alert: bool,
    where: Where | None = None,
) -> SavedSearch:
    """Keep a search for ``user`` under ``name``; records already there are not new to it."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise SavedSearchError(
            f"A saved search needs a name of 1 to {NAME_MAX} characters", f"请为检索起一个 1 到 {NAME_MAX} 个字的名称"
        )
    count = session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)) or 0
    if count >= MAX_PER_USER:
        raise SavedSearchError(
            f"You have {MAX_PER_USER} saved searches already; delete one first",
            f"已保存 {MAX_PER_USER} 个检索，请先删除一个",
        )
    saved = SavedSearch(
        user_id=user.id,
        name=name,
        params=params,
        query=query,
        filters=[list(f) for f in filters],
        date_from=date_from,
        date_to=date_to,
        alert=alert,
        seen_up_to=highest_record_id(session),
        new_count=0,
        new_ids=[],
    )
    session.add(saved)
    session.flush()
    _audit(session, Actor.of(user), saved, "create", where)
    return saved


def of_user(session: Session, user: User) -> list[SavedSearch]:
    """``user``'s saved searches, newest first."""
    return list(
        session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id.desc()))
    )


def get(session: Session, user: User, search_id: int) -> SavedSearch:
    """One of ``user``'s saved searches; another user's gives 404 like a missing one."""
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user.id:
        raise NotFoundError(f"No saved search {search_id}", f"没有编号为 {search_id} 的已保存检索")
    return saved


def set_alert(session: Session, user: User, search_id: int, alert: bool, where: Where | None = None) -> SavedSearch:
    """Switch the alert on new matches; switching it on starts from the records there now."""
    saved = get(session, user, search_id)
    if saved.alert != alert:
        saved.alert = alert
        if alert:
            saved.seen_up_to = highest_record_id(session)
        _audit(session, Actor.of(user), saved, "alert_on" if alert else "alert_off", where)
    return saved


def mark_seen(session: Session, user: User, search_id: int) -> SavedSearch:
    """The user opened the search: its new matches are no longer new (not a change worth an event)."""
    saved = get(session, user, search_id)
    saved.new_count, saved.new_ids = 0, []
    return saved


def delete(session: Session, user: User, search_id: int, where: Where | None = None) -> None:
    """Forget one of ``user``'s saved searches."""
    saved = get(session, user, search_id)
    _audit(session, Actor.of(user), saved, "delete", where)
    session.delete(saved)


def unseen_total(session: Session, user: User) -> int:
    """New matches over all of ``user``'s saved searches (the in-app alert count)."""
    return int(session.scalar(select(func.sum(SavedSearch.new_count)).where(SavedSearch.user_id == user.id)) or 0)
