"""The repair case from intake to closure through the real workflow: warranty, quotation, numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.core.records.engine import deadlines_of, transition
from app.core.records.engine.errors import TransitionNotAllowed, ValidationError
from app.extensions import db


def test_a_free_repair_runs_to_closure_with_its_repair_record_numbered(make_case, world):
    case = make_case("closed")
    assert case.status == "closed"
    assert case.in_warranty is True
    assert not case.is_paid
    assert case.number.startswith("WX-")
    assert case.report_number.startswith("WXD-")
    assert case.report_form_code == "Q/SB-8.5.3-F04"
    assert case.signature_attachment_id is not None
    assert case.customer_signed_at is not None
    assert case.is_read_only


def test_a_paid_repair_goes_through_the_approved_quotation(make_case, world):
    case = make_case("closed", paid=True)
    assert case.is_paid
    assert case.in_warranty is False
    (quotation,) = case.quotations
    assert quotation.status == "accepted"
    # 3 h × 150 + pump 2400 + city travel 200
    assert str(quotation.total) == "3050.00"
    assert case.fee_collected is not None
    assert case.invoice_no == "FP-0001"


def test_declining_the_quotation_closes_the_case_as_declined(make_case, world):
    from decimal import Decimal

    from app.repair.services import create_quotation

    case = make_case("awaiting_quote", paid=True)
    quotation = create_quotation(case, labour_hours=Decimal("1"), lines=[], actor=world.clerk)
    transition(quotation, "submit", actor=world.clerk)
    transition(quotation, "approve", actor=world.manager)
    transition(quotation, "customer_declines", actor=world.clerk, reason="价格太高")
    db.session.commit()
    assert case.status == "declined"
    assert case.closed_at is not None


def test_completion_needs_the_customers_signature(make_case, world):
    case = make_case("in_repair")
    values = {
        "cause": "接触不良",
        "action_taken": "重新压接",
        "hours": 1,
        "customer_signer": "王经理",
        "is_fixed": True,
        "is_satisfied": True,
    }
    with pytest.raises(ValidationError) as error:
        transition(case, "complete", actor=world.engineer, values=values)
    assert set(error.value.errors) == {"customer_signature"}


def test_only_the_assigned_engineer_reports_from_site(make_case, world):
    case = make_case("scheduled")
    with pytest.raises(TransitionNotAllowed):
        transition(case, "arrive", actor=world.engineer2)
    transition(case, "arrive", actor=world.engineer)
    assert case.status == "on_site"


def test_intake_fixes_the_warranty_decision_and_starts_both_clocks(make_case, world):
    case = make_case("received", unit=world.remote_unit)
    assert case.in_warranty is True
    assert "shipped" in case.warranty_basis or "发货" in case.warranty_basis
    reply, onsite = sorted(deadlines_of(case), key=lambda d: d.key != "reply")
    assert reply.key == "reply"
    assert onsite.key == "onsite"
    assert reply.due_at - case.received_at == dt.timedelta(hours=24)
    # remote: 7 working days, so at least 9 calendar days later
    assert onsite.due_at - case.received_at >= dt.timedelta(days=9)


SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("region", "due"),
    [
        # received on the eve of National Day 2026: 10-01..10-07 off, Saturday 10-10 a make-up working day
        ("city", dt.datetime(2026, 10, 8, 10, 0, tzinfo=SH)),
        ("province", dt.datetime(2026, 10, 10, 10, 0, tzinfo=SH)),
        ("remote", dt.datetime(2026, 10, 15, 10, 0, tzinfo=SH)),  # 10-08, 09, 10 (Sat), 12 … 15
    ],
)
def test_on_site_deadline_counts_working_days_over_golden_week(make_case, world, region, due):
    world.customer.region_class = region
    db.session.commit()
    case = make_case("received", now=dt.datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    onsite = next(d for d in deadlines_of(case) if d.key == "onsite")
    assert onsite.due_at == due
    reply = next(d for d in deadlines_of(case) if d.key == "reply")
    assert reply.due_at == dt.datetime(2026, 10, 1, 10, 0, tzinfo=SH)  # 24 clock hours, holiday or not


def test_response_times_come_from_the_configuration(app, make_case, world):
    app.config["REPAIR_ONSITE_DAYS"] = {"city": 2, "province": 4, "remote": 8}
    app.config["REPAIR_REPLY_HOURS"] = 4
    case = make_case("received", now=dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH))  # a Monday
    due = {d.key: d.due_at for d in deadlines_of(case)}
    assert due["onsite"] == dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH)
    assert due["reply"] == dt.datetime(2026, 11, 30, 13, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("install", "received", "in_warranty", "basis"),
    [
        ("2025-12-01", "2026-12-01", True, "accepted 2025-12-01 + 12 months"),  # the last covered day
        ("2025-12-01", "2026-12-02", False, "out of warranty since 2026-12-02"),
        ("2025-11-30", "2026-11-30", True, "in warranty until 2026-11-30"),
    ],
)
def test_the_warranty_decision_at_its_edges(make_case, world, install, received, in_warranty, basis):
    from flask_babel import force_locale

    world.unit_in.install_date = dt.date.fromisoformat(install)
    db.session.commit()
    with force_locale("en"):
        case = make_case("received", now=dt.datetime.fromisoformat(received + "T10:00:00+08:00"))
    assert case.in_warranty is in_warranty
    assert basis in case.warranty_basis


def test_a_unit_with_only_a_production_date_explains_the_three_months(make_case, world):
    from flask_babel import force_locale

    from tests.core.masterdata_helpers import new_unit

    unit = new_unit("SN-PROD-9", world.product, world.customer, production_date=dt.date(2026, 1, 15))
    with force_locale("en"):
        case = make_case("received", unit=unit, now=dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH))
    assert case.in_warranty is True
    assert "production date 2026-01-15 + 3 months = 2026-04-15" in case.warranty_basis
    assert case.warranty_end == dt.date(2027, 4, 15)
