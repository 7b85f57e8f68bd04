"""Server-side sessions stored in the catalog (table ``sessions``).

The cookie holds only a random id; the row (found by the id's SHA-256) holds the data,
the user and the expiry. Logging out deletes the row, so the old cookie is dead; logging
in starts a new id (``regenerate``), so an id planted before login is worthless.

Before login there is no row: a visitor's session (the form's CSRF token, a flash message) is
kept in a signed cookie of its own (``ANONYMOUS_COOKIE``), so anonymous requests cannot fill the
catalog with rows (finding 5j: each cookieless ``GET /login`` used to store one for 12 hours).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from werkzeug.datastructures import CallbackDict

from archive.catalog.accounts import UserSession, as_utc
from archive.catalog.models import utcnow
from archive.passwords import digest

COOKIE_NAME = "lantai_session"
ANONYMOUS_COOKIE = "lantai_visit"


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session dict of one request, with its cookie id and whether it must change id."""

    def __init__(self, initial: dict[str, Any] | None = None, token: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.modified = False
        self.regenerate_id = False
        self.ended = False

    def regenerate(self) -> None:
        """Give the session a new id at the end of this request (and drop the old row)."""
        self.regenerate_id = True
        self.modified = True

    def end(self) -> None:
        """Delete the session row and its cookie (logout)."""
        self.clear()
        self.ended = True
        self.modified = True


class CatalogSessionInterface(SessionInterface):
    """Keeps Flask's ``session`` in the catalog instead of a signed cookie."""

    def _catalog(self, app: Flask) -> Any:
        return app.extensions["lantai"].catalog

    def _lifetime(self, app: Flask) -> dt.timedelta:
        return dt.timedelta(hours=app.extensions["lantai"].settings.session_hours)

    def _signer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            str(app.secret_key), salt="lantai-visit", serializer=TaggedJSONSerializer()
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Load the row named by the cookie, else a visitor's signed cookie, else start empty."""
        token = request.cookies.get(COOKIE_NAME)
        if token and len(token) <= 128:
            with self._catalog(app).session() as db:
                row = db.get(UserSession, digest(token))
                if row is not None and (as_utc(row.expires_at) or utcnow()) > utcnow():
                    data = dict(row.data or {})
                    if row.user_id is not None:
                        data["_user_id"] = row.user_id
                    return ServerSession(data, token=token)
                if row is not None:
                    db.delete(row)
        visit = request.cookies.get(ANONYMOUS_COOKIE)
        if visit:
            try:
                max_age = int(self._lifetime(app).total_seconds())
                return ServerSession(dict(self._signer(app).loads(visit, max_age=max_age)))
            except (BadSignature, TypeError, ValueError):
                return ServerSession()
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write, replace or delete the row, and set or clear the cookie."""
        assert isinstance(session, ServerSession)  # noqa: S101 (our own interface's object)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        catalog = self._catalog(app)
        if session.ended or (not session and session.token and session.modified):
            if session.token:
                with catalog.session() as db:
                    db.execute(delete(UserSession).where(UserSession.id_hash == digest(session.token)))
            response.delete_cookie(COOKIE_NAME, domain=domain, path=path)
            response.delete_cookie(ANONYMOUS_COOKIE, domain=domain, path=path)
            return
        from flask import request

        if not session.modified:
            return
        if not session:
            if request.cookies.get(ANONYMOUS_COOKIE):
                response.delete_cookie(ANONYMOUS_COOKIE, domain=domain, path=path)
            return

        data = dict(session)
        user_id = data.pop("_user_id", None)
        if user_id is None and session.token is None:  # a visitor: a signed cookie, no row
            response.set_cookie(
                ANONYMOUS_COOKIE, self._signer(app).dumps(data), httponly=True, secure=request.is_secure,
                samesite="Lax", domain=domain, path=path,
            )
            response.vary.add("Cookie")
            return
        if request.cookies.get(ANONYMOUS_COOKIE):
            response.delete_cookie(ANONYMOUS_COOKIE, domain=domain, path=path)
        old_token = session.token
        token = session.token
        if session.regenerate_id or token is None:
            token = session.token = secrets.token_urlsafe(32)
        expires = utcnow() + self._lifetime(app)
        with catalog.session() as db:
            if old_token is not None and old_token != token:
                db.execute(delete(UserSession).where(UserSession.id_hash == digest(old_token)))
            row = db.get(UserSession, digest(token))
            if row is None:
                row = UserSession(id_hash=digest(token), expires_at=expires)
                row.ip = (request.remote_addr or "")[:64]
                row.user_agent = (request.user_agent.string or "")[:256]
                db.add(row)
            row.user_id = user_id
            row.data = data
        response.set_cookie(
            COOKIE_NAME,
            token,
            expires=expires if user_id is not None else None,
            httponly=True,
            secure=request.is_secure,
            samesite="Lax",
            domain=domain,
            path=path,
        )
        response.vary.add("Cookie")


def purge_expired(db: Any) -> int:
    """Delete expired session rows; returns how many."""
    result = db.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
    return int(result.rowcount or 0)
