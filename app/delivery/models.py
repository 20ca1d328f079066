"""The delivery procedure's records (DOMAIN.md §4 "Delivery", Q/SB-8.5.1).

A :class:`ShippingNote` (F01 发货单) is issued by Sales with its lines (product, model, quantity,
serial or batch numbers) and signed by the sales manager before the warehouse releases
anything; the warehouse keeper ticks every line against the goods and corrects what does not
match. At release the driver or the customer's representative signs for the goods, the units
get their customer, site and ship date, and the delivery receipt (F02 送货签收单) gets its
number: it travels with the goods, and the customer records on it the quantity actually
received and signs. A shortage or damage opens a :class:`TransitDamageRecord` (F03 运输异常记录)
with photos, responsibility and the claim against the carrier.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime
from app.core.permissions import TitledEnum
from app.core.records.engine import RecordMixin
from app.extensions import db

MONEY = Numeric(12, 2)


class DeliveryMethod(TitledEnum):
    """How the goods reach the customer."""

    PICKUP = "pickup"
    OWN_FLEET = "own_fleet"
    CARRIER = "carrier"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.PICKUP: _l("Customer pickup"),
            cls.OWN_FLEET: _l("Own fleet"),
            cls.CARRIER: _l("Contracted carrier"),
        }


class NoteState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RELEASED = "released"
    RECEIVED = "received"
    CANCELLED = "cancelled"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Waiting for approval"),
            cls.APPROVED: _l("Approved: warehouse check"),
            cls.RELEASED: _l("Released, in transit"),
            cls.RECEIVED: _l("Received by the customer"),
            cls.CANCELLED: _l("Cancelled"),
        }


#: states in which the note still holds its units (another note cannot take them)
RESERVING_STATES = frozenset({NoteState.DRAFT, NoteState.SUBMITTED, NoteState.APPROVED})
#: states in which the goods have left
SHIPPED_STATES = frozenset({NoteState.RELEASED, NoteState.RECEIVED})


class LineCheck(TitledEnum):
    """The warehouse keeper's check of one line against the goods."""

    PENDING = "pending"
    OK = "ok"
    MISMATCH = "mismatch"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.PENDING: _l("Not checked"),
            cls.OK: _l("Matches the goods"),
            cls.MISMATCH: _l("Does not match"),
        }


class ShippingNote(RecordMixin, db.Model):
    """F01 发货单: what goes to which customer, signed before release and received on arrival."""

    __tablename__ = "delivery_shipping_note"
    __table_args__ = (
        Index("ix_delivery_shipping_note_status_id", "status", "id"),
        Index("ix_delivery_shipping_note_customer_planned", "customer_id", "planned_date"),
    )

    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    site: Mapped[str] = mapped_column(String(300), default="")
    planned_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    # the hand-over at release: who carries the goods and who signed for them
    carrier: Mapped[str] = mapped_column(String(200), default="")
    waybill_no: Mapped[str] = mapped_column(String(64), default="")
    vehicle_no: Mapped[str] = mapped_column(String(32), default="")
    driver_name: Mapped[str] = mapped_column(String(100), default="")
    driver_phone: Mapped[str] = mapped_column(String(50), default="")
    #: the customer's representative collecting the goods (pickup)
    pickup_person: Mapped[str] = mapped_column(String(100), default="")
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the signature (pad) or signed sheet of the driver or representative (attachment id)
    handover_signature_attachment_id: Mapped[int | None] = mapped_column(Integer)
    # the delivery receipt (F02), numbered at release, filled in on arrival
    receipt_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt_form_code: Mapped[str | None] = mapped_column(String(64))
    receipt_form_revision: Mapped[str | None] = mapped_column(String(16))
    receiver_name: Mapped[str] = mapped_column(String(100), default="")
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    receipt_note: Mapped[str] = mapped_column(Text, default="")
    receipt_signature_attachment_id: Mapped[int | None] = mapped_column(Integer)
    #: why it was cancelled
    close_reason: Mapped[str] = mapped_column(Text, default="")

    customer = relationship("Customer", lazy="joined")
    released_by = relationship("User", foreign_keys=[released_by_id])
    lines: Mapped[list[ShippingLine]] = relationship(
        back_populates="shipping_note",
        cascade="all, delete-orphan",
        order_by="ShippingLine.position, ShippingLine.id",
        lazy="selectin",
    )
    damage_records: Mapped[list[TransitDamageRecord]] = relationship(
        back_populates="shipping_note", order_by="TransitDamageRecord.id"
    )

    @property
    def method_title(self) -> str:
        return DeliveryMethod(self.delivery_method).title if self.delivery_method else ""

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity or 0 for line in self.lines)

    # --- what the steps require (blank = not yet) --------------------------------------------------

    @property
    def lines_checked(self) -> bool | None:
        """Every line ticked as matching the goods (a mismatch blocks the release)."""
        return True if self.lines and all(line.check_state == LineCheck.OK for line in self.lines) else None

    @property
    def delivery_details(self) -> bool | None:
        """Who carries the goods: the representative (pickup), the driver, and for a carrier its
        name and waybill."""
        method = self.delivery_method
        if method == DeliveryMethod.PICKUP:
            done = bool(self.pickup_person.strip())
        elif method == DeliveryMethod.OWN_FLEET:
            done = bool(self.driver_name.strip())
        elif method == DeliveryMethod.CARRIER:
            done = bool(self.carrier.strip() and self.waybill_no.strip() and self.driver_name.strip())
        else:
            done = False
        return True if done else None

    @property
    def handover_signature(self):
        """The driver's or representative's signature for the goods (pad or signed scan)."""
        from app.delivery.services import handover_signature

        return handover_signature(self)

    @property
    def receipt_quantities(self) -> bool | None:
        """The quantity received is recorded on every line."""
        return True if self.lines and all(line.received_quantity is not None for line in self.lines) else None

    @property
    def receipt_signature(self):
        """The customer's signature on arrival (pad or signed scan), given after the release."""
        from app.delivery.services import receipt_signature

        return receipt_signature(self)

    @property
    def has_discrepancy(self) -> bool:
        return any(line.shortage or line.damaged_quantity for line in self.lines)


