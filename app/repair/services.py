"""What the repair views, jobs and tests call: intake with its warranty decision, quotations,
requisitions and the failed parts coming back. Services flush, never commit, never read
``current_user`` (STYLE.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import attachments_of
from app.core.calendar.queries import company_timezone
from app.core.masterdata.models import Unit
from app.core.masterdata.warranty import WarrantyState, warranty_of
from app.core.models import utcnow
from app.core.records.audit import AuditAction, audit
from app.core.records.engine import create_record, transition
from app.core.records.engine.errors import ValidationError
from app.core.records.engine.services import controlled_form
from app.core.records.register import ControlledDocument
from app.core.records.services import issue_record_number
from app.core.signals import collect_tasks, collect_unit_history, record_transitioned
from app.extensions import db
from app.repair.models import (
    OPEN_STATES,
    FeeItem,
    FeeRate,
    PartRequisition,
    QuotationLine,
    QuotationState,
    RepairQuotation,
    RepairRequest,
    RepairState,
    RequisitionLine,
)

#: the fee-scale item that prices the travel to a customer of each region class
TRAVEL_ITEM = {
    "city": FeeItem.TRAVEL_CITY,
    "province": FeeItem.TRAVEL_PROVINCE,
    "remote": FeeItem.TRAVEL_REMOTE,
}


# --- warranty ---------------------------------------------------------------------------------------


def warranty_decision(unit: Unit | None, on: dt.date) -> dict[str, Any]:
    """``in_warranty``, ``warranty_end`` and ``warranty_basis`` (the rule in words) for ``unit`` on ``on``.

    A unit with no date at all to start the warranty from is treated as out of warranty: the
    customer is told it is a paid repair, and the explanation says why.
    """
    if unit is None:
        return {"in_warranty": None, "warranty_end": None, "warranty_basis": ""}
    warranty = warranty_of(unit)
    state = warranty.state(on)
    return {
        "in_warranty": state == WarrantyState.IN,
        "warranty_end": warranty.end,
        "warranty_basis": warranty.summary(on),
    }


# --- intake ------------------------------------------------------------------------------------------


def register_request(values: Mapping[str, Any], *, actor, now: dt.datetime | None = None) -> RepairRequest:
    """Create the request and register it at once: number issued, reply and on-site clocks started.

    The customer defaults to the unit's; the warranty decision is fixed now, from the unit's
    dates on the day the request was received. Raises the engine's ``ValidationError`` (the
    caller rolls back) when a required field is missing.
    """
    now = now or utcnow()
    values = dict(values)
    unit = db.session.get(Unit, values["unit_id"]) if values.get("unit_id") else None
    if unit is not None and not values.get("customer_id"):
        values["customer_id"] = unit.customer_id
    if (
        unit is not None
        and values.get("customer_id")
        and unit.customer_id not in (None, values["customer_id"])
    ):
        raise ValidationError({"unit_id": _("This unit belongs to another customer.")})
    received = values.get("received_at") or now
    values["received_at"] = received
    values.update(warranty_decision(unit, received.astimezone(company_timezone()).date()))
    request = create_record(RepairRequest, values, actor=actor, now=now)
    transition(request, "submit", actor=actor, now=now)
    return request


def engineers() -> list:
    """Enabled service engineers, by name: the people a case can be dispatched to."""
    from app.core.auth.models import User, UserRole
    from app.core.permissions import Role

    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SERVICE_ENGINEER.value, User.is_enabled.is_(True))
        .order_by(User.display_name)
    )
    return list(db.session.scalars(query))


# --- fee scale and quotations --------------------------------------------------------------------------


def fee_rates() -> dict[FeeItem, Decimal]:
    """The current fee scale; an item not yet priced counts 0."""
    rates = {FeeItem(r.item): r.amount for r in db.session.scalars(select(FeeRate))}
    return {item: rates.get(item, Decimal("0")) for item in FeeItem}


def set_fee_rate(item: FeeItem, amount: Decimal, *, actor) -> FeeRate:
    """Change one price of the fee scale; quotations already made keep the price they copied."""
    rate = db.session.scalar(select(FeeRate).where(FeeRate.item == item.value))
    old = rate.amount if rate is not None else None
    if rate is None:
        rate = FeeRate(item=item.value, amount=amount)
        db.session.add(rate)
    rate.amount = amount
    rate.updated_at = utcnow()
    db.session.flush()
    audit(
        AuditAction.UPDATE if old is not None else AuditAction.CREATE,
        rate,
        actor=actor,
        changes={"amount": [str(old) if old is not None else None, str(amount)]},
    )
    return rate


def create_quotation(
    request: RepairRequest,
    *,
    labour_hours: Decimal,
    lines: Iterable[Mapping[str, Any]],
    note: str = "",
    actor,
    now: dt.datetime | None = None,
) -> RepairQuotation:
    """A draft quotation priced from the fee scale: labour rate per hour, travel by region class."""
    if request.status != RepairState.AWAITING_QUOTE:
        raise ValidationError({"request": _("A quotation is made while the case waits for one.")})
    rates = fee_rates()
    region = str(request.customer.region_class) if request.customer else "remote"
    quotation = create_record(
        RepairQuotation,
        {
            "request_id": request.id,
            "labour_hours": labour_hours,
            "labour_rate": rates[FeeItem.LABOUR_HOUR],
            "travel_fee": rates[TRAVEL_ITEM.get(region, FeeItem.TRAVEL_REMOTE)],
            "note": note,
        },
        actor=actor,
        now=now,
    )
    quotation.lines = [QuotationLine(**dict(line)) for line in lines]
    db.session.flush()
    return quotation


def open_quotation(request: RepairRequest) -> RepairQuotation | None:
    """The quotation still in play (draft, waiting for approval or approved), if any."""
    live = {QuotationState.DRAFT, QuotationState.SUBMITTED, QuotationState.APPROVED}
    return next((q for q in reversed(request.quotations) if q.status in live), None)


# --- requisitions and failed parts ------------------------------------------------------------------------


def create_requisition(
    request: RepairRequest, lines: Iterable[Mapping[str, Any]], *, note: str = "", actor, now=None
) -> PartRequisition:
    """A draft requisition of spare parts for the case (submit it to ask the warehouse)."""
    requisition = create_record(
        PartRequisition, {"request_id": request.id, "note": note}, actor=actor, now=now
    )
    requisition.lines = [RequisitionLine(**dict(line)) for line in lines]
    db.session.flush()
    return requisition


def receive_failed_part(line: RequisitionLine, *, actor, now: dt.datetime | None = None) -> None:
    """The failed part of ``line`` is back at the service centre; recorded once, audited."""
    if not line.returns_failed_part or line.returned_at is not None:
        return
    line.returned_at = now or utcnow()
    line.received_by_id = getattr(actor, "id", None)
    audit(
        AuditAction.UPDATE,
        line.requisition,
        actor=actor,
        changes={"failed_part_returned": [None, f"{line.part_no} × {line.quantity}"]},
    )
    db.session.flush()


# --- the customer's signature and the repair record number --------------------------------------------


def customer_signature(request: RepairRequest):
    """The latest drawn signature, else the latest signed and stamped sheet, else ``None``."""
    for kind in (AttachmentKind.SIGNATURE, AttachmentKind.SIGNED_SCAN):
        found = attachments_of(request.record_type, request.id, kind)
        if found:
            return found[-1]
    return None


def _report_form() -> ControlledDocument | None:
    return controlled_form("repair", "F04")


@record_transitioned.connect
def _follow_transitions(record, *, actor, new_state: str, **_kw) -> None:
    """Keep the case in step with its quotation, and number the repair record at completion."""
    if isinstance(record, RepairQuotation):
        request = record.request
        if new_state == QuotationState.ACCEPTED and request.status == RepairState.AWAITING_QUOTE:
            transition(request, "quote_accepted", actor=actor)
        elif new_state == QuotationState.DECLINED and request.status == RepairState.AWAITING_QUOTE:
            reason = _("Quotation %(number)s declined.", number=record.number or "")
            transition(request, "customer_declines", actor=actor, reason=reason)
    elif isinstance(record, RepairRequest) and new_state == RepairState.COMPLETED:
        signature = customer_signature(record)
        if signature is not None:
            is_drawn = signature.kind == AttachmentKind.SIGNATURE
            record.signature_attachment_id = signature.id if is_drawn else None
            record.signed_scan_attachment_id = None if is_drawn else signature.id
            record.customer_signed_at = signature.signed_at or signature.uploaded_at
        record.completed_at = record.completed_at or utcnow()
        form = _report_form()
        if record.report_number is None and form is not None:
            record.report_number = issue_record_number(form, at=record.completed_at)
            record.report_form_code = form.code
            record.report_form_revision = form.revision
        db.session.flush()


@collect_unit_history.connect
def _unit_repairs(unit, **_kw) -> list[tuple]:
    """The unit's repair cases for its service archive: ``(received, title, url)``, newest first."""
    from flask import url_for

    cases = db.session.scalars(
        select(RepairRequest)
        .where(RepairRequest.unit_id == unit.id, RepairRequest.status != RepairState.DRAFT.value)
        .order_by(RepairRequest.received_at.desc())
    )
    return [
        (
            case.received_at,
            _(
                "Repair %(number)s: %(state)s – %(symptom)s",
                number=case.number,
                state=case.status_title,
                symptom=(case.symptom or "")[:60],
            ),
            url_for("repair.detail", request_id=case.id),
        )
        for case in cases
    ]


