"""Repair cases: the list, intake, the case page, its quotations and requisitions."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.attachments.checks import UploadRefused
from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import save_upload
from app.core.masterdata.models import Customer, RegionClass
from app.core.masterdata.queries import local_today, parse_sort
from app.core.models import utcnow
from app.core.permissions import Department, Role, has_role, in_department, login_required
from app.core.records.engine import transition
from app.core.records.engine.errors import ValidationError
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db
from app.repair import bp
from app.repair.forms import IntakeForm, QuotationForm, RequisitionForm, read_lines
from app.repair.models import (
    OPEN_STATES,
    PartRequisition,
    RepairQuotation,
    RepairRequest,
    RepairState,
    RequisitionLine,
    RequisitionState,
)
from app.repair.queries import SORTS, repair_page
from app.repair.services import (
    create_quotation,
    create_requisition,
    engineers,
    open_quotation,
    receive_failed_part,
    register_request,
)


def _actor():
    return current_user._get_current_object()


def can_register(user) -> bool:
    """The service centre registers repair requests (information clerk, engineers, managers)."""
    return in_department(user, Department.SERVICE)


def can_manage_settings(user) -> bool:
    """Fault categories and the fee scale: system and quality admins, the service manager."""
    if has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN):
        return True
    return has_role(user, Role.DEPT_MANAGER) and in_department(user, Department.SERVICE)


def _load(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def get_request_or_404(request_id: int) -> RepairRequest:
    return _load(RepairRequest, request_id)


# --- list ---------------------------------------------------------------------------------------------


def _list_filters() -> dict:
    args = request.args
    status = args.get("status", "")
    if status not in {"", "open", *(s.value for s in RepairState)}:
        status = ""
    region = args.get("region", "")
    warranty = args.get("warranty", "")
    mine = args.get("mine") == "1"
    return {
        "q": args.get("q", "").strip()[:100],
        "status": status,
        "engineer": (current_user.id if mine else args.get("engineer", type=int)) or None,
        "customer": args.get("customer", type=int) or None,
        "region": region if region in {r.value for r in RegionClass} else "",
        "warranty": warranty if warranty in {"in", "out"} else "",
        "overdue": "1" if args.get("overdue") == "1" else "",
        "mine": "1" if mine else "",
    }


@bp.route("/")
@login_required
def index():
    filters = _list_filters()
    sort, descending = parse_sort(request.args.get("sort"), SORTS, "-received")
    now = utcnow()
    page = repair_page(
        max(1, request.args.get("page", 1, type=int) or 1),
        current_app.config["PAGE_SIZE"],
        q=filters["q"],
        status=filters["status"],
        engineer_id=filters["engineer"],
        customer_id=filters["customer"],
        region=filters["region"],
        warranty=filters["warranty"],
        is_overdue=bool(filters["overdue"]),
        sort=sort,
        descending=descending,
        now=now,
    )
    active = {k: v for k, v in filters.items() if v not in (None, "")}
    return render(
        "repair/index.html",
        "repair_table",
        page=page,
        filters=filters,
        active=active,
        sort=sort,
        descending=descending,
        now=now,
        states=list(RepairState),
        engineers=engineers,  # called by the filter form only: a fragment does not ask
        regions=list(RegionClass),
        customer=db.session.get(Customer, filters["customer"]) if filters["customer"] else None,
        may_register=can_register(current_user),
        may_settings=can_manage_settings(current_user),
    )


# --- intake -------------------------------------------------------------------------------------------


def response_times() -> dict:
    """The configured reply hours and on-site working days, as the intake form states them."""

    from app.repair.workflow import DEFAULT_ONSITE_DAYS, DEFAULT_REPLY_HOURS

    days = {**DEFAULT_ONSITE_DAYS, **current_app.config.get("REPAIR_ONSITE_DAYS", {})}
    return {"reply": current_app.config.get("REPAIR_REPLY_HOURS", DEFAULT_REPLY_HOURS), **days}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_register(current_user):
        abort(403)
    form = IntakeForm()
    if request.method == "POST":
        if form.validate():
            try:
                case = register_request(form.values(), actor=_actor())
                for upload in request.files.getlist("photos"):
                    if upload and upload.filename:
                        save_upload(
                            upload,
                            record_type=case.record_type,
                            record_id=case.id,
                            kind=AttachmentKind.PHOTO,
                            actor=_actor(),
                        )
            except ValidationError as error:
                db.session.rollback()
                for key, message in error.errors.items():
                    target = form[key] if key in form._fields else form.symptom
                    target.errors = [*target.errors, str(message)]
            except UploadRefused as error:
                db.session.rollback()
                form.photo_errors = [str(error)]
            else:
                db.session.commit()
                flash(_("Repair request %(number)s registered.", number=case.number), "success")
                return redirect_after_post(url_for("repair.detail", request_id=case.id))
        return render(
            "repair/form.html", "intake_form", form=form, status=422, response_times=response_times()
        )
    unit_id = request.args.get("unit", type=int)
    if unit_id:
        form.unit_id.data = unit_id
        if form.unit is not None:
            form.customer_id.data = form.unit.customer_id
    return render("repair/form.html", form=form, response_times=response_times())


@bp.route("/warranty")
@login_required
def warranty_preview():
    """The warranty decision for the unit picked in the intake form (a fragment)."""
    from app.core.masterdata.models import Unit
    from app.repair.services import warranty_decision

    unit = db.session.get(Unit, request.args.get("unit_id", type=int) or 0)
    decision = warranty_decision(unit, local_today()) if unit is not None else None
    return render("repair/_warranty.html", unit=unit, decision=decision)


# --- the case page ----------------------------------------------------------------------------------------


@bp.route("/<int:request_id>")
@login_required
def detail(request_id: int):
    case = get_request_or_404(request_id)
    return render(
        "repair/detail.html",
        record=case,
        quotation=open_quotation(case),
        may_quote=may_quote(current_user, case),
        may_requisition=may_requisition(current_user, case),
    )


def may_quote(user, case: RepairRequest) -> bool:
    """The service centre prices a paid repair once the customer has agreed to one."""
    return (
        case.status == RepairState.AWAITING_QUOTE
        and in_department(user, Department.SERVICE)
        and open_quotation(case) is None
    )


def may_requisition(user, case: RepairRequest) -> bool:
    """The engineer on the case (or the service manager) asks for parts while it is open."""
    working = OPEN_STATES - {RepairState.RECEIVED, RepairState.COMPLETED}
    if case.status not in working:
        return False
    is_manager = has_role(user, Role.DEPT_MANAGER) and in_department(user, Department.SERVICE)
    return is_manager or (case.engineer_id is not None and case.engineer_id == getattr(user, "id", None))


# --- quotations ------------------------------------------------------------------------------------------


@bp.route("/<int:request_id>/quotations/new", methods=["GET", "POST"])
@login_required
def quotation_new(request_id: int):
    case = get_request_or_404(request_id)
    if not may_quote(current_user, case):
        abort(403)
    form = QuotationForm()
    lines, lines_ok = [], True
    if request.method == "POST":
        lines, lines_ok = read_lines(request.form, priced=True)
        form_ok = form.validate()
        if form_ok and lines_ok:
            quotation = create_quotation(
                case,
                labour_hours=form.labour_hours.data,
                lines=[x.values(priced=True) for x in lines],
                note=form.note.data or "",
                actor=_actor(),
            )
            transition(quotation, "submit", actor=_actor())
            db.session.commit()
            flash(_("Quotation %(number)s sent for approval.", number=quotation.number), "success")
            return redirect_after_post(url_for("repair.quotation", quotation_id=quotation.id))
        return render(
            "repair/quotation_form.html", "quotation_form", status=422, record=case, form=form, lines=lines
        )
    return render("repair/quotation_form.html", record=case, form=form, lines=lines)


@bp.route("/quotations/<int:quotation_id>")
@login_required
def quotation(quotation_id: int):
    return render("repair/quotation.html", record=_load(RepairQuotation, quotation_id))


# --- requisitions ----------------------------------------------------------------------------------------


@bp.route("/<int:request_id>/requisitions/new", methods=["GET", "POST"])
@login_required
def requisition_new(request_id: int):
    case = get_request_or_404(request_id)
    if not may_requisition(current_user, case):
        abort(403)
    form = RequisitionForm()
    lines: list = []
    if request.method == "POST":
        lines, lines_ok = read_lines(request.form, priced=False, with_returns=True)
        no_lines = not lines
        if form.validate() and lines_ok and not no_lines:
            requisition = create_requisition(
                case,
                [x.values(with_returns=True) for x in lines],
                note=form.note.data or "",
                actor=_actor(),
            )
            transition(requisition, "submit", actor=_actor())
            db.session.commit()
            flash(_("Requisition %(number)s sent to the warehouse.", number=requisition.number), "success")
            return redirect_after_post(url_for("repair.requisition", requisition_id=requisition.id))
        return render(
            "repair/requisition_form.html",
            "requisition_form",
            status=422,
            record=case,
            form=form,
            lines=lines,
            no_lines=no_lines,
        )
    return render("repair/requisition_form.html", record=case, form=form, lines=lines, no_lines=False)


@bp.route("/requisitions/<int:requisition_id>")
@login_required
def requisition(requisition_id: int):
    return render("repair/requisition.html", record=_load(PartRequisition, requisition_id))


def may_receive_parts(user, requisition: PartRequisition) -> bool:
    return requisition.status == RequisitionState.ISSUED and has_role(user, Role.WAREHOUSE_KEEPER)


@bp.route("/requisitions/lines/<int:line_id>/returned", methods=["POST"])
@login_required
def part_returned(line_id: int):
    """The warehouse ticks a failed part as received back; the line's row is swapped in place."""
    line = _load(RequisitionLine, line_id)
    requisition = line.requisition
    if not may_receive_parts(current_user, requisition):
        abort(403)
    check_version(requisition)
    receive_failed_part(line, actor=_actor())
    db.session.commit()
    return redirect_after_post(url_for("repair.requisition", requisition_id=requisition.id))


@bp.app_template_global("may_receive_parts")
def _may_receive_parts(requisition) -> bool:
    return may_receive_parts(current_user, requisition)


@bp.app_template_global("warranty_for")
def _warranty_for(unit):
    from app.repair.services import warranty_decision

    return warranty_decision(unit, local_today()) if unit is not None else None
