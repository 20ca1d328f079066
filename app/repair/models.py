"""The repair procedure's records (DOMAIN.md §4 "Repair", Q/SB-8.5.3).

One repair case is a :class:`RepairRequest` (F01 报修登记单): intake, dispatch, appointment,
on-site diagnosis, repair and the customer's sign-off. Its completion prints as the repair
record (F04 产品维修单) under its own number, issued when the customer signs. A paid repair
has a :class:`RepairQuotation` (F02 维修报价单) that a manager approves; spare parts go out on a
:class:`PartRequisition` (F03 维修点领用配件表) whose failed parts are tracked until they are
back at the service centre.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime, Versioned, utcnow
from app.core.permissions import TitledEnum
from app.core.records.engine import RecordMixin
from app.extensions import db

MONEY = Numeric(12, 2)


class Channel(TitledEnum):
    """How the request reached the service centre."""

    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    VISIT = "visit"
    REGIONAL_OFFICE = "regional_office"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.PHONE: _l("Phone"),
            cls.FAX: _l("Fax"),
            cls.EMAIL: _l("E-mail"),
            cls.VISIT: _l("Visit"),
            cls.REGIONAL_OFFICE: _l("Regional office"),
        }


class RepairState(TitledEnum):
    DRAFT = "draft"
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    SCHEDULED = "scheduled"
    ON_SITE = "on_site"
    AWAITING_QUOTE = "awaiting_quote"
    AWAITING_SUPPORT = "awaiting_support"
    IN_REPAIR = "in_repair"
    COMPLETED = "completed"
    CLOSED = "closed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    VOID = "void"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.RECEIVED: _l("Received"),
            cls.DISPATCHED: _l("Dispatched"),
            cls.SCHEDULED: _l("Appointment agreed"),
            cls.ON_SITE: _l("On site"),
            cls.AWAITING_QUOTE: _l("Awaiting quotation"),
            cls.AWAITING_SUPPORT: _l("Awaiting support"),
            cls.IN_REPAIR: _l("In repair"),
            cls.COMPLETED: _l("Completed"),
            cls.CLOSED: _l("Closed"),
            cls.DECLINED: _l("Declined by the customer"),
            cls.CANCELLED: _l("Cancelled"),
            cls.VOID: _l("Void"),
        }


#: states in which the case is still being worked on (lists, overdue, "my repairs")
OPEN_STATES = frozenset(
    {
        RepairState.RECEIVED,
        RepairState.DISPATCHED,
        RepairState.SCHEDULED,
        RepairState.ON_SITE,
        RepairState.AWAITING_QUOTE,
        RepairState.AWAITING_SUPPORT,
        RepairState.IN_REPAIR,
        RepairState.COMPLETED,
    }
)


class SupportKind(TitledEnum):
    TECHNICAL = "technical"
    PARTS = "parts"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.TECHNICAL: _l("Technical support"), cls.PARTS: _l("Parts support")}


class FaultCategory(Versioned, db.Model):
    """An entry of the admin-edited list of fault categories (statistics group by it)."""

    __tablename__ = "repair_fault_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def title(self, locale: str = "zh") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"


class FeeItem(TitledEnum):
    """The lines of the approved fee scale a quotation is priced from."""

    LABOUR_HOUR = "labour_hour"
    TRAVEL_CITY = "travel_city"
    TRAVEL_PROVINCE = "travel_province"
    TRAVEL_REMOTE = "travel_remote"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.LABOUR_HOUR: _l("Labour, per hour"),
            cls.TRAVEL_CITY: _l("Travel, city"),
            cls.TRAVEL_PROVINCE: _l("Travel, province"),
            cls.TRAVEL_REMOTE: _l("Travel, remote"),
        }


class FeeRate(Versioned, db.Model):
    """One price of the fee scale; the quotation copies it, so a later change leaves it alone."""

    __tablename__ = "repair_fee_rate"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[FeeItem] = mapped_column(String(32), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RepairRequest(RecordMixin, db.Model):
    """F01 报修登记单: one repair case from the customer's call to the signed repair record."""

    __tablename__ = "repair_request"
    __table_args__ = (
        Index("ix_repair_request_status_id", "status", "id"),
        Index("ix_repair_request_engineer_status", "engineer_id", "status"),
        # the list's default order (newest first), alone and within a status; the status rides
        # along so a deep page is an index-only walk (no case read just to skip it), and the
        # customer so a page filtered by region walks the index alone to the customers it
        # checks (a region's closed cases: 3.6 → 1.1–1.5 ms on PostgreSQL)
        Index("ix_repair_request_received", "received_at", "id", "status"),
        Index("ix_repair_request_status_received", "status", "received_at", "id", "customer_id"),
    )

    # intake
    channel: Mapped[Channel] = mapped_column(String(20), default=Channel.PHONE)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    symptom: Mapped[str] = mapped_column(Text, default="")
    fault_category_id: Mapped[int | None] = mapped_column(ForeignKey("repair_fault_category.id"), index=True)
    # the warranty decision, fixed at submission (the explanation is kept as printed)
    in_warranty: Mapped[bool | None] = mapped_column(Boolean)
    warranty_end: Mapped[dt.date | None] = mapped_column(Date)
    warranty_basis: Mapped[str] = mapped_column(String(300), default="")
    #: the engineer found the fault caused by the customer: paid even in warranty
    customer_caused: Mapped[bool] = mapped_column(Boolean, default=False)
    # dispatch and appointment
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    appointment_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    appointment_note: Mapped[str] = mapped_column(Text, default="")
    # on site
    fault_found: Mapped[str] = mapped_column(Text, default="")
    support_kind: Mapped[SupportKind | None] = mapped_column(String(16))
    support_request: Mapped[str] = mapped_column(Text, default="")
    support_answer: Mapped[str] = mapped_column(Text, default="")
    # completion: the repair record (F04)
    cause: Mapped[str] = mapped_column(Text, default="")
    action_taken: Mapped[str] = mapped_column(Text, default="")
    parts_used: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    customer_signer: Mapped[str] = mapped_column(String(100), default="")
    customer_signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the signature drawn on the pad, or the signed and stamped sheet uploaded (attachment ids)
    signature_attachment_id: Mapped[int | None] = mapped_column(Integer)
    signed_scan_attachment_id: Mapped[int | None] = mapped_column(Integer)
    is_fixed: Mapped[bool | None] = mapped_column(Boolean)
    is_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    customer_opinion: Mapped[str] = mapped_column(Text, default="")
    report_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    report_form_code: Mapped[str | None] = mapped_column(String(64))
    report_form_revision: Mapped[str | None] = mapped_column(String(16))
    # paid repairs
    fee_collected: Mapped[Decimal | None] = mapped_column(MONEY)
    invoice_no: Mapped[str] = mapped_column(String(64), default="")
    #: why it was cancelled, declined or voided
    close_reason: Mapped[str] = mapped_column(Text, default="")

    customer = relationship("Customer", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    engineer = relationship("User", foreign_keys=[engineer_id], lazy="joined")
    fault_category = relationship(FaultCategory, lazy="joined")
    quotations: Mapped[list[RepairQuotation]] = relationship(
        back_populates="request", order_by="RepairQuotation.id"
    )
    requisitions: Mapped[list[PartRequisition]] = relationship(
        back_populates="request", order_by="PartRequisition.id"
    )

    @property
    def is_paid(self) -> bool:
        """Out of warranty, or in warranty but caused by the customer."""
        return self.in_warranty is False or bool(self.customer_caused)

    @property
    def channel_title(self) -> str:
        return Channel(self.channel).title if self.channel else ""

    @property
    def support_kind_title(self) -> str:
        return SupportKind(self.support_kind).title if self.support_kind else ""

    @property
    def accepted_quotation(self) -> RepairQuotation | None:
        return next((q for q in reversed(self.quotations) if q.status == QuotationState.ACCEPTED), None)

    @property
    def customer_signature(self):
        """The customer's signature on the pad, else the signed and stamped sheet (an attachment)."""
        from app.repair.services import customer_signature

        return customer_signature(self)


class QuotationState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Waiting for approval"),
            cls.APPROVED: _l("Approved"),
            cls.ACCEPTED: _l("Accepted by the customer"),
            cls.DECLINED: _l("Declined by the customer"),
            cls.WITHDRAWN: _l("Withdrawn"),
        }


