"""Description schema: vocabularies, value checks, mandatory fields and the access-level rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from archive.access import level_for
from archive.catalog.models import Record
from archive.description.schema import (
    DescriptionError,
    Vocabulary,
    load_vocabulary,
    missing_mandatory,
    normalize_value,
    validate_description,
)


@pytest.mark.parametrize(
    ("classification", "openness", "default", "level"),
    [
        ("绝密", "开放", "open", "secret"),
        ("机密", None, "internal", "secret"),
        ("秘密", "控制", "open", "secret"),
        ("内部", "开放", "open", "internal"),
        ("公开", "开放", "internal", "open"),
        ("公开", "控制", "open", "restricted"),
        ("公开", None, "internal", "internal"),
        (None, None, "restricted", "restricted"),
        (None, "控制", "open", "restricted"),  # 控制 never opens a record
        (None, "开放", "internal", "internal"),
    ],
)
def test_access_level_rule(classification: str | None, openness: str | None, default: str, level: str) -> None:
    assert level_for(classification, openness, default) == level


def test_labels_and_codes_are_accepted_and_bad_values_explained() -> None:
    assert normalize_value("category_code", "文书") == "WS"
    assert normalize_value("category_code", "kj") == "KJ"
    assert normalize_value("retention", "永久") == "Y"
    assert normalize_value("retention", "30年") == "D30"
    assert normalize_value("date", "2023年5月12日") == dt.date(2023, 5, 12)
    assert normalize_value("title", "  ") is None
    with pytest.raises(DescriptionError) as caught:
        normalize_value("classification", "保密")
    assert "未知的密级" in caught.value.message_zh and "保密" in caught.value.message_en
    with pytest.raises(DescriptionError, match="not a date"):
        normalize_value("date", "2023-02-30")
    with pytest.raises(DescriptionError):
        normalize_value("fonds_code", "J-001")


def test_categories_come_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "categories.yaml"
    path.write_text("categories:\n  WS: 文书\n  JX: 教学\n", encoding="utf-8")
    vocabulary = load_vocabulary(path)
    assert normalize_value("category_code", "教学", vocabulary) == "JX"
    with pytest.raises(DescriptionError):
        normalize_value("category_code", "KJ", vocabulary)
    assert "KJ" in Vocabulary().categories
    (tmp_path / "bad.yaml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(DescriptionError, match="must map"):
        load_vocabulary(tmp_path / "bad.yaml")


def test_mandatory_fields_and_validation_of_a_record() -> None:
    record = Record(title="关于招生的通知", creator="长沙市教育局", classification="保密", retention="D30")
    assert missing_mandatory(record) == ["reference_code", "date", "openness"]
    errors = validate_description(record)
    assert len(errors) == 1 and "保密" in errors[0].message_en
