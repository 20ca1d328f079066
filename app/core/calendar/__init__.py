"""Working time (DOMAIN.md §5): working days and hours, and the admin table of days off and make-up days.

Deadlines use :func:`company_calendar`; :class:`WorkCalendar` is the pure engine behind it.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

from app.core.calendar import views  # noqa: E402,F401
from app.core.calendar.models import CalendarDay  # noqa: E402
from app.core.calendar.queries import calendar_gaps, company_calendar, uncovered_years  # noqa: E402
from app.core.calendar.worktime import DEFAULT_PERIODS, WorkCalendar, official_is_workday  # noqa: E402

__all__ = [
    "DEFAULT_PERIODS",
    "CalendarDay",
    "WorkCalendar",
    "bp",
    "calendar_gaps",
    "company_calendar",
    "official_is_workday",
    "uncovered_years",
]
