"""What every page's layout needs: role and access-level labels, links of optional areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import LazyString, format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

import archive.vocabulary as vocab
from archive.catalog.accounts import User
from portal.i18n import localized

ROLE_LABELS = {"admin": _l("Administrator"), "archivist": _l("Archivist"), "researcher": _l("Researcher"),
               "clerk": _l("部门兼职档案员")}
ACCESS_LABELS = {"open": _l("Open"), "internal": _l("Internal"), "restricted": _l("Restricted"), "secret": _l("Secret")}
STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "denied": _l("Denied")}

# Header links of areas: (endpoint, label, who sees it). A link whose endpoint is not
# registered (its area has not landed) is left out.
NAV_LINKS: list[tuple[str, Any, Callable[[User | None], bool]]] = [
    ("browse.index", _l("浏览馆藏"), lambda u: True),
    ("saved.index", _l("我保存的检索"), lambda u: u is not None),
    ("work.dashboard", _l("工作台"), lambda u: u is not None and u.is_staff),
    ("upload.upload", _l("Upload"), lambda u: u is not None and u.is_staff),
    ("describe.index", _l("著录"), lambda u: u is not None and u.is_staff),
    ("collection.index", _l("移交"), lambda u: u is not None and (u.is_staff or u.role == "clerk")),
    ("lifecycle.index", _l("鉴定与开放"), lambda u: u is not None and (u.is_staff or u.role == "clerk")),
    ("audit.index", _l("Audit"), lambda u: u is not None and u.is_admin),
    ("admin.secret_catalogue", _l("Secret records"), lambda u: u is not None and u.is_admin),
    ("preservation.fixity", _l("Fixity checks"), lambda u: u is not None and u.is_admin),
]


# The record page of the records area; links to a record go there once it is registered.
RECORD_ENDPOINT = "records.show"


def record_url(record_id: int) -> str | None:
    """The URL of a record's page, or None while the records area is absent."""
    if RECORD_ENDPOINT not in current_app.view_functions:
        return None
    try:
        return url_for(RECORD_ENDPOINT, record_id=record_id)
    except BuildError:
        return None


def endpoint_url(endpoint: str, fallback: str = "/", **values: Any) -> str:
    """``url_for(endpoint)`` if that endpoint exists, else ``fallback``."""
    if endpoint not in current_app.view_functions:
        return fallback
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def nav_links() -> list[tuple[str, Any]]:
    """The header links the current user sees."""
    from portal.auth import current_user

    user = current_user()
    return [(e, label) for e, label, who in NAV_LINKS if e in current_app.view_functions and who(user)]


def term_label(vocabulary: str, value: Any) -> str:
    """A stored code of an ``archive.vocabulary`` term (``term_label("PageSource", "ocr")``) as its
    label in the request's language; a value the vocabulary lacks is shown as it is."""
    term = getattr(vocab, vocabulary)
    try:
        return str(term(value).label(str(get_locale())))
    except ValueError:
        return "" if value is None else str(value)


def lazy_label(term: Any, code: str | None = None) -> LazyString:
    """A term's (or 门类's) label in the language of the request that shows it, then its code if given;
    for choice lists built once and shown in either language."""
    return LazyString(lambda: term.label(str(get_locale())) + (f" {code}" if code else ""))


def init_app(app: Flask) -> None:
    """Register the layout's template globals."""
    app.jinja_env.globals.update(
        endpoint_url=endpoint_url,
        nav_links=nav_links,
        record_url=record_url,
        role_label=lambda role: term_label("Role", role),
        term_label=term_label,
        access_label=lambda level: ACCESS_LABELS.get(level, level),
        status_label=lambda status: STATUS_LABELS.get(status, status),
        format_datetime=format_datetime,
        format_date=format_date,
        localized=localized,
        source_label=lambda source: vocab.suggestion_source_label(source or "", str(get_locale())),
        ocr_languages_label=lambda codes: vocab.ocr_languages_label(codes or "", str(get_locale())),
    )
