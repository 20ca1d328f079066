"""Traceability: where did a batch or a serial go, what did a customer receive — one indexed query."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import insert, select

from app.core.masterdata.models import Customer, RegionClass, Unit
from app.core.records.audit import AuditEntry, history_of
from app.core.signals import unit_shipped
from app.core.traceability import ShippedItem, UnitShipment, affected_customers, record_shipment, trace_query
from app.extensions import db
from tests.conftest import HX
from tests.core.masterdata_helpers import new_customer, new_product, new_unit

EN = {"Accept-Language": "en"}
UTC = dt.UTC


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


@pytest.fixture
def shipped(app):
    """Batch B2611-01 split over three documents to two customers; a third customer got batch B2611-02."""
    product = new_product("QP-200", 12, "数控折弯机")
    cabinet = new_product("QPC-30", 6, "电气控制柜")
    suzhou = new_customer("苏州精密机械有限公司", RegionClass.CITY)
    wuxi = new_customer("无锡德信轴承有限公司", RegionClass.PROVINCE)
    urumqi = new_customer("乌鲁木齐天山矿业机械有限公司", RegionClass.REMOTE)
    new_customer("南京智源自动化设备有限公司", RegionClass.PROVINCE)  # received nothing
    units = [new_unit(f"SN-{i:03d}", product, None) for i in range(1, 8)]
    for unit in units[:5]:
        unit.batch = "B2611-01"
    for unit in units[5:]:
        unit.batch = "B2611-02"
    db.session.commit()

    def ship(items, customer, when, number, site=""):
        record_shipment(
            items,
            customer_id=customer.id,
            site=site,
            shipped_at=when,
            document_type="test_document",
            document_id=int(number[-1]),
            document_number=number,
            actor=None,
        )

    ship(
        [ShippedItem(unit=units[0]), ShippedItem(unit=units[1])],
        suzhou,
        at("2026-11-03"),
        "DOC-1",
        "一号车间",
    )
    ship(
        [ShippedItem(unit=units[2]), ShippedItem(product_id=cabinet.id, batch="B2611-01", quantity=10)],
        wuxi,
        at("2026-11-10"),
        "DOC-2",
    )
    ship(
        [ShippedItem(unit=units[3]), ShippedItem(unit=units[5])],
        suzhou,
        at("2026-11-20"),
        "DOC-3",
        "二号车间",
    )
    ship([ShippedItem(unit=units[6])], urumqi, at("2026-11-25"), "DOC-4")
    db.session.commit()
    return {"units": units, "suzhou": suzhou, "wuxi": wuxi, "urumqi": urumqi, "cabinet": cabinet}


def test_a_batch_split_over_several_documents_reaches_exactly_its_customers(shipped):
    rows = db.session.scalars(trace_query(batch="B2611-01")).all()
    assert [(r.document_number, r.serial, r.quantity) for r in rows] == [
        ("DOC-1", "SN-001", 1),
        ("DOC-1", "SN-002", 1),
        ("DOC-2", "SN-003", 1),
        ("DOC-2", "", 10),
        ("DOC-3", "SN-004", 1),
    ]
    customers = affected_customers(trace_query(batch="B2611-01"))
    assert [(c.customer.name, c.quantity, c.documents) for c in customers] == [
        ("无锡德信轴承有限公司", 11, 1),
        ("苏州精密机械有限公司", 3, 2),
    ]
    suzhou = customers[1]
    assert suzhou.first_shipped_at == at("2026-11-03")
    assert suzhou.last_shipped_at == at("2026-11-20")
    assert suzhou.first_shipped_at.tzinfo is not None
    assert db.session.scalars(trace_query(batch="B2611-99")).all() == []
    assert [c.customer.name for c in affected_customers(trace_query(batch=" B2611-02 "))] == [
        "乌鲁木齐天山矿业机械有限公司",
        "苏州精密机械有限公司",
    ]


def test_the_reverse_what_a_customer_received(shipped):
    rows = db.session.scalars(trace_query(customer_id=shipped["suzhou"].id)).all()
    assert [(r.document_number, r.serial, r.batch, r.site) for r in rows] == [
        ("DOC-1", "SN-001", "B2611-01", "一号车间"),
        ("DOC-1", "SN-002", "B2611-01", "一号车间"),
        ("DOC-3", "SN-004", "B2611-01", "二号车间"),
        ("DOC-3", "SN-006", "B2611-02", "二号车间"),
    ]
    november = trace_query(customer_id=shipped["suzhou"].id, shipped_from=dt.date(2026, 11, 20))
    assert [r.serial for r in db.session.scalars(november)] == ["SN-004", "SN-006"]
    until = trace_query(customer_id=shipped["suzhou"].id, shipped_to=dt.date(2026, 11, 3))
    assert [r.serial for r in db.session.scalars(until)] == ["SN-001", "SN-002"]
    (one,) = db.session.scalars(trace_query(serial="SN-006")).all()
    assert (one.customer_id, one.document_number) == (shipped["suzhou"].id, "DOC-3")


def test_shipped_units_get_customer_site_and_ship_date_audited_and_signalled(app):
    product = new_product("QP-200", 12, "数控折弯机")
    customer = new_customer("苏州精密机械有限公司", RegionClass.CITY)
    unit = new_unit("SN-1", product, None)
    heard = []

    def receiver(sender, **kw):
        heard.append((sender.serial, kw["shipment"].customer_id))

    unit_shipped.connect(receiver)
    try:
        # 23:30 in Shanghai is the next day's 15:30 UTC: the ship date is the company's day
        record_shipment(
            [ShippedItem(unit=unit)],
            customer_id=customer.id,
            site="三号车间",
            shipped_at=dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
            document_type="test_document",
            document_id=1,
            document_number="DOC-1",
            actor=None,
        )
    finally:
        unit_shipped.disconnect(receiver)
    db.session.commit()
    unit = db.session.get(Unit, unit.id)
    assert (unit.customer_id, unit.site, unit.ship_date) == (customer.id, "三号车间", dt.date(2026, 12, 1))
    assert heard == [("SN-1", customer.id)]
    (entry,) = [e for e in history_of(unit) if e.action == "update"]
    assert entry.changes["customer"] == [None, "苏州精密机械有限公司"]
    assert entry.changes["ship_date"] == [None, "2026-12-01"]
    assert "DOC-1" in entry.reason
    with pytest.raises(ValueError, match="aware"):
        record_shipment(
            [],
            customer_id=customer.id,
            site="",
            shipped_at=dt.datetime(2026, 12, 1),
            document_type="x",
            document_id=1,
            document_number="",
            actor=None,
        )


def test_the_page_is_a_fragment_for_htmx_and_answers_422_without_a_criterion(client, login_as, shipped):
    login_as()
    empty = client.get("/traceability/", headers=EN)
    assert empty.status_code == 200
    assert 'id="trace-form"' in empty.get_data(as_text=True)
    refused = client.get("/traceability/?shipped_from=2026-11-01", headers={**EN, **HX})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="batch-error"' in html
    backwards = client.get(
        "/traceability/?batch=B2611-01&shipped_from=2026-11-10&shipped_to=2026-11-01", headers=HX
    )
    assert backwards.status_code == 422
    assert 'id="shipped_to-error"' in backwards.get_data(as_text=True)
    fragment = client.get("/traceability/?batch=B2611-01", headers={**EN, **HX}).get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="trace-panel"')
    assert 'id="trace-customer-count">2<' in fragment
    assert fragment.count('<tr id="shipment-') == 5
    full = client.get(f"/traceability/?customer_id={shipped['urumqi'].id}", headers=EN).get_data(as_text=True)
    assert "<html" in full
    assert "SN-007" in full
    assert full.count('<tr id="shipment-') == 1


def test_the_csv_export_is_audited_and_keeps_chinese_names(client, login_as, shipped):
    user = login_as()
    response = client.get("/traceability/export.csv?batch=B2611-01", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Shipped at", "Customer", "Site", "Document"]
    assert len(rows) == 6
    assert rows[1][:4] == ["2026-11-03 10:00", "苏州精密机械有限公司", "一号车间", "DOC-1"]
    assert {r[1] for r in rows[1:]} == {"苏州精密机械有限公司", "无锡德信轴承有限公司"}
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert entry.actor_id == user.id
    assert entry.changes == {"filters": {"batch": "B2611-01"}, "rows": 5}
    assert client.get("/traceability/export.csv").status_code == 422


def _plan(statement) -> str:
    """The database's plan for ``statement`` (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    if connection.dialect.name == "sqlite":
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
        return "\n".join(str(row[-1]) for row in rows)
    connection.exec_driver_sql("ANALYZE unit_shipment")
    rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    return "\n".join(str(row[0]) for row in rows)


