"""Due rules for :class:`~app.core.records.engine.DeadlineStart`: "within 24 h", "within 3 working days".

Each ``within_…`` returns a callable ``(record, now) -> aware datetime`` the engine calls when a
transition starts the deadline. The amount is a number, or a callable ``(record) -> number``
read at that moment, so it can depend on the record (a customer's region class) or on the
configuration (:func:`from_config`)::

    DeadlineStart("reply", due=within_hours(24), ...)
    DeadlineStart("solution", due=within_working_hours(from_config("COMPLAINT_SOLUTION_HOURS", 8)), ...)
    DeadlineStart("on_site", due=within_days(lambda record: ONSITE_DAYS[record.region_class]), ...)

Working time comes from :func:`app.core.calendar.company_calendar` (China's holidays and
make-up days, the admin table, ``WORK_PERIODS``); calendar time counts every hour of every day.

A deadline's reminder point is ``REMINDER_FRACTION`` of the way unless its ``DeadlineStart``
names a ``remind`` rule, e.g. :func:`working_day_before` (the morning of the working day before).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from numbers import Real
from typing import Any

from flask import current_app
from flask_babel import gettext as _

Amount = Real | Callable[[Any], Real]


def from_config(name: str, default: Any = None, *, pick: Callable[[Any], Any] | None = None) -> Callable:
    """An amount read from the configuration when the deadline starts.

    ``pick(record)`` chooses an entry when the setting is a mapping, e.g.
    ``from_config("ONSITE_DAYS", pick=lambda r: r.region_class)`` with ``{"city": 1, ...}``.
    """

    def amount(record) -> Any:
        value = current_app.config.get(name, default)
        if pick is not None:
            value = value[pick(record)]
        return value

    amount.__qualname__ = f"from_config({name!r})"
    return amount


class DueRule:
    """``(record, now) -> due``: an amount of hours or days, in calendar or working time."""

    UNITS = ("hours", "days")

    def __init__(self, amount: Amount, unit: str, *, working: bool) -> None:
        if unit not in self.UNITS:
            raise ValueError(f"unit must be one of {self.UNITS}")
        #: a number, or ``(record) -> number`` read when the deadline starts
        self.amount = amount
        self.unit = unit
        self.is_working_time = working
        if not callable(amount):
            self._check(amount)

    def _check(self, value) -> Real:
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"a deadline amount must be a number, not {value!r}")
        if value < 0:
            raise ValueError(f"a deadline amount cannot be negative ({value})")
        if self.unit == "days" and self.is_working_time and value != int(value):
            raise ValueError(f"working days must be whole ({value})")
        return value

    def value_for(self, record) -> Real:
        """The amount for this record (a callable amount is asked now)."""
        return self._check(self.amount(record) if callable(self.amount) else self.amount)

    def __call__(self, record, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("deadlines start at an aware datetime")
        value = self.value_for(record)
        if not self.is_working_time:
            if self.unit == "hours":
                return now + timedelta(hours=float(value))
            from app.core.calendar.queries import company_timezone

            # same clock time in the company's zone, d days on
            return now.astimezone(company_timezone()) + timedelta(days=float(value))
        from app.core.calendar.queries import company_calendar

        calendar = company_calendar()
        if self.unit == "hours":
            return calendar.add_working_hours(now, float(value))
        return calendar.add_working_days(now, int(value))

    def __repr__(self) -> str:
        kind = "working " if self.is_working_time else ""
        amount = getattr(self.amount, "__qualname__", None) if callable(self.amount) else self.amount
        return f"<due within {amount} {kind}{self.unit}>"


def within_hours(hours: Amount) -> DueRule:
    """Due ``hours`` clock hours after the start, nights and holidays included ("reply within 24 h")."""
    return DueRule(hours, "hours", working=False)


def within_days(days: Amount) -> DueRule:
    """Due ``days`` calendar days after the start, at the same clock time in the company's zone."""
    return DueRule(days, "days", working=False)


def within_working_hours(hours: Amount) -> DueRule:
    """Due after ``hours`` of working time (``WORK_PERIODS`` on working days).

    A start outside working time counts from the next working moment: 8 working hours from
    Saturday 10:00 end on Monday at 17:30.
    """
    return DueRule(hours, "hours", working=True)


