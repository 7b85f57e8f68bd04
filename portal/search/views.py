"""The search page: query box, facet sidebar, date range, sort, results and pagination.

The URL holds the whole state (``portal.search.params``); the search runs with the
caller's clearance, so access is enforced inside the engine, hits and facet counts alike.
Every search (not the browse view of recent records) leaves a ``search`` audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import bindparam, select

from archive import saved_searches
from archive.catalog.models import Page, Record
from archive.vocabulary import AccessLevel, AuditAction, Role
from config.errors import InputError
from indexer.search.base import SearchHit, SearchRequest, SearchResponse
from indexer.search.discovery import discovery_request, entry_hit, parse_fields
from indexer.search.query import FIELDS
from portal.audit.web import audit_or_refuse
from portal.i18n import localized
from portal.records import guard
from portal.search.advanced import FIELD_LABELS
from portal.search.facets import active_filters, facet_labels, facets
from portal.search.params import PAGE_SIZES, SearchState, parse_state, to_request

bp = Blueprint("search", __name__, url_prefix="/search")

SORT_LABELS = {"relevance": "相关度", "date_desc": "日期（新→旧）", "date_asc": "日期（旧→新）", "title": "题名"}
# An example value of each field of the query language, for the syntax help.
FIELD_EXAMPLES = {
    "title": "通知",
    "creator": "教育局",
    "doc_number": "长教发〔2023〕12号",
    "department": "办公室",
    "category": "WS",
    "fonds": "J001",
    "reference_code": "J001-WS·2023",
    "year": "2018..2020",
}
RECENT = 10
PLACEHOLDER_ID = 7_305_930_185_264  # an id no archive reaches, built into a URL once (``record_urls``)
# Hits whose first page has a thumbnail, for hits from an index built before its payload said
# (``SearchHit.thumbnail``); one statement for every page, so SQLAlchemy neither builds nor
# keys it per search.
WITH_THUMBNAIL = (
    select(Page.record_id)
    .join(Record, Record.id == Page.record_id)
    .where(
        Page.record_id.in_(bindparam("ids", expanding=True)),
        Page.number == 1,
        Page.thumbnail_key.is_not(None),
        Record.access_level != AccessLevel.SECRET,  # an entry only: no picture
    )
)


def syntax_help(language: str) -> str:
    """The query language help in ``language``, rendered once per language and app."""
    rendered: dict[str, str] = current_app.extensions.setdefault("search_syntax_help", {})
    if language not in rendered:
        rendered[language] = Markup(  # noqa: S704  (our own template's output, escaped there)
            render_template(
                "search/_syntax_help.html",
                query_fields=FIELDS,
                field_labels=FIELD_LABELS,
                field_examples=FIELD_EXAMPLES,
            )
        )
    return rendered[language]


def record_urls(endpoint: str, ids: Iterable[int], **values: Any) -> dict[int, str]:
    """The URL of ``endpoint`` for each record id (its ``record_id``), with ``values``.

    ``url_for`` builds one URL and each id goes in the place of the one it was built with:
    building the rule (and encoding the query) per hit cost more than the rest of a hit's
    rendering. Should that id show up more than once (in the root the portal is mounted at, or
    in the query), each URL is built in full.
    """
    built = url_for(endpoint, record_id=PLACEHOLDER_ID, **values)
    head, found, tail = built.partition(str(PLACEHOLDER_ID))
    if not found or str(PLACEHOLDER_ID) in tail:
        return {i: url_for(endpoint, record_id=i, **values) for i in ids}
    return {i: f"{head}{i}{tail}" for i in ids}


def record_links(ids: list[int], query: str) -> dict[int, str]:
    """Each hit's record page, carrying the query to highlight there."""
    return record_urls("records.show", ids, q=query or None)


