"""The month calendar of maintenance visits, for one engineer or for everyone.

Moving between months (or picking an engineer) swaps the calendar block in place: the same
URL answers the whole page, or only the block for an HTMX request.
"""

from __future__ import annotations

import calendar as monthly
import datetime as dt
from dataclasses import dataclass, field

from flask import request
from flask_login import current_user
from sqlalchemy import and_, or_, select

from app.core.calendar.queries import company_calendar, company_today
from app.core.permissions import login_required
from app.core.web import render
from app.extensions import db
from app.maintenance import bp
from app.maintenance.models import MaintenancePlan, MaintenanceVisit, PlanState, VisitState
from app.maintenance.schedule import due_dates
from app.maintenance.services import due_shift, engineers


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_workday: bool
    is_today: bool
    visits: list = field(default_factory=list)
    #: active plans' later occurrences, not yet visits: ``(plan, due date)``
    forecast: list = field(default_factory=list)


#: the months the calendar shows (anything else is this month)
YEARS = range(2000, 2100)


def parse_month(text: str | None, today: dt.date) -> dt.date:
    """``2026-12`` → 2026-12-01; anything else (or a year out of :data:`YEARS`) → this month."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if year not in YEARS:
            raise ValueError(year)
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _shift_month(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_grid(first: dt.date, engineer_id: int | None, today: dt.date) -> list[list[Day]]:
    """The weeks (Monday first) of ``first``'s month with the visits on each day."""
    weeks = monthly.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1]
    work = company_calendar()
    days = {d: Day(d, d.month == first.month, work.is_workday(d), d == today) for week in weeks for d in week}
    on_day = or_(
        MaintenanceVisit.appointment_date.between(start, end),
        and_(MaintenanceVisit.appointment_date.is_(None), MaintenanceVisit.due_date.between(start, end)),
    )
    query = select(MaintenanceVisit).where(
        on_day, MaintenanceVisit.status.not_in([VisitState.DRAFT.value, VisitState.CANCELLED.value])
    )
    plans = select(MaintenancePlan).where(
        MaintenancePlan.status == PlanState.ACTIVE.value,
        MaintenancePlan.next_due_date.is_not(None),
        MaintenancePlan.next_due_date <= end,
    )
    if engineer_id:
        query = query.where(MaintenanceVisit.engineer_id == engineer_id)
        plans = plans.where(MaintenancePlan.engineer_id == engineer_id)
    visited: set[tuple[int, dt.date]] = set()
    for visit in db.session.scalars(
        query.order_by(MaintenanceVisit.appointment_time, MaintenanceVisit.id)
    ).unique():
        days[visit.planned_date].visits.append(visit)
        visited.add((visit.plan_id, visit.due_date))
    rows = db.session.execute(
        select(MaintenanceVisit.plan_id, MaintenanceVisit.due_date).where(
            MaintenanceVisit.due_date.between(start, end)
        )
    )
    visited.update((plan_id, due) for plan_id, due in rows)
    for plan in db.session.scalars(plans).unique():
        occurrences = due_dates(
            plan.start_date, plan.interval_count, plan.interval_unit, work, due_shift(), first=plan.next_seq
        )
        for _n, _raw, due in occurrences:
            if due > end:
                break
            if due >= max(start, plan.next_due_date) and (plan.id, due) not in visited:
                days[due].forecast.append(plan)
    return [[days[d] for d in week] for week in weeks]


@bp.route("/calendar")
@login_required
def calendar():
    today = company_today()
    first = parse_month(request.args.get("month"), today)
    mine = request.args.get("engineer") == "mine"
    engineer_id = current_user.id if mine else (request.args.get("engineer", type=int) or None)
    people = engineers()
    return render(
        "maintenance/calendar.html",
        "visit_calendar",
        first=first,
        weeks=month_grid(first, engineer_id, today),
        previous=_shift_month(first, -1),
        following=_shift_month(first, 1),
        engineer_id=engineer_id,
        engineer_arg="mine" if mine else (engineer_id or ""),
        engineer=next((u for u in people if u.id == engineer_id), None),
        engineers=people,
        today=today,
    )
