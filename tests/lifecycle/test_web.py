"""The portal and the API: an opening review through the pages (the department's clerk and an
administrator sign, the record becomes visible to anonymous visitors) and a destruction through
the API (two approvals, a legal hold, execution, the 销毁清册), with errors in the user's language."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.accounts import create_token
from archive.audit.service import CLI
from archive.catalog.accounts import User
from archive.catalog.models import OriginalFile, Record
from archive.departments import assign_clerk, save_department
from tests.lifecycle.archive import KINDS, add_record
from tests.portal.conftest import AuthActions, add_user

KIND = {k.name: k for k in KINDS}
PASSWORD = "lifecycle-password-1"


def _setup(app: Flask) -> None:
    lantai = app.extensions["lantai"]
    for username, role in (("bgs", "clerk"), ("cwc", "clerk"), ("archivist2", "archivist")):
        add_user(app, username, PASSWORD, role)
    with lantai.catalog.session() as session:
        for code, name in (("BGS", "办公室"), ("CWC", "财务处")):
            save_department(session, code=code, name=name, actor=CLI)
        for username, code in (("bgs", "BGS"), ("cwc", "CWC")):
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None
            assign_clerk(session, user, code, actor=CLI)


def _token(app: Flask, username: str) -> dict[str, str]:
    with app.extensions["lantai"].catalog.session() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        return {"Authorization": f"Bearer {create_token(db, user, 'test', actor=CLI)}"}


def _flashes(response: Any) -> str:
    return response.get_data(as_text=True)


def test_opening_review_through_the_pages(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    _setup(app)
    lantai = app.extensions["lantai"]
    old = add_record(lantai, 1990, KIND["internal-Y"])
    other = add_record(lantai, 1991, KIND["internal-Y"])
    recent = add_record(lantai, 2020, KIND["internal-Y"])
    auth.login("archivist")
    home = client.get("/").get_data(as_text=True)
    assert 'id="home-due-opening">2<' in home
    page = client.get("/lifecycle/").get_data(as_text=True)
    assert f'data-record="{old}"' in page and f'data-record="{recent}"' not in page
    missing = auth.post("/lifecycle/opening/propose", {"record": [old], "decision": "open", "reason": ""},
                        follow_redirects=True)
    assert "开放审核意见须说明理由" in _flashes(missing)
    done = auth.post("/lifecycle/opening/propose", {"record": [old, other], "decision": "open",
                                                    "reason": "无敏感内容"}, follow_redirects=True)
    assert "已提出 2 条开放审核意见" in _flashes(done)
    with lantai.catalog.session() as session:
        from archive.catalog.lifecycle import OpeningProposal

        proposal_ids = list(session.scalars(select(OpeningProposal.id).order_by(OpeningProposal.id)))
    auth.logout()
    # The clerk of another department may not sign; the English page says so in English.
    auth.login(username="cwc", password=PASSWORD)
    assert f'data-proposal="{proposal_ids[0]}"' not in client.get("/lifecycle/").get_data(as_text=True)
    refused = auth.post("/lifecycle/opening/sign?lang=en", {"proposal": proposal_ids}, follow_redirects=True,
                        headers={"Cookie": "lang=en"})
    assert "belongs to department BGS, not yours" in _flashes(refused)
    auth.logout()
    auth.login(username="bgs", password=PASSWORD)
    assert f'data-proposal="{proposal_ids[0]}"' in client.get("/lifecycle/").get_data(as_text=True)
    assert "已签署 2 条，其中 0 条已生效" in _flashes(auth.post("/lifecycle/opening/sign", {"proposal": proposal_ids},
                                                                  follow_redirects=True))
    auth.logout()
    assert client.get(f"/records/{old}").status_code == 404
    auth.login("admin")
    assert "其中 2 条已生效" in _flashes(auth.post("/lifecycle/opening/sign", {"proposal": proposal_ids},
                                                  follow_redirects=True))
    auth.logout()
    assert client.get(f"/records/{old}").status_code == 200
    assert client.get(f"/records/{other}").status_code == 200
    assert client.get(f"/records/{recent}").status_code == 404


def test_destruction_through_the_api(app: Flask, client: FlaskClient) -> None:
    _setup(app)
    lantai = app.extensions["lantai"]
    doomed = add_record(lantai, 2010, KIND["internal-D10"])
    kept = add_record(lantai, 2011, KIND["internal-D10"])
    permanent = add_record(lantai, 2000, KIND["internal-Y"])
    archivist, admin, archivist2 = _token(app, "archivist"), _token(app, "admin"), _token(app, "archivist2")
    bad = client.post("/api/v1/lifecycle/opening/proposals", headers=archivist,
                      json={"records": [permanent], "decision": "defer", "reason": "x", "defer_years": "3"})
    assert bad.status_code == 400 and bad.get_json()["error"]["message_zh"] == "defer_years 须为整数年"
    assert client.post("/api/v1/lifecycle/appraisals", headers=archivist, data="x").status_code == 400
    due = client.get("/api/v1/lifecycle/due/disposal", headers=archivist).get_json()
    assert {r["id"] for r in due["records"]} == {doomed, kept}
    refused = client.post("/api/v1/lifecycle/appraisals", headers=archivist,
                          json={"records": [permanent], "decision": "destroy", "reason": "x"})
    assert refused.status_code == 409 and "永久" in refused.get_json()["error"]["message_zh"]
    made = client.post("/api/v1/lifecycle/appraisals", headers=archivist,
                       json={"records": [doomed], "decision": "destroy", "reason": "已无保存价值"})
    assert made.status_code == 201
    batch = client.post("/api/v1/lifecycle/destruction/batches", headers=archivist,
                        json={"records": [doomed], "title": "API 批次"}).get_json()
    url = f"/api/v1/lifecycle/destruction/batches/{batch['id']}"
    own = client.post(f"{url}/approvals", headers=archivist)
    assert own.status_code == 403 and own.get_json()["error"]["message_en"].startswith("You proposed")
    assert client.post(f"{url}/approvals", headers=admin).status_code == 200
    assert client.post(f"{url}/approvals", headers=admin).status_code == 409
    early = client.post(f"{url}/execution", headers=archivist, json={"witness": "王"})
    assert early.status_code == 409 and "未经批准" in early.get_json()["error"]["message_zh"]
    assert client.post(f"{url}/approvals", headers=archivist2).get_json()["status"] == "approved"
    assert client.post("/api/v1/lifecycle/holds", headers=archivist, json={"record": doomed, "reason": "诉讼"}
                       ).status_code == 403
    assert client.post("/api/v1/lifecycle/holds", headers=admin, json={"record": doomed, "reason": "诉讼"}
                       ).status_code == 200
    assert [h["record_id"] for h in client.get("/api/v1/lifecycle/holds", headers=archivist).get_json()["holds"]
            ] == [doomed]
    held = client.post(f"{url}/execution", headers=archivist, json={"witness": "王"})
    assert held.status_code == 409 and "legal hold" in held.get_json()["error"]["message_en"]
    client.post("/api/v1/lifecycle/holds", headers=admin, json={"record": doomed, "reason": "结案", "release": True})
    with lantai.catalog.session() as session:
        keys = {f.record_id: f.storage_key for f in session.scalars(select(OriginalFile))}
    done = client.post(f"{url}/execution", headers=archivist, json={"witness": "王监销"})
    assert done.status_code == 200 and done.get_json()["originals_removed"] == 1
    assert not (lantai.storage.originals / keys[doomed]).exists()
    assert (lantai.storage.originals / keys[kept]).exists() and (lantai.storage.originals / keys[permanent]).exists()
    with lantai.catalog.session() as session:
        assert session.get(Record, doomed) is None
    stones = client.get("/api/v1/lifecycle/tombstones", headers=archivist).get_json()["tombstones"]
    assert [s["record_id"] for s in stones] == [doomed] and stones[0]["approved_by"] == ["admin", "archivist2"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{url}/register.xlsx", headers=archivist).data)).active
    assert sheet is not None
    assert [c.value for c in list(sheet.iter_rows())[-1]][8] == "王监销"
    assert client.get("/api/v1/lifecycle/due/disposal", headers=_token(app, "bgs")).status_code == 403
    assert client.get("/api/v1/lifecycle/due/disposal").status_code == 401


def test_a_whole_batch_from_a_search(app: Flask, client: FlaskClient, auth: AuthActions,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.search.documents import index_records

    _setup(app)
    lantai = app.extensions["lantai"]
    found = [add_record(lantai, 1990, KIND["internal-Y"]), add_record(lantai, 1990, KIND["internal-D30"])]
    other = add_record(lantai, 1991, KIND["internal-Y"])
    index_records(lantai, [*found, other])
    auth.login("archivist")
    page = client.get("/lifecycle/", query_string={"q": "1990"}).get_data(as_text=True)
    assert all(f'data-record="{i}"' in page for i in found) and f'data-record="{other}"' not in page
    monkeypatch.setattr("portal.lifecycle.views.SHOWN", 1)  # a long list shows its head and says so
    page = client.get("/lifecycle/", query_string={"q": "1990"}).get_data(as_text=True)
    opening_table = page.split('class="opening-due"')[1].split("</table>")[0]
    assert "仅显示前 1 件，共 2 件" in page and opening_table.count("data-record=") == 1
    done = auth.post("/lifecycle/opening/propose", {"all_listed": "1", "q": "1990", "decision": "defer",
                                                    "reason": "整批暂缓", "defer_years": "3"}, follow_redirects=True)
    assert "已提出 2 条开放审核意见" in _flashes(done)
    from archive.catalog.lifecycle import OpeningProposal

    with lantai.catalog.session() as session:
        proposed = {p.record_id: p.defer_years for p in session.scalars(select(OpeningProposal))}
    assert proposed == dict.fromkeys(found, 3)
