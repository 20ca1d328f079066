"""The warranty of a unit, and the rule that produced it (DOMAIN.md §3).

The warranty starts at the acceptance (install) date, else at the ship date. With no record
of either, it is taken to start three months after production (the usual time from the
factory to the customer). It lasts the product's warranty months in every case.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

#: months from production to the assumed start when a unit has neither install nor ship date
NO_RECORD_MONTHS = 3


class WarrantyState:
    """The three answers the unit list filters on."""

    IN = "in"
    OUT = "out"
    UNKNOWN = "unknown"


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
    #: first covered day
    start: dt.date | None
    #: length in months (the product's warranty months)
    months: int
    #: the production date the start was derived from (basis ``production`` only)
    origin: dt.date | None = None

    def is_covered(self, on: dt.date) -> bool:
        return self.end is not None and on <= self.end

    def state(self, on: dt.date) -> str:
        if self.end is None:
            return WarrantyState.UNKNOWN
        return WarrantyState.IN if self.is_covered(on) else WarrantyState.OUT

    def explain(self) -> str:
        """The rule in words, e.g. "accepted 2026-03-01 + 12 months"."""
        if self.basis == "install":
            return _("accepted %(start)s + %(months)s months", start=self.start, months=self.months)
        if self.basis == "ship":
            return _("shipped %(start)s + %(months)s months", start=self.start, months=self.months)
        if self.basis == "production":
            return _(
                "no install or ship record: production date %(origin)s + %(delay)s months = %(start)s,"
                " + %(months)s months",
                origin=self.origin,
                delay=NO_RECORD_MONTHS,
                start=self.start,
                months=self.months,
            )
        return _("no install, ship or production date: warranty unknown")

    def summary(self, on: dt.date) -> str:
        """State and rule in one sentence, as the unit page shows it."""
        state = self.state(on)
        if state == WarrantyState.IN:
            return _("in warranty until %(end)s: %(rule)s", end=self.end, rule=self.explain())
        if state == WarrantyState.OUT:
            return _(
                "out of warranty since %(day)s: %(rule)s",
                day=self.end + dt.timedelta(days=1),
                rule=self.explain(),
            )
        return _("warranty unknown: %(rule)s", rule=self.explain())


def warranty_of(unit) -> Warranty:
    """Warranty starts at acceptance, else at shipping, else production + 3 months."""
    months = unit.product.warranty_months if unit.product else 0
    if unit.install_date:
        return Warranty(add_months(unit.install_date, months), "install", unit.install_date, months)
    if unit.ship_date:
        return Warranty(add_months(unit.ship_date, months), "ship", unit.ship_date, months)
    if unit.production_date:
        start = add_months(unit.production_date, NO_RECORD_MONTHS)
        return Warranty(add_months(start, months), "production", start, months, unit.production_date)
    return Warranty(None, "none", None, 0)


def earliest_covered(on: dt.date, months: int, delay: int = 0) -> dt.date:
    """The earliest base date whose warranty still covers ``on``.

    ``add_months`` never decreases as its day increases, so a unit with base date ``d`` is
    covered on ``on`` exactly when ``d`` is at least this date. The unit list uses it to
    filter by warranty state in SQL on every database, with the very rule above.
    """

    def end_for(base: dt.date) -> dt.date:
        return add_months(add_months(base, delay), months)

    low = dt.date(on.year - (months + delay) // 12 - 2, 1, 1)
    high = on
    while low < high:  # binary search for the first base date covering ``on``
        mid = low + (high - low) // 2
        if end_for(mid) >= on:
            high = mid
        else:
            low = mid + dt.timedelta(days=1)
    return low
