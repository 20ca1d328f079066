"""Repair settings: the fault category list and the fee scale quotations are priced from.

One page, two tables edited in place: each row posts on its own (``hx-post``) and gets itself
back, with its errors (422) or refused as stale (409). Only the people of
:func:`~app.repair.views.cases.can_manage_settings` see the page or change anything.
"""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from app.core.permissions import requires
from app.core.records.engine.errors import ValidationError
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db
from app.repair import bp
from app.repair.forms import FaultCategoryForm
from app.repair.models import FaultCategory, FeeItem, FeeRate
from app.repair.services import set_fee_rate
from app.repair.settings_services import create_fault_category, update_fault_category
from app.repair.views.cases import can_manage_settings

TEMPLATE = "repair/settings.html"
#: the largest price the scale takes (the column holds 12 digits, 2 after the point)
MAX_AMOUNT = Decimal("9999999.99")


def _plain_price(form, field) -> None:
    """A finite amount with at most two decimals (``Decimal`` also reads ``NaN`` and ``1E+9``)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise StopValidation(_("A price from 0 to 9999999.99."))
    if value != value.quantize(Decimal("0.01")):
        raise StopValidation(_("At most two decimals, e.g. 150.50."))


class FeeRateForm(FlaskForm):
    """One price of the fee scale, in yuan with at most two decimals."""

    amount = DecimalField(
        _l("Price (CNY)"),
        places=2,
        validators=[
            InputRequired(message=_l("Enter the price.")),
            _plain_price,
            NumberRange(min=0, max=MAX_AMOUNT, message=_l("A price from 0 to 9999999.99.")),
        ],
    )


def _actor():
    return current_user._get_current_object()


def get_category_or_404(category_id: int) -> FaultCategory:
    category = db.session.get(FaultCategory, category_id)
    if category is None:
        abort(404)
    return category


def _fee_item_or_404(value: str) -> FeeItem:
    try:
        return FeeItem(value)
    except ValueError:
        abort(404)


def _categories() -> list[FaultCategory]:
    return list(db.session.scalars(select(FaultCategory).order_by(FaultCategory.code)))


def _fee_row(item: FeeItem, rate: FeeRate | None, *, form: FeeRateForm | None = None, saved=False) -> dict:
    """What one row of the fee table shows: the price (or what was typed) and its error."""
    if form is not None:
        value = request.form.get("amount", "")
        error = " ".join(str(e) for e in form.amount.errors)
    else:
        value = f"{rate.amount:.2f}" if rate is not None else ""
        error = ""
    return {"item": item, "rate": rate, "value": value, "error": error, "saved": saved}


def _page(*, category_form=None, edited=None, fee=None, add_form=None, saved_id=None) -> dict:
    """The whole page's context; the row being answered shows its posted form instead."""
    rows = []
    for category in _categories():
        if edited is not None and category.id == edited.id:
            rows.append((category, category_form))
        else:
            rows.append((category, FaultCategoryForm(formdata=None, obj=category)))
    rates = {FeeItem(r.item): r for r in db.session.scalars(select(FeeRate))}
    fees = [
        fee if fee is not None and fee["item"] == item else _fee_row(item, rates.get(item))
        for item in FeeItem
    ]
    return {
        "category_rows": rows,
        "fees": fees,
        "add_form": add_form or FaultCategoryForm(formdata=None),
        "saved_id": saved_id,
    }


def _form_values(form: FaultCategoryForm) -> dict:
    return {
        "code": form.code.data,
        "name_zh": form.name_zh.data,
        "name_en": form.name_en.data,
        "is_active": bool(form.is_active.data),
    }


def _code_taken_error(form: FaultCategoryForm, error: ValidationError | None = None) -> None:
    message = (error.errors.get("code") if error else None) or _(
        "The code %(code)s is already used by another category.", code=form.code.data
    )
    form.code.errors = [*form.code.errors, str(message)]


@bp.route("/settings")
@requires(can_manage_settings)
def settings():
    return render(TEMPLATE, **_page())


@bp.route("/settings/categories", methods=["POST"])
@requires(can_manage_settings)
def category_new():
    form = FaultCategoryForm()
    if form.validate():
        try:
            category = create_fault_category(_form_values(form), actor=_actor())
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            _code_taken_error(form, error)
        except IntegrityError:  # the same code saved by someone else a moment ago
            db.session.rollback()
            _code_taken_error(form)
        else:
            flash(_("Fault category %(code)s added.", code=category.code), "success")
            return redirect_after_post(url_for("repair.settings"))
    return render(TEMPLATE, "category_add_form", status=422, **_page(add_form=form))


@bp.route("/settings/categories/<int:category_id>", methods=["POST"])
@requires(can_manage_settings)
def category_edit(category_id: int):
    category = get_category_or_404(category_id)
    check_version(category)
    form = FaultCategoryForm()
    status, saved = 422, False
    if form.validate():
        try:
            update_fault_category(category, _form_values(form), actor=_actor())
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            _code_taken_error(form, error)
        except IntegrityError:
            db.session.rollback()
            _code_taken_error(form)
        else:
            status, saved = 200, True
            form = FaultCategoryForm(formdata=None, obj=category)
    page = _page(category_form=form, edited=category, saved_id=category.id if saved else None)
    return render(TEMPLATE, "category_row", status=status, category=category, row_form=form, **page)


@bp.route("/settings/fees/<item>", methods=["POST"])
@requires(can_manage_settings)
def fee_edit(item: str):
    fee_item = _fee_item_or_404(item)
    rate = db.session.scalar(select(FeeRate).where(FeeRate.item == fee_item.value))
    if rate is not None:
        check_version(rate)
    elif request.form.get("version"):  # priced by someone else since the page was opened
        abort(409)
    form = FeeRateForm()
    if not form.validate():
        fee = _fee_row(fee_item, rate, form=form)
        return render(TEMPLATE, "fee_row", status=422, fee=fee, **_page(fee=fee))
    amount = form.amount.data.quantize(Decimal("0.01"))
    if rate is None or rate.amount != amount:
        rate = set_fee_rate(fee_item, amount, actor=_actor())
        db.session.commit()
    fee = _fee_row(fee_item, rate, saved=True)
    return render(TEMPLATE, "fee_row", fee=fee, **_page(fee=fee))
