"""Traceability: which serials and batches went to which customers, when, on which document.

Delivery fixes which serials and batches went to whom, and recalls rely on it (DOMAIN.md §4).
One table, :class:`UnitShipment`, holds a row for every unit (or batch quantity shipped without
serial numbers) that left the company; a procedure writes it through :func:`record_shipment`
when it releases goods (the delivery procedure, when a shipping note is released). The unit
gets its customer, site and ship date in the same step.

:func:`trace_query` is the one query for both directions — where did batch X or serial Y go,
and what did customer Z receive — and :func:`affected_customers` sums it up per customer; the
recall procedure takes its scope from the same two functions. Every lookup is an equality on
an indexed column (batch, serial, unit or customer, then the ship time), so it stays fast
however many units have been shipped. The pages at ``/traceability`` show it and export it as
CSV (the export is audited).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ForeignKey, Index, Integer, Select, String, cast, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, Optional

from app.core.masterdata.models import Customer, Product, Unit
from app.core.models import UTCDateTime, utcnow
from app.core.pagination import paginate
from app.core.permissions import login_required
from app.core.records.audit import AuditAction, audit, object_url, register_object_type
from app.core.signals import unit_shipped
from app.core.web import render
from app.extensions import db


class UnitShipment(db.Model):
    """One unit (or one batch quantity without serials) that went to a customer on a document.

    Serial, batch and product are kept as shipped, so a later edit of the unit does not
    rewrite where it went; a unit shipped twice (returned, then sent elsewhere) has two rows.
    """

    __tablename__ = "unit_shipment"
    __table_args__ = (
        Index("ix_unit_shipment_batch", "batch", "shipped_at"),
        Index("ix_unit_shipment_serial", "serial", "shipped_at"),
        Index("ix_unit_shipment_unit", "unit_id", "shipped_at"),
        Index("ix_unit_shipment_customer", "customer_id", "shipped_at"),
        Index("ix_unit_shipment_document", "document_type", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the unit, when the goods had a serial number
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    serial: Mapped[str] = mapped_column(String(64), default="")
    batch: Mapped[str] = mapped_column(String(64), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    #: 1 for a unit; the quantity of a batch line without serials
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    site: Mapped[str] = mapped_column(String(300), default="")
    shipped_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the record the goods left on: its table name, id and number (a shipping note FH-…)
    document_type: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[int] = mapped_column(Integer)
    document_number: Mapped[str] = mapped_column(String(64), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    product: Mapped[Product | None] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="joined")

    @property
    def document_url(self) -> str | None:
        """The page of the document, when its module registered one."""
        return object_url(self.document_type, str(self.document_id))


# --- recording a shipment ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedItem:
    """What left: a ``unit`` (serial, batch and product are taken from it), or ``quantity`` of
    ``batch`` of ``product_id`` without serial numbers."""

    unit: Unit | None = None
    product_id: int | None = None
    batch: str = ""
    quantity: int = 1


def _company_date(moment: dt.datetime) -> dt.date:
    from app.core.calendar.queries import company_timezone

    return moment.astimezone(company_timezone()).date()


def record_shipment(
    items: Iterable[ShippedItem],
    *,
    customer_id: int,
    site: str,
    shipped_at: dt.datetime,
    document_type: str,
    document_id: int,
    document_number: str,
    actor,
) -> list[UnitShipment]:
    """Record that ``items`` went to the customer on a document; each unit gets the customer,
    site and ship date (audited on the unit) and ``unit_shipped`` is sent for it.

    The ship date is the company's calendar day of ``shipped_at``: a unit's warranty starts
    from it when it has no acceptance date (DOMAIN.md §3). Flushes, never commits.
    """
    if shipped_at.tzinfo is None:
        raise ValueError("shipped_at must be an aware datetime")
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise ValueError(f"no customer {customer_id}")
    ship_date = _company_date(shipped_at)
    rows: list[UnitShipment] = []
    shipped_units: list[tuple[Unit, UnitShipment]] = []
    for item in items:
        unit = item.unit
        row = UnitShipment(
            unit_id=unit.id if unit else None,
            serial=unit.serial if unit else "",
            batch=(unit.batch if unit else item.batch) or "",
            product_id=unit.product_id if unit else item.product_id,
            quantity=1 if unit else max(1, int(item.quantity)),
            customer_id=customer.id,
            site=site or "",
            shipped_at=shipped_at,
            document_type=document_type,
            document_id=document_id,
            document_number=document_number or "",
            recorded_by_id=getattr(actor, "id", None),
            recorded_at=utcnow(),
        )
        db.session.add(row)
        rows.append(row)
        if unit is not None:
            _ship_unit(unit, customer, site or "", ship_date, document_number, actor)
            shipped_units.append((unit, row))
    db.session.flush()
    for unit, row in shipped_units:
        unit_shipped.send(unit, shipment=row, actor=actor)
    return rows


def _ship_unit(unit: Unit, customer: Customer, site: str, ship_date: dt.date, number: str, actor) -> None:
    old_customer = unit.customer.name if unit.customer is not None else None
    changes: dict[str, Any] = {}
    if unit.customer_id != customer.id:
        changes["customer"] = [old_customer, customer.name]
    if (unit.site or "") != site:
        changes["site"] = [unit.site or "", site]
    if unit.ship_date != ship_date:
        changes["ship_date"] = [unit.ship_date.isoformat() if unit.ship_date else None, ship_date.isoformat()]
    unit.customer_id = customer.id
    unit.site = site
    unit.ship_date = ship_date
    if changes:
        audit(
            AuditAction.UPDATE,
            unit,
            actor=actor,
            changes=changes,
            reason=_("Shipped with %(number)s", number=number) if number else None,
        )
    db.session.flush()
    db.session.expire(unit, ["customer"])


# --- the one query ----------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    from app.core.calendar.queries import company_timezone

    return dt.datetime.combine(day, dt.time(), tzinfo=company_timezone())


def trace_query(
    *,
    batch: str | None = None,
    serial: str | None = None,
    unit_id: int | None = None,
    customer_id: int | None = None,
    product_id: int | None = None,
    shipped_from: dt.date | None = None,
    shipped_to: dt.date | None = None,
) -> Select:
    """The shipments matching every criterion given, oldest first: where did a batch or a serial
    go (``batch``, ``serial``, ``unit_id``), or what did a customer receive (``customer_id``).

    Batch and serial match exactly (surrounding spaces ignored); ``shipped_from`` and
    ``shipped_to`` are days of the company's calendar, both included.
    """
    query = select(UnitShipment)
    if batch is not None:
        query = query.where(UnitShipment.batch == batch.strip())
    if serial is not None:
        query = query.where(UnitShipment.serial == serial.strip())
    if unit_id is not None:
        query = query.where(UnitShipment.unit_id == unit_id)
    if customer_id is not None:
        query = query.where(UnitShipment.customer_id == customer_id)
    if product_id is not None:
        query = query.where(UnitShipment.product_id == product_id)
    if shipped_from is not None:
        query = query.where(UnitShipment.shipped_at >= _day_start(shipped_from))
    if shipped_to is not None:
        query = query.where(UnitShipment.shipped_at < _day_start(shipped_to + dt.timedelta(days=1)))
    return query.order_by(UnitShipment.shipped_at, UnitShipment.id)


@dataclass(frozen=True)
class CustomerTrace:
    """One customer reached by a trace: how much went there, on how many documents, and when."""

    customer: Customer
    quantity: int
    documents: int
    first_shipped_at: dt.datetime
    last_shipped_at: dt.datetime


def affected_customers(query: Select) -> list[CustomerTrace]:
    """The customers of a :func:`trace_query`, with quantities and dates, by name."""
    found = query.order_by(None).subquery()
    summary = (
        select(
            found.c.customer_id,
            func.sum(found.c.quantity),
            func.count(func.distinct(found.c.document_type + ":" + cast(found.c.document_id, String))),
            func.min(found.c.shipped_at),
            func.max(found.c.shipped_at),
        )
        .group_by(found.c.customer_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Customer, *list(summary.c)[1:])
        .join(summary, summary.c.customer_id == Customer.id)
        .order_by(Customer.name, Customer.id)
    )
    return [
        CustomerTrace(
            customer=customer,
            quantity=int(quantity or 0),
            documents=int(documents or 0),
            first_shipped_at=first,
            last_shipped_at=last,
        )
        for customer, quantity, documents, first, last in rows
    ]


CSV_HEADER = (
    _l("Shipped at"),
    _l("Customer"),
    _l("Site"),
    _l("Document"),
    _l("Model"),
    _l("Product"),
    _l("Serial number"),
    _l("Batch number"),
    _l("Quantity"),
)


def csv_cell(value) -> str:
    """Text a spreadsheet shows as text: a leading ``=``, ``+``, ``-`` or ``@`` is not a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def trace_rows(query: Select) -> Iterator[list[str]]:
    """The shipments of ``query`` as CSV rows (company time), read a few hundred at a time."""
    from app.core.calendar.queries import company_timezone

    zone = company_timezone()
    for row in db.session.scalars(query.execution_options(yield_per=500)):
        yield [
            csv_cell(v)
            for v in (
                row.shipped_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                row.customer.name,
                row.site,
                row.document_number,
                row.product.model if row.product else "",
                row.product.name if row.product else "",
                row.serial,
                row.batch,
                row.quantity,
            )
        ]


