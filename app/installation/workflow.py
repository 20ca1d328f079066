"""Who moves an installation and its plan from which state to which, and when (DOMAIN.md §4).

A salesperson requests the installation once the site is ready: the plan is then due 7 days
before the installation date (the salesperson answers for it). Production writes the plan
(F02) and its manager approves it: the project lead named there is reminded the working day
before the visit, and only the project lead (or the production manager) reports from site —
unboxing (F03), commissioning, training (F04) and the customer's acceptance (F05). Acceptance
starts the warranty and a follow-up by sales ``INSTALL_FOLLOW_UP_DAYS`` later.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.core.calendar.queries import company_calendar
from app.core.permissions import Department, Role, has_role, in_department
from app.core.records.engine import (
    DeadlineStart,
    Meaning,
    Transition,
    WorkflowDefinition,
    from_config,
    registry,
    within_days,
)
from app.core.records.engine.deadlines import working_day_before
from app.installation.forms import AcceptanceForm, FollowUpForm, TrainingForm, UnboxingForm
from app.installation.models import InstallationPlan, InstallationRequest, InstallationState, PlanState

S, P = InstallationState, PlanState
SALES = {"departments": (Department.SALES,)}
PRODUCTION = {"departments": (Department.PRODUCTION,)}
PRODUCTION_MANAGER = {
    "roles": (Role.DEPT_MANAGER, Role.DIVISION_HEAD),
    "departments": (Department.PRODUCTION,),
}

#: the plan goes to Production at least this many days before the installation date
PLAN_DAYS_BEFORE = 7
DEFAULT_FOLLOW_UP_DAYS = 30


def is_production_manager(user) -> bool:
    return has_role(user, Role.DEPT_MANAGER, Role.DIVISION_HEAD) and in_department(
        user, Department.PRODUCTION
    )


def is_on_site_team(user, request: InstallationRequest) -> bool:
    """The project lead of the approved plan reports from site; the production manager may stand in."""
    uid = getattr(user, "id", None)
    return (request.project_lead_id is not None and request.project_lead_id == uid) or is_production_manager(
        user
    )


def commissioning_passed(request: InstallationRequest) -> bool:
    """Every checklist item of every unit and the trial run passed (then it is commissioned)."""
    from app.installation.services import commissioning_passed as passed

    return passed(request)


def may_cancel(user, request: InstallationRequest) -> bool:
    """The requesting salesperson, or a sales manager."""
    return getattr(user, "id", None) == request.salesperson_id or has_role(user, Role.DEPT_MANAGER)


def _at(day: date, moment) -> datetime:
    calendar = company_calendar()
    return datetime.combine(day, moment, tzinfo=calendar.tz)


def plan_due(request: InstallationRequest, now: datetime) -> datetime:
    """The end of the working day 7 days before the installation date (17:30 by default)."""
    calendar = company_calendar()
    day = request.installation_date - timedelta(days=PLAN_DAYS_BEFORE)
    return datetime.combine(day, calendar.periods[-1][1], tzinfo=calendar.tz)


def visit_due(request: InstallationRequest, now: datetime) -> datetime:
    """When the approved plan has the team on site, else the start of the installation day."""
    plan = request.approved_plan
    if plan is not None and plan.starts_at is not None:
        return plan.starts_at
    return _at(request.installation_date, company_calendar().periods[0][0])


def _name_of(model_path: str, attribute: str):
    """An audited id shown as the record it names (a user's name, a customer's name …)."""

    def show(value):
        import importlib

        from app.extensions import db

        module, _, name = model_path.rpartition(".")
        obj = db.session.get(getattr(importlib.import_module(module), name), int(value))
        return getattr(obj, attribute) if obj is not None else value

    return show


def _local_time(value):
    from flask_babel import format_datetime

    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def _yes_no(value):
    return _l("Yes") if value else _l("No")


def _names(value):
    return ", ".join(value) if isinstance(value, list) else value


USER_NAME = _name_of("app.core.auth.models.User", "display_name")
FORMATTERS = {
    "salesperson_id": USER_NAME,
    "project_lead_id": USER_NAME,
    "sales_rep_id": USER_NAME,
    "logistics_rep_id": USER_NAME,
    "customer_id": _name_of("app.core.masterdata.models.Customer", "name"),
    "damaged_unit_id": _name_of("app.core.masterdata.models.Unit", "serial"),
    "inspected_at": _local_time,
    "trained_at": _local_time,
    "commissioned_at": _local_time,
    "starts_at": _local_time,
    "site_ready": _yes_no,
    "packaging_damaged": _yes_no,
    "contents_checked": _yes_no,
    "custody_ok": _yes_no,
    "trial_run_passed": _yes_no,
    "trainees": _names,
    "commissioning": lambda value: _l("%(count)s checklist(s)", count=len(value or [])),
}

LABELS = {
    "salesperson_id": _l("Salesperson"),
    "customer_id": _l("Customer"),
    "site": _l("Site"),
    "units": _l("Units"),
    "installation_date": _l("Planned installation date"),
    "contact_name": _l("Contact"),
    "contact_phone": _l("Contact phone"),
    "site_ready": _l("Site ready"),
    "site_ready_note": _l("Site readiness"),
    "note": _l("Note"),
    "project_lead_id": _l("Project lead"),
    "inspected_at": _l("Unboxed at"),
    "sales_rep_id": _l("Sales representative"),
    "logistics_rep_id": _l("Logistics representative"),
    "customer_rep": _l("Customer's representative"),
    "packaging_damaged": _l("Packaging damaged in transit"),
    "damaged_unit_id": _l("Damaged unit"),
    "damage_description": _l("Damage found"),
    "contents_checked": _l("Contents checked against the shipping note"),
    "contents_note": _l("Differences from the shipping note"),
    "custody_ok": _l("Goods kept properly until unboxing?"),
    "custody_note": _l("How the goods were kept"),
    "commissioning": _l("Commissioning checklists"),
    "self_inspection": _l("Self-inspection"),
    "trial_run": _l("Trial run"),
    "trial_run_passed": _l("Trial run passed?"),
    "commissioned_at": _l("Commissioned at"),
    "trained_at": _l("Trained at"),
    "trainer": _l("Trainer"),
    "trainees": _l("Trainees"),
    "training_content": _l("Training content"),
    "training_hours": _l("Training hours"),
    "accepted_on": _l("Accepted on"),
    "customer_signer": _l("Signed by (customer)"),
    "acceptance_opinion": _l("Customer's opinion"),
    "customer_signature": _l("Customer's signature (pad or signed sheet)"),
    "follow_up_note": _l("Follow-up with the customer"),
}

OPEN_WORK = (S.REQUESTED, S.PLANNED, S.ON_SITE, S.COMMISSIONED, S.TRAINED)

INSTALLATION = registry.register(
    WorkflowDefinition(
        module="installation",
        model=InstallationRequest,
        form_key="F01",
        title=_l("Installation request"),
        endpoint="installation.detail",
        id_arg="request_id",
        formatters=FORMATTERS,
        print_templates={
            "F01": "installation/print/request.html",
            "F03": "installation/print/inspection.html",
            "F04": "installation/print/training.html",
            "F05": "installation/print/acceptance.html",
        },
        states=InstallationState,
        initial=S.DRAFT,
        read_only=frozenset({S.CLOSED, S.CANCELLED, S.VOID}),
        closed=frozenset({S.CLOSED, S.CANCELLED, S.VOID}),
        summary=lambda r: " · ".join(
            part
            for part in (
                str(r.customer or ""),
                r.serials,
                r.installation_date.isoformat() if r.installation_date else "",
            )
            if part
        ),
        fields=(
            "salesperson_id",
            "customer_id",
            "site",
            "installation_date",
            "contact_name",
            "contact_phone",
            "site_ready",
            "site_ready_note",
            "note",
            "project_lead_id",
            "inspected_at",
            "sales_rep_id",
            "logistics_rep_id",
            "customer_rep",
            "packaging_damaged",
            "damaged_unit_id",
            "damage_description",
            "contents_checked",
            "contents_note",
            "custody_ok",
            "custody_note",
            "commissioning",
            "self_inspection",
            "trial_run",
            "trial_run_passed",
            "trained_at",
            "trainer",
            "trainees",
            "training_content",
            "training_hours",
            "accepted_on",
            "customer_signer",
            "acceptance_opinion",
            "follow_up_note",
        ),
        labels=LABELS,
        transitions=(
            Transition(
                "submit",
                _l("Request the installation"),
                (S.DRAFT,),
                S.REQUESTED,
                required=("customer_id", "site", "installation_date", "contact_name", "units"),
                issues_number=True,
                starts=(
                    DeadlineStart(
                        "plan",
                        due=plan_due,
                        responsible=lambda r: r.salesperson_id,
                        department=Department.SALES,
                        title=_l("Installation plan to Production"),
                    ),
                ),
                **SALES,
            ),
            Transition(
                "plan_approved",
                _l("Installation plan approved"),
                (S.REQUESTED,),
                S.PLANNED,
                when=lambda user, r: r.approved_plan is not None,
                stops=("plan",),
                starts=(
                    DeadlineStart(
                        "visit",
                        due=visit_due,
                        responsible=lambda r: r.project_lead_id,
                        department=Department.PRODUCTION,
                        title=_l("Installation visit"),
                        remind=working_day_before,
                    ),
                ),
                **PRODUCTION_MANAGER,
            ),
            Transition(
                "unboxing",
                _l("Unboxing inspected"),
                (S.PLANNED,),
                S.ON_SITE,
                required=("inspected_at", "sales_rep_id", "logistics_rep_id", "customer_rep", "custody_ok"),
                form=UnboxingForm,
                when=is_on_site_team,
                stops=("visit",),
            ),
            Transition(
                "commission",
                _l("Commissioned"),
                (S.ON_SITE,),
                S.COMMISSIONED,
                required=("commissioning", "self_inspection", "trial_run", "trial_run_passed"),
                when=lambda user, r: is_on_site_team(user, r) and commissioning_passed(r),
            ),
            Transition(
                "train",
                _l("Customer trained"),
                (S.COMMISSIONED,),
                S.TRAINED,
                required=("trained_at", "trainer", "trainees", "training_content", "training_hours"),
                form=TrainingForm,
                when=is_on_site_team,
            ),
            Transition(
                "accept",
                _l("Accepted and signed by the customer"),
                (S.TRAINED,),
                S.ACCEPTED,
                required=("accepted_on", "customer_signer", "customer_signature"),
                form=AcceptanceForm,
                when=is_on_site_team,
                style="success",
                starts=(
                    DeadlineStart(
                        "follow_up",
                        due=within_days(from_config("INSTALL_FOLLOW_UP_DAYS", DEFAULT_FOLLOW_UP_DAYS)),
                        responsible=lambda r: r.salesperson_id,
                        department=Department.SALES,
                        title=_l("Follow-up on the use"),
                    ),
                ),
            ),
            Transition(
                "follow_up",
                _l("Followed up with the customer"),
                (S.ACCEPTED,),
                S.CLOSED,
                required=("follow_up_note",),
                form=FollowUpForm,
                stops=("follow_up",),
                style="success",
                **SALES,
            ),
            Transition(
                "cancel",
                _l("Cancel"),
                OPEN_WORK,
                S.CANCELLED,
                needs_reason=True,
                when=may_cancel,
                stops=("plan", "visit"),
                style="outline-danger",
                **SALES,
            ),
            Transition(
                "void",
                _l("Void"),
                (S.CLOSED,),
                S.VOID,
                needs_reason=True,
                correction=True,
                roles=(Role.QUALITY_ADMIN,),
                style="danger",
            ),
        ),
    )
)


PLAN = registry.register(
    WorkflowDefinition(
        module="installation",
        model=InstallationPlan,
        form_key="F02",
        title=_l("Installation plan"),
        endpoint="installation.plan",
        id_arg="plan_id",
        formatters={"project_lead_id": USER_NAME, "starts_at": _local_time},
        print_templates={"F02": "installation/print/plan.html"},
        states=PlanState,
        initial=P.DRAFT,
        read_only=frozenset({P.APPROVED, P.WITHDRAWN}),
        closed=frozenset({P.APPROVED, P.WITHDRAWN}),
        summary=lambda p: " · ".join(
            part
            for part in (
                p.request.number or "",
                str(p.request.customer or ""),
                p.project_lead.display_name if p.project_lead else "",
            )
            if part
        ),
        fields=(
            "request_id",
            "project_lead_id",
            "team",
            "starts_at",
            "days",
            "schedule",
            "work_plan",
            "quality_requirements",
            "safety_measures",
        ),
        labels={
            "project_lead_id": _l("Project lead"),
            "team": _l("Team"),
            "starts_at": _l("On site from"),
            "days": _l("Days on site"),
            "schedule": _l("Schedule"),
            "work_plan": _l("Work plan"),
            "quality_requirements": _l("Quality requirements"),
            "safety_measures": _l("Safety measures"),
        },
        transitions=(
            Transition(
                "submit",
                _l("Submit for approval"),
                (P.DRAFT,),
                P.SUBMITTED,
                required=(
                    "project_lead_id",
                    "team",
                    "starts_at",
                    "work_plan",
                    "quality_requirements",
                    "safety_measures",
                ),
                issues_number=True,
                when=lambda user, p: p.request.status == S.REQUESTED,
                **PRODUCTION,
            ),
            Transition(
                "approve",
                _l("Approve"),
                (P.SUBMITTED,),
                P.APPROVED,
                approval=Meaning.APPROVED,
                when=lambda user, p: p.request.status == S.REQUESTED,
                style="success",
                **PRODUCTION_MANAGER,
            ),
            Transition(
                "reject",
                _l("Reject"),
                (P.SUBMITTED,),
                P.DRAFT,
                approval=Meaning.APPROVED,
                rejects=True,
                style="outline-danger",
                **PRODUCTION_MANAGER,
            ),
            Transition(
                "withdraw",
                _l("Withdraw"),
                (P.DRAFT, P.SUBMITTED),
                P.WITHDRAWN,
                needs_reason=True,
                style="outline-secondary",
                **PRODUCTION,
            ),
        ),
    )
)
