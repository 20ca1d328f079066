"""Who moves a repair case, a quotation and a requisition from which state to which, and when.

The guards follow DOMAIN.md §4 "Repair": the service centre registers the request, its
manager dispatches an engineer, only the assigned engineer reports from site, the manager
approves quotations and closes the case. Deadlines: a reply within 24 h and the engineer on
site within 1 / 3 / 7 working days by the customer's region class (configurable).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from app.core.calendar.queries import company_calendar
from app.core.permissions import Department, Role
from app.core.records.engine import DeadlineStart, Meaning, Transition, WorkflowDefinition, registry
from app.repair.forms import (
    AcceptQuotationForm,
    CompletionForm,
    DiagnosisForm,
    DispatchForm,
    FeeForm,
    PaidDiagnosisForm,
    ScheduleForm,
    SupportAnswerForm,
    SupportForm,
)
from app.repair.models import (
    PartRequisition,
    QuotationState,
    RepairQuotation,
    RepairRequest,
    RepairState,
    RequisitionState,
)

S, Q, R = RepairState, QuotationState, RequisitionState
SERVICE = {"departments": (Department.SERVICE,)}
SERVICE_MANAGER = {"roles": (Role.DEPT_MANAGER,), "departments": (Department.SERVICE,)}
ENGINEER = {"roles": (Role.SERVICE_ENGINEER,)}

#: the working days to be on site, by region class (DOMAIN.md §4 defaults)
DEFAULT_ONSITE_DAYS = {"city": 1, "province": 3, "remote": 7}
DEFAULT_REPLY_HOURS = 24


def is_assigned_engineer(user, request: RepairRequest) -> bool:
    return request.engineer_id is not None and request.engineer_id == getattr(user, "id", None)


def onsite_days(request: RepairRequest) -> int:
    days = {**DEFAULT_ONSITE_DAYS, **current_app.config.get("REPAIR_ONSITE_DAYS", {})}
    region = request.customer.region_class if request.customer else "remote"
    return int(days.get(str(region), days["remote"]))


def reply_due(request: RepairRequest, now: datetime) -> datetime:
    """Reply within 24 h of the request being received (clock hours: phones are staffed)."""
    hours = current_app.config.get("REPAIR_REPLY_HOURS", DEFAULT_REPLY_HOURS)
    return (request.received_at or now) + timedelta(hours=hours)


def onsite_due(request: RepairRequest, now: datetime) -> datetime:
    """On site within the region's number of working days of the request being received."""
    return company_calendar().add_working_days(request.received_at or now, onsite_days(request))


def _name_of(model_path: str, attribute: str):
    """An audited id shown as the record it names (a user's name, a unit's serial …)."""

    def show(value):
        import importlib

        from app.extensions import db

        module, _, name = model_path.rpartition(".")
        obj = db.session.get(getattr(importlib.import_module(module), name), int(value))
        return getattr(obj, attribute) if obj is not None else value

    return show


def _local_time(value):
    """An audited time (ISO text) on the company's clock."""
    from flask_babel import format_datetime

    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def _yes_no(value):
    return _l("Yes") if value else _l("No")


FORMATTERS = {
    "engineer_id": _name_of("app.core.auth.models.User", "display_name"),
    "customer_id": _name_of("app.core.masterdata.models.Customer", "name"),
    "unit_id": _name_of("app.core.masterdata.models.Unit", "serial"),
    "fault_category_id": _name_of("app.repair.models.FaultCategory", "name_zh"),
    "received_at": _local_time,
    "appointment_at": _local_time,
    "in_warranty": _yes_no,
    "customer_caused": _yes_no,
    "is_fixed": _yes_no,
    "is_satisfied": _yes_no,
}

OPEN_CASE = (
    S.RECEIVED,
    S.DISPATCHED,
    S.SCHEDULED,
    S.ON_SITE,
    S.AWAITING_QUOTE,
    S.AWAITING_SUPPORT,
    S.IN_REPAIR,
)

