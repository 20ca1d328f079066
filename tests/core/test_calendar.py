"""The company working calendar: official days, the admin table, deadlines in working time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.calendar import queries, views, worktime
from app.core.calendar.models import CalendarDay
from app.core.calendar.queries import company_calendar, uncovered_years
from app.core.calendar.services import add_calendar_days
from app.core.calendar.worktime import WorkCalendar, parse_periods
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.conftest import HX

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 22)


def at(*args) -> datetime:
    """A moment on the company's clock."""
    return datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def official_data_ends_2026(monkeypatch):
    """Pin what chinese-calendar covers to 1.11's 2004–2026, so a newer release with 2027 in it
    does not turn the 2027 cases below into official ones."""
    monkeypatch.setattr(worktime, "OFFICIAL_YEARS", range(2004, 2027))


CAL = WorkCalendar()


# --- China's official days (chinese-calendar) ---------------------------------------------------


def test_official_years_are_exactly_those_chinese_calendar_answers_for(monkeypatch):
    monkeypatch.undo()  # the real range, not the pinned one
    first, last = worktime.OFFICIAL_YEARS[0], worktime.OFFICIAL_YEARS[-1]
    assert first == 2004
    assert last >= 2026
    chinese_calendar.is_workday(date(last, 6, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(last + 1, 6, 1))


def test_every_day_of_2026_agrees_with_chinese_calendar():
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_national_day_2026_is_off_and_work_resumes_on_the_8th():
    for n in range(1, 8):
        assert not CAL.is_workday(date(2026, 10, n)), f"2026-10-0{n} is a National Day holiday"
    assert CAL.is_workday(date(2026, 10, 8)) == chinese_calendar.is_workday(date(2026, 10, 8))
    assert CAL.is_workday(date(2026, 10, 8))  # a Thursday after the seven days off


def test_2026_make_up_weekend_days_are_worked():
    weekend_workdays = [
        d
        for d in chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31), include_weekends=True)
        if d.weekday() >= 5
    ]
    saturdays = [d for d in weekend_workdays if d.weekday() == 5]
    assert saturdays, "2026 has make-up Saturdays (e.g. 2026-02-14, 2026-10-10)"
    for day in weekend_workdays:
        assert CAL.is_workday(day), day
    assert date(2026, 10, 10) in saturdays
    assert date(2026, 2, 14) in saturdays


def test_spring_festival_2026_is_off():
    festival = [
        d
        for d in chinese_calendar.get_holidays(date(2026, 2, 1), date(2026, 3, 1), include_weekends=True)
        if chinese_calendar.get_holiday_detail(d)[1] == chinese_calendar.Holiday.spring_festival.value
    ]
    assert date(2026, 2, 17) in festival  # 春节 itself
    assert len(festival) >= 7
    assert not any(CAL.is_workday(d) for d in festival)
    assert CAL.next_working_day(date(2026, 2, 14)) == max(festival) + timedelta(days=1)


# --- deadlines across holidays and make-up days -------------------------------------------------


def test_eight_working_hours_before_national_day_end_on_the_8th():
    # Wednesday 30 September, 16:00: 1.5 h that day, then a week off, 6.5 h on Thursday 8 October
    assert CAL.add_working_hours(at(2026, 9, 30, 16, 0), 8) == at(2026, 10, 8, 16, 0)
    assert CAL.working_time_between(at(2026, 9, 30, 16, 0), at(2026, 10, 8, 16, 0)) == timedelta(hours=8)
    assert CAL.add_working_days(at(2026, 9, 30, 10, 0), 1) == at(2026, 10, 8, 10, 0)


def test_friday_deadline_runs_into_the_make_up_saturday():
    # Friday 13 February 2026 16:00: 1.5 h, then 6.5 h on Saturday the 14th (worked: 调休);
    # from there the Spring Festival runs to the 23rd
    assert CAL.add_working_hours(at(2026, 2, 13, 16, 0), 8) == at(2026, 2, 14, 16, 0)
    assert CAL.add_working_hours(at(2026, 2, 14, 16, 0), 8) == at(2026, 2, 24, 16, 0)
    assert CAL.add_working_days(at(2026, 10, 9, 16, 0), 1) == at(2026, 10, 10, 16, 0)
    assert CAL.add_working_days(at(2026, 2, 13, 9, 0), 2) == at(2026, 2, 24, 9, 0)


