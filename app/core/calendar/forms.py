"""The form of the working calendar's admin table."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

#: a longer range is a typing mistake: the longest official holiday is 9 days
MAX_RANGE_DAYS = 31


class CalendarDayForm(FlaskForm):
    date = DateField(_l("Date"), validators=[DataRequired()])
    until = DateField(
        _l("Until (optional)"),
        validators=[Optional()],
        description=_l("To enter several days at once, e.g. the whole Spring Festival."),
    )
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("off", _l("Day off (holiday)")),
            SelectChoice("workday", _l("Working day (make-up day)")),
        ],
        validators=[DataRequired()],
        default="off",
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("e.g. 元旦, 春节, 调休上班"),
    )

    def validate_until(self, field) -> None:
        if field.data is None or self.date.data is None:
            return
        if field.data < self.date.data:
            raise ValidationError(_l("The last day must not be before the first."))
        if (field.data - self.date.data).days >= MAX_RANGE_DAYS:
            raise ValidationError(_l("At most %(days)s days at once.", days=MAX_RANGE_DAYS))

    def dates(self) -> list[date]:
        """Every date the form covers, first to last."""
        first = self.date.data
        last = self.until.data or first
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def service_data(self) -> dict:
        return {
            "date": self.date.data,
            "until": self.until.data,
            "is_workday": self.kind.data == "workday",
            "name": self.name.data,
        }