REPAIR = registry.register(
    WorkflowDefinition(
        module="repair",
        model=RepairRequest,
        form_key="F01",
        title=_l("Repair request"),
        endpoint="repair.detail",
        id_arg="request_id",
        formatters=FORMATTERS,
        print_templates={"F01": "repair/print/request.html", "F04": "repair/print/record.html"},
        states=RepairState,
        initial=S.DRAFT,
        read_only=frozenset({S.CLOSED, S.DECLINED, S.CANCELLED, S.VOID}),
        closed=frozenset({S.CLOSED, S.DECLINED, S.CANCELLED, S.VOID}),
        summary=lambda r: " · ".join(
            part for part in (str(r.customer or ""), str(r.unit or ""), (r.symptom or "")[:60]) if part
        ),
        fields=(
            "channel",
            "received_at",
            "customer_id",
            "unit_id",
            "contact_name",
            "contact_phone",
            "symptom",
            "fault_category_id",
            "in_warranty",
            "warranty_end",
            "warranty_basis",
            "customer_caused",
            "engineer_id",
            "appointment_at",
            "appointment_note",
            "fault_found",
            "support_kind",
            "support_request",
            "support_answer",
            "cause",
            "action_taken",
            "parts_used",
            "hours",
            "customer_signer",
            "is_fixed",
            "is_satisfied",
            "customer_opinion",
            "fee_collected",
            "invoice_no",
        ),
        labels={
            "channel": _l("Channel"),
            "received_at": _l("Received at"),
            "customer_id": _l("Customer"),
            "unit_id": _l("Unit"),
            "contact_name": _l("Contact"),
            "contact_phone": _l("Contact phone"),
            "symptom": _l("Symptom"),
            "fault_category_id": _l("Fault category"),
            "in_warranty": _l("In warranty"),
            "warranty_end": _l("Warranty end"),
            "warranty_basis": _l("Warranty decision"),
            "customer_caused": _l("Caused by the customer"),
            "engineer_id": _l("Engineer"),
            "appointment_at": _l("Appointment"),
            "appointment_note": _l("Appointment note"),
            "fault_found": _l("Fault found"),
            "support_kind": _l("Support needed"),
            "support_request": _l("Support request"),
            "support_answer": _l("Support given"),
            "cause": _l("Cause"),
            "action_taken": _l("Action taken"),
            "parts_used": _l("Parts used"),
            "hours": _l("Hours"),
            "customer_signer": _l("Signed by (customer)"),
            "is_fixed": _l("Fixed?"),
            "is_satisfied": _l("Satisfied?"),
            "customer_opinion": _l("Customer's opinion"),
            "fee_collected": _l("Fee collected"),
            "invoice_no": _l("Invoice number"),
            "customer_signature": _l("Customer's signature (pad or signed sheet)"),
        },
        transitions=(
            Transition(
                "submit",
                _l("Register the request"),
                (S.DRAFT,),
                S.RECEIVED,
                required=("customer_id", "unit_id", "contact_name", "symptom", "fault_category_id"),
                issues_number=True,
                starts=(
                    DeadlineStart("reply", due=reply_due, department=Department.SERVICE, title=_l("Reply")),
                    DeadlineStart(
                        "onsite", due=onsite_due, department=Department.SERVICE, title=_l("On site")
                    ),
                ),
                **SERVICE,
            ),
            Transition(
                "discard",
                _l("Discard the draft"),
                (S.DRAFT,),
                S.CANCELLED,
                when=lambda user, r: user.id == r.created_by_id,
                style="outline-danger",
                **SERVICE,
            ),
            Transition(
                "dispatch",
                _l("Dispatch"),
                (S.RECEIVED, S.DISPATCHED, S.SCHEDULED),
                S.DISPATCHED,
                required=("engineer_id",),
                form=DispatchForm,
                **SERVICE_MANAGER,
            ),
            Transition(
                "schedule",
                _l("Appointment agreed"),
                (S.DISPATCHED, S.SCHEDULED),
                S.SCHEDULED,
                required=("appointment_at",),
                form=ScheduleForm,
                when=is_assigned_engineer,
                stops=("reply",),
                **ENGINEER,
            ),
            Transition(
                "arrive",
                _l("Arrived on site"),
                (S.SCHEDULED,),
                S.ON_SITE,
                when=is_assigned_engineer,
                stops=("reply", "onsite"),
                **ENGINEER,
            ),
            Transition(
                "start_repair",
                _l("Start the free repair"),
                (S.ON_SITE,),
                S.IN_REPAIR,
                required=("fault_found",),
                form=DiagnosisForm,
                when=lambda user, r: is_assigned_engineer(user, r) and not r.is_paid,
                **ENGINEER,
            ),
            Transition(
                "ask_quote",
                _l("Customer agrees to a paid repair"),
                (S.ON_SITE,),
                S.AWAITING_QUOTE,
                required=("fault_found",),
                form=PaidDiagnosisForm,
                when=lambda user, r: is_assigned_engineer(user, r) and r.is_paid,
                **ENGINEER,
            ),
            Transition(
                "quote_accepted",
                _l("Quotation accepted"),
                (S.AWAITING_QUOTE,),
                S.IN_REPAIR,
                when=lambda user, r: r.accepted_quotation is not None,
                **SERVICE,
            ),
            Transition(
                "customer_declines",
                _l("Customer declines the paid repair"),
                (S.ON_SITE, S.AWAITING_QUOTE),
                S.DECLINED,
                needs_reason=True,
                when=lambda user, r: r.is_paid,
                style="outline-danger",
                **SERVICE,
            ),
            Transition(
                "request_support",
                _l("Ask the centre for support"),
                (S.ON_SITE, S.IN_REPAIR),
                S.AWAITING_SUPPORT,
                required=("support_kind", "support_request"),
                form=SupportForm,
                when=is_assigned_engineer,
                style="outline-primary",
                **ENGINEER,
            ),
            Transition(
                "support_given",
                _l("Support given"),
                (S.AWAITING_SUPPORT,),
                S.IN_REPAIR,
                required=("support_answer",),
                form=SupportAnswerForm,
                roles=(Role.DEPT_MANAGER,),
                departments=(Department.SERVICE, Department.TECHNICAL),
            ),
            Transition(
                "complete",
                _l("Repair completed and signed"),
                (S.IN_REPAIR,),
                S.COMPLETED,
                required=(
                    "cause",
                    "action_taken",
                    "hours",
                    "customer_signer",
                    "is_fixed",
                    "is_satisfied",
                    "customer_signature",
                ),
                form=CompletionForm,
                when=is_assigned_engineer,
                **ENGINEER,
            ),
            Transition(
                "close",
                _l("Approve and close"),
                (S.COMPLETED,),
                S.CLOSED,
                approval=Meaning.APPROVED,
                when=lambda user, r: not r.is_paid,
                where=lambda m: and_(m.in_warranty.is_not(False), m.customer_caused.is_not(True)),
                style="success",
                **SERVICE_MANAGER,
            ),
            Transition(
                "close_paid",
                _l("Fee collected: approve and close"),
                (S.COMPLETED,),
                S.CLOSED,
                approval=Meaning.APPROVED,
                required=("fee_collected", "invoice_no"),
                form=FeeForm,
                when=lambda user, r: r.is_paid,
                where=lambda m: or_(m.in_warranty.is_(False), m.customer_caused.is_(True)),
                style="success",
                **SERVICE_MANAGER,
            ),
            Transition(
                "send_back",
                _l("Send back to the engineer"),
                (S.COMPLETED,),
                S.IN_REPAIR,
                approval=Meaning.APPROVED,
                rejects=True,
                style="outline-danger",
                **SERVICE_MANAGER,
            ),
            Transition(
                "cancel",
                _l("Cancel"),
                OPEN_CASE,
                S.CANCELLED,
                needs_reason=True,
                stops=("reply", "onsite"),
                style="outline-danger",
                **SERVICE_MANAGER,
            ),
            Transition(
                "void",
                _l("Void"),
                (S.CLOSED, S.DECLINED),
                S.VOID,
                needs_reason=True,
                correction=True,
                roles=(Role.QUALITY_ADMIN,),
                style="danger",
            ),
        ),
    )
)


