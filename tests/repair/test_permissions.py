"""Who may take each step of the repair records: the allowed see the button and succeed; everyone
else sees no button and gets 403, whatever they post."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.core.attachments.services import save_signature
from app.core.records.engine import transition
from app.extensions import db
from app.repair.services import create_quotation, create_requisition
from tests.conftest import HX
from tests.repair.conftest import signature_data_url

EN = {"Accept-Language": "en"}
EVERYONE = (
    "clerk",
    "manager",
    "engineer",
    "engineer2",
    "warehouse",
    "sales",
    "quality",
    "tech_manager",
    "gm",
)
SERVICE = {"clerk", "manager", "engineer", "engineer2", "gm"}  # the GM sits in the service centre here


def _support(make_case, w):
    case = make_case("on_site")
    transition(
        case,
        "request_support",
        actor=w.engineer,
        values={"support_kind": "parts", "support_request": "缺配件"},
    )
    db.session.commit()
    return case


def _signed(make_case, w):
    case = make_case("in_repair")
    save_signature(
        signature_data_url(),
        record_type=case.record_type,
        record_id=case.id,
        signer_name="王经理",
        actor=w.engineer,
    )
    db.session.commit()
    return case


def _quotation(state):
    def make(make_case, w):
        case = make_case("awaiting_quote", paid=True)
        quotation = create_quotation(case, labour_hours=Decimal("2"), lines=[], actor=w.clerk)
        if state in ("submitted", "approved"):
            transition(quotation, "submit", actor=w.clerk)
        if state == "approved":
            transition(quotation, "approve", actor=w.manager)
        db.session.commit()
        return quotation

    return make


def _requisition(state):
    def make(make_case, w):
        case = make_case("in_repair")
        requisition = create_requisition(
            case,
            [{"part_no": "P-1", "part_name": "保险丝", "quantity": 1, "returns_failed_part": False}],
            actor=w.engineer,
        )
        transition(requisition, "submit", actor=w.engineer)
        if state == "issued":
            transition(requisition, "issue", actor=w.warehouse)
        db.session.commit()
        return requisition

    return make


def _case(state, paid=False):
    return lambda make_case, w: make_case(state, paid=paid)


COMPLETE = {
    "complete-cause": "接触不良",
    "complete-action_taken": "重新压接",
    "complete-hours": "1.5",
    "complete-customer_signer": "王经理",
    "complete-is_fixed": "yes",
    "complete-is_satisfied": "no",
}

#: (id, record factory, step, who may take it, form data)
MATRIX = [
    (
        "dispatch",
        _case("received"),
        "dispatch",
        {"manager"},
        lambda w: {"dispatch-engineer_id": w.engineer2.id},
    ),
    (
        "schedule",
        _case("dispatched"),
        "schedule",
        {"engineer"},
        lambda w: {"schedule-appointment_at": "2026-12-09T09:00"},
    ),
    ("arrive", _case("scheduled"), "arrive", {"engineer"}, lambda w: {}),
    ("free", _case("on_site"), "start_repair", {"engineer"}, lambda w: {"start_repair-fault_found": "卡滞"}),
    ("paid", _case("on_site", True), "ask_quote", {"engineer"}, lambda w: {"ask_quote-fault_found": "磨损"}),
    ("declines", _case("on_site", True), "customer_declines", SERVICE, lambda w: {"reason": "不修了"}),
    (
        "support",
        _case("in_repair"),
        "request_support",
        {"engineer"},
        lambda w: {"request_support-support_kind": "technical", "request_support-support_request": "要图纸"},
    ),
    (
        "support_given",
        _support,
        "support_given",
        {"manager", "tech_manager"},
        lambda w: {"support_given-support_answer": "已寄出"},
    ),
    ("complete", _signed, "complete", {"engineer"}, lambda w: COMPLETE),
    ("close", _case("completed"), "close", {"manager"}, lambda w: {}),
    (
        "close_paid",
        _case("completed", True),
        "close_paid",
        {"manager"},
        lambda w: {"close_paid-fee_collected": "3050", "close_paid-invoice_no": "FP-9"},
    ),
    ("send_back", _case("completed"), "send_back", {"manager"}, lambda w: {"reason": "缺少工时"}),
    ("cancel", _case("dispatched"), "cancel", {"manager"}, lambda w: {"reason": "重复报修"}),
    ("void", _case("closed"), "void", {"quality"}, lambda w: {"reason": "误登记"}),
    ("q_submit", _quotation("draft"), "submit", SERVICE, lambda w: {}),
    ("q_approve", _quotation("submitted"), "approve", {"manager"}, lambda w: {}),
    ("q_reject", _quotation("submitted"), "reject", {"manager"}, lambda w: {"reason": "工时偏高"}),
    (
        "q_accepts",
        _quotation("approved"),
        "customer_accepts",
        SERVICE,
        lambda w: {"customer_accepts-accepted_price": "500", "customer_accepts-payment_due": "2026-12-31"},
    ),
    ("q_withdraw", _quotation("submitted"), "withdraw", SERVICE, lambda w: {"reason": "重新报价"}),
    ("r_issue", _requisition("submitted"), "issue", {"warehouse"}, lambda w: {}),
    ("r_close", _requisition("issued"), "close", {"warehouse"}, lambda w: {}),
    ("r_cancel", _requisition("submitted"), "cancel", SERVICE, lambda w: {"reason": "不需要了"}),
]


def _page(record):
    return record.url


@pytest.mark.parametrize(
    ("factory", "step", "allowed", "data"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX]
)
def test_each_step_only_for_those_who_may_take_it(
    client, login, world, make_case, factory, step, allowed, data
):
    record = factory(make_case, world)
    state = record.status
    url = f"/records/{record.record_type}/{record.id}/transitions/{step}"
    with client.application.test_request_context():
        page_url = _page(record)
    # the creator never signs their own record: the clerk made the quotation
    for who in EVERYONE:
        if who in allowed:
            continue
        login(world.people[who])
        page = client.get(page_url, headers=EN).get_data(as_text=True)
        assert f'data-step="{step}"' not in page, who
        response = client.post(url, data={"version": record.version, **data(world)}, headers={**EN, **HX})
        assert response.status_code == 403, (who, response.status_code)
        client.post("/auth/logout")
    db.session.expire_all()
    assert record.status == state  # nothing moved
    taker = sorted(allowed)[0]
    login(world.people[taker])
    page = client.get(page_url, headers=EN).get_data(as_text=True)
    assert f'data-step="{step}"' in page
    response = client.post(url, data={"version": record.version, **data(world)}, headers={**EN, **HX})
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:600]
    db.session.expire_all()
    assert record.status != state


def test_the_manager_does_not_approve_a_quotation_he_made(client, login, world, make_case):
    case = make_case("awaiting_quote", paid=True)
    quotation = create_quotation(case, labour_hours=Decimal("1"), lines=[], actor=world.manager)
    transition(quotation, "submit", actor=world.manager, now=dt.datetime.now(dt.UTC))
    db.session.commit()
    login(world.manager)
    page = client.get(f"/repair/quotations/{quotation.id}", headers=EN).get_data(as_text=True)
    assert 'data-step="approve"' not in page
    assert 'id="own-record-note"' in page
    response = client.post(
        f"/records/repair_quotation/{quotation.id}/transitions/approve",
        data={"version": quotation.version},
        headers=HX,
    )
    assert response.status_code == 403
