"""The installation demo data: found by the platform's seeding, made through the real workflow,
seeded once; and the real delivery procedure answering a packaging damage report."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.checklists.models import ChecklistTemplate
from app.core.demo import _steps, seed_demo
from app.core.records.engine import deadlines_of, transition
from app.core.signals import packaging_damage_reported
from app.extensions import db
from app.installation import demo
from app.installation.models import InstallationRequest


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_the_platform_finds_the_installation_step_after_its_own(app):
    names = [name for name, _step in _steps()]
    core = ["register", "customers", "products", "units"]
    assert names[: len(core)] == core
    assert "installation" in names[len(core) :]
    assert dict(_steps())["installation"] is demo.seed_installation_demo


def test_seeding_an_empty_database_and_again(app):
    summary = seed_demo()
    assert summary["installation"] == len(demo.CHECKLISTS) + len(demo.CASES)
    templates = list(
        db.session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.purpose == "commissioning"))
    )
    assert sorted(t.product.model for t in templates) == sorted(demo.CHECKLISTS)
    assert all(t.items for t in templates)

    cases = {c.status: c for c in db.session.scalars(select(InstallationRequest)).unique()}
    assert sorted(cases) == ["accepted", "planned", "requested"]
    accepted = cases["accepted"]
    assert accepted.acceptance_number
    assert accepted.inspection_number
    assert accepted.training_number
    assert accepted.commissioning[0]["results"]  # a unit with a filled-in checklist
    assert all(r["passed"] for r in accepted.commissioning[0]["results"])
    assert all(u.install_date == accepted.accepted_on for u in accepted.units)
    assert {d.key for d in deadlines_of(accepted) if d.stopped_at is None} == {"follow_up"}
    assert {d.key for d in deadlines_of(cases["planned"]) if d.stopped_at is None} == {"visit"}
    assert {d.key for d in deadlines_of(cases["requested"]) if d.stopped_at is None} == {"plan"}
    assert len({c.customer_id for c in cases.values()}) == 3

    again = seed_demo()
    assert again["installation"] == 0
    assert count(InstallationRequest) == 3


def test_the_delivery_procedure_opens_a_transit_damage_record(world, make_case):
    if not packaging_damage_reported.receivers:
        pytest.skip("no procedure answers packaging damage reports")
    case = make_case("planned")
    transition(
        case,
        "unboxing",
        actor=world.production,
        values={
            "inspected_at": dt.datetime.now(dt.UTC),
            "sales_rep_id": world.sales.id,
            "logistics_rep_id": world.logistics.id,
            "customer_rep": "王建国",
            "custody_ok": True,
            "contents_checked": True,
            "packaging_damaged": True,
            "damaged_unit_id": world.unit.id,
            "damage_description": "木箱破裂",
        },
    )
    db.session.commit()
    assert case.damage_record_number
    assert case.damage_record_url
