"""Maintenance visits: the list, the overdue list, the visit's page, its checklists and its parts."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from app.core.calendar.queries import company_today
from app.core.models import utcnow
from app.core.pagination import paginate
from app.core.permissions import Role, has_role, login_required
from app.core.records.engine.errors import ValidationError
from app.core.records.engine.models import Deadline
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db
from app.maintenance import bp
from app.maintenance.checklist import read_sheets, sheets_of
from app.maintenance.forms import PartForm
from app.maintenance.models import OPEN_VISIT_STATES, MaintenanceVisit, VisitPart, VisitState
from app.maintenance.services import (
    add_part,
    engineers,
    issue_part,
    latest_reason,
    remove_part,
    save_checklist,
)
from app.maintenance.workflow import is_assigned_engineer, is_service_manager


def _actor():
    return current_user._get_current_object()


def get_visit_or_404(visit_id: int) -> MaintenanceVisit:
    visit = db.session.get(MaintenanceVisit, visit_id)
    if visit is None or visit.status == VisitState.DRAFT:
        abort(404)
    return visit


def may_fill(user, visit: MaintenanceVisit) -> bool:
    """The engineer on the visit (or the service manager) fills in the checklist once the date is agreed."""
    return visit.status == VisitState.CONFIRMED and (
        is_assigned_engineer(user, visit) or is_service_manager(user)
    )


def may_edit_parts(user, visit: MaintenanceVisit) -> bool:
    """The engineer on the visit (or the service manager) lists the parts while the visit is open."""
    return visit.is_open and (is_assigned_engineer(user, visit) or is_service_manager(user))


def may_issue(user, part: VisitPart) -> bool:
    return part.from_warehouse and part.issued_at is None and has_role(user, Role.WAREHOUSE_KEEPER)


# --- lists -------------------------------------------------------------------------------------------------


@bp.route("/visits")
@login_required
def visits():
    args = request.args
    status = args.get("status", "open")
    if status not in {"", "open", *(s.value for s in VisitState if s != VisitState.DRAFT)}:
        status = "open"
    mine = args.get("mine") == "1"
    engineer = current_user.id if mine else (args.get("engineer", type=int) or None)
    query = select(MaintenanceVisit).where(MaintenanceVisit.status != VisitState.DRAFT.value)
    if status == "open":
        query = query.where(MaintenanceVisit.status.in_([s.value for s in OPEN_VISIT_STATES]))
    elif status:
        query = query.where(MaintenanceVisit.status == status)
    if engineer:
        query = query.where(MaintenanceVisit.engineer_id == engineer)
    query = query.order_by(MaintenanceVisit.due_date, MaintenanceVisit.id)
    page = paginate(query, max(1, args.get("page", 1, type=int) or 1), current_app.config["PAGE_SIZE"])
    filters = {"status": status, "engineer": engineer if not mine else None, "mine": "1" if mine else ""}
    return render(
        "maintenance/visits.html",
        "visit_table",
        page=page,
        filters=filters,
        active={k: v for k, v in filters.items() if v not in (None, "")},
        states=[s for s in VisitState if s != VisitState.DRAFT],
        engineers=engineers(),
        today=company_today(),
    )


def overdue_visits(today=None) -> list[MaintenanceVisit]:
    """Open visits past their due date, oldest first."""
    today = today or company_today()
    return list(
        db.session.scalars(
            select(MaintenanceVisit)
            .where(
                MaintenanceVisit.status.in_([s.value for s in OPEN_VISIT_STATES]),
                MaintenanceVisit.due_date < today,
            )
            .order_by(MaintenanceVisit.due_date, MaintenanceVisit.id)
        ).unique()
    )


def unconfirmed_visits(now=None) -> list[MaintenanceVisit]:
    """Visits whose date should have been agreed by now and is not."""
    now = now or utcnow()
    late = select(Deadline.record_id).where(
        Deadline.record_type == MaintenanceVisit.__tablename__,
        Deadline.key == "agree_date",
        Deadline.stopped_at.is_(None),
        Deadline.due_at < now,
    )
    return list(
        db.session.scalars(
            select(MaintenanceVisit)
            .where(MaintenanceVisit.status == VisitState.SCHEDULED.value, MaintenanceVisit.id.in_(late))
            .order_by(MaintenanceVisit.due_date, MaintenanceVisit.id)
        ).unique()
    )


@bp.route("/overdue")
@login_required
def overdue():
    today = company_today()
    return render(
        "maintenance/overdue.html",
        overdue=overdue_visits(today),
        unconfirmed=unconfirmed_visits(),
        today=today,
    )


# --- the visit's page ---------------------------------------------------------------------------------------


def _page(visit, *, sheets=None, part_form=None, status=200, block=None, saved=False):
    return render(
        "maintenance/visit.html",
        block,
        status=status,
        record=visit,
        sheets=sheets if sheets is not None else sheets_of(visit),
        part_form=part_form or PartForm(formdata=None),
        may_fill=may_fill(current_user, visit),
        may_edit_parts=may_edit_parts(current_user, visit),
        today=company_today(),
        reason=latest_reason(visit) if visit.status == VisitState.CANCELLED else "",
        saved=saved,
    )


@bp.route("/visits/<int:visit_id>")
@login_required
def visit(visit_id: int):
    return _page(get_visit_or_404(visit_id))


@bp.route("/visits/<int:visit_id>/checklist", methods=["POST"])
@login_required
def visit_checklist(visit_id: int):
    """Save the checklist answers of every unit; a missing or wrong answer: 422 beside it, nothing saved."""
    visit = get_visit_or_404(visit_id)
    if not may_fill(current_user, visit):
        abort(403)
    check_version(visit)
    entries, sheets, valid = read_sheets(visit, request.form)
    if not valid:
        return _page(visit, sheets=sheets, status=422, block="checklist_card")
    save_checklist(visit, entries, actor=_actor())
    db.session.commit()
    # the record's version moved on: the whole page (its step forms carry the version) reloads
    return redirect_after_post(visit.url)


@bp.route("/visits/<int:visit_id>/parts", methods=["POST"])
@login_required
def visit_part_add(visit_id: int):
    visit = get_visit_or_404(visit_id)
    if not may_edit_parts(current_user, visit):
        abort(403)
    form = PartForm()
    if not form.validate():
        return _page(visit, part_form=form, status=422, block="parts_card")
    add_part(visit, form.values(), actor=_actor())
    db.session.commit()
    return _page(visit, block="parts_card", saved=True)


def _part_or_404(part_id: int) -> VisitPart:
    part = db.session.get(VisitPart, part_id)
    if part is None:
        abort(404)
    return part


@bp.route("/parts/<int:part_id>/remove", methods=["POST"])
@login_required
def visit_part_remove(part_id: int):
    part = _part_or_404(part_id)
    visit = part.visit
    if not may_edit_parts(current_user, visit) or part.issued_at is not None:
        abort(403)
    try:
        remove_part(part, actor=_actor())
    except ValidationError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    return _page(visit, block="parts_card")


@bp.route("/parts/<int:part_id>/issued", methods=["POST"])
@login_required
def visit_part_issued(part_id: int):
    """The warehouse keeper hands out a requested part."""
    part = _part_or_404(part_id)
    if not may_issue(current_user, part):
        abort(403)
    visit = part.visit
    issue_part(part, actor=_actor())
    db.session.commit()
    return _page(visit, block="parts_card")


@bp.app_template_global("maintenance_may_issue")
def _may_issue(part) -> bool:
    return may_issue(current_user, part)
