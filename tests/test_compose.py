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


def test_only_the_proxy_is_published_and_the_portal_trusts_exactly_it() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}  # gunicorn unreachable but through nginx
    proxy, portal = services["proxy"], services["portal"]
    assert proxy["image"].startswith("nginx:")
    config = ROOT / "deploy" / "nginx" / "lantai.conf"
    assert any(v.startswith(f"./{config.relative_to(ROOT)}:") for v in proxy["volumes"])
    assert "server portal:8000;" in config.read_text()
    assert "--forwarded-allow-ips" not in portal["command"]  # ProxyFix, set by the setting, decides
    env = {k: str(v) for k, v in portal["environment"].items()}
    env["LANTAI_SECRET_KEY"] = "x" * 32
    assert load_settings(env).trusted_proxies == 1  # one hop: the proxy service
    assert set(proxy["networks"]) == {"edge"}  # the proxy reaches the portal and nothing else
    assert "edge" in portal["networks"]
    assert not any("edge" in service.get("networks", []) for name, service in services.items()
                   if name not in {"proxy", "portal"})
