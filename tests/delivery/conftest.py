"""Fixtures for the delivery procedure: the register, its people, customers, units in stock and
shipping notes walked through the real workflow to any state."""

from __future__ import annotations

import base64
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from app.core.attachments.services import save_signature
from app.core.masterdata.models import RegionClass
from app.core.permissions import Department, Role
from app.core.records.demo import seed_register
from app.core.records.engine import transition
from app.delivery.services import check_line, confirm_receipt, create_note, record_received
from app.extensions import db
from tests.core.masterdata_helpers import new_customer, new_product, new_unit


def signature_data_url() -> str:
    """A small drawn signature, as the pad posts it."""
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def sign(note, name, actor):
    """``name`` signs on the pad of ``note``."""
    return save_signature(
        signature_data_url(), record_type=note.record_type, record_id=note.id, signer_name=name, actor=actor
    )


def line(product, quantity, serials=(), batch=""):
    """A line as the form's ``LineEntry.values()`` gives it."""
    return {
        "product_id": product.id,
        "model": product.model,
        "product_name": product.name,
        "quantity": quantity,
        "batch": batch,
        "serials": list(serials),
    }


RELEASE = {
    "delivery_method": "carrier",
    "carrier": "顺丰物流",
    "waybill_no": "SF1234567890",
    "driver_name": "张司机",
    "driver_phone": "13900000000",
}


@pytest.fixture
def world(app, make_user):
    """The delivery register, the people of Sales, Logistics and Quality, two customers, two
    products, six units of QP-200 in stock (batch B2611-01) and one unit at a customer."""
    seed_register()
    people = {
        "sales": make_user(roles=[Role.STAFF], department=Department.SALES, display_name="王销售"),
        "sales2": make_user(roles=[Role.STAFF], department=Department.SALES, display_name="钱销售"),
        "sales_mgr": make_user(roles=[Role.DEPT_MANAGER], department=Department.SALES, display_name="李经理"),
        "warehouse": make_user(
            roles=[Role.WAREHOUSE_KEEPER], department=Department.LOGISTICS, display_name="孙库管"
        ),
        "logistics": make_user(roles=[Role.STAFF], department=Department.LOGISTICS, display_name="周物流"),
        "logistics_mgr": make_user(
            roles=[Role.DEPT_MANAGER], department=Department.LOGISTICS, display_name="吴经理"
        ),
        "quality": make_user(
            roles=[Role.QUALITY_ADMIN], department=Department.QUALITY, display_name="郑质量"
        ),
        "quality_mgr": make_user(
            roles=[Role.DEPT_MANAGER], department=Department.QUALITY, display_name="冯经理"
        ),
        "engineer": make_user(
            roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE, display_name="陈工"
        ),
        "service_mgr": make_user(
            roles=[Role.DEPT_MANAGER], department=Department.SERVICE, display_name="赵经理"
        ),
    }
    customer = new_customer(
        "苏州精密机械有限公司", RegionClass.CITY, contacts=["王经理"], address="苏州市工业园区星湖街1号"
    )
    other = new_customer("无锡德信轴承有限公司", RegionClass.PROVINCE, address="无锡市新吴区长泰路77号")
    product = new_product("QP-200", 12, "数控折弯机")
    cabinet = new_product("QPC-30", 6, "电气控制柜")
    stock = [
        new_unit(f"SN-S00{i}", product, None, production_date=dt.date.today() - dt.timedelta(days=20))
        for i in range(1, 7)
    ]
    for unit in stock:
        unit.batch = "B2611-01"
    shipped = new_unit("SN-OLD-1", product, customer, ship_date=dt.date.today() - dt.timedelta(days=200))
    db.session.commit()
    return SimpleNamespace(
        **people,
        people=people,
        customer=customer,
        other=other,
        product=product,
        cabinet=cabinet,
        stock=stock,
        shipped=shipped,
    )


#: the states a note passes through, in order
PATH = ["draft", "submitted", "approved", "checked", "signed", "released", "counted", "received"]


@pytest.fixture
def make_note(world):
    """``make_note(state="draft", lines=None, customer=None, short=0)`` → a committed note.

    Walks the real services and steps: ``draft``, ``submitted``, ``approved``, ``checked`` (every
    line ticked), ``signed`` (the driver signed), ``released``, ``counted`` (quantities received
    recorded, the customer signed), ``received``. ``short`` is how many of the last line arrive
    missing. The default lines: QP-200 × 2 (SN-S001, SN-S002) and QPC-30 × 5 (batch B2611-07).
    """

    def make(state="draft", *, lines=None, customer=None, short=0, site="一号车间", now=None):
        w = world
        lines = lines or [
            line(w.product, 2, ["SN-S001", "SN-S002"]),
            line(w.cabinet, 5, batch="B2611-07"),
        ]
        customer = customer or w.customer
        values = {
            "customer_id": customer.id,
            "site": site,
            "planned_date": dt.date.today() + dt.timedelta(days=2),
            "delivery_method": "carrier",
            "contact_name": "王经理",
            "contact_phone": "0512-66668888",
        }
        note = create_note(values, lines, actor=w.sales, now=now)
        db.session.commit()
        for step in PATH[1:]:
            if PATH.index(state) < PATH.index(step):
                break
            _walk(note, step, w, short)
            db.session.commit()
        return note

    return make


def _walk(note, step, w, short):
    if step == "submitted":
        transition(note, "submit", actor=w.sales)
    elif step == "approved":
        transition(note, "approve", actor=w.sales_mgr)
    elif step == "checked":
        for ln in note.lines:
            check_line(ln, matches=True, actor=w.warehouse)
    elif step == "signed":
        sign(note, "张司机", w.warehouse)
    elif step == "released":
        transition(note, "release", actor=w.warehouse, values=RELEASE)
    elif step == "counted":
        quantities = {ln.id: (ln.quantity, 0, "") for ln in note.lines}
        if short:
            last = note.lines[-1]
            quantities[last.id] = (last.quantity - short, 0, "外箱破损，少一件")
        assert record_received(note, quantities, actor=w.sales) == {}
        sign(note, "王经理", w.sales)
    elif step == "received":
        confirm_receipt(note, receiver_name="王经理", actor=w.sales)
