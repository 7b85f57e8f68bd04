"""Item 4 of issue 11: the portal shows a message in the reader's language only (the CLI and
the API keep both)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(("language", "expected", "absent"), [("zh", "括号", "parenthes"), ("en", "parenthes", "括号")])
def test_the_portal_shows_a_query_error_in_the_readers_language_only(
    client: FlaskClient, make_record: Callable[..., int], language: str, expected: str, absent: str
) -> None:
    make_record("open")
    client.get(f"/lang/{'en' if language == 'en' else 'zh_Hans'}")
    html = client.get("/search", query_string={"q": "(档案"}).get_data(as_text=True)
    alert = html[html.index('class="search-error"') :]
    alert = alert[: alert.index("</div>")]
    assert expected in alert and absent not in alert and " / " not in alert
    record_page = client.get("/records/1", query_string={"q": "(档案"}).get_data(as_text=True)
    shown = re.search(r'<p class="error" role="alert">([^<]*)</p>', record_page)
    assert shown is not None and expected in shown.group(1) and absent not in shown.group(1)
