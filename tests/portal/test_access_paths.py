"""Access follows 密级 on every path that can change it.

For each way a record's 密级 can become 秘密 (the description form, batch editing, the catalogue
import in the portal and at the command line, the review queue, the API, ``lantai records set``,
an ingest manifest and machine extraction), an open record with a marker word in its text is
closed through that path, and then every view is checked at once, for the anonymous public, a
researcher, an archivist and an administrator: search hits, facet counts and snippets, the
record page, page images, thumbnails, page text and downloads. The change is an audit event
with old and new level, and the index holds no text of the record (by query, and in its files
once the purge has run). The reverse, secret to open, goes only through 密级 and 开放标识.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.accounts import create_token
from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from archive.catalog.description import ReviewItem
from archive.catalog.models import Record
from indexer.search.base import SearchRequest
from indexer.search.purge import pending_purge, purge
from tests.portal.conftest import AuthActions, LantaiRunner
from tests.portal.sample_records import add_record
from tests.search.conftest import EVERY_LEVEL

MARK = "鸾鸟秘文"  # in the page text and the original: the word searched for
HIDDEN_WORD = "灵犀片羽"  # beside it in the text, never typed in a query: must never be served once secret
TITLE = "路径矩阵档案"
FONDS = "PX01"

CONTENT_ROUTES = [
    "/records/{id}/pages/1/image",
    "/records/{id}/pages/1/thumbnail",
    "/records/{id}/pages/1/text",
    "/records/{id}/download",
    "/records/{id}/text.txt",
    "/api/v1/records/{id}/pages/1",
    "/api/v1/records/{id}/download",
]
ENTRY_ROUTES = ["/records/{id}", "/api/v1/records/{id}"]


def _open_record(app: Flask) -> int:
    made = add_record(
        app,
        [[f"{MARK} {HIDDEN_WORD}", "招生 工作"]],
        access_level="open",
        classification="公开",
        openness="开放",
        title=TITLE,
        fonds_code=FONDS,
        original=(f"原件 {MARK} {HIDDEN_WORD}\n".encode(), "路径.txt", "text/plain"),
    )
    return made.id


def _client(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role != "public":
        assert AuthActions(client).login(role).status_code == 302
    return client


def _token(app: Flask, username: str) -> dict[str, str]:
    with app.extensions["lantai"].catalog.session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        return {"Authorization": f"Bearer {create_token(db, user, 'paths', actor=CLI)}"}


def _level(app: Flask, record_id: int) -> str:
    with app.extensions["lantai"].catalog.session() as db:
        record = db.get(Record, record_id)
        assert record is not None
        return record.access_level


# The paths, each closing ``record_id`` by setting its 密级 to 秘密 ------------------------------


def _form(app: Flask, record_id: int, tmp_path: Path) -> None:
    auth = AuthActions(app.test_client())
    auth.login("archivist")
    with app.extensions["lantai"].catalog.session() as db:
        record = db.get(Record, record_id)
        assert record is not None
        data = {name: str(getattr(record, name) or "") for name in ("title", "fonds_code", "category_code", "year",
                                                                     "retention", "department", "department_code",
                                                                     "creator", "doc_number", "openness")}
    data["date"] = "2023-05-12"
    data["classification"] = "秘密"
    assert auth.post(f"/describe/records/{record_id}", data).status_code == 303


def _batch(app: Flask, record_id: int, tmp_path: Path) -> None:
    auth = AuthActions(app.test_client())
    auth.login("archivist")
    response = auth.post("/describe/batch/apply", {"record_id": [str(record_id)], "classification": "秘密"})
    assert response.status_code == 303


def _csv(tmp_path: Path, record_id: int) -> Path:
    path = tmp_path / "import.csv"
    path.write_text(f"记录号,密级\n{record_id},秘密\n", encoding="utf-8")
    return path


def _import_web(app: Flask, record_id: int, tmp_path: Path) -> None:
    auth = AuthActions(app.test_client())
    auth.login("archivist")
    data = {"file": (io.BytesIO(_csv(tmp_path, record_id).read_bytes()), "import.csv")}
    response = auth.post("/describe/import", data, content_type="multipart/form-data")
    assert response.status_code == 200 and "1" in response.get_data(as_text=True)


def _import_cli(app: Flask, record_id: int, tmp_path: Path) -> None:
    result = LantaiRunner(app).invoke(["describe", "import", str(_csv(tmp_path, record_id))])
    assert result.exit_code == 0, result.output


def _review(app: Flask, record_id: int, tmp_path: Path) -> None:
    with app.extensions["lantai"].catalog.session() as db:
        item = ReviewItem(record_id=record_id, field="classification", suggested_value="秘密", confidence=0.5,
                          source="test", status="pending")
        db.add(item)
        db.flush()
        item_id = item.id
    auth = AuthActions(app.test_client())
    auth.login("archivist")
    assert auth.post(f"/describe/review/{item_id}/confirm", {"value": ""}).status_code in (302, 303)


def _api(app: Flask, record_id: int, tmp_path: Path) -> None:
    response = app.test_client().patch(
        f"/api/v1/records/{record_id}", json={"classification": "秘密"}, headers=_token(app, "archivist")
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["record"] is None  # an archivist may not know secret records: the change hid it from them
    assert [(c["field"], c["new"]) for c in body["changes"]] == [("classification", "秘密")]


def _cli(app: Flask, record_id: int, tmp_path: Path) -> None:
    result = LantaiRunner(app).invoke(["records", "set", str(record_id), "classification=秘密"])
    assert result.exit_code == 0, result.output


CHANGE_PATHS: dict[str, Callable[[Flask, int, Path], None]] = {
    "form": _form,
    "batch": _batch,
    "import-web": _import_web,
    "import-cli": _import_cli,
    "review": _review,
    "api": _api,
    "cli": _cli,
}


# What each role sees -----------------------------------------------------------------------


def _hits(client: FlaskClient, query: str) -> set[int]:
    return {hit["id"] for hit in client.get("/api/v1/search", query_string={"q": query}).get_json()["hits"]}


def assert_closed(app: Flask, record_id: int) -> list[str]:
    """Every view of every role as for a secret record; the failures (empty when all hold)."""
    failures: list[str] = []
    for role in ("public", "researcher", "archivist", "admin"):
        client = _client(app, role)
        for query in (MARK, TITLE):
            html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
            if HIDDEN_WORD in html:
                failures.append(f"{role}: search page for {query} shows the text")
        if record_id in _hits(client, MARK):
            failures.append(f"{role}: a text search finds the record")
        found_by_title = record_id in _hits(client, TITLE)
        if found_by_title != (role == "admin"):  # administrators know secret records by their entry
            failures.append(f"{role}: title search {'finds' if found_by_title else 'misses'} the record")
        facets = client.get("/api/v1/search", query_string={"q": ""}).get_json()["facets"]
        if any(c["value"] == FONDS for c in facets.get("fonds", [])) != (role == "admin"):
            failures.append(f"{role}: facet counts are wrong about the record")
        for path in ENTRY_ROUTES:
            response = client.get(path.format(id=record_id))
            expected = 200 if role == "admin" else 404
            if response.status_code != expected:
                failures.append(f"{role} {path}: {response.status_code}, expected {expected}")
            if HIDDEN_WORD in response.get_data(as_text=True):
                failures.append(f"{role} {path}: shows the text")
        for path in CONTENT_ROUTES:
            response = client.get(path.format(id=record_id))
            expected = 403 if role == "admin" else 404
            if response.status_code != expected:
                failures.append(f"{role} {path}: {response.status_code}, expected {expected}")
            if HIDDEN_WORD.encode() in response.get_data() or response.mimetype.startswith("image/"):
                failures.append(f"{role} {path}: serves content")
    lantai = app.extensions["lantai"]
    if lantai.search.search(SearchRequest(query=MARK, clearance=EVERY_LEVEL)).total:
        failures.append("the index still holds the text")
    return failures


def assert_open_to_everyone(app: Flask, record_id: int) -> None:
    public = _client(app, "public")
    assert record_id in _hits(public, MARK)
    assert public.get(f"/records/{record_id}/pages/1/text").get_data(as_text=True).startswith(MARK)


def access_events(app: Flask, record_id: int) -> list[dict[str, Any]]:
    with app.extensions["lantai"].catalog.session() as db:
        rows = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "access_level_change", AuditEvent.record_id == record_id)
        )
        return [{"actor": e.actor_name, **json.loads(e.details)} for e in rows]


def index_files_hold(app: Flask, marker: str) -> list[str]:
    """Index files that contain ``marker`` (as UTF-8 bytes)."""
    root = app.extensions["lantai"].settings.index_dir
    return [str(p) for p in root.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]


@pytest.mark.parametrize("path", list(CHANGE_PATHS))
def test_closing_a_record_through_each_path_closes_every_view_at_once(
    make_app: Callable[..., Flask], tmp_path: Path, path: str
) -> None:
    app = make_app()
    record_id = _open_record(app)
    assert_open_to_everyone(app, record_id)
    CHANGE_PATHS[path](app, record_id, tmp_path)
    assert _level(app, record_id) == "secret"
    failures = assert_closed(app, record_id)
    assert not failures, "\n".join(failures)
    [event] = access_events(app, record_id)
    assert (event["old"], event["new"], event["classification"]) == ("open", "secret", "秘密")
    # Search stopped showing it at once; the purge removes its words from the index files too.
    assert pending_purge(app.extensions["lantai"]) == [record_id]
    purge(app.extensions["lantai"])
    assert index_files_hold(app, HIDDEN_WORD) == [] and pending_purge(app.extensions["lantai"]) is None
    assert not assert_closed(app, record_id)


def test_a_manifest_marked_secret_is_never_visible_and_never_indexed(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(default_access_level="open")
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "密件.txt").write_text(f"{MARK} {HIDDEN_WORD}\n招生 工作\n", encoding="utf-8")
    (folder / "manifest.csv").write_text(f"文件,题名,全宗号,密级\n密件.txt,{TITLE},{FONDS},秘密\n", encoding="utf-8")
    from indexer.ingest import submit_file
    from indexer.manifest import read_manifest
    from indexer.process import process_job

    lantai = app.extensions["lantai"]
    [row] = read_manifest(folder / "manifest.csv")
    submission = submit_file(lantai, row.path, metadata=row.values, dispatch=False, actor=CLI)
    assert submission.job_id is not None
    assert index_files_hold(app, TITLE)  # the entry was indexed at once, at the level the manifest gives
    assert process_job(lantai, submission.job_id, dispatch_children=False).status == "done"
    with app.extensions["lantai"].catalog.session() as db:
        record = db.scalars(select(Record).where(Record.title == TITLE)).one()
        assert (record.status, record.access_level) == ("done", "secret")
        record_id = record.id
    # The text never entered the index: no purge needed to keep it out of the files.
    assert index_files_hold(app, HIDDEN_WORD) == []
    failures = [f for f in assert_closed(app, record_id) if "/pages/1/image" not in f and "thumbnail" not in f]
    assert not failures, "\n".join(failures)


def test_machine_extraction_of_a_secret_mark_closes_the_record(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    from indexer.ingest import submit_file
    from indexer.process import process_job

    app = make_app(default_access_level="open")
    lantai = app.extensions["lantai"]
    source = tmp_path / "通知.txt"
    source.write_text(f"秘密★5年\n\n{TITLE}\n\n{MARK} {HIDDEN_WORD}\n", encoding="utf-8")
    submission = submit_file(lantai, source, metadata={"全宗号": FONDS, "题名": TITLE}, dispatch=False, actor=CLI)
    assert submission.record_id is not None and submission.job_id is not None
    assert _level(app, submission.record_id) == "open"  # nothing says otherwise yet
    assert process_job(lantai, submission.job_id, dispatch_children=False).status == "done"
    assert _level(app, submission.record_id) == "secret"
    assert index_files_hold(app, HIDDEN_WORD) == []  # its text never reached the index
    failures = [f for f in assert_closed(app, submission.record_id) if "image" not in f and "thumbnail" not in f]
    assert not failures, "\n".join(failures)
    [event] = access_events(app, submission.record_id)
    assert (event["old"], event["new"], event["actor"]) == ("open", "secret", "worker")


def test_secret_to_open_only_through_classification_and_openness(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    record_id = _open_record(app)
    _cli(app, record_id, Path())
    runner = LantaiRunner(app)
    # A person may close a record further, never open one its 密级 closes ...
    refused = app.test_client().patch(
        f"/api/v1/records/{record_id}", json={"access_override": "open"}, headers=_token(app, "admin")
    )
    assert refused.status_code == 400 and "密级" in refused.get_json()["error"]["message_zh"]
    cleared = app.test_client().patch(
        f"/api/v1/records/{record_id}", json={"classification": ""}, headers=_token(app, "admin")
    )
    assert cleared.status_code == 400 and "解密" in cleared.get_json()["error"]["message_zh"]
    assert _level(app, record_id) == "secret"
    # ... it opens when its 密级 and 开放标识 say so (declassified and open).
    opened = runner.invoke(["records", "set", str(record_id), "classification=公开", "openness=开放"])
    assert opened.exit_code == 0, opened.output
    assert _level(app, record_id) == "open"
    assert_open_to_everyone(app, record_id)
    assert [(e["old"], e["new"]) for e in access_events(app, record_id)] == [("open", "secret"), ("secret", "open")]


def test_a_person_may_close_an_open_record_further(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    record_id = _open_record(app)
    result = LantaiRunner(app).invoke(["records", "set", str(record_id), "access_override=受控"])
    assert result.exit_code == 0, result.output
    assert _level(app, record_id) == "restricted"
    public = _client(app, "public")
    assert record_id not in _hits(public, MARK)
    assert public.get(f"/records/{record_id}").status_code == 404
    researcher = _client(app, "researcher")
    page = researcher.get(f"/records/{record_id}").get_data(as_text=True)
    assert "人工指定" in page  # the record page says which way round wins
