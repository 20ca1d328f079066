"""Fixtures for preventive maintenance: the register, its people, units with a checklist, plans and
visits in any state, made through the real services and steps."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from app.core.attachments.services import save_signature
from app.core.calendar.queries import company_today
from app.core.checklists.services import add_item, create_template
from app.core.masterdata.models import RegionClass
from app.core.permissions import Department, Role
from app.core.records.demo import seed_register
from app.core.records.engine import transition
from app.extensions import db
from app.maintenance.services import complete_visit, create_plan, create_visit
from tests.core.conftest import spawn  # noqa: F401 — real worker processes (test_worker.py)
from tests.core.masterdata_helpers import new_customer, new_product, new_unit

EN = {"Accept-Language": "en"}


def signature_data_url() -> str:
    """A small drawn signature, as the pad posts it."""
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def world(app, make_user):
    """The maintenance register, the service centre and sales, a customer with three units of two
    products; the first product has a maintenance checklist (one pass/fail, one measured item)."""
    seed_register()
    people = {
        "clerk": make_user(roles=[Role.INFO_CLERK], department=Department.SERVICE, display_name="刘信息员"),
        "manager": make_user(roles=[Role.DEPT_MANAGER], department=Department.SERVICE, display_name="赵经理"),
        "engineer": make_user(
            roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE, display_name="陈工"
        ),
        "engineer2": make_user(
            roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE, display_name="黄工"
        ),
        "sales": make_user(roles=[Role.STAFF], department=Department.SALES, display_name="王销售"),
        "sales_manager": make_user(
            roles=[Role.DEPT_MANAGER], department=Department.SALES, display_name="李经理"
        ),
        "warehouse": make_user(roles=[Role.WAREHOUSE_KEEPER], department=Department.LOGISTICS),
        "quality": make_user(roles=[Role.QUALITY_ADMIN], department=Department.QUALITY),
        "technical": make_user(roles=[Role.STAFF], department=Department.TECHNICAL),
    }
    customer = new_customer("苏州精密机械有限公司", RegionClass.CITY, contacts=["王经理"])
    other = new_customer("无锡德信轴承有限公司", RegionClass.PROVINCE, contacts=["郑海涛"])
    press = new_product("QP-200", 12, "数控液压折弯机")
    chiller = new_product("QPX-120", 12, "工业冷水机")
    units = [
        new_unit("SN-M-001", press, customer, install_date=dt.date(2025, 3, 1), site="一号车间"),
        new_unit("SN-M-002", press, customer, install_date=dt.date(2025, 4, 1), site="二号车间"),
        new_unit("SN-M-003", chiller, customer, install_date=dt.date(2025, 5, 1), site="二号车间"),
    ]
    far = new_unit("SN-M-101", press, other, install_date=dt.date(2025, 6, 1))
    template = create_template(
        {
            "product_id": press.id,
            "purpose": "maintenance",
            "title_zh": "折弯机保养检查表",
            "title_en": "Press brake",
        },
        actor=None,
    )
    oil = add_item(
        template, {"text_zh": "液压油位及油质", "text_en": "Hydraulic oil", "kind": "pass_fail"}, actor=None
    )
    pressure = add_item(
        template,
        {
            "text_zh": "系统压力",
            "text_en": "System pressure",
            "kind": "measured",
            "unit": "MPa",
            "low": Decimal("18"),
            "high": Decimal("22"),
        },
        actor=None,
    )
    db.session.commit()
    return SimpleNamespace(
        **people,
        people=people,
        customer=customer,
        other=other,
        press=press,
        chiller=chiller,
        units=units,
        far=far,
        template=template,
        items=(oil, pressure),
    )


def plan_values(w, **overrides) -> dict:
    return {
        "customer_id": w.customer.id,
        "interval_count": 3,
        "interval_unit": "months",
        "start_date": company_today() + dt.timedelta(days=10),
        "engineer_id": w.engineer.id,
        "sales_id": w.sales.id,
        "contract_no": "HT-2026-001",
        "note": "",
        **overrides,
    }


@pytest.fixture
def make_plan(world):
    """``make_plan(state="active", units=None, by=None, **values)`` → a committed plan.

    ``submitted`` (just created), ``draft`` (sent back), ``active``, ``paused``, ``ended``.
    """

    def make(state: str = "active", *, units=None, by=None, **values):
        w = world
        units = units if units is not None else w.units[:1]
        plan = create_plan(plan_values(w, **values), [u.id for u in units], actor=by or w.clerk)
        db.session.commit()
        if state == "submitted":
            return plan
        if state == "draft":
            transition(plan, "reject", actor=w.manager, reason="周期不对")
        else:
            transition(plan, "approve", actor=w.manager)
            if state == "paused":
                transition(plan, "pause", actor=w.manager, reason="客户停产")
            elif state == "ended":
                transition(plan, "end", actor=w.manager, reason="合同到期")
        db.session.commit()
        return plan

    return make


@pytest.fixture
def make_visit(world, make_plan):
    """``make_visit(state="scheduled", plan=None, signed=False)`` → a committed visit of an active plan."""

    def make(state: str = "scheduled", *, plan=None, signed: bool = False):
        w = world
        plan = plan or make_plan("active")
        visit = create_visit(plan)
        db.session.commit()
        if state == "scheduled":
            return visit
        transition(
            visit,
            "confirm",
            actor=w.engineer,
            values={
                "appointment_date": visit.due_date,
                "appointment_time": "09:30",
                "contact_name": "王经理",
                "contact_phone": "0512-66668888",
                "appointment_note": "",
            },
        )
        db.session.commit()
        if state == "confirmed" and not signed:
            return visit
        fill_checklists(visit, w)
        save_signature(
            signature_data_url(),
            record_type=visit.record_type,
            record_id=visit.id,
            signer_name="王经理",
            actor=w.engineer,
        )
        db.session.commit()
        if state == "confirmed":
            return visit
        complete_visit(
            visit,
            actor=w.engineer,
            values={
                "findings": "导轨润滑不足，已加注",
                "retraining_given": True,
                "retraining_note": "操作工2人，日常点检，0.5小时",
                "customer_signer": "王经理",
            },
        )
        db.session.commit()
        return visit

    return make


def checklist_form(visit, w, *, pressure: str = "20.5", oil: str = "pass") -> dict:
    """The checklist answers of every unit of the visit's plan, as the form posts them."""
    oil_item, pressure_item = w.items
    data = {}
    for plan_unit in visit.plan.units:
        if plan_unit.unit.product_id == w.press.id:
            data[f"chk{plan_unit.unit_id}-{oil_item.id}"] = oil
            data[f"chk{plan_unit.unit_id}-{pressure_item.id}"] = pressure
    return data


def fill_checklists(visit, w) -> None:
    from werkzeug.datastructures import MultiDict

    from app.maintenance.checklist import read_sheets
    from app.maintenance.services import save_checklist

    entries, _sheets, valid = read_sheets(visit, MultiDict(checklist_form(visit, w)))
    assert valid
    save_checklist(visit, entries, actor=w.engineer)
