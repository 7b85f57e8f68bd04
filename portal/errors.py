"""The one place that turns errors into responses: JSON under ``/api/`` (or when the client
asks for JSON), an HTML page otherwise.

JSON errors carry both languages (``{"error": {"status", "code", "message_zh", "message_en"}}``),
as the command line prints them; an HTML page shows the message in the user's language only.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from config.errors import LantaiError
from portal.i18n import localized

log = logging.getLogger(__name__)

# status -> (code, 中文, English) for errors that are not a LantaiError.
HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求无效", "The request could not be understood"),
    401: ("unauthorized", "需要有效的登录或 API 令牌", "A valid session or API token is required"),
    403: ("forbidden", "无权执行此操作", "You may not do this"),
    404: ("not_found", "未找到", "Not found"),
    405: ("method_not_allowed", "不支持此请求方法", "Method not allowed"),
    413: ("too_large", "文件过大", "The upload is too large"),
    429: ("too_many_requests", "尝试次数过多，请稍后再试", "Too many attempts; please try again later"),
    500: ("server_error", "服务器内部错误", "Something went wrong on our side"),
}

ERROR_TITLES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Not signed in"), _l("Please log in to continue.")),
    403: (_l("Access denied"), _l("You do not have permission to view this page or record.")),
    404: (_l("Not found"), _l("There is no such page or record, or you may not see it.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The upload is larger than this portal accepts.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (_l("Server error"), _l("Something went wrong on our side. Please try again later.")),
}


def wants_json() -> bool:
    """Whether this request gets JSON errors: the API, or a client that prefers JSON."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def json_error(status: int, code: str, zh: str, en: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The JSON error body; a 503 (audit log unavailable) says when to try again."""
    headers = {"Retry-After": "30", "Cache-Control": "no-store"} if status == 503 else {}
    return {"error": {"status": status, "code": code, "message_zh": zh, "message_en": en}}, status, headers


def render_error(status: int, message: str | None = None) -> Any:
    """An error page (or JSON) for an HTTP status, in the user's language."""
    if wants_json():
        code, zh, en = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500])
        return json_error(status, code, zh, en)
    title, text = ERROR_TITLES.get(status, ERROR_TITLES[500])
    return render_template("errors/error.html", status=status, title=str(title), text=message or str(text)), status


def register_error_handlers(app: Flask) -> None:
    """Error responses for HTTP errors, for ``LantaiError`` and for anything unexpected."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if exc.code is None or exc.code < 400:
            return exc
        return render_error(exc.code)

    @app.errorhandler(LantaiError)
    def _lantai_error(exc: LantaiError) -> Any:
        if wants_json():
            return json_error(exc.http_status, exc.code, exc.message_zh, exc.message_en)
        page, status = render_error(exc.http_status, localized(exc))
        if status == 503:  # the audit log cannot be written: try again later, never cache
            return page, status, {"Retry-After": "30", "Cache-Control": "no-store"}
        return page, status

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError) -> Any:
        original = getattr(exc, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s", request.path, exc_info=original)
        return render_error(500)
