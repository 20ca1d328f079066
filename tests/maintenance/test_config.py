"""The maintenance settings: the shift direction and the lead time, read from the environment."""

from __future__ import annotations

import datetime as dt

import pytest

from app.config import Config, ConfigError
from app.core.calendar.queries import company_calendar, company_today
from app.maintenance.services import create_plan, plans_due_for_a_visit
from tests.maintenance.conftest import plan_values


def test_defaults_and_a_wrong_shift(monkeypatch):
    config = Config()
    assert (config.MAINTENANCE_DUE_SHIFT, config.MAINTENANCE_VISIT_LEAD_DAYS) == ("next", 14)
    monkeypatch.setenv("MAINTENANCE_DUE_SHIFT", "Previous")
    monkeypatch.setenv("MAINTENANCE_VISIT_LEAD_DAYS", "21")
    config = Config()
    assert (config.MAINTENANCE_DUE_SHIFT, config.MAINTENANCE_VISIT_LEAD_DAYS) == ("previous", 21)
    monkeypatch.setenv("MAINTENANCE_DUE_SHIFT", "sideways")
    with pytest.raises(ConfigError, match="MAINTENANCE_DUE_SHIFT"):
        Config()


def _next_saturday_off(calendar) -> dt.date:
    day = company_today() + dt.timedelta(days=20)
    while day.weekday() != 5 or calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


@pytest.mark.parametrize(("shift", "days"), [("next", 2), ("previous", -1)])
def test_the_shift_setting_moves_a_saturday_to_monday_or_friday(app, world, shift, days):
    app.config["MAINTENANCE_DUE_SHIFT"] = shift
    calendar = company_calendar()
    saturday = _next_saturday_off(calendar)
    plan = create_plan(plan_values(world, start_date=saturday), [world.units[0].id], actor=world.clerk)
    expected = calendar.roll(saturday + dt.timedelta(days=days), "forward" if days > 0 else "backward")
    assert plan.next_due_date == expected


def test_the_lead_time_setting(app, world, make_plan):
    plan = make_plan("active", start_date=company_today() + dt.timedelta(days=20))
    assert plans_due_for_a_visit(company_today()) == []
    app.config["MAINTENANCE_VISIT_LEAD_DAYS"] = 30
    assert plans_due_for_a_visit(company_today()) == [plan.id]
