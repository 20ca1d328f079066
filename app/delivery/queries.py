"""The lists of the delivery procedure: shipping notes and transit damage records, with their filters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, or_, select

from app.core.masterdata.models import Customer
from app.core.text_search import contains_text
from app.delivery.models import OPEN_DAMAGE_STATES, RESERVING_STATES, ShippingNote, TransitDamageRecord

#: ``?sort=`` keys and their columns; ``-key`` sorts descending
SORTS = {
    "number": (ShippingNote.id,),
    "date": (ShippingNote.planned_date, ShippingNote.id),
    "customer": (Customer.name, ShippingNote.id),
    "status": (ShippingNote.status, ShippingNote.id),
}


def note_query(
    *,
    q: str = "",
    status: str = "",
    customer_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: str = "date",
    descending: bool = True,
) -> Select:
    """Shipping notes matching the filters; ``status`` is a state value or ``open`` (not yet
    released); ``q`` matches the note or receipt number and the customer; dates are delivery dates."""
    query = select(ShippingNote).outerjoin(Customer, Customer.id == ShippingNote.customer_id)
    if q:
        query = query.where(
            or_(
                contains_text(ShippingNote.number, q),
                contains_text(ShippingNote.receipt_number, q),
                contains_text(Customer.name, q),
            )
        )
    if status == "open":
        query = query.where(ShippingNote.status.in_([s.value for s in RESERVING_STATES]))
    elif status:
        query = query.where(ShippingNote.status == status)
    if customer_id:
        query = query.where(ShippingNote.customer_id == customer_id)
    if date_from:
        query = query.where(ShippingNote.planned_date >= date_from)
    if date_to:
        query = query.where(ShippingNote.planned_date <= date_to)
    columns = SORTS.get(sort, SORTS["date"])
    return query.order_by(*[c.desc() if descending else c.asc() for c in columns])


def damage_query(*, status: str = "") -> Select:
    """Transit damage records, newest first; ``status`` is a state value or ``open``."""
    query = select(TransitDamageRecord).where(TransitDamageRecord.status != "draft")
    if status == "open":
        query = query.where(TransitDamageRecord.status.in_([s.value for s in OPEN_DAMAGE_STATES]))
    elif status:
        query = query.where(TransitDamageRecord.status == status)
    return query.order_by(TransitDamageRecord.id.desc())
