"""The maintenance demo data: found by the platform's seeding, made through the real workflow, seeded once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.checklists.models import ChecklistTemplate
from app.core.demo import _steps, seed_demo
from app.core.records.engine import deadlines_of
from app.extensions import db
from app.maintenance import demo
from app.maintenance.models import MaintenancePlan, MaintenanceVisit


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_the_platform_finds_the_maintenance_step(app):
    assert dict(_steps())["maintenance"] is demo.seed_maintenance_demo


def test_seeding_an_empty_database_and_again(app):
    summary = seed_demo()
    products = 10
    assert summary["maintenance"] >= len(demo.PLANS)
    templates = db.session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.purpose == "maintenance")
    ).all()
    assert len(templates) == products
    assert all(t.items for t in templates)

    plans = {p.contract_no: p for p in db.session.scalars(select(MaintenancePlan)).unique()}
    assert sorted(plans) == sorted(spec["contract"] for spec in demo.PLANS)
    assert all(p.number.startswith("BY-") for p in plans.values())
    assert plans["DEMO-BY-05"].status == "submitted"  # waits in the service manager's inbox
    assert {p.status for key, p in plans.items() if key != "DEMO-BY-05"} == {"active"}
    assert len(plans["DEMO-BY-02"].units) > 1
    assert plans["DEMO-BY-02"].scope == "customer"

    visits = {v.plan.contract_no: v for v in db.session.scalars(select(MaintenanceVisit)).unique()}
    assert visits["DEMO-BY-01"].status == "completed"
    assert visits["DEMO-BY-01"].checklist_results
    assert visits["DEMO-BY-01"].signature_attachment_id
    assert plans["DEMO-BY-01"].next_due_date > visits["DEMO-BY-01"].due_date
    assert visits["DEMO-BY-02"].status == "confirmed"
    assert visits["DEMO-BY-03"].status == "scheduled"
    overdue = visits["DEMO-BY-04"]
    assert overdue.status == "scheduled"
    assert overdue.due_date < plans["DEMO-BY-01"].last_visit_date
    assert {d.key for d in deadlines_of(overdue) if d.stopped_at is None} == {
        "agree_date",
        "agree_date_sales",
        "visit",
    }

    again = seed_demo()
    assert again.get("maintenance") == 0
    assert count(MaintenancePlan) == len(demo.PLANS)
    assert count(MaintenanceVisit) == 4
