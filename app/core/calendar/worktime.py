"""Working time: which days are worked, and where a deadline in working hours or days falls.

Pure: no database, no app. China's public holidays and make-up working days (调休) come from
chinese-calendar for the years it covers; any other year is Monday–Friday. Overrides (the
admin table) win over both. Everything is computed in the company time zone, and the loops
step by day and by working period, never by minute, because deadline scans call them a lot.

Conventions, the same for every method:

- A working period is the half-open span ``[start, end)`` of one of the daily periods on a
  working day; its end still counts as *in* working time when rolling (12:00 stays 12:00).
- Aware datetimes only; results come back in the company time zone.
- Start outside working time (night, lunch break, a day off): the start rolls forward to the
  next working moment first. So 8 working hours from Saturday 10:00 run from Monday 08:30.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

Period = tuple[time, time]
Direction = Literal["forward", "backward"]

#: the company's working hours (DOMAIN.md §5, *default*); config ``WORK_PERIODS`` changes them
DEFAULT_PERIODS: tuple[Period, ...] = ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 30)))
DEFAULT_TIMEZONE = "Asia/Shanghai"

#: the years chinese-calendar knows (1.11: 2004–2026); asking it about another year raises
OFFICIAL_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

#: a calendar with no working day in this many days in a row is broken, not slow
MAX_DAYS_WITHOUT_WORK = 3 * 366


def is_officially_covered(year: int) -> bool:
    """True when chinese-calendar has China's holidays and make-up days for ``year``."""
    return year in OFFICIAL_YEARS


