"""Finding customers and units: list filters, sorting and the type-ahead searches.

Procedures use :func:`search_units` and :func:`search_customers` too (picking a unit by its
serial on a repair request), so the rules for "what matches" live here once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, and_, case, func, or_, select

from app.core.masterdata.models import Customer, Product, Unit
from app.core.masterdata.warranty import NO_RECORD_MONTHS, WarrantyState, earliest_covered
from app.core.text_search import contains_text, starts_with_text
from app.extensions import db

#: most results a type-ahead shows
LOOKUP_LIMIT = 10

CUSTOMER_SORTS = {
    "name": (Customer.name,),
    "region": (Customer.region_class, Customer.name),
    "created": (Customer.created_at, Customer.id),
}
UNIT_SORTS = {
    "serial": (Unit.serial,),
    "product": (Product.model, Unit.serial),
    "customer": (Customer.name, Unit.serial),
    "ship": (Unit.ship_date, Unit.serial),
    "install": (Unit.install_date, Unit.serial),
    "created": (Unit.created_at, Unit.id),
}


def local_today() -> dt.date:
    """Today in the company's time zone: a warranty ends on a calendar day there."""
    return dt.datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def parse_sort(value: str | None, allowed: dict, default: str) -> tuple[str, bool]:
    """``"name"`` or ``"-name"`` → (key, descending); anything unknown falls back to the default
    (which may be ``"-received"``: newest first)."""
    value = (value or "").strip()
    if value.lstrip("-") not in allowed:
        value = default
    return value.lstrip("-"), value.startswith("-")


def _order(columns, descending: bool) -> list:
    return [c.desc() if descending else c.asc() for c in columns]


def customer_query(q: str = "", region: str = "", sort: str = "name", descending: bool = False) -> Select:
    query = select(Customer)
    if q:
        query = query.where(contains_text(Customer.name, q))
    if region:
        query = query.where(Customer.region_class == region)
    return query.order_by(*_order(CUSTOMER_SORTS[sort], descending))


def _covered_on(day: dt.date):
    """SQL for "the unit's warranty covers ``day``", the same rule as :func:`warranty_of`.

    For each warranty length in use, the earliest start that still covers ``day`` is a
    constant, so the test is a plain date comparison on SQLite and PostgreSQL alike.
    """
    lengths = db.session.scalars(select(Product.warranty_months).distinct()).all()
    start = func.coalesce(Unit.install_date, Unit.ship_date)
    branches = []
    for months in lengths:
        branches.append(
            and_(
                Product.warranty_months == months,
                or_(
                    # every comparison is guarded, so the clause is never NULL and ``~`` negates it
                    and_(start.is_not(None), start >= earliest_covered(day, months)),
                    and_(
                        start.is_(None),
                        Unit.production_date.is_not(None),
                        Unit.production_date >= earliest_covered(day, months, NO_RECORD_MONTHS),
                    ),
                ),
            )
        )
    return or_(*branches) if branches else Unit.id.is_(None)


def unit_query(
    q: str = "",
    product_id: int | None = None,
    customer_id: int | None = None,
    warranty: str = "",
    sort: str = "serial",
    descending: bool = False,
    today: dt.date | None = None,
) -> Select:
    query = (
        select(Unit)
        .join(Product, Unit.product_id == Product.id)
        .outerjoin(Customer, Unit.customer_id == Customer.id)
    )
    if q:
        query = query.where(or_(contains_text(Unit.serial, q), contains_text(Unit.batch, q)))
    if product_id:
        query = query.where(Unit.product_id == product_id)
    if customer_id:
        query = query.where(Unit.customer_id == customer_id)
    if warranty:
        unknown = and_(Unit.install_date.is_(None), Unit.ship_date.is_(None), Unit.production_date.is_(None))
        covered = _covered_on(today or local_today())
        if warranty == WarrantyState.IN:
            query = query.where(covered)
        elif warranty == WarrantyState.OUT:
            query = query.where(~unknown, ~covered)
        elif warranty == WarrantyState.UNKNOWN:
            query = query.where(unknown)
    columns = UNIT_SORTS[sort]
    order = _order(columns, descending)
    if sort in {"ship", "install", "customer"}:
        # empty values last in both directions, the same on SQLite and PostgreSQL
        order.insert(0, case((columns[0].is_(None), 1), else_=0))
    return query.order_by(*order)


def search_customers(q: str, limit: int = LOOKUP_LIMIT) -> list[Customer]:
    """Customers whose name contains ``q`` (any case); names starting with it come first."""
    q = (q or "").strip()
    if not q:
        return []
    query = (
        select(Customer)
        .where(contains_text(Customer.name, q))
        .order_by(case((starts_with_text(Customer.name, q), 0), else_=1), Customer.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def search_units(q: str, limit: int = LOOKUP_LIMIT, customer_id: int | None = None) -> list[Unit]:
    """Units whose serial contains ``q`` (any case); serials starting with it come first."""
    q = (q or "").strip()
    if not q:
        return []
    query = select(Unit).where(contains_text(Unit.serial, q))
    if customer_id:
        query = query.where(Unit.customer_id == customer_id)
    query = query.order_by(case((starts_with_text(Unit.serial, q), 0), else_=1), Unit.serial).limit(limit)
    return list(db.session.scalars(query).unique())
