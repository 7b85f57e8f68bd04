"""Accounts in the portal: who is asking (``g.user``), login, logout, roles and API tokens.

Views use ``login_required`` / ``staff_required`` / ``admin_required``; the API blueprint
calls ``authenticate_request()`` (Bearer token, or the session for safe methods and for
unsafe ones carrying the CSRF header).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from archive.accounts import user_for_token
from archive.catalog.accounts import User
from portal.auth.sessions import CatalogSessionInterface

F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def lantai() -> Any:
    """The running ``Lantai`` context of the app."""
    from flask import current_app

    return current_app.extensions["lantai"]


def current_user() -> User | None:
    """The signed-in (or token-authenticated) user of this request, or None."""
    return getattr(g, "user", None)


def _load_user() -> None:
    """Before each request: find the session's user (an inactive account counts as none)."""
    g.user = None
    user_id = session.get("_user_id")
    if user_id is None:
        return
    with lantai().catalog.session() as db:
        user = db.get(User, user_id)
        if user is not None and user.active:
            db.expunge(user)
            g.user = user
    if g.user is None:
        session.end()  # type: ignore[attr-defined]


def log_in(user: User) -> None:
    """Start a fresh session (new id) for ``user``."""
    session.clear()
    session["_user_id"] = user.id
    session.regenerate()  # type: ignore[attr-defined]
    g.user = user


def log_out() -> None:
    """End the session: its row is deleted, so the cookie is worthless."""
    session.end()  # type: ignore[attr-defined]
    g.user = None


def client_ip() -> str:
    """The client's address (``ProxyFix`` has applied ``trusted_proxies`` already)."""
    return request.remote_addr or "unknown"


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page (and back afterwards)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def role_required(*roles: str) -> Callable[[F], F]:
    """Anonymous: to login; signed in without one of ``roles``: 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = role_required("admin", "archivist")
admin_required = role_required("admin")


def authenticate_request() -> User | None:
    """The user of an API request: ``Authorization: Bearer <token>``, else the session.

    A bad or revoked token aborts with 401. Session use of an unsafe method needs the
    ``X-CSRFToken`` header (API routes are exempt from form CSRF checks), else 400.
    Sets ``g.user`` so the headers and audit hooks see who it was.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401)
        with lantai().catalog.session() as db:
            user = user_for_token(db, token.strip())
            if user is not None:
                db.expunge(user)
        if user is None:
            abort(401)
        g.user = user
        return user
    user = current_user()
    if user is not None and request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (ValidationError, CSRFError):
            abort(400)
    return user


def init_app(app: Flask) -> None:
    """Install the catalog sessions and the user loader."""
    app.session_interface = CatalogSessionInterface()
    app.before_request(_load_user)

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": current_user()}