def _pagination(state: SearchState, total: int, window: int = 2) -> list[int | None]:
    """Page numbers to link, ``None`` for a gap."""
    last = max(1, -(-total // state.limit))
    shown = sorted({1, last, *range(max(1, state.page - window), min(last, state.page + window) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def search_details(state: SearchState, response: SearchResponse, via: str | None = None) -> dict[str, object]:
    """What a ``search`` event records: the query as typed, filters, dates, sort, page and hits."""
    details: dict[str, object] = {
        "query": state.query,
        "filters": [f"{name}:{value}" for name, value in state.filters],
        "hits": response.total,
        "offset": state.offset,
        "shown": [hit.id for hit in response.hits],
    }
    if state.date_from or state.date_to:
        details["date_range"] = [state.date_from, state.date_to]
    if state.sort != "relevance":
        details["sort"] = state.sort
    if via:
        details["via"] = via
    return details


def discover(search_request: SearchRequest) -> tuple[list[SearchHit], int]:
    """Restricted records a researcher may ask for, found by their public catalogue fields only.

    Records the researcher already holds a grant for are among the ordinary hits, not here.
    """
    user = guard.current_user()
    if user is None or not user.active or user.role != Role.RESEARCHER:
        return [], 0
    fields = parse_fields(guard.lantai().settings.discovery_fields)
    entries = discovery_request(search_request, fields)
    if entries is None:
        return [], 0
    found = guard.lantai().search.search(entries)
    granted = search_request.clearance.granted_ids
    hits = [entry_hit(hit, fields) for hit in found.hits if hit.id not in granted]
    return hits, found.total - (len(found.hits) - len(hits))


@bp.get("")
def search() -> tuple[str, int]:
    """Run the search in the URL (or show recent records when there is none)."""
    ctx = guard.lantai()
    error: str | None = None
    state = SearchState()
    response: SearchResponse | None = None
    thumbnails: set[int] = set()
    entries: list[SearchHit] = []
    entries_total = 0
    unseen = 0
    try:
        state = parse_state(request.args, clamp_page=True)
        with ctx.catalog.session() as session:
            search_request = to_request(state, guard.clearance(session))
            if state.is_empty:
                search_request.sort, search_request.limit, search_request.offset = "date_desc", RECENT, 0
            response = ctx.search.search(search_request)
            if response.total and state.offset >= response.total:  # past the end: the last page
                state.page = -(-response.total // state.limit)
                search_request.offset = state.offset
                response = ctx.search.search(search_request)
            if not state.is_empty:
                entries, entries_total = discover(search_request)
            user = guard.current_user()
            unseen = saved_searches.unseen_total(session, user) if user is not None else 0
            thumbnails = {hit.id for hit in response.hits if hit.thumbnail}
            unknown = [hit.id for hit in response.hits if hit.thumbnail is None]  # an index from before
            if unknown:
                thumbnails.update(session.scalars(WITH_THUMBNAIL, {"ids": unknown}))
            if not state.is_empty:
                details = search_details(state, response)
                if entries:
                    details["entries_shown"] = [hit.id for hit in entries]
                audit_or_refuse(session, AuditAction.SEARCH, object_type="search", details=details)
    except InputError as exc:  # a malformed query or parameter: its message, never a 500
        error = localized(exc)  # the reader's language only
    status = 400 if error else 200
    language = str(get_locale())  # once per page, not once per facet value
    labels = facet_labels()
    return (
        render_template(
            "search/index.html",
            state=state,
            response=response,
            error=error,
            record_links=record_links([hit.id for hit in response.hits], state.query) if response else {},
            thumbnail_links=record_urls("records.page_thumbnail", sorted(thumbnails), number=1) if thumbnails else {},
            entries=entries,
            entries_total=entries_total,
            unseen=unseen,
            facets=facets(state, response, language, labels) if response else [],
            chips=active_filters(state, language, labels),
            sort_labels=SORT_LABELS,
            page_sizes=PAGE_SIZES,
            syntax_help=syntax_help(language),
            pagination=_pagination(state, response.total) if response else [],
            last_page=max(1, -(-response.total // state.limit)) if response else 1,
        ),
        status,
    )
