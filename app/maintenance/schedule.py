"""When a maintenance plan's visits fall due: the interval arithmetic and the working-day shift.

Pure: no database, no app; the calendar is passed in (``company_calendar()`` in the portal).

- The n-th occurrence of a plan is counted from its start date, never from the previous
  occurrence: monthly from 31 January gives 28 (29) February, 31 March, 30 April, 31 May …
  (chaining would drift to the 28th for good).
- A raw date on a day off (weekend, public holiday) moves to the next working day, or the
  previous one (``MAINTENANCE_DUE_SHIFT``). Make-up working days (调休) count as working days.
- Two raw dates can land on the same working day after the shift (weekly visits on either
  side of the National Day week); the later occurrence is then skipped, so a plan never has
  two visits on one day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from app.core.calendar.worktime import WorkCalendar
from app.core.masterdata.warranty import add_months

Shift = Literal["next", "previous"]
Unit = Literal["weeks", "months"]

#: the longest run of days off in China's official calendar (Spring Festival 2020: 10 days),
#: so no official due date moves further than this
MAX_SHIFT_DAYS = 10
#: occurrences looked at before giving up (a plan ends long before)
MAX_OCCURRENCES = 10_000


def occurrence(start: dt.date, count: int, unit: Unit, n: int) -> dt.date:
    """The raw date of occurrence ``n`` (0 = the start date) of "every ``count`` ``unit``"."""
    if count < 1:
        raise ValueError("the interval must be at least 1")
    if n < 0:
        raise ValueError("occurrences are counted from 0")
    if unit == "weeks":
        return start + dt.timedelta(weeks=count * n)
    if unit == "months":
        return add_months(start, count * n)
    raise ValueError(f"unknown interval unit {unit!r}")


def shift(day: dt.date, calendar: WorkCalendar, direction: Shift = "next") -> dt.date:
    """``day`` itself on a working day, else the next (or previous) working day."""
    if direction not in ("next", "previous"):
        raise ValueError(f"the shift is 'next' or 'previous', not {direction!r}")
    return calendar.roll(day, "forward" if direction == "next" else "backward")


def due_dates(
    start: dt.date, count: int, unit: Unit, calendar: WorkCalendar, direction: Shift = "next", first: int = 0
) -> Iterator[tuple[int, dt.date, dt.date]]:
    """``(n, raw date, due date)`` of each occurrence from ``first`` on, due dates strictly rising."""
    last: dt.date | None = None
    for n in range(first, first + MAX_OCCURRENCES):
        raw = occurrence(start, count, unit, n)
        due = shift(raw, calendar, direction)
        if last is not None and due <= last:
            continue
        last = due
        yield n, raw, due


def next_due(
    start: dt.date,
    count: int,
    unit: Unit,
    calendar: WorkCalendar,
    direction: Shift = "next",
    *,
    after: dt.date | None = None,
    on_or_after: dt.date | None = None,
    first: int = 0,
) -> tuple[int, dt.date, dt.date]:
    """The first occurrence (from ``first`` on) due after ``after`` and on or after ``on_or_after``.

    ``(n, raw date, due date)``: after a visit on its due date ``after`` is that date; when a
    plan is approved or resumed ``on_or_after`` is today, so missed occurrences are not owed.
    """
    for n, raw, due in due_dates(start, count, unit, calendar, direction, first):
        if after is not None and due <= after:
            continue
        if on_or_after is not None and due < on_or_after:
            continue
        return n, raw, due
    raise ValueError("no occurrence found")  # pragma: no cover — MAX_OCCURRENCES is centuries
