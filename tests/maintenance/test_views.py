"""The maintenance pages as staff use them: a new plan (422 beside the field, nothing saved), bulk
plans, the visit page with its checklists and parts, the calendar (fragment vs full page),
the overdue list, the unit's archive, and 404s."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from app.core.auth.models import User
from app.core.calendar.queries import company_today
from app.core.records.engine import deadlines_of
from app.extensions import db
from app.maintenance.models import MaintenancePlan, MaintenanceVisit, VisitPart
from tests.conftest import HX
from tests.maintenance.conftest import EN, checklist_form


def count(model) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count(model.id)))


def plan_form(w, **overrides) -> dict:
    return {
        "customer_id": w.customer.id,
        "unit_ids": [w.units[0].id, w.units[2].id],
        "interval_count": "6",
        "interval_unit": "months",
        "start_date": (company_today() + dt.timedelta(days=30)).isoformat(),
        "engineer_id": w.engineer.id,
        "sales_id": "",
        "contract_no": "HT-9",
        "note": "",
        **overrides,
    }


def test_a_new_plan_from_the_form(client, login, world):
    login(world.clerk)
    page = client.get("/maintenance/plans/new", headers=EN).get_data(as_text=True)
    assert 'id="plan-form"' in page
    response = client.post("/maintenance/plans/new", data=plan_form(world), headers=EN)
    assert response.status_code == 303
    plan = db.session.scalars(select(MaintenancePlan)).one()
    assert response.headers["Location"].endswith(f"/maintenance/plans/{plan.id}")
    assert plan.scope == "customer"
    assert [u.serial for u in plan.unit_list] == ["SN-M-001", "SN-M-003"]
    page = client.get(f"/maintenance/plans/{plan.id}", headers=EN).get_data(as_text=True)
    assert plan.number in page
    assert 'id="next-due"' in page
    assert "every 6 months" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit_ids": []}, "unit_ids"),
        ({"interval_count": "0"}, "interval_count"),
        ({"start_date": ""}, "start_date"),
        ({"engineer_id": ""}, "engineer_id"),
        ({"customer_id": ""}, "customer_id"),
        ({"unit_ids": ["__far__"]}, "unit_ids"),
    ],
)
def test_a_wrong_plan_is_422_beside_the_field_and_nothing_is_saved(client, login, world, overrides, field):
    if overrides.get("unit_ids") == ["__far__"]:
        overrides = {"unit_ids": [world.far.id]}
    login(world.clerk)
    response = client.post("/maintenance/plans/new", data=plan_form(world, **overrides), headers={**EN, **HX})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'id="{field}-error"' in body
    assert count(MaintenancePlan) == 0


def test_a_unit_in_another_plan_is_refused_beside_the_units(client, login, world, make_plan):
    make_plan("active", units=world.units[:1])
    login(world.clerk)
    response = client.post("/maintenance/plans/new", data=plan_form(world), headers={**EN, **HX})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="unit_ids-error"' in body
    assert "SN-M-001 is already in plan" in body
    assert count(MaintenancePlan) == 1


def test_a_plan_sent_back_is_changed_and_submitted_again(client, login, world, make_plan):
    plan = make_plan("draft")
    login(world.sales)
    page = client.get(f"/maintenance/plans/{plan.id}", headers=EN).get_data(as_text=True)
    assert 'id="edit-plan"' in page
    form = client.get(f"/maintenance/plans/{plan.id}/edit", headers=EN).get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*value="{world.units[0].id}"', form)
    assert not re.search(rf'<input checked[^>]*value="{world.units[1].id}"', form)
    data = plan_form(world, unit_ids=[world.units[0].id, world.units[1].id], interval_count="1")
    stale = client.post(f"/maintenance/plans/{plan.id}/edit", data={**data, "version": plan.version - 1})
    assert stale.status_code == 409
    response = client.post(
        f"/maintenance/plans/{plan.id}/edit", data={**data, "version": plan.version}, headers=EN
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert plan.status == "submitted"
    assert [u.serial for u in plan.unit_list] == ["SN-M-001", "SN-M-002"]
    assert plan.interval_count == 1
    assert plan.scope == "customer"
    assert client.get(f"/maintenance/plans/{plan.id}/edit").status_code == 403  # no longer a draft


def test_picking_the_customer_lists_its_units(client, login, world):
    login(world.clerk)
    response = client.get(
        f"/maintenance/plans/new?part=units&customer_id={world.customer.id}", headers={**EN, **HX}
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="unit-choices"')
    assert "SN-M-003" in body
    assert "SN-M-101" not in body


def test_bulk_plans_for_a_product(client, login, world):
    login(world.clerk)
    data = plan_form(world, basis="product", product_id=world.press.id, grouping="customer")
    data.pop("unit_ids")
    data["customer_id"] = ""
    response = client.post("/maintenance/plans/bulk", data=data, headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    plans = db.session.scalars(select(MaintenancePlan).order_by(MaintenancePlan.customer_id)).all()
    assert [sorted(u.serial for u in p.unit_list) for p in plans] == [["SN-M-001", "SN-M-002"], ["SN-M-101"]]
    assert {p.status for p in plans} == {"submitted"}
    # the same again: every unit is planned already, nothing made, said beside the choice
    response = client.post("/maintenance/plans/bulk", data=data, headers={**EN, **HX})
    assert response.status_code == 422
    assert 'id="basis-error"' in response.get_data(as_text=True)
    assert count(MaintenancePlan) == 2


def test_the_checklist_form_is_422_beside_the_answer_and_saves_nothing(client, login, world, make_visit):
    visit = make_visit("confirmed")
    login(world.engineer)
    page = client.get(f"/maintenance/visits/{visit.id}", headers=EN).get_data(as_text=True)
    assert 'id="checklist-form"' in page
    answers = checklist_form(visit, world, pressure="abc")
    response = client.post(
        f"/maintenance/visits/{visit.id}/checklist",
        data={"version": visit.version, **answers},
        headers={**EN, **HX},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card mt-3" id="visit-checklist"')
    pressure = world.items[1]
    assert f'id="chk{world.units[0].id}-{pressure.id}-error"' in body
    db.session.remove()
    assert db.session.get(MaintenanceVisit, visit.id).checklist_results is None
    answers = checklist_form(visit, world, pressure="25")  # outside 18–22: an answer, not an error
    response = client.post(
        f"/maintenance/visits/{visit.id}/checklist",
        data={"version": visit.version, **answers},
        headers={**EN, **HX},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/maintenance/visits/{visit.id}")
    db.session.remove()
    stored = db.session.get(MaintenanceVisit, visit.id).checklist_results
    assert [r["passed"] for r in stored[0]["results"]] == [True, False]


def test_parts_and_the_warehouse(client, login, world, make_visit):
    visit = make_visit("confirmed")
    warehouse_id, visit_id = world.warehouse.id, visit.id
    login(world.engineer)
    bad = client.post(
        f"/maintenance/visits/{visit_id}/parts", data={"part_no": "", "quantity": "1"}, headers=HX
    )
    assert bad.status_code == 422
    assert 'id="part_no-error"' in bad.get_data(as_text=True)
    assert count(VisitPart) == 0
    response = client.post(
        f"/maintenance/visits/{visit_id}/parts",
        data={"part_no": "F-100", "part_name": "液压油滤芯", "quantity": "2", "from_warehouse": "y"},
        headers={**EN, **HX},
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<section class="card mt-3" id="visit-parts"')
    part = db.session.scalars(select(VisitPart)).one()
    assert part.from_warehouse
    assert part.requested_at is not None
    from app.core.notifications import Notification

    assert (
        db.session.scalar(select(Notification.user_id).where(Notification.kind == "maintenance"))
        == warehouse_id
    )
    assert client.post(f"/maintenance/parts/{part.id}/issued", headers=HX).status_code == 403
    client.post("/auth/logout")
    login(db.session.get(User, warehouse_id))
    page = client.get(f"/maintenance/visits/{visit_id}", headers=EN).get_data(as_text=True)
    assert f'data-part-issue="{part.id}"' in page
    assert client.post(f"/maintenance/parts/{part.id}/issued", headers=HX).status_code == 200
    db.session.remove()
    assert db.session.get(VisitPart, part.id).issued_at is not None


def test_the_calendar_is_a_page_or_only_its_month(client, login, world, make_visit):
    visit = make_visit("confirmed")
    login(world.engineer)
    month = visit.planned_date.strftime("%Y-%m")
    page = client.get(f"/maintenance/calendar?month={month}", headers=EN)
    html = page.get_data(as_text=True)
    assert "<html" in html
    assert f'data-visit="{visit.id}"' in html
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get(f"/maintenance/calendar?month={month}&engineer=mine", headers={**EN, **HX})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<div id="visit-calendar" data-month="{month}"')
    assert f'data-visit="{visit.id}"' in body
    other = client.get(
        f"/maintenance/calendar?month={month}&engineer={world.engineer2.id}", headers={**EN, **HX}
    ).get_data(as_text=True)
    assert f'data-visit="{visit.id}"' not in other
    for wrong in ("9999-12", "0001-01", "2026-13", "next"):  # this month instead
        this_month = company_today().strftime("%Y-%m")
        answer = client.get(f"/maintenance/calendar?month={wrong}", headers={**EN, **HX}).get_data(
            as_text=True
        )
        assert f'data-month="{this_month}"' in answer
    following = client.get("/maintenance/calendar?month=2026-10", headers={**EN, **HX}).get_data(as_text=True)
    assert 'data-date="2026-10-01" data-workday="no"' in following
    assert 'data-date="2026-10-10" data-workday="yes"' in following  # the make-up Saturday


def test_the_calendar_shows_later_occurrences_of_a_plan(client, login, world, make_plan):
    plan = make_plan("active", interval_count=1)
    login(world.clerk)
    later = plan.next_due_date + dt.timedelta(days=62)
    body = client.get(f"/maintenance/calendar?month={later:%Y-%m}", headers={**EN, **HX}).get_data(
        as_text=True
    )
    assert f'data-forecast="{plan.id}"' in body


def test_the_overdue_list(client, login, world, make_plan, make_visit):
    late = make_visit("scheduled")
    on_time = make_visit("scheduled", plan=make_plan("active", units=world.units[1:2]))
    # a fortnight has passed for the first visit: its due date and its clocks are behind us
    gone = dt.timedelta(days=20)
    db.session.execute(
        update(MaintenanceVisit).where(MaintenanceVisit.id == late.id).values(due_date=late.due_date - gone)
    )
    for deadline in deadlines_of(late):
        deadline.due_at -= gone
        deadline.remind_at -= gone
    db.session.commit()
    login(world.manager)
    page = client.get("/maintenance/overdue", headers=EN).get_data(as_text=True)
    assert f'id="overdue-visits-{late.id}"' in page
    assert f'id="unconfirmed-visits-{late.id}"' in page
    assert f"visits-{on_time.id}" not in page


def test_the_units_page_shows_its_plan_and_visits(client, login, world, make_visit):
    visit = make_visit("completed")
    login(world.sales)
    page = client.get(f"/masterdata/units/{world.units[0].id}", headers=EN).get_data(as_text=True)
    assert visit.plan.number in page
    assert visit.number in page
    assert f"/maintenance/visits/{visit.id}" in page


def test_the_home_page_lists_the_engineers_visits(client, login, world, make_visit):
    visit = make_visit("scheduled")
    login(world.engineer)
    assert visit.number in client.get("/", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/maintenance/plans/999",
        "/maintenance/plans/999/edit",
        "/maintenance/visits/999",
        "/maintenance/visits/999/checklist",
        "/maintenance/visits/999/parts",
        "/maintenance/parts/999/issued",
        "/maintenance/print/maintenance_plan/999/F01.pdf",
        "/maintenance/print/maintenance_visit/1/F09.pdf",
        "/maintenance/print/repair_request/1/F01.pdf",
        "/maintenance/print/customers/999/F01.pdf",
    ],
)
def test_missing_things_are_404(client, login, world, url):
    login(world.manager)
    method = client.post if url.endswith(("checklist", "parts", "issued")) else client.get
    assert method(url).status_code == 404


def test_a_draft_visit_and_a_customer_without_plans_are_404(client, login, world, make_plan):
    login(world.manager)
    assert client.get(f"/maintenance/print/customers/{world.other.id}/F01.pdf").status_code == 404
    plan = make_plan("submitted")
    assert client.get(f"/maintenance/print/customers/{plan.customer_id}/F01.pdf").status_code == 404


def test_lists_render(client, login, world, make_visit):
    visit = make_visit("scheduled")
    login(world.manager)
    index = client.get("/maintenance/", headers=EN).get_data(as_text=True)
    assert visit.plan.number in index
    table = client.get(f"/maintenance/?q={visit.plan.units[0].unit.serial}", headers={**EN, **HX})
    assert table.get_data(as_text=True).lstrip().startswith('<div id="plan-table"')
    visits = client.get("/maintenance/visits", headers=EN).get_data(as_text=True)
    assert visit.number in visits
    done = client.get("/maintenance/visits?status=completed", headers={**EN, **HX}).get_data(as_text=True)
    assert visit.number not in done
