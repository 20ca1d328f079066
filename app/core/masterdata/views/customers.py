"""Customers: list, type-ahead, detail, create and edit."""

from __future__ import annotations

import re
import secrets

from flask import flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.masterdata import bp
from app.core.masterdata.forms import ContactRow, CustomerForm
from app.core.masterdata.models import RegionClass, Unit
from app.core.masterdata.queries import (
    CUSTOMER_SORTS,
    customer_query,
    local_today,
    parse_sort,
    search_customers,
)
from app.core.masterdata.services import create_customer, update_customer
from app.core.masterdata.views._common import (
    actor,
    check_version,
    get_customer_or_404,
    list_args,
    page_number,
    page_size,
    redirect_after_post,
    requires,
)
from app.core.masterdata.warranty import warranty_of
from app.core.pagination import paginate
from app.core.permissions import can_edit_master_data, login_required
from app.core.records.audit import history_of
from app.core.web import render
from app.extensions import db

#: how many of a customer's units its page lists before linking to the unit list
UNITS_ON_PAGE = 20
PICK_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@bp.route("/customers")
@login_required
def customers():
    q = request.args.get("q", "").strip()
    region = request.args.get("region", "")
    if region not in {r.value for r in RegionClass}:
        region = ""
    sort, descending = parse_sort(request.args.get("sort"), CUSTOMER_SORTS, "name")
    page = paginate(customer_query(q, region, sort, descending), page_number(), page_size())
    return render(
        "core/masterdata/customers.html",
        "customer_table",
        page=page,
        q=q,
        region=region,
        sort=sort,
        descending=descending,
        filters=list_args(q=q, region=region),
        region_choices=RegionClass.choices(),
    )


def lookup_context(kind: str, items: list) -> dict:
    """Shared by both type-aheads: ``pick=<field>`` turns result links into pick buttons."""
    pick = request.args.get("pick", "")
    if not PICK_RE.match(pick):
        pick = ""
    q = (request.args.get("q") or (request.args.get(f"{pick}_q") if pick else "") or "").strip()
    return {
        "kind": kind,
        "pick": pick,
        "q": q,
        "results_id": f"{pick}-results" if pick else f"{kind}-quick-results",
        "items": items,
    }


@bp.route("/customers/search")
@login_required
def customer_search():
    ctx = lookup_context("customer", [])
    ctx["items"] = search_customers(ctx["q"])
    return render("core/masterdata/_lookup_results.html", **ctx)


@bp.route("/customers/contact-row")
@requires(can_edit_master_data)
def contact_row():
    """One empty contact row, appended to the form by "Add contact"."""
    return render("core/masterdata/_contact_row.html", row=ContactRow(), row_key=secrets.token_hex(4))


@bp.route("/customers/new", methods=["GET", "POST"])
@requires(can_edit_master_data)
def customer_new():
    form = CustomerForm()
    if request.method == "POST":
        if form.validate():
            customer = create_customer(form.data_for_service(), actor=actor())
            db.session.commit()
            flash(_("Customer %(name)s created.", name=customer.name), "success")
            return redirect_after_post(url_for("masterdata.customer_detail", customer_id=customer.id))
        return render(
            "core/masterdata/customer_form.html", "customer_form", form=form, customer=None, status=422
        )
    return render("core/masterdata/customer_form.html", form=form, customer=None)


@bp.route("/customers/<int:customer_id>")
@login_required
def customer_detail(customer_id: int):
    customer = get_customer_or_404(customer_id)
    units = db.session.scalars(
        select(Unit).where(Unit.customer_id == customer.id).order_by(Unit.serial).limit(UNITS_ON_PAGE)
    ).all()
    unit_count = db.session.scalar(select(func.count(Unit.id)).where(Unit.customer_id == customer.id))
    return render(
        "core/masterdata/customer_detail.html",
        customer=customer,
        units=units,
        unit_count=unit_count,
        history=history_of(customer),
        warranty_of=warranty_of,
        today=local_today(),
    )


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def customer_edit(customer_id: int):
    customer = get_customer_or_404(customer_id, for_edit=True)
    if request.method == "POST":
        check_version(customer)
        form = CustomerForm(customer=customer)
        if form.validate():
            update_customer(customer, form.data_for_service(), actor=actor())
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect_after_post(url_for("masterdata.customer_detail", customer_id=customer.id))
        return render(
            "core/masterdata/customer_form.html", "customer_form", form=form, customer=customer, status=422
        )
    form = CustomerForm(obj=customer, customer=customer)
    return render("core/masterdata/customer_form.html", form=form, customer=customer)
