"""Demo data of preventive maintenance for ``flask seed-demo``: maintenance checklists of the demo
products and a handful of plans, with their visits in each main state.

The platform finds this module by name (``app.<procedure>.demo.STEPS``). Plans are made with
the real services and steps by the demo people (``clerk`` draws them up, ``service.mgr``
approves, ``engineer`` visits), so numbers, deadlines, approvals and the audit trail are all
there. A plan is found again by its contract number: running it again adds nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.core.attachments.services import save_signature
from app.core.auth.services import find_user
from app.core.calendar.queries import company_timezone, company_today
from app.core.checklists.services import add_item, create_template, template_taken
from app.core.masterdata.models import Customer, Product, Unit
from app.core.records.engine import transition
from app.extensions import db
from app.maintenance.checklist import PURPOSE, sheets_of
from app.maintenance.models import MaintenancePlan
from app.maintenance.services import (
    complete_visit,
    create_plan,
    generate_visits,
    open_plan_of,
    open_visits_of,
    save_checklist,
)

#: the checks every demo product gets: (Chinese, English, kind, unit, low, high)
COMMON_ITEMS = [
    ("外观及防护罩完好", "Covers and guards intact", "pass_fail", "", None, None),
    ("润滑系统油位、油质正常", "Lubrication oil level and quality", "pass_fail", "", None, None),
    ("电气柜清洁，接线端子紧固", "Electrical cabinet clean, terminals tight", "pass_fail", "", None, None),
    ("急停及安全装置功能正常", "Emergency stop and safety devices work", "pass_fail", "", None, None),
    ("主电机绝缘电阻", "Main motor insulation resistance", "measured", "MΩ", Decimal("1"), None),
]
#: further checks of some products, by model
PRODUCT_ITEMS = {
    "QP-200": [
        ("液压系统压力", "Hydraulic system pressure", "measured", "MPa", Decimal("18"), Decimal("22"))
    ],
    "QP-200S": [
        ("液压系统压力", "Hydraulic system pressure", "measured", "MPa", Decimal("18"), Decimal("22"))
    ],
    "QPX-120": [
        ("冷冻水出水温度", "Chilled water outlet temperature", "measured", "°C", Decimal("7"), Decimal("12"))
    ],
    "QPX-160": [("排气压力", "Discharge pressure", "measured", "MPa", Decimal("0.6"), Decimal("0.8"))],
}

#: the demo plans, by contract number. ``customer``: whose units (at most ``units`` of them);
#: ``start_in``: days from today of the first due date; ``submitted``: days ago it was drawn
#: up; ``visit``: how far its first visit has got (``None``: the plan only).
PLANS = [
    {
        "contract": "DEMO-BY-01",
        "customer": "苏州恒锐精密零部件有限公司",
        "units": 1,
        "every": (1, "months"),
        "start_in": 3,
        "visit": "completed",
    },
    {
        "contract": "DEMO-BY-02",
        "customer": "苏州瑞丰汽车配件有限公司",
        "units": 3,
        "every": (3, "months"),
        "start_in": 8,
        "visit": "confirmed",
    },
    {
        "contract": "DEMO-BY-03",
        "customer": "无锡德信轴承有限公司",
        "units": 1,
        "every": (6, "months"),
        "start_in": 12,
        "visit": "scheduled",
    },
    {
        "contract": "DEMO-BY-04",
        "customer": "南京智源自动化设备有限公司",
        "units": 2,
        "every": (2, "weeks"),
        "start_in": -4,
        "submitted": 10,
        "visit": "overdue",
    },
    {
        "contract": "DEMO-BY-05",
        "customer": "乌鲁木齐天山矿业机械有限公司",
        "units": 1,
        "every": (12, "months"),
        "start_in": 30,
        "approve": False,
        "visit": None,
    },
]

#: the customers the demo plans use (the browser test plans another customer's unit)
DEMO_CUSTOMERS = frozenset(spec["customer"] for spec in PLANS)


def seed_checklists() -> int:
    """A maintenance checklist for each demo product that has none."""
    added = 0
    for product in db.session.scalars(select(Product).order_by(Product.model)):
        if template_taken(product.id, PURPOSE):
            continue
        template = create_template(
            {
                "product_id": product.id,
                "purpose": PURPOSE,
                "title_zh": f"{product.name}定期维护保养检查表",
                "title_en": f"{product.model} preventive maintenance checklist",
                "is_active": True,
            },
            actor=None,
        )
        for text_zh, text_en, kind, unit, low, high in COMMON_ITEMS + PRODUCT_ITEMS.get(product.model, []):
            add_item(
                template,
                {
                    "text_zh": text_zh,
                    "text_en": text_en,
                    "kind": kind,
                    "unit": unit,
                    "low": low,
                    "high": high,
                },
                actor=None,
            )
        added += 1
    return added


def _signature_data_url() -> str:
    img = Image.new("RGBA", (320, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(
        [(14, 80), (80, 30), (140, 90), (210, 26), (300, 76)], fill=(20, 20, 90, 255), width=5
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _answers(visit) -> MultiDict:
    """Every check passed: the middle of each measured range (or just above its lower limit)."""
    data = MultiDict()
    for sheet in sheets_of(visit):
        for item in sheet.template.items if sheet.template else []:
            name = f"{sheet.prefix}-{item.id}"
            if item.kind == "measured":
                low, high = item.low, item.high
                value = (
                    (low + high) / 2 if low is not None and high is not None else (low or Decimal("0")) + 5
                )
                data[name] = format(Decimal(value).quantize(Decimal("0.1")), "f")
            else:
                data[name] = "pass"
    return data


def _walk(visit, target: str, people: dict) -> None:
    from app.maintenance.checklist import read_sheets

    engineer = people["engineer"]
    if target in ("scheduled", "overdue"):
        return
    contact = visit.customer.contacts[0] if visit.customer.contacts else None
    transition(
        visit,
        "confirm",
        actor=engineer,
        values={
            "appointment_date": visit.due_date,
            "appointment_time": "09:30",
            "contact_name": contact.name if contact else "设备科",
            "contact_phone": (contact.phone if contact else "") or visit.customer.phone,
            "appointment_note": "请客户提前停机并准备润滑油",
        },
    )
    if target == "confirmed":
        return
    entries, _sheets, _valid = read_sheets(visit, _answers(visit))
    save_checklist(visit, entries, actor=engineer)
    signer = visit.contact_name
    save_signature(
        _signature_data_url(),
        record_type=visit.record_type,
        record_id=visit.id,
        signer_name=signer,
        actor=engineer,
    )
    complete_visit(
        visit,
        {
            "findings": "设备运行正常；导轨润滑不足，已补加润滑油并清理滤网",
            "retraining_given": True,
            "retraining_note": "操作工2人，日常点检与润滑要点，0.5小时",
            "customer_signer": signer,
        },
        actor=engineer,
    )


def _units_of(customer: Customer, count: int) -> list[Unit]:
    units = db.session.scalars(
        select(Unit).where(Unit.customer_id == customer.id).order_by(Unit.serial)
    ).unique()
    return [u for u in units if open_plan_of(u.id) is None][:count]


def seed_plans() -> int:
    """The demo plans still missing, approved and visited as far as each one says."""
    people = {name: find_user(name) for name in ("clerk", "service.mgr", "engineer", "sales")}
    if None in people.values():
        return 0
    known = set(db.session.scalars(select(MaintenancePlan.contract_no)))
    today = company_today()
    tz = company_timezone()
    added = 0
    for spec in PLANS:
        if spec["contract"] in known:
            continue
        customer = db.session.scalar(select(Customer).where(Customer.name == spec["customer"]))
        units = _units_of(customer, spec["units"]) if customer is not None else []
        if not units:
            continue
        count, unit = spec["every"]
        submitted = dt.datetime.combine(
            today - dt.timedelta(days=spec.get("submitted", 0)), dt.time(10), tzinfo=tz
        )
        plan = create_plan(
            {
                "customer_id": customer.id,
                "interval_count": count,
                "interval_unit": unit,
                "start_date": today + dt.timedelta(days=spec["start_in"]),
                "engineer_id": people["engineer"].id,
                "sales_id": people["sales"].id,
                "contract_no": spec["contract"],
                "note": "年度维保合同" if unit == "months" else "试运行期加密保养",
            },
            [u.id for u in units],
            actor=people["clerk"],
            now=submitted,
        )
        if spec.get("approve", True):
            transition(plan, "approve", actor=people["service.mgr"], now=submitted + dt.timedelta(hours=2))
        db.session.commit()
        added += 1
        if spec["visit"] is None:
            continue
        generate_visits(today)
        for visit in open_visits_of(plan):
            _walk(visit, spec["visit"], people)
        db.session.commit()
    return added


def seed_maintenance_demo() -> int:
    """Checklists and plans that are missing; returns how many of them it added."""
    return seed_checklists() + seed_plans()


STEPS: list[tuple[str, Callable[[], int]]] = [("maintenance", seed_maintenance_demo)]
