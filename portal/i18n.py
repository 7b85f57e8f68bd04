"""Languages of the portal: Chinese (简体) by default, English on request.

The locale comes from the ``lang`` cookie (set by ``/lang/<code>``), else from the
browser's ``Accept-Language``, else Chinese. Catalogs live in ``portal/translations``
(``messages.po`` and the compiled ``messages.mo`` both in the repository); the app
recompiles a catalog at start when its ``.po`` is newer than its ``.mo``.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, redirect, request, url_for
from flask_babel import Babel, get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).parent / "translations"
DEFAULT_LOCALE = "zh_Hans"
LOCALES = {"zh_Hans": "中文", "en": "English"}
# Accept-Language tags map to our two catalogs (zh, zh-CN, zh-Hans, zh-SG ... are Chinese).
COOKIE = "lang"

babel = Babel()
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The locale of this request: cookie or ``?lang=``, then Accept-Language, then Chinese."""
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "zh-SG", "en"], default="zh")
    return "en" if best.startswith("en") else DEFAULT_LOCALE


def html_lang() -> str:
    """The ``lang`` attribute of the page (BCP 47)."""
    return "zh-Hans" if str(get_locale()) == DEFAULT_LOCALE else "en"


def compile_catalogs(directory: Path = TRANSLATIONS, force: bool = False) -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older; returns those written."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        try:
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
        except OSError as exc:  # a read-only install keeps its shipped .mo
            log.warning("cannot compile %s: %s", po, exc)
            continue
        written.append(mo)
    return written


@bp.route("/lang/<code>")
def switch(code: str) -> Any:
    """Remember the chosen language in a cookie and go back to the page the user was on."""
    from portal.auth.views import safe_next

    target = safe_next(request.args.get("next"))
    response = redirect(target if code in LOCALES else url_for("site.home"))
    if code in LOCALES:
        response.set_cookie(
            COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure
        )
    return response


def init_app(app: Flask) -> None:
    """Install Flask-Babel with our locale selector and catalogs."""
    compile_catalogs()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _inject_i18n() -> dict[str, Any]:
        gettext = render_gettext()
        return {
            "html_lang": html_lang(),
            "locales": LOCALES,
            "current_locale": str(get_locale()),
            "gettext": gettext,
            "_": gettext,
        }


# Strings without variables as templates render them, per catalogue: (msgid, autoescape) -> text.
_RENDERED: weakref.WeakKeyDictionary[Any, dict[tuple[str, bool], str]] = weakref.WeakKeyDictionary()


def render_gettext() -> Any:
    """The templates' ``_()``/``gettext()`` bound to the catalogue of this render.

    Does what Flask-Babel's installed callable does (Jinja's new-style gettext: a format
    string, escaped under autoescape), but finds the request's catalogue once per render
    instead of once per string (a search page translates about 200 strings); a string without
    variables is translated once per catalogue (Flask-Babel keeps one per locale). It takes the
    evaluation context (for autoescape), not the template context: Jinja copies the whole
    template context for a ``pass_context`` callable called inside a loop or a block.
    """
    translations = get_translations()
    lookup = translations.ugettext
    plain = _RENDERED.get(translations)
    if plain is None:
        plain = _RENDERED[translations] = {}

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
        autoescape = eval_ctx.autoescape
        if not variables and (string, autoescape) in plain:
            return plain[string, autoescape]
        value = lookup(string)
        if autoescape:
            value = Markup(value)  # noqa: S704  (the catalogue is ours, as in Jinja's own gettext)
        value = value % variables
        if not variables:
            plain[string, autoescape] = value
        return value

    return gettext


def translator() -> Callable[[str], str]:
    """The request's catalogue lookup, for code that translates many strings (a page's facets):
    Flask-Babel's ``gettext`` finds the catalogue again on every call, about 7 µs here. Format
    with ``%`` as ``gettext(msgid, **variables)`` does."""
    lookup: Callable[[str], str] = get_translations().ugettext
    return lookup


def localized(error: Any) -> str:
    """A ``LantaiError``'s message in the request's language."""
    return str(error.message_en if str(get_locale()) == "en" else error.message_zh)
