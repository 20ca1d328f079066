"""Units: list, type-ahead by serial, detail with warranty and service archive, create and edit."""

from __future__ import annotations

import datetime as dt

from flask import flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.masterdata import bp
from app.core.masterdata.forms import UnitForm
from app.core.masterdata.models import Customer, Product, Unit
from app.core.masterdata.queries import (
    UNIT_SORTS,
    local_today,
    parse_sort,
    search_units,
    unit_query,
)
from app.core.masterdata.services import create_unit, serial_taken, update_unit
from app.core.masterdata.views._common import (
    actor,
    check_version,
    get_unit_or_404,
    int_arg,
    list_args,
    page_number,
    page_size,
    redirect_after_post,
    requires,
)
from app.core.masterdata.views.customers import lookup_context
from app.core.masterdata.warranty import WarrantyState, warranty_of
from app.core.pagination import paginate
from app.core.permissions import can_edit_master_data, login_required
from app.core.records.audit import history_of
from app.core.signals import collect_unit_history
from app.core.web import render
from app.extensions import db


@bp.route("/units")
@login_required
def units():
    q = request.args.get("q", "").strip()
    product_id = int_arg("product")
    customer_id = int_arg("customer")
    warranty = request.args.get("warranty", "")
    if warranty not in {WarrantyState.IN, WarrantyState.OUT, WarrantyState.UNKNOWN}:
        warranty = ""
    sort, descending = parse_sort(request.args.get("sort"), UNIT_SORTS, "serial")
    today = local_today()
    query = unit_query(q, product_id, customer_id, warranty, sort, descending, today=today)
    page = paginate(query, page_number(), page_size())
    return render(
        "core/masterdata/units.html",
        "unit_table",
        page=page,
        q=q,
        product_id=product_id,
        customer=db.session.get(Customer, customer_id) if customer_id else None,
        warranty=warranty,
        sort=sort,
        descending=descending,
        today=today,
        warranty_of=warranty_of,
        products=db.session.scalars(select(Product).order_by(Product.model)).all(),
        filters=list_args(q=q, product=product_id, customer=customer_id, warranty=warranty),
    )


@bp.route("/units/search")
@login_required
def unit_search():
    ctx = lookup_context("unit", [])
    ctx["items"] = search_units(ctx["q"], customer_id=request.args.get("customer_id", type=int))
    return render("core/masterdata/_lookup_results.html", **ctx)


def _save_unit(form: UnitForm, unit: Unit | None):
    """Create or update; a serial taken by a concurrent save surfaces as the same field error."""
    try:
        if unit is None:
            unit = create_unit(form.data_for_service(), actor=actor())
        else:
            update_unit(unit, form.data_for_service(), actor=actor())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if not serial_taken(form.serial.data, exclude=unit if unit is not None and unit.id else None):
            raise
        form.serial.errors.append(_("A unit with this serial number exists already."))
        return None
    return unit


@bp.route("/units/new", methods=["GET", "POST"])
@requires(can_edit_master_data)
def unit_new():
    form = UnitForm()
    if request.method == "POST":
        if form.validate():
            unit = _save_unit(form, None)
            if unit is not None:
                flash(_("Unit %(serial)s created.", serial=unit.serial), "success")
                return redirect_after_post(url_for("masterdata.unit_detail", unit_id=unit.id))
        return render("core/masterdata/unit_form.html", "unit_form", form=form, unit=None, status=422)
    customer_id = request.args.get("customer", type=int)
    if customer_id and (customer := db.session.get(Customer, customer_id)):
        form.customer_id.data = str(customer.id)
    return render("core/masterdata/unit_form.html", form=form, unit=None)


def _sort_key(event) -> dt.datetime:
    when = event[0]
    if isinstance(when, dt.datetime):
        return (
            when.replace(tzinfo=None) if when.tzinfo is None else when.astimezone(dt.UTC).replace(tzinfo=None)
        )
    return dt.datetime.combine(when, dt.time())


def service_archive(unit: Unit) -> list[tuple]:
    """The unit's service records gathered from the procedures, newest first."""
    events = []
    for _receiver, result in collect_unit_history.send(unit):
        events.extend(result or [])
    return sorted(events, key=_sort_key, reverse=True)


@bp.route("/units/<int:unit_id>")
@login_required
def unit_detail(unit_id: int):
    unit = get_unit_or_404(unit_id)
    today = local_today()
    return render(
        "core/masterdata/unit_detail.html",
        unit=unit,
        warranty=warranty_of(unit),
        today=today,
        archive=service_archive(unit),
        history=history_of(unit),
    )


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def unit_edit(unit_id: int):
    unit = get_unit_or_404(unit_id, for_edit=True)
    if request.method == "POST":
        check_version(unit)
        form = UnitForm(unit=unit)
        if form.validate():
            unit_id = unit.id
            if _save_unit(form, unit) is not None:
                flash(_("Changes saved."), "success")
                return redirect_after_post(url_for("masterdata.unit_detail", unit_id=unit_id))
            unit = get_unit_or_404(unit_id)
        return render("core/masterdata/unit_form.html", "unit_form", form=form, unit=unit, status=422)
    form = UnitForm(obj=unit, unit=unit)
    return render("core/masterdata/unit_form.html", form=form, unit=unit)
