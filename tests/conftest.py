"""Fixtures shared by the whole suite.

The suite runs on SQLite and an embedded Redis by default. With ``QPORTAL_TEST_DATABASE_URL``
and ``QPORTAL_TEST_REDIS_URL`` set (``scripts/test`` sets them when PostgreSQL and Redis are
reachable) the very same tests run against those servers instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("QPORTAL_INSTANCE", str(Path(__file__).resolve().parent.parent / "instance" / "test"))

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db  # noqa: E402
from tests.core.records import example_workflow  # noqa: E402, F401 — test-only tables before create_all

PG_URL = os.environ.get("QPORTAL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("QPORTAL_TEST_REDIS_URL")
PASSWORD = "correct-horse-9"


def pytest_report_header(config):
    database = "postgresql" if PG_URL else "sqlite"
    return f"qportal backends: database={database}, redis={'server' if REDIS_URL else 'embedded'}"


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """Database and Redis URLs for the run, with an empty schema made once."""
    if PG_URL:
        url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        template = None
    else:
        template = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite:///{template}"
    redis_url = REDIS_URL
    server = None
    if not redis_url:
        from app.core.embedded_redis import start_embedded_redis

        server = start_embedded_redis(str(tmp_path_factory.mktemp("redis")))
        redis_url = f"unix://{server.socket_file}"
    app = create_app(TestConfig(url, redis_url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield {"url": url, "redis_url": redis_url, "template": template, "is_pg": bool(PG_URL)}
    if server is not None:
        server.shutdown()


_counter = itertools.count()


@pytest.fixture
def database_url(backend, tmp_path):
    """A database with the full schema and no rows, private to this test."""
    if backend["is_pg"]:
        yield backend["url"]
        engine = create_engine(backend["url"])
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / f"test-{next(_counter)}.db"
        shutil.copy(backend["template"], path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(backend, database_url):
    app = create_app(TestConfig(database_url, backend["redis_url"]))
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    db.engine.dispose()
    from app.extensions import redis

    redis.conn.flushdb()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """``make_user(roles=[Role.X], department=Department.Y)`` → a saved, enabled user."""
    from app.core.auth.services import create_user
    from app.core.permissions import Department, Role

    seq = itertools.count(1)

    def make(roles=(Role.STAFF,), department=Department.SERVICE, username=None, password=PASSWORD, **kw):
        n = next(seq)
        user = create_user(
            username=username or f"user{n}",
            display_name=kw.pop("display_name", f"测试用户 {n}"),
            department=department,
            roles=list(roles),
            password=password,
            actor=None,
            **kw,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real login form."""

    def do(user, password=PASSWORD):
        response = client.post("/auth/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return user

    return do


@pytest.fixture
def login_as(make_user, login):
    """``login_as(Role.X, department=...)``: a new user with that role, logged in."""

    def do(*roles, department=None, **kw):
        from app.core.permissions import Department, Role

        user = make_user(roles=roles or (Role.STAFF,), department=department or Department.SERVICE, **kw)
        return login(user)

    return do


HX = {"HX-Request": "true"}
