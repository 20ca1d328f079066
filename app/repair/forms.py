"""The repair procedure's forms: intake, the fields each step asks for, quotation and requisition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
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
from app.core.masterdata.models import Customer, Unit
from app.core.records.engine.forms import StepForm
from app.extensions import db
from app.repair.models import Channel, FaultCategory, SupportKind

YES_NO = [("", "—"), ("yes", _l("Yes")), ("no", _l("No"))]


def _yes_no(value) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_text(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


class IntakeForm(FlaskForm):
    """F01 报修登记单 as the information clerk fills it in on the phone."""

    channel = SelectField(_l("Channel"), validators=[DataRequired()])
    received_at = DateTimeLocalField(_l("Received at"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    customer_id = IntegerField(_l("Customer"), validators=[Optional()])
    unit_id = IntegerField(
        _l("Unit"), validators=[InputRequired(message=_l("Pick the unit by its serial number."))]
    )
    contact_name = StringField(_l("Contact"), validators=[DataRequired(), Length(max=100)], filters=[_strip])
    contact_phone = StringField(
        _l("Contact phone"), validators=[Optional(), Length(max=50)], filters=[_strip]
    )
    symptom = TextAreaField(_l("Symptom"), validators=[DataRequired(), Length(max=4000)], filters=[_strip])
    fault_category_id = SelectField(_l("Fault category"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = Channel.choices()
        categories = db.session.scalars(
            select(FaultCategory).where(FaultCategory.is_active.is_(True)).order_by(FaultCategory.code)
        )
        self.fault_category_id.choices = [("", _("— choose —"))] + [(str(c.id), str(c)) for c in categories]
        if self.received_at.data is None and not self.is_submitted():
            self.received_at.data = to_local_input(dt.datetime.now(dt.UTC))

    @property
    def unit(self) -> Unit | None:
        return db.session.get(Unit, self.unit_id.data) if self.unit_id.data else None

    @property
    def customer(self) -> Customer | None:
        return db.session.get(Customer, self.customer_id.data) if self.customer_id.data else None

    def validate_unit_id(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data and self.unit is None:
            raise ValidationError(_("There is no such unit."))

    def values(self) -> dict:
        return {
            "channel": self.channel.data,
            "received_at": to_aware(self.received_at.data),
            "customer_id": self.customer_id.data or None,
            "unit_id": self.unit_id.data,
            "contact_name": self.contact_name.data,
            "contact_phone": self.contact_phone.data or "",
            "symptom": self.symptom.data,
            "fault_category_id": int(self.fault_category_id.data),
        }


# --- the fields each step asks for ------------------------------------------------------------------


class DispatchForm(StepForm):
    engineer_id = SelectField(_l("Engineer"), validators=[DataRequired()])

    def setup(self, record) -> None:
        from app.repair.services import engineers

        self.engineer_id.choices = [("", _("— choose —"))] + [
            (str(u.id), u.display_name) for u in engineers()
        ]
        if not self.is_posted and record.engineer_id:
            self.engineer_id.data = str(record.engineer_id)

    def values(self) -> dict:
        return {"engineer_id": int(self.engineer_id.data)}


class ScheduleForm(StepForm):
    appointment_at = DateTimeLocalField(
        _l("Appointment"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M"
    )
    appointment_note = StringField(
        _l("Appointment note"), validators=[Optional(), Length(max=500)], filters=[_strip]
    )

    def setup(self, record) -> None:
        if not self.is_posted:
            self.appointment_at.data = to_local_input(record.appointment_at)

    def values(self) -> dict:
        return {
            "appointment_at": to_aware(self.appointment_at.data),
            "appointment_note": self.appointment_note.data or "",
        }


class DiagnosisForm(StepForm):
    """The fault as found on site; whether the customer caused it (then it is paid even in warranty)."""

    fault_found = TextAreaField(
        _l("Fault found"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )


class PaidDiagnosisForm(DiagnosisForm):
    customer_caused = BooleanField(_l("Caused by the customer"))


class SupportForm(StepForm):
    support_kind = SelectField(_l("Support needed"), validators=[DataRequired()])
    support_request = TextAreaField(
        _l("Support request"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )

    def setup(self, record) -> None:
        self.support_kind.choices = [("", _("— choose —")), *SupportKind.choices()]


class SupportAnswerForm(StepForm):
    support_answer = TextAreaField(
        _l("Support given"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )


class CompletionForm(StepForm):
    """The repair record (F04): cause, action, parts, hours, and the customer's opinion."""

    cause = TextAreaField(_l("Cause"), validators=[DataRequired(), Length(max=4000)], filters=[_strip])
    action_taken = TextAreaField(
        _l("Action taken"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
    parts_used = TextAreaField(_l("Parts used"), validators=[Optional(), Length(max=2000)], filters=[_strip])
    hours = DecimalField(_l("Hours"), places=1, validators=[InputRequired(), NumberRange(min=0, max=999)])
    customer_signer = StringField(
        _l("Signed by (customer)"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    is_fixed = SelectField(_l("Fixed?"), validators=[DataRequired()])
    is_satisfied = SelectField(_l("Satisfied?"), validators=[DataRequired()])
    customer_opinion = TextAreaField(
        _l("Customer's opinion"), validators=[Optional(), Length(max=2000)], filters=[_strip]
    )

    def setup(self, record) -> None:
        self.is_fixed.choices = self.is_satisfied.choices = list(YES_NO)
        if self.is_posted:
            return
        self.is_fixed.data = _yes_no_text(record.is_fixed)
        self.is_satisfied.data = _yes_no_text(record.is_satisfied)
        if not record.customer_signer:
            from app.repair.services import customer_signature

            signature = customer_signature(record)
            self.customer_signer.data = signature.signer_name if signature is not None else ""

    def values(self) -> dict:
        data = super().values()
        data["is_fixed"] = _yes_no(self.is_fixed.data)
        data["is_satisfied"] = _yes_no(self.is_satisfied.data)
        return data


class FeeForm(StepForm):
    fee_collected = DecimalField(
        _l("Fee collected"), places=2, validators=[InputRequired(), NumberRange(min=0)]
    )
    invoice_no = StringField(
        _l("Invoice number"), validators=[DataRequired(), Length(max=64)], filters=[_strip]
    )


class AcceptQuotationForm(StepForm):
    accepted_price = DecimalField(
        _l("Price accepted"), places=2, validators=[InputRequired(), NumberRange(min=0)]
    )
    payment_due = DateField(_l("Payment date"), validators=[DataRequired()])

    def setup(self, record) -> None:
        if not self.is_posted and record.accepted_price is None:
            self.accepted_price.data = record.total


# --- quotation and requisition lines ------------------------------------------------------------------


class PartLine:
    """One line of parts as typed: part no., name, quantity (and price), with its errors."""

    def __init__(self, part_no="", part_name="", quantity="", unit_price="", returns_failed_part=True):
        self.part_no = (part_no or "").strip()
        self.part_name = (part_name or "").strip()
        self.quantity_text = (quantity or "").strip()
        self.price_text = (unit_price or "").strip()
        self.returns_failed_part = returns_failed_part
        self.errors: dict[str, str] = {}
        self.quantity: int | None = None
        self.unit_price: Decimal | None = None

    def values(self, *, priced: bool = False, with_returns: bool = False) -> dict:
        """The checked line as the model's columns (quotation line or requisition line)."""
        data = {"part_no": self.part_no, "part_name": self.part_name, "quantity": self.quantity}
        if priced:
            data["unit_price"] = self.unit_price
        if with_returns:
            data["returns_failed_part"] = self.returns_failed_part
        return data

    @property
    def is_blank(self) -> bool:
        return not (self.part_no or self.part_name or self.quantity_text or self.price_text)

    def check(self, *, priced: bool) -> bool:
        if not self.part_no:
            self.errors["part_no"] = _("Enter the part number.")
        elif len(self.part_no) > 64:
            self.errors["part_no"] = _("At most 64 characters.")
        if not self.part_name:
            self.errors["part_name"] = _("Enter the part name.")
        elif len(self.part_name) > 200:
            self.errors["part_name"] = _("At most 200 characters.")
        try:
            self.quantity = int(self.quantity_text)
            if not 1 <= self.quantity <= 9999:
                raise ValueError
        except ValueError:
            self.errors["quantity"] = _("A whole number from 1 to 9999.")
        if priced:
            try:
                self.unit_price = Decimal(self.price_text or "0").quantize(Decimal("0.01"))
                if self.unit_price < 0:
                    raise ValueError
            except (ValueError, ArithmeticError):
                self.errors["unit_price"] = _("A price of 0 or more, e.g. 120.50.")
        return not self.errors


def read_lines(formdata, *, priced: bool, with_returns: bool = False) -> tuple[list[PartLine], bool]:
    """The part lines posted as parallel lists (``part_no``, ``part_name``, ``quantity`` …).

    Blank rows are dropped; returns ``(lines, all_valid)``.
    """
    numbers = formdata.getlist("part_no")
    names = formdata.getlist("part_name")
    quantities = formdata.getlist("quantity")
    prices = formdata.getlist("unit_price") if priced else [""] * len(numbers)
    keeps = formdata.getlist("keeps_failed_part") if with_returns else []
    lines = []
    for index, (number, name, quantity) in enumerate(zip(numbers, names, quantities, strict=False)):
        price = prices[index] if index < len(prices) else ""
        line = PartLine(number, name, quantity, price, returns_failed_part=str(index) not in keeps)
        if not line.is_blank:
            lines.append(line)
    valid = all([line.check(priced=priced) for line in lines])
    return lines, valid


class QuotationForm(FlaskForm):
    labour_hours = DecimalField(
        _l("Labour hours"), places=1, validators=[InputRequired(), NumberRange(min=0, max=999)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[_strip])


class RequisitionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[_strip])


class FaultCategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)], filters=[_strip])
    name_zh = StringField(
        _l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    is_active = BooleanField(_l("In use"), default=True)
