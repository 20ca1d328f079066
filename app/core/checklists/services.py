"""Checklist templates kept by the administrators, and the results a procedure reads from a form.

A procedure asks :func:`template_for` for the checklist of a product and purpose, renders it
with the ``fill`` macro (``templates/core/checklists/_fill.html``), reads the posted answers
with :func:`read_results` and stores the result list as JSON on its own record; ``show``
(``_show.html``) displays it. The results carry the texts and limits as they were, so the
record reads the same after the template changes. Services flush, never commit, never read
``current_user`` (STYLE.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.checklists.models import ChecklistItem, ChecklistTemplate, ItemKind, plain_number
from app.core.records.audit import AuditAction, audit, diff, snapshot
from app.core.records.engine.errors import ValidationError
from app.extensions import db

TEMPLATE_FIELDS = ["product_id", "purpose", "title_zh", "title_en", "is_active"]
ITEM_FIELDS = ["position", "text_zh", "text_en", "kind", "unit", "low", "high"]
#: the answers of a pass/fail item as posted
PASS, FAIL = "pass", "fail"


# --- templates ------------------------------------------------------------------------------------


def template_for(product_id: int | None, purpose: str) -> ChecklistTemplate | None:
    """The checklist in use for ``product_id`` and ``purpose``, or ``None`` when there is none."""
    if not product_id:
        return None
    return db.session.scalar(
        select(ChecklistTemplate).where(
            ChecklistTemplate.product_id == product_id,
            ChecklistTemplate.purpose == str(purpose),
            ChecklistTemplate.is_active.is_(True),
        )
    )


def template_taken(product_id: int, purpose: str, *, exclude: ChecklistTemplate | None = None) -> bool:
    """One checklist per product and purpose."""
    query = select(ChecklistTemplate.id).where(
        ChecklistTemplate.product_id == product_id, ChecklistTemplate.purpose == str(purpose)
    )
    if exclude is not None and exclude.id is not None:
        query = query.where(ChecklistTemplate.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


def _check_template(data: Mapping[str, Any], exclude: ChecklistTemplate | None = None) -> None:
    if template_taken(data["product_id"], data["purpose"], exclude=exclude):
        raise ValidationError(
            {"purpose": _("This product already has a checklist for this purpose: edit that one.")}
        )


def _apply_template(template: ChecklistTemplate, data: Mapping[str, Any]) -> None:
    template.product_id = int(data["product_id"])
    template.purpose = str(data["purpose"])
    template.title_zh = data["title_zh"].strip()
    template.title_en = (data.get("title_en") or "").strip()
    template.is_active = bool(data.get("is_active", True))


def create_template(data: Mapping[str, Any], *, actor) -> ChecklistTemplate:
    """Add a checklist for a product and purpose; one already there raises ``ValidationError``.

    A template saved by someone else meanwhile raises ``IntegrityError`` at the flush.
    """
    _check_template(data)
    template = ChecklistTemplate()
    _apply_template(template, data)
    db.session.add(template)
    db.session.flush()
    audit(AuditAction.CREATE, template, actor=actor, changes=snapshot(template, TEMPLATE_FIELDS))
    return template


def update_template(template: ChecklistTemplate, data: Mapping[str, Any], *, actor) -> dict:
    """Rename a checklist, move it to another product or purpose, or take it out of use."""
    _check_template(data, exclude=template)
    _apply_template(template, data)
    changes = diff(template, TEMPLATE_FIELDS)
    if changes:
        audit(AuditAction.UPDATE, template, actor=actor, changes=changes)
    db.session.flush()
    return changes


# --- items -------------------------------------------------------------------------------------------


def _apply_item(item: ChecklistItem, data: Mapping[str, Any]) -> None:
    kind = ItemKind(data.get("kind") or ItemKind.PASS_FAIL)
    low, high = data.get("low"), data.get("high")
    if kind == ItemKind.MEASURED and low is not None and high is not None and low > high:
        raise ValidationError({"high": _("The upper limit is below the lower limit.")})
    item.position = int(data.get("position") or 0)
    item.text_zh = data["text_zh"].strip()
    item.text_en = (data.get("text_en") or "").strip()
    item.kind = kind.value
    is_measured = kind == ItemKind.MEASURED
    item.unit = (data.get("unit") or "").strip() if is_measured else ""
    item.low = low if is_measured else None
    item.high = high if is_measured else None


def _item_label(item: ChecklistItem) -> str:
    limits = f" ({item.limits_text})" if item.limits_text else ""
    return f"{item.position}. {item.text_zh}{limits}"


def add_item(template: ChecklistTemplate, data: Mapping[str, Any], *, actor) -> ChecklistItem:
    """Add an item at ``position`` (default: after the last one); audited on the template."""
    data = dict(data)
    if not data.get("position"):
        data["position"] = max((i.position for i in template.items), default=0) + 1
    item = ChecklistItem()
    _apply_item(item, data)
    template.items.append(item)
    db.session.flush()
    audit(AuditAction.UPDATE, template, actor=actor, changes={"item_added": [None, _item_label(item)]})
    return item


def update_item(item: ChecklistItem, data: Mapping[str, Any], *, actor) -> dict:
    """Change one item; records already filled in keep the text and limits they were filled with."""
    before = _item_label(item)
    _apply_item(item, data)
    changes = diff(item, ITEM_FIELDS)
    if changes:
        audit(AuditAction.UPDATE, item.template, actor=actor, changes={"item": [before, _item_label(item)]})
    db.session.flush()
    return changes


def remove_item(item: ChecklistItem, *, actor) -> None:
    """Take an item off the checklist (results stored on records keep their copy of it)."""
    template = item.template
    audit(AuditAction.UPDATE, template, actor=actor, changes={"item_removed": [_item_label(item), None]})
    template.items.remove(item)
    db.session.flush()


# --- results --------------------------------------------------------------------------------------------


def _text(value) -> str | None:
    return None if value is None else plain_number(value)


#: a measured value as people type it: digits, a decimal point or comma (no exponents, no NaN)
NUMBER = re.compile(r"^[+-]?\d{1,12}(?:[.,]\d{1,6})?$")


def _number(text: str) -> Decimal | None:
    text = text.strip()
    if not NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain numbers
        return None


def field_name(item_or_id, prefix: str = "chk") -> str:
    """The form field of one item: ``chk-12``."""
    item_id = getattr(item_or_id, "id", item_or_id)
    return f"{prefix}-{item_id}"


def read_results(
    template: ChecklistTemplate, formdata, *, prefix: str = "chk"
) -> tuple[list[dict], dict[int, str]]:
    """The answers posted for ``template``'s items: ``(results, errors)``.

    One result per item, in order: ``item_id``, the texts, ``kind``, ``unit``, the limits (as
    text), ``passed`` and ``value`` (the measured value as typed, tidied). A measured value
    outside ``[low, high]`` is not passed (an answer, not an error); a missing answer or a
    value that is not a number is an error (``{item_id: message}``) and leaves ``passed``
    ``None``, with what was typed kept in ``value`` so the form can show it again.
    """
    results: list[dict] = []
    errors: dict[int, str] = {}
    for item in template.items:
        raw = (formdata.get(field_name(item, prefix)) or "").strip()
        passed: bool | None = None
        value: str | None = None
        if item.is_measured:
            value = raw[:32] or None
            number = _number(raw) if raw else None
            if not raw:
                errors[item.id] = _("Enter the measured value.")
            elif number is None:
                errors[item.id] = _("Enter a number, e.g. 0.85.")
            else:
                value = format(number, "f")
                passed = (item.low is None or number >= item.low) and (
                    item.high is None or number <= item.high
                )
        elif raw in (PASS, FAIL):
            passed = raw == PASS
        else:
            errors[item.id] = _("Answer pass or fail.")
        results.append(
            {
                "item_id": item.id,
                "text_zh": item.text_zh,
                "text_en": item.text_en,
                "kind": item.kind,
                "unit": item.unit,
                "low": _text(item.low),
                "high": _text(item.high),
                "passed": passed,
                "value": value,
            }
        )
    return results, errors


def all_passed(results: list[dict] | None) -> bool:
    """Every item answered and passed."""
    return bool(results) and all(r.get("passed") is True for r in results)


def failed_items(results: list[dict] | None) -> list[dict]:
    return [r for r in results or [] if r.get("passed") is False]
