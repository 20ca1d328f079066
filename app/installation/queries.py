"""The installation list: filters, search, sort and the overdue mark, in one query with its page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, exists, or_, select

from app.core.masterdata.models import Customer, Unit
from app.core.models import utcnow
from app.core.records.engine.deadlines import next_due_column as engine_next_due
from app.core.records.engine.deadlines import open_deadline_conditions
from app.core.text_search import contains_text
from app.installation.models import (
    OPEN_STATES,
    InstallationRequest,
    InstallationState,
    installation_request_unit,
)

#: ``?sort=`` keys and their columns; ``-key`` sorts descending
SORTS = {
    "number": (InstallationRequest.id,),
    "date": (InstallationRequest.installation_date, InstallationRequest.id),
    "customer": (Customer.name, InstallationRequest.id),
    "status": (InstallationRequest.status, InstallationRequest.id),
    "due": ("next_due", InstallationRequest.id),
}


def _open_deadline(now: dt.datetime | None = None):
    return open_deadline_conditions(InstallationRequest, now)


def next_due_column():
    """The earliest due time among the record's open deadlines (``None`` when none is open)."""
    return engine_next_due(InstallationRequest)


def installation_query(
    *,
    q: str = "",
    status: str = "",
    customer_id: int | None = None,
    salesperson_id: int | None = None,
    lead_id: int | None = None,
    mine_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    is_overdue: bool = False,
    sort: str = "date",
    descending: bool = False,
    now: dt.datetime | None = None,
) -> Select:
    """``(InstallationRequest, next_due)`` rows matching the filters, in the chosen order.

    ``status`` is a state value, or ``open`` for every state still being worked on. Search
    matches the record number, a unit's serial or the customer's name. ``mine_id`` keeps the
    installations a user requested or leads.
    """
    now = now or utcnow()
    next_due = next_due_column().label("next_due")
    query = (
        select(InstallationRequest, next_due)
        .outerjoin(Customer, Customer.id == InstallationRequest.customer_id)
        .where(InstallationRequest.status != InstallationState.DRAFT.value)
    )
    if q:
        serial_match = exists().where(
            installation_request_unit.c.request_id == InstallationRequest.id,
            installation_request_unit.c.unit_id == Unit.id,
            contains_text(Unit.serial, q),
        )
        query = query.where(
            or_(contains_text(InstallationRequest.number, q), contains_text(Customer.name, q), serial_match)
        )
    if status == "open":
        query = query.where(InstallationRequest.status.in_([s.value for s in OPEN_STATES]))
    elif status:
        query = query.where(InstallationRequest.status == status)
    if customer_id:
        query = query.where(InstallationRequest.customer_id == customer_id)
    if salesperson_id:
        query = query.where(InstallationRequest.salesperson_id == salesperson_id)
    if lead_id:
        query = query.where(InstallationRequest.project_lead_id == lead_id)
    if mine_id:
        query = query.where(
            or_(InstallationRequest.salesperson_id == mine_id, InstallationRequest.project_lead_id == mine_id)
        )
    if date_from:
        query = query.where(InstallationRequest.installation_date >= date_from)
    if date_to:
        query = query.where(InstallationRequest.installation_date <= date_to)
    if is_overdue:
        query = query.where(exists().where(*_open_deadline(now)))
    columns = SORTS.get(sort, SORTS["date"])
    order = []
    for column in columns:
        column = next_due if column == "next_due" else column
        order.append(column.desc() if descending else column.asc())
    return query.order_by(*order)
