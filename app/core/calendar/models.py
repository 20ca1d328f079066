"""The admin table of the working calendar: days that differ from China's official rule."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime, utcnow
from app.core.records.audit import label_fields, register_object_type
from app.extensions import db


class CalendarDay(db.Model):
    """One day an administrator set: off (a holiday) or worked (a make-up day, 调休上班).

    It wins over chinese-calendar; for the years chinese-calendar does not cover, these rows
    plus the weekends are the whole calendar.
    """

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    #: ``True``: a working day (make-up day, or a day the company works); ``False``: a day off
    is_workday: Mapped[bool] = mapped_column(Boolean)
    #: why, e.g. 元旦, 春节, 调休上班
    name: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by = relationship("User")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"


register_object_type("calendar_day", _l("Working calendar day"))
label_fields({"date": _l("Date"), "is_workday": _l("Working day"), "name": _l("Name")})
