"""The company's working calendar as the running portal sees it: config, chinese-calendar, admin table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.core.calendar import worktime
from app.core.calendar.models import CalendarDay
from app.core.calendar.worktime import WorkCalendar
from app.extensions import db


def company_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def company_today() -> dt.date:
    """Today's date in the company time zone (not the server's)."""
    return dt.datetime.now(company_timezone()).date()


def company_calendar() -> WorkCalendar:
    """The calendar deadlines use: China's official days, the admin table on top, the configured hours.

    It reads the (small) admin table once; build one per request or job, not one per record.
    """
    overrides = dict(db.session.execute(select(CalendarDay.date, CalendarDay.is_workday)).all())
    return WorkCalendar(
        overrides=overrides,
        periods=current_app.config["WORK_PERIODS"],
        tz=company_timezone(),
    )


def calendar_days(year: int) -> list[CalendarDay]:
    """The admin table's entries of one year, in date order."""
    query = select(CalendarDay).where(CalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return list(db.session.scalars(query.order_by(CalendarDay.date)))


def years_with_entries() -> list[int]:
    dates = db.session.scalars(select(CalendarDay.date))
    return sorted({d.year for d in dates})


def taken_dates(dates: Iterable[dt.date]) -> list[dt.date]:
    """Those of ``dates`` already in the admin table."""
    wanted = sorted(set(dates))
    if not wanted:
        return []
    query = select(CalendarDay.date).where(CalendarDay.date.in_(wanted))
    return sorted(db.session.scalars(query))


def uncovered_years(years: Iterable[int]) -> list[int]:
    """Those of ``years`` nobody has filled in: chinese-calendar lacks them and the admin table is empty.

    For such a year the portal would count only weekends as days off, so its deadlines run
    through the Spring Festival: administrators are warned until they enter the year.
    """
    wanted = sorted({y for y in years if not worktime.is_officially_covered(y)})
    if not wanted:
        return []
    query = select(CalendarDay.date).where(
        CalendarDay.date.between(dt.date(wanted[0], 1, 1), dt.date(wanted[-1], 12, 31))
    )
    filled = {d.year for d in db.session.scalars(query)}
    return [y for y in wanted if y not in filled]


def calendar_gaps(today: dt.date | None = None) -> list[int]:
    """This year and next year when they are not filled in (the condition of the admins' warning)."""
    today = today or company_today()
    return uncovered_years([today.year, today.year + 1])
