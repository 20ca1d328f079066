"""The repair settings an administrator keeps: the fault category list (statistics group by it).

The fee scale is changed with :func:`app.repair.services.set_fee_rate`. Categories are never
deleted, because repair records refer to them: one no longer wanted is set "not in use" and
leaves the intake form. Services flush, never commit, never read ``current_user`` (STYLE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.records.audit import AuditAction, audit, diff, label_fields, register_object_type, snapshot
from app.core.records.engine.errors import ValidationError
from app.extensions import db
from app.repair.models import FaultCategory

CATEGORY_FIELDS = ["code", "name_zh", "name_en", "is_active"]

register_object_type("repair_fault_category", _l("Fault category"), "repair.settings", "category")
register_object_type("repair_fee_rate", _l("Repair fee rate"), "repair.settings", "fee")
label_fields(
    {
        "code": _l("Code"),
        "name_zh": _l("Name (Chinese)"),
        "name_en": _l("Name (English)"),
        "is_active": _l("In use"),
        "amount": _l("Price"),
    }
)


def category_code_taken(code: str, *, exclude: FaultCategory | None = None) -> bool:
    """Codes are unique whatever their letter case (``hyd`` would be read as ``HYD``)."""
    query = select(FaultCategory.id).where(func.upper(FaultCategory.code) == code.strip().upper())
    if exclude is not None and exclude.id is not None:
        query = query.where(FaultCategory.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


def _check_code(code: str, exclude: FaultCategory | None = None) -> None:
    if category_code_taken(code, exclude=exclude):
        raise ValidationError(
            {"code": _("The code %(code)s is already used by another category.", code=code)}
        )


def _apply(category: FaultCategory, data: Mapping[str, Any]) -> None:
    category.code = data["code"].strip()
    category.name_zh = data["name_zh"].strip()
    category.name_en = data["name_en"].strip()
    category.is_active = bool(data.get("is_active", True))


def create_fault_category(data: Mapping[str, Any], *, actor) -> FaultCategory:
    """Add a category; a code already taken raises ``ValidationError`` and nothing is added.

    A code taken by a concurrent save meanwhile raises ``IntegrityError`` at the flush.
    """
    _check_code(data["code"])
    category = FaultCategory()
    _apply(category, data)
    db.session.add(category)
    db.session.flush()
    audit(AuditAction.CREATE, category, actor=actor, changes=snapshot(category, CATEGORY_FIELDS))
    return category


def update_fault_category(category: FaultCategory, data: Mapping[str, Any], *, actor) -> dict:
    """Rename a category or take it out of use; returns the field differences it recorded.

    Records keep pointing at the category, so a new name shows on the old records too: the
    audit entry keeps what it was called before.
    """
    _check_code(data["code"], exclude=category)
    _apply(category, data)
    changes = diff(category, CATEGORY_FIELDS)
    if changes:
        audit(AuditAction.UPDATE, category, actor=actor, changes=changes)
    db.session.flush()
    return changes
