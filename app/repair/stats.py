"""Repair statistics for the monthly after-sales report (DOMAIN.md §4 "Monthly after-sales statistics").

Every figure is one grouped SQL query over a range of whole months in the company's time
zone: a case counts in the month it was received (closed cases in the month they were
closed, parts in the month the requisition was submitted). Drafts are not cases yet and a
voided case never happened, so both stay out of every figure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, distinct, func, or_, select

from app.core.calendar.queries import company_timezone
from app.core.masterdata.models import Product, Unit
from app.core.masterdata.queries import local_today
from app.core.models import utcnow
from app.core.records.engine.models import Deadline
from app.extensions import db
from app.repair.models import (
    FaultCategory,
    PartRequisition,
    RepairRequest,
    RepairState,
    RequisitionLine,
    RequisitionState,
)

#: the months shown when no range is asked for (this month and the eleven before it)
DEFAULT_MONTHS = 12
#: the longest range one page or export covers
MAX_MONTHS = 60
#: the deadlines whose on-time rate is reported, in the order shown
DEADLINE_KEYS = ("reply", "onsite")

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
#: states that are not (or no longer) cases: left out of every figure
_NOT_CASES = (RepairState.DRAFT.value, RepairState.VOID.value)


# --- the range of months ----------------------------------------------------------------------------


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None) -> dt.date | None:
    """``YYYY-MM`` → the first day of that month; anything else → ``None``."""
    match = _MONTH.match(text or "")
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


@dataclass(frozen=True)
class Period:
    """Whole months ``first`` … ``last`` (first days), both included, in the company time zone."""

    first: dt.date
    last: dt.date

    @property
    def months(self) -> list[dt.date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, n) for n in range(count)]

    def boundary(self, month: dt.date) -> dt.datetime:
        """The instant ``month`` begins in the company time zone (an aware datetime)."""
        return dt.datetime.combine(month, dt.time(), tzinfo=company_timezone())

    @property
    def start(self) -> dt.datetime:
        return self.boundary(self.first)

    @property
    def end(self) -> dt.datetime:
        """The instant the month after ``last`` begins (excluded)."""
        return self.boundary(add_months(self.last, 1))

    @property
    def args(self) -> dict[str, str]:
        """The ``?from=&to=`` query arguments that select this period."""
        return {"from": self.first.strftime("%Y-%m"), "to": self.last.strftime("%Y-%m")}

    def __str__(self) -> str:
        first, last = self.args["from"], self.args["to"]
        return first if first == last else f"{first} – {last}"


def default_period(today: dt.date | None = None) -> Period:
    """This month and the eleven before it, "this month" being the company's."""
    last = (today or local_today()).replace(day=1)
    return Period(add_months(last, 1 - DEFAULT_MONTHS), last)


# --- the figures ----------------------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: dt.date
    received: int = 0
    closed: int = 0
    #: free repairs: in warranty and not caused by the customer
    free: int = 0
    #: out of warranty, or in warranty but caused by the customer
    paid: int = 0

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass
class ProductRow:
    model: str
    name: str
    cases: int
    free: int
    paid: int


@dataclass
class CategoryRow:
    code: str
    title: str
    cases: int


@dataclass
class PartRow:
    part_no: str
    part_name: str
    quantity: int
    #: the number of cases the part went to
    cases: int


@dataclass
class WarrantySplit:
    in_warranty: int = 0
    out_of_warranty: int = 0
    #: no warranty decision (a case without a unit)
    unknown: int = 0
    #: in warranty, yet paid because the customer caused the fault
    customer_caused: int = 0

    @property
    def total(self) -> int:
        return self.in_warranty + self.out_of_warranty + self.unknown


