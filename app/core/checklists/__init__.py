"""Checklists per product and purpose (commissioning, maintenance), shared by the procedures.

A procedure calls :func:`template_for` and :func:`read_results`, stores the results as JSON
on its record and renders them with the macros ``core/checklists/_fill.html`` (``fill``) and
``core/checklists/_show.html`` (``show``). Administrators keep the templates at ``/checklists``.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.records.audit import label_fields, register_object_type

bp = Blueprint("checklists", __name__, url_prefix="/checklists")

register_object_type("checklist_template", _l("Checklist"), "checklists.detail", "template_id")
label_fields(
    {
        "product_id": _l("Product"),
        "purpose": _l("Purpose"),
        "title_zh": _l("Title (Chinese)"),
        "title_en": _l("Title (English)"),
        "is_active": _l("In use"),
        "item": _l("Checklist item"),
        "item_added": _l("Checklist item added"),
        "item_removed": _l("Checklist item removed"),
    }
)

from app.core.checklists import views  # noqa: E402,F401
from app.core.checklists.models import ChecklistItem, ChecklistPurpose, ChecklistTemplate, ItemKind  # noqa: E402
from app.core.checklists.services import (  # noqa: E402
    all_passed,
    failed_items,
    field_name,
    read_results,
    template_for,
)

__all__ = [
    "ChecklistItem",
    "ChecklistPurpose",
    "ChecklistTemplate",
    "ItemKind",
    "all_passed",
    "bp",
    "failed_items",
    "field_name",
    "read_results",
    "template_for",
]
