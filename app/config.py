"""Configuration read from the environment.

Development needs nothing set: SQLite and an embedded Redis live under ``instance/`` and a
secret key is generated there once. Production (``QPORTAL_ENV=production``) refuses to start
without ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """Where the portal keeps its own files: ``QPORTAL_INSTANCE``, else ``instance/`` in the checkout."""
    return Path(os.environ.get("QPORTAL_INSTANCE") or ROOT / "instance")


class ConfigError(RuntimeError):
    """The environment does not allow the portal to start safely."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int_list(name: str, default: str) -> list[int]:
    return [int(part) for part in os.environ.get(name, default).split(",") if part.strip()]


def _fraction(name: str, default: str) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError as error:
        raise ConfigError(f"{name} must be a number between 0 and 1") from error
    if not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a number between 0 and 1")
    return value


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}")
    return value


def _int_map(name: str, default: str) -> dict[str, int]:
    """``"city:1,province:3,remote:7"`` → ``{"city": 1, "province": 3, "remote": 7}``."""
    try:
        pairs = (part.split(":") for part in os.environ.get(name, default).split(",") if part.strip())
        return {key.strip(): int(value) for key, value in pairs}
    except ValueError as error:
        raise ConfigError(f"{name} must look like {default!r}") from error


def _time_periods(name: str, default: str) -> tuple[tuple[time, time], ...]:
    """``"08:30-12:00,13:00-17:30"`` → ``((08:30, 12:00), (13:00, 17:30))``."""
    try:
        periods = tuple(
            (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
            for start, end in (
                part.split("-") for part in os.environ.get(name, default).split(",") if part.strip()
            )
        )
    except ValueError as error:
        raise ConfigError(f"{name} must look like {default!r}") from error
    bounds = [t for period in periods for t in period]
    if not periods or any(start >= end for start, end in periods) or bounds != sorted(bounds):
        raise ConfigError(f"{name}: periods must be in order of the day and must not overlap")
    return periods


def _secret_key(is_production: bool, instance: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if is_production:
        raise ConfigError("SECRET_KEY must be set when QPORTAL_ENV=production")
    path = instance / "secret_key"
    if not path.exists():
        _write_once(path, secrets.token_hex(32))
    return path.read_text().strip()


def _write_once(path: Path, content: str) -> None:
    """Create ``path`` readable by its owner only, unless another process got there first.

    The web, worker and scheduler processes start together: each must end up with the same
    key, so the file appears whole and at once (written aside, then hard-linked in place).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process wrote it; everyone reads that one
    finally:
        os.unlink(tmp)


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        instance.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance / 'qportal.db'}"
    # Heroku-style URLs name the scheme "postgres"; SQLAlchemy wants psycopg 3 named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Settings for a running portal; every value can come from the environment."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("QPORTAL_ENV", "development")
        is_production = self.ENV_NAME == "production"
        instance = instance_dir()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _secret_key(is_production, instance)
        self.SQLALCHEMY_DATABASE_URI = _database_url(instance)
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)
        #: ``None`` means: start (or join) the embedded Redis under ``instance/``.
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RQ_QUEUE = os.environ.get("RQ_QUEUE", "qportal")
        self.PORT = int(os.environ.get("PORT", "5000"))
        self.COMPANY_NAME = os.environ.get("COMPANY_NAME", "示例机械有限公司 Demo Machinery Co., Ltd.")
        #: the CJK font embedded in printed records; without it they fall back to STSong-Light
        self.PDF_FONT_PATH = os.environ.get("PDF_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
        #: laid-out prints each web worker keeps, so an unchanged record is not laid out again
        self.PRINT_LAYOUT_CACHE_MB = float(os.environ.get("PRINT_LAYOUT_CACHE_MB", "16"))

        self.BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "zh_CN")
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
        #: the company's daily working periods (DOMAIN.md §5); deadlines in working time use them
        self.WORK_PERIODS = _time_periods("WORK_PERIODS", "08:30-12:00,13:00-17:30")
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "app" / "translations")
        self.LANGUAGES = ("zh_CN", "en")

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", is_production)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "10")))
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        #: the largest file one may attach (photo, signed scan, document)
        self.UPLOAD_MAX_BYTES = int(
            os.environ.get("UPLOAD_MAX_BYTES") or int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024
        )
        #: the largest request: several photos go up together, so a few files' worth
        self.MAX_CONTENT_LENGTH = int(
            os.environ.get("MAX_REQUEST_MB") or 5 * self.UPLOAD_MAX_BYTES // (1024 * 1024) + 1
        ) * (1024 * 1024)
        #: form fields outside files (a signature travels as a PNG data URL of up to ~1 MB)
        self.MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
        #: where attachments are kept: under the instance folder, never under static/
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(instance / "uploads")
        #: the largest image accepted, in pixels (decompression bombs are refused)
        self.UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", str(60_000_000)))
        #: the largest drawn signature accepted (decoded PNG bytes)
        self.SIGNATURE_MAX_BYTES = int(os.environ.get("SIGNATURE_MAX_BYTES", str(1024 * 1024)))

        self.LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
        self.PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "25"))
        #: seconds after which a worker or scheduler heartbeat counts as lost
        self.HEARTBEAT_STALE_SECONDS = int(os.environ.get("HEARTBEAT_STALE_SECONDS", "90"))
        #: how often the scheduler enqueues the ``heartbeat`` job (seconds)
        self.HEARTBEAT_INTERVAL_SECONDS = int(os.environ.get("HEARTBEAT_INTERVAL_SECONDS", "30"))
        #: a scheduler that stops renewing its lead for this long is replaced by a standby (seconds)
        self.SCHEDULER_LEASE_SECONDS = int(os.environ.get("SCHEDULER_LEASE_SECONDS", "30"))
        #: delays (seconds) before each retry of a job that raised; the count of delays is the retry count
        self.JOB_RETRY_INTERVALS = _int_list("JOB_RETRY_INTERVALS", "10,60,300")

        #: repair: reply within these clock hours of the call; on site within working days by region class
        self.REPAIR_REPLY_HOURS = int(os.environ.get("REPAIR_REPLY_HOURS", "24"))
        self.REPAIR_ONSITE_DAYS = _int_map("REPAIR_ONSITE_DAYS", "city:1,province:3,remote:7")
        #: installation: sales follows up on the use this many days after the customer's acceptance
        self.INSTALL_FOLLOW_UP_DAYS = int(os.environ.get("INSTALL_FOLLOW_UP_DAYS", "30"))
        #: maintenance: a due date on a day off moves to the next ("next") or previous ("previous")
        #: working day; the scheduler creates each visit this many days before it is due
        self.MAINTENANCE_DUE_SHIFT = _choice("MAINTENANCE_DUE_SHIFT", "next", ("next", "previous"))
        self.MAINTENANCE_VISIT_LEAD_DAYS = int(os.environ.get("MAINTENANCE_VISIT_LEAD_DAYS", "14"))
        #: how far from start to due a deadline's reminder goes out (0.8 = at 80 % of the time)
        self.REMINDER_FRACTION = _fraction("REMINDER_FRACTION", "0.8")
        #: how often the scheduler enqueues the deadline scan (reminders and escalations), seconds
        self.DEADLINE_SCAN_SECONDS = int(os.environ.get("DEADLINE_SCAN_SECONDS", "300"))
        #: the portal's address as users reach it: links in e-mails start with it
        self.PORTAL_URL = os.environ.get("PORTAL_URL", f"http://localhost:{self.PORT}/")

        self.SMTP_HOST = os.environ.get("SMTP_HOST", "")
        self.SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
        self.SMTP_USER = os.environ.get("SMTP_USER", "")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = _bool("SMTP_STARTTLS")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "qportal@localhost")
        #: seconds to wait for the mail server before an attempt counts as failed
        self.SMTP_TIMEOUT = int(os.environ.get("SMTP_TIMEOUT", "30"))
        #: an unsent mail older than this is handed to a worker again (its job was lost), seconds;
        #: also how long one attempt may hold a mail before another attempt may take it over
        self.MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "300"))
        #: attempts after which a mail is given up (it stays in the outbox with its last error)
        self.MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "10"))


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Waiting writers queue on the database lock instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


class TestConfig(Config):
    """Settings for the test suite: the database and Redis come from the test run."""

    __test__ = False  # not a test class, whatever pytest's name matching says

    def __init__(self, database_url: str, redis_url: str | None) -> None:
        super().__init__()
        self.TESTING = True
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(database_url)
        self.REDIS_URL = redis_url
        self.RQ_QUEUE = "qportal-test"
        self.WTF_CSRF_ENABLED = False
        # scrypt costs ~0.2 s a hash: the suite hashes hundreds of passwords, so it uses a cheap
        # salted hash; the login, lockout and audit paths are the same
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 — a hash method, not a password
