"""The repair pages as staff use them: intake, the step forms, who sees which button, the list."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.repair.models import RepairRequest
from tests.conftest import HX

EN = {"Accept-Language": "en"}
OTHERS = ("clerk", "engineer2", "warehouse", "sales", "quality", "manager", "engineer")


def step_url(case, name):
    return f"/records/repair_request/{case.id}/transitions/{name}"


def take(client, case, name, data=None, headers=HX):
    payload = {"version": case.version, **(data or {})}
    return client.post(step_url(case, name), data=payload, headers={**EN, **headers})


#: (state the case is in, step, who may take it, paid case?, form data)
MATRIX = [
    ("received", "dispatch", "manager", False, lambda w: {"dispatch-engineer_id": w.engineer.id}),
    ("dispatched", "schedule", "engineer", False, lambda w: {"schedule-appointment_at": "2026-12-03T09:30"}),
    ("scheduled", "arrive", "engineer", False, lambda w: {}),
    ("on_site", "start_repair", "engineer", False, lambda w: {"start_repair-fault_found": "比例阀卡滞"}),
    ("on_site", "ask_quote", "engineer", True, lambda w: {"ask_quote-fault_found": "主油泵磨损"}),
    (
        "on_site",
        "request_support",
        "engineer",
        False,
        lambda w: {
            "request_support-support_kind": "technical",
            "request_support-support_request": "需要图纸",
        },
    ),
    ("completed", "close", "manager", False, lambda w: {}),
    ("received", "cancel", "manager", False, lambda w: {"reason": "重复报修"}),
]


@pytest.mark.parametrize(("state", "step", "allowed", "paid", "data"), MATRIX, ids=[m[1] for m in MATRIX])
def test_each_step_is_offered_to_and_taken_by_its_role_only(
    client, login, world, make_case, state, step, allowed, paid, data
):
    case = make_case(state, paid=paid)
    for who in OTHERS:
        if who == allowed:
            continue
        login(world.people[who])
        page = client.get(f"/repair/{case.id}", headers=EN).get_data(as_text=True)
        assert f'data-step="{step}"' not in page, who
        assert take(client, case, step, data(world)).status_code == 403, who
        client.post("/auth/logout")
    login(world.people[allowed])
    page = client.get(f"/repair/{case.id}", headers=EN).get_data(as_text=True)
    assert f'data-step="{step}"' in page
    response = take(client, case, step, data(world))
    assert response.status_code == 204, response.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert db.session.get(RepairRequest, case.id).status != state


def test_intake_registers_with_number_warranty_and_countdowns(client, login, world):
    login(world.clerk)
    form = client.get("/repair/new", headers=EN).get_data(as_text=True)
    assert 'id="intake-form"' in form
    response = client.post(
        "/repair/new",
        data={
            "channel": "phone",
            "received_at": "2026-12-01T09:00",
            "unit_id": world.unit_out.id,
            "contact_name": "王经理",
            "contact_phone": "13800000000",
            "symptom": "开机报警 E21",
            "fault_category_id": world.category.id,
        },
        headers={**EN, **HX},
    )
    assert response.status_code == 204, response.get_data(as_text=True)[:800]
    page = client.get(response.headers["HX-Redirect"], headers=EN).get_data(as_text=True)
    case = db.session.scalar(db.select(RepairRequest))
    assert case.customer_id == world.customer.id  # taken from the unit
    assert re.search(r'id="record-number">WX-202612-\d{4}<', page)
    assert 'data-paid="yes"' in page
    assert "out of warranty since" in page
    assert page.count('class="countdown') >= 2 or page.count("countdown") >= 2


def test_intake_with_missing_fields_answers_422_beside_the_fields_and_saves_nothing(client, login, world):
    login(world.clerk)
    response = client.post(
        "/repair/new", data={"channel": "phone", "received_at": "2026-12-01T09:00"}, headers={**EN, **HX}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="unit_id-error"' in html
    assert "Pick the unit by its serial number." in html
    assert 'id="symptom-error"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(RepairRequest)) == 0


def test_sales_cannot_register_repairs(client, login, world):
    login(world.sales)
    assert client.get("/repair/new").status_code == 403
    assert client.post("/repair/new", data={}).status_code == 403


def test_a_step_form_with_a_missing_field_answers_422_in_place(client, login, world, make_case):
    case = make_case("dispatched")
    login(world.engineer)
    response = take(client, case, "schedule", {"schedule-appointment_at": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.strip().startswith('<div id="transition-buttons"')
    assert 'id="schedule-appointment_at-error"' in html
    db.session.expire_all()
    assert db.session.get(RepairRequest, case.id).status == "dispatched"


def test_a_stale_page_cannot_take_a_step(client, login, world, make_case):
    case = make_case("received")
    login(world.manager)
    response = client.post(
        step_url(case, "dispatch"),
        data={"version": case.version - 1, "dispatch-engineer_id": world.engineer.id},
        headers=HX,
    )
    assert response.status_code == 409


def test_unknown_case_is_404(client, login, world):
    login(world.clerk)
    assert client.get("/repair/9999").status_code == 404
    assert client.get("/repair/quotations/9999").status_code == 404
    assert client.get("/records/repair_request/9999/transitions/dispatch").status_code in (404, 405)


def test_the_list_filters_searches_and_marks_overdue_rows(client, login, world, make_case):
    old = make_case("received", now=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    fresh = make_case("dispatched", unit=world.remote_unit)
    login(world.clerk)
    page = client.get("/repair/", headers=EN).get_data(as_text=True)
    assert f'id="repair-{old.id}" class="table-danger overdue"' in page
    assert f'id="repair-{fresh.id}" class=""' in page
    only_late = client.get("/repair/?overdue=1", headers={**EN, **HX}).get_data(as_text=True)
    assert "<html" not in only_late
    assert f'id="repair-{old.id}"' in only_late
    assert f'id="repair-{fresh.id}"' not in only_late
    by_serial = client.get("/repair/?q=SN-FAR", headers={**EN, **HX}).get_data(as_text=True)
    assert f'id="repair-{fresh.id}"' in by_serial
    assert f'id="repair-{old.id}"' not in by_serial
    by_number = client.get(f"/repair/?q={old.number}", headers={**EN, **HX}).get_data(as_text=True)
    assert f'id="repair-{old.id}"' in by_number
    assert f'id="repair-{fresh.id}"' not in by_number
    remote = client.get("/repair/?region=remote", headers={**EN, **HX}).get_data(as_text=True)
    assert f'id="repair-{fresh.id}"' in remote
    assert f'id="repair-{old.id}"' not in remote


def test_the_list_search_ignores_case_and_takes_wildcards_literally(client, login, world, make_case):
    far = make_case("dispatched", unit=world.remote_unit)  # serial SN-FAR-003
    near = make_case("received")  # serial SN-IN-001
    login(world.clerk)

    def found(q: str) -> set[int]:
        page = client.get("/repair/", query_string={"q": q}, headers={**EN, **HX}).get_data(as_text=True)
        return {case.id for case in (far, near) if f'id="repair-{case.id}"' in page}

    assert found("sn-far") == {far.id}
    assert found("Sn-In-0") == {near.id}
    assert found("SN-") == {far.id, near.id}
    # "_" and "%" are what the user typed, not SQL wildcards
    assert found("SN_FAR") == set()
    assert found("SN%003") == set()
    assert found("%") == set()


def test_my_repairs_shows_the_engineers_own_cases(client, login, world, make_case):
    mine = make_case("dispatched")
    other = make_case("received")
    login(world.engineer)
    page = client.get("/repair/?mine=1&status=open", headers=EN).get_data(as_text=True)
    assert f'id="repair-{mine.id}"' in page
    assert f'id="repair-{other.id}"' not in page


def test_the_units_page_lists_its_repairs(client, login, world, make_case):
    case = make_case("received")
    login(world.clerk)
    page = client.get(f"/masterdata/units/{world.unit_in.id}", headers=EN).get_data(as_text=True)
    assert case.number in page


def test_quotation_is_approved_with_one_click_from_the_inbox(client, login, world, make_case):
    case = make_case("awaiting_quote", paid=True)
    login(world.clerk)
    response = client.post(
        f"/repair/{case.id}/quotations/new",
        data={
            "labour_hours": "2",
            "part_no": ["P-9", ""],
            "part_name": ["油封", ""],
            "quantity": ["2", ""],
            "unit_price": ["35.5", ""],
        },
        headers={**EN, **HX},
    )
    assert response.status_code == 204, response.get_data(as_text=True)[:800]
    quotation = case.quotations[-1]
    assert str(quotation.total) == "571.00"  # 2 h × 150 + 2 × 35.50 + city travel 200
    client.post("/auth/logout")
    login(world.manager)
    inbox = client.get("/records/approvals", headers=EN).get_data(as_text=True)
    assert quotation.number in inbox
    done = client.post(
        f"/records/approvals/repair_quotation/{quotation.id}/approve",
        data={"version": quotation.version},
        headers={**EN, **HX},
    )
    assert done.status_code == 200
    assert "approvals-changed" in done.headers["HX-Trigger"]
    db.session.expire_all()
    assert quotation.status == "approved"


def test_a_bad_quotation_line_is_refused_beside_the_field(client, login, world, make_case):
    case = make_case("awaiting_quote", paid=True)
    login(world.clerk)
    response = client.post(
        f"/repair/{case.id}/quotations/new",
        data={
            "labour_hours": "1",
            "part_no": ["P-9"],
            "part_name": [""],
            "quantity": ["zero"],
            "unit_price": ["-1"],
        },
        headers={**EN, **HX},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the part name." in html
    assert "A whole number from 1 to 9999." in html
    assert case.quotations == []


def test_failed_parts_are_tracked_back_to_the_service_centre(client, login, world, make_case):
    from app.core.records.engine import transition

    case = make_case("in_repair")
    login(world.engineer)
    response = client.post(
        f"/repair/{case.id}/requisitions/new",
        data={
            "part_no": ["P-1", "P-2"],
            "part_name": ["比例阀", "保险丝"],
            "quantity": ["1", "3"],
            "keeps_failed_part": ["1"],
        },
        headers={**EN, **HX},
    )
    assert response.status_code == 204, response.get_data(as_text=True)[:800]
    requisition = case.requisitions[-1]
    assert [line.returns_failed_part for line in requisition.lines] == [True, False]
    transition(requisition, "issue", actor=world.warehouse)
    db.session.commit()
    client.post("/auth/logout")
    login(world.warehouse)
    assert requisition.definition.transition("close").allowed(world.warehouse, requisition) is False
    line = requisition.lines[0]
    back = client.post(
        f"/repair/requisitions/lines/{line.id}/returned", data={"version": requisition.version}, headers=HX
    )
    assert back.status_code == 204
    db.session.expire_all()
    assert line.returned_at is not None
    assert line.received_by_id == world.warehouse.id
    assert requisition.definition.transition("close").allowed(world.warehouse, requisition) is True


def test_the_home_page_lists_each_persons_repair_tasks(client, login, world, make_case):
    to_dispatch = make_case("received")
    on_site = make_case("on_site")
    login(world.manager)
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert to_dispatch.number in home
    assert on_site.number not in home
    client.post("/auth/logout")
    login(world.engineer)
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert on_site.number in home
    assert to_dispatch.number not in home
    client.post("/auth/logout")
    login(world.warehouse)
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert on_site.number not in home
    assert to_dispatch.number not in home


def test_the_list_shows_the_newest_requests_first_unless_sorted_otherwise(client, login, world, make_case):
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    old = make_case("received", now=now - dt.timedelta(days=3))
    new = make_case("received", now=now - dt.timedelta(hours=1))
    login(world.clerk)
    page = client.get("/repair/", headers=EN).get_data(as_text=True)
    assert page.index(f'id="repair-{new.id}"') < page.index(f'id="repair-{old.id}"')
    oldest_first = client.get("/repair/?sort=received", headers=EN).get_data(as_text=True)
    assert oldest_first.index(f'id="repair-{old.id}"') < oldest_first.index(f'id="repair-{new.id}"')
