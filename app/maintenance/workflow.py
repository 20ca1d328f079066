"""Who moves a maintenance plan and a visit from which state to which, and the visit's deadlines.

DOMAIN.md §4 "Preventive maintenance": the service centre (or sales) draws up the plan, the
service manager approves it with one click (Approvals inbox; nobody approves their own), and
pauses or ends it with a reason. The scheduler opens each visit ahead of its due date; the
engineer and sales agree the date with the customer, the engineer fills in the maintenance
record and the customer signs. Reminders go out before the date must be agreed and before
the visit is due; an unconfirmed or overdue visit escalates to the service manager (the
engineer's department manager) through the engine's deadline scan.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.core.calendar.queries import company_calendar
from app.core.permissions import Department, Role, has_role, in_department
from app.core.records.engine import DeadlineStart, Meaning, Transition, WorkflowDefinition, registry
from app.maintenance.forms import CompleteForm, ConfirmForm
from app.maintenance.models import MaintenancePlan, MaintenanceVisit, PlanState, VisitState

P, V = PlanState, VisitState
SERVICE_MANAGER = {"roles": (Role.DEPT_MANAGER,), "departments": (Department.SERVICE,)}
#: the date is agreed at the latest this many working days before the visit is due
CONFIRM_WORKING_DAYS_BEFORE = 3


def is_service_manager(user) -> bool:
    return has_role(user, Role.DEPT_MANAGER) and in_department(user, Department.SERVICE)


def is_assigned_engineer(user, visit: MaintenanceVisit) -> bool:
    return visit.engineer_id is not None and visit.engineer_id == getattr(user, "id", None)


def may_agree_date(user, visit: MaintenanceVisit) -> bool:
    """The engineer on the visit, sales, or the service manager records the date agreed."""
    return (
        is_assigned_engineer(user, visit) or in_department(user, Department.SALES) or is_service_manager(user)
    )


def _end_of_day(day: dt.date) -> dt.datetime:
    """The end of the last working period of ``day`` (17:30 by default), company time."""
    calendar = company_calendar()
    return dt.datetime.combine(day, calendar.periods[-1][1], tzinfo=calendar.tz)


def visit_due(visit: MaintenanceVisit, now: dt.datetime) -> dt.datetime:
    """Done by the end of its due date (a working day)."""
    return _end_of_day(visit.due_date)


def confirm_due(visit: MaintenanceVisit, now: dt.datetime) -> dt.datetime:
    """The date agreed by the end of the working day ``CONFIRM_WORKING_DAYS_BEFORE`` before the
    due date; a visit opened later than that has until its due date."""
    calendar = company_calendar()
    day = visit.due_date
    for _ in range(CONFIRM_WORKING_DAYS_BEFORE):
        day = calendar.previous_working_day(day)
    due = _end_of_day(day)
    return due if due > now else visit_due(visit, now)


def _user_name(value):
    from app.core.auth.models import User
    from app.extensions import db

    user = db.session.get(User, int(value))
    return user.display_name if user is not None else value


def _customer_name(value):
    from app.core.masterdata.models import Customer
    from app.extensions import db

    customer = db.session.get(Customer, int(value))
    return customer.name if customer is not None else value


def _yes_no(value):
    return _l("Yes") if value else _l("No")


def _interval_unit(value):
    from app.maintenance.models import IntervalUnit

    try:
        return IntervalUnit(value).title
    except ValueError:
        return value


def _results_count(value):
    if not isinstance(value, list):
        return value
    items = sum(len(entry.get("results", [])) for entry in value)
    return _l("%(units)s units, %(items)s checks", units=len(value), items=items)


PLAN = registry.register(
    WorkflowDefinition(
        module="maintenance",
        model=MaintenancePlan,
        form_key="F01",
        title=_l("Maintenance plan"),
        endpoint="maintenance.plan",
        id_arg="plan_id",
        print_templates={"F01": "maintenance/print/plan.html"},
        states=PlanState,
        initial=P.DRAFT,
        read_only=frozenset({P.ENDED}),
        closed=frozenset({P.ENDED}),
        summary=lambda p: " · ".join(
            part
            for part in (
                str(p.customer or ""),
                ", ".join(u.serial for u in p.unit_list[:3]) + (" …" if len(p.units) > 3 else ""),
                p.interval_title,
            )
            if part
        ),
        formatters={
            "engineer_id": _user_name,
            "sales_id": _user_name,
            "customer_id": _customer_name,
            "interval_unit": _interval_unit,
        },
        fields=(
            "customer_id",
            "scope",
            "interval_count",
            "interval_unit",
            "start_date",
            "engineer_id",
            "sales_id",
            "contract_no",
            "note",
            "next_due_date",
            "last_visit_date",
        ),
        labels={
            "customer_id": _l("Customer"),
            "scope": _l("Covers"),
            "interval_count": _l("Every"),
            "interval_unit": _l("Interval"),
            "start_date": _l("First visit due"),
            "engineer_id": _l("Responsible engineer"),
            "sales_id": _l("Salesperson"),
            "contract_no": _l("Contract number"),
            "note": _l("Note"),
            "next_seq": _l("Occurrence"),
            "next_raw_date": _l("Next date by the interval"),
            "next_due_date": _l("Next visit due"),
            "last_visit_date": _l("Last visit"),
            "units": _l("Units"),
            "unit_ids": _l("Units"),
        },
        transitions=(
            Transition(
                "submit",
                _l("Submit for approval"),
                (P.DRAFT,),
                P.SUBMITTED,
                required=(
                    "customer_id",
                    "units",
                    "interval_count",
                    "interval_unit",
                    "start_date",
                    "engineer_id",
                ),
                issues_number=True,
                departments=(Department.SERVICE, Department.SALES),
            ),
            Transition(
                "approve",
                _l("Approve the plan"),
                (P.SUBMITTED,),
                P.ACTIVE,
                approval=Meaning.APPROVED,
                style="success",
                **SERVICE_MANAGER,
            ),
            Transition(
                "reject",
                _l("Send back"),
                (P.SUBMITTED,),
                P.DRAFT,
                approval=Meaning.APPROVED,
                rejects=True,
                style="outline-danger",
                **SERVICE_MANAGER,
            ),
            Transition(
                "pause",
                _l("Pause"),
                (P.ACTIVE,),
                P.PAUSED,
                needs_reason=True,
                style="outline-warning",
                **SERVICE_MANAGER,
            ),
            Transition(
                "resume", _l("Resume"), (P.PAUSED,), P.ACTIVE, style="outline-success", **SERVICE_MANAGER
            ),
            Transition(
                "end",
                _l("End the plan"),
                (P.DRAFT, P.ACTIVE, P.PAUSED),
                P.ENDED,
                needs_reason=True,
                style="outline-danger",
                **SERVICE_MANAGER,
            ),
        ),
    )
)


VISIT = registry.register(
    WorkflowDefinition(
        module="maintenance",
        model=MaintenanceVisit,
        form_key="F02",
        title=_l("Maintenance visit"),
        endpoint="maintenance.visit",
        id_arg="visit_id",
        print_templates={"F02": "maintenance/print/record.html"},
        states=VisitState,
        initial=V.DRAFT,
        read_only=frozenset({V.COMPLETED, V.CANCELLED}),
        closed=frozenset({V.COMPLETED, V.CANCELLED}),
        summary=lambda v: " · ".join(
            part
            for part in (
                str(v.customer or ""),
                ", ".join(u.serial for u in v.plan.unit_list[:3]) + (" …" if len(v.plan.units) > 3 else ""),
                v.due_date.isoformat(),
            )
            if part
        ),
        may_attach=lambda user, v: (
            is_assigned_engineer(user, v) or in_department(user, Department.SERVICE, Department.SALES)
        ),
        formatters={
            "engineer_id": _user_name,
            "customer_id": _customer_name,
            "retraining_given": _yes_no,
            "checklist_results": _results_count,
        },
        fields=(
            "plan_id",
            "due_date",
            "customer_id",
            "engineer_id",
            "appointment_date",
            "appointment_time",
            "contact_name",
            "contact_phone",
            "appointment_note",
            "checklist_results",
            "findings",
            "retraining_given",
            "retraining_note",
            "customer_signer",
        ),
        labels={
            "plan_id": _l("Plan"),
            "seq": _l("Occurrence"),
            "raw_date": _l("Date by the interval"),
            "due_date": _l("Due"),
            "customer_id": _l("Customer"),
            "engineer_id": _l("Engineer"),
            "appointment_date": _l("Date agreed"),
            "appointment_time": _l("Time"),
            "contact_name": _l("Customer contact"),
            "contact_phone": _l("Contact phone"),
            "appointment_note": _l("Appointment note"),
            "checklist_results": _l("Checklist results"),
            "findings": _l("Findings"),
            "retraining_given": _l("Retraining given"),
            "retraining_note": _l("Retraining"),
            "customer_signer": _l("Signed by (customer)"),
            "customer_signature": _l("Customer's signature (pad or signed sheet)"),
            "part_added": _l("Part added"),
            "part_removed": _l("Part removed"),
            "part_issued": _l("Part issued by the warehouse"),
        },
        transitions=(
            Transition(
                "open",
                _l("Plan the visit"),
                (V.DRAFT,),
                V.SCHEDULED,
                issues_number=True,
                when=lambda user, v: bool(getattr(user, "is_scheduler", False)),
                starts=(
                    DeadlineStart(
                        "agree_date",
                        due=confirm_due,
                        responsible=lambda v: v.engineer_id,
                        department=Department.SERVICE,
                        title=_l("Agree the visit date with the customer"),
                    ),
                    DeadlineStart(
                        "agree_date_sales",
                        due=confirm_due,
                        responsible=lambda v: v.plan.sales_id,
                        department=Department.SALES,
                        title=_l("Sales: agree the visit date with the customer"),
                    ),
                    DeadlineStart(
                        "visit",
                        due=visit_due,
                        responsible=lambda v: v.engineer_id,
                        department=Department.SERVICE,
                        title=_l("Maintenance visit"),
                    ),
                ),
            ),
            Transition(
                "confirm",
                _l("Appointment agreed"),
                (V.SCHEDULED, V.CONFIRMED),
                V.CONFIRMED,
                required=("appointment_date", "contact_name"),
                form=ConfirmForm,
                when=may_agree_date,
                stops=("agree_date", "agree_date_sales"),
            ),
            Transition(
                "complete",
                _l("Visit completed and signed"),
                (V.CONFIRMED,),
                V.COMPLETED,
                required=("checklist_results", "findings", "customer_signer", "customer_signature"),
                form=CompleteForm,
                when=is_assigned_engineer,
                stops=("visit",),
                style="success",
            ),
            Transition(
                "cancel",
                _l("Cancel the visit"),
                (V.SCHEDULED, V.CONFIRMED),
                V.CANCELLED,
                needs_reason=True,
                stops=("agree_date", "agree_date_sales", "visit"),
                style="outline-danger",
                **SERVICE_MANAGER,
            ),
        ),
    )
)
