"""Due rules of deadlines (calendar and working time), the reminder point, and the countdown shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.core.calendar.services import add_calendar_days
from app.core.models import utcnow
from app.core.permissions import Department, Role
from app.core.records.engine import (
    create_record,
    deadlines_of,
    from_config,
    reminder_point,
    transition,
    within_days,
    within_hours,
    within_working_days,
    within_working_hours,
)
from app.core.records.engine.deadlines import countdown, duration_text
from app.core.records.services import create_document
from app.extensions import db
from tests.conftest import HX
from tests.core.records.example_workflow import ExampleRecord, ExampleVisit

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """A moment on the company's clock."""
    return datetime(*args, tzinfo=SH)


# 2026: National Day 10-01..10-07 off, Sunday 09-20 and Saturday 10-10 are make-up working days


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (at(2026, 9, 30, 10, 0), 1, at(2026, 10, 8, 10, 0)),  # over the whole Golden Week
        (at(2026, 9, 30, 10, 0), 3, at(2026, 10, 10, 10, 0)),  # the 3rd is the make-up Saturday
        (at(2026, 9, 30, 10, 0), 4, at(2026, 10, 12, 10, 0)),  # Sunday 10-11 is off again
        (at(2026, 9, 18, 17, 0), 1, at(2026, 9, 20, 17, 0)),  # Friday → make-up Sunday
        (at(2026, 10, 3, 11, 0), 1, at(2026, 10, 9, 8, 30)),  # opened in the holiday: from 10-08 08:30
    ],
)
def test_working_days_skip_the_holiday_and_count_make_up_days(app, start, days, due):
    assert within_working_days(days)(None, start) == due


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # 2.5 h on 09-30, then 3.5 h + 2 h on 10-08
        (at(2026, 9, 30, 15, 0), 8, at(2026, 10, 8, 15, 0)),
        # 1.5 h on Friday 10-09, the rest on the make-up Saturday 10-10
        (at(2026, 10, 9, 16, 0), 8, at(2026, 10, 10, 16, 0)),
        # 4 h: from the lunch break, the afternoon only
        (at(2026, 10, 9, 12, 30), 4, at(2026, 10, 9, 17, 0)),
        (at(2026, 10, 9, 12, 30), 0.5, at(2026, 10, 9, 13, 30)),
    ],
)
def test_working_hours_skip_nights_lunch_and_the_holiday(app, start, hours, due):
    assert within_working_hours(hours)(None, start) == due


def test_calendar_time_runs_through_the_holiday(app):
    start = at(2026, 9, 30, 15, 0)
    assert within_hours(24)(None, start) == at(2026, 10, 1, 15, 0)
    assert within_days(7)(None, start) == at(2026, 10, 7, 15, 0)


def test_a_day_off_the_admin_adds_moves_working_deadlines(app, make_user):
    admin = make_user(roles=[Role.SYSTEM_ADMIN])
    start = at(2026, 10, 9, 10, 0)
    assert within_working_days(1)(None, start) == at(2026, 10, 10, 10, 0)
    add_calendar_days(
        {"date": datetime(2026, 10, 10).date(), "is_workday": False, "name": "停电检修"}, actor=admin
    )
    db.session.commit()
    assert within_working_days(1)(None, start) == at(2026, 10, 12, 10, 0)


def test_the_amount_can_come_from_the_record_and_the_configuration(app):
    class Call:
        def __init__(self, region):
            self.region = region

    rule = within_days(
        from_config("ONSITE_DAYS", {"city": 1, "province": 3, "remote": 7}, pick=lambda r: r.region)
    )
    start = at(2026, 11, 23, 9, 0)
    assert rule(Call("city"), start) == at(2026, 11, 24, 9, 0)
    assert rule(Call("province"), start) == at(2026, 11, 26, 9, 0)
    assert rule(Call("remote"), start) == at(2026, 11, 30, 9, 0)
    app.config["ONSITE_DAYS"] = {"city": 2, "province": 4, "remote": 10}  # changed by the administrator
    assert rule(Call("city"), start) == at(2026, 11, 25, 9, 0)
    assert within_working_hours(lambda record: record.region)(Call(4), start) == at(2026, 11, 23, 14, 0)


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        (lambda: within_hours(-1), ValueError),
        (lambda: within_working_days(1.5), ValueError),
        (lambda: within_days("3"), TypeError),
        (lambda: within_working_hours(True), TypeError),
    ],
)
def test_nonsense_amounts_are_refused_when_the_workflow_is_declared(rule, error):
    with pytest.raises(error):
        rule()


