"""Changes to the admin table of the working calendar; each one leaves its audit entry.

Services flush but never commit and never read ``current_user``.
"""

from __future__ import annotations

import datetime as dt

from app.core.calendar.models import CalendarDay
from app.core.records.audit import AuditAction, audit, snapshot
from app.extensions import db

FIELDS = ["date", "is_workday", "name"]


def add_calendar_days(data: dict, *, actor) -> list[CalendarDay]:
    """Set each day from ``data["date"]`` to ``data["until"]`` (or the one day) off or worked.

    One row and one audit entry per day, so that a single day of a holiday can be removed
    later and its history still says who entered it.
    """
    first: dt.date = data["date"]
    last: dt.date = data.get("until") or first
    if last < first:
        raise ValueError("the range ends before it starts")
    days = []
    day = first
    while day <= last:
        entry = CalendarDay(
            date=day,
            is_workday=bool(data["is_workday"]),
            name=data["name"].strip(),
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(entry)
        days.append(entry)
        day += dt.timedelta(days=1)
    db.session.flush()
    for entry in days:
        audit(AuditAction.CREATE, entry, actor=actor, changes=snapshot(entry, FIELDS))
    return days


def remove_calendar_day(entry: CalendarDay, *, actor) -> None:
    """Take a day out of the table: the official rule (or the weekend) applies to it again.

    The trail has no delete action: the entry is an update to nothing, reason "removed",
    keeping the values the day had.
    """
    before = snapshot(entry, FIELDS)
    audit(
        AuditAction.UPDATE,
        entry,
        actor=actor,
        changes={key: [value, None] for key, value in before.items()},
        reason="removed",
    )
    db.session.delete(entry)
    db.session.flush()
