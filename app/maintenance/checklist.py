"""The checklists of a visit: one sheet per unit, from the platform's checklists (purpose "maintenance").

Each unit of the plan is checked against the maintenance checklist of its product
(:mod:`app.core.checklists`). The answers of all units are posted in one form, each unit's
fields under its own prefix (``chk<unit id>-<item id>``), and stored on the visit as one JSON
list with the texts and limits as they were, so the record reads the same after the
template changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.checklists.models import ChecklistTemplate
from app.core.checklists.services import read_results, template_for
from app.extensions import db

PURPOSE = "maintenance"


def maintenance_template(product_id: int | None) -> ChecklistTemplate | None:
    """The maintenance checklist in use for a product, if there is one."""
    return template_for(product_id, PURPOSE)


def prefix_of(unit_id: int) -> str:
    return f"chk{unit_id}"


@dataclass
class Sheet:
    """One unit's checklist on a visit: the template to fill, what is stored, what was wrong."""

    unit: Any
    template: ChecklistTemplate | None
    results: list[dict] | None = None
    errors: dict = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return prefix_of(self.unit.id)

    @property
    def result_map(self) -> dict:
        """Stored answers by item id, to fill the form again."""
        return {r["item_id"]: r for r in self.results or []}


def template_of(plan_unit) -> ChecklistTemplate | None:
    """The template chosen when the plan was made, else the product's current one."""
    if plan_unit.checklist_template_id:
        template = db.session.get(ChecklistTemplate, plan_unit.checklist_template_id)
        if template is not None and template.is_active:
            return template
    return maintenance_template(plan_unit.unit.product_id)


def sheets_of(visit) -> list[Sheet]:
    """The sheets of ``visit``, one per unit of its plan, with the answers stored so far."""
    stored = {entry.get("unit_id"): entry for entry in visit.checklist_results or []}
    sheets = []
    for plan_unit in visit.plan.units:
        entry = stored.get(plan_unit.unit_id)
        sheets.append(Sheet(plan_unit.unit, template_of(plan_unit), entry["results"] if entry else None))
    return sheets


def read_sheets(visit, formdata) -> tuple[list[dict], list[Sheet], bool]:
    """The posted answers of every unit: ``(entries to store, sheets with errors, all valid)``."""
    entries, sheets, valid = [], [], True
    for plan_unit in visit.plan.units:
        unit = plan_unit.unit
        template = template_of(plan_unit)
        results: list[dict] = []
        errors: dict = {}
        if template is not None:
            results, errors = read_results(template, formdata, prefix=prefix_of(unit.id))
        valid = valid and not errors
        sheets.append(Sheet(unit, template, results, errors))
        entries.append(
            {
                "unit_id": unit.id,
                "serial": unit.serial,
                "product": str(unit.product),
                "template_id": template.id if template is not None else None,
                "title_zh": template.title_zh if template is not None else "",
                "title_en": template.title_en if template is not None else "",
                "results": results,
            }
        )
    return entries, sheets, valid


def failed_count(entries: list[dict] | None) -> int:
    """Items not passed, over every unit."""
    return sum(1 for entry in entries or [] for r in entry.get("results", []) if r.get("passed") is False)
