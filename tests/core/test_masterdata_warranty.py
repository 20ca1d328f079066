"""The warranty rule of DOMAIN.md §3 and the date arithmetic under it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from app.core.masterdata.warranty import NO_RECORD_MONTHS, add_months, earliest_covered, warranty_of
from tests.core.masterdata_helpers import d


@pytest.fixture
def request_ctx(app):
    """Messages are translated per request (the locale comes from the user or the browser)."""
    with app.test_request_context():
        yield


def unit(months=12, production=None, ship=None, install=None):
    product = SimpleNamespace(warranty_months=months)
    return SimpleNamespace(
        product=product,
        production_date=d(production) if production else None,
        ship_date=d(ship) if ship else None,
        install_date=d(install) if install else None,
    )


@pytest.mark.parametrize(
    ("dates", "months", "basis", "start", "end"),
    [
        # acceptance beats shipping and production
        ({"production": "2025-12-01", "ship": "2026-02-01", "install": "2026-03-01"}, 12, "install",
         "2026-03-01", "2027-03-01"),
        # no acceptance: the ship date
        ({"production": "2025-12-01", "ship": "2026-02-10"}, 18, "ship", "2026-02-10", "2027-08-10"),
        # no install or ship record: production + 3 months, then the product's months
        ({"production": "2026-01-10"}, 12, "production", "2026-04-10", "2027-04-10"),
        # month ends: 31 January + 1 month is the last day of February
        ({"install": "2026-01-31"}, 1, "install", "2026-01-31", "2026-02-28"),
        ({"install": "2028-01-31"}, 1, "install", "2028-01-31", "2028-02-29"),
        ({"ship": "2026-08-31"}, 6, "ship", "2026-08-31", "2027-02-28"),
        ({"production": "2025-11-30"}, 12, "production", "2026-02-28", "2027-02-28"),
        # a product without warranty: covered on the start day only
        ({"install": "2026-05-05"}, 0, "install", "2026-05-05", "2026-05-05"),
    ],
)  # fmt: skip
def test_warranty_rule(request_ctx, dates, months, basis, start, end):
    w = warranty_of(unit(months, **dates))
    assert (w.basis, w.start, w.end, w.months) == (basis, d(start), d(end), months)
    assert w.is_covered(d(end))
    assert not w.is_covered(d(end) + dt.timedelta(days=1))
    assert str(w.start) in w.explain()
    if basis == "production":
        assert w.origin == d(dates["production"])
        assert dates["production"] in w.explain()


def test_nothing_recorded_means_unknown(request_ctx):
    w = warranty_of(unit(12))
    assert (w.end, w.basis, w.start) == (None, "none", None)
    assert w.state(d("2026-11-22")) == "unknown"
    assert not w.is_covered(d("2026-11-22"))


def test_summary_names_the_end_and_the_rule(request_ctx):
    w = warranty_of(unit(12, ship="2026-01-01", install="2026-03-01"))
    inside = w.summary(d("2026-11-22"))
    assert "2027-03-01" in inside
    assert "2026-03-01" in inside
    assert "12" in inside
    assert w.state(d("2027-03-01")) == "in"
    assert w.state(d("2027-03-02")) == "out"
    # out of warranty from the day after the last covered day
    assert "2027-03-02" in w.summary(d("2027-06-01"))


@pytest.mark.parametrize("months", [0, 1, 6, 11, 12, 18, 24, 36])
@pytest.mark.parametrize("delay", [0, NO_RECORD_MONTHS])
def test_earliest_covered_start_is_exact(months, delay):
    """The unit list filters in SQL on this bound: it must agree with the rule for every day."""
    for on in (d("2026-11-22"), d("2026-02-28"), d("2028-02-29"), d("2026-03-31"), d("2026-12-31")):
        bound = earliest_covered(on, months, delay)
        for offset in range(-40, 40):
            base = bound + dt.timedelta(days=offset)
            covered = add_months(add_months(base, delay), months) >= on
            assert covered == (base >= bound), (on, months, delay, base)
