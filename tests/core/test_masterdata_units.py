"""Units: list filters (warranty state in SQL), type-ahead by serial, detail, create/edit, rights."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.masterdata import services as masterdata_services
from app.core.masterdata.models import Unit
from app.core.masterdata.queries import unit_query
from app.core.masterdata.views import units as unit_views
from app.core.masterdata.warranty import warranty_of
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.core.signals import collect_unit_history
from app.extensions import db
from tests.conftest import HX
from tests.core.masterdata_helpers import d, new_customer, new_product, new_unit, row_ids

TODAY = d("2026-11-22")


def unit_count() -> int:
    return db.session.scalar(select(func.count(Unit.id)))


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(unit_views, "local_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def service(login_as):
    return login_as(Role.SERVICE_ENGINEER, department=Department.SERVICE)


@pytest.fixture
def fleet(app):
    """Units whose warranty ended, ends today, ends tomorrow, and one with no dates at all."""
    customer = new_customer("苏州瑞丰汽车配件有限公司")
    other = new_customer("兰州西固石化设备有限公司", "remote")
    press = new_product("QP-100", 12)
    laser = new_product("QP-300", 24)
    return {
        "ended": new_unit(
            "QP100-0001", press, customer, install_date=d("2025-11-21"), ship_date=d("2025-11-01")
        ),
        "today": new_unit("QP100-0002", press, customer, ship_date=d("2025-11-22")),
        "tomorrow": new_unit("QP300-0003", laser, other, production_date=d("2024-08-23")),
        "unknown": new_unit("QP300-0004", laser, None),
        "customer": customer,
        "other": other,
        "press": press,
        "laser": laser,
    }


def test_list_is_a_full_page_or_only_the_table(client, service, fleet, today):
    page = client.get("/masterdata/units")
    assert b"<html" in page.data
    assert b'id="unit-quick-find"' in page.data
    fragment = client.get("/masterdata/units?q=qp100", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in html
    assert sorted(row_ids(html, "unit")) == sorted([fleet["ended"].id, fleet["today"].id])


@pytest.mark.parametrize(
    ("state", "expected"),
    [("in", ["today", "tomorrow"]), ("out", ["ended"]), ("unknown", ["unknown"])],
)
def test_filter_by_warranty_state(client, service, fleet, today, state, expected):
    html = client.get(f"/masterdata/units?warranty={state}", headers=HX).get_data(as_text=True)
    assert sorted(row_ids(html, "unit")) == sorted(fleet[name].id for name in expected)
    assert html.count(f'data-warranty="{state}"') == len(expected)


def test_filter_by_product_and_customer(client, service, fleet, today):
    html = client.get(f"/masterdata/units?product={fleet['laser'].id}", headers=HX).get_data(as_text=True)
    assert sorted(row_ids(html, "unit")) == sorted([fleet["tomorrow"].id, fleet["unknown"].id])
    html = client.get(f"/masterdata/units?customer={fleet['customer'].id}&warranty=in", headers=HX).get_data(
        as_text=True
    )
    assert row_ids(html, "unit") == [fleet["today"].id]


def test_sort_by_ship_date_puts_empty_dates_last(client, service, fleet, today):
    html = client.get("/masterdata/units?sort=-ship", headers=HX).get_data(as_text=True)
    ids = row_ids(html, "unit")
    assert ids[:2] == [fleet["today"].id, fleet["ended"].id]
    assert set(ids[2:]) == {fleet["tomorrow"].id, fleet["unknown"].id}
    html = client.get("/masterdata/units?sort=customer", headers=HX).get_data(as_text=True)
    assert row_ids(html, "unit")[-1] == fleet["unknown"].id


def test_pagination_of_units(app, client, service, fleet, today):
    app.config["PAGE_SIZE"] = 3
    first = client.get("/masterdata/units", headers=HX).get_data(as_text=True)
    second = client.get("/masterdata/units?page=2", headers=HX).get_data(as_text=True)
    assert row_ids(first, "unit") + row_ids(second, "unit") == [
        fleet[k].id for k in ("ended", "today", "tomorrow", "unknown")
    ]


def test_sql_warranty_filter_agrees_with_the_rule(app):
    """Month ends, every basis, several lengths: the SQL filter and warranty_of never disagree."""
    products = [new_product(f"QP-{m}", m) for m in (0, 1, 6, 12, 18)]
    n = 0
    for product in products:
        for day in ("2025-05-22", "2025-08-31", "2025-11-22", "2025-11-23", "2026-05-31", "2026-11-22"):
            for basis in ("install_date", "ship_date", "production_date"):
                n += 1
                new_unit(f"S{n:04d}", product, **{basis: d(day)})
    units = db.session.scalars(select(Unit)).unique().all()
    for on in (TODAY, d("2026-02-28"), d("2026-12-01")):
        for state in ("in", "out", "unknown"):
            found = {u.id for u in db.session.scalars(unit_query(warranty=state, today=on)).unique()}
            assert found == {u.id for u in units if warranty_of(u).state(on) == state}, (on, state)


# --- type-ahead -----------------------------------------------------------------------------


def test_unit_type_ahead_by_serial(client, service, fleet):
    html = client.get("/masterdata/units/search?q=0003", headers=HX).get_data(as_text=True)
    assert "<html" not in html
    assert 'id="unit-quick-results"' in html
    assert f'href="/masterdata/units/{fleet["tomorrow"].id}"' in html
    assert "QP100-0001" not in html
    # prefix, any case; restricted to one customer for a form that already knows it
    html = client.get(
        f"/masterdata/units/search?pick=unit_id&unit_id_q=qp1&customer_id={fleet['customer'].id}", headers=HX
    ).get_data(as_text=True)
    assert 'id="unit_id-results"' in html
    assert f'data-id="{fleet["ended"].id}"' in html
    assert f'data-id="{fleet["today"].id}"' in html
    assert "QP300" not in html
    # a wildcard typed is a character searched for: no serial holds "_"
    html = client.get("/masterdata/units/search?q=QP1_0", headers=HX).get_data(as_text=True)
    assert "QP100" not in html


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_warranty_end_and_rule(client, service, fleet, today):
    html = client.get(f"/masterdata/units/{fleet['today'].id}").get_data(as_text=True)
    assert 'data-warranty="in"' in html
    assert 'data-basis="ship"' in html
    assert 'id="unit-warranty-end">2026-11-22<' in html
    assert "2025-11-22" in html  # the ship date the rule started from
    assert "苏州瑞丰汽车配件有限公司" in html
    html = client.get(f"/masterdata/units/{fleet['ended'].id}").get_data(as_text=True)
    assert 'data-warranty="out"' in html
    assert 'data-basis="install"' in html
    assert "2026-11-22" in html  # out of warranty since the day after 2026-11-21
    html = client.get(f"/masterdata/units/{fleet['tomorrow'].id}").get_data(as_text=True)
    assert 'data-basis="production"' in html
    assert "2026-11-23" in html
    html = client.get(f"/masterdata/units/{fleet['unknown'].id}").get_data(as_text=True)
    assert 'data-warranty="unknown"' in html


def test_service_archive_collects_events_through_the_signal(client, service, fleet):
    unit = fleet["today"]
    page = client.get(f"/masterdata/units/{unit.id}").get_data(as_text=True)
    assert 'id="service-archive"' in page
    assert "list-group-item" not in page.split('id="service-archive"')[1]

    def repairs(sender):
        assert sender.id == unit.id
        return [
            (dt.date(2026, 3, 1), "WX-202603-0001 报修", "/repair/1"),
            (dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC), "BY-202606-0002 维护保养", None),
        ]

    with collect_unit_history.connected_to(repairs):
        page = client.get(f"/masterdata/units/{unit.id}").get_data(as_text=True)
    archive = page.split('id="service-archive"')[1].split("</section>")[0]
    assert archive.index("BY-202606-0002") < archive.index("WX-202603-0001")  # newest first
    assert 'href="/repair/1"' in archive


# --- create and edit ------------------------------------------------------------------------


def unit_form(product, customer=None, **values):
    data = {
        "serial": "QP200-2026-0001",
        "batch": "B202601-01",
        "product_id": str(product.id),
        "customer_id": str(customer.id) if customer else "",
        "site": "二号车间",
        "production_date": "2026-01-05",
        "ship_date": "2026-02-01",
        "install_date": "2026-03-01",
    }
    data.update(values)
    return data


def test_create_unit_with_picked_customer_is_audited(client, service, fleet):
    response = client.post(
        "/masterdata/units/new", data=unit_form(fleet["press"], fleet["other"]), headers=HX
    )
    assert response.status_code == 204
    unit = db.session.scalar(select(Unit).where(Unit.serial == "QP200-2026-0001"))
    assert unit.customer_id == fleet["other"].id
    assert unit.install_date == d("2026-03-01")
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.object_type == "unit", AuditEntry.object_id == str(unit.id))
    )
    assert entry.action == "create"
    assert entry.actor_id == service.id
    assert entry.changes["customer"] == "兰州西固石化设备有限公司"
    assert entry.changes["install_date"] == "2026-03-01"


def test_duplicate_serial_is_422_next_to_the_field(client, service, fleet):
    before = unit_count()
    response = client.post(
        "/masterdata/units/new", data=unit_form(fleet["press"], serial="qp100-0001"), headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'id="serial-error"' in html
    assert unit_count() == before


def test_duplicate_serial_under_a_race_is_still_a_field_error(client, service, fleet, monkeypatch):
    """Two users save the same serial at once: the check passes for both, the database refuses one."""
    # the form's check (it reads services.serial_taken) sees no clash; the unique index does
    monkeypatch.setattr(masterdata_services, "serial_taken", lambda serial, exclude=None: False)
    before = unit_count()
    response = client.post(
        "/masterdata/units/new", data=unit_form(fleet["press"], serial="QP100-0001"), headers=HX
    )
    assert response.status_code == 422
    assert 'id="serial-error"' in response.get_data(as_text=True)
    assert unit_count() == before


def test_dates_out_of_order_and_unknown_customer(client, service, fleet):
    data = unit_form(fleet["press"], ship_date="2025-12-01", customer_id="99999")
    response = client.post("/masterdata/units/new", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="ship_date-error"' in html
    assert 'id="customer_id-error"' in html
    assert unit_count() == 4


def test_edit_unit_records_changes_and_refuses_stale_version(client, service, fleet):
    unit = fleet["today"]
    data = unit_form(
        fleet["laser"], fleet["other"], serial=unit.serial, version=unit.version, install_date=""
    )
    response = client.post(f"/masterdata/units/{unit.id}/edit", data=data, headers=HX)
    assert response.status_code == 204
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "unit", AuditEntry.object_id == str(unit.id))
    ).all()[-1]
    assert entry.action == "update"
    assert entry.changes["customer"] == ["苏州瑞丰汽车配件有限公司", "兰州西固石化设备有限公司"]
    assert entry.changes["product"] == ["QP-100 数控折弯机", "QP-300 数控折弯机"]
    assert entry.changes["ship_date"] == ["2025-11-22", "2026-02-01"]
    # the same stale page sent again
    response = client.post(f"/masterdata/units/{unit.id}/edit", data={**data, "site": "x"}, headers=HX)
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).site == "二号车间"


def test_edit_to_a_taken_serial_is_422(client, service, fleet):
    unit = fleet["today"]
    data = unit_form(fleet["press"], serial="QP100-0001", version=unit.version)
    response = client.post(f"/masterdata/units/{unit.id}/edit", data=data, headers=HX)
    assert response.status_code == 422
    assert 'id="serial-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).serial == "QP100-0002"


def test_viewer_sees_no_edit_button_and_gets_403(client, login_as, fleet):
    login_as(Role.STAFF, department=Department.PRODUCTION)
    unit = fleet["today"]
    page = client.get(f"/masterdata/units/{unit.id}")
    assert page.status_code == 200
    assert 'id="edit-unit"' not in page.get_data(as_text=True)
    assert 'id="new-unit"' not in client.get("/masterdata/units").get_data(as_text=True)
    data = unit_form(fleet["press"], serial=unit.serial, version=unit.version, site="changed")
    assert client.post(f"/masterdata/units/{unit.id}/edit", data=data, headers=HX).status_code == 403
    assert client.post("/masterdata/units/new", data=unit_form(fleet["press"]), headers=HX).status_code == 403
    assert unit_count() == 4


def test_editor_sees_edit_button(client, service, fleet):
    page = client.get(f"/masterdata/units/{fleet['today'].id}").get_data(as_text=True)
    assert 'id="edit-unit"' in page
    form = client.get(f"/masterdata/units/{fleet['today'].id}/edit").get_data(as_text=True)
    assert 'id="customer_id-search"' in form
    assert 'value="苏州瑞丰汽车配件有限公司"' in form
