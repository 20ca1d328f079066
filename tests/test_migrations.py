"""``flask db upgrade`` on an empty database gives exactly the schema of the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.config import TestConfig
from app.extensions import built_on, db


@pytest.fixture
def empty_database_url(backend, tmp_path):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if not backend["is_pg"]:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = make_url(backend["url"])
    name = "qportal_migration_check"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _compared(dialect: str):
    def include(obj, _name, type_, _reflected, _compare_to) -> bool:
        """Tables declared by tests only (``info={"test_only": True}``) have no migration; an
        index built on one database only is not looked for on the others."""
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return not (table is not None and table.info.get("test_only")) and built_on(obj, dialect)

    return include


# SQLite cannot reflect expression indexes; Alembic says so before the filter above leaves the
# PostgreSQL-only trigram index out
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_unit_serial_trgm'"
)
def test_upgrade_gives_the_models_schema_and_the_audit_guard(backend, empty_database_url):
    app = create_app(TestConfig(empty_database_url, backend["redis_url"]))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _compared(conn.dialect.name)}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_entry (at, actor_name, action, object_type, object_label) "
                    "VALUES (CURRENT_TIMESTAMP, 'x', 'login', 'user', 'x')"
                )
            )
        for statement in ("UPDATE audit_entry SET actor_name = 'changed'", "DELETE FROM audit_entry"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()
