"""The installation's path and its consequences: the deadlines (plan due 7 days before, the visit
reminded the working day before, the follow-up), the plan's approval, the transit damage claim,
the checklist with an out-of-limit value, and the warranty that starts at acceptance."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.core.masterdata.warranty import warranty_of
from app.core.records.audit import AuditEntry
from app.core.records.engine import deadlines_of, scan_deadlines, transition
from app.core.records.engine.errors import OwnRecordError, TransitionNotAllowed, ValidationError
from app.core.signals import packaging_damage_reported
from app.core.tasks import open_tasks
from app.extensions import db
from app.installation.services import (
    read_commissioning,
    record_commissioning,
    request_installation,
    write_plan,
)
from tests.installation.conftest import plan_values, request_values, today, walk

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def deadline(case, key):
    return next(d for d in deadlines_of(case) if d.key == key)


# --- the request --------------------------------------------------------------------------------------


def test_a_request_gets_its_number_and_the_plan_deadline(world, make_case):
    case = make_case()
    assert case.status == "requested"
    assert case.number.startswith("AZ-")
    assert case.form_code == "Q/SB-8.5.2-F01"
    assert [u.serial for u in case.units] == ["QP200-0001"]
    assert case.salesperson_id == world.sales.id
    plan = deadline(case, "plan")
    assert plan.responsible_id == world.sales.id
    assert plan.department == "sales"


def test_the_plan_is_due_seven_days_before_the_installation_date(world):
    requested = at(2026, 11, 2, 10, 0)  # a Monday
    case = request_installation(
        request_values(world, installation_date=dt.date(2026, 11, 30)), actor=world.sales, now=requested
    )
    db.session.commit()
    plan = deadline(case, "plan")
    # at the end of that day's working hours
    assert plan.due_at == at(2026, 11, 23, 17, 30)
    assert plan.remind_at == requested + (plan.due_at - requested) * 0.8
    # the salesperson is reminded, then the sales managers hear of the breach
    assert scan_deadlines(now=plan.remind_at - timedelta(minutes=1)) == {"escalated": 0, "reminded": 0}
    assert scan_deadlines(now=plan.remind_at + timedelta(minutes=1)) == {"escalated": 0, "reminded": 1}
    assert scan_deadlines(now=plan.due_at + timedelta(minutes=1)) == {"escalated": 1, "reminded": 0}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_ids": []}, "unit_ids"),
        ({"site_ready": False}, "site_ready"),
        ({"customer_id": None}, "customer_id"),
    ],
)
def test_a_request_needs_units_a_customer_and_a_ready_site(world, changes, field):
    with pytest.raises(ValidationError) as error:
        request_installation(request_values(world, **changes), actor=world.sales)
    assert field in error.value.errors


def test_only_the_customers_uninstalled_units_and_not_twice(world, make_case):
    for unit in (world.other_unit, world.installed):
        with pytest.raises(ValidationError) as error:
            request_installation(request_values(world, unit_ids=[unit.id]), actor=world.sales)
        assert "unit_ids" in error.value.errors
        db.session.rollback()
    first = make_case()
    with pytest.raises(ValidationError) as error:
        request_installation(
            request_values(world, unit_ids=[world.unit.id, world.unit2.id]), actor=world.sales
        )
    assert first.number in error.value.errors["unit_ids"]
    db.session.rollback()
    transition(first, "cancel", actor=world.sales, reason="项目推迟")
    db.session.commit()
    again = request_installation(request_values(world), actor=world.sales)  # free again once cancelled
    assert again.number != first.number


def test_only_sales_requests(world):
    with pytest.raises(TransitionNotAllowed):
        request_installation(request_values(world), actor=world.production)


# --- the plan -----------------------------------------------------------------------------------------


def test_the_approved_plan_names_the_lead_stops_the_plan_clock_and_starts_the_visit(world, make_case):
    case = make_case("planned")
    assert case.status == "planned"
    assert case.project_lead_id == world.production.id
    plan = case.approved_plan
    assert plan.number.startswith("AZJH-")
    assert deadline(case, "plan").stopped_at is not None
    visit = deadline(case, "visit")
    assert visit.responsible_id == world.production.id
    assert visit.department == "production"
    assert visit.due_at == plan.starts_at


def test_nobody_approves_their_own_plan(world, make_case):
    case = make_case()
    plan = write_plan(case, plan_values(world), actor=world.prod_mgr)
    transition(plan, "submit", actor=world.prod_mgr)
    db.session.commit()
    with pytest.raises(OwnRecordError):
        transition(plan, "approve", actor=world.prod_mgr)
    with pytest.raises(TransitionNotAllowed):
        transition(plan, "approve", actor=world.production)  # not a manager


def test_a_rejected_plan_goes_back_to_production(world, make_case):
    case = make_case()
    plan = write_plan(case, plan_values(world), actor=world.production)
    transition(plan, "submit", actor=world.production)
    transition(plan, "reject", actor=world.prod_mgr, reason="安全措施不足")
    db.session.commit()
    assert (plan.status, case.status) == ("draft", "requested")
    transition(plan, "submit", actor=world.production)
    transition(plan, "approve", actor=world.prod_mgr)
    db.session.commit()
    assert case.status == "planned"


@pytest.mark.parametrize(
    ("visit", "remind"),
    [
        (at(2026, 12, 8, 9, 0), at(2026, 12, 7, 8, 30)),  # Tuesday: Monday morning
        (at(2026, 12, 7, 9, 0), at(2026, 12, 4, 8, 30)),  # Monday: Friday before the weekend
        (at(2026, 10, 8, 9, 0), at(2026, 9, 30, 8, 30)),  # after National Day: before the holiday
        (at(2026, 10, 12, 9, 0), at(2026, 10, 10, 8, 30)),  # Monday after the make-up Saturday
    ],
)
def test_the_team_is_reminded_the_working_day_before_the_visit(world, visit, remind):
    requested = at(2026, 9, 1, 10, 0)
    case = request_installation(
        request_values(world, installation_date=visit.date()), actor=world.sales, now=requested
    )
    plan = write_plan(case, plan_values(world, starts_at=visit), actor=world.production, now=requested)
    transition(plan, "submit", actor=world.production, now=requested)
    transition(plan, "approve", actor=world.prod_mgr, now=requested + timedelta(hours=1))
    db.session.commit()
    row = deadline(case, "visit")
    assert (row.due_at, row.remind_at) == (visit, remind)
    assert scan_deadlines(now=remind - timedelta(minutes=1))["reminded"] == 0
    assert scan_deadlines(now=remind + timedelta(minutes=1))["reminded"] == 1


def test_unboxing_stops_the_visit_clock_and_numbers_the_inspection(world, make_case):
    case = make_case("on_site")
    assert case.inspection_number.startswith("KX-")
    assert case.inspection_form_code == "Q/SB-8.5.2-F03"
    assert deadline(case, "visit").stopped_at is not None
    assert case.damage_record_number is None


def test_only_the_project_lead_or_the_production_manager_reports_from_site(world, make_case):
    case = make_case("planned")
    values = {
        "inspected_at": dt.datetime.now(dt.UTC),
        "sales_rep_id": world.sales.id,
        "logistics_rep_id": world.logistics.id,
        "customer_rep": "王建国",
        "custody_ok": True,
        "contents_checked": True,
    }
    for who in ("production2", "sales", "engineer", "gm"):
        with pytest.raises(TransitionNotAllowed):
            transition(case, "unboxing", actor=world.people[who], values=values)
    transition(case, "unboxing", actor=world.prod_mgr, values=values)
    assert case.status == "on_site"


# --- packaging damage ---------------------------------------------------------------------------------


def test_packaging_damage_is_reported_to_delivery_and_its_record_linked(world, make_case, monkeypatch):
    received = []

    def delivery(sender, **kw):
        received.append((sender, kw))
        return ("YC-202612-001", "/delivery/damage/7")

    # the delivery procedure's own receiver (when built) answers too: keep only this one
    monkeypatch.setattr(packaging_damage_reported, "receivers", {})
    packaging_damage_reported.connect(delivery)
    try:
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
                "damage_description": "木箱一角破裂，设备防护罩凹陷",
            },
        )
        db.session.commit()
    finally:
        packaging_damage_reported.disconnect(delivery)
    ((sender, kw),) = received
    assert sender is case
    assert kw["unit"] is world.unit
    assert kw["description"] == "木箱一角破裂，设备防护罩凹陷"
    assert kw["reporter"] is world.production
    assert kw["reference"] == case.inspection_number
    assert (case.damage_record_number, case.damage_record_url) == ("YC-202612-001", "/delivery/damage/7")


def test_intact_packaging_reports_nothing(world, make_case, monkeypatch):
    monkeypatch.setattr(packaging_damage_reported, "receivers", {})
    calls = []
    packaging_damage_reported.connect(lambda sender, **kw: calls.append(kw) or ("X", "/x"), weak=False)
    make_case("on_site")
    assert calls == []


# --- commissioning ------------------------------------------------------------------------------------


def test_an_out_of_limit_value_is_recorded_and_keeps_the_case_on_site(world, make_case):
    case = make_case("on_site", unit_ids=[world.unit.id, world.cabinet.id])
    from tests.installation.conftest import passing_answers

    entries, errors = read_commissioning(case, passing_answers(case, pressure="27.5"))
    assert errors == {}
    values = {"self_inspection": "自检", "trial_run": "试运行", "trial_run_passed": True}
    assert record_commissioning(case, entries, values, actor=world.production) is False
    db.session.commit()
    assert case.status == "on_site"
    by_unit = {e["serial"]: e for e in case.commissioning}
    pressure = by_unit["QP200-0001"]["results"][1]
    assert (pressure["value"], pressure["passed"], pressure["low"], pressure["high"]) == (
        "27.5",
        False,
        "24",
        "26",
    )
    assert by_unit["QPC30-0003"]["results"] == []  # no checklist for the cabinet
    # fixed and measured again
    entries, errors = read_commissioning(case, passing_answers(case, pressure="25.2"))
    assert record_commissioning(case, entries, values, actor=world.production) is True
    db.session.commit()
    assert case.status == "commissioned"
    assert case.commissioned_at is not None


def test_a_failed_trial_run_keeps_the_case_on_site(world, make_case):
    case = make_case("on_site")
    from tests.installation.conftest import passing_answers

    entries, _ = read_commissioning(case, passing_answers(case))
    values = {"self_inspection": "自检", "trial_run": "异响", "trial_run_passed": False}
    assert record_commissioning(case, entries, values, actor=world.production) is False
    assert case.status == "on_site"


# --- training, acceptance and warranty ----------------------------------------------------------------


def test_training_and_acceptance_get_their_numbers(world, make_case):
    case = make_case("accepted")
    assert case.training_number.startswith("PX-")
    assert case.acceptance_number.startswith("AZYS-")
    assert case.acceptance_form_code == "Q/SB-8.5.2-F05"
    assert case.trainees == ["操作工 王强", "操作工 赵丽"]
    assert case.signature_attachment_id is not None


def test_acceptance_needs_the_customers_signature(world, make_case):
    case = make_case("trained")
    with pytest.raises(ValidationError) as error:
        transition(
            case,
            "accept",
            actor=world.production,
            values={"accepted_on": today(), "customer_signer": "王建国"},
        )
    assert "customer_signature" in error.value.errors


def test_acceptance_starts_the_warranty_and_the_repair_decision_follows(world, make_case):
    from app.repair.models import FaultCategory
    from app.repair.services import register_request

    unit = world.unit
    assert warranty_of(unit).basis == "ship"
    make_case("accepted", unit_ids=[unit.id, world.unit2.id])
    db.session.expire_all()
    assert unit.install_date == today()
    assert world.unit2.install_date == today()
    warranty = warranty_of(unit)
    assert (warranty.basis, warranty.start) == ("install", today())
    change = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "unit", AuditEntry.object_id == str(unit.id))
    ).all()[-1]
    assert change.changes["install_date"] == [None, today().isoformat()]

    # a repair registered after acceptance decides its warranty from the acceptance date
    category = FaultCategory(code="HYD", name_zh="液压系统", name_en="Hydraulics")
    db.session.add(category)
    db.session.flush()
    clerk = world.engineer
    with force_locale("en"):
        case = register_request(
            {
                "channel": "phone",
                "unit_id": unit.id,
                "contact_name": "王建国",
                "symptom": "液压站压力不稳",
                "fault_category_id": category.id,
            },
            actor=clerk,
        )
    db.session.commit()
    assert case.in_warranty is True
    assert f"accepted {today().isoformat()} + 12 months" in case.warranty_basis


def test_the_follow_up_is_asked_of_sales_after_acceptance(world, make_case, app):
    app.config["INSTALL_FOLLOW_UP_DAYS"] = 14
    case = make_case("accepted")
    follow = deadline(case, "follow_up")
    assert follow.responsible_id == world.sales.id
    assert follow.department == "sales"
    assert follow.due_at - follow.started_at == timedelta(days=14)
    walk(case, "closed", world)
    db.session.commit()
    assert case.status == "closed"
    assert deadline(case, "follow_up").stopped_at is not None
    assert case.is_read_only


def test_cancelling_stops_the_clocks(world, make_case):
    case = make_case("planned")
    with pytest.raises(TransitionNotAllowed):
        transition(case, "cancel", actor=world.sales2, reason="x")  # another salesperson
    transition(case, "cancel", actor=world.sales_mgr, reason="客户取消订单")
    db.session.commit()
    assert case.status == "cancelled"
    assert all(d.stopped_at is not None for d in deadlines_of(case))


# --- home page tasks and the unit's history -----------------------------------------------------------


def titles(user) -> list[str]:
    return [t.number for t in open_tasks(user) if t.module == "installation"]


def test_tasks_on_the_home_page(app, world, make_case):
    with app.test_request_context():
        waiting = make_case()
        assert titles(world.production) == [waiting.number]  # a plan to write
        assert titles(world.sales) == []
        walk(waiting, "planned", world)
        db.session.commit()
        assert titles(world.production) == [waiting.number]  # now as the project lead
        assert titles(world.production2) == []
        for step in ("on_site", "commissioned", "trained", "accepted"):
            walk(waiting, step, world)
        db.session.commit()
        assert titles(world.production) == []
        assert titles(world.sales) == [waiting.number]  # the follow-up
        task = next(t for t in open_tasks(world.sales) if t.module == "installation")
        assert task.due_at == deadline(waiting, "follow_up").due_at


def test_the_unit_page_shows_the_installation(client, login, world, make_case):
    case = make_case("accepted")
    login(world.engineer)
    page = client.get(f"/masterdata/units/{world.unit.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    archive = html.split('id="service-archive"')[1]
    assert case.number in archive
    assert f"/installation/{case.id}" in archive
    assert f"accepted {today().isoformat()}" in archive


def test_a_failed_check_leaves_no_way_round_the_checklist(world, make_case):
    from tests.installation.conftest import passing_answers

    case = make_case("on_site")
    entries, _ = read_commissioning(case, passing_answers(case, pressure="30"))
    values = {"self_inspection": "自检", "trial_run": "正常", "trial_run_passed": True}
    record_commissioning(case, entries, values, actor=world.production)
    db.session.commit()
    with pytest.raises(TransitionNotAllowed):
        transition(case, "commission", actor=world.production)
    assert case.status == "on_site"
