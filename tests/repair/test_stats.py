"""Repair statistics: figures by month, product, fault category and part; on-time rates; page and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.core.masterdata.queries import local_today
from app.core.records.engine import create_record, transition
from app.extensions import db
from app.repair.models import RepairRequest
from app.repair.services import create_requisition
from app.repair.stats import (
    CategoryRow,
    PartRow,
    Period,
    ProductRow,
    WarrantySplit,
    add_months,
    default_period,
    parse_month,
    repair_statistics,
)
from tests.conftest import HX
from tests.core.masterdata_helpers import new_product, new_unit

EN = {"Accept-Language": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: dt.date, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An instant in the company time zone (aware)."""
    return dt.datetime(month.year, month.month, day, hour, minute, tzinfo=SHANGHAI)


def test_months_are_counted_in_the_company_calendar():
    assert add_months(dt.date(2025, 11, 1), 3) == dt.date(2026, 2, 1)
    assert add_months(dt.date(2025, 1, 1), -1) == dt.date(2024, 12, 1)
    assert parse_month("2025-03") == dt.date(2025, 3, 1)
    assert parse_month(" 2025-3 ") == dt.date(2025, 3, 1)
    for bad in ("", "2025-13", "2025-00", "25-03", "2025/03", "abc", "2025-03-01"):
        assert parse_month(bad) is None, bad
    period = default_period(dt.date(2025, 3, 15))
    assert (period.first, period.last) == (dt.date(2024, 4, 1), dt.date(2025, 3, 1))
    assert len(period.months) == 12
    assert str(period) == "2024-04 – 2025-03"


def test_the_default_period_ends_this_month_in_shanghai(app):
    period = default_period()
    assert period.last == local_today().replace(day=1)
    assert len(period.months) == 12
    # a month begins at midnight in Shanghai: 16:00 UTC the day before
    assert Period(dt.date(2025, 3, 1), dt.date(2025, 3, 1)).start == dt.datetime(
        2025, 2, 28, 16, tzinfo=dt.UTC
    )


@pytest.fixture
def history(world, make_case):
    """Cases over two months, three months ago (m1) and two months ago (m2), plus noise to leave out.

    m1: A (QP-300, in warranty, hydraulics; closed in m2), B (QP-200, paid, electrical).
    m2: C (QP-300, in warranty but caused by the customer, hydraulics), D (QP-300, hydraulics,
    received at 00:30 Shanghai on the 1st, which is still the month before in UTC).
    Left out: a draft and a voided case in m1, a case received in the month after m2.
    """
    w = world
    m1 = add_months(local_today().replace(day=1), -3)
    m2 = add_months(m1, 1)
    laser = new_product("QP-300", 12, "激光切割机")
    recent = new_unit("SN-LASER-004", laser, w.customer, install_date=local_today() - dt.timedelta(days=200))
    hydraulics, electrical = w.categories

    a = make_case("completed", unit=recent, now=at(m1, 10))
    transition(a, "close", actor=w.manager, now=at(m2, 15))
    b = make_case("received", paid=True, now=at(m1, 20), fault_category_id=electrical.id)
    c = make_case("received", unit=recent, now=at(m2, 5))
    c.customer_caused = True
    d = make_case("received", unit=recent, now=at(m2, 1, 0, 30))
    void = make_case("declined", paid=True, now=at(m1, 12))
    later = make_case("received", unit=recent, now=at(add_months(m2, 1), 3))
    draft = create_record(
        RepairRequest,
        {"received_at": at(m1, 15), "unit_id": recent.id, "fault_category_id": hydraulics.id},
        actor=w.clerk,
    )
    db.session.commit()

    def requisition(case, lines, submitted_at=None):
        req = create_requisition(
            case,
            [{"part_no": no, "part_name": name, "quantity": qty} for no, name, qty in lines],
            actor=w.clerk,
            now=submitted_at,
        )
        if submitted_at is not None:
            transition(req, "submit", actor=w.clerk, now=submitted_at)
        db.session.commit()
        return req

    requisition(c, [("P-1001", "主油泵", 1), ("P-2002", "密封圈", 2)], at(m2, 6))
    requisition(d, [("P-2002", "密封圈", 3)], at(m2, 7))
    requisition(b, [("P-3003", "比例阀", 1)], at(m1, 21))
    requisition(c, [("P-2002", "密封圈", 10)])  # a draft: not requested
    cancelled = requisition(d, [("P-1001", "主油泵", 5)], at(m2, 8))
    transition(cancelled, "cancel", actor=w.clerk, reason="领错了")
    requisition(void, [("P-1001", "主油泵", 7)], at(m1, 13))
    requisition(later, [("P-2002", "密封圈", 4)], at(add_months(m2, 1), 4))  # after the period
    transition(void, "void", actor=w.quality, reason="重复登记")
    db.session.commit()
    assert void.status == "void"
    assert draft.status == "draft"
    return SimpleNamespace(m1=m1, m2=m2, period=Period(m1, m2), cases=(a, b, c, d))


