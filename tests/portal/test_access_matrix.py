"""Route x role x access level: every route answers exactly as the access policy says.

Table-driven: ``EXPECTED`` states, per kind of route, what each role gets at each access
level (written out by hand from the policy in archive/access.py, not computed from it).
To cover a new route, add a ``Route`` row to ``ROUTES`` with the kind whose table fits
(or add a table). "ok" is 200; "login" a redirect to the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from archive.access import can_view_content, can_view_metadata, clearance_for
from archive.catalog.accounts import User
from archive.catalog.models import Record
from tests.portal.conftest import AuthActions, add_user
from tests.portal.sample_records import add_record

LEVELS = ("open", "internal", "restricted", "secret")
# researcher+grant: a researcher holding an unexpired grant on the record.
ROLES = ("public", "public-off", "researcher", "researcher+grant", "clerk", "archivist", "admin")

OK, LOGIN, FORBIDDEN, HIDDEN = 200, "login", 403, 404


def row(open_: object, internal: object, restricted: object, secret: object) -> dict[str, object]:
    return dict(zip(LEVELS, (open_, internal, restricted, secret), strict=True))


EXPECTED: dict[str, dict[str, dict[str, object]]] = {
    # May the role know the record exists (catalogue entry)?
    "metadata": {
        "public": row(OK, HIDDEN, HIDDEN, HIDDEN),
        "public-off": row(HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "researcher": row(OK, HIDDEN, OK, HIDDEN),
        "researcher+grant": row(OK, HIDDEN, OK, HIDDEN),
        "clerk": row(OK, OK, HIDDEN, HIDDEN),  # what any of the body's staff may know of
        "archivist": row(OK, OK, OK, HIDDEN),
        "admin": row(OK, OK, OK, OK),
    },
    # May the role read it (text, page images, thumbnails, downloads)?
    "content": {
        "public": row(OK, HIDDEN, HIDDEN, HIDDEN),
        "public-off": row(HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "researcher": row(OK, HIDDEN, FORBIDDEN, HIDDEN),
        "researcher+grant": row(OK, HIDDEN, OK, HIDDEN),
        "clerk": row(OK, OK, HIDDEN, HIDDEN),
        "archivist": row(OK, OK, OK, HIDDEN),
        "admin": row(OK, OK, OK, FORBIDDEN),
    },
    # The access request form: only researchers, only restricted records not yet granted.
    "request": {
        "public": row(LOGIN, LOGIN, LOGIN, LOGIN),
        "public-off": row(LOGIN, LOGIN, LOGIN, LOGIN),
        "researcher": row(FORBIDDEN, HIDDEN, OK, HIDDEN),
        "researcher+grant": row(FORBIDDEN, HIDDEN, FORBIDDEN, HIDDEN),
        "clerk": row(FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN),
        "archivist": row(FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
        "admin": row(FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    },
}


@dataclass(frozen=True)
class Route:
    """A GET route taking a record id, and the table that says who may open it."""

    path: str  # with {id}
    kind: str


ROUTES = [
    Route("/requests/new?record={id}", "request"),
    Route("/records/{id}", "metadata"),
    Route("/api/v1/records/{id}", "metadata"),
    Route("/records/{id}/pages/1/image", "content"),
    Route("/records/{id}/pages/1/thumbnail", "content"),
    Route("/records/{id}/pages/1/text", "content"),
    Route("/records/{id}/download", "content"),
    Route("/records/{id}/text.txt", "content"),
    Route("/api/v1/records/{id}/pages/1", "content"),
    Route("/api/v1/records/{id}/download", "content"),
]

# Searches: a record is a hit (with snippet and facet counts) exactly when its content may be
# read, by its text or its catalogue entry; a secret record is a hit for administrators by its
# catalogue entry alone (its text is not in the index).
SEARCHES = ["/search?q=矩阵校验", "/api/v1/search?q=矩阵校验"]
CATALOGUE_SEARCHES = ["/search?q=矩阵secret档案", "/api/v1/search?q=矩阵secret档案"]
SEARCH_FINDS = {**EXPECTED["content"], "admin": row(OK, OK, OK, OK)}


def _login(app: Flask, role: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    if role in ("researcher", "researcher+grant"):
        auth.login("researcher")
    elif role in ("archivist", "admin"):
        auth.login(role)
    elif role == "clerk":
        auth.login("clerk", password="clerk-password-1")
    return auth


@pytest.fixture
def world(make_app: Callable[..., Flask]) -> Callable[[str], tuple[Flask, dict[str, int]]]:
    """An app (public search on or off) with one record per level; grants for researcher+grant."""

    def build(role: str) -> tuple[Flask, dict[str, int]]:
        app = make_app(public_search=(role != "public-off"))
        add_user(app, "clerk", "clerk-password-1", "clerk")
        ids = {
            level: add_record(app, [[f"矩阵校验 {level}"]], access_level=level, title=f"矩阵{level}档案").id
            for level in LEVELS
        }
        with app.extensions["lantai"].catalog.session() as db:
            if role == "researcher+grant":
                import datetime as dt

                from archive.catalog.accounts import Grant
                from archive.catalog.models import utcnow

                user_id = db.scalar(select(User.id).where(User.username == "researcher"))
                for record_id in ids.values():  # grants on every level: only restricted may open
                    db.add(Grant(user_id=user_id, record_id=record_id, expires_at=utcnow() + dt.timedelta(days=3)))
        return app, ids

    return build


@pytest.mark.parametrize("role", ROLES)
def test_routes_answer_per_role_and_level(world: Callable[[str], tuple[Flask, dict[str, int]]], role: str) -> None:
    app, ids = world(role)
    auth = _login(app, role)
    failures = []
    for route in ROUTES:
        for level in LEVELS:
            response = auth.client.get(route.path.format(id=ids[level]))
            expected = EXPECTED[route.kind][role][level]
            got: object = response.status_code
            if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
                got = LOGIN
            if got != expected:
                failures.append(f"{route.path} {role} {level}: expected {expected}, got {got}")
            if response.status_code == 404:
                # A hidden record looks exactly like a missing one.
                missing = auth.client.get(route.path.format(id=999_999))
                assert missing.status_code == 404
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_search_hits_per_role_and_level(world: Callable[[str], tuple[Flask, dict[str, int]]], role: str) -> None:
    app, ids = world(role)
    auth = _login(app, role)
    failures = []
    for path in SEARCHES:
        response = auth.client.get(path)
        body = response.get_data(as_text=True)
        hit_ids = {h["id"] for h in response.get_json().get("hits", [])} if response.is_json else set()
        for level in LEVELS:
            found = ids[level] in hit_ids if response.is_json else f"矩阵{level}档案" in body
            # The text query finds secret records for nobody: their text is not indexed.
            expected = EXPECTED["content"][role][level] == OK and level != "secret"
            if found != expected:
                failures.append(f"{path} {role} {level}: {'found' if found else 'not found'}")
    for path in CATALOGUE_SEARCHES:  # the title of the secret record
        response = auth.client.get(path)
        body = response.get_data(as_text=True)
        found = ids["secret"] in {h["id"] for h in response.get_json()["hits"]} if response.is_json else (
            "矩阵secret档案" in body and f"/records/{ids['secret']}" in body)
        if found != (SEARCH_FINDS[role]["secret"] == OK):
            failures.append(f"{path} {role} secret: {'found' if found else 'not found'}")
        if "矩阵校验 secret" in body:
            failures.append(f"{path} {role}: the secret record's text is in the answer")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_policy_functions_match_the_tables(world: Callable[[str], tuple[Flask, dict[str, int]]], role: str) -> None:
    app, ids = world(role)
    with app.extensions["lantai"].catalog.session() as db:
        user = None
        if role.startswith("researcher"):
            user = db.scalar(select(User).where(User.username == "researcher"))
        elif role in ("archivist", "admin", "clerk"):
            user = db.scalar(select(User).where(User.username == role))
        public = role != "public-off"
        clearance = clearance_for(user, db, public_search=public)
        for level in LEVELS:
            record = db.get(Record, ids[level])
            assert record is not None
            seen = can_view_metadata(user, record, db, public_search=public)
            assert seen == (EXPECTED["metadata"][role][level] == OK), level
            read = can_view_content(user, record, db, public_search=public)
            assert read == (EXPECTED["content"][role][level] == OK), level
            # Search shows what may be read (hits, snippets and facet counts carry text), and to
            # administrators the catalogue entries of secret records, whose text is never indexed.
            assert clearance.allows(level, record.id) == (SEARCH_FINDS[role][level] == OK), level


def test_submitted_records_are_seen_by_staff_and_their_department_clerks_only(
    make_app: Callable[..., Flask],
) -> None:
    """A record in a transfer is not yet the archive's: its department's clerk and staff see it."""
    from archive.audit.service import CLI
    from archive.departments import assign_clerk, save_department

    app = make_app()
    add_user(app, "clerk", "clerk-password-1", "clerk")
    add_user(app, "other", "clerk-password-1", "clerk")
    record_id = add_record(app, [["移交中 文件"]], access_level="internal", title="移交中", department_code="BGS").id
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        save_department(db, code="CWC", name="财务处", actor=CLI)
        assign_clerk(db, db.scalar(select(User).where(User.username == "clerk")), "BGS", actor=CLI)
        assign_clerk(db, db.scalar(select(User).where(User.username == "other")), "财务处", actor=CLI)
        record = db.get(Record, record_id)
        assert record is not None
        record.custody = "submitted"
    seen = {}
    for name in ("clerk", "other", "archivist", "researcher"):
        auth = AuthActions(app.test_client())
        auth.login(name, password="clerk-password-1" if name in ("clerk", "other") else None)
        seen[name] = auth.client.get(f"/records/{record_id}").status_code
    anonymous = app.test_client().get(f"/records/{record_id}").status_code
    assert seen == {"clerk": 200, "other": 404, "archivist": 200, "researcher": 404}
    assert anonymous == 404


def test_disabled_accounts_count_as_anonymous(world: Callable[[str], tuple[Flask, dict[str, int]]]) -> None:
    app, ids = world("archivist")
    with app.extensions["lantai"].catalog.session() as db:
        user = db.scalar(select(User).where(User.username == "archivist"))
        assert user is not None
        user.active = False
        record = db.get(Record, ids["internal"])
        assert record is not None
        assert not can_view_metadata(user, record, db, public_search=True)
        assert clearance_for(user, db, public_search=True).levels == frozenset({"open"})


def test_grants_on_both_databases(catalog: object) -> None:
    """Expiry and revocation are checked at access time, on SQLite and PostgreSQL alike."""
    import datetime as dt

    from archive.access import has_grant
    from archive.catalog.accounts import Grant
    from archive.catalog.models import utcnow

    with catalog.session() as db:  # type: ignore[attr-defined]
        user = User(username="r", password_hash="x", role="researcher", active=True, failed_logins=0)
        records = [Record(title=n, access_level="restricted", status="done", page_count=0, extra={}) for n in "abcd"]
        db.add_all([user, *records])
        db.flush()
        now = utcnow()
        db.add_all(
            [
                Grant(user_id=user.id, record_id=records[0].id, expires_at=now + dt.timedelta(hours=1)),
                Grant(user_id=user.id, record_id=records[1].id, expires_at=now - dt.timedelta(seconds=1)),
                Grant(user_id=user.id, record_id=records[2].id, expires_at=now + dt.timedelta(days=1), revoked_at=now),
            ]
        )
        db.flush()
        assert clearance_for(user, db, public_search=True).granted_ids == frozenset({records[0].id})
        assert [has_grant(user, r.id, db) for r in records] == [True, False, False, False]
        assert [can_view_content(user, r, db, public_search=True) for r in records] == [True, False, False, False]


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("archivist", 403), ("researcher", 403)])
def test_secret_records_are_listed_to_admins_as_catalogue_entries(
    make_app: Callable[..., Flask], role: str, status: int
) -> None:
    app = make_app()
    add_record(
        app,
        [["绝密 内容 不应 出现"]],
        access_level="secret",
        title="某涉密档案",
        reference_code="J001-WS·2020-Y-BGS-0009",
    )
    auth = _login(app, role)
    response = auth.client.get("/admin/secret")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert "某涉密档案" in page and "J001-WS·2020-Y-BGS-0009" in page
        assert "不应" not in page  # the entry, never the text
