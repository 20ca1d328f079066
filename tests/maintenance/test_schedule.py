"""Due-date arithmetic: intervals counted from the start (month ends), and the shift off days off
(weekends, China's public holidays, make-up working days), as properties and as named cases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.calendar.worktime import WorkCalendar
from app.maintenance.schedule import MAX_SHIFT_DAYS, due_dates, next_due, occurrence, shift

CALENDAR = WorkCalendar()  # China's official days (chinese-calendar), no admin overrides
d = dt.date.fromisoformat

#: raw dates over the years chinese-calendar knows, and one it does not (Monday–Friday only)
DATES = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2027, 12, 31))
DIRECTIONS = st.sampled_from(["next", "previous"])
PROPERTY = settings(max_examples=400, deadline=None, database=None)


# --- intervals --------------------------------------------------------------------------------------


def test_monthly_from_the_31st_keeps_to_month_ends_without_drifting():
    start = d("2026-01-31")
    assert [occurrence(start, 1, "months", n) for n in range(5)] == [
        d("2026-01-31"),
        d("2026-02-28"),
        d("2026-03-31"),
        d("2026-04-30"),
        d("2026-05-31"),
    ]
    assert occurrence(d("2027-11-30"), 3, "months", 1) == d("2028-02-29")  # a leap year
    assert occurrence(d("2026-08-31"), 6, "months", 1) == d("2027-02-28")


def test_weekly_counts_whole_weeks():
    assert occurrence(d("2026-12-28"), 2, "weeks", 1) == d("2027-01-11")
    with pytest.raises(ValueError, match="at least 1"):
        occurrence(d("2026-01-01"), 0, "weeks", 1)


@given(start=DATES, count=st.integers(1, 24), n=st.integers(0, 40))
@PROPERTY
def test_a_monthly_occurrence_is_the_start_day_or_its_month_end(start, count, n):
    raw = occurrence(start, count, "months", n)
    months = (raw.year - start.year) * 12 + raw.month - start.month
    assert months == count * n
    next_month = (raw.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert raw.day == start.day or (raw.day < start.day and next_month - dt.timedelta(days=1) == raw)


# --- the shift: properties ----------------------------------------------------------------------------


@given(raw=DATES, direction=DIRECTIONS)
@PROPERTY
def test_the_shifted_due_date_is_always_a_working_day_close_to_the_raw_one(raw, direction):
    due = shift(raw, CALENDAR, direction)
    assert CALENDAR.is_workday(due)
    assert abs((due - raw).days) <= MAX_SHIFT_DAYS
    if CALENDAR.is_workday(raw):
        assert due == raw
    elif direction == "next":
        assert due > raw
    else:
        assert due < raw


@given(a=DATES, b=DATES, direction=DIRECTIONS)
@PROPERTY
def test_the_shift_is_monotonic_in_the_raw_date(a, b, direction):
    low, high = sorted((a, b))
    assert shift(low, CALENDAR, direction) <= shift(high, CALENDAR, direction)


@given(
    start=DATES,
    count=st.integers(1, 6),
    unit=st.sampled_from(["weeks", "months"]),
    direction=DIRECTIONS,
)
@PROPERTY
def test_a_plans_due_dates_rise_strictly_and_are_all_working_days(start, count, unit, direction):
    dates = []
    for n, raw, due in due_dates(start, count, unit, CALENDAR, direction):
        assert raw == occurrence(start, count, unit, n)
        dates.append(due)
        if len(dates) == 12:
            break
    assert all(CALENDAR.is_workday(day) for day in dates)
    assert dates == sorted(set(dates))


# --- National Day 2026: 10-01..10-07 off, Sunday 09-20 and Saturday 10-10 make-up working days ----------


@pytest.mark.parametrize(
    ("raw", "direction", "due"),
    [
        ("2026-09-30", "next", "2026-09-30"),  # the Wednesday before: worked
        ("2026-10-01", "next", "2026-10-08"),
        ("2026-10-04", "next", "2026-10-08"),
        ("2026-10-07", "next", "2026-10-08"),
        ("2026-10-01", "previous", "2026-09-30"),
        ("2026-10-07", "previous", "2026-09-30"),
        ("2026-10-10", "next", "2026-10-10"),  # Saturday, a make-up working day: stays
        ("2026-10-10", "previous", "2026-10-10"),
        ("2026-10-11", "next", "2026-10-12"),  # an ordinary Sunday
        ("2026-10-11", "previous", "2026-10-10"),  # back to the make-up Saturday
        ("2026-09-20", "next", "2026-09-20"),  # Sunday, a make-up working day
        ("2026-09-19", "previous", "2026-09-18"),
    ],
)
def test_national_day_2026(raw, direction, due):
    assert shift(d(raw), CALENDAR, direction) == d(due)


def test_weekly_visits_either_side_of_the_holiday_week_do_not_fall_on_one_day():
    # raw Thursdays 10-01 (holiday) and 10-08 both move to 10-08: the later one is skipped
    found = [
        (n, raw, due) for n, raw, due in _take(due_dates(d("2026-09-24"), 1, "weeks", CALENDAR, "next"), 4)
    ]
    assert [due for _n, _raw, due in found] == [
        d("2026-09-24"),
        d("2026-10-08"),
        d("2026-10-15"),
        d("2026-10-22"),
    ]
    assert [n for n, _raw, _due in found] == [0, 1, 3, 4]


def test_the_next_occurrence_after_a_visit_and_on_or_after_a_day():
    start = d("2026-01-31")
    # after the visit of 2026-03-31 (done on time): April
    assert next_due(start, 1, "months", CALENDAR, after=d("2026-03-31"))[2] == d("2026-04-30")
    # resumed on 2026-06-10: nothing owed for the months paused, next is 2026-06-30
    assert next_due(start, 1, "months", CALENDAR, on_or_after=d("2026-06-10"))[1:] == (
        d("2026-06-30"),
        d("2026-06-30"),
    )
    # 2026-05-31 is a Sunday: due Monday 06-01 ("next") or Friday 05-29 ("previous")
    assert next_due(start, 1, "months", CALENDAR, after=d("2026-04-30"))[2] == d("2026-06-01")
    assert next_due(start, 1, "months", CALENDAR, "previous", after=d("2026-04-30"))[2] == d("2026-05-29")


def test_an_admin_day_off_moves_the_due_date_too():
    calendar = WorkCalendar(overrides={d("2026-12-01"): False})
    assert shift(d("2026-12-01"), calendar) == d("2026-12-02")


def _take(iterator, count):
    for _ in range(count):
        yield next(iterator)
