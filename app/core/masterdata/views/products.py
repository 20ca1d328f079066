"""Products: list, detail, create and edit (technical department and administrators edit)."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.core.masterdata import bp
from app.core.masterdata.forms import ProductForm
from app.core.masterdata.models import Product, Unit
from app.core.masterdata.queries import parse_sort
from app.core.masterdata.services import create_product, update_product
from app.core.masterdata.views._common import (
    actor,
    check_version,
    get_product_or_404,
    list_args,
    page_number,
    page_size,
    redirect_after_post,
    requires,
)
from app.core.pagination import paginate
from app.core.permissions import can_edit_products, login_required
from app.core.records.audit import history_of
from app.core.text_search import contains_text
from app.core.web import render
from app.extensions import db

PRODUCT_SORTS = {
    "model": (Product.model,),
    "name": (Product.name, Product.model),
    "warranty": (Product.warranty_months, Product.model),
}


@bp.route("/products")
@login_required
def products():
    q = request.args.get("q", "").strip()
    sort, descending = parse_sort(request.args.get("sort"), PRODUCT_SORTS, "model")
    query = select(Product)
    if q:
        query = query.where(or_(contains_text(Product.model, q), contains_text(Product.name, q)))
    columns = PRODUCT_SORTS[sort]
    query = query.order_by(*[c.desc() if descending else c.asc() for c in columns])
    page = paginate(query, page_number(), page_size())
    counts = dict(
        db.session.execute(
            select(Unit.product_id, func.count(Unit.id))
            .where(Unit.product_id.in_([p.id for p in page.items]))
            .group_by(Unit.product_id)
        ).all()
    )
    return render(
        "core/masterdata/products.html",
        "product_table",
        page=page,
        q=q,
        sort=sort,
        descending=descending,
        unit_counts=counts,
        filters=list_args(q=q),
    )


@bp.route("/products/new", methods=["GET", "POST"])
@requires(can_edit_products)
def product_new():
    form = ProductForm()
    if request.method == "POST":
        if form.validate():
            product = create_product(form.data_for_service(), actor=actor())
            db.session.commit()
            flash(_("Product %(model)s created.", model=product.model), "success")
            return redirect_after_post(url_for("masterdata.product_detail", product_id=product.id))
        return render(
            "core/masterdata/product_form.html", "product_form", form=form, product=None, status=422
        )
    return render("core/masterdata/product_form.html", form=form, product=None)


@bp.route("/products/<int:product_id>")
@login_required
def product_detail(product_id: int):
    product = get_product_or_404(product_id)
    unit_count = db.session.scalar(select(func.count(Unit.id)).where(Unit.product_id == product.id))
    return render(
        "core/masterdata/product_detail.html",
        product=product,
        unit_count=unit_count,
        history=history_of(product),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def product_edit(product_id: int):
    product = get_product_or_404(product_id, for_edit=True)
    if request.method == "POST":
        check_version(product)
        form = ProductForm(product=product)
        if form.validate():
            update_product(product, form.data_for_service(), actor=actor())
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect_after_post(url_for("masterdata.product_detail", product_id=product.id))
        return render(
            "core/masterdata/product_form.html", "product_form", form=form, product=product, status=422
        )
    form = ProductForm(obj=product, product=product)
    return render("core/masterdata/product_form.html", form=form, product=product)