def test_the_trace_uses_its_indexes_with_twenty_thousand_units(app):
    """Timings belong in benchmarks: what keeps it fast at 100 000 units is that every lookup
    is an index search, never a scan of the shipments."""
    product = new_product("QP-200", 12, "数控折弯机")
    now = dt.datetime(2026, 11, 1, tzinfo=UTC)
    db.session.execute(
        insert(Customer),
        [
            {"name": f"客户{i:02d}", "region_class": "city", "created_at": now, "version": 1}
            for i in range(50)
        ],
    )
    customer_ids = db.session.scalars(select(Customer.id).order_by(Customer.id)).all()
    count = 20_000
    db.session.execute(
        insert(Unit),
        [
            {
                "serial": f"SN-{i:06d}",
                "batch": f"B{i // 50:04d}",
                "product_id": product.id,
                "created_at": now,
                "version": 1,
            }
            for i in range(count)
        ],
    )
    units = db.session.execute(select(Unit.id, Unit.serial, Unit.batch).order_by(Unit.id)).all()
    db.session.execute(
        insert(UnitShipment),
        [
            {
                "unit_id": unit_id,
                "serial": serial,
                "batch": batch,
                "product_id": product.id,
                "quantity": 1,
                "customer_id": customer_ids[index % len(customer_ids)],
                "site": "",
                "shipped_at": now + dt.timedelta(minutes=index),
                "document_type": "test_document",
                "document_id": index // 20,
                "document_number": f"DOC-{index // 20}",
                "recorded_at": now,
            }
            for index, (unit_id, serial, batch) in enumerate(units)
        ],
    )
    db.session.commit()
    assert db.session.scalars(trace_query(batch="B0123")).all()[0].serial == "SN-006150"

    for statement, index in (
        (trace_query(batch="B0123"), "ix_unit_shipment_batch"),
        (trace_query(serial="SN-012345"), "ix_unit_shipment_serial"),
        (
            trace_query(customer_id=customer_ids[7], shipped_from=dt.date(2026, 11, 5)),
            "ix_unit_shipment_customer",
        ),
        (trace_query(unit_id=units[99][0]), "ix_unit_shipment_unit"),
    ):
        plan = _plan(statement)
        assert index in plan, plan
        assert "SCAN unit_shipment" not in plan, plan
        assert "Seq Scan on unit_shipment" not in plan, plan
    summary = _plan(affected_customers_statement(trace_query(batch="B0123")))
    assert "ix_unit_shipment_batch" in summary, summary


def affected_customers_statement(query):
    """The summary query of :func:`affected_customers`, for its plan."""
    from sqlalchemy import func

    found = query.order_by(None).subquery()
    return select(found.c.customer_id, func.sum(found.c.quantity)).group_by(found.c.customer_id)
