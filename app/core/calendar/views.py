"""The admin page of the working calendar: days off and make-up days, one year at a time."""

from __future__ import annotations

from flask import abort, current_app, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.calendar import bp
from app.core.calendar.forms import CalendarDayForm
from app.core.calendar.models import CalendarDay
from app.core.calendar.queries import (
    calendar_days,
    calendar_gaps,
    company_today,
    taken_dates,
    years_with_entries,
)
from app.core.calendar.services import add_calendar_days, remove_calendar_day
from app.core.calendar.worktime import is_officially_covered, official_special_days
from app.core.permissions import Role, can_edit_calendar, roles_required
from app.core.records.audit import AuditEntry
from app.core.web import render
from app.extensions import db

#: the same people as :func:`app.core.permissions.can_edit_calendar`
calendar_admin_required = roles_required(Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN)

TEMPLATE = "core/calendar/index.html"


def get_calendar_day_or_404(day_id: int, for_edit: bool = False) -> CalendarDay:
    entry = db.session.get(CalendarDay, day_id)
    if entry is None:
        abort(404)
    if for_edit and not can_edit_calendar(current_user):
        abort(403)
    return entry


@bp.app_template_global("calendar_gaps")
def _calendar_gaps() -> list[int]:
    """For the admins' warning banner (``core/calendar/_warning.html``)."""
    return calendar_gaps()


def _year(value: int | None) -> int:
    return value if value is not None and 2000 <= value <= 2100 else company_today().year


def _recent_changes(limit: int = 20) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == CalendarDay.__tablename__)
    latest = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)).all()
    return list(reversed(latest))


def _page(year: int, form: CalendarDayForm, **extra) -> dict:
    today = company_today()
    return dict(
        year=year,
        years=sorted({*years_with_entries(), today.year - 1, today.year, today.year + 1, year}),
        entries=calendar_days(year),
        is_covered=is_officially_covered(year),
        official=official_special_days(year),
        form=form,
        history=_recent_changes(),
        hours=", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in current_app.config["WORK_PERIODS"]),
        weekday=lambda day: format_date(day, "EEE"),
        **extra,
    )


@bp.route("/")
@calendar_admin_required
def index():
    year = _year(request.args.get("year", type=int))
    return render(TEMPLATE, "calendar_body", **_page(year, CalendarDayForm(formdata=None)))


@bp.route("/days", methods=["POST"])
@calendar_admin_required
def add_day():
    form = CalendarDayForm()
    year = _year(request.form.get("year", type=int))
    if form.validate() and _dates_free(form):
        try:
            days = add_calendar_days(form.service_data(), actor=current_user._get_current_object())
            db.session.commit()
        except IntegrityError:  # someone entered the same day a moment ago
            db.session.rollback()
            _dates_free(form)
        else:
            year = days[0].date.year
            return render(
                TEMPLATE,
                "calendar_body",
                headers={"HX-Push-Url": url_for("calendar.index", year=year)},
                **_page(year, CalendarDayForm(formdata=None), added=days),
            )
    return render(TEMPLATE, "calendar_body", status=422, **_page(year, form))


def _dates_free(form: CalendarDayForm) -> bool:
    taken = taken_dates(form.dates())
    if taken:
        form.date.errors.append(
            _(
                "Already in the table: %(dates)s. Remove a day first to change it.",
                dates=", ".join(d.isoformat() for d in taken),
            )
        )
        return False
    return True


@bp.route("/days/<int:day_id>/remove", methods=["POST"])
@calendar_admin_required
def remove_day(day_id: int):
    entry = get_calendar_day_or_404(day_id, for_edit=True)
    year, removed = entry.date.year, str(entry)
    remove_calendar_day(entry, actor=current_user._get_current_object())
    db.session.commit()
    return render(TEMPLATE, "calendar_body", **_page(year, CalendarDayForm(formdata=None), removed=removed))