@dataclass
class OnTimeRow:
    key: str
    on_time: int = 0
    late: int = 0

    @property
    def counted(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> Decimal | None:
        """The share on time in percent (one decimal), ``None`` when nothing is counted yet."""
        if not self.counted:
            return None
        return (Decimal(100 * self.on_time) / self.counted).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class RepairStatistics:
    period: Period
    months: list[MonthRow]
    products: list[ProductRow]
    categories: list[CategoryRow]
    parts: list[PartRow]
    warranty: WarrantySplit
    on_time: list[OnTimeRow] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(row.received for row in self.months)

    @property
    def closed(self) -> int:
        return sum(row.closed for row in self.months)

    @property
    def free(self) -> int:
        return sum(row.free for row in self.months)

    @property
    def paid(self) -> int:
        return sum(row.paid for row in self.months)

    def on_time_for(self, key: str) -> OnTimeRow:
        return next((row for row in self.on_time if row.key == key), OnTimeRow(key))


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _nulls_last(column):
    """Sorts the group without a match (outer join) last, alike on SQLite and PostgreSQL."""
    return case((column.is_(None), 1), else_=0)


_IS_PAID = or_(RepairRequest.in_warranty.is_(False), RepairRequest.customer_caused.is_(True))


def _cases_received(period: Period) -> list:
    """The conditions on a case counted in ``period``: received in it, neither draft nor void."""
    return [
        RepairRequest.status.not_in(_NOT_CASES),
        RepairRequest.received_at >= period.start,
        RepairRequest.received_at < period.end,
    ]


def _month_index(column, period: Period):
    """0 for the first month of ``period`` … n-1 for the last (``column`` is within the period)."""
    months = period.months
    whens = [(column < period.boundary(month), n) for n, month in enumerate(months[1:])]
    return case(*whens, else_=len(months) - 1) if whens else case((column < period.end, 0), else_=0)


def by_month(period: Period) -> list[MonthRow]:
    """Received, free and paid by month received; closed by month closed. Every month has a row."""
    rows = {month: MonthRow(month) for month in period.months}
    months = period.months
    # the month expression holds bound values: group in an outer query, by its label
    received = (
        select(
            _month_index(RepairRequest.received_at, period).label("month"),
            case((_IS_PAID, 1), else_=0).label("paid"),
        )
        .where(*_cases_received(period))
        .subquery()
    )
    query = select(
        received.c.month,
        func.count(),
        func.coalesce(func.sum(received.c.paid), 0),
    ).group_by(received.c.month)
    for index, count, paid in db.session.execute(query):
        row = rows[months[index]]
        row.received, row.paid, row.free = count, paid, count - paid
    closed = (
        select(_month_index(RepairRequest.closed_at, period).label("month"))
        .where(
            RepairRequest.status == RepairState.CLOSED.value,
            RepairRequest.closed_at >= period.start,
            RepairRequest.closed_at < period.end,
        )
        .subquery()
    )
    for index, count in db.session.execute(select(closed.c.month, func.count()).group_by(closed.c.month)):
        rows[months[index]].closed = count
    return list(rows.values())


def by_product(period: Period) -> list[ProductRow]:
    """Cases by product model, most first; a case without a unit has an empty model."""
    query = (
        select(Product.model, Product.name, func.count(RepairRequest.id), _count_if(_IS_PAID))
        .select_from(RepairRequest)
        .outerjoin(Unit, Unit.id == RepairRequest.unit_id)
        .outerjoin(Product, Product.id == Unit.product_id)
        .where(*_cases_received(period))
        .group_by(Product.id, Product.model, Product.name)
        .order_by(func.count(RepairRequest.id).desc(), _nulls_last(Product.id), Product.model)
    )
    return [
        ProductRow(model or "", name or "", count, count - paid, paid)
        for model, name, count, paid in db.session.execute(query)
    ]


def by_fault_category(period: Period, locale: str = "zh") -> list[CategoryRow]:
    """Cases by fault category, most first, titled in ``locale``; uncategorised cases have no code."""
    query = (
        select(FaultCategory, func.count(RepairRequest.id))
        .select_from(RepairRequest)
        .outerjoin(FaultCategory, FaultCategory.id == RepairRequest.fault_category_id)
        .where(*_cases_received(period))
        .group_by(FaultCategory.id)
        .order_by(func.count(RepairRequest.id).desc(), _nulls_last(FaultCategory.id), FaultCategory.code)
    )
    return [
        CategoryRow(category.code if category else "", category.title(locale) if category else "", count)
        for category, count in db.session.execute(query)
    ]


def replaced_parts(period: Period) -> list[PartRow]:
    """Parts requested in ``period`` (requisitions submitted, not cancelled), summed by part."""
    quantity = func.sum(RequisitionLine.quantity)
    query = (
        select(
            RequisitionLine.part_no,
            RequisitionLine.part_name,
            quantity,
            func.count(distinct(PartRequisition.request_id)),
        )
        .join(PartRequisition, PartRequisition.id == RequisitionLine.requisition_id)
        .join(RepairRequest, RepairRequest.id == PartRequisition.request_id)
        .where(
            PartRequisition.status.not_in((RequisitionState.DRAFT.value, RequisitionState.CANCELLED.value)),
            PartRequisition.submitted_at >= period.start,
            PartRequisition.submitted_at < period.end,
            RepairRequest.status.not_in(_NOT_CASES),
        )
        .group_by(RequisitionLine.part_no, RequisitionLine.part_name)
        .order_by(quantity.desc(), RequisitionLine.part_no, RequisitionLine.part_name)
    )
    return [PartRow(no, name, int(qty or 0), cases) for no, name, qty, cases in db.session.execute(query)]


def warranty_split(period: Period) -> WarrantySplit:
    """In vs out of warranty (the decision fixed at intake) over the cases received in ``period``."""
    in_warranty = RepairRequest.in_warranty.is_(True)
    query = select(
        _count_if(in_warranty),
        _count_if(RepairRequest.in_warranty.is_(False)),
        _count_if(RepairRequest.in_warranty.is_(None)),
        _count_if(and_(in_warranty, RepairRequest.customer_caused.is_(True))),
    ).where(*_cases_received(period))
    return WarrantySplit(*db.session.execute(query).one())


def on_time_rates(period: Period, *, now: dt.datetime | None = None) -> list[OnTimeRow]:
    """On time vs late against the reply and on-site deadlines of the cases received in ``period``.

    On time: stopped by its due time. Late: stopped after it, or still running past it. A clock
    still running and not yet due has no outcome, so it is not counted either way; nor is a
    clock that a cancellation stopped before it was due.
    """
    now = now or utcnow()
    # a case cancelled in time met no deadline: its stopped clocks count neither way
    stopped_on_time = and_(
        Deadline.stopped_at.is_not(None),
        Deadline.stopped_at <= Deadline.due_at,
        RepairRequest.status != RepairState.CANCELLED.value,
    )
    late = or_(
        and_(Deadline.stopped_at.is_not(None), Deadline.stopped_at > Deadline.due_at),
        and_(Deadline.stopped_at.is_(None), Deadline.due_at < now),
    )
    query = (
        select(Deadline.key, _count_if(stopped_on_time), _count_if(late))
        .join(
            RepairRequest,
            and_(
                Deadline.record_type == RepairRequest.__tablename__,
                Deadline.record_id == RepairRequest.id,
            ),
        )
        .where(Deadline.key.in_(DEADLINE_KEYS), *_cases_received(period))
        .group_by(Deadline.key)
    )
    rows = {key: OnTimeRow(key) for key in DEADLINE_KEYS}
    for key, on_time, late_count in db.session.execute(query):
        rows[key].on_time, rows[key].late = on_time, late_count
    return list(rows.values())


def repair_statistics(
    period: Period | None = None, *, locale: str = "zh", now: dt.datetime | None = None
) -> RepairStatistics:
    """Every repair figure for ``period`` (default: the last twelve months)."""
    period = period or default_period()
    return RepairStatistics(
        period=period,
        months=by_month(period),
        products=by_product(period),
        categories=by_fault_category(period, locale),
        parts=replaced_parts(period),
        warranty=warranty_split(period),
        on_time=on_time_rates(period, now=now),
    )
