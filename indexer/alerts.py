"""Alerts of saved searches: a periodic task finds records that arrived since a saved search was
last checked and match it, counts them on the search (the in-app alert) and, when SMTP is set
and the user has an address, sends one e-mail.

Only what the user may find now counts: the new records are narrowed to the user's clearance
(levels and grants, ``archive.access``) in the catalog, and the search then runs over exactly
those records (a clearance of record ids: one access term). Records still being processed are
left for the next pass, so none is missed because the index did not have it yet.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.access import Clearance, clearance_for
from archive.audit.service import Actor, Target, record
from archive.catalog.accounts import User
from archive.catalog.models import Record
from archive.catalog.searches import SavedSearch
from archive.mail import MailError, send_mail
from archive.vocabulary import AuditAction, RecordStatus
from indexer.context import Lantai
from indexer.search.base import SearchHit, SearchRequest

log = logging.getLogger(__name__)

SCHEDULER = Actor.system("scheduler")
MAILED_HITS = 10  # titles listed in one alert e-mail
KEPT_IDS = 20  # newest matches kept on the saved search for the portal


def settled_up_to(session: Session) -> int:
    """The highest record id below which every record is indexed or failed (none still in work)."""
    busy = session.scalar(
        select(func.min(Record.id)).where(Record.status.in_((RecordStatus.PENDING, RecordStatus.PROCESSING)))
    )
    if busy is not None:
        return int(busy) - 1
    return int(session.scalar(select(func.max(Record.id))) or 0)


def new_matches(
    lantai: Lantai, session: Session, saved: SavedSearch, user: User, top: int
) -> tuple[int, list[SearchHit]]:
    """How many records with ids in (``seen_up_to``, ``top``] match ``saved`` for ``user``, and the newest."""
    clearance = clearance_for(user, session, public_search=lantai.settings.public_search)
    rows = session.execute(
        select(Record.id, Record.access_level).where(
            Record.id > saved.seen_up_to, Record.id <= top, Record.custody.is_(None)
        )
    ).all()
    visible = frozenset(int(i) for i, level in rows if clearance.allows(level, int(i)))
    if not visible:
        return 0, []
    filters: dict[str, list[str]] = {}
    for name, value in saved.filters:
        filters.setdefault(str(name), []).append(str(value))
    response = lantai.search.search(
        SearchRequest(
            clearance=Clearance(frozenset(), visible),
            query=saved.query,
            filters=filters,
            date_from=saved.date_from,
            date_to=saved.date_to,
            sort="date_desc",
            limit=MAILED_HITS,
            facets=(),
        )
    )
    return response.total, response.hits


def _link(lantai: Lantai, path: str) -> str:
    base = (lantai.settings.portal_url or "").rstrip("/")
    return base + path


def _mail(lantai: Lantai, user: User, saved: SavedSearch, total: int, hits: list[SearchHit]) -> str | None:
    """Send the alert e-mail; the error message if it failed (the in-app alert stands)."""
    lines = [
        f"您保存的检索“{saved.name}”有 {total} 件新档案 / {total} new records match your saved search "
        f"\u201c{saved.name}\u201d:",
        "",
        *(f"- {hit.title or hit.filename or hit.id}  {_link(lantai, f'/records/{hit.id}')}" for hit in hits),
        "",
        _link(lantai, f"/search?{saved.params}"),
    ]
    try:
        send_mail(lantai.settings, str(user.email), f"检索提醒 / Search alert: {saved.name}", "\n".join(lines))
    except MailError as exc:
        return exc.message
    return None


def alert_pass(lantai: Lantai, now: dt.datetime) -> str:
    """Check every saved search with an alert against the records that arrived since its last check."""
    alerted = mailed = 0
    with lantai.catalog.session() as session:
        top = settled_up_to(session)
        searches = session.scalars(
            select(SavedSearch)
            .where(SavedSearch.alert.is_(True), SavedSearch.seen_up_to < top)
            .order_by(SavedSearch.id)
        ).all()
        for saved in searches:
            user = session.get(User, saved.user_id)
            total, hits = (0, []) if user is None or not user.active else new_matches(lantai, session, saved, user, top)
            saved.seen_up_to, saved.checked_at = top, now
            if not total or user is None:
                continue
            alerted += 1
            saved.new_count += total
            saved.new_ids = ([h.id for h in hits] + [i for i in saved.new_ids if i not in {h.id for h in hits}])[
                :KEPT_IDS
            ]
            error = None
            sent = bool(lantai.settings.smtp_url and user.email)
            if sent:
                error = _mail(lantai, user, saved, total, hits)
                mailed += error is None
            record(
                session,
                AuditAction.SEARCH_ALERT,
                SCHEDULER,
                Target.of("saved_search", saved.id),
                {
                    "user": user.username,
                    "name": saved.name,
                    "new": total,
                    "shown": [h.id for h in hits],
                    "mailed": sent and error is None,
                    "error": error,
                },
            )
    return f"{len(searches)} saved searches checked, {alerted} with new records, {mailed} e-mails sent"
