"""Small factories for master-data tests (plain functions: the `app` fixture is active)."""

from __future__ import annotations

import datetime as dt
import re

from app.core.masterdata.models import Contact, Customer, Product, RegionClass, Unit
from app.extensions import db


def new_customer(name: str = "苏州测试机械有限公司", region=RegionClass.CITY, **kw) -> Customer:
    contacts = kw.pop("contacts", [])
    customer = Customer(name=name, region_class=RegionClass(region).value, **kw)
    customer.contacts = [Contact(name=c) for c in contacts]
    db.session.add(customer)
    db.session.commit()
    return customer


def new_product(model: str = "QP-200", months: int = 12, name: str = "数控折弯机") -> Product:
    product = Product(model=model, name=name, warranty_months=months)
    db.session.add(product)
    db.session.commit()
    return product


def new_unit(serial: str, product: Product, customer: Customer | None = None, **dates) -> Unit:
    unit = Unit(serial=serial, product_id=product.id, customer_id=customer.id if customer else None, **dates)
    db.session.add(unit)
    db.session.commit()
    return unit


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def row_ids(html: str, prefix: str) -> list[int]:
    """The ids of the table rows ``<tr id="<prefix>-<id>">`` in page order."""
    return [int(n) for n in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]
