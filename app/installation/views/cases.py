"""Installations: the list, the request (F01), the case page and the commissioning checklists."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.masterdata.models import Customer
from app.core.masterdata.queries import parse_sort
from app.core.models import utcnow
from app.core.pagination import paginate
from app.core.permissions import Department, in_department, login_required
from app.core.records.engine.errors import ValidationError
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db
from app.installation import bp
from app.installation.forms import CommissioningForm, RequestForm
from app.installation.models import InstallationRequest, InstallationState
from app.installation.queries import SORTS, installation_query
from app.installation.services import (
    checklist_prefix,
    commissioning_units,
    read_commissioning,
    record_commissioning,
    request_installation,
    shipments_of,
    units_offered,
)
from app.installation.workflow import PLAN_DAYS_BEFORE, is_on_site_team

S = InstallationState


def _actor():
    return current_user._get_current_object()


def can_request(user) -> bool:
    """Salespeople request installations (DOMAIN.md §4)."""
    return in_department(user, Department.SALES)


def may_write_plan(user, case: InstallationRequest) -> bool:
    """Production writes the plan while the installation waits for one."""
    return (
        case.status == S.REQUESTED and in_department(user, Department.PRODUCTION) and case.open_plan is None
    )


def may_commission(user, case: InstallationRequest) -> bool:
    """The project lead (or the production manager) fills in the commissioning checklists on site."""
    return case.status == S.ON_SITE and is_on_site_team(user, case)


def get_request_or_404(request_id: int) -> InstallationRequest:
    case = db.session.get(InstallationRequest, request_id)
    if case is None or case.status == S.DRAFT:
        abort(404)
    return case


# --- list ---------------------------------------------------------------------------------------------


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _list_filters() -> dict:
    args = request.args
    status = args.get("status", "")
    if status not in {"", "open", *(s.value for s in S)}:
        status = ""
    date_from, date_to = _date_arg("from"), _date_arg("to")
    return {
        "q": args.get("q", "").strip()[:100],
        "status": status,
        "customer": args.get("customer", type=int) or None,
        "mine": "1" if args.get("mine") == "1" else "",
        "from": date_from.isoformat() if date_from else "",
        "to": date_to.isoformat() if date_to else "",
        "overdue": "1" if args.get("overdue") == "1" else "",
    }


@bp.route("/")
@login_required
def index():
    filters = _list_filters()
    sort, descending = parse_sort(request.args.get("sort"), SORTS, "date")
    now = utcnow()
    query = installation_query(
        q=filters["q"],
        status=filters["status"],
        customer_id=filters["customer"],
        mine_id=current_user.id if filters["mine"] else None,
        date_from=dt.date.fromisoformat(filters["from"]) if filters["from"] else None,
        date_to=dt.date.fromisoformat(filters["to"]) if filters["to"] else None,
        is_overdue=bool(filters["overdue"]),
        sort=sort,
        descending=descending,
        now=now,
    )
    page = paginate(
        query, max(1, request.args.get("page", 1, type=int) or 1), current_app.config["PAGE_SIZE"], rows=True
    )
    active = {k: v for k, v in filters.items() if v not in (None, "")}
    return render(
        "installation/index.html",
        "installation_table",
        page=page,
        filters=filters,
        active=active,
        sort=sort,
        descending=descending,
        now=now,
        states=[s for s in S if s != S.DRAFT],
        customer=db.session.get(Customer, filters["customer"]) if filters["customer"] else None,
        may_request=can_request(current_user),
    )


# --- the request (F01) --------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_request(current_user):
        abort(403)
    form = RequestForm()
    if request.method == "POST":
        if form.validate():
            try:
                case = request_installation(form.values(), actor=_actor())
            except ValidationError as error:
                db.session.rollback()
                for key, message in error.errors.items():
                    target = form[key] if key in form._fields else form.note
                    target.errors = [*target.errors, str(message)]
            else:
                db.session.commit()
                flash(_("Installation request %(number)s sent to Production.", number=case.number), "success")
                return redirect_after_post(url_for("installation.detail", request_id=case.id))
        return render(
            "installation/form.html", "request_form", form=form, status=422, plan_days=PLAN_DAYS_BEFORE
        )
    customer_id = request.args.get("customer", type=int)
    if customer_id:
        form = RequestForm(formdata=None, data={"customer_id": customer_id})
        if form.customer is not None:
            form.site.data = form.customer.address
    return render("installation/form.html", form=form, plan_days=PLAN_DAYS_BEFORE)


@bp.route("/units")
@login_required
def units_picker():
    """The units of the customer picked in the request form that can be installed (a fragment)."""
    customer = db.session.get(Customer, request.args.get("customer_id", type=int) or 0)
    selected = {int(v) for v in request.args.getlist("unit_ids") if v.isdigit()}
    return render(
        "installation/_units.html",
        customer=customer,
        offered=units_offered(customer),
        selected=selected,
        errors=[],
    )


# --- the case page ------------------------------------------------------------------------------------


@bp.route("/<int:request_id>")
@login_required
def detail(request_id: int):
    case = get_request_or_404(request_id)
    return render(
        "installation/detail.html",
        record=case,
        may_plan=may_write_plan(current_user, case),
        may_commission=may_commission(current_user, case),
        shipments=_shipments(case) if case.status == S.PLANNED else {},
    )


def _shipments(case: InstallationRequest) -> dict:
    """The shipping-note lines of the units, to check the contents against at the unboxing."""
    found = {unit.id: shipments_of(unit) for unit in case.units}
    return {unit_id: rows for unit_id, rows in found.items() if rows}


# --- commissioning ------------------------------------------------------------------------------------


def _commissioning_page(case, form, *, entries=None, errors=None, status=200):
    answers = {
        e["unit_id"]: e["results"] for e in (entries if entries is not None else case.commissioning or [])
    }
    rows = [
        (unit, template, checklist_prefix(unit), answers.get(unit.id), (errors or {}).get(unit.id))
        for unit, template in commissioning_units(case)
    ]
    return render(
        "installation/commissioning.html",
        "commissioning_form",
        status=status,
        record=case,
        form=form,
        rows=rows,
        failed=[e for e in (entries or []) if any(r.get("passed") is False for r in e["results"])],
    )


@bp.route("/<int:request_id>/commissioning", methods=["GET", "POST"])
@login_required
def commissioning(request_id: int):
    """The commissioning checklist of each unit's product, the self-inspection and the trial run.

    All passed: the installation is commissioned. A failed check or trial run is recorded as
    found, and the page shows what to fix before checking again.
    """
    case = get_request_or_404(request_id)
    if not may_commission(current_user, case):
        abort(403)
    if request.method == "GET":
        return _commissioning_page(case, CommissioningForm(record=case))
    check_version(case)
    form = CommissioningForm()
    entries, errors = read_commissioning(case, request.form)
    if not form.validate() or errors:
        return _commissioning_page(case, form, entries=entries, errors=errors, status=422)
    moved = record_commissioning(case, entries, form.values(), actor=_actor())
    db.session.commit()
    if moved:
        flash(_("Commissioned: every check and the trial run passed."), "success")
        return redirect_after_post(url_for("installation.detail", request_id=case.id))
    flash(_("Results recorded. Not everything passed: fix it and check again."), "warning")
    return _commissioning_page(case, CommissioningForm(record=case), entries=entries)


@bp.app_template_global("installation_may_commission")
def _may_commission(case) -> bool:
    return may_commission(current_user, case)