def test_cases_are_counted_by_month_received_and_closed(history):
    stats = repair_statistics(history.period)
    m1, m2 = stats.months
    assert (m1.month, m1.received, m1.closed, m1.free, m1.paid) == (history.m1, 2, 0, 1, 1)
    # D, received at 00:30 on the 1st in Shanghai, is in m2; A closed in m2
    assert (m2.month, m2.received, m2.closed, m2.free, m2.paid) == (history.m2, 2, 1, 1, 1)
    assert (stats.received, stats.closed, stats.free, stats.paid) == (4, 1, 2, 2)


def test_one_month_alone_and_a_month_without_cases(history):
    only_m2 = repair_statistics(Period(history.m2, history.m2))
    assert [(m.received, m.closed) for m in only_m2.months] == [(2, 1)]
    before = add_months(history.m1, -1)
    empty_then_m1 = repair_statistics(Period(before, history.m1))
    assert [(m.month, m.received) for m in empty_then_m1.months] == [(before, 0), (history.m1, 2)]
    assert empty_then_m1.products == [
        ProductRow("QP-200", "数控折弯机", 1, 0, 1),
        ProductRow("QP-300", "激光切割机", 1, 1, 0),
    ]


def test_cases_by_product_and_fault_category(history):
    stats = repair_statistics(history.period, locale="zh")
    assert stats.products == [
        ProductRow("QP-300", "激光切割机", 3, 2, 1),
        ProductRow("QP-200", "数控折弯机", 1, 0, 1),
    ]
    assert stats.categories == [CategoryRow("HYD", "液压系统", 3), CategoryRow("ELE", "电气故障", 1)]
    english = repair_statistics(history.period, locale="en")
    assert [c.title for c in english.categories] == ["Hydraulics", "Electrical"]


def test_replaced_parts_are_summed_from_requested_requisitions(history):
    stats = repair_statistics(history.period)
    # drafts, cancelled requisitions, the voided case and requisitions after the period left out
    assert stats.parts == [
        PartRow("P-2002", "密封圈", 5, 2),
        PartRow("P-1001", "主油泵", 1, 1),
        PartRow("P-3003", "比例阀", 1, 1),
    ]


def test_warranty_split(history):
    stats = repair_statistics(history.period)
    assert stats.warranty == WarrantySplit(in_warranty=3, out_of_warranty=1, unknown=0, customer_caused=1)
    assert stats.warranty.total == 4


