"""Who may take each step of a maintenance plan and a visit: the allowed see the button and succeed;
everyone else sees no button and gets 403, whatever they post."""

from __future__ import annotations

import pytest

from app.core.records.engine import create_record
from app.extensions import db
from app.maintenance.models import MaintenanceVisit
from tests.conftest import HX
from tests.maintenance.conftest import EN

EVERYONE = (
    "clerk",
    "manager",
    "engineer",
    "engineer2",
    "sales",
    "sales_manager",
    "warehouse",
    "quality",
    "technical",
)
PLANNERS = {"clerk", "manager", "engineer", "engineer2", "sales", "sales_manager"}


def _plan(state):
    return lambda w, make_plan, make_visit: make_plan(state)


def _visit(state, signed=False):
    return lambda w, make_plan, make_visit: make_visit(state, signed=signed)


COMPLETE = {
    "complete-findings": "正常",
    "complete-customer_signer": "王经理",
}

#: (id, record factory, step, who may take it, form data)
MATRIX = [
    ("p_submit", _plan("draft"), "submit", PLANNERS, lambda w: {}),
    ("p_approve", _plan("submitted"), "approve", {"manager"}, lambda w: {}),
    ("p_reject", _plan("submitted"), "reject", {"manager"}, lambda w: {"reason": "周期太长"}),
    ("p_pause", _plan("active"), "pause", {"manager"}, lambda w: {"reason": "客户停产"}),
    ("p_resume", _plan("paused"), "resume", {"manager"}, lambda w: {}),
    ("p_end", _plan("active"), "end", {"manager"}, lambda w: {"reason": "合同到期"}),
    (
        "v_confirm",
        _visit("scheduled"),
        "confirm",
        {"engineer", "sales", "sales_manager", "manager"},
        lambda w: {"confirm-appointment_date": "2026-12-20", "confirm-contact_name": "王经理"},
    ),
    ("v_complete", _visit("confirmed", signed=True), "complete", {"engineer"}, lambda w: COMPLETE),
    ("v_cancel", _visit("scheduled"), "cancel", {"manager"}, lambda w: {"reason": "客户要求取消"}),
]


@pytest.mark.parametrize(
    ("factory", "step", "allowed", "data"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX]
)
def test_each_step_only_for_those_who_may_take_it(
    client, login, world, make_plan, make_visit, factory, step, allowed, data
):
    record = factory(world, make_plan, make_visit)
    state = record.status
    url = f"/records/{record.record_type}/{record.id}/transitions/{step}"
    with client.application.test_request_context():
        page_url = record.url
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
    for taker in sorted(allowed)[:1]:
        login(world.people[taker])
        page = client.get(page_url, headers=EN).get_data(as_text=True)
        assert f'data-step="{step}"' in page
        response = client.post(url, data={"version": record.version, **data(world)}, headers={**EN, **HX})
        assert response.status_code in (200, 204), response.get_data(as_text=True)[:800]
        db.session.expire_all()
        assert record.status != state


def test_only_the_scheduler_opens_a_visit(client, login, world, make_plan):
    plan = make_plan("active")
    visit = create_record(
        MaintenanceVisit,
        {
            "plan_id": plan.id,
            "raw_date": plan.next_due_date,
            "due_date": plan.next_due_date,
            "customer_id": plan.customer_id,
        },
        actor=None,
    )
    db.session.commit()
    for who in EVERYONE:
        login(world.people[who])
        response = client.post(
            f"/records/maintenance_visit/{visit.id}/transitions/open",
            data={"version": visit.version},
            headers=HX,
        )
        assert response.status_code == 403, who
        client.post("/auth/logout")
    login(world.manager)
    assert client.get(f"/maintenance/visits/{visit.id}").status_code == 404  # nobody sees it half made


def test_plan_pages_are_for_planners(client, login, world, make_plan):
    plan = make_plan("draft")
    for who in ("warehouse", "quality", "technical"):
        login(world.people[who])
        assert client.get("/maintenance/plans/new").status_code == 403
        assert client.post("/maintenance/plans/bulk", data={}).status_code == 403
        assert client.get(f"/maintenance/plans/{plan.id}/edit").status_code == 403
        page = client.get("/maintenance/", headers=EN).get_data(as_text=True)
        assert 'id="new-plan"' not in page
        client.post("/auth/logout")
    login(world.sales)
    assert client.get(f"/maintenance/plans/{plan.id}/edit").status_code == 200
    assert 'id="new-plan"' in client.get("/maintenance/", headers=EN).get_data(as_text=True)


def test_the_checklist_and_parts_are_for_the_engineer_on_the_visit(client, login, world, make_visit):
    visit = make_visit("confirmed")
    for who in ("engineer2", "sales", "clerk", "warehouse"):
        login(world.people[who])
        page = client.get(f"/maintenance/visits/{visit.id}", headers=EN).get_data(as_text=True)
        assert 'id="checklist-form"' not in page
        assert 'id="part-form"' not in page
        assert (
            client.post(
                f"/maintenance/visits/{visit.id}/checklist", data={"version": visit.version}
            ).status_code
            == 403
        )
        assert client.post(f"/maintenance/visits/{visit.id}/parts", data={}).status_code == 403
        client.post("/auth/logout")


def test_the_manager_does_not_approve_a_plan_he_made(client, login, world, make_plan):
    plan = make_plan("submitted", by=world.manager)
    login(world.manager)
    page = client.get(f"/maintenance/plans/{plan.id}", headers=EN).get_data(as_text=True)
    assert 'data-step="approve"' not in page
    assert 'id="own-record-note"' in page
    response = client.post(
        f"/records/maintenance_plan/{plan.id}/transitions/approve", data={"version": plan.version}, headers=HX
    )
    assert response.status_code == 403


def test_the_approvals_inbox_approves_a_plan_with_one_click(client, login, world, make_plan):
    plan = make_plan("submitted")
    login(world.manager)
    inbox = client.get("/records/approvals", headers=EN).get_data(as_text=True)
    assert plan.number in inbox
    response = client.post(
        f"/records/approvals/maintenance_plan/{plan.id}/approve",
        data={"version": plan.version},
        headers={**EN, **HX},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert plan.status == "active"
