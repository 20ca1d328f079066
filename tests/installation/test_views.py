"""The installation pages: the request form (422 beside the field, nothing saved), the units of the
customer, the plan form, the step forms, the commissioning checklists, the list (fragment or
page, filters) and the 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.records.engine import transition
from app.extensions import db
from app.installation.models import InstallationPlan, InstallationRequest
from app.installation.services import write_plan
from tests.conftest import HX as HTMX
from tests.installation.conftest import passing_answers, plan_values, today

EN = {"Accept-Language": "en"}
HX = {**HTMX, **EN}


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def form_data(w, **changes) -> dict:
    data = {
        "customer_id": w.customer.id,
        "unit_ids": [w.unit.id, w.unit2.id],
        "site": "苏州工业园区 二号车间",
        "installation_date": (today() + dt.timedelta(days=15)).isoformat(),
        "contact_name": "王建国",
        "contact_phone": "0512-6000 1002",
        "site_ready": "y",
        "site_ready_note": "基础已完成",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- the request --------------------------------------------------------------------------------------


def test_the_request_form_is_a_page_and_lists_the_customers_units(client, login, world):
    login(world.sales)
    page = client.get(f"/installation/new?customer={world.customer.id}", headers=EN).get_data(as_text=True)
    assert "<html" in page
    assert 'id="request-form"' in page
    assert "7 days before the installation date" in page
    picker = page.split('id="unit-picker"')[1].split("</fieldset>")[0]
    for unit in (world.unit, world.unit2, world.cabinet):
        assert f'value="{unit.id}"' in picker
    assert f'value="{world.installed.id}"' not in picker  # installed already
    assert f'value="{world.other_unit.id}"' not in picker  # another customer's


def test_the_unit_picker_follows_the_customer(client, login, world, make_case):
    make_case()  # QP200-0001 is on an open request now
    login(world.sales)
    response = client.get(f"/installation/units?customer_id={world.customer.id}", headers=HX)
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.strip().startswith('<fieldset class="mb-3" id="unit-picker">')
    assert f'value="{world.unit.id}"' not in html
    assert f'value="{world.unit2.id}"' in html
    other = client.get(f"/installation/units?customer_id={world.other.id}", headers=HX).get_data(as_text=True)
    assert f'value="{world.other_unit.id}"' in other
    assert 'id="unit-picker-empty"' in client.get("/installation/units", headers=HX).get_data(as_text=True)


def test_a_request_is_sent_and_the_page_follows(client, login, world):
    login(world.sales)
    response = client.post("/installation/new", data=form_data(world), headers=HX)
    assert response.status_code == 204
    case = db.session.scalar(select(InstallationRequest))
    assert response.headers["HX-Redirect"] == f"/installation/{case.id}"
    assert [u.serial for u in case.units] == ["QP200-0001", "QP200-0002"]
    assert case.status == "requested"
    page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
    assert case.number in page
    assert 'data-key="plan"' in page  # the deadline with its countdown
    assert 'data-print="F01"' in page
    assert 'data-print="F03"' not in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_ids": None}, "unit_ids"),
        ({"site_ready": None}, "site_ready"),
        ({"site": ""}, "site"),
        ({"installation_date": (dt.date.today() - dt.timedelta(days=3)).isoformat()}, "installation_date"),
        ({"customer_id": ""}, "customer_id"),
        ({"unit_ids": ["999999"]}, "unit_ids"),
    ],
)
def test_a_wrong_request_is_refused_beside_the_field_and_nothing_saved(client, login, world, changes, field):
    login(world.sales)
    response = client.post("/installation/new", data=form_data(world, **changes), headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.strip().startswith('<form method="post" action="/installation/new" id="request-form"')
    assert f'id="{field}-error"' in html
    assert count(InstallationRequest) == 0


def test_another_customers_unit_is_refused(client, login, world):
    login(world.sales)
    data = form_data(world, unit_ids=[world.other_unit.id])
    response = client.post("/installation/new", data=data, headers=HX)
    assert response.status_code == 422
    assert 'id="unit_ids-error"' in response.get_data(as_text=True)
    assert count(InstallationRequest) == 0


# --- the plan -----------------------------------------------------------------------------------------


def plan_form(w, **changes) -> dict:
    data = {
        "project_lead_id": w.production.id,
        "team": "冯生产\n钳工 李师傅",
        "starts_at": (today() + dt.timedelta(days=20)).isoformat() + "T09:00",
        "days": "2",
        "schedule": "两天",
        "work_plan": "就位调平接电",
        "quality_requirements": "检查表全部合格",
        "safety_measures": "停电挂牌",
    }
    data.update(changes)
    return data


def test_production_writes_the_plan_and_sends_it_for_approval(client, login, world, make_case):
    case = make_case()
    login(world.production)
    page = client.get(f"/installation/{case.id}/plan", headers=EN).get_data(as_text=True)
    # the visit defaults to the installation date at 08:30
    assert f'value="{case.installation_date.isoformat()}T08:30"' in page
    missing = client.post(
        f"/installation/{case.id}/plan", data=plan_form(world, team="", safety_measures=""), headers=HX
    )
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert 'id="team-error"' in html
    assert 'id="safety_measures-error"' in html
    assert count(InstallationPlan) == 0
    response = client.post(f"/installation/{case.id}/plan", data=plan_form(world), headers=HX)
    assert response.status_code == 204
    plan = db.session.scalar(select(InstallationPlan))
    assert response.headers["HX-Redirect"] == f"/installation/plans/{plan.id}"
    assert (plan.status, plan.number[:5]) == ("submitted", "AZJH-")
    assert plan.team_names == ["冯生产", "钳工 李师傅"]
    # a second plan is not offered while this one is in play
    assert client.get(f"/installation/{case.id}/plan").status_code == 403


def test_a_plan_sent_back_is_reworked_and_a_stale_page_refused(client, login, world, make_case):
    case = make_case()
    plan = write_plan(case, plan_values(world), actor=world.production)
    transition(plan, "submit", actor=world.production)
    transition(plan, "reject", actor=world.prod_mgr, reason="安全措施不足")
    db.session.commit()
    login(world.production2)
    page = client.get(f"/installation/plans/{plan.id}", headers=EN).get_data(as_text=True)
    assert 'id="edit-plan"' in page
    url = f"/installation/plans/{plan.id}/edit"
    form = client.get(url, headers=EN).get_data(as_text=True)
    assert 'id="plan-form"' in form
    assert "吊装隔离，停电挂牌" in form  # the plan as it was sent back
    assert f'<option selected value="{world.production.id}">' in form
    data = plan_form(world, safety_measures="停电挂牌，高处作业系安全带", version=plan.version)
    assert client.post(url, data={**data, "version": plan.version - 1}, headers=HX).status_code == 409
    response = client.post(url, data=data, headers=HX)
    assert response.status_code == 204
    db.session.expire_all()
    assert (plan.status, plan.safety_measures) == ("submitted", "停电挂牌，高处作业系安全带")
    assert client.get(url).status_code == 403  # no longer a draft


# --- the steps on site --------------------------------------------------------------------------------


def test_damaged_packaging_needs_a_description_beside_the_field(client, login, world, make_case):
    case = make_case("planned")
    login(world.production)
    page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
    assert 'data-open-step="unboxing"' in page
    data = {
        "version": case.version,
        "unboxing-inspected_at": "2026-12-10T09:00",
        "unboxing-sales_rep_id": world.sales.id,
        "unboxing-logistics_rep_id": world.logistics.id,
        "unboxing-customer_rep": "王建国",
        "unboxing-contents_checked": "y",
        "unboxing-custody_ok": "yes",
        "unboxing-packaging_damaged": "y",
    }
    url = f"/records/installation_request/{case.id}/transitions/unboxing"
    response = client.post(url, data=data, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="unboxing-damage_description-error"' in html
    assert "claimed from the carrier" in html
    db.session.expire_all()
    assert (case.status, case.packaging_damaged, case.inspection_number) == ("planned", False, None)
    no_check = {**data, "unboxing-damage_description": "木箱破损"}
    del no_check["unboxing-contents_checked"]
    refused = client.post(url, data=no_check, headers=HX)
    assert refused.status_code == 422
    assert 'id="unboxing-contents_checked-error"' in refused.get_data(as_text=True)
    ok = client.post(url, data={**data, "unboxing-damage_description": "木箱破损"}, headers=HX)
    assert ok.status_code == 204
    db.session.expire_all()
    assert case.status == "on_site"
    page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
    assert "Damaged in transit" in page
    assert 'data-print="F03"' in page


def test_the_transit_damage_record_is_linked_on_the_page(client, login, world, make_case):
    case = make_case("on_site")
    case.packaging_damaged = True
    case.damage_description = "外包装受潮"
    case.damage_record_number = "YC-202612-001"
    case.damage_record_url = "/delivery/damage/3"
    db.session.commit()
    login(world.sales)
    page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
    assert '<a href="/delivery/damage/3">YC-202612-001</a>' in page


def _commissioning(case, **changes):
    data = {
        "version": case.version,
        "self_inspection": "紧固件、油路自检合格",
        "trial_run": "空载运行2小时",
        "trial_run_passed": "yes",
        **passing_answers(case),
    }
    data.update(changes)
    return data


def test_commissioning_checklist_errors_stand_beside_the_item_and_nothing_is_saved(
    client, login, world, make_case
):
    case = make_case("on_site")
    login(world.production)
    page = client.get(f"/installation/{case.id}/commissioning", headers=EN).get_data(as_text=True)
    assert "<html" in page
    assert "Hydraulic pressure" in page
    assert "24 – 26 MPa" in page
    first, pressure = world.checklist.items
    prefix = f"chk{world.unit.id}"
    data = _commissioning(case, **{f"{prefix}-{first.id}": "", f"{prefix}-{pressure.id}": "abc"})
    response = client.post(f"/installation/{case.id}/commissioning", data=data, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert f'id="{prefix}-{first.id}-error"' in html
    assert f'id="{prefix}-{pressure.id}-error"' in html
    assert 'value="abc"' in html
    db.session.expire_all()
    assert case.commissioning is None
    missing = client.post(
        f"/installation/{case.id}/commissioning", data=_commissioning(case, trial_run=""), headers=HX
    )
    assert missing.status_code == 422
    assert 'id="trial_run-error"' in missing.get_data(as_text=True)


def test_an_out_of_limit_value_is_kept_and_shown_and_the_case_stays_on_site(client, login, world, make_case):
    case = make_case("on_site")
    login(world.production)
    pressure = world.checklist.items[1]
    name = f"chk{world.unit.id}-{pressure.id}"
    response = client.post(
        f"/installation/{case.id}/commissioning", data=_commissioning(case, **{name: "23.1"}), headers=HX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="commissioning-failed"' in html
    assert f'data-failed="{pressure.id}"' in html
    assert f'id="{name}-out"' in html
    db.session.expire_all()
    assert case.status == "on_site"
    assert case.commissioning[0]["results"][1]["passed"] is False
    page = client.get(f"/installation/{case.id}", headers=EN).get_data(as_text=True)
    assert 'data-passed="no"' in page
    # fixed and measured again: a stale page is refused, the fresh one moves the case on
    assert (
        client.post(
            f"/installation/{case.id}/commissioning", data=_commissioning(case, version=1), headers=HX
        ).status_code
        == 409
    )
    ok = client.post(f"/installation/{case.id}/commissioning", data=_commissioning(case), headers=HX)
    assert ok.status_code == 204
    db.session.expire_all()
    assert case.status == "commissioned"


def test_trainees_are_read_one_a_line(client, login, world, make_case):
    case = make_case("commissioned")
    login(world.production)
    url = f"/records/installation_request/{case.id}/transitions/train"
    data = {
        "version": case.version,
        "train-trained_at": "2026-12-11T14:00",
        "train-trainer": "冯生产",
        "train-trainees": "  \n ",
        "train-training_content": "安全操作",
        "train-training_hours": "2",
    }
    response = client.post(url, data=data, headers=HX)
    assert response.status_code == 422
    assert 'id="train-trainees-error"' in response.get_data(as_text=True)
    ok = client.post(url, data={**data, "train-trainees": "王强\n\n 赵丽 \n孙涛"}, headers=HX)
    assert ok.status_code == 204
    db.session.expire_all()
    assert case.trainees == ["王强", "赵丽", "孙涛"]
    assert case.training_number.startswith("PX-")


# --- the list -----------------------------------------------------------------------------------------


def test_the_list_is_a_fragment_for_htmx_and_a_page_otherwise(client, login, world, make_case):
    first = make_case()
    second = make_case("planned", unit_ids=[world.unit2.id])
    login(world.sales)
    full = client.get("/installation/", headers=EN).get_data(as_text=True)
    assert "<html" in full
    assert 'id="installation-filters"' in full
    for case in (first, second):
        assert f'id="installation-{case.id}"' in full
    response = client.get("/installation/?status=planned", headers=HX)
    fragment = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in fragment
    assert fragment.strip().startswith('<div id="installation-table">')
    assert f'id="installation-{second.id}"' in fragment
    assert f'id="installation-{first.id}"' not in fragment
    by_serial = client.get("/installation/?q=QP200-0002", headers=HX).get_data(as_text=True)
    assert f'id="installation-{second.id}"' in by_serial
    assert f'id="installation-{first.id}"' not in by_serial


def test_my_installations_and_the_overdue_filter(client, login, world, make_case, monkeypatch):
    mine = make_case()
    other = make_case(unit_ids=[world.unit2.id])
    other.salesperson_id = world.sales2.id
    db.session.commit()
    login(world.sales)
    page = client.get("/installation/?mine=1", headers=HX).get_data(as_text=True)
    assert f'id="installation-{mine.id}"' in page
    assert f'id="installation-{other.id}"' not in page
    assert f'id="installation-{mine.id}"' not in client.get("/installation/?overdue=1", headers=HX).get_data(
        as_text=True
    )


# --- 404 ----------------------------------------------------------------------------------------------


def test_unknown_records_are_404(client, login, world, make_case):
    case = make_case("on_site")
    login(world.production)
    for url in (
        "/installation/999",
        "/installation/999/commissioning",
        "/installation/999/plan",
        "/installation/plans/999",
        "/installation/plans/999/edit",
        "/installation/print/installation_request/999/F01.pdf",
        f"/installation/print/installation_request/{case.id}/F04.pdf",  # not trained yet: no F04
        f"/installation/print/installation_request/{case.id}/F09.pdf",
        f"/installation/print/repair_request/{case.id}/F01.pdf",
    ):
        assert client.get(url).status_code == 404, url
