"""The delivery procedure's forms: the shipping note and its lines, and the fields each step asks for."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import strip as _strip
from app.core.forms import to_aware, to_local_input
from app.core.masterdata.models import Customer, Product
from app.core.records.engine.forms import StepForm
from app.extensions import db

#: most lines and serial numbers one note takes
MAX_LINES = 50
MAX_QUANTITY = 9999
SERIAL_SPLIT = re.compile(r"[\s,;，；、]+")


def method_choices(blank: bool = True) -> list[tuple[str, str]]:
    from app.delivery.models import DeliveryMethod

    return ([("", _("— choose —"))] if blank else []) + DeliveryMethod.choices()


class NoteForm(FlaskForm):
    """The head of a shipping note (F01 发货单) as Sales fills it in; the lines come separately."""

    customer_id = IntegerField(_l("Customer"), validators=[InputRequired(message=_l("Pick the customer."))])
    site = StringField(
        _l("Site"), validators=[Optional(), Length(max=300)], filters=[_strip],
        description=_l("Where the goods go; the customer's address when left empty."),
    )  # fmt: skip
    planned_date = DateField(_l("Delivery date"), validators=[DataRequired()])
    delivery_method = SelectField(_l("Delivery method"), validators=[DataRequired()])
    contact_name = StringField(_l("Consignee"), validators=[Optional(), Length(max=100)], filters=[_strip])
    contact_phone = StringField(
        _l("Consignee's phone"), validators=[Optional(), Length(max=50)], filters=[_strip]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[_strip])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivery_method.choices = method_choices()

    @property
    def customer(self) -> Customer | None:
        return db.session.get(Customer, self.customer_id.data) if self.customer_id.data else None

    def validate_customer_id(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data and self.customer is None:
            raise ValidationError(_("There is no such customer."))

    def values(self) -> dict:
        customer = self.customer
        return {
            "customer_id": self.customer_id.data,
            "site": self.site.data or (customer.address if customer else ""),
            "planned_date": self.planned_date.data,
            "delivery_method": self.delivery_method.data,
            "contact_name": self.contact_name.data or "",
            "contact_phone": self.contact_phone.data or "",
            "note": self.note.data or "",
        }


# --- lines ----------------------------------------------------------------------------------------------


def split_serials(text: str) -> list[str]:
    """Serial numbers typed or picked one a line (commas and spaces separate them too)."""
    return [s for s in SERIAL_SPLIT.split(text or "") if s]


class LineEntry:
    """One line as typed: product, quantity, batch, serial numbers — with its errors."""

    def __init__(self, product_id="", quantity="", batch="", serials="", position=0):
        self.product_text = (product_id or "").strip()
        self.quantity_text = (quantity or "").strip()
        self.batch = (batch or "").strip()
        self.serials_text = (serials or "").strip()
        self.position = position
        self.errors: dict[str, str] = {}
        self.product: Product | None = None
        self.quantity: int | None = None
        self.serials: list[str] = []

    @classmethod
    def of(cls, line) -> LineEntry:
        """A saved line, as the form shows it."""
        return cls(
            str(line.product_id), str(line.quantity), line.batch, "\n".join(line.serials), line.position
        )

    @property
    def product_id(self) -> int | None:
        return int(self.product_text) if self.product_text.isdigit() else None

    @property
    def is_blank(self) -> bool:
        return not (self.product_text or self.quantity_text or self.batch or self.serials_text)

    def check(self) -> bool:
        """The line on its own: a product, a quantity, and serial numbers for each unit or a batch."""
        self.product = db.session.get(Product, self.product_id) if self.product_id else None
        if self.product is None:
            self.errors["product_id"] = _("Choose the product.")
        try:
            self.quantity = int(self.quantity_text)
            if not 1 <= self.quantity <= MAX_QUANTITY:
                raise ValueError
        except ValueError:
            self.quantity = None
            self.errors["quantity"] = _("A whole number from 1 to %(max)s.", max=MAX_QUANTITY)
        if len(self.batch) > 64:
            self.errors["batch"] = _("At most 64 characters.")
        self.serials = split_serials(self.serials_text)
        too_long = [s for s in self.serials if len(s) > 64]
        twice = sorted({s for s in self.serials if self.serials.count(s) > 1})
        if too_long:
            self.errors["serials"] = _(
                "A serial number has at most 64 characters: %(serial)s", serial=too_long[0]
            )
        elif twice:
            self.errors["serials"] = _("Listed twice: %(serials)s", serials=", ".join(twice))
        elif self.serials and self.quantity is not None and len(self.serials) != self.quantity:
            self.errors["serials"] = _(
                "%(count)s serial numbers for a quantity of %(quantity)s: one for each unit.",
                count=len(self.serials),
                quantity=self.quantity,
            )
        elif not self.serials and not self.batch:
            self.errors["batch"] = _("Enter the serial numbers or the batch number.")
        return not self.errors

    def values(self) -> dict:
        return {
            "product_id": self.product.id,
            "model": self.product.model,
            "product_name": self.product.name,
            "quantity": self.quantity,
            "batch": self.batch,
            "serials": list(self.serials),
        }


def read_lines(formdata) -> list[LineEntry]:
    """The lines posted as parallel lists (``product_id``, ``quantity``, ``batch``, ``serials``);
    blank rows are dropped, the others checked on their own (stock is checked by the service)."""
    products = formdata.getlist("product_id")
    quantities = formdata.getlist("quantity")
    batches = formdata.getlist("batch")
    serials = formdata.getlist("serials")
    entries = []
    for index, product in enumerate(products[: MAX_LINES + 5]):
        entry = LineEntry(
            product,
            quantities[index] if index < len(quantities) else "",
            batches[index] if index < len(batches) else "",
            serials[index] if index < len(serials) else "",
        )
        if not entry.is_blank:
            entry.position = len(entries) + 1
            entries.append(entry)
    for entry in entries:
        entry.check()
    return entries


def product_choices() -> list[tuple[str, str]]:
    products = db.session.scalars(select(Product).order_by(Product.model))
    return [("", _("— choose —"))] + [(str(p.id), str(p)) for p in products]


# --- the fields each step asks for ---------------------------------------------------------------------


class ReleaseForm(StepForm):
    """Who carries the goods: the customer's representative, or the driver (and the carrier)."""

    delivery_method = SelectField(_l("Delivery method"), validators=[DataRequired()])
    carrier = StringField(_l("Carrier"), validators=[Optional(), Length(max=200)], filters=[_strip])
    waybill_no = StringField(_l("Waybill number"), validators=[Optional(), Length(max=64)], filters=[_strip])
    vehicle_no = StringField(_l("Vehicle"), validators=[Optional(), Length(max=32)], filters=[_strip])
    driver_name = StringField(_l("Driver"), validators=[Optional(), Length(max=100)], filters=[_strip])
    driver_phone = StringField(
        _l("Driver's phone"), validators=[Optional(), Length(max=50)], filters=[_strip]
    )
    pickup_person = StringField(
        _l("Customer's representative"), validators=[Optional(), Length(max=100)], filters=[_strip]
    )

    def setup(self, record) -> None:
        self.delivery_method.choices = method_choices()

    def validate(self, extra_validators=None) -> bool:
        from app.delivery.models import DeliveryMethod

        valid = super().validate(extra_validators)
        needed = {
            DeliveryMethod.PICKUP.value: ("pickup_person",),
            DeliveryMethod.OWN_FLEET.value: ("driver_name",),
            DeliveryMethod.CARRIER.value: ("carrier", "waybill_no", "driver_name"),
        }.get(self.delivery_method.data or "", ())
        for name in needed:
            if not self[name].data:
                self[name].errors = [*self[name].errors, _("Needed for this delivery method.")]
                valid = False
        return valid

    def values(self) -> dict:
        data = {name: (field.data or "") for name, field in self._fields.items()}
        data["delivery_method"] = self.delivery_method.data or None
        return data