def within_working_days(days: Amount) -> DueRule:
    """Due ``days`` working days after the start, at the same clock time (whole days only).

    A start outside working time first rolls to the next working moment: 1 working day from
    Friday 19:00 is Tuesday 08:30 (Monday 08:30 + 1 day).
    """
    return DueRule(days, "days", working=True)


# --- reminder points ---------------------------------------------------------------------------------


def working_day_before(*args: Any) -> datetime:
    """The start of the first working period (08:30) of the last working day before ``due_at``'s day.

    Call it as ``working_day_before(due_at)``, or hand it to a deadline as its reminder rule,
    ``DeadlineStart(..., remind=working_day_before)``: the engine calls that with
    ``(record, started_at, due_at)``, and the due time is always the last argument. It follows
    the company calendar: the reminder of a Monday visit goes out on Friday morning, of a visit
    right after the National Day week on the last working day before it, and a make-up working
    day (调休) counts as a working day.
    """
    if len(args) not in (1, 3):
        raise TypeError("working_day_before(due_at) or working_day_before(record, started_at, due_at)")
    due_at = args[-1]
    if not isinstance(due_at, datetime) or due_at.tzinfo is None or due_at.utcoffset() is None:
        raise ValueError("working_day_before needs an aware due time")
    from app.core.calendar.queries import company_calendar

    calendar = company_calendar()
    day = calendar.previous_working_day(calendar.local(due_at).date())
    return datetime.combine(day, calendar.periods[0][0], tzinfo=calendar.tz)


# --- display -----------------------------------------------------------------------------------------


def duration_text(span: timedelta) -> str:
    """``span`` (sign ignored) to the minute, in the reader's language: "2 d 3 h", "3 h 5 min", "4 min"."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return _duration(days, hours, minutes)


def _duration(days, hours, minutes) -> str:
    if days:
        return _("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return _("%(minutes)s min", minutes=minutes)


@dataclass(frozen=True)
class Countdown:
    """What the ``countdown`` macro shows of one deadline, and the patterns its script fills in."""

    is_open: bool
    is_overdue: bool
    #: "3 h 5 min left" / "overdue by 2 d 1 h" (empty once stopped)
    text: str
    due_iso: str
    #: for ``static/js/countdown.js``: "{t} left", "overdue by {t}", and the three duration shapes
    left_pattern: str
    overdue_pattern: str
    units: tuple[str, str, str]


def countdown(deadline, now: datetime | None = None) -> Countdown:
    """The countdown of ``deadline`` at ``now`` (default: the current time)."""
    from app.core.models import utcnow

    now = now or utcnow()
    is_open = deadline.stopped_at is None
    is_overdue = deadline.is_overdue(now)
    text = ""
    if is_open:
        span = duration_text(deadline.due_at - now)
        text = _("overdue by %(time)s", time=span) if is_overdue else _("%(time)s left", time=span)
    return Countdown(
        is_open=is_open,
        is_overdue=is_overdue,
        text=text,
        due_iso=deadline.due_at.astimezone(UTC).isoformat(),
        left_pattern=_("%(time)s left", time="{t}"),
        overdue_pattern=_("overdue by %(time)s", time="{t}"),
        units=(_duration("{d}", "{h}", 0), _duration(0, "{h}", "{m}"), _duration(0, 0, "{m}")),
    )


# --- lists ---------------------------------------------------------------------------------------------


def open_deadline_conditions(model, now: datetime | None = None) -> list:
    """SQL conditions for an open deadline of a ``model`` row in the query (past due at ``now``, if given)."""
    from app.core.records.engine.models import Deadline

    conditions = [
        Deadline.record_type == model.__tablename__,
        Deadline.record_id == model.id,
        Deadline.stopped_at.is_(None),
    ]
    if now is not None:
        conditions.append(Deadline.due_at < now)
    return conditions


def next_due_column(model):
    """The earliest due time among a ``model`` row's open deadlines (``None`` when none is open),
    as a column a list can show and sort by."""
    from sqlalchemy import func, select

    from app.core.records.engine.models import Deadline

    return (
        select(func.min(Deadline.due_at))
        .where(*open_deadline_conditions(model))
        .correlate(model)
        .scalar_subquery()
    )
