"""Small pieces every form of the portal uses: trimmed text and times on the company's clock."""

from __future__ import annotations

import datetime as dt

from app.core.calendar.queries import company_timezone


def strip(value):
    """A WTForms filter: text without surrounding blanks (anything else as it is)."""
    return value.strip() if isinstance(value, str) else value


def to_aware(value: dt.datetime | None) -> dt.datetime | None:
    """A ``datetime-local`` input is the company's clock; store it aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=company_timezone())


def to_local_input(value: dt.datetime | None) -> dt.datetime | None:
    """An aware time as the company's clock, for a ``datetime-local`` input."""
    if value is None:
        return None
    return value.astimezone(company_timezone()).replace(tzinfo=None, second=0, microsecond=0)
