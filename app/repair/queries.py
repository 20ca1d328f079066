"""The repair list: filters, search, sort and the overdue mark, in one query with its page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import lazyload

from app.core.auth.models import User
from app.core.masterdata.models import Customer, Unit
from app.core.models import utcnow
from app.core.pagination import Page
from app.core.records.engine.deadlines import next_due_column as engine_next_due
from app.core.records.engine.deadlines import open_deadline_conditions
from app.extensions import db
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
    return open_deadline_conditions(RepairRequest, now)


def next_due_column():
    """The earliest due time among the record's open deadlines (``None`` when none is open)."""
    return engine_next_due(RepairRequest)


def _matching(
    *,
    q: str = "",
    status: str = "",
    engineer_id: int | None = None,
    customer_id: int | None = None,
    region: str = "",
    warranty: str = "",
    is_overdue: bool = False,
    sort: str = "received",
    now: dt.datetime,
) -> Select:
    """The ids of the cases matching the filters; customer and unit are joined only when a
    filter, the search or the sort needs them, so the usual list reads one index."""
    query = select(RepairRequest.id).where(RepairRequest.status != RepairState.DRAFT.value)
    if q or region or sort == "customer":
        query = query.outerjoin(Customer, Customer.id == RepairRequest.customer_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.outerjoin(Unit, Unit.id == RepairRequest.unit_id).where(
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
    return query


def repair_page(
    page: int, per_page: int, *, sort: str = "received", descending: bool = True, now=None, **filters
) -> Page:
    """One page of ``(RepairRequest, next_due)`` rows matching the filters, in the chosen order.

    ``status`` is a state value, or ``open`` for every state still being worked on. Search
    matches the record number, the unit's serial or the customer's name. Two queries, whatever
    the page and its size: the count, and the page — whose ids are picked first (an index
    walk, however deep the page) and only those rows are then read in full, with their next
    deadline.
    """
    now = now or utcnow()
    matching = _matching(sort=sort, now=now, **filters)
    total = db.session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    page = max(1, page or 1)
    keys = [
        (next_due_column() if column == "next_due" else column).label(f"k{i}")
        for i, column in enumerate(SORTS.get(sort, SORTS["received"]))
    ]
    window = (
        matching.add_columns(*keys)
        .order_by(*(key.desc() if descending else key.asc() for key in keys))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery()
    )
    ordered = [window.c[key.name] for key in keys]
    rows = db.session.execute(
        select(RepairRequest, next_due_column().label("next_due"))
        .join(window, window.c.id == RepairRequest.id)
        .options(lazyload(RepairRequest.engineer, User.roles))  # names only: no roles query
        .order_by(*(key.desc() if descending else key.asc() for key in ordered))
    ).unique()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)
