"""Maintenance plans: the list, a new plan, plans in bulk, a draft's edit, the plan's page."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select

from app.core.calendar.queries import company_calendar, company_today
from app.core.masterdata.models import Customer, Unit
from app.core.masterdata.queries import parse_sort
from app.core.pagination import paginate
from app.core.permissions import Department, in_department, login_required
from app.core.records.engine.errors import ValidationError
from app.core.text_search import contains_text
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db
from app.maintenance import bp
from app.maintenance.forms import BulkPlanForm, PlanForm
from app.maintenance.models import MaintenancePlan, PlanState, PlanUnit
from app.maintenance.services import (
    bulk_units,
    create_plan,
    create_plans_in_bulk,
    engineers,
    latest_reason,
    lead_days,
    upcoming_dates,
    update_plan,
)

PLAN_SORTS = {
    "number": (MaintenancePlan.id,),
    "customer": (Customer.name, MaintenancePlan.id),
    "due": (MaintenancePlan.next_due_date, MaintenancePlan.id),
    "status": (MaintenancePlan.status, MaintenancePlan.id),
}


def _actor():
    return current_user._get_current_object()


def can_plan(user) -> bool:
    """The service centre and sales draw up maintenance plans."""
    return in_department(user, Department.SERVICE, Department.SALES)


def get_plan_or_404(plan_id: int) -> MaintenancePlan:
    plan = db.session.get(MaintenancePlan, plan_id)
    if plan is None:
        abort(404)
    return plan


def may_edit_plan(user, plan: MaintenancePlan) -> bool:
    """A plan sent back is changed by whoever may draw up plans."""
    return plan.status == PlanState.DRAFT and can_plan(user)


# --- the list ----------------------------------------------------------------------------------------


def _filters() -> dict:
    args = request.args
    status = args.get("status", "")
    if status not in {"", *(s.value for s in PlanState)}:
        status = ""
    return {
        "q": args.get("q", "").strip()[:100],
        "status": status,
        "engineer": args.get("engineer", type=int) or None,
        "customer": args.get("customer", type=int) or None,
    }


def plan_query(*, q="", status="", engineer_id=None, customer_id=None, sort="due", descending=False):
    query = select(MaintenancePlan).join(Customer, Customer.id == MaintenancePlan.customer_id)
    if q:
        units = (
            select(PlanUnit.plan_id)
            .join(Unit, Unit.id == PlanUnit.unit_id)
            .where(contains_text(Unit.serial, q))
        )
        query = query.where(
            or_(
                contains_text(MaintenancePlan.number, q),
                contains_text(Customer.name, q),
                MaintenancePlan.id.in_(units),
            )
        )
    if status:
        query = query.where(MaintenancePlan.status == status)
    if engineer_id:
        query = query.where(MaintenancePlan.engineer_id == engineer_id)
    if customer_id:
        query = query.where(MaintenancePlan.customer_id == customer_id)
    columns = PLAN_SORTS.get(sort, PLAN_SORTS["due"])
    return query.order_by(*[c.desc() if descending else c.asc() for c in columns])


@bp.route("/")
@login_required
def index():
    filters = _filters()
    sort, descending = parse_sort(request.args.get("sort"), PLAN_SORTS, "due")
    query = plan_query(
        q=filters["q"],
        status=filters["status"],
        engineer_id=filters["engineer"],
        customer_id=filters["customer"],
        sort=sort,
        descending=descending,
    )
    page = paginate(
        query, max(1, request.args.get("page", 1, type=int) or 1), current_app.config["PAGE_SIZE"]
    )
    active = {k: v for k, v in filters.items() if v not in (None, "")}
    return render(
        "maintenance/index.html",
        "plan_table",
        page=page,
        filters=filters,
        active=active,
        sort=sort,
        descending=descending,
        states=list(PlanState),
        engineers=engineers(),
        customer=db.session.get(Customer, filters["customer"]) if filters["customer"] else None,
        today=company_today(),
        may_plan=can_plan(current_user),
    )


# --- a new plan, a draft's edit ----------------------------------------------------------------------------


def _show_service_errors(form, error: ValidationError) -> None:
    for key, message in error.errors.items():
        target = form[key] if key in form._fields else form.unit_ids
        target.errors = [*target.errors, str(message)]


def _form_page(form, *, plan=None, status=200, block=None):
    return render(
        "maintenance/plan_form.html",
        block,
        status=status,
        form=form,
        plan=plan,
        lead_days=lead_days(),
        shift=current_app.config.get("MAINTENANCE_DUE_SHIFT", "next"),
    )


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def plan_new():
    if not can_plan(current_user):
        abort(403)
    form = PlanForm()
    if request.method == "POST":
        if form.validate():
            try:
                plan = create_plan(form.values(), form.unit_ids.data, actor=_actor())
            except ValidationError as error:
                db.session.rollback()
                _show_service_errors(form, error)
            else:
                db.session.commit()
                flash(_("Maintenance plan %(number)s sent for approval.", number=plan.number), "success")
                return redirect_after_post(url_for("maintenance.plan", plan_id=plan.id))
        return _form_page(form, status=422, block="plan_form")
    unit = db.session.get(Unit, request.args.get("unit", type=int) or 0)
    if unit is not None and unit.customer_id:
        form = PlanForm(formdata=None, data={"customer_id": unit.customer_id, "unit_ids": [unit.id]})
    elif request.args.get("customer_id", type=int):
        form = PlanForm(formdata=None, data={"customer_id": request.args.get("customer_id", type=int)})
    # picking the customer swaps in its units only (the same page, one block of it)
    block = "unit_choices" if request.args.get("part") == "units" else None
    return _form_page(form, block=block)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def plan_edit(plan_id: int):
    plan = get_plan_or_404(plan_id)
    if not may_edit_plan(current_user, plan):
        abort(403)
    if request.method == "POST":
        check_version(plan)
        form = PlanForm()
        if form.validate():
            try:
                update_plan(plan, form.values(), form.unit_ids.data, actor=_actor())
            except ValidationError as error:
                db.session.rollback()
                _show_service_errors(form, error)
            else:
                db.session.commit()
                flash(_("Maintenance plan %(number)s sent for approval.", number=plan.number), "success")
                return redirect_after_post(url_for("maintenance.plan", plan_id=plan.id))
        return _form_page(form, plan=plan, status=422, block="plan_form")
    form = PlanForm(obj=plan, data={"unit_ids": [pu.unit_id for pu in plan.units]})
    if request.args.get("customer_id", type=int):
        form = PlanForm(formdata=None, data={"customer_id": request.args.get("customer_id", type=int)})
    block = "unit_choices" if request.args.get("part") == "units" else None
    return _form_page(form, plan=plan, block=block)


# --- plans in bulk -----------------------------------------------------------------------------------------


@bp.route("/plans/bulk", methods=["GET", "POST"])
@login_required
def plan_bulk():
    if not can_plan(current_user):
        abort(403)
    form = BulkPlanForm()
    if request.method == "POST":
        if form.validate():
            units = bulk_units(
                customer_id=form.customer_id.data if form.basis.data == "customer" else None,
                product_id=int(form.product_id.data) if form.basis.data == "product" else None,
            )
            plans, skipped = [], []
            if units:
                try:
                    plans, skipped = create_plans_in_bulk(
                        units, form.schedule_values(), per=form.grouping.data, actor=_actor()
                    )
                except ValidationError as error:
                    db.session.rollback()
                    for key, message in error.errors.items():
                        target = form[key] if key in form._fields else form.basis
                        target.errors = [*target.errors, str(message)]
                    return render("maintenance/bulk_form.html", "bulk_form", status=422, form=form)
            if plans:
                db.session.commit()
                flash(
                    ngettext(
                        "%(num)s maintenance plan sent for approval.",
                        "%(num)s maintenance plans sent for approval.",
                        len(plans),
                    ),
                    "success",
                )
                for unit, other in skipped:
                    flash(
                        _(
                            "%(serial)s left out: already in plan %(number)s.",
                            serial=unit.serial,
                            number=other.number,
                        ),
                        "warning",
                    )
                return redirect_after_post(url_for("maintenance.index", status=PlanState.SUBMITTED.value))
            form.basis.errors = [
                *form.basis.errors,
                _("No unit without a plan was found for this choice.")
                if skipped or not units
                else _("Nothing to plan."),
            ]
        return render("maintenance/bulk_form.html", "bulk_form", status=422, form=form)
    return render("maintenance/bulk_form.html", form=form)


# --- the plan's page ---------------------------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    record = get_plan_or_404(plan_id)
    calendar = company_calendar()
    return render(
        "maintenance/plan.html",
        record=record,
        upcoming=upcoming_dates(record, 6, calendar),
        calendar=calendar,
        may_edit=may_edit_plan(current_user, record),
        reason=latest_reason(record) if record.status in (PlanState.PAUSED, PlanState.ENDED) else "",
    )


@bp.app_template_global("maintenance_checklist")
def _maintenance_checklist(plan_unit):
    """The maintenance checklist a unit of a plan is checked against (or ``None``)."""
    from app.maintenance.checklist import template_of

    return template_of(plan_unit)
