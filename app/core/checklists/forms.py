"""The admin forms of the checklists: a template's header and one item (a table row)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.checklists.models import ChecklistPurpose, ItemKind, plain_number
from app.core.forms import strip as _strip
from app.core.masterdata.models import Product
from app.extensions import db

#: the largest limit the column holds (12 digits, 3 after the point)
MAX_LIMIT = Decimal("999999999.999")


def _plain_limit(form, field) -> None:
    value = field.data
    if value is None:
        return
    if not value.is_finite() or abs(value) > MAX_LIMIT:
        raise ValidationError(_("A number from -999999999.999 to 999999999.999."))
    if value != value.quantize(Decimal("0.001")):
        raise ValidationError(_("At most three decimals."))


class TemplateForm(FlaskForm):
    """The checklist of one product for one purpose."""

    product_id = SelectField(_l("Product"), validators=[DataRequired(message=_l("Choose the product."))])
    purpose = SelectField(_l("Purpose"), validators=[DataRequired()])
    title_zh = StringField(
        _l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)], filters=[_strip])
    is_active = BooleanField(_l("In use"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = db.session.scalars(select(Product).order_by(Product.model))
        self.product_id.choices = [("", _("— choose —"))] + [(str(p.id), str(p)) for p in products]
        self.purpose.choices = ChecklistPurpose.choices()
        if self.product_id.data is not None and not isinstance(self.product_id.data, str):
            self.product_id.data = str(self.product_id.data)

    def values(self) -> dict:
        return {
            "product_id": int(self.product_id.data),
            "purpose": self.purpose.data,
            "title_zh": self.title_zh.data,
            "title_en": self.title_en.data or "",
            "is_active": bool(self.is_active.data),
        }


class ItemForm(FlaskForm):
    """One check of a checklist; a measured one has a unit and a lower and/or upper limit."""

    position = IntegerField(_l("No."), validators=[Optional(), NumberRange(min=1, max=999)])
    text_zh = StringField(
        _l("Check (Chinese)"), validators=[DataRequired(), Length(max=300)], filters=[_strip]
    )
    text_en = StringField(_l("Check (English)"), validators=[Optional(), Length(max=300)], filters=[_strip])
    kind = SelectField(_l("Answer"), validators=[DataRequired()])
    unit = StringField(_l("Unit of measure"), validators=[Optional(), Length(max=16)], filters=[_strip])
    low = DecimalField(_l("Lower limit"), places=None, validators=[Optional(), _plain_limit])
    high = DecimalField(_l("Upper limit"), places=None, validators=[Optional(), _plain_limit])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = ItemKind.choices()
        for limit in (self.low, self.high):  # shown as people write them: 24, not 24.000
            if limit.data is not None and not limit.raw_data:
                limit.data = Decimal(plain_number(limit.data))

    def validate_high(self, field) -> None:
        if field.data is not None and self.low.data is not None and field.data < self.low.data:
            raise ValidationError(_("The upper limit is below the lower limit."))

    def values(self) -> dict:
        return {
            "position": self.position.data,
            "text_zh": self.text_zh.data,
            "text_en": self.text_en.data or "",
            "kind": self.kind.data,
            "unit": self.unit.data or "",
            "low": self.low.data,
            "high": self.high.data,
        }