QUOTATION = registry.register(
    WorkflowDefinition(
        module="repair",
        model=RepairQuotation,
        form_key="F02",
        title=_l("Repair quotation"),
        endpoint="repair.quotation",
        id_arg="quotation_id",
        print_templates={"F02": "repair/print/quotation.html"},
        states=QuotationState,
        initial=Q.DRAFT,
        read_only=frozenset({Q.ACCEPTED, Q.DECLINED, Q.WITHDRAWN}),
        closed=frozenset({Q.ACCEPTED, Q.DECLINED, Q.WITHDRAWN}),
        summary=lambda q: f"{q.request.number or ''} · {q.request.customer or ''} · ¥{q.total}",
        fields=(
            "request_id",
            "labour_hours",
            "labour_rate",
            "travel_fee",
            "note",
            "accepted_price",
            "payment_due",
        ),
        labels={
            "labour_hours": _l("Labour hours"),
            "labour_rate": _l("Labour rate"),
            "travel_fee": _l("Travel"),
            "note": _l("Note"),
            "accepted_price": _l("Price accepted"),
            "payment_due": _l("Payment date"),
        },
        transitions=(
            Transition(
                "submit",
                _l("Submit for approval"),
                (Q.DRAFT,),
                Q.SUBMITTED,
                required=("labour_hours",),
                issues_number=True,
                **SERVICE,
            ),
            Transition(
                "approve",
                _l("Approve"),
                (Q.SUBMITTED,),
                Q.APPROVED,
                approval=Meaning.APPROVED,
                style="success",
                **SERVICE_MANAGER,
            ),
            Transition(
                "reject",
                _l("Reject"),
                (Q.SUBMITTED,),
                Q.DRAFT,
                approval=Meaning.APPROVED,
                rejects=True,
                style="outline-danger",
                **SERVICE_MANAGER,
            ),
            Transition(
                "customer_accepts",
                _l("Customer accepts"),
                (Q.APPROVED,),
                Q.ACCEPTED,
                required=("accepted_price", "payment_due"),
                form=AcceptQuotationForm,
                style="success",
                **SERVICE,
            ),
            Transition(
                "customer_declines",
                _l("Customer declines"),
                (Q.APPROVED,),
                Q.DECLINED,
                needs_reason=True,
                style="outline-danger",
                **SERVICE,
            ),
            Transition(
                "withdraw",
                _l("Withdraw"),
                (Q.DRAFT, Q.SUBMITTED),
                Q.WITHDRAWN,
                needs_reason=True,
                style="outline-secondary",
                **SERVICE,
            ),
        ),
    )
)


