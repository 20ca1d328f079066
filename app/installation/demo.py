"""Demo data of the installation procedure for ``flask seed-demo``: commissioning checklists for a
few demo products and three installations — one waiting for its plan, one planned, one accepted.

The platform finds this module by name (``app.<procedure>.demo.STEPS``). The installations are
made with the real services and steps by the demo people (``sales`` requests, ``production``
plans and leads the work, ``division`` approves, ``logistics`` attends the unboxing) on shipped
demo units not installed yet, so numbers, deadlines, the approval, the signature and the
warranty start are all there. Whatever exists already is left alone: running it again adds nothing.
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
from app.core.calendar.queries import company_timezone
from app.core.checklists import ChecklistPurpose, template_for
from app.core.checklists.services import add_item, create_template
from app.core.masterdata.models import Product, Unit
from app.core.models import utcnow
from app.core.records.engine import transition
from app.extensions import db
from app.installation.models import InstallationRequest
from app.installation.services import (
    checklist_prefix,
    read_commissioning,
    record_commissioning,
    request_installation,
    units_offered,
    write_plan,
)

#: model → (title zh, title en, [(text zh, text en, kind, unit, low, high)])
CHECKLISTS = {
    "QP-200": (
        "数控液压折弯机调试检查表",
        "Hydraulic press brake commissioning checklist",
        [
            ("设备水平度", "Machine level", "measured", "mm/m", None, "0.2"),
            ("液压系统压力", "Hydraulic system pressure", "measured", "MPa", "24", "26"),
            ("急停与安全光幕功能", "Emergency stop and light curtain", "pass_fail", "", None, None),
            ("后挡料定位精度", "Back gauge positioning accuracy", "measured", "mm", None, "0.05"),
            ("折弯角度试折", "Test bend angle", "pass_fail", "", None, None),
        ],
    ),
    "QP-300": (
        "激光切割机调试检查表",
        "Laser cutter commissioning checklist",
        [
            ("设备水平度", "Machine level", "measured", "mm/m", None, "0.1"),
            ("激光功率输出", "Laser power output", "measured", "W", "2850", "3150"),
            ("冷水机水温", "Chiller water temperature", "measured", "°C", "20", "26"),
            ("防护罩联锁", "Guard interlocks", "pass_fail", "", None, None),
            ("试切样件尺寸", "Test cut dimensions", "pass_fail", "", None, None),
        ],
    ),
    "QPX-160": (
        "螺杆空压机调试检查表",
        "Screw compressor commissioning checklist",
        [
            ("排气压力", "Discharge pressure", "measured", "MPa", "0.7", "0.8"),
            ("运行噪声", "Running noise", "measured", "dB(A)", None, "75"),
            ("电机转向", "Motor direction", "pass_fail", "", None, None),
            ("安全阀动作", "Safety valve", "pass_fail", "", None, None),
        ],
    ),
}

#: the demo installations; ``marker`` (the site readiness note) is what a later run finds one by
CASES = [
    {"state": "accepted", "days_ago": 12, "marker": "基础已验收，380V电源及压缩空气已到位（演示）"},
    {"state": "planned", "in_days": 10, "marker": "设备基础已浇筑养护完成，电源已敷设（演示）"},
    {"state": "requested", "in_days": 20, "marker": "厂房已完工，待设备进场（演示）"},
]


def seed_checklists() -> int:
    added = 0
    for model, (title_zh, title_en, items) in CHECKLISTS.items():
        product = db.session.scalar(select(Product).where(Product.model == model))
        if product is None or template_for(product.id, ChecklistPurpose.COMMISSIONING) is not None:
            continue
        template = create_template(
            {
                "product_id": product.id,
                "purpose": "commissioning",
                "title_zh": title_zh,
                "title_en": title_en,
            },
            actor=None,
        )
        for text_zh, text_en, kind, unit, low, high in items:
            add_item(
                template,
                {
                    "text_zh": text_zh,
                    "text_en": text_en,
                    "kind": kind,
                    "unit": unit,
                    "low": Decimal(low) if low else None,
                    "high": Decimal(high) if high else None,
                },
                actor=None,
            )
        added += 1
    return added


def _signature_data_url() -> str:
    img = Image.new("RGBA", (320, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(
        [(14, 80), (80, 30), (150, 92), (220, 26), (306, 64)], fill=(20, 20, 90, 255), width=5
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def demo_units(count: int) -> list[Unit]:
    """Shipped units not installed yet, one per customer, mostly in serial order (the e2e test
    takes its unit from the other end of the list)."""
    units = db.session.scalars(
        select(Unit)
        .where(Unit.customer_id.is_not(None), Unit.ship_date.is_not(None), Unit.install_date.is_(None))
        .order_by(Unit.serial)
    ).unique()
    free = [unit for unit in units if unit in units_offered(unit.customer)]
    # the first one (the accepted demo installation) shows a filled-in checklist when it can
    checked = [u for u in free if template_for(u.product_id, ChecklistPurpose.COMMISSIONING) is not None]
    picked, customers = [], set()
    for unit in checked[:1] + free:
        if unit.customer_id in customers:
            continue
        picked.append(unit)
        customers.add(unit.customer_id)
        if len(picked) == count:
            break
    return picked


def _passing_answers(case: InstallationRequest) -> MultiDict:
    """Answers within every limit (the middle of each range, or just under an upper limit)."""
    data = MultiDict()
    from app.installation.services import commissioning_units

    for unit, template in commissioning_units(case):
        if template is None:
            continue
        for item in template.items:
            name = f"{checklist_prefix(unit)}-{item.id}"
            if not item.is_measured:
                data[name] = "pass"
            elif item.low is not None and item.high is not None:
                data[name] = str((item.low + item.high) / 2)
            elif item.high is not None:
                data[name] = str(item.high * Decimal("0.8"))
            else:
                data[name] = str(item.low)
    return data


def _walk(case: InstallationRequest, state: str, people: dict, now: dt.datetime) -> None:
    sales, production, division, logistics = (
        people[k] for k in ("sales", "production", "division", "logistics")
    )
    starts = dt.datetime.combine(case.installation_date, dt.time(8, 30), tzinfo=company_timezone())
    plan = write_plan(
        case,
        {
            "project_lead_id": production.id,
            "team": "冯生产\n钳工 李师傅\n电工 张师傅",
            "starts_at": starts,
            "days": 2,
            "schedule": "第1天：开箱验收、就位调平、接电接气；第2天：调试、试运行、培训、验收",
            "work_plan": "按安装说明书就位、找平，地脚螺栓二次灌浆；连接电源与气源；空载及负载调试",
            "quality_requirements": "水平度、精度按出厂检验标准；调试检查表全部合格方可验收",
            "safety_measures": "进场安全交底；吊装区域隔离；停电挂牌上锁；高处作业系安全带",
        },
        actor=production,
        now=now,
    )
    transition(plan, "submit", actor=production, now=now)
    transition(plan, "approve", actor=division, now=now + dt.timedelta(hours=2))
    if state == "planned":
        return
    at = min(starts, utcnow())
    values = {
        "inspected_at": at,
        "sales_rep_id": sales.id,
        "logistics_rep_id": logistics.id,
        "customer_rep": case.contact_name,
        "packaging_damaged": False,
        "contents_checked": True,
        "contents_note": "",
        "custody_ok": True,
        "custody_note": "存放于客户仓库，防雨防潮",
    }
    transition(case, "unboxing", actor=production, values=values, now=at)
    entries, _errors = read_commissioning(case, _passing_answers(case))
    record_commissioning(
        case,
        entries,
        {
            "self_inspection": "紧固件、油路、电气接线自检合格",
            "trial_run": "空载运行2小时、负载运行4小时，无异常",
            "trial_run_passed": True,
        },
        actor=production,
        now=at,
    )
    transition(
        case,
        "train",
        actor=production,
        values={
            "trained_at": at,
            "trainer": production.display_name,
            "trainees": ["操作工 王强", "操作工 赵丽", "设备员 孙涛"],
            "training_content": "安全操作规程、日常点检、编程与参数设置、常见报警处理",
            "training_hours": Decimal("4.0"),
        },
        now=at,
    )
    save_signature(
        _signature_data_url(),
        record_type=case.record_type,
        record_id=case.id,
        signer_name=case.contact_name,
        actor=production,
        signed_at=at,
    )
    transition(
        case,
        "accept",
        actor=production,
        values={
            "accepted_on": at.astimezone(company_timezone()).date(),
            "customer_signer": case.contact_name,
            "acceptance_opinion": "安装调试符合要求，同意验收",
        },
        now=at,
    )


def seed_installations(now: dt.datetime | None = None) -> int:
    """The demo installations still missing, walked through the workflow to their state."""
    people = {name: find_user(name) for name in ("sales", "production", "division", "logistics")}
    if None in people.values():
        return 0
    now = now or utcnow()
    markers = [spec["marker"] for spec in CASES]
    existing = set(
        db.session.scalars(
            select(InstallationRequest.site_ready_note).where(
                InstallationRequest.site_ready_note.in_(markers)
            )
        )
    )
    missing = [spec for spec in CASES if spec["marker"] not in existing]
    units = demo_units(len(missing))
    added = 0
    for spec, unit in zip(missing, units, strict=False):
        today = now.astimezone(company_timezone()).date()
        requested = now - dt.timedelta(days=spec.get("days_ago", 0) + 10)
        day = (
            today + dt.timedelta(days=spec["in_days"])
            if "in_days" in spec
            else today - dt.timedelta(days=spec["days_ago"])
        )
        contact = unit.customer.contacts[0] if unit.customer.contacts else None
        case = request_installation(
            {
                "customer_id": unit.customer_id,
                "unit_ids": [unit.id],
                "site": unit.site or unit.customer.address,
                "installation_date": day,
                "contact_name": contact.name if contact else "设备科",
                "contact_phone": (contact.phone if contact else "") or unit.customer.phone,
                "site_ready": True,
                "site_ready_note": spec["marker"],
            },
            actor=people["sales"],
            now=requested,
        )
        if spec["state"] != "requested":
            _walk(case, spec["state"], people, requested + dt.timedelta(days=1))
        db.session.flush()
        added += 1
    return added


def seed_installation_demo() -> int:
    """Checklists and installations that are missing; returns how many of them it added."""
    return seed_checklists() + seed_installations()


STEPS: list[tuple[str, Callable[[], int]]] = [("installation", seed_installation_demo)]
