"""Customers: list as page and fragment, type-ahead, create/edit with contacts, audit, locking, rights."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.masterdata.models import Customer, RegionClass
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.conftest import HX
from tests.core.masterdata_helpers import new_customer, row_ids


def customer_count() -> int:
    return db.session.scalar(select(func.count(Customer.id)))


def entries_for(customer) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "customer", AuditEntry.object_id == str(customer.id))
            .order_by(AuditEntry.id)
        )
    )


VALID = {
    "name": "苏州恒锐精密零部件有限公司",
    "region_class": "city",
    "address": "江苏省苏州市工业园区星澜街218号",
    "phone": "0512-6000 1001",
    "contact_id": ["", ""],
    "contact_name": ["王建国", ""],
    "contact_position": ["设备科科长", ""],
    "contact_phone": ["0512-6000 1002", ""],
    "contact_email": ["", ""],
}


@pytest.fixture
def sales(login_as):
    return login_as(Role.STAFF, department=Department.SALES)


@pytest.fixture
def many_customers(app):
    names = [f"客户{n:02d} Works" for n in range(12)]
    regions = [RegionClass.CITY, RegionClass.PROVINCE, RegionClass.REMOTE]
    return [new_customer(name, regions[i % 3]) for i, name in enumerate(names)]


# --- list -----------------------------------------------------------------------------------


def test_list_is_a_full_page_or_only_the_table(client, sales, many_customers):
    page = client.get("/masterdata/customers")
    assert page.status_code == 200
    assert b"<html" in page.data
    assert b'id="customer-quick-find"' in page.data
    assert len(row_ids(page.get_data(as_text=True), "customer")) == 12
    fragment = client.get("/masterdata/customers?region=remote", headers=HX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.data
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="customer-table">')
    assert "HX-Request" in fragment.headers["Vary"]


def test_filter_by_region_and_search_by_name(client, sales, many_customers):
    html = client.get("/masterdata/customers?region=province", headers=HX).get_data(as_text=True)
    expected = [c.id for c in many_customers if c.region_class == "province"]
    assert sorted(row_ids(html, "customer")) == sorted(expected)
    # part of the name, any letter case
    html = client.get("/masterdata/customers?q=03%20works", headers=HX).get_data(as_text=True)
    assert row_ids(html, "customer") == [many_customers[3].id]
    html = client.get("/masterdata/customers?q=nothing-like-this", headers=HX).get_data(as_text=True)
    assert row_ids(html, "customer") == []


def test_sort_by_name_region_and_created(client, sales, many_customers):
    by_name = sorted(many_customers, key=lambda c: c.name)
    html = client.get("/masterdata/customers?sort=-name", headers=HX).get_data(as_text=True)
    assert row_ids(html, "customer") == [c.id for c in reversed(by_name)]
    html = client.get("/masterdata/customers?sort=region", headers=HX).get_data(as_text=True)
    regions = [db.session.get(Customer, i).region_class for i in row_ids(html, "customer")]
    assert regions == sorted(regions)
    html = client.get("/masterdata/customers?sort=-created", headers=HX).get_data(as_text=True)
    assert row_ids(html, "customer") == [c.id for c in reversed(many_customers)]
    # the header link turns the current sort around and keeps the filter
    html = client.get("/masterdata/customers?sort=name&region=city", headers=HX).get_data(as_text=True)
    assert "sort=-name" in html
    assert "region=city" in html


def test_pages_keep_filter_and_sort(app, client, sales, many_customers):
    app.config["PAGE_SIZE"] = 5
    first = client.get("/masterdata/customers?sort=-name", headers=HX).get_data(as_text=True)
    second = client.get("/masterdata/customers?sort=-name&page=2", headers=HX).get_data(as_text=True)
    third = client.get("/masterdata/customers?sort=-name&page=3").get_data(as_text=True)
    ids = row_ids(first, "customer") + row_ids(second, "customer") + row_ids(third, "customer")
    assert ids == [c.id for c in sorted(many_customers, key=lambda c: c.name, reverse=True)]
    assert "<html" in third
    assert "page=3" in second
    assert "sort=-name" in second


def test_a_long_list_counts_only_a_few_pages_ahead_and_says_more_than(
    app, client, sales, many_customers, monkeypatch
):
    from app.core import pagination

    app.config["PAGE_SIZE"] = 2
    monkeypatch.setattr(pagination, "LOOKAHEAD_PAGES", 2)
    en = {**HX, "Accept-Language": "en"}
    html = client.get("/masterdata/customers", headers=en).get_data(as_text=True)
    assert "Page 1 of more than 3" in html  # 12 customers; counting stopped at page 1 + 2 pages
    assert "More than 6" in html
    assert "in all" not in html
    # far enough down, the count reaches the end and is exact again
    html = client.get("/masterdata/customers?page=5", headers=en).get_data(as_text=True)
    assert "Page 5 of 6" in html
    assert "12 in all" in html
    assert len(row_ids(html, "customer")) == 2


def test_first_rows_are_the_matching_records_in_order_and_no_more(app, many_customers):
    from app.core.masterdata.models import Customer
    from app.core.pagination import first_rows

    city = sorted((c for c in many_customers if c.region_class == RegionClass.CITY), key=lambda c: c.name)
    found = first_rows(Customer, Customer.region_class == RegionClass.CITY, (Customer.name.desc(),), 3)
    assert [c.id for c in found] == [c.id for c in reversed(city)][:3]
    assert first_rows(Customer, Customer.name == "nobody", (Customer.id,), 3) == []


def test_the_pager_speaks_chinese(app, client, sales, many_customers):
    app.config["PAGE_SIZE"] = 5
    html = client.get("/masterdata/customers", headers={**HX, "Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert "第 1 页，共 3 页" in html
    assert "共 12 条" in html
    assert "下一页" in html
    assert "Next" not in html


# --- type-ahead -----------------------------------------------------------------------------


def test_quick_find_lists_customers_by_part_of_the_name(client, sales):
    target = new_customer("无锡德信轴承有限公司", RegionClass.PROVINCE)
    new_customer("南京智源自动化设备有限公司", RegionClass.PROVINCE)
    response = client.get("/masterdata/customers/search?q=德信", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="customer-quick-results"' in html
    assert f'href="/masterdata/customers/{target.id}"' in html
    assert "南京智源" not in html


def test_type_ahead_shows_at_most_ten_and_prefix_first(client, sales):
    for n in range(14):
        new_customer(f"Delta Machinery {n:02d}")
    new_customer("Beta Delta Tools")
    html = client.get("/masterdata/customers/search?q=DELTA", headers=HX).get_data(as_text=True)
    assert html.count("list-group-item-action") == 10
    assert "Beta Delta Tools" not in html  # names starting with the text come first


def test_type_ahead_can_pick_into_a_hidden_field(client, sales):
    customer = new_customer("常州润达纺织机械有限公司", RegionClass.PROVINCE)
    html = client.get(
        "/masterdata/customers/search?pick=customer_id&customer_id_q=润达", headers=HX
    ).get_data(as_text=True)
    assert 'id="customer_id-results"' in html
    assert f'data-id="{customer.id}"' in html
    assert "<a " not in html  # buttons that fill the field, not links away from the form


def test_type_ahead_needs_login(client):
    assert client.get("/masterdata/customers/search?q=x", headers=HX).status_code == 401


# --- create ---------------------------------------------------------------------------------


def test_create_with_missing_field_shows_error_in_place_and_saves_nothing(client, sales):
    form = client.get("/masterdata/customers/new").get_data(as_text=True)
    for marker in ('id="customer-form"', 'name="name"', 'name="region_class"', 'name="address"',
                   'name="phone"', 'name="contact_name"'):  # fmt: skip
        assert marker in form
    response = client.post("/masterdata/customers/new", data={**VALID, "region_class": ""}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'id="customer-form"' in html
    assert 'id="region_class-error"' in html
    assert 'value="苏州恒锐精密零部件有限公司"' in html  # what was typed stays
    assert customer_count() == 0

    response = client.post("/masterdata/customers/new", data=VALID, headers=HX)
    assert response.status_code == 204
    customer = db.session.scalar(select(Customer))
    assert response.headers["HX-Redirect"] == f"/masterdata/customers/{customer.id}"
    assert customer.region_class == "city"
    assert [(c.name, c.position) for c in customer.contacts] == [("王建国", "设备科科长")]
    create = entries_for(customer)[-1]
    assert create.action == "create"
    assert create.actor_id == sales.id
    assert create.changes["name"] == VALID["name"]
    assert create.changes["region_class"] == "city"
    assert "王建国" in create.changes["contacts"]

    page = client.get(f"/masterdata/customers/{customer.id}").get_data(as_text=True)
    assert "王建国" in page
    assert 'id="history"' in page
    assert 'data-action="create"' in page


def test_without_htmx_create_redirects_after_post(client, sales):
    response = client.post("/masterdata/customers/new", data=VALID)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/masterdata/customers/")
    assert customer_count() == 1


def test_contact_needs_a_name(client, sales):
    data = {**VALID, "contact_name": ["", ""], "contact_phone": ["0512-1", ""]}
    response = client.post("/masterdata/customers/new", data=data, headers=HX)
    assert response.status_code == 422
    assert 'id="contact_name-n1-error"' in response.get_data(as_text=True)
    assert customer_count() == 0


def test_name_must_be_new(client, sales):
    new_customer(VALID["name"])
    response = client.post("/masterdata/customers/new", data=VALID, headers=HX)
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert customer_count() == 1


def test_add_contact_row_fragment(client, sales):
    response = client.get("/masterdata/customers/contact-row", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'name="contact_name"' in html
    assert 'class="row g-2 mb-2 contact-row"' in html


# --- edit -----------------------------------------------------------------------------------


def test_edit_records_differences_and_contact_changes(client, sales):
    customer = new_customer("扬州宏远五金制品有限公司", RegionClass.PROVINCE, contacts=["胡斌", "林峰"])
    hu, lin = customer.contacts
    data = {
        "version": customer.version,
        "name": customer.name,
        "region_class": "remote",
        "address": "江苏省扬州市邗江区宏远路19号",
        "phone": "",
        # 胡斌 renamed, 林峰 removed, 马超 added
        "contact_id": [str(hu.id), ""],
        "contact_name": ["胡斌（厂长）", "马超"],
        "contact_position": ["", ""],
        "contact_phone": ["", ""],
        "contact_email": ["", ""],
    }
    response = client.post(f"/masterdata/customers/{customer.id}/edit", data=data, headers=HX)
    assert response.status_code == 204
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    assert customer.region_class == "remote"
    assert [c.name for c in customer.contacts] == ["胡斌（厂长）", "马超"]
    assert customer.contacts[0].id == hu.id  # edited in place, not replaced
    update = entries_for(customer)[-1]
    assert update.action == "update"
    assert update.changes["region_class"] == ["province", "remote"]
    assert update.changes["address"] == ["", "江苏省扬州市邗江区宏远路19号"]
    assert "林峰" in update.changes["contacts"][0]
    assert "林峰" not in update.changes["contacts"][1]
    assert "name" not in update.changes


def test_stale_edit_is_refused_with_409(client, sales):
    customer = new_customer("南通海晟船舶配套有限公司", RegionClass.PROVINCE)
    stale = customer.version
    first = {"version": stale, "name": customer.name, "region_class": "city"}
    assert client.post(f"/masterdata/customers/{customer.id}/edit", data=first, headers=HX).status_code == 204
    second = {"version": stale, "name": "改名", "region_class": "remote"}
    response = client.post(f"/masterdata/customers/{customer.id}/edit", data=second, headers=HX)
    assert response.status_code == 409
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    assert (customer.name, customer.region_class) == ("南通海晟船舶配套有限公司", "city")


def test_invalid_edit_is_422_and_changes_nothing(client, sales):
    customer = new_customer("徐州恒力工程机械配件有限公司")
    data = {"version": customer.version, "name": "", "region_class": "city"}
    response = client.post(f"/masterdata/customers/{customer.id}/edit", data=data, headers=HX)
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "徐州恒力工程机械配件有限公司"
    assert entries_for(customer) == []


# --- who may edit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "department"),
    [
        ((Role.STAFF,), Department.SALES),
        ((Role.SERVICE_ENGINEER,), Department.SERVICE),
        ((Role.WAREHOUSE_KEEPER,), Department.LOGISTICS),
        ((Role.SYSTEM_ADMIN,), Department.QUALITY),
        ((Role.QUALITY_ADMIN,), Department.QUALITY),
    ],
)
def test_editors_see_the_edit_button(client, login_as, roles, department):
    customer = new_customer()
    login_as(*roles, department=department)
    page = client.get(f"/masterdata/customers/{customer.id}").get_data(as_text=True)
    assert 'id="edit-customer"' in page
    assert 'id="new-customer"' in client.get("/masterdata/customers").get_data(as_text=True)


@pytest.mark.parametrize(
    ("roles", "department"),
    [
        ((Role.STAFF,), Department.PRODUCTION),
        ((Role.STAFF,), Department.TECHNICAL),
        ((Role.DEPT_MANAGER,), Department.QUALITY),
        ((Role.GENERAL_MANAGER,), Department.COMMERCE),
    ],
)
def test_others_may_look_but_not_edit(client, login_as, roles, department):
    customer = new_customer()
    login_as(*roles, department=department)
    page = client.get(f"/masterdata/customers/{customer.id}")
    assert page.status_code == 200
    assert 'id="edit-customer"' not in page.get_data(as_text=True)
    assert 'id="new-customer"' not in client.get("/masterdata/customers").get_data(as_text=True)
    data = {"version": customer.version, "name": "改名", "region_class": "remote"}
    assert client.post(f"/masterdata/customers/{customer.id}/edit", data=data, headers=HX).status_code == 403
    assert client.post("/masterdata/customers/new", data=VALID, headers=HX).status_code == 403
    assert client.get("/masterdata/customers/new").status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "苏州测试机械有限公司"
    assert customer_count() == 1


def test_unknown_customer_is_404(client, sales):
    assert client.get("/masterdata/customers/999").status_code == 404
    assert client.post("/masterdata/customers/999/edit", data=VALID, headers=HX).status_code == 404
