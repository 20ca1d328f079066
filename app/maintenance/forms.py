"""The maintenance procedure's forms: the plan, bulk plans, the appointment, a part, completion."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import strip as _strip
from app.core.masterdata.models import Customer, Product, Unit
from app.core.records.engine.forms import StepForm
from app.extensions import db
from app.maintenance.models import IntervalUnit


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the units of a plan)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _people_choices(users) -> list[tuple[str, str]]:
    return [("", _("— choose —"))] + [(str(u.id), u.display_name) for u in users]


class ScheduleFields(FlaskForm):
    """How often, from when, by whom: the part of a plan bulk creation shares."""

    interval_count = IntegerField(
        _l("Every"), validators=[InputRequired(), NumberRange(min=1, max=60)], default=3
    )
    interval_unit = SelectField(
        _l("Interval"), validators=[DataRequired()], default=IntervalUnit.MONTHS.value
    )
    start_date = DateField(_l("First visit due"), validators=[DataRequired()])
    engineer_id = SelectField(_l("Responsible engineer"), validators=[DataRequired()])
    sales_id = SelectField(_l("Salesperson"), validators=[Optional()])
    contract_no = StringField(
        _l("Contract number"), validators=[Optional(), Length(max=64)], filters=[_strip]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[_strip])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from app.maintenance.services import engineers, sales_people

        self.interval_unit.choices = IntervalUnit.choices()
        self.engineer_id.choices = _people_choices(engineers())
        self.sales_id.choices = _people_choices(sales_people())
        for name in ("engineer_id", "sales_id"):
            value = self[name].data
            if value is not None and not isinstance(value, str):
                self[name].data = str(value)

    def schedule_values(self) -> dict:
        return {
            "interval_count": self.interval_count.data,
            "interval_unit": self.interval_unit.data,
            "start_date": self.start_date.data,
            "engineer_id": int(self.engineer_id.data),
            "sales_id": int(self.sales_id.data) if self.sales_id.data else None,
            "contract_no": self.contract_no.data or "",
            "note": self.note.data or "",
        }


class PlanForm(ScheduleFields):
    """F01 for one unit or several units of one customer."""

    customer_id = IntegerField(
        _l("Customer"), validators=[InputRequired(message=_l("Pick the customer by its name."))]
    )
    unit_ids = MultiCheckboxField(_l("Units"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_ids.choices = [(u.id, f"{u.serial} · {u.product}") for u in self.customer_units]

    @property
    def customer(self) -> Customer | None:
        return db.session.get(Customer, self.customer_id.data) if self.customer_id.data else None

    @property
    def customer_units(self) -> list[Unit]:
        if not self.customer_id.data:
            return []
        return list(
            db.session.scalars(
                select(Unit).where(Unit.customer_id == self.customer_id.data).order_by(Unit.serial)
            ).unique()
        )

    def validate_customer_id(self, field) -> None:
        if field.data and self.customer is None:
            raise ValidationError(_("There is no such customer."))

    def validate_unit_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Tick at least one unit of the customer."))

    def values(self) -> dict:
        return {"customer_id": self.customer_id.data, **self.schedule_values()}


class BulkPlanForm(ScheduleFields):
    """Plans for every unit of a customer, or of a product, at once."""

    basis = SelectField(_l("Units"), validators=[DataRequired()])
    customer_id = IntegerField(_l("Customer"), validators=[Optional()])
    product_id = SelectField(_l("Product"), validators=[Optional()])
    grouping = SelectField(_l("Plans"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.basis.choices = [
            ("customer", _("All units of one customer")),
            ("product", _("All units of one product")),
        ]
        products = db.session.scalars(select(Product).order_by(Product.model))
        self.product_id.choices = [("", _("— choose —"))] + [(str(p.id), str(p)) for p in products]
        self.grouping.choices = [
            ("customer", _("One plan per customer, covering its units")),
            ("unit", _("One plan per unit")),
        ]

    @property
    def customer(self) -> Customer | None:
        return db.session.get(Customer, self.customer_id.data) if self.customer_id.data else None

    def validate_customer_id(self, field) -> None:
        if self.basis.data == "customer":
            if not field.data:
                raise ValidationError(_("Pick the customer by its name."))
            if self.customer is None:
                raise ValidationError(_("There is no such customer."))

    def validate_product_id(self, field) -> None:
        if self.basis.data == "product":
            if not field.data:
                raise ValidationError(_("Choose the product."))
            if db.session.get(Product, int(field.data)) is None:
                raise ValidationError(_("There is no such product."))


class ConfirmForm(StepForm):
    """The appointment agreed with the customer."""

    appointment_date = DateField(_l("Date agreed"), validators=[DataRequired()])
    appointment_time = TimeField(_l("Time"), validators=[Optional()])
    contact_name = StringField(
        _l("Customer contact"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    contact_phone = StringField(
        _l("Contact phone"), validators=[Optional(), Length(max=50)], filters=[_strip]
    )
    appointment_note = StringField(_l("Note"), validators=[Optional(), Length(max=500)], filters=[_strip])

    def setup(self, record) -> None:
        if self.is_posted:
            return
        if isinstance(self.appointment_time.data, str):
            try:
                self.appointment_time.data = dt.time.fromisoformat(self.appointment_time.data)
            except ValueError:
                self.appointment_time.data = None
        if self.appointment_date.data is None:
            self.appointment_date.data = record.due_date
        customer = record.customer
        if not self.contact_name.data and customer is not None and customer.contacts:
            self.contact_name.data = customer.contacts[0].name
            self.contact_phone.data = customer.contacts[0].phone or customer.phone

    def values(self) -> dict:
        data = super().values()
        data["appointment_time"] = (
            self.appointment_time.data.strftime("%H:%M") if self.appointment_time.data else ""
        )
        data["contact_phone"] = data.get("contact_phone") or ""
        data["appointment_note"] = data.get("appointment_note") or ""
        return data


class CompleteForm(StepForm):
    """The end of the visit: findings, retraining, who signed for the customer."""

    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=4000)], filters=[_strip])
    retraining_given = BooleanField(_l("Retraining given"))
    retraining_note = TextAreaField(
        _l("Retraining (trainees, content, hours)"),
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
    )
    customer_signer = StringField(
        _l("Signed by (customer)"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )

    def setup(self, record) -> None:
        if self.is_posted or record.customer_signer:
            return
        from app.maintenance.services import customer_signature

        signature = customer_signature(record)
        self.customer_signer.data = signature.signer_name if signature is not None else record.contact_name

    def validate_retraining_note(self, field) -> None:
        if self.retraining_given.data and not field.data:
            raise ValidationError(_("Say who was retrained, on what and for how long."))

    def values(self) -> dict:
        data = super().values()
        data["retraining_given"] = bool(data["retraining_given"])
        data["retraining_note"] = data.get("retraining_note") or ""
        from app.maintenance.services import completion_values

        return completion_values(self.record, data)


class PartForm(FlaskForm):
    """One part used on the visit."""

    part_no = StringField(_l("Part No."), validators=[DataRequired(), Length(max=64)], filters=[_strip])
    part_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    quantity = IntegerField(
        _l("Quantity"), validators=[InputRequired(), NumberRange(min=1, max=9999)], default=1
    )
    from_warehouse = BooleanField(_l("Request it from the warehouse"))

    def values(self) -> dict:
        return {
            "part_no": self.part_no.data,
            "part_name": self.part_name.data,
            "quantity": self.quantity.data,
            "from_warehouse": bool(self.from_warehouse.data),
        }
