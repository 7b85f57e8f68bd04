"""Settings: typed, read from LANTAI_* over defaults, documented, clear errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings, SettingsError, env_name, load_settings
from tests.conftest import ROOT


def test_defaults_are_embedded(tmp_path: Path) -> None:
    settings = load_settings({"LANTAI_DATA_DIR": str(tmp_path)})
    assert settings.catalog_url.startswith("sqlite:///") and settings.catalog_url.endswith("catalog.sqlite3")
    assert settings.celery_broker_url == "filesystem://" and settings.broker_dir == (tmp_path / "broker").resolve()
    assert settings.search_backend == "embedded"
    assert settings.index_dir == tmp_path / "index"
    assert settings.ocr_language_list == ["chi_sim", "eng"]


def test_production_values_are_read() -> None:
    settings = load_settings(
        {
            "LANTAI_DATABASE_URL": "postgresql+psycopg://u:p@db/lantai",
            "LANTAI_BROKER_URL": "redis://redis:6379/0",
            "LANTAI_SEARCH_BACKEND": "elasticsearch",
            "LANTAI_ELASTICSEARCH_URL": "http://es:9200",
            "LANTAI_WORKER_CONCURRENCY": "4",
            "LANTAI_PUBLIC_SEARCH": "false",
        }
    )
    assert settings.catalog_url == "postgresql+psycopg://u:p@db/lantai"
    assert settings.celery_broker_url == "redis://redis:6379/0"
    assert settings.worker_concurrency == 4
    assert settings.public_search is False


@pytest.mark.parametrize(
    ("variable", "value", "accepts"),
    [
        ("LANTAI_WORKER_CONCURRENCY", "many", "a whole number"),
        ("LANTAI_SEARCH_BACKEND", "solr", "one of embedded, elasticsearch"),
        ("LANTAI_PUBLIC_SEARCH", "perhaps", "true or false"),
        ("LANTAI_DATABASE_URL", "catalog.db", "a URL with a scheme"),
        ("LANTAI_DEFAULT_ACCESS_LEVEL", "public", "one of open, internal, restricted, secret"),
    ],
)
def test_bad_value_names_the_variable_and_what_it_accepts(variable: str, value: str, accepts: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert variable in caught.value.message_en and accepts in caught.value.message_en
    assert variable in caught.value.message_zh


def test_unknown_variable_is_refused() -> None:
    with pytest.raises(SettingsError, match="LANTAI_DATABSE_URL"):
        load_settings({"LANTAI_DATABSE_URL": "sqlite://"})


def test_elasticsearch_backend_needs_its_url() -> None:
    with pytest.raises(SettingsError, match="LANTAI_ELASTICSEARCH_URL"):
        load_settings({"LANTAI_SEARCH_BACKEND": "elasticsearch"})


def test_settings_are_not_read_at_import() -> None:
    # A bad value in the environment must not break an import: settings are read at start.
    env = {**os.environ, "LANTAI_WORKER_CONCURRENCY": "not-a-number"}
    code = "import config, indexer.jobs, indexer.tasks, indexer.process, portal.app, cli.main"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(LANTAI_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    missing = {env_name(name) for name in Settings.model_fields} - documented
    assert not missing, f"settings missing from README.md's table: {sorted(missing)}"
    stale = documented - {env_name(name) for name in Settings.model_fields}
    assert not stale, f"README.md documents settings that do not exist: {sorted(stale)}"


def test_secret_key_is_created_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings({"LANTAI_DATA_DIR": str(tmp_path)})
    first = settings.signing_secret()
    assert len(first) > 40 and settings.signing_secret() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