# --- pages ---------------------------------------------------------------------------------------------

bp = Blueprint("traceability", __name__, url_prefix="/traceability")

register_object_type("traceability", _l("Traceability"))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TraceForm(FlaskForm):
    """What to trace: a batch, a serial or a customer, optionally within ship dates (a GET form)."""

    class Meta:
        csrf = False

    batch = StringField(_l("Batch number"), validators=[Optional(), Length(max=64)], filters=[_strip])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=64)], filters=[_strip])
    customer_id = IntegerField(_l("Customer"), validators=[Optional()])
    shipped_from = DateField(_l("Shipped from"), validators=[Optional()])
    shipped_to = DateField(_l("Shipped until"), validators=[Optional()])

    @property
    def customer(self) -> Customer | None:
        return db.session.get(Customer, self.customer_id.data) if self.customer_id.data else None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.batch.data or self.serial.data or self.customer_id.data):
            self.batch.errors = [
                *self.batch.errors,
                _("Enter a batch number, a serial number or a customer."),
            ]
            valid = False
        if self.customer_id.data and self.customer is None:
            self.customer_id.errors = [*self.customer_id.errors, _("There is no such customer.")]
            valid = False
        if self.shipped_from.data and self.shipped_to.data and self.shipped_to.data < self.shipped_from.data:
            self.shipped_to.errors = [*self.shipped_to.errors, _("The end is before the start.")]
            valid = False
        return valid

    def criteria(self) -> dict:
        return {
            "batch": self.batch.data or None,
            "serial": self.serial.data or None,
            "customer_id": self.customer_id.data or None,
            "shipped_from": self.shipped_from.data,
            "shipped_to": self.shipped_to.data,
        }

    def args(self) -> dict:
        """The query-string arguments of this search (for paging and the CSV link)."""
        values = {
            "batch": self.batch.data,
            "serial": self.serial.data,
            "customer_id": self.customer_id.data,
            "shipped_from": self.shipped_from.data.isoformat() if self.shipped_from.data else None,
            "shipped_to": self.shipped_to.data.isoformat() if self.shipped_to.data else None,
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


SEARCH_KEYS = ("batch", "serial", "customer_id", "shipped_from", "shipped_to")


def _search_form() -> tuple[TraceForm, bool]:
    """The form read from the query string, and whether a search was asked for at all."""
    asked = any(request.args.get(key) for key in SEARCH_KEYS)
    return TraceForm(formdata=request.args if asked else None), asked


@bp.route("/")
@login_required
def index():
    """Where did a batch or a serial go, or what did a customer receive; the results as a fragment."""
    form, asked = _search_form()
    page, customers, status = None, [], 200
    if asked:
        if form.validate():
            query = trace_query(**form.criteria())
            number = max(1, request.args.get("page", 1, type=int) or 1)
            page = paginate(query, number, current_app.config["PAGE_SIZE"])
            customers = affected_customers(query)
        else:
            status = 422
    return render(
        "core/traceability/index.html",
        "trace_panel",
        status=status,
        form=form,
        page=page,
        customers=customers,
        args=form.args() if asked else {},
    )


@bp.route("/export.csv")
@login_required
def export():
    """The same search as a CSV file (UTF-8 with BOM, so spreadsheets keep the Chinese names)."""
    form, asked = _search_form()
    if not asked or not form.validate():
        return render(
            "core/traceability/index.html",
            "trace_panel",
            status=422,
            form=form,
            page=None,
            customers=[],
            args={},
        )
    query = trace_query(**form.criteria())
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    audit(
        AuditAction.EXPORT,
        actor=current_user._get_current_object(),
        object_type="traceability",
        label=_("Traceability CSV export"),
        changes={"filters": form.args(), "rows": total},
        ip=request.remote_addr,
    )
    db.session.commit()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title in CSV_HEADER])
    for row in trace_rows(query):
        writer.writerow(row)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="traceability-{stamp}.csv"'},
    )


__all__ = [
    "CustomerTrace",
    "ShippedItem",
    "UnitShipment",
    "affected_customers",
    "bp",
    "record_shipment",
    "trace_query",
    "trace_rows",
]
