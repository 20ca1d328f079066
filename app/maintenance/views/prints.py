"""The printed controlled records of maintenance: F01 plan (one plan, or all plans of a customer)
and F02 maintenance record. Every print is audited (who, when, which form and number)."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import print_signature
from app.core.calendar.queries import company_calendar
from app.core.masterdata.models import Customer
from app.core.pdf import Signature, audit_print, pdf_response, render_pdf
from app.core.permissions import login_required
from app.core.records.engine import print_signatures
from app.core.records.engine.registry import registry
from app.core.records.engine.services import controlled_form
from app.core.templating import current_locale
from app.extensions import db
from app.maintenance import bp
from app.maintenance.checklist import failed_count
from app.maintenance.models import MaintenancePlan, MaintenanceVisit, PlanState
from app.maintenance.services import customer_signature, upcoming_dates

CUSTOMER = "客户签字 Customer"
ENGINEER = "服务工程师 Engineer"
PREPARED = "编制 Prepared by"
#: planned dates a printed plan lists ahead
PRINT_AHEAD = 12


def _signatures(record) -> list[Signature]:
    """The engine's approval signatures, plus the people the paper form has sign."""
    blocks = [Signature(**item) for item in print_signatures(record)]
    if isinstance(record, MaintenanceVisit):
        engineer = Signature(
            ENGINEER, record.engineer.display_name if record.engineer else "", record.completed_at
        )
        signature = customer_signature(record)
        if signature is not None and signature.kind == AttachmentKind.SIGNATURE:
            customer = print_signature(signature, CUSTOMER)
        elif signature is not None:
            customer = Signature(
                CUSTOMER + "（见盖章扫描件 see signed scan）", signature.signer_name or record.customer_signer
            )
        else:
            customer = Signature(CUSTOMER)
        return [engineer, customer, *blocks]
    creator = record.submitted_by or record.created_by
    return [Signature(PREPARED, creator.display_name if creator else "", record.submitted_at), *blocks]


def _plan_rows(plan: MaintenancePlan, calendar) -> dict:
    return {
        "plan": plan,
        "visits": [v for v in plan.visits if v.number],
        "upcoming": upcoming_dates(plan, PRINT_AHEAD, calendar) if plan.status == PlanState.ACTIVE else [],
    }


@bp.route("/print/<record_type>/<int:record_id>/<form_key>.pdf")
@login_required
def print_record(record_type: str, record_id: int, form_key: str):
    """A plan (F01) or a maintenance record (F02) as PDF, labels in the reader's language."""
    definition = registry.for_type(record_type)
    if definition is None or definition.module != "maintenance" or form_key not in definition.print_templates:
        abort(404)
    record = db.session.get(definition.model, record_id)
    if record is None or not record.number:
        abort(404)
    context = {"record": record}
    if isinstance(record, MaintenancePlan):
        context["plans"] = [_plan_rows(record, company_calendar())]
        context["customer"] = record.customer
    else:
        context["failed"] = failed_count(record.checklist_results)
    pdf = render_pdf(
        definition.print_templates[form_key],
        record_number=record.number,
        form=record.form,
        signatures=_signatures(record),
        context=context,
        lang=str(current_locale()),
    )
    audit_print(
        record,
        actor=current_user._get_current_object(),
        form_code=record.form.code,
        record_number=record.number,
        ip=request.remote_addr,
    )
    db.session.commit()
    return pdf_response(pdf, f"{record.number}.pdf")


@bp.route("/print/customers/<int:customer_id>/F01.pdf")
@login_required
def print_customer_plan(customer_id: int):
    """The maintenance plan of one customer: every plan in force, all its units and dates."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    plans = list(
        db.session.scalars(
            select(MaintenancePlan)
            .where(
                MaintenancePlan.customer_id == customer.id,
                MaintenancePlan.status.in_([PlanState.ACTIVE.value, PlanState.PAUSED.value]),
            )
            .order_by(MaintenancePlan.id)
        ).unique()
    )
    form = controlled_form("maintenance", "F01")
    if not plans or form is None:
        abort(404)
    calendar = company_calendar()
    numbers = ", ".join(p.number for p in plans)
    pdf = render_pdf(
        "maintenance/print/plan.html",
        record_number=numbers if len(plans) == 1 else None,
        form=form,
        signatures=[Signature(PREPARED), Signature("批准 Approved")],
        context={"customer": customer, "plans": [_plan_rows(p, calendar) for p in plans], "record": None},
        lang=str(current_locale()),
    )
    audit_print(
        customer,
        actor=current_user._get_current_object(),
        form_code=form.code,
        record_number=numbers,
        label=f"{customer.name} · {form.code}",
        ip=request.remote_addr,
    )
    db.session.commit()
    return pdf_response(pdf, f"{form.code.replace('/', '-')}-{customer.name}.pdf")


@bp.app_template_global("maintenance_print_url")
def print_url(record, form_key: str) -> str:
    return url_for(
        "maintenance.print_record", record_type=record.record_type, record_id=record.id, form_key=form_key
    )
