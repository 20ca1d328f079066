"""How a request's transaction ends: a read-only one commits (so PostgreSQL keeps the
connection's prepared statements), one that wrote and is not committed is rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text

from app.core.masterdata.models import Customer
from app.extensions import db


def _customers() -> int:
    return db.session.scalar(select(func.count(Customer.id)))


def _add_customer(name: str) -> None:
    db.session.execute(insert(Customer).values(name=name, region_class="city", version=1))


def test_a_write_left_uncommitted_is_rolled_back_when_the_session_closes(app):
    before = _customers()
    db.session.add(Customer(name="C-ORM", region_class="city"))
    db.session.flush()  # in the database's transaction, never committed
    _add_customer("C-CORE")
    db.session.remove()  # what the end of a request does
    assert _customers() == before
    assert db.session.scalar(select(Customer.id).where(Customer.name.in_(["C-ORM", "C-CORE"]))) is None


def test_a_write_after_a_read_only_transaction_is_still_rolled_back(app):
    before = _customers()
    db.session.remove()  # a read-only transaction ended
    _add_customer("C-LATER")
    db.session.rollback()
    assert _customers() == before
    _add_customer("C-KEPT")
    db.session.commit()
    db.session.remove()
    assert _customers() == before + 1


def test_read_only_requests_keep_their_prepared_statements_on_postgresql(app, client, backend):
    if not backend["is_pg"]:
        pytest.skip("prepared statements are PostgreSQL's")
    statement = select(Customer.id).where(Customer.name == "none-such")
    for _ in range(8):  # psycopg prepares a statement on its fifth run
        db.session.execute(statement).all()
        db.session.remove()  # each run in its own transaction, ended as a request ends it
    prepared = db.session.scalars(
        text("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%customer.name = %'")
    ).all()
    assert prepared, "the read-only transactions' rollbacks dropped the prepared statement"
