"""The preventive maintenance procedure's records (DOMAIN.md §4 "Preventive maintenance", Q/SB-8.5.4).

A :class:`MaintenancePlan` (F01 客户设备定期维护保养计划) covers one unit, or several units of
one customer, with an interval, a start date and a responsible engineer; once the service
manager approves it, the scheduler creates each :class:`MaintenanceVisit` (F02 维护保养记录)
``MAINTENANCE_VISIT_LEAD_DAYS`` before it is due. The visit is the maintenance record: the
appointment agreed with the customer, the checklist results of each unit, findings, parts
used, retraining and the customer's signature. Completing it moves the plan to its next due
date.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime
from app.core.permissions import TitledEnum
from app.core.records.engine import RecordMixin
from app.extensions import db


class IntervalUnit(TitledEnum):
    WEEKS = "weeks"
    MONTHS = "months"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.WEEKS: _l("weeks"), cls.MONTHS: _l("months")}


class PlanScope(TitledEnum):
    """One unit, or several units of one customer."""

    UNIT = "unit"
    CUSTOMER = "customer"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.UNIT: _l("One unit"), cls.CUSTOMER: _l("Units of one customer")}


class PlanState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Waiting for approval"),
            cls.ACTIVE: _l("Active"),
            cls.PAUSED: _l("Paused"),
            cls.ENDED: _l("Ended"),
        }


#: plans that still hold their units: a unit is in at most one of them
OPEN_PLAN_STATES = frozenset({PlanState.DRAFT, PlanState.SUBMITTED, PlanState.ACTIVE, PlanState.PAUSED})


class MaintenancePlan(RecordMixin, db.Model):
    """F01 客户设备定期维护保养计划: which units are maintained how often, from when, by whom."""

    __tablename__ = "maintenance_plan"
    __table_args__ = (Index("ix_maintenance_plan_status_due", "status", "next_due_date"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    #: a :class:`PlanScope` value
    scope: Mapped[str] = mapped_column(String(16), default=PlanScope.UNIT.value)
    interval_count: Mapped[int] = mapped_column(Integer, default=3)
    #: an :class:`IntervalUnit` value
    interval_unit: Mapped[str] = mapped_column(String(8), default=IntervalUnit.MONTHS.value)
    #: the raw date of the first visit; every later one is counted from it
    start_date: Mapped[dt.date] = mapped_column(Date)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: the salesperson who agrees the dates with the customer (else the sales managers are told)
    sales_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    contract_no: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: the next occurrence: its index, its raw date and its due date (shifted to a working day)
    next_seq: Mapped[int] = mapped_column(Integer, default=0)
    next_raw_date: Mapped[dt.date | None] = mapped_column(Date)
    next_due_date: Mapped[dt.date | None] = mapped_column(Date)
    last_visit_date: Mapped[dt.date | None] = mapped_column(Date)

    customer = relationship("Customer", lazy="joined")
    engineer = relationship("User", foreign_keys=[engineer_id], lazy="joined")
    sales = relationship("User", foreign_keys=[sales_id], lazy="joined")
    units: Mapped[list[PlanUnit]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanUnit.id", lazy="selectin"
    )
    visits: Mapped[list[MaintenanceVisit]] = relationship(
        back_populates="plan", order_by="MaintenanceVisit.due_date"
    )

    @property
    def interval_title(self) -> str:
        return str(
            _l(
                "every %(count)s %(unit)s",
                count=self.interval_count,
                unit=IntervalUnit(self.interval_unit).title,
            )
        )

    @property
    def interval_print(self) -> str:
        """Both languages, for the printed plan."""
        zh = {"weeks": "周", "months": "个月"}[self.interval_unit]
        return f"每 {self.interval_count} {zh} / every {self.interval_count} {self.interval_unit}"

    @property
    def scope_title(self) -> str:
        return PlanScope(self.scope).title

    @property
    def unit_list(self) -> list:
        return [pu.unit for pu in self.units]

    @property
    def is_shifted(self) -> bool:
        """The next due date was moved off a day off."""
        return bool(self.next_raw_date and self.next_due_date and self.next_raw_date != self.next_due_date)


class PlanUnit(db.Model):
    """One unit of a plan, with the maintenance checklist of its product when the plan was made."""

    __tablename__ = "maintenance_plan_unit"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id", name="uq_maintenance_plan_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maintenance_plan.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    #: the platform checklist (purpose "maintenance") of the unit's product; no foreign key, so
    #: a removed template leaves the plan readable (the visit copies its items when filled in)
    checklist_template_id: Mapped[int | None] = mapped_column(Integer)

    plan: Mapped[MaintenancePlan] = relationship(back_populates="units")
    unit = relationship("Unit", lazy="joined")


class VisitState(TitledEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Being created"),
            cls.SCHEDULED: _l("Date to be agreed"),
            cls.CONFIRMED: _l("Appointment confirmed"),
            cls.COMPLETED: _l("Completed"),
            cls.CANCELLED: _l("Cancelled"),
        }


#: visits still to be done
OPEN_VISIT_STATES = frozenset({VisitState.SCHEDULED, VisitState.CONFIRMED})


class MaintenanceVisit(RecordMixin, db.Model):
    """F02 维护保养记录: one visit of a plan, from the date agreed to the customer's signature."""

    __tablename__ = "maintenance_visit"
    __table_args__ = (
        #: the scheduler's insert-or-skip relies on it: one visit per plan and due date
        UniqueConstraint("plan_id", "due_date", name="uq_maintenance_visit_plan_due"),
        # the id too: the home page's overdue visits, earliest first, are read from the index
        # alone (PostgreSQL walked the waiting visits' rows and sorted them: 1.2 → 0.2–0.3 ms)
        Index("ix_maintenance_visit_status_due", "status", "due_date", "id"),
        Index("ix_maintenance_visit_engineer_status", "engineer_id", "status"),
    )

    plan_id: Mapped[int] = mapped_column(ForeignKey("maintenance_plan.id"), index=True)
    #: the plan's occurrence this visit is, its raw date and its due date (a working day)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    raw_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # the appointment agreed with the customer
    appointment_date: Mapped[dt.date | None] = mapped_column(Date)
    #: "09:30" (text: the audit trail keeps it as typed)
    appointment_time: Mapped[str] = mapped_column(String(5), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    appointment_note: Mapped[str] = mapped_column(Text, default="")
    #: per unit: ``{"unit_id", "serial", "product", "template_id", "title_zh", "title_en",
    #: "results": [platform checklist results]}`` — texts and limits as they were filled in
    checklist_results: Mapped[list | None] = mapped_column(JSON)
    findings: Mapped[str] = mapped_column(Text, default="")
    retraining_given: Mapped[bool] = mapped_column(Boolean, default=False)
    #: who was retrained, on what, for how long
    retraining_note: Mapped[str] = mapped_column(Text, default="")
    customer_signer: Mapped[str] = mapped_column(String(100), default="")
    customer_signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    signature_attachment_id: Mapped[int | None] = mapped_column(Integer)
    signed_scan_attachment_id: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    plan: Mapped[MaintenancePlan] = relationship(back_populates="visits", lazy="joined")
    customer = relationship("Customer", lazy="joined")
    engineer = relationship("User", foreign_keys=[engineer_id], lazy="joined")
    parts: Mapped[list[VisitPart]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitPart.id", lazy="selectin"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_VISIT_STATES

    @property
    def planned_date(self) -> dt.date:
        """The day the visit is expected: the agreed date once confirmed, else the due date."""
        return self.appointment_date or self.due_date

    @property
    def customer_signature(self):
        """The customer's signature on the pad, else the signed and stamped sheet (an attachment)."""
        from app.maintenance.services import customer_signature

        return customer_signature(self)

    @property
    def requested_parts(self) -> list[VisitPart]:
        return [p for p in self.parts if p.from_warehouse]


class VisitPart(db.Model):
    """One part used on a visit; one taken from the warehouse is a requisition the keeper issues."""

    __tablename__ = "maintenance_visit_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_visit.id", ondelete="CASCADE"), index=True)
    part_no: Mapped[str] = mapped_column(String(64), index=True)
    part_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    #: asked of the warehouse (a requisition), rather than taken from the engineer's own kit
    from_warehouse: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    visit: Mapped[MaintenanceVisit] = relationship(back_populates="parts")
    issued_by = relationship("User")

    @property
    def label(self) -> str:
        return f"{self.part_no} {self.part_name} × {self.quantity}"
