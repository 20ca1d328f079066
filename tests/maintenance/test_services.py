"""Plans and visits through the services: due dates, approval, bulk plans, the scheduler's visits
(once each, however often it runs), deadlines, completion moving the plan on, pause and end."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.calendar.queries import company_calendar, company_today
from app.core.records.engine import deadlines_of, transition
from app.core.records.engine.errors import OwnRecordError, ValidationError
from app.core.signals import collect_tasks, collect_unit_history
from app.extensions import db
from app.maintenance.models import MaintenanceVisit
from app.maintenance.schedule import shift
from app.maintenance.services import (
    bulk_units,
    create_plan,
    create_plans_in_bulk,
    create_visit,
    generate_visits,
    plans_due_for_a_visit,
)
from tests.maintenance.conftest import plan_values


def visit_count(plan=None) -> int:
    query = select(func.count(MaintenanceVisit.id))
    if plan is not None:
        query = query.where(MaintenanceVisit.plan_id == plan.id)
    return db.session.scalar(query)


def test_a_new_plan_is_numbered_waits_for_approval_and_has_its_first_due_date(world):
    start = company_today() + dt.timedelta(days=40)
    plan = create_plan(plan_values(world, start_date=start), [world.units[0].id], actor=world.clerk)
    db.session.commit()
    assert plan.status == "submitted"
    assert plan.number.startswith(f"BY-{company_today():%Y%m}-")
    assert plan.scope == "unit"
    assert plan.next_raw_date == start
    assert plan.next_due_date == shift(start, company_calendar())
    assert plan.units[0].checklist_template_id == world.template.id


def test_a_unit_is_in_one_plan_at_a_time_and_only_the_customers_units(world, make_plan):
    make_plan("active", units=world.units[:1])
    with pytest.raises(ValidationError) as error:
        create_plan(plan_values(world), [world.units[0].id, world.units[1].id], actor=world.clerk)
    assert "SN-M-001" in str(error.value.errors["unit_ids"])
    db.session.rollback()
    with pytest.raises(ValidationError):
        create_plan(plan_values(world), [world.far.id], actor=world.clerk)
    db.session.rollback()
    make_plan("ended", units=world.units[1:2])
    plan = create_plan(plan_values(world), [world.units[1].id], actor=world.clerk)  # the ended plan let go
    assert plan.number


def test_nobody_approves_their_own_plan(world):
    plan = create_plan(plan_values(world), [world.units[0].id], actor=world.manager)
    db.session.commit()
    with pytest.raises(OwnRecordError):
        transition(plan, "approve", actor=world.manager)


def test_approval_skips_dates_already_past(world):
    start = company_today() - dt.timedelta(days=200)
    plan = create_plan(
        plan_values(world, start_date=start, interval_count=1), [world.units[0].id], actor=world.clerk
    )
    transition(plan, "approve", actor=world.manager)
    db.session.commit()
    assert plan.status == "active"
    assert company_today() <= plan.next_due_date <= company_today() + dt.timedelta(days=31 + 10)
    assert plan.next_seq >= 6


def test_bulk_plans_for_a_customer_and_for_a_product(world, make_plan):
    make_plan("active", units=world.units[2:3])  # the chiller is planned already
    values = {k: v for k, v in plan_values(world).items() if k != "customer_id"}
    plans, skipped = create_plans_in_bulk(
        bulk_units(customer_id=world.customer.id), values, per="customer", actor=world.clerk
    )
    assert len(plans) == 1
    assert sorted(u.serial for u in plans[0].unit_list) == ["SN-M-001", "SN-M-002"]
    assert plans[0].scope == "customer"
    assert [u.serial for u, _plan in skipped] == ["SN-M-003"]
    db.session.commit()
    plans, skipped = create_plans_in_bulk(
        bulk_units(product_id=world.press.id), values, per="unit", actor=world.clerk
    )
    assert [p.unit_list[0].serial for p in plans] == ["SN-M-101"]
    assert plans[0].customer_id == world.other.id
    assert len(skipped) == 2


def test_generating_twice_creates_each_visit_once(world, make_plan):
    near = make_plan("active", units=world.units[:1])
    far = make_plan("active", units=world.units[1:2], start_date=company_today() + dt.timedelta(days=60))
    assert plans_due_for_a_visit(company_today()) == [near.id]
    assert generate_visits() == 1
    assert generate_visits() == 0
    assert create_visit(near) is None  # insert-or-skip, even without the pre-check
    db.session.commit()
    assert visit_count(near) == 1
    assert visit_count(far) == 0
    (visit,) = near.visits
    assert visit.status == "scheduled"
    assert visit.number.startswith("BYJL-")
    assert visit.due_date == near.next_due_date
    assert visit.engineer_id == world.engineer.id
    # the far plan's visit comes once it is within the lead time
    assert generate_visits(company_today() + dt.timedelta(days=50)) == 1
    assert generate_visits(company_today() + dt.timedelta(days=50)) == 0
    assert visit_count() == 2


def test_a_visit_starts_its_reminders_for_engineer_and_sales(world, make_visit):
    visit = make_visit("scheduled")
    deadlines = {d.key: d for d in deadlines_of(visit)}
    assert set(deadlines) == {"agree_date", "agree_date_sales", "visit"}
    assert deadlines["agree_date"].responsible_id == world.engineer.id
    assert deadlines["agree_date_sales"].responsible_id == world.sales.id
    assert deadlines["visit"].due_at.astimezone(company_calendar().tz).date() == visit.due_date
    assert deadlines["agree_date"].due_at < deadlines["visit"].due_at
    make_confirmed = transition(
        visit,
        "confirm",
        actor=world.sales,
        values={"appointment_date": visit.due_date, "contact_name": "王经理", "contact_phone": ""},
    )
    assert make_confirmed is None
    stopped = {d.key for d in deadlines_of(visit) if d.stopped_at}
    assert stopped == {"agree_date", "agree_date_sales"}


def test_engineer_and_sales_are_reminded_and_an_unconfirmed_visit_escalates(world, make_visit):
    from app.core.notifications import Notification
    from app.core.records.engine import scan_deadlines

    visit = make_visit("scheduled")
    engineer, sales, manager, sales_manager = (
        world.engineer.id,
        world.sales.id,
        world.manager.id,
        world.sales_manager.id,
    )
    agree = next(d for d in deadlines_of(visit) if d.key == "agree_date")
    scan_deadlines(now=agree.remind_at)
    reminded = db.session.scalars(select(Notification.user_id).where(Notification.kind == "reminder")).all()
    assert sorted(reminded) == sorted([engineer, sales])  # both are to agree the date with the customer
    late = dt.datetime.combine(
        visit.due_date + dt.timedelta(days=1), dt.time(9), tzinfo=company_calendar().tz
    )
    scan_deadlines(now=late)
    notes = db.session.scalars(select(Notification).where(Notification.kind == "escalation")).all()
    told = {n.user_id for n in notes}
    assert manager in told  # the engineer's department manager: the service manager
    assert engineer in told  # told it went up
    assert sales_manager in told  # sales' own deadline


def test_completing_a_visit_moves_the_plan_to_its_next_due_date(world, make_plan, make_visit):
    plan = make_plan("active", units=world.units[:2], interval_count=1)
    first_due = plan.next_due_date
    visit = make_visit("completed", plan=plan)
    db.session.expire_all()
    assert visit.status == "completed"
    assert visit.signature_attachment_id is not None
    assert visit.completed_at is not None
    assert plan.last_visit_date == company_today()
    assert plan.next_seq == 1
    assert plan.next_due_date > first_due
    assert plan.next_due_date == shift(plan.next_raw_date, company_calendar())
    assert len(visit.checklist_results) == 2
    assert {r["passed"] for entry in visit.checklist_results for r in entry["results"]} == {True}
    assert {d.key for d in deadlines_of(visit) if d.stopped_at is None} == set()


def test_the_complete_step_wants_checklists_and_the_customers_signature(world, make_visit):
    visit = make_visit("confirmed")
    with pytest.raises(ValidationError) as error:
        transition(
            visit,
            "complete",
            actor=world.engineer,
            values={
                "findings": "正常",
                "customer_signer": "王经理",
                "retraining_given": False,
                "retraining_note": "",
            },
        )
    assert set(error.value.errors) == {"checklist_results", "customer_signature"}


def test_a_cancelled_visit_lets_the_plan_move_on(world, make_plan, make_visit):
    plan = make_plan("active")
    visit = make_visit("scheduled", plan=plan)
    transition(visit, "cancel", actor=world.manager, reason="客户停产检修")
    db.session.commit()
    assert plan.next_due_date > visit.due_date
    assert all(d.stopped_at for d in deadlines_of(visit))


def test_pausing_cancels_open_visits_and_resuming_does_not_plan_them_again(world, make_plan, make_visit):
    plan = make_plan("active")
    visit = make_visit("confirmed", plan=plan)
    transition(plan, "pause", actor=world.manager, reason="设备停用")
    db.session.commit()
    assert visit.status == "cancelled"
    assert generate_visits() == 0
    transition(plan, "resume", actor=world.manager)
    db.session.commit()
    assert plan.next_due_date > visit.due_date
    transition(plan, "end", actor=world.manager, reason="合同终止")
    db.session.commit()
    assert plan.is_read_only
    assert generate_visits(company_today() + dt.timedelta(days=400)) == 0


def test_the_units_archive_and_the_home_page_tasks(world, make_visit, app):
    visit = make_visit("scheduled")
    with app.test_request_context():
        events = [e for _r, result in collect_unit_history.send(world.units[0]) for e in result or []]
        titles = " ".join(title for _when, title, _url in events)
        assert visit.plan.number in titles
        assert visit.number in titles
        tasks = [t for _r, result in collect_tasks.send(world.engineer) for t in result or []]
        assert any(t.number == visit.number for t in tasks)
        tasks = [t for _r, result in collect_tasks.send(world.sales) for t in result or []]
        assert any(t.number == visit.number for t in tasks)
        assert not [
            t
            for _r, result in collect_tasks.send(world.engineer2)
            for t in result or []
            if t.module == "maintenance"
        ]