@collect_tasks.connect
def _repair_tasks(user, limit: int = 50, **_kw) -> list:
    """The home page's open repair tasks: my cases as engineer; cases to dispatch or support for
    the service manager; cases waiting for a quotation for the service centre."""
    from flask import url_for

    from app.core.permissions import Department, Role, has_role, in_department
    from app.core.tasks import Task
    from app.repair.queries import next_due_column

    wanted = []
    if has_role(user, Role.SERVICE_ENGINEER):
        working = OPEN_STATES - {RepairState.COMPLETED}
        wanted.append(
            (RepairRequest.engineer_id == user.id) & RepairRequest.status.in_([s.value for s in working])
        )
    if in_department(user, Department.SERVICE):
        wanted.append(RepairRequest.status == RepairState.AWAITING_QUOTE.value)
        if has_role(user, Role.DEPT_MANAGER):
            wanted.append(
                RepairRequest.status.in_([RepairState.RECEIVED.value, RepairState.AWAITING_SUPPORT.value])
            )
    if not wanted:
        return []
    from sqlalchemy import or_

    rows = db.session.execute(
        select(RepairRequest, next_due_column())
        .where(or_(*wanted))
        .order_by(RepairRequest.received_at.desc())  # open cases are recent: an index walk from the end
        .limit(limit)
        # the title names the customer and the unit: nothing else of the case is joined
        .options(
            lazyload("*"), joinedload(RepairRequest.customer), joinedload(RepairRequest.unit).lazyload("*")
        )
    ).unique()
    return [
        Task(
            title=_("%(state)s – %(summary)s", state=case.status_title, summary=case.summary),
            url=url_for("repair.detail", request_id=case.id),
            module="repair",
            due_at=due,
            number=case.number or "",
        )
        for case, due in rows
    ]
