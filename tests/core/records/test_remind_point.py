"""A deadline's reminder point given by the workflow: ``DeadlineStart(remind=...)`` and
``working_day_before`` (08:30 of the previous working day in the company calendar)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.core.calendar.services import add_calendar_days
from app.core.permissions import Department, Role
from app.core.records.engine import DeadlineStart, create_record, deadlines_of, scan_deadlines, transition
from app.core.records.engine.deadlines import within_hours, working_day_before
from app.extensions import db
from tests.core.records.example_workflow import EXAMPLE, ExampleRecord

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """A moment on the company's clock."""
    return datetime(*args, tzinfo=SH)


# 2026: National Day 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 are make-up working days


@pytest.mark.parametrize(
    ("due", "remind"),
    [
        (at(2026, 11, 24, 9, 0), at(2026, 11, 23, 8, 30)),  # Tuesday visit: Monday morning
        (at(2026, 11, 23, 14, 0), at(2026, 11, 20, 8, 30)),  # Monday visit: over the weekend to Friday
        (at(2026, 11, 22, 10, 0), at(2026, 11, 20, 8, 30)),  # a Sunday visit: Friday too
        (at(2026, 10, 8, 8, 30), at(2026, 9, 30, 8, 30)),  # after Golden Week: the last day before it
        (at(2026, 9, 21, 9, 0), at(2026, 9, 20, 8, 30)),  # Monday after the make-up Sunday
        (at(2026, 10, 12, 9, 0), at(2026, 10, 10, 8, 30)),  # Monday after the make-up Saturday
        (at(2026, 11, 24, 0, 30), at(2026, 11, 23, 8, 30)),  # just after midnight: still the day before
    ],
)
def test_working_day_before_follows_the_company_calendar(app, due, remind):
    assert working_day_before(due) == remind
    # as a remind= rule the engine calls it with (record, started_at, due_at)
    assert working_day_before(None, due - timedelta(days=10), due) == remind


def test_the_day_is_the_company_day_not_the_utc_day(app):
    # Tuesday 00:30 in Shanghai is Monday 16:30 UTC: the visit is on Tuesday, remind on Monday
    due = at(2026, 11, 24, 0, 30).astimezone(ZoneInfo("UTC"))
    assert working_day_before(due) == at(2026, 11, 23, 8, 30)


def test_the_first_working_period_sets_the_clock(app):
    from datetime import time

    app.config["WORK_PERIODS"] = ((time(9, 0), time(12, 0)), (time(13, 30), time(18, 0)))
    assert working_day_before(at(2026, 11, 24, 10, 0)) == at(2026, 11, 23, 9, 0)


def test_a_day_off_the_admin_adds_moves_the_reminder_back(app, make_user):
    admin = make_user(roles=[Role.SYSTEM_ADMIN])
    assert working_day_before(at(2026, 11, 25, 9, 0)) == at(2026, 11, 24, 8, 30)
    add_calendar_days({"date": date(2026, 11, 24), "is_workday": False, "name": "厂庆"}, actor=admin)
    db.session.commit()
    assert working_day_before(at(2026, 11, 25, 9, 0)) == at(2026, 11, 23, 8, 30)


def test_nonsense_is_refused(app):
    with pytest.raises(ValueError, match="aware"):
        working_day_before(datetime(2026, 11, 24, 9, 0))  # noqa: DTZ001 — naive on purpose
    with pytest.raises(TypeError):
        working_day_before(None, at(2026, 11, 24, 9, 0))


# --- through a transition --------------------------------------------------------------------------


def _with_submit_deadline(monkeypatch, spec: DeadlineStart) -> None:
    """The example's submission starts ``spec`` instead of its review deadline."""
    transitions = tuple(
        dataclasses.replace(t, starts=(spec,)) if t.name == "submit" else t for t in EXAMPLE.transitions
    )
    monkeypatch.setattr(EXAMPLE, "transitions", transitions)


def _submit(people, now: datetime) -> ExampleRecord:
    record = create_record(ExampleRecord, {"title": "安装", "fault": "无"}, actor=people["clerk"], now=now)
    record.engineer_id = people["engineer"].id
    transition(record, "submit", actor=people["clerk"], now=now)
    db.session.commit()
    return record


def test_the_workflow_rule_sets_the_stored_reminder_point(app, example_form, people, monkeypatch):
    visit = at(2026, 11, 30, 9, 0)  # a Monday
    _with_submit_deadline(
        monkeypatch,
        DeadlineStart(
            "visit",
            due=lambda record, now: visit,
            responsible=lambda record: record.engineer_id,
            department=Department.SERVICE,
            remind=working_day_before,
        ),
    )
    started = at(2026, 11, 16, 10, 0)
    (deadline,) = deadlines_of(_submit(people, started))
    assert (deadline.key, deadline.due_at, deadline.remind_at) == ("visit", visit, at(2026, 11, 27, 8, 30))
    # not at 80 % of the way (which would be 2026-11-27 05:36 here, before office hours)
    assert deadline.remind_at != started + (visit - started) * 0.8

    # the scan reminds the responsible engineer on Friday morning, not before
    assert scan_deadlines(now=at(2026, 11, 27, 8, 29)) == {"escalated": 0, "reminded": 0}
    assert scan_deadlines(now=at(2026, 11, 27, 8, 31)) == {"escalated": 0, "reminded": 1}
    assert scan_deadlines(now=at(2026, 11, 27, 9, 0)) == {"escalated": 0, "reminded": 0}


def test_a_reminder_point_after_the_due_time_is_clamped_to_it(app, example_form, people, monkeypatch):
    _with_submit_deadline(
        monkeypatch,
        DeadlineStart("late", due=within_hours(2), remind=lambda record, start, due: due + timedelta(days=3)),
    )
    started = at(2026, 11, 23, 10, 0)
    (deadline,) = deadlines_of(_submit(people, started))
    assert deadline.due_at == started + timedelta(hours=2)
    assert deadline.remind_at == deadline.due_at


def test_the_rule_gets_the_record_the_start_and_the_due_time(app, example_form, people, monkeypatch):
    seen = []

    def remind(record, started_at, due_at):
        seen.append((record.title, started_at, due_at))
        return started_at + timedelta(minutes=5)

    _with_submit_deadline(monkeypatch, DeadlineStart("quick", due=within_hours(10), remind=remind))
    started = at(2026, 11, 23, 10, 0)
    (deadline,) = deadlines_of(_submit(people, started))
    assert seen == [("安装", started, started + timedelta(hours=10))]
    assert deadline.remind_at == started + timedelta(minutes=5)


def test_without_a_rule_the_fraction_still_applies(app, example_form, people, monkeypatch):
    _with_submit_deadline(monkeypatch, DeadlineStart("plain", due=within_hours(10)))
    started = at(2026, 11, 23, 10, 0)
    (deadline,) = deadlines_of(_submit(people, started))
    assert deadline.remind_at == started + timedelta(hours=8)
