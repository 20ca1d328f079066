"""What the installation views, the demo and the tests call: the request, the plan, commissioning,
and what follows the steps (record numbers, the transit damage claim, the warranty start).
Services flush, never commit, never read ``current_user`` (STYLE.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import attachments_of
from app.core.auth.models import User
from app.core.checklists import ChecklistPurpose, all_passed, read_results, template_for
from app.core.masterdata.models import Customer, Unit
from app.core.masterdata.services import update_unit
from app.core.models import utcnow
from app.core.permissions import Department
from app.core.records.engine import create_record, transition, update_record
from app.core.records.engine.errors import ValidationError
from app.core.records.engine.services import controlled_form
from app.core.records.services import issue_record_number
from app.core.signals import (
    collect_tasks,
    collect_unit_history,
    packaging_damage_reported,
    record_transitioned,
)
from app.extensions import db
from app.installation.models import (
    OPEN_STATES,
    InstallationPlan,
    InstallationRequest,
    InstallationState,
    PlanState,
    installation_request_unit,
)

S = InstallationState

# --- people and units ---------------------------------------------------------------------------------


def people_in(*departments: Department) -> list[User]:
    """Enabled users of ``departments``, by name (the choices of the people fields)."""
    query = select(User).where(User.is_enabled.is_(True))
    if departments:
        query = query.where(User.department.in_([d.value for d in departments]))
    return list(db.session.scalars(query.order_by(User.display_name)))


def open_requests_of(
    unit_ids: Iterable[int], *, exclude: InstallationRequest | None = None
) -> dict[int, str]:
    """``{unit_id: request number}`` for the units already on an open installation request."""
    ids = list(unit_ids)
    if not ids:
        return {}
    query = (
        select(installation_request_unit.c.unit_id, InstallationRequest.number)
        .join(InstallationRequest, InstallationRequest.id == installation_request_unit.c.request_id)
        .where(
            installation_request_unit.c.unit_id.in_(ids),
            InstallationRequest.status.in_([s.value for s in OPEN_STATES]),
        )
    )
    if exclude is not None and exclude.id is not None:
        query = query.where(InstallationRequest.id != exclude.id)
    return dict(db.session.execute(query).all())


def units_offered(customer: Customer | None) -> list[Unit]:
    """The customer's units that can be installed: not installed yet, not on an open request."""
    if customer is None:
        return []
    units = list(
        db.session.scalars(
            select(Unit)
            .where(Unit.customer_id == customer.id, Unit.install_date.is_(None))
            .order_by(Unit.serial)
        ).unique()
    )
    taken = open_requests_of([u.id for u in units])
    return [u for u in units if u.id not in taken]


def shipments_of(unit: Unit) -> list:
    """The shipping-note lines that sent ``unit`` (core traceability), newest last; empty when the
    platform has no traceability table."""
    try:
        from app.core.traceability import trace_query
    except ImportError:  # pragma: no cover - traceability is an optional platform piece
        return []
    return list(db.session.scalars(trace_query(unit_id=unit.id)))


def shipping_note_number(unit: Unit | None) -> str | None:
    if unit is None:
        return None
    shipments = shipments_of(unit)
    return (shipments[-1].document_number or None) if shipments else None


# --- the request (F01) --------------------------------------------------------------------------------


def request_installation(
    values: Mapping[str, Any], *, actor, now: dt.datetime | None = None
) -> InstallationRequest:
    """Create the request and submit it at once: number issued, the plan clock started.

    ``values`` has the request's fields and ``unit_ids``. Every unit must belong to the
    customer, not be installed yet and not be on another open request; the site must be
    ready. Raises the engine's ``ValidationError`` (the caller rolls back) otherwise.
    """
    values = dict(values)
    unit_ids = list(dict.fromkeys(values.pop("unit_ids", None) or []))
    customer = db.session.get(Customer, values.get("customer_id")) if values.get("customer_id") else None
    units = [db.session.get(Unit, unit_id) for unit_id in unit_ids]
    errors: dict[str, str] = {}
    if customer is None:
        errors["customer_id"] = _("Pick the customer.")
    if not units:
        errors["unit_ids"] = _("Pick at least one of the customer's units.")
    elif any(u is None or customer is None or u.customer_id != customer.id for u in units):
        errors["unit_ids"] = _("Every unit must belong to the customer.")
    elif any(u.install_date is not None for u in units):
        errors["unit_ids"] = _("A unit picked is installed already.")
    else:
        taken = open_requests_of(unit_ids)
        if taken:
            errors["unit_ids"] = _(
                "Already on an open installation request: %(units)s.",
                units=", ".join(f"{u.serial} ({taken[u.id]})" for u in units if u.id in taken),
            )
    if not values.get("site_ready"):
        errors["site_ready"] = _("Installation is requested once the site is ready.")
    if errors:
        raise ValidationError(errors)
    values["salesperson_id"] = getattr(actor, "id", None)
    request = create_record(InstallationRequest, values, actor=actor, now=now)
    request.units = units
    db.session.flush()
    transition(request, "submit", actor=actor, now=now)
    return request