def test_start_outside_working_time_rolls_forward():
    saturday = at(2026, 11, 21, 10, 0)  # an ordinary Saturday
    assert CAL.add_working_hours(saturday, 1) == at(2026, 11, 23, 9, 30)
    assert CAL.add_working_hours(at(2026, 11, 23, 12, 30), 1) == at(2026, 11, 23, 14, 0)  # lunch break
    assert CAL.add_working_hours(at(2026, 11, 23, 20, 0), 1) == at(2026, 11, 24, 9, 30)
    assert CAL.add_working_days(saturday, 1) == at(2026, 11, 24, 8, 30)
    assert CAL.add_working_days(saturday, 0) == at(2026, 11, 23, 8, 30)
    # a morning's work ends at noon, not after lunch
    assert CAL.add_working_hours(at(2026, 11, 23, 8, 30), 3.5) == at(2026, 11, 23, 12, 0)
    assert CAL.working_time_between(saturday, at(2026, 11, 23, 8, 30)) == timedelta(0)


def test_going_back_in_working_time():
    assert CAL.add_working_hours(at(2026, 10, 8, 10, 0), -8) == at(2026, 9, 30, 10, 0)
    assert CAL.add_working_days(at(2026, 10, 8, 10, 0), -1) == at(2026, 9, 30, 10, 0)
    assert CAL.working_time_between(at(2026, 10, 8, 10, 0), at(2026, 9, 30, 10, 0)) == -timedelta(hours=8)


def test_days_around_holidays():
    assert CAL.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert CAL.roll(date(2026, 10, 3), "forward") == date(2026, 10, 8)
    assert CAL.roll(date(2026, 10, 3), "backward") == date(2026, 9, 30)
    assert CAL.roll(date(2026, 10, 10)) == date(2026, 10, 10)  # the make-up Saturday is worked
    with pytest.raises(ValueError, match="direction"):
        CAL.roll(date(2026, 10, 3), "sideways")


def test_other_time_zones_are_converted_and_answers_are_on_the_company_clock():
    utc_start = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    result = CAL.add_working_hours(utc_start, timedelta(hours=8))
    assert result == at(2026, 10, 8, 16, 0)
    assert result.utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError, match="aware"):
        CAL.add_working_hours(datetime(2026, 9, 30, 16, 0), 1)  # naive on purpose


def test_configured_periods_change_the_day():
    cal = WorkCalendar(periods=parse_periods("09:00-17:00"))
    assert cal.day_length == timedelta(hours=8)
    assert cal.add_working_hours(at(2026, 11, 23, 9, 0), 8) == at(2026, 11, 23, 17, 0)
    assert cal.add_working_hours(at(2026, 11, 23, 12, 30), 1) == at(2026, 11, 23, 13, 30)  # no lunch break
    for bad in ("12:00-08:30", "08:30-12:00,11:00-17:30", "08:30", ""):
        with pytest.raises(ValueError):  # noqa: PT011 - each has its own message
            parse_periods(bad)


def test_a_calendar_without_working_days_fails_instead_of_hanging():
    never = WorkCalendar(lambda day: False)
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_hours(at(2026, 11, 23, 9, 0), 1)


# --- years chinese-calendar does not cover ------------------------------------------------------


def test_2027_uses_weekends_and_the_admin_table_without_error():
    assert CAL.is_workday(date(2027, 1, 1))  # a Friday: nobody has entered 元旦 yet
    assert not CAL.is_workday(date(2027, 1, 2))  # Saturday
    filled = WorkCalendar(overrides={date(2027, 1, 1): False, date(2027, 2, 6): True})
    assert not filled.is_workday(date(2027, 1, 1))
    assert filled.is_workday(date(2027, 2, 6))  # a make-up Saturday
    # Thursday 31 December 2026 16:00: 1.5 h, New Year's Day and the weekend off, 6.5 h on Monday
    assert filled.add_working_hours(at(2026, 12, 31, 16, 0), 8) == at(2027, 1, 4, 16, 0)
    assert CAL.add_working_hours(at(2026, 12, 31, 16, 0), 8) == at(2027, 1, 1, 16, 0)


