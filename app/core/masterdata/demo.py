"""Demo customers, products and units for ``flask seed-demo``.

Every name, address and number here is invented. The units' dates are laid out around the
day the demo is loaded, so the list always shows warranties that ended, that end about now
and that run on. Each step adds only what is missing: running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from app.core.masterdata.models import Customer, Product, RegionClass, Unit
from app.core.masterdata.queries import local_today
from app.core.masterdata.services import create_customer, create_product, create_unit
from app.core.masterdata.warranty import NO_RECORD_MONTHS, add_months
from app.extensions import db

CITY, PROVINCE, REMOTE = RegionClass.CITY, RegionClass.PROVINCE, RegionClass.REMOTE

#: (name, region class, address, phone, [(contact, position, phone)])
CUSTOMERS = [
    ("苏州恒锐精密零部件有限公司", CITY, "江苏省苏州市工业园区星澜街218号", "0512-6000 1001",
     [("王建国", "设备科科长", "0512-6000 1002"), ("李晓燕", "采购主管", "0512-6000 1003")]),
    ("苏州瑞丰汽车配件有限公司", CITY, "江苏省苏州市吴中区越湖路1688号", "0512-6000 1101",
     [("张伟", "生产部经理", "0512-6000 1102")]),
    ("苏州华嘉医疗器械有限公司", CITY, "江苏省苏州市高新区鹿鸣路56号", "0512-6000 1201",
     [("陈静", "设备工程师", "0512-6000 1202")]),
    ("苏州金澜电子科技有限公司", CITY, "江苏省苏州市相城区春晖路12号", "0512-6000 1301",
     [("刘洋", "厂长", "0512-6000 1302"), ("赵敏", "设备管理员", "0512-6000 1303")]),
    ("苏州宏泰包装材料有限公司", CITY, "江苏省苏州市吴江区开元路300号", "0512-6000 1401",
     [("孙强", "维修班长", "0512-6000 1402")]),
    ("苏州森川塑胶制品有限公司", CITY, "江苏省苏州市姑苏区金枫路88号", "0512-6000 1501",
     [("周丽", "采购经理", "0512-6000 1502")]),
    ("苏州佳诚食品机械有限公司", CITY, "江苏省苏州市昆山市青阳北路9号", "0512-6000 1601",
     [("吴刚", "技术部部长", "0512-6000 1602")]),
    ("无锡德信轴承有限公司", PROVINCE, "江苏省无锡市新吴区长泰路77号", "0510-6000 2001",
     [("郑海涛", "设备部经理", "0510-6000 2002")]),
    ("南京智源自动化设备有限公司", PROVINCE, "江苏省南京市江宁区将军大道155号", "025-6000 2101",
     [("冯磊", "项目经理", "025-6000 2102"), ("何琳", "商务专员", "025-6000 2103")]),
    ("常州润达纺织机械有限公司", PROVINCE, "江苏省常州市武进区湖塘镇润达路6号", "0519-6000 2201",
     [("许志远", "总经理助理", "0519-6000 2202")]),
    ("南通海晟船舶配套有限公司", PROVINCE, "江苏省南通市崇川区海晟路28号", "0513-6000 2301",
     [("马超", "设备主管", "0513-6000 2302")]),
    ("徐州恒力工程机械配件有限公司", PROVINCE, "江苏省徐州市铜山区恒力大道1号", "0516-6000 2401",
     [("朱红", "采购部经理", "0516-6000 2402")]),
    ("扬州宏远五金制品有限公司", PROVINCE, "江苏省扬州市邗江区宏远路19号", "0514-6000 2501",
     [("胡斌", "生产厂长", "0514-6000 2502")]),
    ("盐城锦程新能源科技有限公司", PROVINCE, "江苏省盐城市亭湖区锦程大道66号", "0515-6000 2601",
     [("林峰", "设备工程师", "0515-6000 2602")]),
    ("乌鲁木齐天山矿业机械有限公司", REMOTE, "新疆乌鲁木齐市米东区天润路8号", "0991-6000 3001",
     [("艾力", "设备部部长", "0991-6000 3002")]),
    ("拉萨雪域净水设备有限公司", REMOTE, "西藏拉萨市堆龙德庆区雪域路3号", "0891-6000 3101",
     [("次仁", "厂长", "0891-6000 3102")]),
    ("西宁高原光伏科技有限公司", REMOTE, "青海省西宁市城北区高原路21号", "0971-6000 3201",
     [("马英", "运维主管", "0971-6000 3202")]),
    ("兰州西固石化设备有限公司", REMOTE, "甘肃省兰州市西固区石化路45号", "0931-6000 3301",
     [("杨帆", "设备科科长", "0931-6000 3302"), ("高洁", "采购员", "0931-6000 3303")]),
    ("昆明滇湖制药机械有限公司", REMOTE, "云南省昆明市呈贡区滇湖路17号", "0871-6000 3401",
     [("罗平", "技术主管", "0871-6000 3402")]),
    ("呼和浩特草原乳业设备有限公司", REMOTE, "内蒙古呼和浩特市赛罕区草原路99号", "0471-6000 3501",
     [("巴特尔", "设备经理", "0471-6000 3502")]),
]  # fmt: skip

#: (model, name, warranty months)
PRODUCTS = [
    ("QP-100", "小型数控冲床", 12),
    ("QP-200", "数控液压折弯机", 12),
    ("QP-200S", "伺服数控折弯机", 18),
    ("QP-300", "激光切割机", 24),
    ("QP-350", "光纤激光切割机", 24),
    ("QP-500", "自动上下料机械手", 12),
    ("QP-800", "冲压自动化生产线", 36),
    ("QPX-120", "工业冷水机", 12),
    ("QPX-160", "螺杆空压机", 18),
    ("QPC-30", "电气控制柜", 6),
]

UNIT_COUNT = 200
WORKSHOPS = ["一号车间", "二号车间", "三号车间", "装配车间", "冲压车间", "综合楼设备间"]


def seed_customers() -> int:
    existing = set(db.session.scalars(select(Customer.name)))
    added = 0
    for name, region, address, phone, contacts in CUSTOMERS:
        if name in existing:
            continue
        create_customer(
            {
                "name": name,
                "region_class": region,
                "address": address,
                "phone": phone,
                "contacts": [{"name": n, "position": p, "phone": t} for n, p, t in contacts],
            },
            actor=None,
        )
        added += 1
    return added


def seed_products() -> int:
    existing = set(db.session.scalars(select(Product.model)))
    added = 0
    for model, name, months in PRODUCTS:
        if model not in existing:
            create_product({"model": model, "name": name, "warranty_months": months}, actor=None)
            added += 1
    return added


def unit_plan(today: dt.date) -> list[dict]:
    """The 200 demo units: a third of the warranties ended, a third end within a month of
    ``today``, a third run on; most start at acceptance, some at shipping, a few have only a
    production date and two have no date at all."""
    rng = random.Random(2026)  # noqa: S311 — demo data, not security
    plan = []
    for i in range(UNIT_COUNT):
        model, _name, months = PRODUCTS[i % len(PRODUCTS)]
        customer = CUSTOMERS[rng.randrange(len(CUSTOMERS))]
        band = i % 3
        offset = {0: rng.randint(-500, -31), 1: rng.randint(-30, 30), 2: rng.randint(31, 700)}[band]
        end = today + dt.timedelta(days=offset)
        start = add_months(end, -months)
        roll = rng.random()
        production = ship = install = None
        if i in (97, 198):
            basis = "none"
        elif roll < 0.70:
            basis = "install"
            install = start
            ship = install - dt.timedelta(days=rng.randint(5, 30))
            production = ship - dt.timedelta(days=rng.randint(10, 60))
        elif roll < 0.90:
            basis = "ship"
            ship = start
            production = ship - dt.timedelta(days=rng.randint(10, 60))
        else:
            basis = "production"
            production = add_months(start, -NO_RECORD_MONTHS)
        made = production or today
        plan.append(
            {
                # the serial never depends on the day, so a later run finds every unit again
                "serial": f"{model.replace('-', '')}-{i + 1:04d}",
                "batch": f"B{made:%Y%m}-{(i % 4) + 1:02d}",
                "model": model,
                "customer": customer[0] if basis != "none" or i % 2 else None,
                "site": f"{customer[2]} {WORKSHOPS[rng.randrange(len(WORKSHOPS))]}",
                "production_date": production,
                "ship_date": ship,
                "install_date": install,
            }
        )
    return plan


def seed_units() -> int:
    today = local_today()
    existing = {s.upper() for s in db.session.scalars(select(Unit.serial))}
    products = {p.model: p for p in db.session.scalars(select(Product))}
    customers = {c.name: c for c in db.session.scalars(select(Customer))}
    added = 0
    for item in unit_plan(today):
        product = products.get(item["model"])
        if item["serial"].upper() in existing or product is None:
            continue
        customer = customers.get(item["customer"]) if item["customer"] else None
        create_unit(
            {
                "serial": item["serial"],
                "batch": item["batch"],
                "product_id": product.id,
                "customer_id": customer.id if customer else None,
                "site": item["site"] if customer else "",
                "production_date": item["production_date"],
                "ship_date": item["ship_date"],
                "install_date": item["install_date"],
            },
            actor=None,
        )
        added += 1
    return added


STEPS = [("customers", seed_customers), ("products", seed_products), ("units", seed_units)]
