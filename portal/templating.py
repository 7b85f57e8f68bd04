"""Templates compiled once per language, their fixed strings translated at compile time.

A page's ``_("…")`` with a literal message is a function call on every render: about 50 on
the search page, each going through Jinja's call protocol, the catalogue and ``Markup``. For
a given language its result never changes, so each language gets its own compiled copy of
every template (a Jinja overlay with its own cache), in which ``_("literal")`` is already the
translated text, which Jinja folds into the page, and ``_("literal", n=x)`` the translated
format with ``|translated_format(n=x)``, a filter. What the page prints is the same as the
run-time ``_()`` (``portal.i18n.render_gettext``): the catalogue's text, trusted (``Markup``)
under autoescape, with its variables escaped. Calls that are not a literal (``_(label)``),
``ngettext`` and renders outside a request stay run-time calls.

Translations are read when a template is compiled; the catalogues change only with a
restart (Flask-Babel keeps them for the app's life too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, has_request_context
from flask.templating import Environment
from flask_babel import get_locale, get_translations
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.lexer import (
    TOKEN_ASSIGN,
    TOKEN_COMMA,
    TOKEN_DOT,
    TOKEN_LBRACE,
    TOKEN_LBRACKET,
    TOKEN_LPAREN,
    TOKEN_NAME,
    TOKEN_PIPE,
    TOKEN_RBRACE,
    TOKEN_RBRACKET,
    TOKEN_RPAREN,
    TOKEN_STRING,
    Token,
    TokenStream,
)
from markupsafe import Markup, escape

GETTEXT_NAMES = frozenset({"_", "gettext"})
CACHE_SIZE = 400  # compiled templates per language (Jinja's default)
FORMAT_FILTER = "translated_format"
PLAIN = frozenset({str, int, float, bool})  # value types ``translated_format`` formats itself
OPENING = frozenset({TOKEN_LPAREN, TOKEN_LBRACKET, TOKEN_LBRACE})
CLOSING = frozenset({TOKEN_RPAREN, TOKEN_RBRACKET, TOKEN_RBRACE})


class LocalizedEnvironment(Environment):
    """Flask's template environment, dispatching each template to its language's overlay."""

    locale: str | None = None  # set on a language's overlay
    translations: Any = None

    def _language(self) -> LocalizedEnvironment | None:
        """The overlay of the request's language (made on first use), or None to compile as is."""
        if self.locale is not None or not has_request_context():
            return None
        code = str(get_locale() or "")
        overlays: dict[str, LocalizedEnvironment] = self.__dict__.setdefault("_overlays", {})
        overlay = overlays.get(code)
        if overlay is None:
            overlay = self.overlay(cache_size=CACHE_SIZE, extensions=[PrecompiledGettext])
            overlay.locale, overlay.translations = code, get_translations()
            overlays[code] = overlay
        return overlay

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> Any:
        """The template in the request's language (as Jinja's ``get_template`` otherwise)."""
        language = self._language()
        if language is not None:
            return language.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)

    def select_template(self, names: Any, parent: str | None = None, globals: Any = None) -> Any:
        """The first template found in the request's language (as Jinja's ``select_template``)."""
        language = self._language()
        if language is not None:
            return language.select_template(names, parent, globals)
        return super().select_template(names, parent, globals)


class PrecompiledGettext(Extension):
    """Rewrites ``_("literal")`` and ``_("literal", k=v, …)`` to the translated text."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.filters[FORMAT_FILTER] = translated_format

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        """The template's tokens with literal gettext calls replaced (see the module)."""
        translations = getattr(self.environment, "translations", None)
        if translations is None:
            yield from stream
            return
        autoescape = self.environment.autoescape
        escaped = bool(autoescape(stream.name) if callable(autoescape) else autoescape)
        previous: Token | None = None
        while not stream.eos:
            token = next(stream)
            if (
                token.type == TOKEN_NAME
                and token.value in GETTEXT_NAMES
                and (previous is None or previous.type != TOKEN_DOT)
                and stream.current.type == TOKEN_LPAREN
                and stream.look().type == TOKEN_STRING
            ):
                rewritten = self._rewrite(token, stream, translations, escaped)
                yield from rewritten
                previous = rewritten[-1]
                continue
            yield token
            previous = token

    @staticmethod
    def _rewrite(name: Token, stream: TokenStream, translations: Any, escaped: bool) -> list[Token]:
        """The tokens replacing one call: the call itself when its message is not alone or
        followed by keyword arguments."""
        lparen, message = next(stream), next(stream)
        line = name.lineno
        text = translations.ugettext(message.value)
        if stream.current.type == TOKEN_RPAREN:  # no variables: run-time gettext formats with none
            try:
                text = text % {}
            except (KeyError, TypeError, ValueError):  # a format missing its values fails at render, as before
                return [name, lparen, message]
            next(stream)
            return _trusted(line, text, escaped)
        if stream.current.type != TOKEN_COMMA or stream.look().type != TOKEN_NAME:
            return [name, lparen, message]
        next(stream)  # the comma; then ``k=v, …`` up to the call's closing parenthesis
        arguments: list[Token] = []
        depth = 0
        while True:
            token = next(stream)
            if token.type in OPENING:
                depth += 1
            elif token.type in CLOSING:
                if depth == 0:
                    break
                depth -= 1
            arguments.append(token)
        if len(arguments) < 2 or arguments[1].type != TOKEN_ASSIGN:
            raise TemplateSyntaxError(f"{name.value}() takes its variables by keyword", line)
        call = [Token(line, TOKEN_PIPE, "|"), Token(line, TOKEN_NAME, FORMAT_FILTER), Token(line, TOKEN_LPAREN, "(")]
        return [*_trusted(line, text, escaped), *call, *arguments, Token(line, TOKEN_RPAREN, ")")]


def _trusted(line: int, text: str, escaped: bool) -> list[Token]:
    """``(text|safe)``, or ``(text)`` in a template that is not escaped: a message is our own
    text, printed as is (``Markup``) as run-time gettext does."""
    safe = [Token(line, TOKEN_PIPE, "|"), Token(line, TOKEN_NAME, "safe")] if escaped else []
    return [Token(line, TOKEN_LPAREN, "("), Token(line, TOKEN_STRING, text), *safe, Token(line, TOKEN_RPAREN, ")")]


def translated_format(text: str, /, **values: Any) -> str:
    """``text % values`` as run-time gettext formats a message: under autoescape (``text`` is
    ``Markup``) each value escaped. Strings and numbers, the usual values, are formatted in
    half of ``Markup.__mod__``'s time, which wraps every value in a helper object (a search page
    formats a page link per hit); anything else goes through ``Markup.__mod__``."""
    if isinstance(text, Markup) and all(type(v) in PLAIN for v in values.values()):
        escaped = {k: escape(v) if type(v) is str else v for k, v in values.items()}
        return Markup(str.__mod__(text, escaped))  # noqa: S704  (our message, its values escaped)
    return text % values


class LocalizedFlask(Flask):
    """The portal's Flask: templates through ``LocalizedEnvironment``."""

    jinja_environment = LocalizedEnvironment
