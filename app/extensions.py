"""The extension objects, created unbound and initialised in ``create_app``."""

from __future__ import annotations

import contextlib

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

#: psycopg's ``TransactionStatus.INTRANS``: a transaction open, no statement failed in it
_IN_TRANSACTION = 2

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


#: the key in a connection's ``info``: a statement other than a SELECT ran in its transaction
_WROTE = "qportal_wrote"


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WROTE] = True


@event.listens_for(Engine, "commit")
def _forget_writes(conn) -> None:
    conn.info.pop(_WROTE, None)


@event.listens_for(Engine, "rollback")
def _end_reads_with_commit(conn) -> None:
    """A transaction that only read ends with COMMIT, not ROLLBACK (the same for it).

    Every request ends its transaction with a rollback when the session closes, and psycopg
    drops all of a connection's prepared statements on ROLLBACK: no statement would ever be
    prepared, and PostgreSQL would parse and plan each query of each page anew (0.5–2 ms
    apiece). psycopg's rollback that follows finds no transaction and does nothing.
    """
    if conn.info.pop(_WROTE, False) or conn.dialect.driver != "psycopg":
        return
    import psycopg

    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and dbapi_connection.info.transaction_status == _IN_TRANSACTION:
        # a connection that broke meanwhile is left to the rollback, which deals with it
        with contextlib.suppress(psycopg.Error):
            dbapi_connection.commit()


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
