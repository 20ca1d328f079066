"""The warranty of a unit, and the rule that produced it (DOMAIN.md §3)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

#: months of cover when a unit has neither install nor ship date
NO_RECORD_MONTHS = 3


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Warranty:
    #: last covered day; ``None`` when the unit has no date to start from
    end: dt.date | None
    #: ``install``, ``ship``, ``production`` or ``none``
    basis: str
    start: dt.date | None
    months: int

    def is_covered(self, on: dt.date) -> bool:
        return self.end is not None and on <= self.end

    def explain(self) -> str:
        """The rule in words, e.g. "accepted 2026-03-01 + 12 months"."""
        if self.basis == "install":
            return _("accepted %(start)s + %(months)s months", start=self.start, months=self.months)
        if self.basis == "ship":
            return _("shipped %(start)s + %(months)s months", start=self.start, months=self.months)
        if self.basis == "production":
            return _(
                "no record: production date %(start)s + %(months)s months",
                start=self.start,
                months=self.months,
            )
        return _("no install, ship or production date: warranty unknown")


def warranty_of(unit) -> Warranty:
    """Warranty starts at acceptance, else at shipping; with no record, production + 3 months."""
    months = unit.product.warranty_months if unit.product else 0
    if unit.install_date:
        return Warranty(add_months(unit.install_date, months), "install", unit.install_date, months)
    if unit.ship_date:
        return Warranty(add_months(unit.ship_date, months), "ship", unit.ship_date, months)
    if unit.production_date:
        return Warranty(
            add_months(unit.production_date, NO_RECORD_MONTHS),
            "production",
            unit.production_date,
            NO_RECORD_MONTHS,
        )
    return Warranty(None, "none", None, 0)
