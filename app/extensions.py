"""The extension objects, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from redis import Redis
from rq import Queue
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

#: Constraint names are fixed so that Alembic migrations name them the same on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while one writer holds the lock; foreign keys are off by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # psycopg prepares a statement run five times, and PostgreSQL then stops planning it
        # anew; the portal runs a few hundred distinct statements, more than the default 100
        # a connection keeps, so the busiest would be evicted and planned again each time.
        dbapi_connection.prepared_max = 1000


def built_on(obj, dialect_name: str) -> bool:
    """Whether the schema object exists on this database: an index the models build for one
    database only (``info={"only_on": ...}``) is left out of schema comparisons elsewhere."""
    only_on = getattr(obj, "info", {}).get("only_on") if obj is not None else None
    return only_on is None or only_on == dialect_name


class RedisHolder:
    """One Redis connection per app, opened on first use.

    With no ``REDIS_URL`` the embedded server is started (or joined) then, so commands that
    never touch Redis (``flask db upgrade``, ``flask seed-demo``) do not start one.
    """

    def init_app(self, app: Flask) -> None:
        app.extensions["qportal_redis"] = None

    @property
    def conn(self) -> Redis:
        app = current_app._get_current_object()
        client = app.extensions.get("qportal_redis")
        if client is None:
            url = app.config.get("REDIS_URL")
            if not url:
                from app.core.embedded_redis import embedded_redis_url

                url = embedded_redis_url(app.config["INSTANCE_PATH"])
                app.config["REDIS_URL"] = url
            client = app.extensions["qportal_redis"] = Redis.from_url(url)
        return client

    def queue(self) -> Queue:
        return Queue(current_app.config["RQ_QUEUE"], connection=self.conn)


redis = RedisHolder()