def test_a_callable_amount_is_checked_when_the_deadline_starts(app):
    with pytest.raises(ValueError, match="negative"):
        within_working_hours(lambda record: -2)(None, at(2026, 11, 23, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        within_hours(1)(None, datetime(2026, 11, 23, 9, 0))  # noqa: DTZ001 — naive on purpose


def test_the_reminder_point_is_a_fraction_of_the_way(app):
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert reminder_point(start, start + timedelta(hours=10)) == start + timedelta(hours=8)
    app.config["REMINDER_FRACTION"] = 0.5
    assert reminder_point(start, start + timedelta(hours=10)) == start + timedelta(hours=5)
    assert reminder_point(start, start) == start


# --- through a transition ----------------------------------------------------------------------------


@pytest.fixture
def visit_form(example_form):
    """Form F02 of the example procedure (service calls) in the register."""
    form = create_document(
        {
            "kind": "form",
            "module": "example",
            "form_key": "F02",
            "procedure_id": example_form.procedure_id,
            "code": "Q/SB-0.0.1-F02",
            "title_zh": "服务派工单",
            "title_en": "Service call form",
            "revision": "A/0",
            "number_pattern": "SC-{YYYY}{MM}-{SEQ:4}",
            "retention_years": 3,
        },
        actor=None,
    )
    db.session.commit()
    return form


def test_a_service_call_before_national_day_gets_working_time_deadlines(app, visit_form, people):
    opened = at(2026, 9, 30, 15, 0)
    call = create_record(ExampleVisit, {"title": "空压机停机", "region": "remote"}, actor=people["clerk"])
    call.engineer_id = people["engineer"].id
    transition(call, "open", actor=people["clerk"], now=opened)
    db.session.commit()

    reply, on_site = deadlines_of(call)
    with force_locale("en"):
        assert (reply.key, reply.title, on_site.key, on_site.title) == (
            "reply",
            "Reply",
            "on_site",
            "On site",
        )
    with force_locale("zh_CN"):
        assert (reply.title, on_site.title) == ("答复", "到达现场")
    assert reply.due_at == at(2026, 10, 8, 15, 0)
    # 7 working days: 10-08, 09, 10 (Saturday, worked), 12, 13, 14, 15
    assert on_site.due_at == at(2026, 10, 15, 15, 0)
    assert reply.remind_at == opened + (reply.due_at - opened) * 0.8
    assert reply.responsible_id == people["engineer"].id
    assert reply.department == Department.SERVICE


def test_the_region_class_setting_is_read_when_the_call_is_opened(app, visit_form, people):
    app.config["EXAMPLE_ONSITE_DAYS"] = {"city": 2, "province": 3, "remote": 7}
    call = create_record(ExampleVisit, {"title": "异响", "region": "city"}, actor=people["clerk"])
    transition(call, "open", actor=people["clerk"], now=at(2026, 11, 23, 9, 0))
    assert deadlines_of(call)[1].due_at == at(2026, 11, 25, 9, 0)


# --- countdown -----------------------------------------------------------------------------------------


def test_durations_read_to_the_minute(app):
    assert duration_text(timedelta(days=2, hours=3, minutes=59)) == "2天3小时"  # the portal default
    with force_locale("en"):
        _english_durations()


def _english_durations():
    assert duration_text(timedelta(days=2, hours=3, minutes=59)) == "2 d 3 h"
    assert duration_text(timedelta(hours=3, minutes=5, seconds=59)) == "3 h 5 min"
    assert duration_text(-timedelta(minutes=4)) == "4 min"


def test_countdown_left_and_overdue(app, new_record):
    with force_locale("en"):
        _english_countdown(new_record("submitted"))


def _english_countdown(record):
    (review,) = deadlines_of(record)
    due = review.due_at
    early = countdown(review, now=due - timedelta(hours=5, minutes=30))
    assert (early.is_open, early.is_overdue, early.text) == (True, False, "5 h 30 min left")
    late = countdown(review, now=due + timedelta(days=1, hours=2))
    assert (late.is_overdue, late.text) == (True, "overdue by 1 d 2 h")
    assert late.due_iso == due.astimezone(UTC).isoformat()
    assert (late.left_pattern, late.overdue_pattern) == ("{t} left", "overdue by {t}")
    assert late.units == ("{d} d {h} h", "{h} h {m} min", "{m} min")


def page_of(record) -> str:
    from flask import current_app

    with current_app.test_request_context():
        return record.url


def _open_review(people, example_form, started: datetime) -> ExampleRecord:
    record = create_record(ExampleRecord, {"title": "压缩机异响", "fault": "噪音"}, actor=people["clerk"])
    record.engineer_id = people["engineer"].id
    transition(record, "submit", actor=people["clerk"], now=started)
    db.session.commit()
    return record


def test_record_page_shows_the_due_time_in_company_time_and_the_time_left(
    client, login, people, example_form
):
    started = utcnow().replace(microsecond=0) - timedelta(hours=1)
    record = _open_review(people, example_form, started)
    login(people["clerk"])
    client.post("/auth/locale", data={"locale": "en", "next": "/"})
    body = client.get(page_of(record)).get_data(as_text=True)

    due_local = (started + timedelta(hours=24)).astimezone(SH).strftime("%Y-%m-%d %H:%M")
    row = body.split('data-key="review"')[1].split("</tr>")[0]
    assert "Review" in row
    assert f">{due_local}</time>" in row
    assert "22 h 59 min left" in row or "23 h 0 min left" in row
    assert 'data-due="' in row
    assert "text-danger" not in row
    assert "js/countdown.js" in body


def test_an_overdue_deadline_reads_overdue_in_red_without_javascript(client, login, people, example_form):
    record = _open_review(people, example_form, utcnow() - timedelta(hours=27))
    login(people["clerk"])
    row = client.get(page_of(record)).get_data(as_text=True).split('data-key="review"')[1].split("</tr>")[0]
    assert 'data-state="overdue"' in row
    assert "countdown text-danger" in row
    assert "已逾期3小时0分钟" in row  # the default language is Chinese


def test_a_stopped_deadline_has_no_countdown(client, login, people, example_form):
    record = _open_review(people, example_form, utcnow() - timedelta(hours=2))
    transition(record, "review", actor=people["service_manager"])
    db.session.commit()
    login(people["clerk"])
    response = client.get(page_of(record), headers=HX)
    row = response.get_data(as_text=True).split('data-key="review"')[1].split("</tr>")[0]
    assert 'data-state="done"' in row
    assert "data-due" not in row
