"""Demo data of the delivery procedure for ``flask seed-demo``: units in stock and a handful of
shipping notes, one in each main state of the workflow.

The platform finds this module by name (``app.<procedure>.demo.STEPS``). The notes are made with
the real services and steps by the demo people (``sales`` issues, ``sales.mgr`` approves,
``warehouse`` checks and releases, ``logistics`` records the receipt and the claim), so numbers,
signatures, the trace of the units and the audit trail are all there. The received note arrived
one box short, so it has its transit damage record, claimed from the carrier. Whatever exists
already is left alone: running it again adds nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.core.attachments.services import save_signature
from app.core.auth.services import find_user
from app.core.masterdata.models import Customer, Product, Unit
from app.core.masterdata.queries import local_today
from app.core.masterdata.services import create_unit
from app.core.records.engine import transition
from app.delivery.models import ShippingNote
from app.delivery.services import check_line, confirm_receipt, create_note, record_received, reserved_serials
from app.extensions import db

#: units in stock: (model, serial prefix, batch, how many)
STOCK = [
    ("QP-200", "QP200-2611-", "B202611-01", 10),
    ("QP-300", "QP300-2611-", "B202611-02", 4),
]

#: the demo notes, oldest first. ``note`` is what a later run finds a note by; ``lines`` are
#: (model, units picked from stock) or (model, quantity, batch) for goods without serials;
#: ``days`` is the delivery date from today; ``short`` how many of the last line arrive missing.
NOTES = [
    {
        "note": "演示：整机两台随机附件齐全，客户验收后安装",
        "state": "received",
        "customer": "无锡德信轴承有限公司",
        "days": -3,
        "method": "carrier",
        "lines": [("QP-200", 2), ("QPC-30", 4, "B202610-07")],
        "short": 1,
    },
    {
        "note": "演示：激光切割机一台，承运商派车",
        "state": "released",
        "customer": "南京智源自动化设备有限公司",
        "days": 1,
        "method": "carrier",
        "lines": [("QP-300", 1)],
    },
    {
        "note": "演示：客户自提，请提前电话确认提货人",
        "state": "approved",
        "customer": "苏州恒锐精密零部件有限公司",
        "days": 2,
        "method": "pickup",
        "lines": [("QP-200", 1), ("QPC-30", 2, "B202610-07")],
    },
    {
        "note": "演示：本公司车辆送货，送至二号车间",
        "state": "submitted",
        "customer": "苏州瑞丰汽车配件有限公司",
        "days": 5,
        "method": "own_fleet",
        "lines": [("QP-300", 1)],
    },
    {
        "note": "演示：待确认交货日期",
        "state": "draft",
        "customer": "乌鲁木齐天山矿业机械有限公司",
        "days": 14,
        "method": "carrier",
        "lines": [("QP-200", 1)],
    },
]

#: the steps from a draft to each state
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "approved": ["submit", "approve"],
    "released": ["submit", "approve", "check", "release"],
    "received": ["submit", "approve", "check", "release", "receive", "claim"],
}

HANDOVER = {
    "carrier": {
        "carrier": "德邦物流",
        "waybill_no": "DB20261201088",
        "driver_name": "刘师傅",
        "driver_phone": "13800000021",
    },
    "own_fleet": {"vehicle_no": "苏E·A1234", "driver_name": "马师傅", "driver_phone": "13800000022"},
    "pickup": {"pickup_person": "客户代表 王建国"},
}


def _signature_data_url() -> str:
    """A signature as the pad posts it (a PNG data URL)."""
    img = Image.new("RGBA", (320, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(
        [(14, 80), (60, 30), (110, 90), (170, 28), (300, 64)], fill=(20, 20, 90, 255), width=5
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def seed_stock() -> int:
    """The units in stock that are missing (no customer, no ship date)."""
    products = {p.model: p for p in db.session.scalars(select(Product))}
    existing = {s.upper() for s in db.session.scalars(select(Unit.serial))}
    made = local_today() - dt.timedelta(days=15)
    added = 0
    for model, prefix, batch, count in STOCK:
        product = products.get(model)
        if product is None:
            continue
        for n in range(1, count + 1):
            serial = f"{prefix}{n:02d}"
            if serial.upper() in existing:
                continue
            create_unit(
                {"serial": serial, "batch": batch, "product_id": product.id, "production_date": made},
                actor=None,
            )
            added += 1
    return added


def _free_units(model: str, used: set[int]) -> list[Unit]:
    """Demo units of ``model`` still in stock and not on any demo note yet."""
    prefix = next(p for m, p, _b, _n in STOCK if m == model)
    units = db.session.scalars(
        select(Unit)
        .where(Unit.serial.like(f"{prefix}%"), Unit.customer_id.is_(None), Unit.ship_date.is_(None))
        .order_by(Unit.serial)
    ).unique()
    units = [u for u in units if u.id not in used]
    held = reserved_serials(u.serial for u in units)
    return [u for u in units if u.serial.upper() not in held]


def _lines(spec: dict, products: dict, used: set[int]) -> list[dict] | None:
    lines = []
    for item in spec["lines"]:
        product = products.get(item[0])
        if product is None:
            return None
        if len(item) == 2:
            units = _free_units(item[0], used)[: item[1]]
            if len(units) < item[1]:
                return None
            used.update(u.id for u in units)
            serials, quantity, batch = [u.serial for u in units], item[1], ""
        else:
            serials, quantity, batch = [], item[1], item[2]
        lines.append(
            {
                "product_id": product.id,
                "model": product.model,
                "product_name": product.name,
                "quantity": quantity,
                "batch": batch,
                "serials": serials,
            }
        )
    return lines


def _walk(note: ShippingNote, step: str, spec: dict, people: dict) -> None:
    if step == "submit":
        transition(note, "submit", actor=people["sales"])
    elif step == "approve":
        transition(note, "approve", actor=people["sales.mgr"])
    elif step == "check":
        for line in note.lines:
            check_line(line, matches=True, actor=people["warehouse"])
    elif step == "release":
        handover = HANDOVER[spec["method"]]
        signer = handover.get("pickup_person") or handover["driver_name"]
        save_signature(
            _signature_data_url(),
            record_type=note.record_type,
            record_id=note.id,
            signer_name=signer,
            actor=people["warehouse"],
        )
        transition(
            note, "release", actor=people["warehouse"], values={"delivery_method": spec["method"], **handover}
        )
    elif step == "receive":
        quantities = {line.id: (line.quantity, 0, "") for line in note.lines}
        last = note.lines[-1]
        if spec.get("short"):
            quantities[last.id] = (last.quantity - spec["short"], 0, "到货少一箱，外包装有挤压痕迹")
        record_received(note, quantities, actor=people["logistics"])
        customer = note.customer.contacts[0].name if note.customer and note.customer.contacts else "收货人"
        save_signature(
            _signature_data_url(),
            record_type=note.record_type,
            record_id=note.id,
            signer_name=customer,
            actor=people["logistics"],
        )
        confirm_receipt(note, receiver_name=customer, receipt_note="其余货物完好", actor=people["logistics"])
    elif step == "claim":
        for record in note.damage_records:
            transition(
                record,
                "assess",
                actor=people["logistics"],
                values={
                    "responsibility": "carrier",
                    "responsibility_note": "承运途中外箱挤压，签收时已在运单上注明",
                },
            )
            transition(
                record,
                "claim",
                actor=people["logistics"],
                values={"claim_amount": Decimal("3200.00"), "claim_reference": "DB-CLAIM-2612-01"},
            )


def seed_notes() -> int:
    """The demo notes still missing, walked through the workflow to their state."""
    people = {name: find_user(name) for name in ("sales", "sales.mgr", "warehouse", "logistics")}
    if None in people.values():
        return 0
    products = {p.model: p for p in db.session.scalars(select(Product))}
    customers = {c.name: c for c in db.session.scalars(select(Customer))}
    existing = set(
        db.session.scalars(select(ShippingNote.note).where(ShippingNote.note.in_([s["note"] for s in NOTES])))
    )
    used: set[int] = set()
    today = local_today()
    added = 0
    for spec in NOTES:
        customer = customers.get(spec["customer"])
        if spec["note"] in existing or customer is None:
            continue
        lines = _lines(spec, products, used)
        if lines is None:
            continue
        contact = customer.contacts[0] if customer.contacts else None
        values = {
            "customer_id": customer.id,
            "site": customer.address,
            "planned_date": today + dt.timedelta(days=spec["days"]),
            "delivery_method": spec["method"],
            "contact_name": contact.name if contact else "",
            "contact_phone": (contact.phone if contact else "") or customer.phone,
            "note": spec["note"],
        }
        note = create_note(values, lines, actor=people["sales"])
        for step in PATHS[spec["state"]]:
            _walk(note, step, spec, people)
        db.session.flush()
        added += 1
    return added


def seed_delivery_demo() -> int:
    """Units in stock and notes that are missing; returns how many it added."""
    return seed_stock() + seed_notes()


STEPS: list[tuple[str, Callable[[], int]]] = [("delivery", seed_delivery_demo)]
