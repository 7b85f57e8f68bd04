"""The translation catalogs: complete in both directions, placeholders intact, compiled files fresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from portal.i18n import TRANSLATIONS

CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def catalog(locale: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a locale's .po (plural forms: the first of each)."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        messages = read_po(handle, locale=locale)
    pairs = []
    for message in messages:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
        pairs.append((str(msgid), str(msgstr or "")))
    return pairs


def test_every_english_source_string_has_a_chinese_translation() -> None:
    missing = [msgid for msgid, msgstr in catalog("zh_Hans") if not CJK.search(msgid) and not msgstr]
    assert not missing, "untranslated in zh_Hans/LC_MESSAGES/messages.po:\n" + "\n".join(missing)


def test_every_chinese_source_string_has_an_english_translation() -> None:
    missing = [msgid for msgid, msgstr in catalog("en") if CJK.search(msgid) and not msgstr and "兰台" not in msgid]
    assert not missing, "untranslated in en/LC_MESSAGES/messages.po:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_translations_keep_their_placeholders(locale: str) -> None:
    broken = [
        f"{msgid!r} -> {msgstr!r}"
        for msgid, msgstr in catalog(locale)
        if msgstr and sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_compiled_catalog_matches_its_source(locale: str) -> None:
    folder = Path(TRANSLATIONS) / locale / "LC_MESSAGES"

    def pairs(messages: object) -> dict[str, str]:
        out = {}
        for m in messages:  # type: ignore[attr-defined]
            ids = m.id if isinstance(m.id, list | tuple) else [m.id]
            strings = m.string if isinstance(m.string, list | tuple) else [m.string]
            if ids[0] and strings[0] and strings[0] != ids[0] and not m.fuzzy:
                out[str(ids[0])] = str(strings[0])
        return out

    with (folder / "messages.mo").open("rb") as handle:
        compiled = pairs(read_mo(handle))
    with (folder / "messages.po").open("rb") as handle:
        source = pairs(read_po(handle, locale=locale))
    assert compiled == source, (
        "messages.mo is stale: run `pybabel compile -d portal/translations` (the app also recompiles at start)"
    )
