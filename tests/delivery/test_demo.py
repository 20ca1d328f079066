"""The delivery demo data: found by the platform's seeding, made through the real workflow, seeded once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.demo import _steps, seed_demo
from app.core.traceability import UnitShipment
from app.delivery import demo
from app.delivery.models import ShippingNote, TransitDamageRecord
from app.extensions import db


def test_the_platform_finds_the_delivery_step_after_its_own(app):
    names = [name for name, _step in _steps()]
    core = ["register", "customers", "products", "units"]
    assert names[: len(core)] == core
    assert dict(_steps())["delivery"] is demo.seed_delivery_demo


def test_seeding_an_empty_database_and_again(app):
    summary = seed_demo()
    assert summary["delivery"] == 14 + 5
    notes = list(db.session.scalars(select(ShippingNote).order_by(ShippingNote.id)).unique())
    assert sorted(n.status for n in notes) == sorted(
        ["draft", "submitted", "approved", "released", "received"]
    )
    assert all(n.created_by.username == "sales" for n in notes)
    assert all(n.number and n.number.startswith("FH-") for n in notes if n.status != "draft")
    received = next(n for n in notes if n.status == "received")
    assert received.receipt_number.startswith("QS-")
    (damage,) = received.damage_records
    assert damage.status == "claimed"
    assert damage.number.startswith("YC-")
    assert damage.items[0].shortage == 1
    released = next(n for n in notes if n.status == "released")
    shipped = db.session.scalars(select(UnitShipment).where(UnitShipment.document_id == released.id)).all()
    assert [s.unit.customer_id for s in shipped] == [released.customer_id]
    assert seed_demo()["delivery"] == 0
    assert db.session.scalar(select(func.count()).select_from(ShippingNote)) == 5
    assert db.session.scalar(select(func.count()).select_from(TransitDamageRecord)) == 1
