"""Content routes x role x access level, on records that really have content.

Companion to ``test_access_matrix.py``: each record here has a page with text, a page image,
a thumbnail and a stored original, each carrying a marker unique to the record. Allowed
responses must serve exactly that content; refused ones (403, 404) must never carry any of
it. Roles add a researcher whose grant has EXPIRED. The table is written out by hand from
the policy in archive/access.py (open: everyone allowed to search; internal: staff;
restricted: staff and researchers with a live grant; secret: nobody, not even an admin).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from archive.catalog.accounts import Grant, User
from archive.catalog.models import Page, utcnow
from tests.portal.conftest import AuthActions, add_user
from tests.portal.sample_records import add_record

LEVELS = ("open", "internal", "restricted", "secret")
# researcher+grant / researcher+expired: grants on every record, live / expired a day ago.
ROLES = ("public", "public-off", "researcher", "researcher+grant", "researcher+expired", "clerk", "archivist", "admin")

OK, FORBIDDEN, HIDDEN = 200, 403, 404


def row(open_: int, internal: int, restricted: int, secret: int) -> dict[str, int]:
    return dict(zip(LEVELS, (open_, internal, restricted, secret), strict=True))


# What each role gets from every content route at each level.
EXPECTED: dict[str, dict[str, int]] = {
    "public": row(OK, HIDDEN, HIDDEN, HIDDEN),
    "public-off": row(HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "researcher": row(OK, HIDDEN, FORBIDDEN, HIDDEN),
    "researcher+grant": row(OK, HIDDEN, OK, HIDDEN),  # a grant opens restricted records only
    "researcher+expired": row(OK, HIDDEN, FORBIDDEN, HIDDEN),
    "clerk": row(OK, OK, HIDDEN, HIDDEN),  # a department clerk: what any of the body's staff may read
    "archivist": row(OK, OK, OK, HIDDEN),
    "admin": row(OK, OK, OK, FORBIDDEN),  # a catalogue entry, never the content
}


@dataclass(frozen=True)
class Content:
    """What one record holds, to recognise it in a response."""

    id: int
    page_text: str
    original: bytes
    image: bytes
    thumbnail: bytes


def _page_text(level: str) -> str:
    return f"页面正文 {level}专用内容"


def _original(level: str) -> bytes:
    return f"原件正文 {level}原件标记\n".encode()


# Per route: what an allowed response serves. Each check returns a failure message or "".
Check = Callable[[TestResponse, Content], str]


def _same(response: TestResponse, expected: bytes, what: str) -> str:
    return "" if response.get_data() == expected else f"does not serve the {what}"


def _image(kind: str) -> Check:
    def check(response: TestResponse, content: Content) -> str:
        if response.mimetype != "image/jpeg":
            return f"serves {response.mimetype}, not image/jpeg"
        return _same(response, content.image if kind == "image" else content.thumbnail, kind)

    return check


def _page_text_check(response: TestResponse, content: Content) -> str:
    if response.mimetype != "text/plain":
        return f"serves {response.mimetype}"
    return "" if response.get_data(as_text=True) == content.page_text else "does not serve the page text"


def _attachment(response: TestResponse) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    return "" if disposition.startswith("attachment") else f"not an attachment ({disposition!r})"


def _download(response: TestResponse, content: Content) -> str:
    return _attachment(response) or _same(response, content.original, "original")


def _text_txt(response: TestResponse, content: Content) -> str:
    if content.page_text not in response.get_data(as_text=True):
        return "does not contain the page text"
    return _attachment(response)


def _api_page(response: TestResponse, content: Content) -> str:
    body = response.get_json(silent=True) or {}
    if body.get("text") != content.page_text:
        return "JSON text is not the page text"
    return "" if [w["text"] for w in body.get("words", [])] == content.page_text.split(" ") else "no word boxes"


@dataclass(frozen=True)
class Route:
    """A content route (path with ``{id}``) and how to recognise its allowed answer."""

    path: str
    check: Check


ROUTES = [
    Route("/records/{id}/pages/1/image", _image("image")),
    Route("/records/{id}/pages/1/thumbnail", _image("thumbnail")),
    Route("/records/{id}/pages/1/text", _page_text_check),
    Route("/records/{id}/download", _download),
    Route("/records/{id}/text.txt", _text_txt),
    Route("/api/v1/records/{id}/pages/1", _api_page),
    Route("/api/v1/records/{id}/download", _download),
]


def leaks(response: TestResponse, every: list[Content], refused: bool = True) -> str:
    """What content of the records ``every`` a response carries ("" when none).

    A refused response must not be a file at all.
    """
    data = response.get_data()
    text = data.decode("utf-8", errors="replace")
    for content in every:
        for marker in (content.page_text, content.page_text.split(" ")[1], content.original.decode().strip()):
            if marker in text:
                return f"contains {marker!r}"
        if content.image in data or content.thumbnail in data:
            return "contains image bytes"
    attachment = "attachment" in response.headers.get("Content-Disposition", "")
    if refused and ((response.mimetype or "").startswith("image/") or attachment):
        return f"serves a file ({response.mimetype})"
    return ""


def _build(make_app: Callable[..., Flask], role: str) -> tuple[AuthActions, dict[str, Content]]:
    """An app (public search on or off), one record with content per level, grants, logged in as ``role``."""
    app = make_app(public_search=(role != "public-off"))
    lantai = app.extensions["lantai"]
    ids = {
        level: add_record(
            app,
            [[_page_text(level)]],
            access_level=level,
            title=f"内容矩阵{level}档案",
            original=(_original(level), f"原件{level}.txt", "text/plain"),
        ).id
        for level in LEVELS
    }
    contents: dict[str, Content] = {}
    with lantai.catalog.session() as db:
        for level, record_id in ids.items():
            page = db.scalar(select(Page).where(Page.record_id == record_id, Page.number == 1))
            assert page is not None and page.image_key and page.thumbnail_key
            with (
                lantai.storage.open_derivative(page.image_key) as image,
                lantai.storage.open_derivative(page.thumbnail_key) as thumbnail,
            ):
                contents[level] = Content(record_id, page.text, _original(level), image.read(), thumbnail.read())
        if role in ("researcher+grant", "researcher+expired"):
            user_id = db.scalar(select(User.id).where(User.username == "researcher"))
            days = 3 if role == "researcher+grant" else -1
            for record_id in ids.values():
                db.add(Grant(user_id=user_id, record_id=record_id, expires_at=utcnow() + dt.timedelta(days=days)))
    auth = AuthActions(app.test_client())
    if role.startswith("researcher"):
        assert auth.login("researcher").status_code == 302
    elif role in ("archivist", "admin"):
        assert auth.login(role).status_code == 302
    elif role == "clerk":
        add_user(app, "clerk", "clerk-password-1", "clerk")
        assert auth.login("clerk", password="clerk-password-1").status_code == 302
    return auth, contents


@pytest.mark.parametrize("role", ROLES)
def test_content_routes_serve_content_only_as_the_policy_allows(make_app: Callable[..., Flask], role: str) -> None:
    auth, contents = _build(make_app, role)
    every = list(contents.values())
    failures = []
    for route in ROUTES:
        for level in LEVELS:
            content = contents[level]
            path = route.path.format(id=content.id)
            response = auth.client.get(path)
            expected = EXPECTED[role][level]
            where = f"{path} ({level}) as {role}"
            if response.status_code != expected:
                failures.append(f"{where}: expected {expected}, got {response.status_code}")
            elif expected == OK:
                if problem := route.check(response, content):
                    failures.append(f"{where}: {problem}")
                # An allowed answer serves this record's content, never another's.
                if problem := leaks(response, [c for c in every if c.id != content.id], refused=False):
                    failures.append(f"{where}: {problem} of another record")
            elif problem := leaks(response, every):
                failures.append(f"{where}: refused but {problem}")
    assert not failures, "\n".join(failures)


def test_a_grant_stops_opening_the_record_once_it_expires(make_app: Callable[..., Flask]) -> None:
    """The same researcher reads a restricted page while the grant lives, and not after."""
    auth, contents = _build(make_app, "researcher+grant")
    restricted = contents["restricted"]
    path = f"/records/{restricted.id}/pages/1/text"
    assert auth.client.get(path).get_data(as_text=True) == restricted.page_text
    with auth.client.application.extensions["lantai"].catalog.session() as db:
        for row_ in db.scalars(select(Grant).where(Grant.record_id == restricted.id)):
            row_.expires_at = utcnow() - dt.timedelta(seconds=1)
    refused = auth.client.get(path)
    assert refused.status_code == FORBIDDEN
    assert restricted.page_text not in refused.get_data(as_text=True)
