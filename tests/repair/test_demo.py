"""The repair demo data: found by the platform's seeding, made through the real workflow, seeded once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.core.demo import _steps, seed_demo
from app.extensions import db
from app.repair import demo
from app.repair.models import FaultCategory, FeeItem, FeeRate, QuotationState, RepairRequest
from app.repair.services import set_fee_rate


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def fees() -> dict[str, Decimal]:
    return {r.item: r.amount for r in db.session.scalars(select(FeeRate))}


def test_the_platform_finds_the_repair_step_after_its_own(app):
    names = [name for name, _step in _steps()]
    core = ["register", "customers", "products", "units"]
    assert names[: len(core)] == core  # cases need the register, customers and units first
    assert "repair" in names[len(core) :]
    assert dict(_steps())["repair"] is demo.seed_repair_demo


def test_seeding_an_empty_database_and_again(app):
    summary = seed_demo()
    assert summary["repair"] == 8 + 4 + 6
    categories = {c.code: c for c in db.session.scalars(select(FaultCategory))}
    assert len(categories) == 8
    assert (categories["HYD"].name_zh, categories["HYD"].name_en) == ("液压系统", "Hydraulics")
    assert all(c.is_active and c.name_zh and c.name_en for c in categories.values())
    assert fees() == {
        FeeItem.LABOUR_HOUR.value: Decimal("150.00"),
        FeeItem.TRAVEL_CITY.value: Decimal("200.00"),
        FeeItem.TRAVEL_PROVINCE.value: Decimal("600.00"),
        FeeItem.TRAVEL_REMOTE.value: Decimal("1500.00"),
    }

    cases = list(db.session.scalars(select(RepairRequest).order_by(RepairRequest.id)).unique())
    by_state = {c.status: c for c in cases}
    assert sorted(by_state) == sorted(
        ["received", "dispatched", "in_repair", "awaiting_quote", "completed", "closed"]
    )
    assert len(cases) == 6
    assert all(c.number and c.number.startswith("WX-") for c in cases)
    assert len({c.number for c in cases}) == 6
    assert all(c.created_by.username == "clerk" for c in cases)
    assert all(c.unit is not None and c.customer_id == c.unit.customer_id for c in cases)
    assert len({c.unit_id for c in cases}) == 6
    paid = by_state["awaiting_quote"]
    assert paid.in_warranty is False
    assert paid.is_paid
    (quotation,) = paid.quotations
    assert quotation.status == QuotationState.SUBMITTED
    assert quotation.labour_rate == Decimal("150.00")
    assert all(c.in_warranty is True for c in cases if c is not paid)
    assert by_state["received"].engineer_id is None
    assert all(c.engineer.username == "engineer" for c in cases if c.status != "received")
    for state in ("completed", "closed"):
        case = by_state[state]
        assert case.report_number.startswith("WXD-")
        assert case.signature_attachment_id is not None
    assert {c.fault_category.code for c in cases} == {"SAFE", "LUB", "ELE", "MECH", "CNC", "HYD"}

    again = seed_demo()
    assert again["repair"] == 0
    assert not any(again.values())
    assert count(FaultCategory) == 8
    assert count(FeeRate) == 4
    assert count(RepairRequest) == 6


def test_what_an_administrator_changed_is_left_alone(app):
    db.session.add(FaultCategory(code="hyd", name_zh="液压", name_en="Hydraulic system"))
    set_fee_rate(FeeItem.LABOUR_HOUR, Decimal("180.00"), actor=None)
    db.session.commit()
    summary = seed_demo()
    assert summary["repair"] == 7 + 3 + 6
    assert count(FaultCategory) == 8
    assert (
        db.session.scalar(select(FaultCategory.name_en).where(FaultCategory.code == "hyd"))
        == "Hydraulic system"
    )
    assert fees()[FeeItem.LABOUR_HOUR.value] == Decimal("180.00")
    assert demo.seed_repair_demo() == 0
