"""Fixtures for the installation procedure: the register, its people, a customer's shipped units,
a commissioning checklist, and installations brought to any state through the real workflow."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw
from werkzeug.datastructures import MultiDict

from app.core.attachments.services import save_signature
from app.core.calendar.queries import company_timezone
from app.core.checklists.services import add_item, create_template
from app.core.masterdata.models import RegionClass
from app.core.permissions import Department, Role
from app.core.records.demo import seed_register
from app.core.records.engine import transition
from app.extensions import db
from app.installation.services import (
    checklist_prefix,
    read_commissioning,
    record_commissioning,
    request_installation,
    write_plan,
)
from tests.core.masterdata_helpers import new_customer, new_product, new_unit

#: the states an installation passes through, in order
PATH = ["requested", "planned", "on_site", "commissioned", "trained", "accepted", "closed"]


def signature_data_url() -> str:
    """A small drawn signature, as the pad posts it."""
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def today() -> dt.date:
    return dt.datetime.now(company_timezone()).date()


@pytest.fixture
def world(app, make_user):
    """The installation register, the people who take part, a customer's shipped units.

    ``unit`` and ``unit2`` (QP-200, 12 months, with a commissioning checklist) were shipped a
    month ago and are not installed; ``other_unit`` belongs to another customer; ``installed``
    was accepted a year ago.
    """
    seed_register()
    people = {
        "sales": make_user(roles=[Role.STAFF], department=Department.SALES, display_name="王销售"),
        "sales2": make_user(roles=[Role.STAFF], department=Department.SALES, display_name="钱销售"),
        "sales_mgr": make_user(roles=[Role.DEPT_MANAGER], department=Department.SALES, display_name="李经理"),
        "production": make_user(roles=[Role.STAFF], department=Department.PRODUCTION, display_name="冯生产"),
        "production2": make_user(roles=[Role.STAFF], department=Department.PRODUCTION, display_name="卫装配"),
        "prod_mgr": make_user(
            roles=[Role.DEPT_MANAGER], department=Department.PRODUCTION, display_name="韩经理"
        ),
        "logistics": make_user(roles=[Role.STAFF], department=Department.LOGISTICS, display_name="周物流"),
        "engineer": make_user(
            roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE, display_name="陈工"
        ),
        "quality": make_user(
            roles=[Role.QUALITY_ADMIN], department=Department.QUALITY, display_name="吴质量"
        ),
        "gm": make_user(roles=[Role.GENERAL_MANAGER], department=Department.SERVICE, display_name="沈总"),
    }
    shipped = today() - dt.timedelta(days=30)
    customer = new_customer("苏州恒锐精密零部件有限公司", RegionClass.CITY, contacts=["王建国"])
    customer.address = "江苏省苏州市工业园区星澜街218号"
    other = new_customer("无锡德信轴承有限公司", RegionClass.PROVINCE)
    product = new_product("QP-200", 12, "数控液压折弯机")
    plain = new_product("QPC-30", 6, "电气控制柜")
    unit = new_unit("QP200-0001", product, customer, ship_date=shipped, batch="B202610-01")
    unit2 = new_unit("QP200-0002", product, customer, ship_date=shipped, batch="B202610-01")
    cabinet = new_unit("QPC30-0003", plain, customer, ship_date=shipped)
    installed = new_unit("QP200-0009", product, customer, install_date=today() - dt.timedelta(days=365))
    other_unit = new_unit("QP200-0100", product, other, ship_date=shipped)
    checklist = create_template(
        {
            "product_id": product.id,
            "purpose": "commissioning",
            "title_zh": "折弯机调试检查表",
            "title_en": "Press brake",
        },
        actor=None,
    )
    add_item(checklist, {"text_zh": "急停功能", "text_en": "Emergency stop", "kind": "pass_fail"}, actor=None)
    add_item(
        checklist,
        {
            "text_zh": "液压系统压力",
            "text_en": "Hydraulic pressure",
            "kind": "measured",
            "unit": "MPa",
            "low": Decimal("24"),
            "high": Decimal("26"),
        },
        actor=None,
    )
    db.session.commit()
    return SimpleNamespace(
        **people,
        people=people,
        customer=customer,
        other=other,
        product=product,
        unit=unit,
        unit2=unit2,
        cabinet=cabinet,
        installed=installed,
        other_unit=other_unit,
        checklist=checklist,
    )


def request_values(w, **changes) -> dict:
    values = {
        "customer_id": w.customer.id,
        "unit_ids": [w.unit.id],
        "site": "苏州工业园区星澜街218号 二号车间",
        "installation_date": today() + dt.timedelta(days=20),
        "contact_name": "王建国",
        "contact_phone": "0512-6000 1002",
        "site_ready": True,
        "site_ready_note": "基础已完成，380V电源已到位",
    }
    values.update(changes)
    return values


def plan_values(w, **changes) -> dict:
    case_day = changes.pop("day", today() + dt.timedelta(days=20))
    values = {
        "project_lead_id": w.production.id,
        "team": "冯生产\n钳工 李师傅",
        "starts_at": dt.datetime.combine(case_day, dt.time(9, 0), tzinfo=company_timezone()),
        "days": 2,
        "schedule": "第1天就位调平，第2天调试验收",
        "work_plan": "就位、找平、接电接气、调试",
        "quality_requirements": "调试检查表全部合格",
        "safety_measures": "吊装隔离，停电挂牌",
    }
    values.update(changes)
    return values


def passing_answers(case, pressure: str = "25.0") -> MultiDict:
    data = MultiDict()
    from app.installation.services import commissioning_units

    for unit, template in commissioning_units(case):
        if template is None:
            continue
        for item in template.items:
            data[f"{checklist_prefix(unit)}-{item.id}"] = pressure if item.is_measured else "pass"
    return data


UNBOXING = {
    "customer_rep": "王建国",
    "packaging_damaged": False,
    "contents_checked": True,
    "custody_ok": True,
    "custody_note": "存放于客户仓库",
}


@pytest.fixture
def make_case(world):
    """``make_case(state="requested", now=None, **request_changes)`` → a committed installation.

    Walks the real services and transitions: ``requested``, ``planned``, ``on_site``,
    ``commissioned``, ``trained``, ``accepted``, ``closed``; ``cancelled`` ends it early.
    """

    def make(state: str = "requested", *, now=None, **changes):
        w = world
        case = request_installation(request_values(w, **changes), actor=w.sales, now=now)
        db.session.commit()
        if state == "cancelled":
            transition(case, "cancel", actor=w.sales, reason="客户推迟项目")
            db.session.commit()
            return case
        for step in PATH[1 : PATH.index(state) + 1]:
            walk(case, step, w)
            db.session.commit()
        return case

    return make


def walk(case, step: str, w) -> None:
    if step == "planned":
        plan = write_plan(case, plan_values(w, day=case.installation_date), actor=w.production)
        transition(plan, "submit", actor=w.production)
        transition(plan, "approve", actor=w.prod_mgr)
    elif step == "on_site":
        values = {
            **UNBOXING,
            "inspected_at": dt.datetime.now(dt.UTC),
            "sales_rep_id": w.sales.id,
            "logistics_rep_id": w.logistics.id,
        }
        transition(case, "unboxing", actor=w.production, values=values)
    elif step == "commissioned":
        entries, errors = read_commissioning(case, passing_answers(case))
        assert not errors
        values = {"self_inspection": "自检合格", "trial_run": "空载2小时正常", "trial_run_passed": True}
        assert record_commissioning(case, entries, values, actor=w.production)
    elif step == "trained":
        transition(
            case,
            "train",
            actor=w.production,
            values={
                "trained_at": dt.datetime.now(dt.UTC),
                "trainer": "冯生产",
                "trainees": ["操作工 王强", "操作工 赵丽"],
                "training_content": "安全操作与日常点检",
                "training_hours": Decimal("4.0"),
            },
        )
    elif step == "accepted":
        save_signature(
            signature_data_url(),
            record_type=case.record_type,
            record_id=case.id,
            signer_name="王建国",
            actor=w.production,
        )
        transition(
            case,
            "accept",
            actor=w.production,
            values={"accepted_on": today(), "customer_signer": "王建国", "acceptance_opinion": "同意验收"},
        )
    elif step == "closed":
        transition(case, "follow_up", actor=w.sales, values={"follow_up_note": "设备运行正常，客户满意"})
