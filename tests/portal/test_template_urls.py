"""The templates' ``url_for`` (``portal.routing``): the URLs Flask builds, per request root and host."""

from __future__ import annotations

from flask import Flask, url_for

CALLS = [
    ("static", {"filename": "css/lantai.css"}),
    ("search.search", {}),
    ("records.show", {"record_id": 12, "q": "档案 &x"}),
    ("records.page_thumbnail", {"record_id": 7, "number": 1}),
    ("auth.login", {"next": "/search?q=%E6%A1%A3"}),
]


def test_template_urls_are_flasks_under_every_root_and_host(app: Flask) -> None:
    template_url_for = app.jinja_env.globals["url_for"]
    for base in ("http://localhost/", "http://localhost/archive/", "https://lantai.example:8443/"):
        for _ in range(2):  # built, then kept
            with app.test_request_context("/search", base_url=base):
                for endpoint, values in CALLS:
                    assert template_url_for(endpoint, **values) == url_for(endpoint, **values)
    with app.test_request_context("/search", base_url="http://localhost/archive/"):
        assert template_url_for("search.search") == "/archive/search"


def test_external_and_unhashable_values_build_flasks_urls(app: Flask) -> None:
    template_url_for = app.jinja_env.globals["url_for"]
    with app.test_request_context("/search"):
        assert template_url_for("search.search", _external=True) == "http://localhost/search"
        filters = ["year:2020", "category:WS"]
        assert template_url_for("search.search", f=filters) == url_for("search.search", f=filters)
