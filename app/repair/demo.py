"""Demo data of the repair procedure for ``flask seed-demo``: the fault category list, the fee
scale and a handful of repair cases, one in each main state of the workflow.

The platform finds this module by name (``app.<procedure>.demo.STEPS``). The cases are made
with the real services and steps, by the demo people of the service centre (``clerk``,
``service.mgr``, ``engineer``) on the demo units, so numbers, deadlines, approvals and the
audit trail are all there. Whatever exists already is left alone: running it again adds nothing.
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
from app.core.masterdata.models import Unit
from app.core.masterdata.warranty import WarrantyState, warranty_of
from app.core.models import utcnow
from app.core.records.engine import transition
from app.extensions import db
from app.repair.models import FaultCategory, FeeItem, FeeRate, RepairRequest
from app.repair.services import create_quotation, register_request, set_fee_rate
from app.repair.settings_services import category_code_taken, create_fault_category

#: (code, Chinese name, English name)
CATEGORIES = [
    ("HYD", "液压系统", "Hydraulics"),
    ("ELE", "电气控制", "Electrical control"),
    ("MECH", "机械传动", "Mechanical drive"),
    ("CNC", "数控系统", "CNC system"),
    ("LUB", "润滑", "Lubrication"),
    ("SAFE", "安全防护", "Safety guarding"),
    ("SW", "软件", "Software"),
    ("OTHER", "其他", "Other"),
]

#: the approved fee scale, in CNY
FEES = {
    FeeItem.LABOUR_HOUR: Decimal("150.00"),
    FeeItem.TRAVEL_CITY: Decimal("200.00"),
    FeeItem.TRAVEL_PROVINCE: Decimal("600.00"),
    FeeItem.TRAVEL_REMOTE: Decimal("1500.00"),
}

#: the demo cases, oldest first so their numbers run in the order they came in. The symptom
#: is what a later run finds a case by. ``region`` is the customer's region class wanted,
#: ``paid`` an out-of-warranty unit, ``days`` how long ago the call came in.
CASES = [
    {
        "state": "closed",
        "days": 12,
        "region": "city",
        "channel": "phone",
        "category": "SAFE",
        "symptom": "安全光幕误动作，设备频繁急停，无法连续生产",
        "fault_found": "光幕接收器镜面积尘，对射偏移",
    },
    {
        "state": "completed",
        "days": 6,
        "region": "province",
        "channel": "email",
        "category": "LUB",
        "symptom": "集中润滑泵不出油，导轨有干磨声",
        "fault_found": "润滑泵单向阀堵塞，分配器油路不通",
    },
    {
        "state": "awaiting_quote",
        "days": 4,
        "paid": True,
        "region": "city",
        "channel": "visit",
        "category": "ELE",
        "symptom": "主电机运行二十分钟后过热跳闸",
        "fault_found": "主电机前端轴承损坏，绕组局部过热，需更换轴承并做绝缘检测",
    },
    {
        "state": "in_repair",
        "days": 3,
        "region": "city",
        "channel": "regional_office",
        "category": "MECH",
        "symptom": "后挡料机构运行异响，定位偏差约0.5mm",
        "fault_found": "滚珠丝杠润滑不良，支撑轴承磨损",
    },
    {
        "state": "dispatched",
        "days": 1,
        "region": "remote",
        "channel": "fax",
        "category": "CNC",
        "symptom": "数控系统偶发死机，需断电重启才能恢复",
    },
    {
        "state": "received",
        "days": 0,
        "region": "province",
        "channel": "phone",
        "category": "HYD",
        "symptom": "开机后液压站报警，系统压力无法建立",
    },
]

#: the steps from "received" to each state, in order
PATHS = {
    "received": [],
    "dispatched": ["dispatch"],
    "in_repair": ["dispatch", "schedule", "arrive", "start_repair"],
    "awaiting_quote": ["dispatch", "schedule", "arrive", "ask_quote", "quote"],
    "completed": ["dispatch", "schedule", "arrive", "start_repair", "complete"],
    "closed": ["dispatch", "schedule", "arrive", "start_repair", "complete", "close"],
}


def seed_categories() -> int:
    added = 0
    for code, name_zh, name_en in CATEGORIES:
        if not category_code_taken(code):
            create_fault_category({"code": code, "name_zh": name_zh, "name_en": name_en}, actor=None)
            added += 1
    return added


def seed_fees() -> int:
    """Price the items not priced yet; a price somebody set is never overwritten."""
    priced = set(db.session.scalars(select(FeeRate.item)))
    added = 0
    for item, amount in FEES.items():
        if item.value not in priced:
            set_fee_rate(item, amount, actor=None)
            added += 1
    return added


def _signature_data_url() -> str:
    """A signature as the pad posts it (a PNG data URL)."""
    img = Image.new("RGBA", (320, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(
        [(12, 88), (70, 24), (128, 96), (196, 30), (300, 70)], fill=(20, 20, 90, 255), width=5
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _units_by_warranty(today: dt.date) -> tuple[list[Unit], list[Unit]]:
    """Units at a customer whose warranty clearly runs on, and whose warranty clearly ended."""
    units = db.session.scalars(
        select(Unit).where(Unit.customer_id.is_not(None)).order_by(Unit.serial)
    ).unique()
    margin = dt.timedelta(days=60)
    running, ended = [], []
    for unit in units:
        warranty = warranty_of(unit)
        if warranty.end is None:
            continue
        # began at least a month ago and ends in two months at the earliest: in warranty
        # whichever day of the last two weeks the demo call came in
        if (
            warranty.state(today - dt.timedelta(days=30)) == WarrantyState.IN
            and warranty.end > today + margin
        ):
            running.append(unit)
        elif warranty.end < today - margin:
            ended.append(unit)
    return running, ended


def _pick(units: list[Unit], region: str, used: set[int]) -> Unit | None:
    """A unit not used yet, at a customer of ``region`` when there is one."""
    free = [u for u in units if u.id not in used]
    return next((u for u in free if str(u.customer.region_class) == region), free[0] if free else None)


def _walk(case: RepairRequest, step: str, spec: dict, people: dict, at: dt.datetime) -> None:
    manager, engineer, clerk = people["service.mgr"], people["engineer"], people["clerk"]
    if step == "dispatch":
        transition(case, "dispatch", actor=manager, values={"engineer_id": engineer.id}, now=at)
    elif step == "schedule":
        values = {
            "appointment_at": at + dt.timedelta(hours=18),
            "appointment_note": "客户设备科接待，需带万用表",
        }
        transition(case, "schedule", actor=engineer, values=values, now=at)
    elif step == "arrive":
        transition(case, "arrive", actor=engineer, now=at)
    elif step == "start_repair":
        transition(case, "start_repair", actor=engineer, values={"fault_found": spec["fault_found"]}, now=at)
    elif step == "ask_quote":
        transition(case, "ask_quote", actor=engineer, values={"fault_found": spec["fault_found"]}, now=at)
    elif step == "quote":
        line = {
            "part_no": "M-6312-2Z",
            "part_name": "电机轴承 6312-2Z",
            "quantity": 2,
            "unit_price": Decimal("380.00"),
        }
        quotation = create_quotation(
            case, labour_hours=Decimal("4.0"), lines=[line], note="含绝缘检测", actor=clerk, now=at
        )
        transition(quotation, "submit", actor=clerk, now=at)
    elif step == "complete":
        signer = case.contact_name or "客户代表"
        save_signature(
            _signature_data_url(),
            record_type=case.record_type,
            record_id=case.id,
            signer_name=signer,
            actor=engineer,
            signed_at=at,
        )
        values = {
            "cause": spec["fault_found"],
            "action_taken": "清洁、更换损坏零件并调试，试运行两小时正常",
            "parts_used": "",
            "hours": Decimal("3.5"),
            "customer_signer": signer,
            "is_fixed": True,
            "is_satisfied": True,
            "customer_opinion": "响应及时，维修到位",
        }
        transition(case, "complete", actor=engineer, values=values, now=at)
    elif step == "close":
        transition(case, "close", actor=manager, now=at)


def seed_cases(now: dt.datetime | None = None) -> int:
    """The demo cases still missing, walked through the workflow to their state."""
    people = {name: find_user(name) for name in ("clerk", "service.mgr", "engineer")}
    if None in people.values():
        return 0
    now = now or utcnow()
    categories = {c.code: c for c in db.session.scalars(select(FaultCategory))}
    running, ended = _units_by_warranty(now.date())
    symptoms = [spec["symptom"] for spec in CASES]
    existing = set(
        db.session.scalars(select(RepairRequest.symptom).where(RepairRequest.symptom.in_(symptoms)))
    )
    used: set[int] = set()
    added = 0
    for spec in CASES:
        if spec["symptom"] in existing:
            continue
        unit = _pick(ended if spec.get("paid") else running, spec["region"], used)
        category = categories.get(spec["category"]) or categories.get("OTHER")
        if unit is None or category is None:
            continue
        used.add(unit.id)
        received = now - dt.timedelta(days=spec["days"], hours=2)
        contact = unit.customer.contacts[0] if unit.customer.contacts else None
        values = {
            "channel": spec["channel"],
            "received_at": received,
            "unit_id": unit.id,
            "contact_name": contact.name if contact else "设备科",
            "contact_phone": (contact.phone if contact else "") or unit.customer.phone,
            "symptom": spec["symptom"],
            "fault_category_id": category.id,
        }
        case = register_request(values, actor=people["clerk"], now=received)
        at = received
        for step in PATHS[spec["state"]]:
            at = min(at + _STEP_GAP[step], now)
            _walk(case, step, spec, people, at)
        db.session.flush()
        added += 1
    return added


#: how long after the previous step each step of a demo case is taken
_STEP_GAP: dict[str, dt.timedelta] = {
    "dispatch": dt.timedelta(hours=1),
    "schedule": dt.timedelta(hours=2),
    "arrive": dt.timedelta(hours=20),
    "start_repair": dt.timedelta(hours=1),
    "ask_quote": dt.timedelta(hours=1),
    "quote": dt.timedelta(hours=3),
    "complete": dt.timedelta(hours=5),
    "close": dt.timedelta(days=1),
}


def seed_repair_demo() -> int:
    """Categories, fee scale and cases that are missing; returns how many of them it added."""
    return seed_categories() + seed_fees() + seed_cases()


STEPS: list[tuple[str, Callable[[], int]]] = [("repair", seed_repair_demo)]
