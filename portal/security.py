"""Web security of the portal: CSRF protection and the security headers (passwords: ``archive.passwords``).

Headers are added in ``after_request``, which Flask also runs for error pages (403, 404,
413, 500), so no response leaves without them.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# Content-Security-Policy: no inline scripts or styles anywhere; areas that need more add
# sources here (one place), never 'unsafe-inline'.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

def content_security_policy() -> str:
    """The CSP header value."""
    return "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES.items())


def set_security_headers(response: Response) -> Response:
    """Add the security headers to any response (pages, files, JSON, errors)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages shown to a signed-in user can hold restricted text: keep them out of shared caches.
    if getattr(g, "user", None) is not None and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Install CSRF protection and the headers on ``app``."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    csrf.init_app(app)
    app.after_request(set_security_headers)
