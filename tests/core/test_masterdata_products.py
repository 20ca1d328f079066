"""Products: the technical department keeps models and warranty months."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.masterdata.models import Product
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.conftest import HX
from tests.core.masterdata_helpers import new_product, row_ids


def product_count() -> int:
    return db.session.scalar(select(func.count(Product.id)))


@pytest.fixture
def technical(login_as):
    return login_as(Role.STAFF, department=Department.TECHNICAL)


def test_create_product_and_list_it(client, technical):
    data = {"model": "QP-350", "name": "光纤激光切割机", "warranty_months": "24"}
    response = client.post("/masterdata/products/new", data=data, headers=HX)
    assert response.status_code == 204
    product = db.session.scalar(select(Product))
    assert (product.model, product.warranty_months) == ("QP-350", 24)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "product"))
    assert entry.action == "create"
    assert entry.changes["warranty_months"] == 24
    page = client.get("/masterdata/products")
    assert b"<html" in page.data
    assert row_ids(page.get_data(as_text=True), "product") == [product.id]
    fragment = client.get("/masterdata/products?q=%E5%85%89%E7%BA%A4", headers=HX)  # 光纤
    assert b"<html" not in fragment.data
    assert row_ids(fragment.get_data(as_text=True), "product") == [product.id]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"model": "QP-200"}, "model"),  # taken (any letter case below)
        ({"model": "qp-200"}, "model"),
        ({"warranty_months": "121"}, "warranty_months"),
        ({"warranty_months": "-1"}, "warranty_months"),
        ({"warranty_months": ""}, "warranty_months"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_product_is_422_next_to_the_field(client, technical, values, field):
    new_product("QP-200")
    data = {"model": "QP-300", "name": "激光切割机", "warranty_months": "12", **values}
    response = client.post("/masterdata/products/new", data=data, headers=HX)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert product_count() == 1


def test_warranty_months_bounds_are_accepted(client, technical):
    for model, months in (("QP-A", "0"), ("QP-B", "120")):
        data = {"model": model, "name": "x", "warranty_months": months}
        assert client.post("/masterdata/products/new", data=data, headers=HX).status_code == 204
    assert product_count() == 2


def test_edit_product_is_audited_and_locked(client, technical):
    product = new_product("QP-200", 12)
    data = {"version": product.version, "model": "QP-200", "name": "数控折弯机", "warranty_months": "18"}
    assert client.post(f"/masterdata/products/{product.id}/edit", data=data, headers=HX).status_code == 204
    assert 'id="edit-product"' in client.get(f"/masterdata/products/{product.id}").get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "product")).all()[-1]
    assert entry.action == "update"
    assert entry.changes == {"warranty_months": [12, 18]}
    response = client.post(
        f"/masterdata/products/{product.id}/edit", data={**data, "warranty_months": "6"}, headers=HX
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Product, product.id).warranty_months == 18


def test_sales_cannot_edit_products(client, login_as):
    product = new_product("QP-200", 12)
    login_as(Role.STAFF, department=Department.SALES)
    page = client.get(f"/masterdata/products/{product.id}").get_data(as_text=True)
    assert 'id="edit-product"' not in page
    assert 'id="new-product"' not in client.get("/masterdata/products").get_data(as_text=True)
    data = {"version": product.version, "model": "QP-200", "name": "x", "warranty_months": "36"}
    assert client.post(f"/masterdata/products/{product.id}/edit", data=data, headers=HX).status_code == 403
    assert client.post("/masterdata/products/new", data=data, headers=HX).status_code == 403
    db.session.expire_all()
    assert db.session.get(Product, product.id).warranty_months == 12
