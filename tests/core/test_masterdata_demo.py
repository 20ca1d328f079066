"""The demo master data: the right amounts, every region class, warranties on both sides of today."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.core.masterdata import demo
from app.core.masterdata.models import Customer, Product, Unit
from app.core.masterdata.queries import local_today
from app.core.masterdata.warranty import warranty_of
from app.extensions import db


def run_steps() -> dict[str, int]:
    added = {}
    for name, step in demo.STEPS:
        added[name] = step()
        db.session.commit()
    return added


def test_seed_twice_adds_nothing_the_second_time(app):
    assert [name for name, _step in demo.STEPS] == ["customers", "products", "units"]
    assert run_steps() == {"customers": 20, "products": 10, "units": 200}
    assert run_steps() == {"customers": 0, "products": 0, "units": 0}
    assert db.session.scalar(select(func.count(Customer.id))) == 20
    assert db.session.scalar(select(func.count(Product.id))) == 10
    assert db.session.scalar(select(func.count(Unit.id))) == 200


def test_demo_data_covers_what_the_procedures_need(app):
    run_steps()
    customers = db.session.scalars(select(Customer)).unique().all()
    assert {c.region_class for c in customers} == {"city", "province", "remote"}
    assert all(c.contacts and c.address for c in customers)
    assert all(p.model.startswith("QP") for p in db.session.scalars(select(Product)))
    today = local_today()
    ends = [warranty_of(u).end for u in db.session.scalars(select(Unit)).unique()]
    known = [end for end in ends if end is not None]
    assert any(end < today for end in known)
    assert any(end > today for end in known)
    assert any(abs((end - today).days) <= 30 for end in known)  # some end about now
    assert {warranty_of(u).basis for u in db.session.scalars(select(Unit)).unique()} == {
        "install",
        "ship",
        "production",
        "none",
    }


def test_seeding_fills_in_what_is_missing(app):
    run_steps()
    db.session.delete(db.session.scalar(select(Unit).where(Unit.serial == "QP100-0001")))
    db.session.commit()
    assert run_steps() == {"customers": 0, "products": 0, "units": 1}


def test_unit_dates_are_in_order(app):
    for item in demo.unit_plan(dt.date(2026, 11, 22)):
        dates = [item[k] for k in ("production_date", "ship_date", "install_date") if item[k]]
        assert dates == sorted(dates), item
