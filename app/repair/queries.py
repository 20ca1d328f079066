"""The repair list: filters, search, sort and the overdue mark, in one query with its page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, exists, func, or_, select

from app.core.masterdata.models import Customer, Unit
from app.core.models import utcnow
from app.core.records.engine.models import Deadline
from app.repair.models import OPEN_STATES, RepairRequest, RepairState

#: ``?sort=`` keys and their columns; ``-key`` sorts descending
SORTS = {
    "number": (RepairRequest.id,),
    "received": (RepairRequest.received_at, RepairRequest.id),
    "customer": (Customer.name, RepairRequest.id),
    "status": (RepairRequest.status, RepairRequest.id),
    "due": ("next_due", RepairRequest.id),
}


def _open_deadline(now: dt.datetime | None = None):
    conditions = [
        Deadline.record_type == RepairRequest.__tablename__,
        Deadline.record_id == RepairRequest.id,
        Deadline.stopped_at.is_(None),
    ]
    if now is not None:
        conditions.append(Deadline.due_at < now)
    return conditions


def next_due_column():
    """The earliest due time among the case's open deadlines (``None`` when none is open)."""
    return (
        select(func.min(Deadline.due_at)).where(*_open_deadline()).correlate(RepairRequest).scalar_subquery()
    )


def repair_query(
    *,
    q: str = "",
    status: str = "",
    engineer_id: int | None = None,
    customer_id: int | None = None,
    region: str = "",
    warranty: str = "",
    is_overdue: bool = False,
    sort: str = "received",
    descending: bool = True,
    now: dt.datetime | None = None,
) -> Select:
    """``(RepairRequest, next_due)`` rows matching the filters, in the chosen order.

    ``status`` is a state value, or ``open`` for every state still being worked on. Search
    matches the record number, the unit's serial or the customer's name.
    """
    now = now or utcnow()
    next_due = next_due_column().label("next_due")
    query = (
        select(RepairRequest, next_due)
        .outerjoin(Customer, Customer.id == RepairRequest.customer_id)
        .outerjoin(Unit, Unit.id == RepairRequest.unit_id)
        .where(RepairRequest.status != RepairState.DRAFT.value)
    )
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(RepairRequest.number.ilike(like), Unit.serial.ilike(like), Customer.name.ilike(like))
        )
    if status == "open":
        query = query.where(RepairRequest.status.in_([s.value for s in OPEN_STATES]))
    elif status:
        query = query.where(RepairRequest.status == status)
    if engineer_id:
        query = query.where(RepairRequest.engineer_id == engineer_id)
    if customer_id:
        query = query.where(RepairRequest.customer_id == customer_id)
    if region:
        query = query.where(Customer.region_class == region)
    if warranty == "in":
        query = query.where(RepairRequest.in_warranty.is_(True))
    elif warranty == "out":
        query = query.where(RepairRequest.in_warranty.is_not(True))
    if is_overdue:
        query = query.where(exists().where(*_open_deadline(now)))
    columns = SORTS.get(sort, SORTS["received"])
    order = []
    for column in columns:
        column = next_due if column == "next_due" else column
        order.append(column.desc() if descending else column.asc())
    return query.order_by(*order)