def official_is_workday(day: date) -> bool:
    """China's official rule: chinese-calendar where it has data, else Monday to Friday."""
    if is_officially_covered(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


@dataclass(frozen=True)
class OfficialDay:
    """A day chinese-calendar moves off the weekly pattern: a holiday, or a make-up working day."""

    date: date
    is_workday: bool
    #: the holiday it belongs to, in English and in Chinese (e.g. "National Day", "国庆节")
    name_en: str
    name_zh: str


def official_special_days(year: int) -> list[OfficialDay]:
    """The official holidays and make-up working days of ``year`` (empty when not covered)."""
    if not is_officially_covered(year):
        return []
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = [
        OfficialDay(d, False, name, names.get(name, name))
        for d, name in chinese_calendar.holidays.items()
        if d.year == year
    ]
    days += [
        OfficialDay(d, True, name, names.get(name, name))
        for d, name in chinese_calendar.workdays.items()
        if d.year == year
    ]
    return sorted(days, key=lambda day: day.date)


def parse_periods(text: str) -> tuple[Period, ...]:
    """``"08:30-12:00,13:00-17:30"`` → the periods (the format of ``WORK_PERIODS``)."""
    periods = []
    for part in text.split(","):
        if not part.strip():
            continue
        bounds = part.split("-")
        if len(bounds) != 2:
            raise ValueError(f"working period {part.strip()!r} is not like 08:30-12:00")
        periods.append((time.fromisoformat(bounds[0].strip()), time.fromisoformat(bounds[1].strip())))
    return check_periods(periods)


def check_periods(periods: Iterable[Period]) -> tuple[Period, ...]:
    """The periods in order, refusing empty, reversed or overlapping ones."""
    result = tuple((start.replace(tzinfo=None), end.replace(tzinfo=None)) for start, end in periods)
    if not result:
        raise ValueError("at least one working period is needed")
    for start, end in result:
        if not start < end:
            raise ValueError(f"working period {start:%H:%M}-{end:%H:%M} ends before it starts")
    for (_, end), (start, _) in zip(result, result[1:], strict=False):
        if start < end:
            raise ValueError("working periods must be in order of the day and must not overlap")
    return result


class WorkCalendar:
    """The working days and hours of one company.

    ``base`` says whether a day is worked before overrides (default: China's official rule);
    ``overrides`` maps dates to ``True`` (worked: make-up day) or ``False`` (day off).
    """

    def __init__(
        self,
        base: Callable[[date], bool] | None = None,
        *,
        overrides: Mapping[date, bool] | None = None,
        periods: Iterable[Period] = DEFAULT_PERIODS,
        tz: str | tzinfo = DEFAULT_TIMEZONE,
    ) -> None:
        self._base = base or official_is_workday
        self._overrides = {day: bool(value) for day, value in (overrides or {}).items()}
        self._days: dict[date, bool] = {}
        #: the daily working periods, in order
        self.periods = check_periods(periods)
        #: the company time zone; every answer is given in it
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        anchor = date(2000, 1, 3)
        #: the working time of one working day (8 h by default)
        self.day_length = sum(
            (datetime.combine(anchor, end) - datetime.combine(anchor, start) for start, end in self.periods),
            timedelta(),
        )

    # --- days -------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (or the company-local day of an aware datetime) is a working day."""
        if isinstance(day, datetime):
            day = self.local(day).date()
        known = self._days.get(day)
        if known is None:
            known = self._overrides[day] if day in self._overrides else bool(self._base(day))
            self._days[day] = known
        return known

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        return next(self._workdays(day + timedelta(days=1), 1))

    def previous_working_day(self, day: date) -> date:
        """The last working day before ``day``."""
        return next(self._workdays(day - timedelta(days=1), -1))

    def roll(self, day: date, direction: Direction = "forward") -> date:
        """``day`` itself when it is worked, else the next (or previous) working day."""
        if direction not in ("forward", "backward"):
            raise ValueError(f"direction must be 'forward' or 'backward', not {direction!r}")
        return next(self._workdays(day, 1 if direction == "forward" else -1))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``days`` working days after ``start``, at the same clock time.

        ``start`` first rolls forward to the next working moment (Saturday 10:00 → Monday
        08:30; 12:30 → 13:00), then moves ``days`` working days on (back, when negative)
        keeping that time. 0 days gives the rolled start.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError("days must be a whole number")
        moment = self.next_working_moment(start)
        day = moment.date()
        if days:
            step = 1 if days > 0 else -1
            found = self._workdays(day + timedelta(days=step), step)
            for _ in range(abs(days)):
                day = next(found)
        return datetime.combine(day, moment.time(), tzinfo=self.tz)

    # --- hours ------------------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the company time zone; naive datetimes are refused (whose clock?)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("an aware datetime is needed (with its time zone)")
        return moment.astimezone(self.tz)

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside a working period (its end excluded)."""
        moment = self.local(moment)
        if not self.is_workday(moment.date()):
            return False
        clock = moment.time()
        return any(start <= clock < end for start, end in self.periods)

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` when it is in working time (or at a period's end), else the next period's start."""
        begin, _ = next(self._spans_forward(self.local(moment)))
        return begin

    def add_working_hours(self, start: datetime, hours: float | timedelta) -> datetime:
        """The earliest moment with ``hours`` of working time between ``start`` and it.

        So 3.5 h from 08:30 is 12:00 (not 13:00), and 8 h from Friday 16:00 before a week
        of holidays runs 1.5 h that Friday and the rest on the next working day. Negative
        hours go back: the latest moment that far before ``start``. 0 h rolls ``start``
        forward to the next working moment.
        """
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        local = self.local(start)
        if remaining < timedelta():
            remaining = -remaining
            for begin, end in self._spans_backward(local):
                if remaining <= end - begin:
                    return end - remaining
                remaining -= end - begin
        for begin, end in self._spans_forward(local):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable: the spans never end")  # pragma: no cover

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from ``a`` to ``b`` (negative when ``b`` is earlier)."""
        a, b = self.local(a), self.local(b)
        if b < a:
            return -self.working_time_between(b, a)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                if a.date() < day < b.date():
                    total += self.day_length
                else:
                    for start, end in self._periods_of(day):
                        low, high = max(start, a), min(end, b)
                        if high > low:
                            total += high - low
            day += timedelta(days=1)
        return total

    # --- internals --------------------------------------------------------------------------

    def _periods_of(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, start, tzinfo=self.tz), datetime.combine(day, end, tzinfo=self.tz))
            for start, end in self.periods
        ]

    def _workdays(self, day: date, step: int) -> Iterator[date]:
        """Working days from ``day`` (included) on, one way; a long run without any raises."""
        idle = 0
        while True:
            if self.is_workday(day):
                idle = 0
                yield day
            else:
                idle += 1
                if idle > MAX_DAYS_WITHOUT_WORK:
                    raise ValueError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days of {day}")
            day += timedelta(days=step)

    def _spans_forward(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working spans from ``moment`` on, the first one clipped to start there."""
        for day in self._workdays(moment.date(), 1):
            for start, end in self._periods_of(day):
                if end >= moment:
                    yield max(start, moment), end

    def _spans_backward(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working spans before ``moment``, latest first, the first one clipped to end there."""
        for day in self._workdays(moment.date(), -1):
            for start, end in reversed(self._periods_of(day)):
                if start <= moment:
                    yield start, min(end, moment)
