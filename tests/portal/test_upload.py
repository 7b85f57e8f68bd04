"""The upload page: staff only, a plain multi-file form with metadata that works without
JavaScript, one job per file, and an error on its own file."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient

from archive.catalog.models import Job, Record
from indexer.process import process_job
from tests.conftest import DATA
from tests.portal.conftest import AuthActions


def test_upload_is_for_staff_only(app: Flask, client: FlaskClient) -> None:
    anonymous = client.get("/upload")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    AuthActions(client).login("researcher")
    assert client.get("/upload").status_code == 403


def test_form_has_files_drop_zone_and_metadata(app: Flask, client: FlaskClient) -> None:
    AuthActions(client).login("archivist")
    html = client.get("/upload").get_data(as_text=True)
    assert '<input id="files" name="files" type="file" multiple required>' in html
    assert 'enctype="multipart/form-data"' in html and 'id="dropzone"' in html
    for name in (
        "title",
        "date",
        "fonds",
        "category",
        "department",
        "retention",
        "access_level",
        "creator",
        "doc_number",
    ):
        assert f'name="{name}"' in html, name
    assert 'data-api="/api/v1/documents"' in html and 'data-jobs="/api/v1/jobs/"' in html
    assert "upload/upload.js" in html


def test_several_files_at_once_without_javascript(app: Flask, client: FlaskClient) -> None:
    auth = AuthActions(client)
    auth.login("archivist")
    response = auth.post(
        "/upload",
        data={
            "files": [
                (io.BytesIO("一号文件 招生\n".encode()), "一号.txt"),
                (io.BytesIO("二号文件 财务\n".encode()), "二号.txt"),
                (io.BytesIO((DATA / "invalid.pdf").read_bytes()), "invalid.pdf"),
            ],
            "title": "批量上传",
            "retention": "Y",
            "access_level": "restricted",
            "doc_number": "长教发〔2023〕12号",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    jobs = re.findall(r'<li class="upload-item" data-job="([0-9a-f]{32})">\s*<span class="name">([^<]+)</span>', html)
    assert [name for _, name in jobs] == ["一号.txt", "二号.txt", "invalid.pdf"]
    lantai = app.extensions["lantai"]
    for job_id, _ in jobs:
        process_job(lantai, job_id, dispatch_children=False)
    with lantai.catalog.session() as db:
        states = {name: db.get(Job, job_id).status for job_id, name in jobs}
        assert states == {"一号.txt": "done", "二号.txt": "done", "invalid.pdf": "failed"}
        failed = db.get(Job, jobs[2][0])
        assert failed.error_message  # the bad file carries its own clear error
        record = db.get(Record, db.get(Job, jobs[0][0]).record_id)
        assert (record.title, record.retention, record.access_level, record.doc_number) == (
            "批量上传",
            "Y",
            "restricted",
            "长教发〔2023〕12号",
        )
    # The page's progress poll reads the same jobs through the API with the session.
    job = client.get(f"/api/v1/jobs/{jobs[2][0]}").get_json()
    assert job["status"] == "failed" and job["error"]["message"]


def test_upload_without_files_or_csrf_is_refused(app: Flask, client: FlaskClient) -> None:
    auth = AuthActions(client)
    auth.login("archivist")
    empty = auth.post("/upload", data={"title": "x"}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "请选择至少一个文件" in empty.get_data(as_text=True)
    no_token = client.post("/upload", data={"files": (io.BytesIO(b"x"), "a.txt")}, content_type="multipart/form-data")
    assert no_token.status_code == 400