def test_on_time_reply_and_on_site_rates(world, make_case):
    """E replies and arrives in time; F replies late, arrives in time (remote: 7 working days);
    H was received long ago and is still waiting; G, received an hour ago, is not due yet."""
    w = world
    m1 = add_months(local_today().replace(day=1), -3)
    e = make_case("dispatched", now=at(m1, 10, 9))
    transition(e, "schedule", actor=w.engineer, values={"appointment_at": at(m1, 10, 11)}, now=at(m1, 10, 10))
    transition(e, "arrive", actor=w.engineer, now=at(m1, 10, 12))
    f = make_case("dispatched", unit=w.remote_unit, now=at(m1, 12, 9))
    late_reply = at(m1, 12, 9) + dt.timedelta(hours=30)
    transition(f, "schedule", actor=w.engineer, values={"appointment_at": late_reply}, now=late_reply)
    transition(f, "arrive", actor=w.engineer, now=at(m1, 12, 9) + dt.timedelta(hours=48))
    make_case("received", now=at(m1, 3, 9))  # H
    make_case("received", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))  # G
    k = make_case("received", now=at(m1, 14, 9))  # K: cancelled within the hour, met no deadline
    transition(k, "cancel", actor=w.manager, reason="重复报修", now=at(m1, 14, 10))
    db.session.commit()

    stats = repair_statistics(Period(m1, local_today().replace(day=1)))
    reply, onsite = stats.on_time_for("reply"), stats.on_time_for("onsite")
    assert (reply.on_time, reply.late, str(reply.rate)) == (1, 2, "33.3")
    assert (onsite.on_time, onsite.late, str(onsite.rate)) == (2, 1, "66.7")
    assert stats.received == 5
    # nothing decided yet in the current month alone: no rate rather than 0 %
    now_only = repair_statistics(Period(local_today().replace(day=1), local_today().replace(day=1)))
    assert now_only.on_time_for("reply").counted == 0
    assert now_only.on_time_for("reply").rate is None


def _args(history) -> str:
    return f"from={history.m1:%Y-%m}&to={history.m2:%Y-%m}"


def test_the_page_is_for_every_logged_in_user_in_both_shapes(client, login, world, history):
    assert client.get("/repair/statistics").status_code == 302
    login(world.sales)
    page = client.get(f"/repair/statistics?{_args(history)}", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html
    assert 'id="repair-stats"' in html
    assert f'<tr id="month-{history.m2:%Y-%m}"><td>{history.m2:%Y-%m}</td><td class="text-end">2</td>' in html
    assert '<div class="fs-4" id="total-received">4</div>' in html
    assert "Hydraulics" in html
    assert "激光切割机" in html
    assert "密封圈" in html
    assert f'href="/repair/statistics.csv?from={history.m1:%Y-%m}&amp;to={history.m2:%Y-%m}"' in html

    fragment = client.get(f"/repair/statistics?{_args(history)}", headers={**EN, **HX})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="repair-stats">')
    assert '<div class="fs-4" id="total-received">4</div>' in body
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13", "from"),
        ("to=nonsense", "to"),
        ("from=2025-06&to=2025-01", "from"),
        ("from=2000-01", "to"),
    ],
)
def test_a_bad_month_keeps_the_default_period_and_says_why(client, login, world, history, query, field):
    login(world.sales)
    response = client.get(f"/repair/statistics?{query}", headers={**EN, **HX})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'id="stats-{field}-error"' in body
    assert 'class="form-control form-control-sm is-invalid"' in body
    assert str(default_period()) in body
    # the default period (the last twelve months) holds the four cases and the one after them
    assert '<div class="fs-4" id="total-received">5</div>' in body
    assert client.get(f"/repair/statistics.csv?{query}").status_code == 422


def test_the_csv_export_has_every_section_with_the_same_figures(client, login, world, history):
    login(world.sales)
    response = client.get(f"/repair/statistics.csv?{_args(history)}", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"repair-statistics-{history.m1:%Y-%m}-{history.m2:%Y-%m}.csv" in disposition
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Repair statistics", f"{history.m1:%Y-%m} – {history.m2:%Y-%m}"]
    assert [f"{history.m1:%Y-%m}", "2", "0", "1", "1"] in rows
    assert [f"{history.m2:%Y-%m}", "2", "1", "1", "1"] in rows
    assert ["Total", "4", "1", "2", "2"] in rows
    assert ["QP-300", "激光切割机", "3", "2", "1"] in rows
    assert ["QP-200", "数控折弯机", "1", "0", "1"] in rows
    assert ["HYD", "Hydraulics", "3"] in rows
    assert ["P-2002", "密封圈", "5", "2"] in rows
    assert ["P-1001", "主油泵", "1", "1"] in rows
    assert ["In warranty", "3"] in rows
    assert ["Out of warranty", "1"] in rows
    # every on-time clock of these old cases is late by now (the fixture walks at today's time)
    assert ["Reply", "0", "4", "0.0%"] in rows
    sections = [row[0] for row in rows if len(row) == 1]
    assert sections == [
        "By month",
        "By product",
        "By fault category",
        "Replaced parts",
        "Warranty",
        "On-time rates",
    ]
