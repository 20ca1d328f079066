"""Master data: customers with contacts, products, units (DOMAIN.md §3)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.records.audit import label_fields, register_object_type

bp = Blueprint("masterdata", __name__, url_prefix="/masterdata")

register_object_type("customer", _l("Customer"), "masterdata.customer_detail", "customer_id")
register_object_type("product", _l("Product"), "masterdata.product_detail", "product_id")
register_object_type("unit", _l("Unit"), "masterdata.unit_detail", "unit_id")
label_fields(
    {
        "name": _l("Name"),
        "region_class": _l("Region class"),
        "address": _l("Address"),
        "phone": _l("Phone"),
        "notes": _l("Notes"),
        "contacts": _l("Contacts"),
        "model": _l("Model"),
        "warranty_months": _l("Warranty (months)"),
        "serial": _l("Serial number"),
        "batch": _l("Batch number"),
        "site": _l("Site"),
        "production_date": _l("Production date"),
        "ship_date": _l("Ship date"),
        "install_date": _l("Install (acceptance) date"),
        "product": _l("Product"),
        "customer": _l("Customer"),
        "count": _l("Rows"),
        "file": _l("File"),
    }
)

from app.core.masterdata import views  # noqa: E402,F401