class RepairQuotation(RecordMixin, db.Model):
    """F02 维修报价单: labour + parts + travel at the fee scale, approved before the customer sees it."""

    __tablename__ = "repair_quotation"

    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id"), index=True)
    labour_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal("0"))
    #: the fee scale's prices when the quotation was made
    labour_rate: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    travel_fee: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    note: Mapped[str] = mapped_column(Text, default="")
    #: the customer's answer
    accepted_price: Mapped[Decimal | None] = mapped_column(MONEY)
    payment_due: Mapped[dt.date | None] = mapped_column(Date)

    request: Mapped[RepairRequest] = relationship(back_populates="quotations", lazy="joined")
    lines: Mapped[list[QuotationLine]] = relationship(
        back_populates="quotation", cascade="all, delete-orphan", order_by="QuotationLine.id", lazy="selectin"
    )

    @property
    def labour_total(self) -> Decimal:
        return (self.labour_hours or Decimal("0")) * (self.labour_rate or Decimal("0"))

    @property
    def parts_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return (self.labour_total + self.parts_total + (self.travel_fee or Decimal("0"))).quantize(
            Decimal("0.01")
        )


class QuotationLine(db.Model):
    __tablename__ = "repair_quotation_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    quotation_id: Mapped[int] = mapped_column(
        ForeignKey("repair_quotation.id", ondelete="CASCADE"), index=True
    )
    part_no: Mapped[str] = mapped_column(String(64))
    part_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))

    quotation: Mapped[RepairQuotation] = relationship(back_populates="lines")

    @property
    def amount(self) -> Decimal:
        return (self.unit_price or Decimal("0")) * (self.quantity or 0)


class RequisitionState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ISSUED = "issued"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Requested"),
            cls.ISSUED: _l("Parts issued"),
            cls.CLOSED: _l("All failed parts returned"),
            cls.CANCELLED: _l("Cancelled"),
        }


class PartRequisition(RecordMixin, db.Model):
    """F03 维修点领用配件表: parts taken for a repair; each failed part comes back to the centre."""

    __tablename__ = "repair_requisition"

    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[RepairRequest] = relationship(back_populates="requisitions", lazy="joined")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    lines: Mapped[list[RequisitionLine]] = relationship(
        back_populates="requisition",
        cascade="all, delete-orphan",
        order_by="RequisitionLine.id",
        lazy="selectin",
    )

    @property
    def outstanding_returns(self) -> list[RequisitionLine]:
        return [line for line in self.lines if line.returns_failed_part and line.returned_at is None]


class RequisitionLine(db.Model):
    __tablename__ = "repair_requisition_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(
        ForeignKey("repair_requisition.id", ondelete="CASCADE"), index=True
    )
    part_no: Mapped[str] = mapped_column(String(64), index=True)
    part_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    #: the failed part must come back to the service centre (most do)
    returns_failed_part: Mapped[bool] = mapped_column(Boolean, default=True)
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    requisition: Mapped[PartRequisition] = relationship(back_populates="lines")
    received_by = relationship("User")
