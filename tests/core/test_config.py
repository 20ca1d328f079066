"""Configuration from the environment: safe defaults in development, refusals in production."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[2]

SETTINGS = (
    "SECRET_KEY", "QPORTAL_ENV", "DATABASE_URL", "REDIS_URL", "PORT", "DEFAULT_LOCALE", "TIMEZONE",
    "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "MAIL_FROM",
    "SESSION_COOKIE_SECURE", "JOB_RETRY_INTERVALS",
)  # fmt: skip


@pytest.fixture
def instance(monkeypatch, tmp_path):
    """A clean environment whose instance directory is a fresh temporary one."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "instance"
    monkeypatch.setenv("QPORTAL_INSTANCE", str(path))
    return path


def test_defaults(instance):
    config = Config()

    assert config.PORT == 5000
    assert config.BABEL_DEFAULT_LOCALE == "zh_CN"
    assert config.BABEL_DEFAULT_TIMEZONE == "Asia/Shanghai"
    database_url, instance_path = config.SQLALCHEMY_DATABASE_URI, config.INSTANCE_PATH
    assert database_url == f"sqlite:///{instance / 'qportal.db'}"
    assert config.REDIS_URL is None  # the embedded Redis under the instance directory
    assert instance_path == str(instance)
    assert (config.SMTP_HOST, config.SMTP_PORT, config.SMTP_STARTTLS) == ("", 25, False)
    assert config.JOB_RETRY_INTERVALS == [10, 60, 300]
    assert config.SESSION_COOKIE_SECURE is False


def test_environment_overrides_the_defaults(instance, monkeypatch):
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example.invalid:6379/2")
    monkeypatch.setenv("SMTP_HOST", "mail.example.invalid")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_STARTTLS", "yes")
    monkeypatch.setenv("JOB_RETRY_INTERVALS", "5,30")
    config = Config()

    assert config.PORT == 8080
    assert config.BABEL_DEFAULT_LOCALE == "en"
    assert config.REDIS_URL == "redis://cache.example.invalid:6379/2"
    assert (config.SMTP_HOST, config.SMTP_PORT, config.SMTP_STARTTLS) == ("mail.example.invalid", 587, True)
    assert config.JOB_RETRY_INTERVALS == [5, 30]


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://qp:pw@db.local:5432/qportal", "postgresql+psycopg://qp:pw@db.local:5432/qportal"),
        ("postgres://qp:pw@db.local/qportal", "postgresql+psycopg://qp:pw@db.local/qportal"),
        ("postgresql+psycopg://qp@db.local/qportal", "postgresql+psycopg://qp@db.local/qportal"),
        ("sqlite:////srv/qportal/portal.db", "sqlite:////srv/qportal/portal.db"),
    ],
)
def test_database_url_uses_psycopg_3_for_postgresql(instance, monkeypatch, given, used):
    monkeypatch.setenv("DATABASE_URL", given)

    database_url = Config().SQLALCHEMY_DATABASE_URI
    assert database_url == used


def test_secret_key_is_generated_once_into_the_instance_dir_and_reused(instance):
    first = Config().SECRET_KEY
    key_file = instance / "secret_key"

    assert len(first) == 64
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by the portal's account only
    again = [Config().SECRET_KEY for _ in range(2)]
    assert again == [first, first]


def test_processes_starting_together_share_one_secret_key(instance):
    """scripts/run starts web, worker and scheduler at once: they must all sign with the same key."""
    env = {**os.environ, "QPORTAL_INSTANCE": str(instance)}
    code = "from app.config import Config; print(Config().SECRET_KEY)"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}

    assert keys == {(instance / "secret_key").read_text()}
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_a_set_secret_key_is_used_and_nothing_is_written(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")

    assert Config().SECRET_KEY == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_production_without_secret_key_refuses_to_start(instance, monkeypatch):
    monkeypatch.setenv("QPORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://qp@db.local/qportal")

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config()
    assert not (instance / "secret_key").exists()  # no key made up behind the operator's back

    started = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True
    )
    assert started.returncode != 0
    assert "ConfigError: SECRET_KEY must be set" in started.stderr


def test_production_with_secret_key_sends_cookies_over_https_only(instance, monkeypatch):
    monkeypatch.setenv("QPORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")

    config = Config()
    assert config.SECRET_KEY == "a-long-random-production-key"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True
