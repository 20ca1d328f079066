"""Fixtures for the repair procedure: the register, its people, master data and cases in any state."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from app.core.attachments.services import save_signature
from app.core.masterdata.models import RegionClass
from app.core.models import utcnow
from app.core.permissions import Department, Role
from app.core.records.demo import seed_register
from app.core.records.engine import transition
from app.extensions import db
from app.repair.models import FaultCategory, FeeItem
from app.repair.services import create_quotation, register_request, set_fee_rate
from tests.core.masterdata_helpers import new_customer, new_product, new_unit


def signature_data_url() -> str:
    """A small drawn signature, as the pad posts it."""
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def world(app, make_user):
    """The repair register, the people of the service centre and their customers' units.

    ``unit_in`` was accepted 2 months ago (12 months' warranty: free repair); ``unit_out``
    was accepted 2 years ago (paid repair). ``remote_unit`` is in warranty at a remote customer.
    """
    seed_register()
    today = dt.date.today()
    people = {
        "clerk": make_user(roles=[Role.INFO_CLERK], department=Department.SERVICE, display_name="刘信息员"),
        "manager": make_user(roles=[Role.DEPT_MANAGER], department=Department.SERVICE, display_name="赵经理"),
        "engineer": make_user(
            roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE, display_name="陈工"
        ),
        "engineer2": make_user(
            roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE, display_name="黄工"
        ),
        "warehouse": make_user(
            roles=[Role.WAREHOUSE_KEEPER], department=Department.LOGISTICS, display_name="孙库管"
        ),
        "quality": make_user(
            roles=[Role.QUALITY_ADMIN], department=Department.QUALITY, display_name="吴质量"
        ),
        "tech_manager": make_user(roles=[Role.DEPT_MANAGER], department=Department.TECHNICAL),
        "sales": make_user(roles=[Role.STAFF], department=Department.SALES),
        "gm": make_user(roles=[Role.GENERAL_MANAGER], department=Department.SERVICE),
    }
    customer = new_customer("苏州精密机械有限公司", RegionClass.CITY, contacts=["王经理"])
    remote = new_customer("新疆远方机械厂", RegionClass.REMOTE)
    product = new_product("QP-200", 12, "数控折弯机")
    unit_in = new_unit("SN-IN-001", product, customer, install_date=today - dt.timedelta(days=60))
    unit_out = new_unit("SN-OUT-002", product, customer, install_date=today - dt.timedelta(days=730))
    remote_unit = new_unit("SN-FAR-003", product, remote, ship_date=today - dt.timedelta(days=30))
    categories = [
        FaultCategory(code="HYD", name_zh="液压系统", name_en="Hydraulics"),
        FaultCategory(code="ELE", name_zh="电气故障", name_en="Electrical"),
    ]
    db.session.add_all(categories)
    for item, amount in (
        (FeeItem.LABOUR_HOUR, "150.00"),
        (FeeItem.TRAVEL_CITY, "200.00"),
        (FeeItem.TRAVEL_PROVINCE, "600.00"),
        (FeeItem.TRAVEL_REMOTE, "1500.00"),
    ):
        set_fee_rate(item, Decimal(amount), actor=None)
    db.session.commit()
    return SimpleNamespace(
        **people,
        people=people,
        customer=customer,
        remote=remote,
        product=product,
        unit_in=unit_in,
        unit_out=unit_out,
        remote_unit=remote_unit,
        category=categories[0],
        categories=categories,
    )


#: the path of a free repair and of a paid one, as (step, who, values)
FREE_PATH = ["dispatched", "scheduled", "on_site", "in_repair", "completed", "closed"]
PAID_PATH = ["dispatched", "scheduled", "on_site", "awaiting_quote", "in_repair", "completed", "closed"]


@pytest.fixture
def make_case(world):
    """``make_case(state="received", paid=False, unit=None, now=None, **intake)`` → a committed case.

    Walks the real workflow (services and transitions) to ``state``: ``received``,
    ``dispatched``, ``scheduled``, ``on_site``, ``awaiting_quote`` (paid), ``in_repair``,
    ``completed``, ``closed``; ``declined`` and ``cancelled`` end a case early.
    """

    def make(state: str = "received", *, paid: bool = False, unit=None, now=None, **intake):
        w = world
        now = now or utcnow()
        unit = unit or (w.unit_out if paid else w.unit_in)
        values = {
            "channel": "phone",
            "received_at": now,
            "unit_id": unit.id,
            "contact_name": "王经理",
            "contact_phone": "0512-66668888",
            "symptom": "液压站压力不稳，折弯角度偏差",
            "fault_category_id": w.category.id,
            **intake,
        }
        case = register_request(values, actor=w.clerk, now=now)
        db.session.commit()
        if state == "received":
            return case
        if state == "cancelled":
            transition(case, "cancel", actor=w.manager, reason="客户已自行修好")
            db.session.commit()
            return case
        path = PAID_PATH if paid else FREE_PATH
        if state == "declined":
            path = ["dispatched", "scheduled", "on_site"]
        for step in path:
            _walk(case, step, w, now)
            db.session.commit()
            if step == state:
                return case
        if state == "declined":
            transition(case, "customer_declines", actor=w.clerk, reason="客户不接受付费维修")
            db.session.commit()
            return case
        raise ValueError(f"no such state on the path: {state}")

    return make


def _walk(case, step: str, w, now) -> None:
    if step == "dispatched":
        transition(case, "dispatch", actor=w.manager, values={"engineer_id": w.engineer.id})
    elif step == "scheduled":
        transition(
            case, "schedule", actor=w.engineer, values={"appointment_at": now + dt.timedelta(hours=20)}
        )
    elif step == "on_site":
        transition(case, "arrive", actor=w.engineer)
    elif step == "awaiting_quote":
        transition(case, "ask_quote", actor=w.engineer, values={"fault_found": "主油泵磨损"})
    elif step == "in_repair" and case.status == "on_site":
        transition(case, "start_repair", actor=w.engineer, values={"fault_found": "比例阀卡滞"})
    elif step == "in_repair":
        quotation = create_quotation(
            case,
            labour_hours=Decimal("3.0"),
            lines=[
                {"part_no": "P-1001", "part_name": "主油泵", "quantity": 1, "unit_price": Decimal("2400.00")}
            ],
            actor=w.clerk,
        )
        transition(quotation, "submit", actor=w.clerk)
        transition(quotation, "approve", actor=w.manager)
        transition(
            quotation,
            "customer_accepts",
            actor=w.clerk,
            values={
                "accepted_price": quotation.total,
                "payment_due": dt.date.today() + dt.timedelta(days=30),
            },
        )
    elif step == "completed":
        save_signature(
            signature_data_url(),
            record_type=case.record_type,
            record_id=case.id,
            signer_name="王经理",
            actor=w.engineer,
        )
        transition(
            case,
            "complete",
            actor=w.engineer,
            values={
                "cause": "密封圈老化导致内泄",
                "action_taken": "更换密封圈并调试压力",
                "parts_used": "密封圈 ×2",
                "hours": Decimal("2.5"),
                "customer_signer": "王经理",
                "is_fixed": True,
                "is_satisfied": True,
                "customer_opinion": "维修及时，满意",
            },
        )
    elif step == "closed":
        if case.is_paid:
            transition(
                case,
                "close_paid",
                actor=w.manager,
                values={"fee_collected": Decimal("2850.00"), "invoice_no": "FP-0001"},
            )
        else:
            transition(case, "close", actor=w.manager)
