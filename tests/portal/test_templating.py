"""Templates compiled per language with their fixed strings translated (``portal.templating``):
the pages print what run-time translation printed, in both languages."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template
from flask.templating import Environment
from jinja2 import DictLoader

from portal.app import create_app
from portal.templating import LocalizedEnvironment, LocalizedFlask
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record

CSRF = re.compile(r"<input[^>]*csrf_token[^>]*>")
EVENTS = re.compile(r'<table class="audit-events">.*?</table>', re.S)
PAGES = [
    "/",
    "/search",
    "/search?q=%E6%8B%9B%E7%94%9F",
    "/search?q=%E6%8B%9B%E7%94%9F&f=category%3AWS&sort=date_asc",
    "/search?q=((",
    "/search/advanced",
    "/browse/",
    "/login",
    "/records/1",
]


def _pages(app: Flask, language: str, role: str | None) -> dict[str, tuple[int, str]]:
    client = app.test_client()
    if role:
        AuthActions(client).login(role)
    client.set_cookie("lang", language)
    out = {}
    for path in PAGES:
        response = client.get(path)
        html = response.get_data(as_text=True)
        # the form token differs from one session to the next
        # and the record page's access history holds the other run's views
        out[path] = (response.status_code, EVENTS.sub("", CSRF.sub("", html)))
    return out


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
@pytest.mark.parametrize("role", [None, "admin"])
def test_pages_print_what_run_time_translation_printed(
    app: Flask, monkeypatch: pytest.MonkeyPatch, language: str, role: str | None
) -> None:
    add_record(app, [["关于 做好 招生工作 的 通知"]], images=False)
    assert isinstance(app.jinja_env, LocalizedEnvironment)
    precompiled = _pages(app, language, role)
    monkeypatch.setattr(LocalizedFlask, "jinja_environment", Environment)  # Flask's own: _() at run time
    plain = create_app(app.extensions["lantai"].settings)
    assert not isinstance(plain.jinja_env, LocalizedEnvironment)
    assert _pages(plain, language, role) == precompiled
    if language == "en":
        assert "Search the archive" in precompiled["/"][1]


def _render(source: str, name: str = "t.html", **context: object) -> str:
    app = LocalizedFlask(__name__)
    app.jinja_loader = DictLoader({name: source})  # type: ignore[assignment]
    from flask_babel import Babel

    Babel(app, locale_selector=lambda: "zh_Hans")
    with app.test_request_context("/"):
        return render_template(name, **context)


def test_literal_calls_become_text_and_their_variables_are_still_escaped() -> None:
    source = '{{ _("a < b") }}|{{ _("%(n)s 条", n=v) }}|{{ _("100%%") }}|{{ _(label) }}|{{ _("x")|upper }}'
    rendered = _render(source, v="<i>", label="y & z")
    # a message is trusted text, a variable escaped; ``_(label)`` stays a run-time call, as trusted
    assert rendered == "a < b|&lt;i&gt; 条|100%|y & z|X"


def test_a_text_template_is_not_escaped() -> None:
    assert _render('{{ _("%(n)s & co", n=v) }}', name="mail.txt", v="<i>") == "<i> & co"


def test_a_format_without_its_values_fails_as_at_run_time() -> None:
    with pytest.raises(KeyError):
        _render('{{ _("%(n)s 条") }}')


def test_variables_format_as_at_run_time_whatever_their_type() -> None:
    from decimal import Decimal

    from jinja2 import TemplateSyntaxError
    from markupsafe import Markup

    values = {"text": "<b>", "n": 3, "x": 2.5, "yes": True, "d": Decimal("7"), "m": Markup("<i>ok</i>")}
    source = '{{ _("%(text)s %(n)d %(x).1f %(yes)s %(d)d %(m)s", text=text, n=n, x=x, yes=yes, d=d, m=m) }}'
    assert _render(source, **values) == "&lt;b&gt; 3 2.5 True 7 <i>ok</i>"
    assert _render('{{ _("%(n)s", n=f(value=2)) }}', f=lambda value: value * 2) == "4"
    with pytest.raises(TemplateSyntaxError, match="keyword"):
        _render('{{ _("%(n)s", n) }}', n=1)
