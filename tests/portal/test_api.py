"""The JSON API under /api/v1: search, records, pages, downloads, documents and jobs, access
requests, token and session auth, JSON errors in Chinese and English, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from archive.accounts import create_token
from archive.audit.service import CLI
from archive.catalog.accounts import User
from indexer.process import process_job
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

PAGES = [["关于 招生工作 的 通知"], ["第二页 招生 计划"]]


def token_for(app: Flask, username: str) -> dict[str, str]:
    """An Authorization header with a fresh API token of ``username``."""
    with app.extensions["lantai"].catalog.session() as db:
        user = db.query(User).filter(User.username == username).one()
        return {"Authorization": f"Bearer {create_token(db, user, 'test', actor=CLI)}"}


def _error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status and error["message_zh"] and error["message_en"]
    if code:
        assert error["code"] == code
    return error


def test_openapi_document_is_valid_and_describes_every_route(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    described = {p.replace("{", "<").replace("}", ">") for p in document["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1")
            path = path.replace("<int:", "<")
            assert path in described, path


def test_search_json_shape_filters_and_access(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES, images=False)
    add_record(app, [["招生 受控"]], title="受控的招生文件", access_level="restricted", images=False)
    body = client.get("/api/v1/search", query_string={"q": "招生"}).get_json()
    assert set(body) == {"total", "took_ms", "hits", "facets", "facets_incomplete"}
    assert body["facets_incomplete"] == []
    assert body["total"] == 1 and body["hits"][0]["id"] == rec.id
    hit = body["hits"][0]
    assert "<mark>" in hit["snippet"] and [p["number"] for p in hit["pages"]] == [1, 2]
    assert body["facets"]["category"] == [{"value": "WS", "count": 1}]
    staff = client.get("/api/v1/search", query_string={"q": "招生"}, headers=token_for(app, "archivist")).get_json()
    assert staff["total"] == 2
    filtered = client.get(
        "/api/v1/search",
        query_string=[("q", "招生"), ("filter", "access_level=restricted")],
        headers=token_for(app, "archivist"),
    ).get_json()
    assert [h["title"] for h in filtered["hits"]] == ["受控的招生文件"]
    paged = client.get(
        "/api/v1/search", query_string={"q": "招生", "limit": 1, "offset": 1}, headers=token_for(app, "admin")
    )
    assert paged.get_json()["total"] == 2 and len(paged.get_json()["hits"]) == 1


def test_bad_search_is_a_json_error_in_both_languages(app: Flask, client: FlaskClient) -> None:
    _error(client.get("/api/v1/search", query_string={"q": '"招生'}), 400, "query_syntax")
    _error(client.get("/api/v1/search", query_string={"limit": "1000"}), 400, "bad_search_parameter")
    _error(client.get("/api/v1/search", headers={"Authorization": "Bearer nonsense"}), 401, "unauthorized")


def test_record_and_page_json(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES, reference_code="J001-WS·2023-D30-BGS-0001")
    body = client.get(f"/api/v1/records/{rec.id}").get_json()
    assert body["reference_code"] == "J001-WS·2023-D30-BGS-0001" and body["date"] == "2023-05-12"
    assert body["readable"] is True and [p["number"] for p in body["pages"]] == [1, 2]
    assert body["original"]["filename"] == "通知.txt"
    page = client.get(f"/api/v1/records/{rec.id}/pages/1").get_json()
    assert page["text"] == "关于 招生工作 的 通知" and page["source"] == "ocr" and page["confidence"] == 96.0
    assert [w["text"] for w in page["words"]] == ["关于", "招生工作", "的", "通知"]
    assert page["words"][1]["left"] == rec.words[0][1][2]
    _error(client.get(f"/api/v1/records/{rec.id}/pages/7"), 404)
    download = client.get(f"/api/v1/records/{rec.id}/download")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("user", "level", "record_status", "page_status"),
    [
        (None, "internal", 404, 404),
        ("researcher", "restricted", 200, 403),
        ("researcher", "secret", 404, 404),
        ("archivist", "internal", 200, 200),
        ("admin", "secret", 200, 403),
    ],
)
def test_record_routes_enforce_access(
    app: Flask, client: FlaskClient, user: str | None, level: str, record_status: int, page_status: int
) -> None:
    rec = add_record(app, PAGES, access_level=level, images=False, index=False)
    headers = token_for(app, user) if user else {}
    record = client.get(f"/api/v1/records/{rec.id}", headers=headers)
    assert record.status_code == record_status
    if record_status == 200 and page_status == 403:
        assert record.get_json()["readable"] is False and record.get_json()["pages"] == []
        if user == "researcher":  # a catalogue entry: the public fields only (discovery), no original
            assert record.get_json()["original"] is None and "doc_number" not in record.get_json()
        else:
            assert record.get_json()["original"]["download"] is None
    for path in ("/pages/1", "/download"):
        assert client.get(f"/api/v1/records/{rec.id}{path}", headers=headers).status_code == page_status


def test_upload_queues_a_job_and_reports_progress(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "archivist")
    data = {
        "file": (_text_file("学校 招生工作 安排\n第二行"), "招生安排.txt"),
        "title": "招生安排",
        "category": "文书",
        "fonds": "J009",
    }
    response = client.post("/api/v1/documents", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 202
    job_id = response.get_json()["job_id"]
    job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert job["status"] == "queued" and job["pages_done"] == 0
    process_job(app.extensions["lantai"], job_id, dispatch_children=False)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert job["status"] == "done" and job["pages_done"] == job["pages_total"] == 1 and job["error"] is None
    record = client.get(f"/api/v1/records/{job['record_id']}", headers=headers).get_json()
    assert record["title"] == "招生安排" and record["category_code"] == "WS" and record["fonds_code"] == "J009"
    found = client.get("/api/v1/search", query_string={"q": "招生工作安排"}, headers=headers).get_json()
    assert [h["id"] for h in found["hits"]] == [job["record_id"]]


def test_upload_errors(app: Flask, client: FlaskClient) -> None:
    staff = token_for(app, "archivist")
    _error(client.post("/api/v1/documents", data={"title": "x"}, headers=staff), 400, "file_missing")
    researcher = token_for(app, "researcher")
    files = {"file": (_text_file("x"), "a.txt")}
    _error(client.post("/api/v1/documents", data=files, headers=researcher), 403, "staff_only")
    _error(client.get("/api/v1/jobs/nosuchjob", headers=staff), 404)
    _error(client.post("/api/v1/documents", data={"file": (_text_file("z"), "c.txt")}), 401, "unauthorized")
    # The browser's session needs the CSRF header for unsafe methods.
    AuthActions(client).login("archivist")
    _error(client.post("/api/v1/documents", data={"file": (_text_file("y"), "b.txt")}), 400)


def test_access_request_flow(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES, access_level="restricted", images=False)
    researcher, archivist = token_for(app, "researcher"), token_for(app, "archivist")
    assert client.get(f"/api/v1/records/{rec.id}/pages/1", headers=researcher).status_code == 403
    created = client.post(
        "/api/v1/access-requests",
        json={"record_id": rec.id, "purpose": "撰写校史研究论文", "days": 14},
        headers=researcher,
    )
    assert created.status_code == 201
    request_id = created.get_json()["request"]["id"]
    mine = client.get("/api/v1/access-requests", headers=researcher).get_json()["requests"]
    assert [(r["id"], r["status"]) for r in mine] == [(request_id, "pending")]
    queue = client.get("/api/v1/access-requests", headers=archivist).get_json()["requests"]
    assert [r["user"] for r in queue] == ["researcher"]
    _error(client.post(f"/api/v1/access-requests/{request_id}/approve", json={"days": 7}, headers=researcher), 403)
    approved = client.post(f"/api/v1/access-requests/{request_id}/approve", json={"days": 7}, headers=archivist)
    assert approved.status_code == 200 and approved.get_json()["request"]["status"] == "approved"
    assert approved.get_json()["request"]["expires_at"]
    page = client.get(f"/api/v1/records/{rec.id}/pages/1", headers=researcher)
    assert page.status_code == 200 and page.get_json()["text"] == "关于 招生工作 的 通知"
    _error(client.post(f"/api/v1/access-requests/{request_id}/deny", json={"reason": "x"}, headers=archivist), 409)


def test_access_request_denial_needs_a_reason(app: Flask, client: FlaskClient) -> None:
    rec = add_record(app, PAGES, access_level="restricted", images=False, index=False)
    researcher, archivist = token_for(app, "researcher"), token_for(app, "archivist")
    _error(client.post("/api/v1/access-requests", json={"record_id": rec.id, "purpose": "短"}, headers=researcher), 400)
    created = client.post(
        "/api/v1/access-requests", json={"record_id": rec.id, "purpose": "编写地方志"}, headers=researcher
    )
    request_id = created.get_json()["request"]["id"]
    _error(client.post(f"/api/v1/access-requests/{request_id}/deny", json={}, headers=archivist), 400)
    denied = client.post(
        f"/api/v1/access-requests/{request_id}/deny", json={"reason": "涉及个人隐私"}, headers=archivist
    )
    assert denied.get_json()["request"]["status"] == "denied"
    mine = client.get("/api/v1/access-requests", headers=researcher).get_json()["requests"]
    assert mine[0]["reason"] == "涉及个人隐私"
    _error(client.get("/api/v1/access-requests"), 401)


def _text_file(text: str) -> Any:
    import io

    return io.BytesIO(text.encode("utf-8"))