def test_overrides_win_over_chinese_calendar():
    cal = WorkCalendar(overrides={date(2026, 10, 8): False, date(2026, 10, 3): True})
    assert not cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 3))
    assert cal.add_working_hours(at(2026, 9, 30, 16, 0), 8) == at(2026, 10, 3, 16, 0)


# --- properties ---------------------------------------------------------------------------------

#: official 2026, then 2027 by weekends plus a few admin days (make-up Saturdays among them)
PROP_CAL = WorkCalendar(
    overrides={
        date(2026, 12, 31): False,
        date(2027, 1, 1): False,
        date(2027, 2, 6): True,
        **{date(2027, 2, d): False for d in range(8, 15)},
        date(2027, 2, 20): True,
    }
)
PERIOD_ENDS = {end for _, end in PROP_CAL.periods}

moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # hypothesis wants naive bounds
    max_value=datetime(2027, 3, 31),
    timezones=st.sampled_from([SH, UTC]),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=300))
#: 0 h rolls forward (see add_working_hours); going back needs a duration
back_durations = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(hours=300))
PROPERTY = settings(max_examples=200, deadline=None)


def in_working_time_or_at_its_end(cal: WorkCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.tz)
    return cal.is_working_time(local) or (
        cal.is_workday(local.date()) and local.time().replace(tzinfo=None) in PERIOD_ENDS
    )


@PROPERTY
@given(start=moments, hours=durations)
def test_adding_then_counting_gives_back_the_hours(start, hours):
    end = PROP_CAL.add_working_hours(start, hours)
    assert PROP_CAL.working_time_between(start, end) == hours
    assert end >= start
    assert end.tzinfo == SH


@PROPERTY
@given(start=moments, hours=back_durations)
def test_going_back_then_counting_gives_back_the_hours(start, hours):
    earlier = PROP_CAL.add_working_hours(start, -hours)
    assert earlier <= start
    assert PROP_CAL.working_time_between(earlier, start) == hours


@PROPERTY
@given(start=moments, first=durations, second=durations)
def test_more_hours_never_end_earlier(start, first, second):
    short, long = sorted([first, second])
    assert PROP_CAL.add_working_hours(start, short) <= PROP_CAL.add_working_hours(start, long)


@PROPERTY
@given(start=moments, hours=durations)
def test_a_deadline_is_inside_working_time_or_at_the_end_of_a_period(start, hours):
    assert in_working_time_or_at_its_end(PROP_CAL, PROP_CAL.add_working_hours(start, hours))


@PROPERTY
@given(start=moments, days=st.integers(min_value=0, max_value=40))
def test_adding_working_days_lands_on_a_working_day_that_many_working_days_on(start, days):
    result = PROP_CAL.add_working_days(start, days)
    rolled = PROP_CAL.next_working_moment(start)
    assert PROP_CAL.is_workday(result.date())
    assert result.time() == rolled.time()
    assert in_working_time_or_at_its_end(PROP_CAL, result)
    between = [
        rolled.date() + timedelta(days=n)
        for n in range(1, (result.date() - rolled.date()).days + 1)
        if PROP_CAL.is_workday(rolled.date() + timedelta(days=n))
    ]
    assert len(between) == days


@PROPERTY
@given(points=st.lists(moments, min_size=3, max_size=3))
def test_counting_is_additive(points):
    a, b, c = sorted(points)
    between = PROP_CAL.working_time_between
    assert between(a, b) + between(b, c) == between(a, c)
    assert timedelta(0) <= between(a, c) <= c - a


