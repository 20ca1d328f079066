"""Repair settings: who may edit the fault categories and the fee scale, and what a change does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from app.repair.models import FaultCategory, FeeItem, FeeRate
from app.repair.services import create_quotation
from tests.conftest import HX as HTMX

#: an htmx request from a user reading English (the assertions quote the English texts)
HX = {**HTMX, "Accept-Language": "en"}

URL = "/repair/settings"


@pytest.fixture
def admin(world, make_user):
    return make_user(roles=[Role.SYSTEM_ADMIN], department=Department.QUALITY, display_name="系统管理员")


def person(world, admin, who: str):
    return admin if who == "admin" else world.people[who]


def category_count() -> int:
    return db.session.scalar(select(func.count(FaultCategory.id)))


def entries(object_type: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
        )
    )


def rate(item: FeeItem) -> FeeRate:
    return db.session.scalar(select(FeeRate).where(FeeRate.item == item.value))


def row_data(category: FaultCategory, **changes) -> dict:
    data = {
        "version": category.version,
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "is_active": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "quality", "manager"])
def test_the_allowed_roles_see_and_use_the_edit_controls(client, login, world, admin, who):
    login(person(world, admin, who))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="category-add-form"' in html
    assert f'id="category-form-{world.category.id}"' in html
    assert 'id="fee-form-labour_hour"' in html
    assert 'value="150.00"' in html

    response = client.post(
        f"{URL}/categories/{world.category.id}",
        data=row_data(world.category, name_en="Hydraulic system"),
        headers=HX,
    )
    assert response.status_code == 200
    response = client.post(f"{URL}/fees/travel_city", data={"version": 1, "amount": "220"}, headers=HX)
    assert response.status_code == 200
    db.session.expire_all()
    assert world.category.name_en == "Hydraulic system"
    assert rate(FeeItem.TRAVEL_CITY).amount == Decimal("220.00")


@pytest.mark.parametrize("who", ["sales", "engineer", "warehouse", "clerk", "tech_manager"])
def test_everybody_else_gets_403_and_no_edit_controls(client, login, world, who):
    login(world.people[who])
    for headers in ({}, HX):
        page = client.get(URL, headers=headers)
        assert page.status_code == 403
        html = page.get_data(as_text=True)
        assert "category-add-form" not in html
        assert "category-form-" not in html
        assert "fee-form-" not in html
    category = world.category
    new = {"code": "NEW", "name_zh": "新", "name_en": "New", "is_active": "y"}
    assert client.post(f"{URL}/categories", data=new, headers=HX).status_code == 403
    assert (
        client.post(f"{URL}/categories/{category.id}", data=row_data(category, name_en="X")).status_code
        == 403
    )
    assert (
        client.post(f"{URL}/fees/labour_hour", data={"version": 1, "amount": "1"}, headers=HX).status_code
        == 403
    )
    db.session.expire_all()
    assert category_count() == 2
    assert category.name_en == "Hydraulics"
    assert rate(FeeItem.LABOUR_HOUR).amount == Decimal("150.00")


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login(client, world):
    assert client.get(URL).status_code == 302
    assert client.post(f"{URL}/fees/labour_hour", data={"amount": "1"}, headers=HX).status_code == 401


# --- fault categories --------------------------------------------------------------------------------------


def test_adding_a_category_is_audited_and_lists_it(client, login, world):
    login(world.manager)
    data = {"code": "CNC", "name_zh": "数控系统", "name_en": "CNC system", "is_active": "y"}
    response = client.post(f"{URL}/categories", data=data, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == URL
    category = db.session.scalar(select(FaultCategory).where(FaultCategory.code == "CNC"))
    assert (category.name_zh, category.name_en, category.is_active) == ("数控系统", "CNC system", True)
    (entry,) = entries("repair_fault_category")
    assert entry.action == "create"
    assert entry.actor_id == world.manager.id
    assert entry.changes == {"code": "CNC", "name_zh": "数控系统", "name_en": "CNC system", "is_active": True}
    html = client.get(URL).get_data(as_text=True)
    assert f'<tr id="category-{category.id}"' in html
    assert "CNC system" in html
    # without htmx the full form redirects (post/redirect/get)
    plain = client.post(
        f"{URL}/categories", data={**data, "code": "LUB", "name_zh": "润滑", "name_en": "Lube"}
    )
    assert plain.status_code == 303
    assert category_count() == 4


@pytest.mark.parametrize("code", ["HYD", "hyd", " HYD "])
def test_a_duplicate_code_is_422_on_the_code_field_and_nothing_is_saved(client, login, world, code):
    login(world.manager)
    data = {"code": code, "name_zh": "液压", "name_en": "Hydraulics again", "is_active": "y"}
    response = client.post(f"{URL}/categories", data=data, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith('<form method="post" id="category-add-form"')
    assert 'id="code-error"' in html
    assert "already used by another category" in html
    assert 'value="Hydraulics again"' in html  # what was typed stays
    assert category_count() == 2
    assert entries("repair_fault_category") == []


def test_an_incomplete_category_is_422_next_to_the_field(client, login, world):
    login(world.manager)
    response = client.post(f"{URL}/categories", data={"code": "X", "name_zh": "", "name_en": "X"}, headers=HX)
    assert response.status_code == 422
    assert 'id="name_zh-error"' in response.get_data(as_text=True)
    assert category_count() == 2
    full = client.post(f"{URL}/categories", data={"code": "X", "name_zh": "", "name_en": "X"})
    assert full.status_code == 422
    assert "<html" in full.get_data(as_text=True)


def test_editing_a_category_in_place_takes_it_out_of_use(client, login, world, app):
    login(world.quality)
    category = world.category
    data = row_data(category, name_en="Hydraulic system", is_active=None)
    response = client.post(f"{URL}/categories/{category.id}", data=data, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith(f'<tr id="category-{category.id}"')
    assert 'value="Hydraulic system"' in html
    assert f'id="category-saved-{category.id}"' in html
    db.session.expire_all()
    assert (category.name_en, category.is_active, category.version) == ("Hydraulic system", False, 2)
    (entry,) = entries("repair_fault_category")
    assert entry.action == "update"
    assert entry.changes == {"name_en": ["Hydraulics", "Hydraulic system"], "is_active": [True, False]}
    # a category out of use is not offered at intake any more, but it is kept
    from app.repair.forms import IntakeForm

    with app.test_request_context():
        offered = [value for value, _label in IntakeForm().fault_category_id.choices]
    assert str(category.id) not in offered
    assert str(world.categories[1].id) in offered
    assert category_count() == 2
    # saving it unchanged writes no audit entry
    assert (
        client.post(f"{URL}/categories/{category.id}", data=row_data(category, is_active=None)).status_code
        == 200
    )
    assert len(entries("repair_fault_category")) == 1


def test_a_duplicate_code_on_edit_shows_in_the_row_and_saves_nothing(client, login, world):
    login(world.manager)
    other = world.categories[1]
    response = client.post(
        f"{URL}/categories/{other.id}", data=row_data(other, code="hyd", name_en="E"), headers=HX
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith(f'<tr id="category-{other.id}"')
    assert f'id="code-{other.id}-error"' in html
    assert "already used by another category" in html
    db.session.expire_all()
    assert (other.code, other.name_en, other.version) == ("ELE", "Electrical", 1)
    assert entries("repair_fault_category") == []
    # a blank field is refused the same way
    blank = client.post(f"{URL}/categories/{other.id}", data=row_data(other, name_zh=""), headers=HX)
    assert blank.status_code == 422
    assert f'id="name_zh-{other.id}-error"' in blank.get_data(as_text=True)


def test_a_stale_row_is_refused_with_409(client, login, world):
    login(world.manager)
    category = world.category
    first = row_data(category, name_en="First")
    assert client.post(f"{URL}/categories/{category.id}", data=first, headers=HX).status_code == 200
    second = {**first, "name_en": "Second"}  # made from the page before the first save
    assert client.post(f"{URL}/categories/{category.id}", data=second, headers=HX).status_code == 409
    db.session.expire_all()
    assert category.name_en == "First"


def test_unknown_rows_are_404(client, login, world):
    login(world.manager)
    assert client.post(f"{URL}/categories/9999", data={"version": 1}).status_code == 404
    assert client.post(f"{URL}/fees/parking", data={"amount": "1"}).status_code == 404


# --- fee scale ---------------------------------------------------------------------------------------------


def test_a_fee_change_is_audited_and_an_earlier_quotation_keeps_its_price(client, login, world, make_case):
    before = make_case("awaiting_quote", paid=True)
    old = create_quotation(before, labour_hours=Decimal("2.0"), lines=[], actor=world.clerk)
    db.session.commit()
    assert old.labour_rate == Decimal("150.00")

    login(world.manager)
    response = client.post(f"{URL}/fees/labour_hour", data={"version": 1, "amount": "180.5"}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith('<tr id="fee-labour_hour"')
    assert 'value="180.50"' in html
    assert 'id="fee-saved-labour_hour"' in html
    (entry,) = [e for e in entries("repair_fee_rate") if e.actor_id is not None]
    assert entry.action == "update"
    assert entry.actor_id == world.manager.id
    assert entry.changes == {"amount": ["150.00", "180.50"]}

    db.session.expire_all()
    assert rate(FeeItem.LABOUR_HOUR).amount == Decimal("180.50")
    assert old.labour_rate == Decimal("150.00")
    assert old.total == Decimal("500.00")  # 2 h × 150 + city travel 200
    after = make_case("awaiting_quote", paid=True)
    new = create_quotation(after, labour_hours=Decimal("2.0"), lines=[], actor=world.clerk)
    assert new.labour_rate == Decimal("180.50")


@pytest.mark.parametrize("amount", ["", "-5", "abc", "1.234", "NaN", "1E+12"])
def test_an_invalid_price_is_422_in_its_row_and_changes_nothing(client, login, world, amount):
    login(world.manager)
    count = len(entries("repair_fee_rate"))
    response = client.post(f"{URL}/fees/travel_remote", data={"version": 1, "amount": amount}, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<tr id="fee-travel_remote"')
    assert 'id="amount-travel_remote-error"' in html
    db.session.expire_all()
    assert rate(FeeItem.TRAVEL_REMOTE).amount == Decimal("1500.00")
    assert len(entries("repair_fee_rate")) == count


def test_a_stale_price_is_refused_with_409_and_an_unchanged_one_is_not_audited(client, login, world):
    login(world.manager)
    count = len(entries("repair_fee_rate"))
    assert (
        client.post(f"{URL}/fees/travel_province", data={"version": 1, "amount": "600.00"}).status_code == 200
    )
    assert len(entries("repair_fee_rate")) == count
    assert client.post(f"{URL}/fees/travel_province", data={"version": 1, "amount": "650"}).status_code == 200
    assert client.post(f"{URL}/fees/travel_province", data={"version": 1, "amount": "700"}).status_code == 409
    assert client.post(f"{URL}/fees/travel_province", data={"amount": "700"}).status_code == 409
    db.session.expire_all()
    assert rate(FeeItem.TRAVEL_PROVINCE).amount == Decimal("650.00")


def test_an_item_not_yet_priced_is_created_by_its_first_price(client, login, world):
    db.session.delete(rate(FeeItem.TRAVEL_REMOTE))
    db.session.commit()
    login(world.manager)
    html = client.get(URL).get_data(as_text=True)
    assert 'id="amount-travel_remote" form="fee-form-travel_remote" value=""' in html
    response = client.post(f"{URL}/fees/travel_remote", data={"version": "", "amount": "1600"}, headers=HX)
    assert response.status_code == 200
    assert rate(FeeItem.TRAVEL_REMOTE).amount == Decimal("1600.00")
    assert entries("repair_fee_rate")[-1].action == "create"


# --- the two shapes ----------------------------------------------------------------------------------------


def test_page_and_fragments_have_their_shapes(client, login, world):
    login(world.manager)
    page = client.get(URL)
    assert page.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    category = world.category
    fragment = client.post(f"{URL}/categories/{category.id}", data=row_data(category), headers=HX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    # without htmx the same post answers with the whole page, the row in it
    db.session.expire_all()
    full = client.post(f"{URL}/categories/{category.id}", data=row_data(category, name_en="Hydro"))
    html = full.get_data(as_text=True)
    assert full.status_code == 200
    assert "<html" in html
    assert f'<tr id="category-{category.id}"' in html
    assert 'id="fee-table"' in html
    fee = client.post(f"{URL}/fees/labour_hour", data={"version": 1, "amount": "160"})
    assert "<html" in fee.get_data(as_text=True)
    fee_fragment = client.post(f"{URL}/fees/labour_hour", data={"version": 2, "amount": "170"}, headers=HX)
    assert "<html" not in fee_fragment.get_data(as_text=True)