class ReceiveForm(StepForm):
    """The customer's receipt: who signed, when; the quantities are on the lines already."""

    receiver_name = StringField(
        _l("Received by (customer)"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    received_at = DateTimeLocalField(_l("Received at"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    receipt_note = TextAreaField(
        _l("Remarks on receipt"), validators=[Optional(), Length(max=2000)], filters=[_strip]
    )

    def setup(self, record) -> None:
        if self.is_posted:
            return
        self.received_at.data = to_local_input(record.received_at or dt.datetime.now(dt.UTC))
        if not record.receiver_name:
            signature = record.receipt_signature
            self.receiver_name.data = (signature.signer_name or "") if signature is not None else ""

    def values(self) -> dict:
        signature = self.record.receipt_signature
        return {
            "receiver_name": self.receiver_name.data,
            "received_at": to_aware(self.received_at.data),
            "receipt_note": self.receipt_note.data or "",
            "receipt_signature_attachment_id": signature.id if signature is not None else None,
        }


class AssessForm(StepForm):
    responsibility = SelectField(_l("Responsibility"), validators=[DataRequired()])
    responsibility_note = TextAreaField(
        _l("Findings"), validators=[Optional(), Length(max=4000)], filters=[_strip]
    )

    def setup(self, record) -> None:
        from app.delivery.models import Responsibility

        self.responsibility.choices = [("", _("— choose —")), *Responsibility.choices()]


class ClaimForm(StepForm):
    claim_amount = DecimalField(
        _l("Amount claimed"), places=2, validators=[InputRequired(), NumberRange(min=0)]
    )
    claim_reference = StringField(
        _l("Claim reference"), validators=[Optional(), Length(max=64)], filters=[_strip]
    )

    def values(self) -> dict:
        return {"claim_amount": self.claim_amount.data, "claim_reference": self.claim_reference.data or ""}


class SettleForm(StepForm):
    settled_amount = DecimalField(
        _l("Amount settled"), places=2, validators=[InputRequired(), NumberRange(min=0)]
    )


class DamageReportForm(FlaskForm):
    """A transit damage or loss reported by hand on a shipping note (photos come with it)."""

    description = TextAreaField(
        _l("What is short or damaged"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