# --- the plan (F02) -----------------------------------------------------------------------------------


def write_plan(
    request: InstallationRequest, values: Mapping[str, Any], *, actor, now: dt.datetime | None = None
) -> InstallationPlan:
    """Production's plan for ``request`` as a draft (submit it to send it for approval)."""
    if request.status != S.REQUESTED:
        raise ValidationError({"request": _("A plan is written while the installation waits for one.")})
    if request.open_plan is not None:
        raise ValidationError({"request": _("This installation has a plan already.")})
    plan = create_record(InstallationPlan, {"request_id": request.id, **dict(values)}, actor=actor, now=now)
    if plan not in request.plans:
        request.plans.append(plan)
    return plan


def update_plan(plan: InstallationPlan, values: Mapping[str, Any], *, actor) -> dict:
    """Change a plan sent back for rework (a draft)."""
    return update_record(plan, dict(values), actor=actor)


# --- commissioning ------------------------------------------------------------------------------------


def commissioning_units(request: InstallationRequest) -> list[tuple[Unit, Any]]:
    """Each unit with the commissioning checklist of its product (``None`` when there is none)."""
    return [(unit, template_for(unit.product_id, ChecklistPurpose.COMMISSIONING)) for unit in request.units]


def checklist_prefix(unit: Unit) -> str:
    return f"chk{unit.id}"


def read_commissioning(request: InstallationRequest, formdata) -> tuple[list[dict], dict[int, dict]]:
    """The checklists as posted: one entry per unit (its template's texts and the results) and the
    errors by unit id (``{unit_id: {item_id: message}}``)."""
    entries, errors = [], {}
    for unit, template in commissioning_units(request):
        entry = {
            "unit_id": unit.id,
            "serial": unit.serial,
            "product": str(unit.product),
            "template_id": template.id if template else None,
            "title_zh": template.title_zh if template else "",
            "title_en": template.title_en if template else "",
            "results": [],
        }
        if template is not None:
            results, unit_errors = read_results(template, formdata, prefix=checklist_prefix(unit))
            entry["results"] = results
            if unit_errors:
                errors[unit.id] = unit_errors
        entries.append(entry)
    return entries, errors


def commissioning_passed(request: InstallationRequest) -> bool:
    """Every checklist item of every unit passed, and the trial run too."""
    entries = request.commissioning or []
    checked = [e for e in entries if e.get("results")]
    return (
        bool(entries) and request.trial_run_passed is True and all(all_passed(e["results"]) for e in checked)
    )


def record_commissioning(
    request: InstallationRequest,
    entries: list[dict],
    values: Mapping[str, Any],
    *,
    actor,
    now: dt.datetime | None = None,
) -> bool:
    """Keep the checklist results, self-inspection and trial run; commissioned when all passed.

    A failed item or trial run is recorded as found (the team fixes it and checks again); the
    case then stays on site. Returns whether it moved on to "commissioned".
    """
    update_record(request, {"commissioning": entries, **dict(values)}, actor=actor)
    if not commissioning_passed(request):
        return False
    now = now or utcnow()
    transition(request, "commission", actor=actor, values={"commissioned_at": now}, now=now)
    return True


# --- the customer's signature -------------------------------------------------------------------------


def customer_signature(request: InstallationRequest):
    """The latest drawn signature, else the latest signed and stamped sheet, else ``None``."""
    for kind in (AttachmentKind.SIGNATURE, AttachmentKind.SIGNED_SCAN):
        found = attachments_of(request.record_type, request.id, kind)
        if found:
            return found[-1]
    return None


# --- what follows each step ---------------------------------------------------------------------------


def _issue(request: InstallationRequest, key: str, prefix: str, at: dt.datetime) -> None:
    """Give the form ``key`` (F03, F04, F05) recorded on the case its own number, once."""
    if getattr(request, f"{prefix}_number") is not None:
        return
    form = controlled_form("installation", key)
    if form is None:
        return
    setattr(request, f"{prefix}_number", issue_record_number(form, at=at))
    setattr(request, f"{prefix}_form_code", form.code)
    setattr(request, f"{prefix}_form_revision", form.revision)


def _page_of(request: InstallationRequest) -> str | None:
    if not has_request_context():
        return None
    return url_for("installation.detail", request_id=request.id)


def report_packaging_damage(request: InstallationRequest, *, actor) -> tuple[str, str] | None:
    """Tell the delivery procedure (signal) that the packaging arrived damaged; keep the number and
    page of the transit damage record it opened. ``None`` when no procedure answered."""
    unit = request.damaged_unit or (request.units[0] if len(request.units) == 1 else None)
    answers = packaging_damage_reported.send(
        request,
        unit=unit,
        shipping_note_number=shipping_note_number(unit),
        description=request.damage_description,
        reporter=actor,
        reference=request.inspection_number or request.number,
        reference_url=_page_of(request),
    )
    for _receiver, answer in answers:
        if answer:
            number, url = answer
            request.damage_record_number = number
            request.damage_record_url = url
            db.session.flush()
            return number, url
    return None