class ShippingLine(db.Model):
    """One line of a shipping note: a product, how many, and their serial or batch numbers."""

    __tablename__ = "delivery_shipping_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_shipping_note.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=1)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    #: the product's model and name when the note was issued
    model: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    #: the batch of goods without serial numbers (and of units entered, created at release)
    batch: Mapped[str] = mapped_column(String(64), default="")
    check_state: Mapped[LineCheck] = mapped_column(String(16), default=LineCheck.PENDING)
    check_note: Mapped[str] = mapped_column(String(500), default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # on arrival
    received_quantity: Mapped[int | None] = mapped_column(Integer)
    damaged_quantity: Mapped[int | None] = mapped_column(Integer)
    receipt_remark: Mapped[str] = mapped_column(String(500), default="")

    shipping_note: Mapped[ShippingNote] = relationship(back_populates="lines")
    product = relationship("Product", lazy="joined")
    checked_by = relationship("User", foreign_keys=[checked_by_id])
    units: Mapped[list[ShippingLineUnit]] = relationship(
        back_populates="line",
        cascade="all, delete-orphan",
        order_by="ShippingLineUnit.id",
        lazy="selectin",
    )

    @property
    def serials(self) -> list[str]:
        return [u.serial for u in self.units]

    @property
    def identification(self) -> str:
        """Serial numbers, else the batch: what the goods are known by."""
        if self.units:
            return ", ".join(self.serials)
        return self.batch

    @property
    def check_title(self) -> str:
        return LineCheck(self.check_state).title

    @property
    def shortage(self) -> int:
        if self.received_quantity is None:
            return 0
        return max(0, (self.quantity or 0) - self.received_quantity)

    @property
    def label(self) -> str:
        """How the history names the line: "2 · QP-200 × 3"."""
        return f"{self.position} · {self.model} × {self.quantity}"


class ShippingLineUnit(db.Model):
    """One serial number of a line: a unit picked from stock, or a new one created at release."""

    __tablename__ = "delivery_line_unit"
    __table_args__ = (UniqueConstraint("line_id", "serial", name="uq_delivery_line_unit_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("delivery_shipping_line.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    line: Mapped[ShippingLine] = relationship(back_populates="units")
    unit = relationship("Unit", lazy="joined")


# --- transit damage and loss -----------------------------------------------------------------------------


class DamageSource(TitledEnum):
    """How the damage or loss came to light."""

    RECEIPT = "receipt"
    UNBOXING = "unboxing"
    REPORTED = "reported"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.RECEIPT: _l("Short or damaged on receipt"),
            cls.UNBOXING: _l("Packaging damage at the unboxing inspection"),
            cls.REPORTED: _l("Reported"),
        }


class Responsibility(TitledEnum):
    """Who answers for the damage or loss."""

    CARRIER = "carrier"
    OWN_FLEET = "own_fleet"
    WAREHOUSE = "warehouse"
    CUSTOMER = "customer"
    UNDETERMINED = "undetermined"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.CARRIER: _l("Carrier"),
            cls.OWN_FLEET: _l("Own fleet"),
            cls.WAREHOUSE: _l("Warehouse (packing, loading)"),
            cls.CUSTOMER: _l("Customer (unloading, storage)"),
            cls.UNDETERMINED: _l("Cannot be determined"),
        }


class DamageState(TitledEnum):
    DRAFT = "draft"
    REPORTED = "reported"
    ASSESSED = "assessed"
    CLAIMED = "claimed"
    SETTLED = "settled"
    CLAIM_REJECTED = "claim_rejected"
    CLOSED = "closed"
    VOID = "void"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.REPORTED: _l("Reported"),
            cls.ASSESSED: _l("Responsibility determined"),
            cls.CLAIMED: _l("Claimed from the carrier"),
            cls.SETTLED: _l("Claim settled"),
            cls.CLAIM_REJECTED: _l("Claim rejected by the carrier"),
            cls.CLOSED: _l("Closed"),
            cls.VOID: _l("Void"),
        }


