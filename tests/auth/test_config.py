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


# ---------------------------------------------------------------- embedded mode: no public secrets


def test_embedded_mode_generates_private_keys_once(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(config.EmbeddedConfig, "SECRET_KEY", None)
    monkeypatch.setattr(config.EmbeddedConfig, "DATA_KEY", None)
    config.EmbeddedConfig.validate()
    first = (config.EmbeddedConfig.SECRET_KEY, config.EmbeddedConfig.DATA_KEY)
    assert len(first[0]) >= 40 and len(first[1]) >= 40 and first[0] != first[1]
    assert "embedded-demo" not in first[0] + first[1]
    for name in ("secret_key", "data_key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    # a restart reads the same keys back (sessions and encrypted ID numbers survive it)
    monkeypatch.setattr(config.EmbeddedConfig, "SECRET_KEY", None)
    monkeypatch.setattr(config.EmbeddedConfig, "DATA_KEY", None)
    config.EmbeddedConfig.validate()
    assert first == (config.EmbeddedConfig.SECRET_KEY, config.EmbeddedConfig.DATA_KEY)
    # another installation gets other keys
    other = tmp_path / "other"
    assert config.instance_secret("data_key", other) != first[1]


def test_embedded_and_testing_modes_refuse_to_listen_beyond_loopback(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ANPEI_DATA_KEY", raising=False)
    for mode in (config.EmbeddedConfig, config.TestingConfig):
        with pytest.raises(ConfigError, match="0.0.0.0"):
            config.check_bind(mode, [("0.0.0.0", 5000)])
        with pytest.raises(ConfigError, match="192.168.1.5"):
            config.check_bind(mode, [("127.0.0.1", 5000), ("192.168.1.5", 5000)])
        config.check_bind(mode, [("127.0.0.1", 5000), ("::1", 5000), "/run/anpei.sock"])
    config.check_bind(ProductionConfig, [("0.0.0.0", 8000)])


def test_explicit_keys_lift_the_loopback_rule_for_embedded_mode_only(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("ANPEI_DATA_KEY", "d" * 32)
    config.check_bind(config.EmbeddedConfig, [("0.0.0.0", 5000)])
    with pytest.raises(ConfigError):
        config.check_bind(config.TestingConfig, [("0.0.0.0", 5000)])


def test_gunicorn_refuses_a_public_bind_in_embedded_mode(monkeypatch):
    import importlib.util
    import logging
    from types import SimpleNamespace

    monkeypatch.setenv("ANPEI_CONFIG", "embedded")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", config.BASE_DIR / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    server = SimpleNamespace(cfg=SimpleNamespace(address=[("0.0.0.0", 5000)]), log=logging.getLogger("test"))
    with pytest.raises(SystemExit):
        conf.on_starting(server)
    server.cfg.address = [("127.0.0.1", 5000)]
    conf.on_starting(server)
