"""Repair statistics: the page with its month filter, and the same figures as a CSV download."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, request
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.permissions import login_required
from app.core.web import render
from app.repair import bp
from app.repair.stats import (
    DEADLINE_KEYS,
    DEFAULT_MONTHS,
    MAX_MONTHS,
    Period,
    RepairStatistics,
    add_months,
    default_period,
    parse_month,
    repair_statistics,
)
from app.repair.workflow import REPAIR


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _period_from_args() -> tuple[Period, dict[str, str], dict[str, str]]:
    """The period ``?from=YYYY-MM&to=YYYY-MM`` asks for, the values to show, and the errors by field.

    A missing ``to`` is this month, a missing ``from`` the eleventh month before ``to``. Any
    error keeps the default period, so the page still shows figures next to the message.
    """
    default = default_period()
    typed = {key: request.args.get(key, "").strip() for key in ("from", "to")}
    months, errors = {}, {}
    for key, text in typed.items():
        if text:
            months[key] = parse_month(text)
            if months[key] is None:
                errors[key] = _("Enter a month as YYYY-MM.")
    if not errors:
        last = months.get("to") or default.last
        first = months.get("from") or add_months(last, 1 - DEFAULT_MONTHS)
        period = Period(first, last)
        if first > last:
            errors["from"] = _("The first month is after the last one.")
        elif len(period.months) > MAX_MONTHS:
            errors["to"] = _("Choose at most %(count)d months.", count=MAX_MONTHS)
        else:
            return period, period.args, {}
    return default, typed, errors


def _deadline_titles() -> dict[str, str]:
    return {key: REPAIR.deadline_title(key) for key in DEADLINE_KEYS}


@bp.route("/statistics")
@login_required
def statistics():
    """Repair figures by month, product, fault category and part; warranty split; on-time rates."""
    period, values, errors = _period_from_args()
    stats = repair_statistics(period, locale=_locale())
    return render(
        "repair/statistics.html",
        "stats_body",
        stats=stats,
        values=values,
        errors=errors,
        deadline_titles=_deadline_titles(),
        status=422 if errors else 200,
    )


def _cell(value) -> str:
    """Text a spreadsheet shows as text: a leading ``=``, ``+``, ``-`` or ``@`` is not a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _rate(value) -> str:
    return "" if value is None else f"{value}%"


def statistics_rows(stats: RepairStatistics) -> list[list]:
    """The CSV's rows: one titled section per table of the page, a blank row between them."""
    titles = _deadline_titles()
    rows: list[list] = [[_("Repair statistics"), str(stats.period)], []]
    rows += [[_("By month")], [_("Month"), _("Received"), _("Closed"), _("In warranty (free)"), _("Paid")]]
    rows += [[m.label, m.received, m.closed, m.free, m.paid] for m in stats.months]
    rows += [[_("Total"), stats.received, stats.closed, stats.free, stats.paid], []]
    rows += [[_("By product")], [_("Model"), _("Product"), _("Cases"), _("In warranty (free)"), _("Paid")]]
    rows += [[p.model or _("No unit"), p.name, p.cases, p.free, p.paid] for p in stats.products]
    rows += [[], [_("By fault category")], [_("Code"), _("Fault category"), _("Cases")]]
    rows += [[c.code, c.title or _("Not categorised"), c.cases] for c in stats.categories]
    rows += [[], [_("Replaced parts")], [_("Part number"), _("Part name"), _("Quantity"), _("Cases")]]
    rows += [[p.part_no, p.part_name, p.quantity, p.cases] for p in stats.parts]
    w = stats.warranty
    rows += [
        [],
        [_("Warranty")],
        [_("In warranty"), w.in_warranty],
        [_("Out of warranty"), w.out_of_warranty],
    ]
    if w.unknown:
        rows.append([_("No warranty decision"), w.unknown])
    rows += [[_("In warranty, caused by the customer (paid)"), w.customer_caused]]
    rows += [[], [_("On-time rates")], [_("Deadline"), _("On time"), _("Late"), _("On-time rate")]]
    rows += [[titles[r.key], r.on_time, r.late, _rate(r.rate)] for r in stats.on_time]
    return rows


@bp.route("/statistics.csv")
@login_required
def statistics_csv():
    """The page's figures as a CSV file that Excel opens with the Chinese names intact."""
    period, _values, errors = _period_from_args()
    if errors:
        abort(422)
    stats = repair_statistics(period, locale=_locale())
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM: spreadsheet programs then read the file as UTF-8
    writer = csv.writer(buffer)
    for row in statistics_rows(stats):
        writer.writerow(_cell(value) for value in row)
    name = f"repair-statistics-{period.args['from']}-{period.args['to']}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