REQUISITION = registry.register(
    WorkflowDefinition(
        module="repair",
        model=PartRequisition,
        form_key="F03",
        title=_l("Spare-part requisition"),
        endpoint="repair.requisition",
        id_arg="requisition_id",
        print_templates={"F03": "repair/print/requisition.html"},
        states=RequisitionState,
        initial=R.DRAFT,
        read_only=frozenset({R.CLOSED, R.CANCELLED}),
        closed=frozenset({R.CLOSED, R.CANCELLED}),
        summary=lambda q: f"{q.request.number or ''} · {len(q.lines)}",
        fields=("request_id", "note"),
        labels={"note": _l("Note"), "lines": _l("Parts")},
        transitions=(
            Transition(
                "submit",
                _l("Request the parts"),
                (R.DRAFT,),
                R.SUBMITTED,
                required=("lines",),
                issues_number=True,
                **SERVICE,
            ),
            Transition(
                "issue",
                _l("Parts issued"),
                (R.SUBMITTED,),
                R.ISSUED,
                roles=(Role.WAREHOUSE_KEEPER,),
            ),
            Transition(
                "close",
                _l("All failed parts returned"),
                (R.ISSUED,),
                R.CLOSED,
                when=lambda user, q: not q.outstanding_returns,
                roles=(Role.WAREHOUSE_KEEPER,),
            ),
            Transition(
                "cancel",
                _l("Cancel"),
                (R.DRAFT, R.SUBMITTED),
                R.CANCELLED,
                needs_reason=True,
                style="outline-danger",
                **SERVICE,
            ),
        ),
    )
)