#: states in which the record still waits for someone
OPEN_DAMAGE_STATES = frozenset(
    {
        DamageState.REPORTED,
        DamageState.ASSESSED,
        DamageState.CLAIMED,
        DamageState.SETTLED,
        DamageState.CLAIM_REJECTED,
    }
)


class TransitDamageRecord(RecordMixin, db.Model):
    """F03 运输异常记录: goods short or damaged in transit, who answers for it, and the claim."""

    __tablename__ = "delivery_damage_record"
    __table_args__ = (Index("ix_delivery_damage_record_status_id", "status", "id"),)

    shipping_note_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_shipping_note.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    source: Mapped[DamageSource] = mapped_column(String(16), default=DamageSource.REPORTED)
    description: Mapped[str] = mapped_column(Text, default="")
    reported_by_name: Mapped[str] = mapped_column(String(100), default="")
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the record that reported it (an unboxing inspection), with its page
    reference: Mapped[str] = mapped_column(String(64), default="")
    reference_url: Mapped[str] = mapped_column(String(300), default="")
    #: copied from the shipping note when the record is opened
    carrier: Mapped[str] = mapped_column(String(200), default="")
    waybill_no: Mapped[str] = mapped_column(String(64), default="")
    responsibility: Mapped[Responsibility | None] = mapped_column(String(16))
    responsibility_note: Mapped[str] = mapped_column(Text, default="")
    claim_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    claim_reference: Mapped[str] = mapped_column(String(64), default="")
    settled_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    close_reason: Mapped[str] = mapped_column(Text, default="")

    shipping_note: Mapped[ShippingNote | None] = relationship(back_populates="damage_records", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    items: Mapped[list[DamageItem]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="DamageItem.id", lazy="selectin"
    )

    @property
    def source_title(self) -> str:
        return DamageSource(self.source).title if self.source else ""

    @property
    def responsibility_title(self) -> str:
        return Responsibility(self.responsibility).title if self.responsibility else ""

    @property
    def is_carrier_liable(self) -> bool:
        return self.responsibility == Responsibility.CARRIER


class DamageItem(db.Model):
    """One line of goods short or damaged, as shipped and as received."""

    __tablename__ = "delivery_damage_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_damage_record.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_shipping_line.id"))
    model: Mapped[str] = mapped_column(String(64), default="")
    product_name: Mapped[str] = mapped_column(String(200), default="")
    #: serial numbers or batch
    identification: Mapped[str] = mapped_column(String(500), default="")
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    damaged_quantity: Mapped[int] = mapped_column(Integer, default=0)
    remark: Mapped[str] = mapped_column(String(500), default="")

    record: Mapped[TransitDamageRecord] = relationship(back_populates="items")

    @property
    def shortage(self) -> int:
        return max(0, self.shipped_quantity - self.received_quantity)
