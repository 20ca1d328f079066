"""What every master-data view shares: loaders with their permission check, the stale-form
check and the answer after a successful save."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user

from app.core.masterdata.models import Customer, Product, Unit
from app.core.permissions import can_edit_master_data, can_edit_products, requires
from app.core.web import check_version, redirect_after_post
from app.extensions import db


def actor():
    return current_user._get_current_object()


def _load(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def get_customer_or_404(customer_id: int, for_edit: bool = False) -> Customer:
    customer = _load(Customer, customer_id)
    if for_edit and not can_edit_master_data(current_user):
        abort(403)
    return customer


def get_unit_or_404(unit_id: int, for_edit: bool = False) -> Unit:
    unit = _load(Unit, unit_id)
    if for_edit and not can_edit_master_data(current_user):
        abort(403)
    return unit


def get_product_or_404(product_id: int, for_edit: bool = False) -> Product:
    product = _load(Product, product_id)
    if for_edit and not can_edit_products(current_user):
        abort(403)
    return product


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


def list_args(**values) -> dict:
    """The query-string arguments that describe a list view, without the empty ones."""
    return {key: value for key, value in values.items() if value not in (None, "")}


__all__ = ["check_version", "redirect_after_post", "requires"]