# --- the running portal: config and the admin table ---------------------------------------------


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(queries, "company_today", lambda: TODAY)
    monkeypatch.setattr(views, "company_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_company_calendar_reads_the_table_and_the_configured_hours(app, make_user):
    admin = make_user(roles=[Role.SYSTEM_ADMIN])
    add_calendar_days(
        {"date": date(2026, 10, 8), "until": None, "is_workday": False, "name": "公司停工"}, actor=admin
    )
    db.session.commit()
    cal = company_calendar()
    assert not cal.is_workday(date(2026, 10, 8))
    assert cal.add_working_hours(at(2026, 9, 30, 16, 0), 8) == at(2026, 10, 9, 16, 0)
    app.config["WORK_PERIODS"] = ((time(9, 0), time(17, 0)),)
    assert company_calendar().day_length == timedelta(hours=8)
    assert company_calendar().add_working_hours(at(2026, 11, 23, 12, 0), 1) == at(2026, 11, 23, 13, 0)


def test_a_year_is_uncovered_until_the_table_has_an_entry_for_it(app, make_user):
    admin = make_user(roles=[Role.QUALITY_ADMIN], department=Department.QUALITY)
    assert uncovered_years([2026, 2027]) == [2027]
    add_calendar_days({"date": date(2027, 1, 1), "is_workday": False, "name": "元旦"}, actor=admin)
    db.session.commit()
    assert uncovered_years([2026, 2027, 2028]) == [2028]


NOT_ADMINS = [
    (Role.STAFF, Department.SERVICE),
    (Role.DEPT_MANAGER, Department.QUALITY),
    (Role.MANAGEMENT_REP, Department.QUALITY),
    (Role.GENERAL_MANAGER, Department.SALES),
]


@pytest.mark.parametrize(("role", "department"), NOT_ADMINS)
def test_others_get_403_and_see_no_link_nor_warning(client, login_as, make_user, today, role, department):
    admin = make_user(roles=[Role.SYSTEM_ADMIN])
    [entry] = add_calendar_days(
        {"date": date(2026, 12, 31), "is_workday": False, "name": "年终"}, actor=admin
    )
    db.session.commit()
    login_as(role, department=department)
    assert client.get("/calendar/").status_code == 403
    assert client.get("/calendar/", headers=HX).status_code == 403
    refused = client.post("/calendar/days", data={"date": "2027-01-01", "kind": "off", "name": "元旦"})
    assert refused.status_code == 403
    assert client.post(f"/calendar/days/{entry.id}/remove").status_code == 403
    assert db.session.query(CalendarDay).count() == 1
    home = client.get("/").get_data(as_text=True)
    assert 'id="nav-calendar"' not in home
    assert "calendar-warning" not in home


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN])
def test_admins_get_the_page_and_the_link(english, login_as, today, role):
    login_as(role, department=Department.QUALITY)
    home = english.get("/").get_data(as_text=True)
    assert 'id="nav-calendar"' in home
    page = english.get("/calendar/?year=2026")
    assert page.status_code == 200
    assert b"<html" in page.data
    assert b"2026-10-01" in page.data  # the official National Day holiday, for reference
    fragment = english.get("/calendar/?year=2027", headers=HX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.data
    assert b'id="calendar-body"' in fragment.data
    assert b"only weekends are days off" in fragment.data


def test_anonymous_is_sent_to_login(client):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_warning_for_2027_until_an_entry_exists(english, login_as, today):
    login_as(Role.SYSTEM_ADMIN)
    message = "Working calendar for 2027 not filled in: China's official holidays for 2027"
    home = english.get("/").get_data(as_text=True)
    assert message in home
    assert 'data-year="2026"' not in home
    page = english.get("/calendar/").get_data(as_text=True)
    assert message in page
    assert "href='/calendar/?year=2027'" in page  # the link to enter them

    added = english.post(
        "/calendar/days",
        data={"date": "2027-01-01", "kind": "off", "name": "元旦", "year": "2026"},
        headers=HX,
    )
    assert added.status_code == 200
    assert message not in added.get_data(as_text=True)
    assert message not in english.get("/").get_data(as_text=True)

    entry = db.session.query(CalendarDay).one()
    removed = english.post(f"/calendar/days/{entry.id}/remove", headers=HX)
    assert removed.status_code == 200
    assert message in removed.get_data(as_text=True)
    assert message in english.get("/").get_data(as_text=True)


def test_adding_a_day_is_saved_audited_and_shown(english, login_as, today):
    admin = login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    response = english.post(
        "/calendar/days",
        data={"date": "2027-02-06", "kind": "workday", "name": "调休上班", "year": "2026"},
        headers=HX,
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "2027-02-06" in body  # the page switched to 2027
    assert "调休上班" in body
    assert response.headers["HX-Push-Url"] == "/calendar/?year=2027"
    entry = db.session.query(CalendarDay).one()
    assert (entry.date, entry.is_workday, entry.name, entry.created_by_id) == (
        date(2027, 2, 6),
        True,
        "调休上班",
        admin.id,
    )
    log = db.session.query(AuditEntry).filter_by(object_type="calendar_day").one()
    assert (log.action, log.actor_id, log.object_id) == ("create", admin.id, str(entry.id))
    assert log.changes == {"date": "2027-02-06", "is_workday": True, "name": "调休上班"}
    assert company_calendar().is_workday(date(2027, 2, 6))


def test_a_holiday_range_adds_each_day(english, login_as, today):
    login_as(Role.SYSTEM_ADMIN)
    response = english.post(
        "/calendar/days",
        data={"date": "2027-02-08", "until": "2027-02-14", "kind": "off", "name": "春节"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "7 days added" in response.get_data(as_text=True)
    days = [d.date for d in db.session.query(CalendarDay).order_by(CalendarDay.date)]
    assert days == [date(2027, 2, n) for n in range(8, 15)]
    assert db.session.query(AuditEntry).filter_by(object_type="calendar_day", action="create").count() == 7
    assert not company_calendar().is_workday(date(2027, 2, 10))


@pytest.mark.parametrize(
    ("data", "error_id"),
    [
        ({"date": "2026-12-31", "kind": "off", "name": "again"}, "date-error"),  # already in the table
        ({"date": "2026-12-30", "until": "2026-12-31", "kind": "off", "name": "overlap"}, "date-error"),
        ({"date": "2027-01-05", "until": "2027-01-01", "kind": "off", "name": "reversed"}, "until-error"),
        ({"date": "2027-01-01", "until": "2027-03-01", "kind": "off", "name": "too long"}, "until-error"),
        ({"date": "", "kind": "off", "name": "no date"}, "date-error"),
        ({"date": "2027-01-01", "kind": "off", "name": ""}, "name-error"),
        ({"date": "2027-01-01", "kind": "maybe", "name": "x"}, "kind-error"),
    ],
)
def test_invalid_entries_are_refused_next_to_the_field(english, login_as, make_user, today, data, error_id):
    admin = make_user(roles=[Role.SYSTEM_ADMIN])
    add_calendar_days({"date": date(2026, 12, 31), "is_workday": False, "name": "年终"}, actor=admin)
    db.session.commit()
    login_as(Role.SYSTEM_ADMIN)
    response = english.post("/calendar/days", data={**data, "year": "2026"}, headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'id="{error_id}"' in body
    assert 'id="calendar-day-form"' in body
    assert db.session.query(CalendarDay).count() == 1
    assert db.session.query(AuditEntry).filter_by(object_type="calendar_day").count() == 1


def test_removing_a_day_is_audited_and_restores_the_official_rule(english, login_as, today):
    admin = login_as(Role.SYSTEM_ADMIN)
    english.post("/calendar/days", data={"date": "2026-10-08", "kind": "off", "name": "停工"}, headers=HX)
    entry = db.session.query(CalendarDay).one()
    assert not company_calendar().is_workday(date(2026, 10, 8))
    response = english.post(f"/calendar/days/{entry.id}/remove", headers=HX)
    assert response.status_code == 200
    assert f'id="calendar-day-{entry.id}"' not in response.get_data(as_text=True)
    assert db.session.query(CalendarDay).count() == 0
    assert company_calendar().is_workday(date(2026, 10, 8))
    log = (
        db.session.query(AuditEntry)
        .filter_by(object_type="calendar_day", object_id=str(entry.id))
        .order_by(AuditEntry.id)
        .all()
    )
    assert [e.action for e in log] == ["create", "update"]
    assert log[1].reason == "removed"
    assert log[1].actor_id == admin.id
    assert log[1].changes == {
        "date": ["2026-10-08", None],
        "is_workday": [False, None],
        "name": ["停工", None],
    }
    assert english.post(f"/calendar/days/{entry.id}/remove", headers=HX).status_code == 404
