"""docker-compose.yml describes the production shape (no Docker engine runs here)."""

from __future__ import annotations

import yaml

from config.settings import load_settings
from tests.conftest import ROOT


def test_compose_names_the_production_services() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"portal", "worker", "redis", "postgres", "elasticsearch"} <= set(services)
    assert "gunicorn" in services["portal"]["command"]
    assert services["worker"]["command"] == "lantai worker"
    assert {"lantai-data", "postgres-data", "es-data"} <= set(compose["volumes"])


def test_compose_environment_is_valid_lantai_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {k: str(v) for k, v in compose["services"]["worker"]["environment"].items()}
    env["LANTAI_SECRET_KEY"] = "x" * 32
    settings = load_settings(env)
    assert settings.search_backend == "elasticsearch"
    assert settings.celery_broker_url.startswith("redis://")
    assert settings.catalog_url.startswith("postgresql+psycopg://")
