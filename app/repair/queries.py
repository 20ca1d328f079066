"""The repair list: filters, search, sort and the overdue mark, in one query with its page."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, exists, or_, select

from app.core.auth.models import User
from app.core.masterdata.models import Customer, Product, RegionClass, Unit
from app.core.models import utcnow
from app.core.pagination import Page, fixed, ids_page
from app.core.records.engine.deadlines import next_due_column as engine_next_due
from app.core.records.engine.deadlines import open_deadline_conditions
from app.core.text_search import contains_text
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


def _fixed_list(values: list[str]):
    return bindparam(None, values, expanding=True, literal_execute=True)


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
    query = select(RepairRequest.id).where(RepairRequest.status != fixed(RepairState.DRAFT.value))
    if q or region or sort == "customer":
        query = query.outerjoin(Customer, Customer.id == RepairRequest.customer_id)
    if q:
        query = query.outerjoin(Unit, Unit.id == RepairRequest.unit_id).where(
            or_(
                contains_text(RepairRequest.number, q),
                contains_text(Unit.serial, q),
                contains_text(Customer.name, q),
            )
        )
    # states and region classes are written into the SQL (one plan each), checked first: the
    # view passes only known values, the text must never carry anything else
    if status == "open":
        query = query.where(RepairRequest.status.in_(_fixed_list(sorted(s.value for s in OPEN_STATES))))
    elif status:
        query = query.where(RepairRequest.status == fixed(RepairState(status).value))
    if engineer_id:
        query = query.where(RepairRequest.engineer_id == engineer_id)
    if customer_id:
        query = query.where(RepairRequest.customer_id == customer_id)
    if region:
        # joined, not "customer_id IN (the region's customers)": SQLite then read every case of
        # those customers through their index and sorted them (190 ms a page, 12 ms joined);
        # PostgreSQL plans both alike
        query = query.where(Customer.region_class == fixed(RegionClass(region).value))
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
    """One page of :class:`ListRow` matching the filters, in the chosen order.

    ``status`` is a state value, or ``open`` for every state still being worked on. Search
    matches the record number, the unit's serial or the customer's name. Two queries, whatever
    the page and its size: the page's ids in order, read with those of the next few pages that
    bound the total (:func:`ids_page`, one index walk however deep the page), then only the
    columns the list shows, for those ids, with their next deadline.
    """
    now = now or utcnow()
    keys = [
        (next_due_column() if column == "next_due" else column).label(f"k{i}")
        for i, column in enumerate(SORTS.get(sort, SORTS["received"]))
    ]
    ordered = (
        _matching(sort=sort, now=now, **filters)
        .add_columns(*keys)
        .order_by(*(key.desc() if descending else key.asc() for key in keys))
    )
    ids, total, is_exact = ids_page(ordered, page, per_page)
    rows = db.session.execute(_rows_statement(), {"ids": ids}) if ids else []
    position = {case_id: n for n, case_id in enumerate(ids)}
    title = RepairRequest.definition.state_title
    items = sorted(
        (ListRow(**row._mapping, status_title=title(row.status)) for row in rows),
        key=lambda item: position[item.id],
    )
    return Page(items=items, page=max(1, page or 1), per_page=per_page, total=total, is_exact=is_exact)


@functools.cache
def _rows_statement() -> Select:
    """The columns the list shows, for the ids of one page: built once (a third of a
    millisecond a page), the ids bound on each run."""
    return (
        select(
            RepairRequest.id,
            RepairRequest.number,
            RepairRequest.received_at,
            RepairRequest.in_warranty,
            RepairRequest.status,
            Customer.name.label("customer_name"),
            Unit.serial.label("unit_serial"),
            Product.model.label("product_model"),
            User.display_name.label("engineer_name"),
            next_due_column().label("next_due"),
        )
        .outerjoin(Customer, Customer.id == RepairRequest.customer_id)
        .outerjoin(Unit, Unit.id == RepairRequest.unit_id)
        .outerjoin(Product, Product.id == Unit.product_id)
        .outerjoin(User, User.id == RepairRequest.engineer_id)
        .where(RepairRequest.id.in_(bindparam("ids", expanding=True)))
    )


@dataclass(frozen=True, slots=True)
class ListRow:
    """What one line of the repair list shows (read as columns, not as whole records)."""

    id: int
    number: str | None
    received_at: dt.datetime | None
    in_warranty: bool | None
    status: str
    status_title: str
    customer_name: str | None
    unit_serial: str | None
    product_model: str | None
    engineer_name: str | None
    next_due: dt.datetime | None
