"""The installation plan (F02): Production writes it, its manager approves it (record page or the
Approvals inbox); a plan sent back is edited and submitted again."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.permissions import Department, in_department, login_required
from app.core.records.engine import transition
from app.core.records.engine.errors import ValidationError
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db
from app.installation import bp
from app.installation.forms import PlanForm
from app.installation.models import InstallationPlan, InstallationState, PlanState
from app.installation.services import update_plan, write_plan
from app.installation.views.cases import get_request_or_404, may_write_plan


def _actor():
    return current_user._get_current_object()


def get_plan_or_404(plan_id: int) -> InstallationPlan:
    plan = db.session.get(InstallationPlan, plan_id)
    if plan is None:
        abort(404)
    return plan


def may_edit_plan(user, plan: InstallationPlan) -> bool:
    """A plan sent back (a draft) is reworked by Production while the installation waits for it."""
    return (
        plan.status == PlanState.DRAFT
        and plan.request.status == InstallationState.REQUESTED
        and in_department(user, Department.PRODUCTION)
    )


def _form_errors(form: PlanForm, error: ValidationError) -> None:
    for key, message in error.errors.items():
        target = form[key] if key in form._fields else form.work_plan
        target.errors = [*target.errors, str(message)]


@bp.route("/<int:request_id>/plan", methods=["GET", "POST"])
@login_required
def plan_new(request_id: int):
    case = get_request_or_404(request_id)
    if not may_write_plan(current_user, case):
        abort(403)
    form = PlanForm(case=case)
    if request.method == "POST":
        if form.validate():
            try:
                plan = write_plan(case, form.values(), actor=_actor())
                transition(plan, "submit", actor=_actor())
            except ValidationError as error:
                db.session.rollback()
                _form_errors(form, error)
            else:
                db.session.commit()
                flash(_("Installation plan %(number)s sent for approval.", number=plan.number), "success")
                return redirect_after_post(url_for("installation.plan", plan_id=plan.id))
        return render(
            "installation/plan_form.html", "plan_form", status=422, record=case, plan=None, form=form
        )
    return render("installation/plan_form.html", record=case, plan=None, form=form)


@bp.route("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    plan = get_plan_or_404(plan_id)
    return render("installation/plan.html", record=plan, may_edit=may_edit_plan(current_user, plan))


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def plan_edit(plan_id: int):
    plan = get_plan_or_404(plan_id)
    if not may_edit_plan(current_user, plan):
        abort(403)
    case = plan.request
    if request.method == "POST":
        check_version(plan)
        form = PlanForm(case=case)
        if form.validate():
            try:
                update_plan(plan, form.values(), actor=_actor())
                transition(plan, "submit", actor=_actor())
            except ValidationError as error:
                db.session.rollback()
                _form_errors(form, error)
            else:
                db.session.commit()
                flash(
                    _("Installation plan %(number)s sent for approval again.", number=plan.number), "success"
                )
                return redirect_after_post(url_for("installation.plan", plan_id=plan.id))
        return render(
            "installation/plan_form.html", "plan_form", status=422, record=case, plan=plan, form=form
        )
    return render("installation/plan_form.html", record=case, plan=plan, form=PlanForm(case=case, obj=plan))
