"""Production mode refuses to start without its secrets."""

import pytest

import config
from config import ConfigError, ProductionConfig

GOOD = {"SECRET_KEY": "s" * 32, "SQLALCHEMY_DATABASE_URI": "postgresql://u@h/db", "DATA_KEY": "d" * 32}


@pytest.mark.parametrize(
    ("attr", "env_name"),
    [("SECRET_KEY", "SECRET_KEY"), ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"), ("DATA_KEY", "ANPEI_DATA_KEY")],
)
def test_production_refuses_missing_setting(monkeypatch, attr, env_name):
    for name, value in GOOD.items():
        monkeypatch.setattr(ProductionConfig, name, value)
    monkeypatch.setattr(ProductionConfig, attr, None)
    with pytest.raises(ConfigError, match=env_name):
        ProductionConfig.validate()


def test_production_refuses_short_keys(monkeypatch):
    for name, value in GOOD.items():
        monkeypatch.setattr(ProductionConfig, name, value)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="16"):
        ProductionConfig.validate()


def test_production_accepts_complete_settings(monkeypatch):
    for name, value in GOOD.items():
        monkeypatch.setattr(ProductionConfig, name, value)
    ProductionConfig.validate()
    assert ProductionConfig.SESSION_COOKIE_SECURE is True or config.env_str("ANPEI_SECURE_COOKIES") is not None


def test_create_app_calls_validate(monkeypatch):
    from app import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(ConfigError):
        create_app(ProductionConfig)


def test_unknown_mode_refused(monkeypatch):
    monkeypatch.setenv("ANPEI_CONFIG", "staging")
    with pytest.raises(ConfigError, match="staging"):
        config.config_from_env()
