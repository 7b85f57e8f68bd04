"""Fail closed: when the event cannot be written, the view or download is refused with a 503."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from archive.audit.chain import add_write_hook, remove_write_hook
from archive.audit.verify import verify_chain
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record
from portal.audit.web import audit_or_refuse, audited, note

probe = Blueprint("audit_probe", __name__, url_prefix="/probe")


@probe.route("/view/<int:record_id>")
@audited("record_view")
def view(record_id: int) -> Any:
    note(purpose="毕业论文", page=1)
    return f"record {record_id} content"


@probe.route("/forbidden/<int:record_id>")
@audited("record_view")
def forbidden(record_id: int) -> Any:
    return "no", 403


@probe.route("/edit/<int:record_id>")
def edit(record_id: int) -> Any:
    from flask import current_app

    with current_app.extensions["lantai"].catalog.session() as session:
        record = session.get(Record, record_id)
        assert record is not None
        record.title = "changed"
        audit_or_refuse(session, "metadata_edit", record=record, details={"title": ["old", "changed"]})
    return "saved"


@pytest.fixture
def probe_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    app.register_blueprint(probe)
    return app


@pytest.fixture
def probe_client(probe_app: Flask) -> FlaskClient:
    return probe_app.test_client()


@pytest.fixture
def failing_writer() -> Iterator[None]:
    def fail(_fields: object) -> None:
        raise OSError("audit disk is full")

    add_write_hook(fail)
    yield
    remove_write_hook(fail)


def _events(app: Flask) -> list[AuditEvent]:
    with app.extensions["lantai"].catalog.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _record(app: Flask) -> int:
    with app.extensions["lantai"].catalog.session() as session:
        record = Record(title="original", reference_code="J001-WS·2023-D30-BGS-0001", access_level="open",
                        status="done", page_count=0, extra={})
        session.add(record)
        session.flush()
        return record.id


def test_audited_view_leaves_its_event(probe_app: Flask, probe_client: FlaskClient) -> None:
    rid = _record(probe_app)
    response = probe_client.get(f"/probe/view/{rid}", headers={"User-Agent": "UA/1", "X-Request-ID": "req-42"})
    assert response.status_code == 200
    (event,) = _events(probe_app)
    assert (event.action, event.record_id, event.reference_code, event.outcome) == (
        "record_view", rid, "J001-WS·2023-D30-BGS-0001", "allowed")
    assert (event.purpose, event.user_agent, event.request_id, event.ip) == ("毕业论文", "UA/1", "req-42", "127.0.0.1")
    assert event.actor_id is None and event.actor_role is None  # anonymous


def test_denied_view_is_recorded_as_denied(probe_app: Flask, probe_client: FlaskClient) -> None:
    rid = _record(probe_app)
    assert probe_client.get(f"/probe/forbidden/{rid}").status_code == 403
    assert [e.outcome for e in _events(probe_app)] == ["denied"]


@pytest.mark.usefixtures("failing_writer")
def test_view_is_refused_when_the_event_cannot_be_written(probe_app: Flask, probe_client: FlaskClient) -> None:
    rid = _record(probe_app)
    response = probe_client.get(f"/probe/view/{rid}")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert f"record {rid} content" not in body
    assert "审计日志暂时无法写入" in body and "The audit log cannot be written" not in body  # the user's language
    assert response.headers["Retry-After"] == "30"
    english = probe_client.get(f"/probe/view/{rid}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The audit log cannot be written" in english and "审计日志暂时无法写入" not in english
    assert _events(probe_app) == []


@pytest.mark.usefixtures("failing_writer")
def test_refused_edit_rolls_back_with_its_event(probe_app: Flask, probe_client: FlaskClient) -> None:
    rid = _record(probe_app)
    response = probe_client.get(f"/probe/edit/{rid}", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "audit_unavailable"
    with probe_app.extensions["lantai"].catalog.session() as session:
        record = session.get(Record, rid)
        assert record is not None and record.title == "original"


def test_unwritable_table_refuses_the_view(probe_app: Flask, probe_client: FlaskClient) -> None:
    rid = _record(probe_app)
    engine = probe_app.extensions["lantai"].catalog.engine
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
    assert probe_client.get(f"/probe/view/{rid}").status_code == 503
    assert probe_client.get(f"/probe/edit/{rid}").status_code == 503
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
    assert probe_client.get(f"/probe/view/{rid}").status_code == 200
    assert verify_chain(engine).ok and len(_events(probe_app)) == 1


@probe.route("/guarded/<int:record_id>")
@audited("download")
def guarded(record_id: int) -> Any:
    from config.errors import LantaiError

    class ContentForbidden(LantaiError):
        code = "forbidden"
        http_status = 403

    raise ContentForbidden("You may not read this record", "您无权阅读此档案")


def test_refusal_raised_as_lantai_error_is_recorded(probe_app: Flask, probe_client: FlaskClient) -> None:
    rid = _record(probe_app)
    assert probe_client.get(f"/probe/guarded/{rid}").status_code == 403
    (event,) = _events(probe_app)
    assert (event.action, event.record_id, event.outcome) == ("download", rid, "denied")