def start_warranty(request: InstallationRequest, *, actor) -> None:
    """The acceptance date becomes each unit's install date: the warranty starts there."""
    for unit in request.units:
        update_unit(
            unit,
            {
                "serial": unit.serial,
                "batch": unit.batch,
                "product_id": unit.product_id,
                "customer_id": unit.customer_id or request.customer_id,
                "site": unit.site or request.site,
                "production_date": unit.production_date,
                "ship_date": unit.ship_date,
                "install_date": request.accepted_on,
            },
            actor=actor,
        )


@record_transitioned.connect
def _follow_transitions(record, *, actor, new_state: str, **_kw) -> None:
    """Keep the case in step with its plan; number F03/F04/F05 when recorded; claim transit damage;
    start the warranty at acceptance."""
    now = utcnow()
    if isinstance(record, InstallationPlan):
        request = record.request
        if new_state == PlanState.APPROVED and request.status == S.REQUESTED:
            transition(
                request,
                "plan_approved",
                actor=actor,
                values={"project_lead_id": record.project_lead_id},
                now=record.closed_at,  # when the plan was approved
            )
        return
    if not isinstance(record, InstallationRequest):
        return
    if new_state == S.ON_SITE:
        _issue(record, "F03", "inspection", record.inspected_at or now)
        db.session.flush()
        if record.packaging_damaged and not record.damage_record_number:
            report_packaging_damage(record, actor=actor)
    elif new_state == S.TRAINED:
        _issue(record, "F04", "training", record.trained_at or now)
    elif new_state == S.ACCEPTED:
        signature = customer_signature(record)
        if signature is not None:
            is_drawn = signature.kind == AttachmentKind.SIGNATURE
            record.signature_attachment_id = signature.id if is_drawn else None
            record.signed_scan_attachment_id = None if is_drawn else signature.id
            record.customer_signed_at = signature.signed_at or signature.uploaded_at
        _issue(record, "F05", "acceptance", record.customer_signed_at or now)
        start_warranty(record, actor=actor)
    db.session.flush()


# --- the service archive and the home page ------------------------------------------------------------


@collect_unit_history.connect
def _unit_installations(unit, **_kw) -> list[tuple]:
    """The unit's installations for its service archive: ``(when, title, url)``."""
    requests = db.session.scalars(
        select(InstallationRequest)
        .join(installation_request_unit, installation_request_unit.c.request_id == InstallationRequest.id)
        .where(installation_request_unit.c.unit_id == unit.id, InstallationRequest.status != S.DRAFT.value)
        .order_by(InstallationRequest.id.desc())
    ).unique()
    events = []
    for request in requests:
        if request.accepted_on:
            title = _(
                "Installation %(number)s: accepted %(day)s (%(state)s)",
                number=request.number,
                day=request.accepted_on.isoformat(),
                state=request.status_title,
            )
        else:
            title = _(
                "Installation %(number)s: %(state)s, planned for %(day)s",
                number=request.number,
                state=request.status_title,
                day=request.installation_date.isoformat() if request.installation_date else "—",
            )
        events.append(
            (
                request.submitted_at or request.created_at,
                title,
                url_for("installation.detail", request_id=request.id),
            )
        )
    return events


@collect_tasks.connect
def _installation_tasks(user, limit: int = 50, **_kw) -> list:
    """The home page's open installation tasks: the lead's visits and work on site; plans to write
    for Production; the salesperson's follow-ups after acceptance."""
    from app.core.permissions import in_department
    from app.core.tasks import Task
    from app.installation.queries import next_due_column

    wanted = [
        (InstallationRequest.project_lead_id == user.id)
        & InstallationRequest.status.in_(
            [s.value for s in (S.PLANNED, S.ON_SITE, S.COMMISSIONED, S.TRAINED)]
        ),
        (InstallationRequest.salesperson_id == user.id) & (InstallationRequest.status == S.ACCEPTED.value),
    ]
    if in_department(user, Department.PRODUCTION):
        wanted.append(InstallationRequest.status == S.REQUESTED.value)
    rows = db.session.execute(
        select(InstallationRequest, next_due_column())
        .where(or_(*wanted))
        .order_by(InstallationRequest.installation_date, InstallationRequest.id)
        .limit(limit)
    ).unique()
    tasks = []
    for request, due in rows:
        if request.status == S.REQUESTED and request.open_plan is not None:
            continue  # the plan is written: it waits in the approvals inbox
        tasks.append(
            Task(
                title=_("%(state)s – %(summary)s", state=request.status_title, summary=request.summary),
                url=url_for("installation.detail", request_id=request.id),
                module="installation",
                due_at=due,
                number=request.number or "",
            )
        )
    return tasks
