"""The discovery rule in the access matrix: researchers find restricted records by their public
catalogue fields (``LANTAI_DISCOVERY_FIELDS``) and nothing else.

Per role, one record per level whose title, 文号 and page text each carry a word of their own.
Written out by hand from the rule: a researcher without a grant finds the restricted record by
its title (a public field) as a catalogue entry with a request link, and never by its page text
or its 文号 (not public here); the entry shows no snippet, no thumbnail, no hidden field, no facet
count; a secret record is found by nobody but an administrator, and never as an entry; no other
role gets entries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from archive.catalog.accounts import Grant, User
from archive.catalog.models import utcnow
from tests.portal.conftest import AuthActions, add_user
from tests.portal.sample_records import add_record

LEVELS = ("open", "internal", "restricted", "secret")
ROLES = ("public", "researcher", "researcher+grant", "clerk", "archivist", "admin")
PUBLIC = "title,reference_code,date,department"

# Words of each level's record: in the title, in the page text, in the 文号.
TITLE = {"open": "甲目录词", "internal": "乙目录词", "restricted": "丙目录词", "secret": "丁目录词"}
TEXT = {"open": "甲正文词", "internal": "乙正文词", "restricted": "丙正文词", "secret": "丁正文词"}
DOC = {"open": "甲文号", "internal": "乙文号", "restricted": "丙文号", "secret": "丁文号"}

# role -> (levels found as ordinary hits by a title word, levels found as catalogue entries).
BY_TITLE: dict[str, tuple[set[str], set[str]]] = {
    "public": ({"open"}, set()),
    "researcher": ({"open"}, {"restricted"}),
    "researcher+grant": ({"open", "restricted"}, set()),
    "clerk": ({"open", "internal"}, set()),
    "archivist": ({"open", "internal", "restricted"}, set()),
    "admin": ({"open", "internal", "restricted", "secret"}, set()),
}


def _build(make_app: Callable[..., Flask], role: str, fields: str = PUBLIC) -> tuple[AuthActions, dict[str, int]]:
    app = make_app(discovery_fields=fields)
    ids = {
        level: add_record(
            app,
            [[f"本页 {TEXT[level]} 内容"]],
            access_level=level,
            title=f"关于{TITLE[level]}的通知",
            doc_number=f"长教发〔2023〕{DOC[level]}",
            reference_code=f"J001-WS·2023-D30-BGS-{i:04d}",
        ).id
        for i, level in enumerate(LEVELS, start=1)
    }
    if role == "researcher+grant":
        with app.extensions["lantai"].catalog.session() as db:
            user_id = db.scalar(select(User.id).where(User.username == "researcher"))
            db.add(Grant(user_id=user_id, record_id=ids["restricted"], expires_at=utcnow() + dt.timedelta(days=3)))
    auth = AuthActions(app.test_client())
    if role.startswith("researcher"):
        assert auth.login("researcher").status_code == 302
    elif role in ("archivist", "admin"):
        assert auth.login(role).status_code == 302
    elif role == "clerk":
        add_user(app, "clerk", "clerk-password-1", "clerk")
        assert auth.login("clerk", password="clerk-password-1").status_code == 302
    return auth, ids


def _found(html: str, ids: dict[str, int]) -> tuple[set[str], set[str]]:
    """Levels among the ordinary hits, and among the catalogue entries."""
    results, _, entries = html.partition('class="discovery"')
    hits = {
        level for level, i in ids.items() if re.search(rf'<li class="hit">.*?href="/records/{i}[?"]', results, re.S)
    }
    listed = {level for level, i in ids.items() if f'data-record="{i}"' in entries}
    return hits, listed


@pytest.mark.parametrize("role", ROLES)
def test_title_words_find_entries_only_as_the_rule_says(make_app: Callable[..., Flask], role: str) -> None:
    auth, ids = _build(make_app, role)
    for level in LEVELS:
        html = auth.client.get("/search", query_string={"q": TITLE[level]}).get_data(as_text=True)
        hits, entries = _found(html, ids)
        want_hits, want_entries = BY_TITLE[role]
        assert hits == {level} & want_hits, (role, level)
        assert entries == {level} & want_entries, (role, level)


def test_an_entry_shows_public_fields_only_and_a_request_link(make_app: Callable[..., Flask]) -> None:
    auth, ids = _build(make_app, "researcher")
    restricted = ids["restricted"]
    html = auth.client.get("/search", query_string={"q": "目录词"}).get_data(as_text=True)
    _, _, entries = html.partition('class="discovery"')
    assert f'data-record="{restricted}"' in entries
    assert f"/requests/new?record={restricted}" in entries
    assert "J001-WS·2023-D30-BGS-0003" in entries and "2023-05-12" in entries  # public fields
    for leak in (TEXT["restricted"], DOC["restricted"], "<mark>", f"/records/{restricted}/pages"):
        assert leak not in html, leak
    # facets count the ordinary hits only: one open record
    assert re.search(r'data-facet="access_level".*?<span class="count">1<', html, re.S)
    assert "restricted" not in re.findall(r'data-facet="access_level".*?</section>', html, re.S)[0]
    assert ids["secret"] not in {int(i) for i in re.findall(r'data-record="(\d+)"', html)}


@pytest.mark.parametrize(
    "query",
    [
        TEXT["restricted"],
        f"doc_number:{DOC['restricted']}",
        DOC["restricted"],
        f"{TITLE['restricted']} {TEXT['restricted']}",
        TITLE["secret"],
        TEXT["secret"],
    ],
)
def test_hidden_values_never_find_an_entry(make_app: Callable[..., Flask], query: str) -> None:
    """Page text, a field that is not public, or a secret record: no entry, no hit."""
    auth, ids = _build(make_app, "researcher")
    html = auth.client.get("/search", query_string={"q": query}).get_data(as_text=True)
    hits, entries = _found(html, ids)
    assert not entries and hits <= {"open"}
    assert 'class="discovery"' not in html


def test_the_setting_chooses_the_public_fields(make_app: Callable[..., Flask]) -> None:
    """With 文号 public and 题名 not, the 文号 finds the entry, the title does not, and the entry has no title."""
    auth, ids = _build(make_app, "researcher", fields="doc_number,reference_code")
    by_doc = auth.client.get("/search", query_string={"q": DOC["restricted"]}).get_data(as_text=True)
    assert _found(by_doc, ids)[1] == {"restricted"}
    assert TITLE["restricted"] not in by_doc.partition('class="discovery"')[2]
    by_title = auth.client.get("/search", query_string={"q": TITLE["restricted"]}).get_data(as_text=True)
    assert _found(by_title, ids)[1] == set()
    page = auth.client.get(f"/records/{ids['restricted']}").get_data(as_text=True)
    assert TITLE["restricted"] not in page and "2023-05-12" not in page and DOC["restricted"] in page


def test_discovery_off_leaves_restricted_records_out(make_app: Callable[..., Flask]) -> None:
    auth, ids = _build(make_app, "researcher", fields="")
    html = auth.client.get("/search", query_string={"q": TITLE["restricted"]}).get_data(as_text=True)
    assert _found(html, ids) == (set(), set())


def test_the_record_page_of_an_entry_shows_public_fields_and_the_request_path(make_app: Callable[..., Flask]) -> None:
    auth, ids = _build(make_app, "researcher")
    page = auth.client.get(f"/records/{ids['restricted']}").get_data(as_text=True)
    assert TITLE["restricted"] in page and f"/requests/new?record={ids['restricted']}" in page
    for leak in (TEXT["restricted"], DOC["restricted"], "长沙市教育局"):
        assert leak not in page, leak


def test_the_api_lists_entries_and_serves_public_fields_only(make_app: Callable[..., Flask]) -> None:
    auth, ids = _build(make_app, "researcher")
    body = auth.client.get("/api/v1/search", query_string={"q": TITLE["restricted"]}).get_json()
    assert [hit["id"] for hit in body["hits"]] == []
    assert [entry["id"] for entry in body["entries"]] == [ids["restricted"]] and body["entries_total"] == 1
    assert set(body["entries"][0]["fields"]) <= {"reference_code", "date", "year", "department"}
    assert "entries" not in auth.client.get("/api/v1/search", query_string={"q": TEXT["restricted"]}).get_json()
    record = auth.client.get(f"/api/v1/records/{ids['restricted']}").get_json()
    assert (
        record["title"] == f"关于{TITLE['restricted']}的通知" and record["pages"] == [] and record["original"] is None
    )
    assert "doc_number" not in record and "creator" not in record and "status" not in record
    # an archivist gets the whole description, as before
    staff = AuthActions(auth.client.application.test_client())
    staff.login("archivist")
    full = staff.client.get(f"/api/v1/records/{ids['restricted']}").get_json()
    assert (
        full["doc_number"] == f"长教发〔2023〕{DOC['restricted']}"
        and "entries" not in staff.client.get("/api/v1/search", query_string={"q": TITLE["restricted"]}).get_json()
    )
