"""Forms for customers (with their contact rows), products and units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import strip as _strip
from app.core.masterdata.models import Customer, Product, RegionClass
from app.extensions import db

#: the columns of one contact row; each row posts the same names, so rows can be added and
#: removed in the browser without renumbering anything
CONTACT_FIELDS = ("name", "position", "phone", "email")
CONTACT_LIMITS = {"name": 100, "position": 100, "phone": 50, "email": 200}


@dataclass
class ContactRow:
    """One contact as typed in the form, with its errors by field."""

    id: int | None = None
    name: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_blank(self) -> bool:
        return not any(getattr(self, f) for f in CONTACT_FIELDS)

    def as_data(self) -> dict:
        return {"id": self.id, **{f: getattr(self, f) for f in CONTACT_FIELDS}}


class CustomerForm(FlaskForm):
    name = StringField(_l("Customer name"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    region_class = SelectField(_l("Region class"), validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)], filters=[_strip])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)], filters=[_strip])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)], filters=[_strip])

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.region_class.choices = [("", _("— choose —")), *RegionClass.choices()]
        if self.is_submitted():
            self.contact_rows = self._rows_from_request()
        elif customer is not None:
            self.contact_rows = [
                ContactRow(c.id, c.name, c.position, c.phone, c.email) for c in customer.contacts
            ]
        else:
            self.contact_rows = []
        if not self.contact_rows:
            self.contact_rows.append(ContactRow())

    def _rows_from_request(self) -> list[ContactRow]:
        from flask import request

        columns = {f: request.form.getlist(f"contact_{f}") for f in ("id", *CONTACT_FIELDS)}
        count = max(len(values) for values in columns.values())
        rows = []
        for i in range(count):
            values = {f: (columns[f][i].strip() if i < len(columns[f]) else "") for f in CONTACT_FIELDS}
            raw_id = columns["id"][i] if i < len(columns["id"]) else ""
            rows.append(ContactRow(int(raw_id) if raw_id.isdigit() else None, **values))
        return rows

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        own_ids = {c.id for c in self.customer.contacts} if self.customer is not None else set()
        for row in self.contact_rows:
            if row.id is not None and row.id not in own_ids:
                row.id = None  # never let a form take over another customer's contact
            if row.is_blank:
                continue
            if not row.name:
                row.errors["name"] = _("A contact needs at least a name.")
            for name, limit in CONTACT_LIMITS.items():
                if len(getattr(row, name)) > limit:
                    row.errors[name] = _("At most %(max)s characters.", max=limit)
            if row.email and "@" not in row.email:
                row.errors["email"] = _("Not a valid e-mail address.")
        if ok and self.name.data and _customer_name_taken(self.name.data, self.customer):
            self.name.errors.append(_("A customer with this name exists already."))
            ok = False
        return ok and not any(row.errors for row in self.contact_rows)

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "region_class": self.region_class.data,
            "address": self.address.data or "",
            "phone": self.phone.data or "",
            "notes": self.notes.data or "",
            "contacts": [row.as_data() for row in self.contact_rows if not row.is_blank],
        }


def _customer_name_taken(name: str, customer: Customer | None) -> bool:
    from sqlalchemy import func

    query = select(Customer.id).where(func.lower(Customer.name) == name.strip().lower())
    if customer is not None:
        query = query.where(Customer.id != customer.id)
    return db.session.scalar(query.limit(1)) is not None


class ProductForm(FlaskForm):
    model = StringField(_l("Model"), validators=[DataRequired(), Length(max=64)], filters=[_strip])
    name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    warranty_months = IntegerField(
        _l("Warranty (months)"),
        validators=[InputRequired(), NumberRange(min=0, max=120)],
        default=12,
    )

    def __init__(self, *args, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok:
            from sqlalchemy import func

            query = select(Product.id).where(func.lower(Product.model) == self.model.data.lower())
            if self.product is not None:
                query = query.where(Product.id != self.product.id)
            if db.session.scalar(query.limit(1)) is not None:
                self.model.errors.append(_("A product with this model exists already."))
                ok = False
        return ok

    def data_for_service(self) -> dict:
        return {
            "model": self.model.data,
            "name": self.name.data,
            "warranty_months": self.warranty_months.data,
        }


class UnitForm(FlaskForm):
    serial = StringField(_l("Serial number"), validators=[DataRequired(), Length(max=64)], filters=[_strip])
    batch = StringField(_l("Batch number"), validators=[Optional(), Length(max=64)], filters=[_strip])
    product_id = SelectField(_l("Product"), validators=[DataRequired()])
    #: picked through the customer type-ahead; the hidden input carries the id
    customer_id = StringField(_l("Customer"), validators=[Optional()])
    site = StringField(_l("Site"), validators=[Optional(), Length(max=300)], filters=[_strip])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    ship_date = DateField(_l("Ship date"), validators=[Optional()])
    install_date = DateField(_l("Install (acceptance) date"), validators=[Optional()])

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        products = db.session.scalars(select(Product).order_by(Product.model)).all()
        self.product_id.choices = [("", _("— choose —"))] + [(str(p.id), str(p)) for p in products]
        if not self.is_submitted() and unit is not None:
            self.product_id.data = str(unit.product_id)
            self.customer_id.data = str(unit.customer_id or "")
        self.picked_customer: Customer | None = None

    @property
    def selected_customer(self) -> Customer | None:
        """The customer the hidden field names, to show its name in the type-ahead box."""
        raw = str(self.customer_id.data or "").strip()
        return db.session.get(Customer, int(raw)) if raw.isdigit() else None

    def validate(self, extra_validators=None) -> bool:
        from app.core.masterdata.services import serial_taken

        ok = super().validate(extra_validators)
        raw = (self.customer_id.data or "").strip()
        if raw:
            customer = db.session.get(Customer, int(raw)) if raw.isdigit() else None
            if customer is None:
                self.customer_id.errors.append(_("Pick a customer from the list."))
                ok = False
            self.picked_customer = customer
        ok = _check_date_order(self.production_date, self.ship_date, self.install_date) and ok
        if self.serial.data and serial_taken(self.serial.data, exclude=self.unit):
            self.serial.errors.append(_("A unit with this serial number exists already."))
            ok = False
        return ok

    def data_for_service(self) -> dict:
        return {
            "serial": self.serial.data,
            "batch": self.batch.data or "",
            "product_id": int(self.product_id.data),
            "customer_id": self.picked_customer.id if self.picked_customer else None,
            "site": self.site.data or "",
            "production_date": self.production_date.data,
            "ship_date": self.ship_date.data,
            "install_date": self.install_date.data,
        }


def date_order_errors(
    production: dt.date | None, ship: dt.date | None, install: dt.date | None
) -> dict[str, str]:
    """A unit ships after it is made and is accepted after it ships."""
    errors = {}
    if production and ship and ship < production:
        errors["ship_date"] = _("The ship date is before the production date.")
    latest = ship or production
    if latest and install and install < latest:
        errors["install_date"] = (
            _("The install date is before the ship date.")
            if ship
            else _("The install date is before the production date.")
        )
    return errors


def _check_date_order(production, ship, install) -> bool:
    errors = date_order_errors(production.data, ship.data, install.data)
    for name, message in errors.items():
        {"ship_date": ship, "install_date": install}[name].errors.append(message)
    return not errors
